"""Wrong: an `if` in the handler, answering a bad year with status 200 and an error body."""

from typing import Annotated

from bookapi.schemas import Book, BookCreate, BookQuery
from bookapi.store import store
from fastapi import FastAPI, HTTPException, Path, Query

app = FastAPI(title="Book API", version="0.2.0")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/books")
def list_books(query: Annotated[BookQuery, Query()]) -> list[Book]:
    return store.list(limit=query.limit, offset=query.offset, author=query.author)


@app.get("/books/{book_id}")
def get_book(book_id: Annotated[int, Path(ge=1)]) -> Book:
    book = store.get(book_id)
    if book is None:
        raise HTTPException(status_code=404, detail=f"Book {book_id} not found")
    return book


@app.post("/books")
def create_book(book: BookCreate) -> Book | dict[str, str]:
    if not 1450 <= book.year <= 2100:
        return {"error": "year must be between 1450 and 2100"}
    return store.add(book)
