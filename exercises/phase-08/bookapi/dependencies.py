"""What the routes ask for: settings, a database session per request, a book that exists,
pages of a capped size, and the client for the price service.

Each dependency comes with an `Annotated` alias, so that a route says what it needs in its
signature (`session: SessionDep`) and FastAPI provides it. Tests replace any of them with
`app.dependency_overrides[get_session] = ...`.
"""

from collections.abc import Iterator
from typing import Annotated

import httpx2
from fastapi import Depends, Path, Query, Request
from sqlmodel import Session

from bookapi import services
from bookapi.models import Book
from bookapi.schemas import BookQuery, Page
from bookapi.settings import Settings, get_settings

__all__ = [
    "BookDep",
    "BookQueryDep",
    "PageDep",
    "PriceClientDep",
    "SessionDep",
    "SettingsDep",
    "book_query",
    "get_price_client",
    "get_session",
    "get_settings",
    "page",
    "valid_book_id",
]

SettingsDep = Annotated[Settings, Depends(get_settings)]


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

# TODO 8: who is asking. `oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")`
#         (`from fastapi.security import OAuth2PasswordBearer`), then
#         `get_current_user(token: Annotated[str, Depends(oauth2_scheme)], session: SessionDep,
#         settings: SettingsDep) -> User`: the user whose id the token's `sub` holds
#         (`security.user_id_from_token`, TODO 2, then `session.get(User, user_id)`), and the
#         same 401 with `WWW-Authenticate: Bearer` for EVERY failure: a bad token, or no such
#         user. `CurrentUserDep = Annotated[User, Depends(get_current_user)]`.

# TODO 9: `owned_book(user: CurrentUserDep, book: BookDep) -> Book`: the book if the current user
#         owns it (`services.check_owner`), and `OwnedBookDep = Annotated[Book,
#         Depends(owned_book)]`. The user comes first: no token is a 401 before anything else.

# TODO 10: `login_rate_limit(request: Request) -> None`: one hit on
#          `request.app.state.login_limiter` for `request.client.host`; when `hit` answers a
#          wait, raise the 429 (with `Retry-After`). POST /token asks for it first:
#          `LoginRateLimit = Depends(login_rate_limit)`, in the route's `dependencies=[...]`.

# TODO 11: at most four password hashes at once. An `async def hashing_slot()` that only
#          `yield`s, and ONE shared object: `HashingSlot = Depends(hashing_slot,
#          max_concurrency=4, scope="function")`, for every route that hashes or checks a
#          password (TODO 16).
