"""What the routes ask for: settings, a session per request, and a book that exists.

Each dependency comes with an `Annotated` alias, so that a route says what it needs in its
signature (`session: SessionDep`) and FastAPI provides it. Tests (and the grader) replace them
with `app.dependency_overrides[get_session] = ...`.
"""

from collections.abc import Iterator  # noqa: F401  (TODO 4 needs it)
from typing import Annotated  # noqa: F401  (TODOs 4-6 need it)

from fastapi import Depends, Path, Query, Request  # noqa: F401  (TODOs 4-6 need them)

from bookapi import services  # noqa: F401  (TODO 5 needs it)
from bookapi.schemas import Book, BookQuery  # noqa: F401  (TODOs 5-6 need them)
from bookapi.store import Session  # noqa: F401  (TODO 4 needs it)

# TODO 4: once TODOs 1-2 are done, import `Settings` and `get_settings` from bookapi.settings
#         (the grader overrides `bookapi.dependencies.get_settings`), then define
#         - `SettingsDep = Annotated[Settings, Depends(get_settings)]`;
#         - `get_session(request: Request) -> Iterator[Session]`, a `yield` dependency that opens
#           `Session(request.app.state.store)`, yields it, commits if the request succeeded,
#           rolls back and RE-RAISES if it failed, and closes it in every case (`finally`);
#         - `SessionDep = Annotated[Session, Depends(get_session, scope="function")]` (the
#           function scope commits before the response is sent; the lesson explains why).

# TODO 5: write `valid_book_id(book_id: Annotated[int, Path(ge=1)], session: SessionDep) -> Book`
#         returning the stored book, or raising BookNotFound (services.get_book does both), and
#         `BookDep = Annotated[Book, Depends(valid_book_id)]`.

# TODO 6: write `book_query(query: Annotated[BookQuery, Query()], settings: SettingsDep)` that
#         returns the query with `limit` capped at `settings.max_page_size`
#         (`query.model_copy(update={...})`), and `BookQueryDep = Annotated[BookQuery,
#         Depends(book_query)]`, for GET /books.
