"""Authors: a page of them (an author is created with their first book)."""

from fastapi import APIRouter

from bookapi import services
from bookapi.dependencies import PageDep, SessionDep
from bookapi.models import Author
from bookapi.schemas import AuthorPublic

# TODO 2: the prefix "/authors" and the tag "authors", as for the books.
router = APIRouter()


@router.get("/authors", response_model=list[AuthorPublic])
def list_authors(page: PageDep, session: SessionDep) -> list[Author]:
    """A page of authors, oldest first."""
    return services.list_authors(session, page)
