"""The Book API after Phase 6: slow neighbours (a price service, CPU-heavy covers) no longer
hold up every other request."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx2
from fastapi import FastAPI, Path, status

from bookapi import covers, prices, services
from bookapi.dependencies import (
    BookDep,
    BookQueryDep,
    PriceClientDep,
    SessionDep,
    SettingsDep,
    get_settings,
)
from bookapi.errors import BookHasNoIsbn
from bookapi.handlers import add_error_handlers
from bookapi.schemas import (
    Book,
    BookCover,
    BookCreate,
    BookPrice,
    BookPublic,
    User,
    UserCreate,
    UserPublic,
)
from bookapi.store import Store


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Fail at start-up, not at the first request, when a setting is missing or invalid.
    settings = get_settings()
    # One store per run of the app, shared by every request through its own session.
    app.state.store = Store()
    # One HTTP client per run of the app: it keeps connections to the price service open
    # between requests, and leaving the `async with` block closes them at shutdown.
    async with httpx2.AsyncClient(
        base_url=str(settings.price_service_url), timeout=settings.price_timeout
    ) as price_client:
        app.state.price_client = price_client
        yield


app = FastAPI(title="Book API", version="0.6.0", lifespan=lifespan)
add_error_handlers(app)

# Routes stay thin: FastAPI validates and injects, one service does the work, and the route
# returns what the service gives back; its `response_model`, the public model, shapes the
# answer. Sessions, settings and "does this book exist?" come from bookapi.dependencies.
#
# `def` or `async def`? A route that awaits (the price service) is `async def`; one that calls
# blocking or CPU-heavy code (hashing, covers) is a plain `def`, which FastAPI runs in its
# thread pool so that the event loop stays free for everyone else.


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


@app.get("/books/{book_id}/price")
async def get_book_price(book: BookDep, client: PriceClientDep) -> BookPrice:
    """The book's price today, from the price service: 404 without an ISBN or a price, 502 when
    the service fails. `async def`, because the only slow part is awaited."""
    if book.isbn is None:
        raise BookHasNoIsbn(book.id)
    price = await prices.fetch_price(client, book.isbn)
    return BookPrice(book_id=book.id, isbn=book.isbn, price=price.price, currency=price.currency)


@app.get("/books/{book_id}/cover")
def get_book_cover(book: BookDep, settings: SettingsDep) -> BookCover:
    """The five colours of the book's cover. A plain `def`: the palette is CPU work, so it runs
    in a worker thread instead of on the event loop."""
    palette = covers.cover_palette(book.title, book.isbn, settings.cover_rounds)
    return BookCover(book_id=book.id, palette=palette)


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
