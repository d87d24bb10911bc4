"""Wrong: `response_model_exclude` drops the hash from answers, but the schema still shows it."""

from typing import Annotated

from bookapi.schemas import BookCreate, BookPublic, BookQuery, User, UserCreate
from bookapi.security import hash_password
from bookapi.store import store, user_store
from fastapi import FastAPI, HTTPException, Path, Query

app = FastAPI(title="Book API", version="0.3.0")


@app.get("/health")
def health() -> dict[str, str]:
    """Answers as long as the process can serve requests."""
    return {"status": "ok"}


# The return types below are the contract: FastAPI validates what a handler returns against
# them, documents them in /openapi.json, and serializes only their fields.


@app.get("/books")
def list_books(query: Annotated[BookQuery, Query()]) -> list[BookPublic]:
    """A page of books, oldest first, optionally only one author's."""
    books = store.list(limit=query.limit, offset=query.offset, author=query.author)
    return [BookPublic.model_validate(book) for book in books]


@app.get("/books/{book_id}")
def get_book(book_id: Annotated[int, Path(ge=1)]) -> BookPublic:
    """One book by its id, or 404."""
    book = store.get(book_id)
    if book is None:
        raise HTTPException(status_code=404, detail=f"Book {book_id} not found")
    return BookPublic.model_validate(book)


@app.post("/books")
def create_book(book: BookCreate) -> BookPublic:
    """Store a new book. (Phase 4 makes this answer 201 Created.)"""
    return BookPublic.model_validate(store.add(book))


@app.get("/users", response_model=list[User], response_model_exclude={"password_hash"})
def list_users() -> list[User]:
    """Every user, without a trace of their passwords."""
    return user_store.list()


@app.get("/users/{user_id}", response_model=User, response_model_exclude={"password_hash"})
def get_user(user_id: Annotated[int, Path(ge=1)]) -> User:
    """One user by their id, or 404."""
    user = user_store.get(user_id)
    if user is None:
        raise HTTPException(status_code=404, detail=f"User {user_id} not found")
    return user


@app.post("/users", response_model=User, response_model_exclude={"password_hash"})
def create_user(new_user: UserCreate) -> User:
    """Sign up: hash the password, store the user, answer the public view. (201 in Phase 4.)

    A plain `def`: hashing is deliberately slow CPU work, so it runs in FastAPI's thread pool
    instead of holding up the event loop.
    """
    return user_store.add(new_user, password_hash=hash_password(new_user.password))
