"""The Book API after Phase 3: every response is a public model, so nothing private leaks."""

from typing import Annotated

from fastapi import FastAPI, HTTPException, Path, Query

from bookapi.schemas import Book, BookCreate, BookPublic, BookQuery, User, UserCreate, UserPublic
from bookapi.security import hash_password
from bookapi.store import store, user_store

app = FastAPI(title="Book API", version="0.3.0")


@app.get("/health")
def health() -> dict[str, str]:
    """Answers as long as the process can serve requests."""
    return {"status": "ok"}


# Each route returns what the store holds (a `Book`, a `User`: its return type says so) and
# declares the public model as its `response_model`. FastAPI validates the stored object against
# that model, serializes only its fields, and documents it in /openapi.json: the hash stays
# behind, and no route converts anything by hand.


@app.get("/books", response_model=list[BookPublic])
def list_books(query: Annotated[BookQuery, Query()]) -> list[Book]:
    """A page of books, oldest first, optionally only one author's."""
    return store.list(limit=query.limit, offset=query.offset, author=query.author)


@app.get("/books/{book_id}", response_model=BookPublic)
def get_book(book_id: Annotated[int, Path(ge=1)]) -> Book:
    """One book by its id, or 404."""
    book = store.get(book_id)
    if book is None:
        raise HTTPException(status_code=404, detail=f"Book {book_id} not found")
    return book


@app.post("/books", response_model=BookPublic)
def create_book(book: BookCreate) -> Book:
    """Store a new book. (Phase 4 makes this answer 201 Created.)"""
    return store.add(book)


@app.get("/users", response_model=list[UserPublic])
def list_users() -> list[User]:
    """Every user, without a trace of their passwords."""
    return user_store.list()


@app.get("/users/{user_id}", response_model=UserPublic)
def get_user(user_id: Annotated[int, Path(ge=1)]) -> User:
    """One user by their id, or 404."""
    user = user_store.get(user_id)
    if user is None:
        raise HTTPException(status_code=404, detail=f"User {user_id} not found")
    return user


@app.post("/users", response_model=UserPublic)
def create_user(new_user: UserCreate) -> User:
    """Sign up: hash the password, store the user, answer the public view. (201 in Phase 4.)

    A plain `def`: hashing is deliberately slow CPU work, so it runs in FastAPI's thread pool
    instead of holding up the event loop.
    """
    return user_store.add(new_user, password_hash=hash_password(new_user.password))
