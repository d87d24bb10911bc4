"""Correct: 201 Created for a new book (ahead of Phase 4), and `Path(gt=0)` for the id."""

from typing import Annotated

from bookapi.schemas import Book, BookCreate, BookQuery
from bookapi.store import store
from fastapi import FastAPI, HTTPException, Path, Query, status

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
def get_book(book_id: Annotated[int, Path(gt=0)]) -> Book:
    """One book by its id, or 404."""
    book = store.get(book_id)
    if book is None:
        raise HTTPException(status_code=404, detail=f"Book {book_id} not found")
    return book


@app.post("/books", status_code=status.HTTP_201_CREATED)
def create_book(book: BookCreate) -> Book:
    """Store a new book. (Phase 4 makes this answer 201 Created.)"""
    return store.add(book)
