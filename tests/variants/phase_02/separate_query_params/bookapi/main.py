"""Correct: one `Query(...)` per parameter, and `async def` handlers (nothing here blocks)."""

from typing import Annotated

from bookapi.schemas import Book, BookCreate
from bookapi.store import store
from fastapi import FastAPI, HTTPException, Path, Query

app = FastAPI(title="Book API", version="0.2.0")

Limit = Annotated[int, Query(ge=1, le=100, description="How many books to return.")]
Offset = Annotated[int, Query(ge=0, description="How many books to skip first.")]
AuthorFilter = Annotated[str | None, Query(max_length=100, description="Only this author's books.")]


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/books")
async def list_books(
    limit: Limit = 20, offset: Offset = 0, author: AuthorFilter = None
) -> list[Book]:
    return store.list(limit=limit, offset=offset, author=author)


@app.get("/books/{book_id}")
async def get_book(book_id: Annotated[int, Path(ge=1)]) -> Book:
    book = store.get(book_id)
    if book is None:
        raise HTTPException(status_code=404, detail=f"Book {book_id} not found")
    return book


@app.post("/books")
async def create_book(book: BookCreate) -> Book:
    return store.add(book)
