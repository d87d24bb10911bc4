"""Wrong: plain `int` query parameters, checked by hand inside the handler."""

from typing import Annotated

from bookapi.schemas import Book, BookCreate
from bookapi.store import store
from fastapi import FastAPI, HTTPException, Path

app = FastAPI(title="Book API", version="0.2.0")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/books")
def list_books(limit: int = 20, offset: int = 0, author: str | None = None) -> list[Book]:
    if limit < 1 or limit > 100:
        raise HTTPException(status_code=400, detail="limit must be between 1 and 100")
    if offset < 0:
        raise HTTPException(status_code=400, detail="offset must not be negative")
    return store.list(limit=limit, offset=offset, author=author)


@app.get("/books/{book_id}")
def get_book(book_id: Annotated[int, Path(ge=1)]) -> Book:
    book = store.get(book_id)
    if book is None:
        raise HTTPException(status_code=404, detail=f"Book {book_id} not found")
    return book


@app.post("/books")
def create_book(book: BookCreate) -> Book:
    return store.add(book)
