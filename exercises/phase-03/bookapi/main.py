"""Phase 3 — Responses with Pydantic.

Read README.md in this folder for the task. The TODOs are numbered: 1-4 in bookapi/schemas.py,
5 in bookapi/security.py, 6 in bookapi/store.py and 7-8 here. Then:

    fastapi dev bookapi/main.py      # serve it with reload; open http://127.0.0.1:8000/docs
    grade phase-3                    # run the hidden checks
"""

from typing import Annotated

from fastapi import FastAPI, HTTPException, Path, Query

from bookapi.schemas import Book, BookCreate, BookQuery
from bookapi.store import store

app = FastAPI(title="Book API", version="0.3.0")


@app.get("/health")
def health() -> dict[str, str]:
    """Answers as long as the process can serve requests."""
    return {"status": "ok"}


# TODO 7: the book routes answer `BookPublic`, never the stored `Book`: keep returning the
#         stored book, and declare `response_model=BookPublic` (`list[BookPublic]` for the list)
#         in each decorator. FastAPI then validates the stored object against it, sends only its
#         fields and documents it; no conversion of your own. Never build a response by hand
#         (`JSONResponse(book.model_dump())` skips the filtering).


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


# TODO 8: the user routes, each answering `UserPublic` (never `User`, never a password):
#   - POST /users: body `UserCreate`; hash the password with `hash_password`, store the user
#     with `user_store.add(...)`, answer the new user (200 for now; Phase 4 makes it 201).
#   - GET /users: every user, as `list[UserPublic]`.
#   - GET /users/{user_id}: `Annotated[int, Path(ge=1)]`; the user, or 404 {"detail": ...}.
