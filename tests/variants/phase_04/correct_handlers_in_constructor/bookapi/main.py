"""Correct: handlers passed to FastAPI(exception_handlers=...), async def routes."""

from typing import Annotated

from fastapi import FastAPI, Path, Query, status

from bookapi import services
from bookapi.handlers import HANDLERS
from bookapi.schemas import Book, BookCreate, BookPublic, BookQuery, User, UserCreate, UserPublic

app = FastAPI(title="Book API", version="0.4.0", exception_handlers=HANDLERS)

# Routes stay thin: validate (FastAPI does it), call one service, return the stored record.
# The service raises a domain error when it cannot do its job; bookapi.handlers maps it. Each
# route's `response_model` is the public model, so FastAPI filters what goes out.


@app.get("/health")
async def health() -> dict[str, str]:
    """Answers as long as the process can serve requests."""
    return {"status": "ok"}


@app.get("/books", response_model=list[BookPublic])
async def list_books(query: Annotated[BookQuery, Query()]) -> list[Book]:
    """A page of books, oldest first, optionally only one author's."""
    return services.list_books(query)


@app.get("/books/{book_id}", response_model=BookPublic)
async def get_book(book_id: Annotated[int, Path(ge=1)]) -> Book:
    """One book by its id, or 404."""
    return services.get_book(book_id)


@app.post("/books", status_code=status.HTTP_201_CREATED, response_model=BookPublic)
async def create_book(book: BookCreate) -> Book:
    """Store a new book: 201, or 409 if its ISBN is already stored."""
    return services.create_book(book)


@app.delete("/books/{book_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_book(book_id: Annotated[int, Path(ge=1)]) -> None:
    """Delete a book: 204 with an empty body, or 404."""
    services.delete_book(book_id)


@app.get("/users", response_model=list[UserPublic])
async def list_users() -> list[User]:
    """Every user, without a trace of their passwords."""
    return services.list_users()


@app.get("/users/{user_id}", response_model=UserPublic)
async def get_user(user_id: Annotated[int, Path(ge=1)]) -> User:
    """One user by their id, or 404."""
    return services.get_user(user_id)


@app.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
def create_user(new_user: UserCreate) -> User:
    """Sign up: 201 with the public view, or 409 if the username or email is taken.

    A plain `def`: hashing is deliberately slow CPU work, so it runs in FastAPI's thread pool
    instead of holding up the event loop.
    """
    return services.create_user(new_user)
