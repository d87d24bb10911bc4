"""Book queries behind a class: one repository per session."""

from sqlalchemy.orm import joinedload
from sqlmodel import Session, col, func, select

from bookapi.models import Author, Book


class BookRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, book_id: int) -> Book | None:
        return self.session.get(Book, book_id)

    def page(self, offset: int, limit: int, author: str | None = None) -> list[Book]:
        statement = (
            select(Book)
            .options(joinedload(Book.author))  # type: ignore[arg-type]
            .order_by(col(Book.id))
            .offset(offset)
            .limit(limit)
        )
        if author is not None:
            statement = statement.join(Author).where(func.lower(Author.name) == author.lower())
        return list(self.session.exec(statement).all())
