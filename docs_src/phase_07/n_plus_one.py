"""Count the SQL statements a piece of code sends, and watch the N+1 query appear and go."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from sqlalchemy import Engine, event
from sqlalchemy.orm import joinedload, selectinload
from sqlmodel import Session, select

from docs_src.phase_07.models import Book


# --8<-- [start:counter]
@contextmanager
def counting_statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine sends while the block runs, in order."""
    statements: list[str] = []

    def remember(
        _conn: Any, _cursor: Any, statement: str, _params: Any, _ctx: Any, _many: bool
    ) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", remember)
# --8<-- [end:counter]


# --8<-- [start:loading]
Loading = Literal["lazy", "selectin", "joined"]


def authors_of_every_book(session: Session, loading: Loading) -> list[str]:
    statement = select(Book).order_by(Book.id)
    if loading == "selectin":
        statement = statement.options(selectinload(Book.author))  # 1 query + 1 for authors
    elif loading == "joined":
        statement = statement.options(joinedload(Book.author))  # 1 query with a JOIN
    books = session.exec(statement).all()
    # With "lazy", each `book.author` below that is not loaded yet costs one more query.
    return [book.author.name for book in books]
# --8<-- [end:loading]
