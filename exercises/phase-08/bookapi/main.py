"""Phase 8 — Security: OAuth2 and JWT.

The Book API as Phase 7 left it: anyone may add, change or delete any book. Read README.md in
this folder for the task; the TODOs are numbered across bookapi/settings.py (1),
bookapi/security.py (2-3), bookapi/models.py (4), bookapi/schemas.py (5), bookapi/errors.py
and bookapi/handlers.py (6), bookapi/services.py (7), bookapi/dependencies.py (8-11), this file
(12-16); TODO 17, a migration, is optional (see README.md). Then:

    cp .env.example .env             # and put a secret of 32 characters or more in it
    fastapi dev bookapi/main.py      # open http://127.0.0.1:8000/docs and use "Authorize"
    grade phase-8                    # run the hidden checks

bookapi/rate_limit.py has the rate limiter, done for you: `RateLimiter(times, seconds)` and its
`hit(key)`, which answers 0 when a hit is allowed and the seconds to wait when it is not.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx2
from fastapi import FastAPI, Path, status

from bookapi import covers, prices, services
from bookapi.database import create_db_engine, create_tables
from bookapi.dependencies import (
    BookDep,
    BookQueryDep,
    PageDep,
    PriceClientDep,
    SessionDep,
    SettingsDep,
    get_settings,
)
from bookapi.errors import BookHasNoIsbn
from bookapi.handlers import add_error_handlers
from bookapi.models import Author, Book, User
from bookapi.schemas import (
    AuthorPublic,
    BookCover,
    BookCreate,
    BookPrice,
    BookPublic,
    BookUpdate,
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
        # TODO 12: one login rate limiter per run of the app:
        #          `app.state.login_limiter = RateLimiter(settings.login_attempts_per_minute, 60)`
        #          (`from bookapi.rate_limit import RateLimiter`).
        # One HTTP client per run of the app: it keeps connections to the price service open
        # between requests, and leaving the `async with` block closes them at shutdown.
        async with httpx2.AsyncClient(
            base_url=str(settings.price_service_url), timeout=settings.price_timeout
        ) as price_client:
            app.state.price_client = price_client
            yield
    finally:
        engine.dispose()  # close the pooled connections


app = FastAPI(title="Book API", version="0.7.0", lifespan=lifespan)
add_error_handlers(app)

# TODO 13: CORS for the front end. Write `cors(app: ASGIApp) -> ASGIApp` returning
#          `CORSMiddleware(app, allow_origins=get_settings().cors_origins, allow_credentials=True,
#          allow_methods=[...the methods you serve...], allow_headers=["Authorization",
#          "Content-Type"])` and register it with `app.add_middleware(cors)`: FastAPI builds its
#          middleware when the app starts, so the settings are read then, not at import.
#          (`from fastapi.middleware.cors import CORSMiddleware`, `from starlette.types import
#          ASGIApp`.) Never `allow_origins=["*"]`.

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


# TODO 14: books get an owner.
#          - POST /books also asks for `user: CurrentUserDep` and passes it to the service as
#            the owner (401 without a valid token);
#          - PATCH and DELETE /books/{book_id} take `book: OwnedBookDep` instead of `BookDep`
#            (401 without a valid token, 403 for anyone but the owner).
@app.post("/books", status_code=status.HTTP_201_CREATED, response_model=BookPublic)
def create_book(book: BookCreate, session: SessionDep) -> Book:
    """Store a new book, and its author if the name is new: 201, or 409 if its ISBN is
    already stored (and then nothing is stored)."""
    return services.create_book(session, book)


@app.patch("/books/{book_id}", response_model=BookPublic)
def update_book(book: BookDep, changes: BookUpdate, session: SessionDep) -> Book:
    """Change the fields sent, and only those: 200, 404, or 409 for an ISBN already stored."""
    return services.update_book(session, book, changes)


@app.delete("/books/{book_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_book(book: BookDep, session: SessionDep) -> None:
    """Delete a book: 204 with an empty body, or 404."""
    services.delete_book(session, book)


@app.get("/users", response_model=list[UserPublic])
def list_users(session: SessionDep) -> list[User]:
    """Every user, without a trace of their passwords."""
    return services.list_users(session)


# TODO 15: GET /users/me: `response_model=UserPublic` on `read_me(user: CurrentUserDep) ->
#          User`, the user the token belongs to. Declare it HERE, before GET /users/{user_id}:
#          routes match in order, and "me" is not an int.


@app.get("/users/{user_id}", response_model=UserPublic)
def get_user(user_id: Annotated[int, Path(ge=1)], session: SessionDep) -> User:
    """One user by their id, or 404."""
    return services.get_user(session, user_id)


# TODO 16: the login, and bounded hashing.
#          - add `dependencies=[HashingSlot]` to this route: at most four password hashes at a
#            time, shared with POST /token (one `Depends` object, TODO 11);
#          - write POST /token below: `@app.post("/token", dependencies=[LoginRateLimit,
#            HashingSlot])` on `def log_in(form: Annotated[OAuth2PasswordRequestForm,
#            Depends()], session: SessionDep, settings: SettingsDep) -> Token`, which calls
#            `services.authenticate(...)` (TODO 7) and answers
#            `Token(access_token=security.create_access_token(user, settings))`. A plain `def`:
#            checking a password is slow CPU work, for the thread pool.
@app.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
def create_user(new_user: UserCreate, session: SessionDep) -> User:
    """Sign up: 201 with the public view, or 409 if the username or email is taken.

    A plain `def`: hashing is deliberately slow CPU work, so it runs in FastAPI's thread pool
    instead of holding up the event loop.
    """
    return services.create_user(session, new_user)
