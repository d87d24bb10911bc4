"""The Book API after Phase 2: routes whose inputs are declared, and checked, by type hints."""

from typing import Annotated

from fastapi import FastAPI, HTTPException, Path, Query

from bookapi.schemas import Book, BookCreate, BookQuery
from bookapi.store import store

app = FastAPI(title="Book API", version="0.2.0")


@app.get("/health")
def health() -> dict[str, str]:
    """Answers as long as the process can serve requests."""
    return {"status": "ok"}


@app.get("/books")
def list_books(query: Annotated[BookQuery, Query()]) -> list[Book]:
    """A page of books, oldest first, optionally only one author's."""
    return store.list(limit=query.limit, offset=query.offset, author=query.author)


@app.get("/books/{book_id}")
def get_book(book_id: Annotated[int, Path(ge=1)]) -> Book:
    """One book by its id, or 404."""
    book = store.get(book_id)
    if book is None:
        raise HTTPException(status_code=404, detail=f"Book {book_id} not found")
    return book


@app.post("/books")
def create_book(book: BookCreate) -> Book:
    """Store a new book. (Phase 4 makes this answer 201 Created.)"""
    return store.add(book)
