"""The Book API after Phase 5: routes ask for what they need, and FastAPI provides it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Path, status

from bookapi import services
from bookapi.dependencies import BookDep, BookQueryDep, SessionDep, get_settings
from bookapi.handlers import add_error_handlers
from bookapi.schemas import BookCreate, BookPublic, UserCreate, UserPublic
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

# Routes stay thin: FastAPI validates and injects, one service does the work, the return type
# shapes the answer. Sessions, settings and "does this book exist?" come from bookapi.dependencies.


@app.get("/health")
def health() -> dict[str, str]:
    """Answers as long as the process can serve requests."""
    return {"status": "ok"}


@app.get("/books")
def list_books(query: BookQueryDep, session: SessionDep) -> list[BookPublic]:
    """A page of books, oldest first, optionally only one author's; never more than
    the configured `max_page_size`."""
    return [BookPublic.model_validate(book) for book in services.list_books(session, query)]


@app.get("/books/{book_id}")
def get_book(book: BookDep) -> BookPublic:
    """One book by its id, or 404."""
    return BookPublic.model_validate(book)


@app.post("/books", status_code=status.HTTP_201_CREATED)
def create_book(book: BookCreate, session: SessionDep) -> BookPublic:
    """Store a new book: 201, or 409 if its ISBN is already stored."""
    return BookPublic.model_validate(services.create_book(session, book))


@app.delete("/books/{book_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_book(book: BookDep, session: SessionDep) -> None:
    """Delete a book: 204 with an empty body, or 404."""
    services.delete_book(session, book.id)


@app.get("/users")
def list_users(session: SessionDep) -> list[UserPublic]:
    """Every user, without a trace of their passwords."""
    return [UserPublic.model_validate(user) for user in services.list_users(session)]


@app.get("/users/{user_id}")
def get_user(user_id: Annotated[int, Path(ge=1)], session: SessionDep) -> UserPublic:
    """One user by their id, or 404."""
    return UserPublic.model_validate(services.get_user(session, user_id))


@app.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(new_user: UserCreate, session: SessionDep) -> UserPublic:
    """Sign up: 201 with the public view, or 409 if the username or email is taken.

    A plain `def`: hashing is deliberately slow CPU work, so it runs in FastAPI's thread pool
    instead of holding up the event loop.
    """
    return UserPublic.model_validate(services.create_user(session, new_user))
