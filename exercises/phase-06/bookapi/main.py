"""Phase 6 — async def, def, and the event loop.

The Book API as Phase 5 left it. Read README.md in this folder for the task; the TODOs are
numbered across bookapi/settings.py (1), bookapi/prices.py (2), bookapi/handlers.py (3), this
file (4, 6, 7) and bookapi/dependencies.py (5). Then, in two terminals:

    fastapi dev price_service.py --port 8001   # the fake price service
    fastapi dev bookapi/main.py                # the Book API; open http://127.0.0.1:8000/docs
    grade phase-6                              # run the hidden checks

bookapi/covers.py (the CPU-heavy cover palette), the new errors in bookapi/errors.py and the new
models in bookapi/schemas.py (`Price`, `BookPrice`, `BookCover`) are done for you.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx2  # noqa: F401  (TODO 4 needs it)
from fastapi import FastAPI, Path, status

from bookapi import covers, prices, services  # noqa: F401  (TODOs 6-7 need covers and prices)
from bookapi.dependencies import (  # noqa: F401  (TODO 7 needs SettingsDep)
    BookDep,
    BookQueryDep,
    SessionDep,
    SettingsDep,
    get_settings,
)
from bookapi.errors import BookHasNoIsbn  # noqa: F401  (TODO 6 needs it)
from bookapi.handlers import add_error_handlers
from bookapi.schemas import (  # noqa: F401  (TODOs 6-7 need BookCover and BookPrice)
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
    get_settings()
    # One store per run of the app, shared by every request through its own session.
    app.state.store = Store()
    # TODO 4: open ONE client for the price service here, for the whole run of the app, and
    #         close it at shutdown: `async with httpx2.AsyncClient(base_url=..., timeout=...)
    #         as price_client:` around the `yield`, with the base URL and the timeout from the
    #         settings (`str(settings.price_service_url)`), and keep it on
    #         `app.state.price_client`. (Keep the result of `get_settings()` above in a variable.)
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


# TODO 6: add `GET /books/{book_id}/price`, answering a `BookPrice`. Its only slow part is the
#         call to the price service, which it awaits: `async def`, with `book: BookDep` and
#         `client: PriceClientDep`. A book without an ISBN raises `BookHasNoIsbn` (404) before
#         any call; otherwise `await prices.fetch_price(client, book.isbn)`.

# TODO 7: add `GET /books/{book_id}/cover`, answering a `BookCover` whose `palette` is
#         `covers.cover_palette(book.title, book.isbn, settings.cover_rounds)` (`book: BookDep`,
#         `settings: SettingsDep`). The palette is CPU work: choose `def` or `async def` with
#         the lesson's decision table.


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
