"""Authors: listed by page, and found (or made) by name when a book names them."""

from sqlmodel import Session, col, select

from bookapi.models import Author
from bookapi.schemas import Page


def list_authors(session: Session, page: Page) -> list[Author]:
    statement = select(Author).order_by(col(Author.id)).offset(page.offset).limit(page.limit)
    return list(session.exec(statement).all())


def author_named(session: Session, name: str) -> Author:
    """The stored author with this name, or a new one that the next flush inserts."""
    author = session.exec(select(Author).where(Author.name == name)).first()
    return author if author is not None else Author(name=name)
