"""What the routes ask for: settings, a session per request, a book that exists, and the
client for the price service.

Each dependency comes with an `Annotated` alias, so that a route says what it needs in its
signature (`session: SessionDep`) and FastAPI provides it. Tests replace any of them with
`app.dependency_overrides[get_session] = ...`.
"""

from collections.abc import Iterator
from typing import Annotated

import httpx2
from fastapi import Depends, Path, Query, Request

from bookapi import services
from bookapi.schemas import Book, BookQuery
from bookapi.settings import Settings, get_settings
from bookapi.store import Session

__all__ = [
    "BookDep",
    "BookQueryDep",
    "PriceClientDep",
    "SessionDep",
    "SettingsDep",
    "book_query",
    "get_price_client",
    "get_session",
    "get_settings",
    "valid_book_id",
]

SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: committed if the request succeeds, rolled back if not,
    closed either way."""
    session = Session(request.app.state.store)
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


def get_price_client(request: Request) -> httpx2.AsyncClient:
    """The app's one client for the price service, made (and closed) by the lifespan."""
    return request.app.state.price_client


PriceClientDep = Annotated[httpx2.AsyncClient, Depends(get_price_client)]
