"""Authors: a page of them (an author is created with their first book)."""

from fastapi import APIRouter

from bookapi import services
from bookapi.dependencies import PageDep, SessionDep
from bookapi.schemas import AuthorPublic

router = APIRouter(prefix="/authors", tags=["authors"])


@router.get("")
def list_authors(page: PageDep, session: SessionDep) -> list[AuthorPublic]:
    """A page of authors, oldest first."""
    return [AuthorPublic.model_validate(a) for a in services.list_authors(session, page)]
