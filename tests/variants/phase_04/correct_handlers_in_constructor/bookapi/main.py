"""Correct: handlers passed to FastAPI(exception_handlers=...), async def routes."""

from typing import Annotated

from fastapi import FastAPI, Path, Query, status

from bookapi import services
from bookapi.handlers import HANDLERS
from bookapi.schemas import BookCreate, BookPublic, BookQuery, UserCreate, UserPublic

app = FastAPI(title="Book API", version="0.4.0", exception_handlers=HANDLERS)

# Routes stay thin: validate (FastAPI does it), call one service, shape the answer.
# The service raises a domain error when it cannot do its job; bookapi.handlers maps it.


@app.get("/health")
async def health() -> dict[str, str]:
    """Answers as long as the process can serve requests."""
    return {"status": "ok"}


@app.get("/books")
async def list_books(query: Annotated[BookQuery, Query()]) -> list[BookPublic]:
    """A page of books, oldest first, optionally only one author's."""
    return [BookPublic.model_validate(book) for book in services.list_books(query)]


@app.get("/books/{book_id}")
async def get_book(book_id: Annotated[int, Path(ge=1)]) -> BookPublic:
    """One book by its id, or 404."""
    return BookPublic.model_validate(services.get_book(book_id))


@app.post("/books", status_code=status.HTTP_201_CREATED)
async def create_book(book: BookCreate) -> BookPublic:
    """Store a new book: 201, or 409 if its ISBN is already stored."""
    return BookPublic.model_validate(services.create_book(book))


@app.delete("/books/{book_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_book(book_id: Annotated[int, Path(ge=1)]) -> None:
    """Delete a book: 204 with an empty body, or 404."""
    services.delete_book(book_id)


@app.get("/users")
async def list_users() -> list[UserPublic]:
    """Every user, without a trace of their passwords."""
    return [UserPublic.model_validate(user) for user in services.list_users()]


@app.get("/users/{user_id}")
async def get_user(user_id: Annotated[int, Path(ge=1)]) -> UserPublic:
    """One user by their id, or 404."""
    return UserPublic.model_validate(services.get_user(user_id))


@app.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(new_user: UserCreate) -> UserPublic:
    """Sign up: 201 with the public view, or 409 if the username or email is taken.

    A plain `def`: hashing is deliberately slow CPU work, so it runs in FastAPI's thread pool
    instead of holding up the event loop.
    """
    return UserPublic.model_validate(services.create_user(new_user))
