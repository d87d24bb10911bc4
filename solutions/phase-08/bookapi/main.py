"""The Book API after Phase 8: users log in for a short-lived token (OAuth2's password flow),
routes ask for `CurrentUserDep`, only a book's owner may change it, and the login is rate
limited, its hashing bounded, its answers the same for every failure."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx2
from fastapi import FastAPI, Path, status
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from bookapi import covers, prices, security, services
from bookapi.database import create_db_engine, create_tables
from bookapi.dependencies import (
    BookDep,
    BookQueryDep,
    CurrentUserDep,
    HashingSlot,
    LoginFormDep,
    LoginRateLimit,
    OwnedBookDep,
    PageDep,
    PriceClientDep,
    SessionDep,
    SettingsDep,
    get_settings,
)
from bookapi.errors import BookHasNoIsbn
from bookapi.handlers import add_error_handlers
from bookapi.models import Author, Book, User
from bookapi.rate_limit import RateLimiter
from bookapi.schemas import (
    AuthorPublic,
    BookCover,
    BookCreate,
    BookPrice,
    BookPublic,
    BookUpdate,
    Token,
    UserCreate,
    UserPublic,
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Fail at start-up, not at the first request, when a setting is missing or invalid.
    settings = get_settings()
    # One engine (and its pool of connections) per run of the app, shared by every request
    # through its own session. Tables that do not exist yet are created; a database managed
    # by migrations (`alembic upgrade head`) already has them all.
    engine = create_db_engine(settings)
    try:
        create_tables(engine)
        app.state.engine = engine
        # One limiter per run of the app: a restart forgets old attempts (as a test wants).
        app.state.login_limiter = RateLimiter(settings.login_attempts_per_minute, 60)
        # One HTTP client per run of the app: it keeps connections to the price service open
        # between requests, and leaving the `async with` block closes them at shutdown.
        async with httpx2.AsyncClient(
            base_url=str(settings.price_service_url), timeout=settings.price_timeout
        ) as price_client:
            app.state.price_client = price_client
            yield
    finally:
        engine.dispose()  # close the pooled connections


app = FastAPI(title="Book API", version="0.8.0", lifespan=lifespan)
add_error_handlers(app)


def cors(app: ASGIApp) -> ASGIApp:
    """CORS for the front ends listed in the settings. FastAPI builds its middleware when the
    app starts (its first event), so the settings are read then, not at import."""
    return CORSMiddleware(
        app,
        allow_origins=get_settings().cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type"],
    )


app.add_middleware(cors)

# Routes stay thin: FastAPI validates and injects, one service does the work, and the route
# returns what the service gives back; its `response_model`, the public model, shapes the
# answer. Sessions, settings and "does this book exist?" come from bookapi.dependencies.
# Services return rows (bookapi.models); FastAPI builds each route's public model from the
# row's attributes (`book.author` included) before get_session commits and closes the session.
#
# `def` or `async def`? A route that awaits (the price service) is `async def`; one that calls
# blocking or CPU-heavy code (the database session, hashing, covers) is a plain `def`, which
# FastAPI runs in its thread pool so that the event loop stays free for everyone else.


@app.get("/health")
def health() -> dict[str, str]:
    """Answers as long as the process can serve requests."""
    return {"status": "ok"}


@app.get("/authors", response_model=list[AuthorPublic])
def list_authors(page: PageDep, session: SessionDep) -> list[Author]:
    """A page of authors, oldest first; authors are created with their first book."""
    return services.list_authors(session, page)


@app.get("/books", response_model=list[BookPublic])
def list_books(query: BookQueryDep, session: SessionDep) -> list[Book]:
    """A page of books with their authors, oldest first, optionally only one author's; never
    more than the configured `max_page_size`."""
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
def create_book(book: BookCreate, user: CurrentUserDep, session: SessionDep) -> Book:
    """Store a new book, owned by the user who sends it (401 without a valid token), and its
    author if the name is new: 201, or 409 if its ISBN is already stored."""
    return services.create_book(session, book, owner=user)


@app.patch("/books/{book_id}", response_model=BookPublic)
def update_book(book: OwnedBookDep, changes: BookUpdate, session: SessionDep) -> Book:
    """Change the fields sent, and only those: 200; 401 without a valid token, 403 for
    anyone but the owner, 404, or 409 for an ISBN already stored."""
    return services.update_book(session, book, changes)


@app.delete("/books/{book_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_book(book: OwnedBookDep, session: SessionDep) -> None:
    """Delete a book: 204 with an empty body; 401 without a valid token, 403 for anyone but the
    owner, or 404."""
    services.delete_book(session, book)


@app.get("/users", response_model=list[UserPublic])
def list_users(session: SessionDep) -> list[User]:
    """Every user, without a trace of their passwords."""
    return services.list_users(session)


# Before /users/{user_id}: routes match in order, and "me" is not an int.
@app.get("/users/me", response_model=UserPublic)
def read_me(user: CurrentUserDep) -> User:
    """The user the request's token belongs to; 401 without a valid token."""
    return user


@app.get("/users/{user_id}", response_model=UserPublic)
def get_user(user_id: Annotated[int, Path(ge=1)], session: SessionDep) -> User:
    """One user by their id, or 404."""
    return services.get_user(session, user_id)


@app.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPublic,
    dependencies=[HashingSlot],
)
def create_user(new_user: UserCreate, session: SessionDep) -> User:
    """Sign up: 201 with the public view, or 409 if the username or email is taken.

    A plain `def`: hashing is deliberately slow CPU work, so it runs in FastAPI's thread pool
    instead of holding up the event loop.
    """
    return services.create_user(session, new_user)


# Rate limit first: a client over its limit is refused before it waits for a hashing slot.
@app.post("/token", dependencies=[LoginRateLimit, HashingSlot])
def log_in(form: LoginFormDep, session: SessionDep, settings: SettingsDep) -> Token:
    """OAuth2's password flow: a form with `username` and `password`, a bearer token back.

    The same 401 for an unknown user and a wrong password; 429 after too many attempts from one
    client. A plain `def`: checking the password is slow CPU work, done in the thread pool.
    """
    user = services.authenticate(session, form.username, form.password)
    return Token(access_token=security.create_access_token(user, settings))
