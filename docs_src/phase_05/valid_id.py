"""A dependency that validates against the data: the book exists, or the answer is 404."""

# --8<-- [start:imports]
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Path, Request, status
from pydantic import BaseModel

# --8<-- [end:imports]


class Book(BaseModel):
    id: int
    title: str


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.books = {1: Book(id=1, title="Kindred"), 2: Book(id=2, title="Dawn")}
    yield


def get_books(request: Request) -> dict[int, Book]:
    return request.app.state.books


BooksDep = Annotated[dict[int, Book], Depends(get_books)]


# --8<-- [start:valid_book_id]
def valid_book_id(book_id: Annotated[int, Path(ge=1)], books: BooksDep) -> Book:
    book = books.get(book_id)
    if book is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"Book {book_id} not found")
    return book


BookDep = Annotated[Book, Depends(valid_book_id)]
# --8<-- [end:valid_book_id]

app = FastAPI(lifespan=lifespan)


# --8<-- [start:routes]
@app.get("/books/{book_id}")
def read_book(book: BookDep) -> Book:
    return book


@app.delete("/books/{book_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_book(book: BookDep, books: BooksDep) -> None:
    del books[book.id]


# --8<-- [end:routes]
