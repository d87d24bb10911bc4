"""The Book API after Phase 5: routes ask for what they need, and FastAPI provides it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Path, status

from bookapi import services
from bookapi.dependencies import BookDep, BookQueryDep, SessionDep, get_settings
from bookapi.handlers import add_error_handlers
from bookapi.schemas import Book, BookCreate, BookPublic, User, UserCreate, UserPublic
from bookapi.store import Store


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Fail at start-up, not at the first request, when a setting is missing or invalid.
    get_settings()
    # One store per run of the app, shared by every request through its own session.
    app.state.store = Store()
    yield


app = FastAPI(title="Book API", version="0.5.0", lifespan=lifespan)
add_error_handlers(app)

# Routes stay thin: FastAPI validates and injects, one service does the work, and the route
# returns what the service gives back; its `response_model`, the public model, shapes the
# answer. Sessions, settings and "does this book exist?" come from bookapi.dependencies.


@app.get("/health")
def health() -> dict[str, str]:
    """Answers as long as the process can serve requests."""
    return {"status": "ok"}


@app.get("/books", response_model=list[BookPublic])
def list_books(query: BookQueryDep, session: SessionDep) -> list[Book]:
    """A page of books, oldest first, optionally only one author's; never more than
    the configured `max_page_size`."""
    return services.list_books(session, query)


@app.get("/books/{book_id}", response_model=BookPublic)
def get_book(book: BookDep) -> Book:
    """One book by its id, or 404."""
    return book


@app.post("/books", status_code=status.HTTP_201_CREATED, response_model=BookPublic)
def create_book(book: BookCreate, session: SessionDep) -> Book:
    """Store a new book: 201, or 409 if its ISBN is already stored."""
    return services.create_book(session, book)


@app.delete("/books/{book_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_book(book: BookDep, session: SessionDep) -> None:
    """Delete a book: 204 with an empty body, or 404."""
    services.delete_book(session, book.id)


@app.get("/users", response_model=list[UserPublic])
def list_users(session: SessionDep) -> list[User]:
    """Every user, without a trace of their passwords."""
    return services.list_users(session)


@app.get("/users/{user_id}", response_model=UserPublic)
def get_user(user_id: Annotated[int, Path(ge=1)], session: SessionDep) -> User:
    """One user by their id, or 404."""
    return services.get_user(session, user_id)


@app.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
def create_user(new_user: UserCreate, session: SessionDep) -> User:
    """Sign up: 201 with the public view, or 409 if the username or email is taken.

    A plain `def`: hashing is deliberately slow CPU work, so it runs in FastAPI's thread pool
    instead of holding up the event loop.
    """
    return services.create_user(session, new_user)
