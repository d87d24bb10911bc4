"""What the routes ask for: settings, a database session per request, a book that exists,
pages of a capped size, and the client for the price service.

Each dependency comes with an `Annotated` alias, so that a route says what it needs in its
signature (`session: SessionDep`) and FastAPI provides it. Tests replace any of them with
`app.dependency_overrides[get_session] = ...`.
"""

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

import httpx2
from fastapi import Depends, Path, Query, Request
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from sqlalchemy import Engine
from sqlmodel import Session

from bookapi import security, services
from bookapi.errors import BadToken, TooManyAttempts
from bookapi.models import Book, User
from bookapi.schemas import BookQuery, Page
from bookapi.settings import Settings

__all__ = [
    "BookDep",
    "BookQueryDep",
    "CurrentUserDep",
    "EngineDep",
    "HashingSlot",
    "LoginFormDep",
    "LoginRateLimit",
    "OwnedBookDep",
    "PageDep",
    "PriceClientDep",
    "SessionDep",
    "SettingsDep",
    "book_query",
    "get_current_user",
    "get_engine",
    "get_price_client",
    "get_session",
    "get_settings",
    "hashing_slot",
    "login_rate_limit",
    "oauth2_scheme",
    "owned_book",
    "page",
    "valid_book_id",
]


def get_settings(request: Request) -> Settings:
    """The settings of the app serving this request: the ones its factory was given, or the
    environment's, read when it started (see `bookapi.main.create_app`)."""
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_engine(request: Request) -> Engine:
    """The app's engine, made (and disposed of) by the lifespan: for the readiness probe, and
    for work that outlives the request and needs a session of its own (background tasks)."""
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def get_session(request: Request) -> Iterator[Session]:
    """One database session per request, on the lifespan's engine: committed if the request
    succeeds, rolled back if not, closed either way (which hands its connection back to the
    engine's pool)."""
    session = Session(request.app.state.engine)
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise  # the error still reaches the exception handlers (404, 409, 500...)
    finally:
        session.close()


# scope="function": the code after `yield` (the commit) runs before the response is sent,
# so a commit that fails turns into an error response instead of a 201 for lost data.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def valid_book_id(book_id: Annotated[int, Path(ge=1)], session: SessionDep) -> Book:
    """The stored book named in the path; a missing one answers 404 before any handler runs."""
    return services.get_book(session, book_id)


BookDep = Annotated[Book, Depends(valid_book_id)]


def book_query(query: Annotated[BookQuery, Query()], settings: SettingsDep) -> BookQuery:
    """GET /books's query parameters, with `limit` capped at the configured page size."""
    return query.model_copy(update={"limit": min(query.limit, settings.max_page_size)})


BookQueryDep = Annotated[BookQuery, Depends(book_query)]


def page(query: Annotated[Page, Query()], settings: SettingsDep) -> Page:
    """`limit` and `offset` for any other list, capped the same way."""
    return query.model_copy(update={"limit": min(query.limit, settings.max_page_size)})


PageDep = Annotated[Page, Depends(page)]


def get_price_client(request: Request) -> httpx2.AsyncClient:
    """The app's one client for the price service, made (and closed) by the lifespan."""
    return request.app.state.price_client


PriceClientDep = Annotated[httpx2.AsyncClient, Depends(get_price_client)]


# --- who is asking -----------------------------------------------------------------------------

# Reads `Authorization: Bearer <token>`, and answers 401 (with WWW-Authenticate: Bearer) itself
# when the header is missing or names another scheme. `tokenUrl` is where /docs logs in.
# The URL is relative to the docs page (/docs), so it still works behind a proxy's path prefix.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="api/v1/token")


def get_current_user(
    token: Annotated[str, Depends(oauth2_scheme)], session: SessionDep, settings: SettingsDep
) -> User:
    """The user the request's token names. Every way a token can fail (malformed, forged,
    unsigned, expired, without `exp` or `sub`, for a user who does not exist) is the same 401."""
    try:
        user_id = security.user_id_from_token(token, settings)
    except security.InvalidToken:
        raise BadToken() from None
    user = session.get(User, user_id)
    if user is None:
        raise BadToken()
    return user


CurrentUserDep = Annotated[User, Depends(get_current_user)]


def owned_book(user: CurrentUserDep, book: BookDep) -> Book:
    """The book in the path, if the current user owns it: 401 without a valid token (checked
    first), 404 for a missing book, 403 for someone else's."""
    return services.check_owner(book, user)


OwnedBookDep = Annotated[Book, Depends(owned_book)]

LoginFormDep = Annotated[OAuth2PasswordRequestForm, Depends()]


# --- what logging in may cost ------------------------------------------------------------------


def login_rate_limit(request: Request) -> None:
    """Counts a login attempt for the client's address; 429 once it has used up its attempts
    for the minute, before any password is checked. Behind a proxy, start the server with
    `--forwarded-allow-ips`, or every client has the proxy's address."""
    client = request.client.host if request.client else "unknown"
    wait = request.app.state.login_limiter.hit(client)
    if wait:
        raise TooManyAttempts(retry_after=max(1, round(wait)))


LoginRateLimit = Depends(login_rate_limit)

# Argon2 holds 64 MiB for about 0.1 s per hash: a burst of logins or sign-ups must not ask for
# all of that at once.
MAX_CONCURRENT_HASHES = 4


async def hashing_slot() -> AsyncIterator[None]:
    """Holds one of `MAX_CONCURRENT_HASHES` slots while a route that hashes runs."""
    yield


# One `Depends` object for every route that hashes, so they share one limit (each new
# `Depends(...)` would have a limit of its own). scope="function": the slot is handed back as
# soon as the handler returns, before the response is sent.
HashingSlot = Depends(hashing_slot, max_concurrency=MAX_CONCURRENT_HASHES, scope="function")
