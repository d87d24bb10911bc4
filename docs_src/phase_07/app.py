"""A small book API on a database: create, list (with each book's author), and PATCH.

Run it with `fastapi dev docs_src/phase_07/app.py`: the books land in `bookapi.db`.
"""

from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, status
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from docs_src.phase_07.database import SessionDep, SettingsDep, lifespan
from docs_src.phase_07.models import Author, Book, BookCreate, BookPublic, BookUpdate

app = FastAPI(lifespan=lifespan)


def author_named(session: Session, name: str) -> Author:
    """The author with this name: the stored row, or a new one that the next flush inserts."""
    author = session.exec(select(Author).where(Author.name == name)).first()
    return author or Author(name=name)


# --8<-- [start:create]
@app.post("/books", status_code=status.HTTP_201_CREATED, response_model=BookPublic)
def create_book(data: BookCreate, session: SessionDep) -> Book:
    book = Book(**data.model_dump(exclude={"author"}), author=author_named(session, data.author))
    session.add(book)
    try:
        session.flush()  # INSERT now (author, then book), inside the request's transaction
    except IntegrityError:
        # The database refused the ISBN. get_session rolls back the whole request, so the
        # author inserted a moment ago goes too: nothing is half-written.
        raise HTTPException(status.HTTP_409_CONFLICT, "That ISBN is already stored") from None
    return book  # the response_model turns the row into a BookPublic
# --8<-- [end:create]


# --8<-- [start:list]
@app.get("/books", response_model=list[BookPublic])
def list_books(
    session: SessionDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Book]:
    statement = (
        select(Book)
        .options(selectinload(Book.author))  # every author in ONE more query
        .order_by(col(Book.id))  # pages need a stable order
        .offset(offset)
        .limit(min(limit, settings.max_page_size))  # the cap is part of the SQL
    )
    return session.exec(statement).all()
# --8<-- [end:list]


# --8<-- [start:patch]
@app.patch("/books/{book_id}", response_model=BookPublic)
def update_book(book_id: int, changes: BookUpdate, session: SessionDep) -> Book:
    book = session.get(Book, book_id)
    if book is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Book not found")
    sent = changes.model_dump(exclude_unset=True)  # only what the client wrote in the body
    if "author" in sent:
        book.author = author_named(session, sent.pop("author"))
    book.sqlmodel_update(sent)  # set each remaining field that was sent, nothing else
    session.add(book)
    try:
        session.flush()
    except IntegrityError:
        raise HTTPException(status.HTTP_409_CONFLICT, "That ISBN is already stored") from None
    return book
# --8<-- [end:patch]
