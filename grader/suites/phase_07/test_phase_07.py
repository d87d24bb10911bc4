"""Phase 7 — Persistence with SQLModel. One test per check in course.toml, in the same order.

Every check gets a brand-new, empty database of its own, named to the app by
BOOKAPI_DATABASE_URL: a temporary SQLite file, removed afterwards (nothing is written to the
graded folder). When the grader's own environment has GRADE_DATABASE_URL (a PostgreSQL server
where it may create databases, e.g. `postgresql+psycopg://postgres@127.0.0.1:5432/postgres`),
each check gets a fresh database on that server instead, dropped afterwards: the same checks then
run against PostgreSQL. The learner's own BOOKAPI_DATABASE_URL and DATABASE_URL are never used.

The checks watch SQLAlchemy from outside, whatever the learner's code looks like: every Engine
and ORM Session created (and disposed of, and closed), every SQL statement sent
(`before_cursor_execute`, on every engine) and every row loaded into an object (the mappers'
`load` event). They hold the app to behaviour, never to a technique: `selectinload` and
`joinedload`, `def` and `async def` routes, a `with` block or try/finally, a repository class
or functions all pass.

SQLModel keeps every table model in one process-wide registry; each check imports the learner's
package afresh, so the registry is emptied first.

No `from __future__ import annotations` here: the test-only routes' annotations must be real
objects for FastAPI to read them.
"""

import os
import re
import secrets
import shutil
import sys
import tempfile
import typing
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import pytest
import sqlmodel.main
from fastapi import FastAPI
from fastapi.params import Depends as DependsParam
from pydantic import ValidationError
from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.orm import Mapper
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from grader.kit import (
    Cause,
    CheckFailed,
    GradingClient,
    describe_error,
    describe_response,
    expect,
    json_body,
    load_app,
    load_module,
    observe,
    target_path,
)

PREFIX = "BOOKAPI_"
SECRET_VARIABLE = "BOOKAPI_SECRET_KEY"
SECRET = "grader-secret-" + secrets.token_hex(16)
DATABASE_VARIABLE = "BOOKAPI_DATABASE_URL"
# The grader's own setting: a PostgreSQL server where each check may create a database.
SERVER_VARIABLE = "GRADE_DATABASE_URL"
PAGE_VARIABLE = "BOOKAPI_MAX_PAGE_SIZE"
# A number no check creates: far above any id a fresh database hands out.
MISSING_ID = 987_654
# A run's own marker, so that names the grader makes up are new to every database.
RUN = secrets.token_hex(3)

# Sections of the lesson the steps send learners to.
SETTING_ANCHOR = "sqlite-by-default-postgresql-by-setting"
ENGINE_ANCHOR = "the-engine-once-in-the-lifespan"
SESSION_ANCHOR = "a-session-per-request"
WRITE_ANCHOR = "when-a-write-fails"
MODELS_ANCHOR = "table-models-and-public-models"
RELATIONSHIP_ANCHOR = "relationships-a-book-and-its-author"
N_PLUS_ONE_ANCHOR = "the-n1-query"
COUNTING_ANCHOR = "counting-statements"
PAGES_ANCHOR = "reading-select-pages-and-caps"
PATCH_ANCHOR = "partial-updates-with-patch"

# Causes: one mistake that fails several checks, reported once --------------------------------

APP_DOES_NOT_START = Cause(
    id="lifespan-fails",
    hint="The app stops while starting: fix the error its lifespan raised, at the place shown. "
    "The lifespan reads the settings, creates the engine from `database_url`, creates the "
    "tables, and keeps the engine on `app.state.engine`.",
    anchor=ENGINE_ANCHOR,
)
SETTINGS_FAIL_AT_START = Cause(
    id="settings-fail-at-start",
    hint="The settings refuse to load although the grader set BOOKAPI_SECRET_KEY and "
    "BOOKAPI_DATABASE_URL: give every other setting a default that passes its own rules.",
    anchor=SETTING_ANCHOR,
)
NO_SESSION_DEP = Cause(
    id="session-dep-missing",
    hint="Keep `get_session` and the alias `SessionDep = Annotated[Session, "
    "Depends(get_session, ...)]` in `bookapi/dependencies.py`, as in Phase 5: the grader's test "
    "routes ask for them by these names.",
    anchor=SESSION_ANCHOR,
)
ENGINE_AT_IMPORT = Cause(
    id="engine-at-import",
    hint="An engine is created while the app is imported, from whatever settings existed then: "
    "create it in the lifespan instead (`create_db_engine(settings)` before the `yield`), so it "
    "follows BOOKAPI_DATABASE_URL and every start of the app gets its own.",
    anchor=ENGINE_ANCHOR,
)
POST_BOOKS_FAILS = Cause(
    id="post-books-fails",
    hint="POST /books with a valid book must answer 201 with the stored book: the service finds "
    "or creates the author by name, adds the book, and flushes, through the request's session. "
    "Fix the error shown first: most checks start by creating books.",
    anchor=RELATIONSHIP_ANCHOR,
)

# Hints that several steps share --------------------------------------------------------------

CLOSE_HINT = (
    "Close the session in a `finally` block around the `yield` (or open it with `with "
    "Session(engine) as session:`): only then is it closed whether the route returned, raised, "
    "or the commit failed."
)
AUTHOR_HINT = (
    'Answer each book with its author as an object, `{"id": ..., "name": ...}`: give '
    "`BookPublic` a field `author: AuthorPublic`, filled from the row's `author` relationship."
)


@dataclass
class Watch:
    """What SQLAlchemy did during one check, seen from outside the learner's code."""

    phase: str = "setup"
    engines: list[tuple[Engine, str, str]] = field(default_factory=list)  # engine, phase, where
    disposed: list[Engine] = field(default_factory=list)
    sessions: list[tuple[Any, str]] = field(default_factory=list)  # session, phase
    closed: list[Any] = field(default_factory=list)
    counting: bool = False
    statements: list[str] = field(default_factory=list)
    loads: Counter[str] = field(default_factory=Counter)  # table name -> rows loaded
    ignored: list[Engine] = field(default_factory=list)

    def engines_in(self, phase: str) -> list[tuple[Engine, str, str]]:
        return [entry for entry in self.engines if entry[1] == phase]

    def sessions_in(self, phase: str) -> list[Any]:
        return [session for session, opened in self.sessions if opened == phase]

    def was_closed(self, session: Any) -> bool:
        return any(session is closed for closed in self.closed)

    def was_disposed(self, engine: Engine) -> bool:
        return any(engine is disposed for disposed in self.disposed)


_watch: dict[str, Watch | None] = {"current": None}


def _is_grader_engine(engine: Any, watch: Watch) -> bool:
    return any(engine is ignored for ignored in watch.ignored)


@event.listens_for(Engine, "before_cursor_execute")
def _on_statement(
    conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    watch = _watch["current"]
    if watch is not None and watch.counting and not _is_grader_engine(conn.engine, watch):
        watch.statements.append(statement)


@event.listens_for(Mapper, "load")
def _on_load(target: Any, _context: Any) -> None:
    watch = _watch["current"]
    table = getattr(type(target), "__table__", None)
    if watch is not None and watch.counting and table is not None:
        watch.loads[str(table.name)] += 1


# The database of one check --------------------------------------------------------------------


@dataclass
class Database:
    """The check's own database: its URL (for the app) and an engine of the grader's own."""

    url: str
    engine: Engine
    backend: str

    def tables(self) -> list[str]:
        return inspect(self.engine).get_table_names()

    def rows_where(self, column: str, value: str) -> list[dict[str, Any]]:
        """Every row, in any table with a column `column`, whose `column` equals `value`."""
        found = []
        inspector = inspect(self.engine)
        for table in inspector.get_table_names():
            columns = [c["name"] for c in inspector.get_columns(table)]
            if column not in columns:
                continue
            quoted = self.engine.dialect.identifier_preparer
            sql = text(f"SELECT * FROM {quoted.quote(table)} WHERE {quoted.quote(column)} = :value")
            with self.engine.connect() as connection:
                rows = connection.execute(sql, {"value": value}).mappings().all()
            found += [{"table": table, **row} for row in rows]
        return found


@contextmanager
def fresh_database() -> Iterator[Database]:
    server = os.environ.get(SERVER_VARIABLE)
    if server:
        name = f"grade_{secrets.token_hex(8)}"
        admin_url = make_url(server)
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as error:
            admin.dispose()
            raise CheckFailed(
                expected=f"the database server in {SERVER_VARIABLE} to create a database",
                seen=describe_error(error),
                hint=f"The grader's own {SERVER_VARIABLE} names a PostgreSQL server it could "
                "not use: unset it to grade with temporary SQLite files.",
            ) from None
        url = admin_url.set(database=name).render_as_string(hide_password=False)
        engine = create_engine(url, poolclass=NullPool)
        try:
            yield Database(url=url, engine=engine, backend="postgresql")
        finally:
            engine.dispose()
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        # In the grading process' own working folder, which the grader removes at the end of
        # the run even if this process is killed before its clean-up runs.
        folder = Path(tempfile.mkdtemp(prefix="grade-db-", dir=Path.cwd()))
        url = f"sqlite:///{folder / 'bookapi.db'}"
        engine = create_engine(url, poolclass=NullPool)
        try:
            yield Database(url=url, engine=engine, backend="sqlite")
        finally:
            engine.dispose()
            shutil.rmtree(folder, ignore_errors=True)


def forget_tables() -> None:
    """Empty SQLModel's registry, so that the learner's models can be imported again."""
    SQLModel.metadata.clear()
    sqlmodel.main.default_registry.dispose()


@pytest.fixture(autouse=True)
def database(monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """Only the grader's own variables, a fresh database, and the watch on SQLAlchemy."""
    for name in list(os.environ):
        if name.startswith(PREFIX) or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    with fresh_database() as db:
        monkeypatch.setenv(DATABASE_VARIABLE, db.url)
        watch = Watch(ignored=[db.engine])
        _spy_on_sqlalchemy(monkeypatch, watch)
        _watch["current"] = watch
        try:
            yield db
        finally:
            _watch["current"] = None
            for engine, _phase, _where in watch.engines:
                try:
                    engine.dispose()  # whatever the app left open goes before the database
                except Exception:
                    pass


def where() -> str:
    """` (bookapi/main.py, line 12)`: the outermost frame of the learner's code in this call,
    the line that started it all (a module-level statement, a dependency), or ''."""
    root = target_path()
    frame = sys._getframe(1)
    found = ""
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if path.is_relative_to(root):
            found = f" ({path.relative_to(root)}, line {frame.f_lineno})"
        frame = frame.f_back
    return found


def _spy_on_sqlalchemy(monkeypatch: pytest.MonkeyPatch, watch: Watch) -> None:
    engine_init = Engine.__init__
    engine_dispose = Engine.dispose
    session_init = OrmSession.__init__
    session_close = OrmSession.close

    def new_engine(self: Engine, *args: Any, **kwargs: Any) -> None:
        engine_init(self, *args, **kwargs)
        watch.engines.append((self, watch.phase, where()))

    def dispose(self: Engine, *args: Any, **kwargs: Any) -> None:
        watch.disposed.append(self)
        engine_dispose(self, *args, **kwargs)

    def new_session(self: OrmSession, *args: Any, **kwargs: Any) -> None:
        watch.sessions.append((self, watch.phase))
        session_init(self, *args, **kwargs)

    def close(self: OrmSession) -> None:
        watch.closed.append(self)
        session_close(self)

    monkeypatch.setattr(Engine, "__init__", new_engine)
    monkeypatch.setattr(Engine, "dispose", dispose)
    monkeypatch.setattr(OrmSession, "__init__", new_session)
    monkeypatch.setattr(OrmSession, "close", close)


def watching() -> Watch:
    watch = _watch["current"]
    assert watch is not None
    return watch


def fresh_app() -> FastAPI:
    """The learner's app, imported afresh (with SQLModel's registry emptied first)."""
    watch = watching()
    forget_tables()
    watch.phase = "import"
    try:
        app = load_app()
    finally:
        watch.phase = "setup"
    made = watch.engines_in("import")
    if made:
        # Not a failure on its own (engine_in_lifespan says so); the root of any that follows.
        observe.note_cause(
            ENGINE_AT_IMPORT,
            "no engine created while the app is imported",
            f"an engine created at import{made[0][2]}",
        )
    return app


@pytest.fixture
def app(database: Database) -> FastAPI:
    return fresh_app()


# Helpers -----------------------------------------------------------------------------------


def isbn13(serial: int) -> str:
    """A valid ISBN-13 (978 prefix, correct check digit) made from `serial`."""
    body = f"978{serial % 10**9:09d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def new_book(
    title: str, author: str = "Octavia E. Butler", isbn: str | None = None, year: int = 1979
) -> dict[str, Any]:
    book: dict[str, Any] = {"title": title, "author": author, "year": year}
    if isbn is not None:
        book["isbn"] = isbn
    return book


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def learner_module(name: str) -> ModuleType:
    """The learner's module `name`: the one the loaded app imported, or a fresh import."""
    module = sys.modules.get(name)
    if module is not None:
        return module
    relative = Path(*name.split(".")).with_suffix(".py")
    if not (target_path() / relative).is_file():
        raise CheckFailed(
            expected=f"a module {relative}",
            seen="no such file in the graded folder",
            hint=f"Keep `{relative}` from the exercise.",
        )
    return load_module(name)


def depends_of(value: Any) -> DependsParam | None:
    """The `Depends(...)` in the metadata of an `Annotated[..., Depends(...)]` alias, if any."""
    metadata = typing.get_args(value)[1:] if typing.get_origin(value) is Annotated else ()
    return next((item for item in metadata if isinstance(item, DependsParam)), None)


def session_dep() -> Any:
    deps = learner_module("bookapi.dependencies")
    value = getattr(deps, "SessionDep", None)
    expect(
        depends_of(value) is not None,
        expected="`SessionDep = Annotated[Session, Depends(get_session, ...)]` in "
        "bookapi.dependencies",
        seen="no such alias there" if value is None else f"`SessionDep` is {value!r:.100}",
        cause=NO_SESSION_DEP,
    )
    return value


@contextmanager
def running(app: FastAPI) -> Iterator[GradingClient]:
    """A test client with the lifespan running; server errors come back as 500 responses."""
    watch = watching()
    client = GradingClient(app, raise_server_exceptions=False)
    watch.phase = "startup"
    try:
        client.__enter__()
    except (CheckFailed, Warning, MemoryError):
        raise  # the kit names these (a deprecated API, memory) itself
    except Exception as error:
        raise CheckFailed(
            expected="the app to start (its lifespan to run)",
            seen=describe_error(error),
            cause=SETTINGS_FAIL_AT_START
            if isinstance(error, ValidationError)
            else APP_DOES_NOT_START,
        ) from None
    finally:
        watch.phase = "setup"
    try:
        yield client
    finally:
        watch.phase = "shutdown"
        try:
            client.__exit__(None, None, None)
        finally:
            watch.phase = "setup"


def send(client: GradingClient, method: str, path: str, **kwargs: Any) -> Any:
    """One request, with every session and engine it creates labelled with it."""
    watch = watching()
    watch.phase = f"{method} {path}"
    try:
        return client.request(method, path, **kwargs)
    finally:
        watch.phase = "setup"


@contextmanager
def counting() -> Iterator[Watch]:
    """Count statements and loaded rows while the block runs."""
    watch = watching()
    watch.statements.clear()
    watch.loads.clear()
    watch.counting = True
    try:
        yield watch
    finally:
        watch.counting = False


def add_book(client: GradingClient, book: dict[str, Any]) -> dict[str, Any]:
    response = send(client, "POST", "/books", json=book)
    expect(
        response.status_code == 201,
        expected=f"POST /books with a valid book ({book['title']!r} by {book['author']!r}) to "
        "answer 201",
        seen=describe_response(response),
        cause=POST_BOOKS_FAILS,
    )
    body = json_body(response, "the new book")
    expect(
        isinstance(body, dict) and isinstance(body.get("id"), int),
        expected=f"the new book {book['title']!r} as a JSON object with an integer `id`",
        seen=f"the body {body!r:.120}",
        hint="Return the stored book from POST /books (a `BookPublic` built from the row, after "
        "the flush that gave it its id).",
        anchor=MODELS_ANCHOR,
    )
    return body


def book_list(client: GradingClient, path: str) -> list[Any]:
    response = send(client, "GET", path)
    expect(
        response.status_code == 200,
        expected=f"GET {path} to answer 200",
        seen=describe_response(response),
        hint="GET /books must answer 200 with a JSON list of books, read through the request's "
        "session (`session.exec(select(Book)...)`).",
        anchor=PAGES_ANCHOR,
    )
    body = json_body(response, f"the answer to GET {path}")
    expect(
        isinstance(body, list),
        expected=f"GET {path} to answer a JSON list",
        seen=f"{body!r:.120}",
        hint="Return the page of books as a list (`list[BookPublic]`).",
        anchor=PAGES_ANCHOR,
    )
    return body


def author_of(book: Any) -> Any:
    return book.get("author") if isinstance(book, dict) else None


def expect_author(book: Any, name: str, where_seen: str) -> int:
    """The id of `book`'s author, which must be `{"id": int, "name": name}`."""
    author = author_of(book)
    expect(
        isinstance(author, dict) and isinstance(author.get("id"), int),
        expected=f"{where_seen}: the book's `author` as an object with an integer `id` and a "
        "`name`",
        seen=f"`author` is {author!r:.80}"
        if isinstance(book, dict) and "author" in book
        else f"no `author` in {book!r:.120}",
        hint=AUTHOR_HINT
        if not (isinstance(book, dict) and "author_id" in book)
        else "The answer holds `author_id`, a column of the table: return the API's "
        "`BookPublic` (with `author: AuthorPublic`), not the table model.",
        anchor=RELATIONSHIP_ANCHOR,
    )
    expect(
        author.get("name") == name,
        expected=f"{where_seen}: the author's name {name!r}, as sent",
        seen=f"the name {author.get('name')!r}",
        hint="Store the author under the name the client sent, and read it back from the "
        "book's `author` relationship.",
        anchor=RELATIONSHIP_ANCHOR,
    )
    return author["id"]


def authors_listed(client: GradingClient) -> list[Any]:
    response = send(client, "GET", "/authors?limit=100")
    expect(
        response.status_code == 200,
        expected="GET /authors?limit=100 to answer 200 with a list of authors",
        seen=describe_response(response),
        hint='Add GET /authors: a page of authors (`{"id", "name"}`), oldest first, with '
        "`limit` and `offset` capped like GET /books's.",
        anchor=RELATIONSHIP_ANCHOR,
    )
    body = json_body(response, "the author list")
    expect(
        isinstance(body, list) and all(isinstance(a, dict) and "name" in a for a in body),
        expected='GET /authors to answer a JSON list of `{"id", "name"}` objects',
        seen=f"{body!r:.120}",
        hint="Return `list[AuthorPublic]` from GET /authors.",
        anchor=RELATIONSHIP_ANCHOR,
    )
    return body


def expect_in_database(db: Database, column: str, value: str, what: str) -> dict[str, Any]:
    rows = db.rows_where(column, value)
    tables = db.tables()
    expect(
        rows,
        expected=f"{what} in the database named by {DATABASE_VARIABLE}",
        seen=f"no row with {column} = {value!r} there"
        + (f" (its tables: {', '.join(sorted(tables))})" if tables else " (it has no tables)"),
        hint=f"Store the data in the database at `settings.database_url` ({DATABASE_VARIABLE}): "
        "the lifespan builds the engine from it and creates the tables, and the services write "
        "through the request's session. The in-memory store of earlier phases must go.",
        anchor=SETTING_ANCHOR,
    )
    return rows[0]


# Checks ------------------------------------------------------------------------------------


def test_database_url_setting(monkeypatch: pytest.MonkeyPatch, database: Database) -> None:
    monkeypatch.delenv(DATABASE_VARIABLE)
    app = fresh_app()
    deps = learner_module("bookapi.dependencies")
    get_settings = getattr(deps, "get_settings", None)
    expect(
        callable(get_settings),
        expected="`get_settings` importable from bookapi.dependencies, as in Phase 5",
        seen="no such name there",
        hint="Keep Phase 5's `get_settings` (in `bookapi/settings.py`) and its import in "
        "`bookapi/dependencies.py`.",
        anchor="phase-5#settings-from-the-environment",
    )
    try:
        settings = get_settings()
    except Exception as error:
        raise CheckFailed(
            expected=f"the settings to load with only {SECRET_VARIABLE} set",
            seen=describe_error(error),
            cause=SETTINGS_FAIL_AT_START if isinstance(error, ValidationError) else None,
        ) from None
    default = getattr(settings, "database_url", None)
    expect(
        default is not None,
        expected="a `database_url` field in the settings",
        seen=f"the fields {sorted(getattr(type(settings), 'model_fields', {}))}",
        hint='Add `database_url: str = "sqlite:///bookapi.db"` to `Settings`: with the '
        f"`BOOKAPI_` prefix it is read from {DATABASE_VARIABLE}.",
    )
    shown = str(default)
    try:
        url = make_url(shown)
    except Exception:
        url = None
    expect(
        url is not None and url.get_backend_name() == "sqlite",
        expected=f"without {DATABASE_VARIABLE}, an SQLite database (the embedded default)",
        seen=f"the default database_url {shown!r:.100}",
        hint="Make the default an SQLite file, such as `sqlite:///bookapi.db`: a learner, a test "
        "or a small deployment then needs no database server. PostgreSQL comes in through the "
        "environment.",
    )
    in_memory = url.database in (None, "", ":memory:") or "mode=memory" in shown
    expect(
        not in_memory,
        expected=f"without {DATABASE_VARIABLE}, an SQLite *file*",
        seen=f"the default {shown!r}, a database in memory: every restart starts empty",
        hint="Name a file in the default URL (`sqlite:///bookapi.db`): an in-memory database "
        "forgets every book when the server stops. Keep in-memory databases for tests.",
    )
    # With the variable set, the data must land in the grader's database.
    monkeypatch.setenv(DATABASE_VARIABLE, database.url)
    getattr(get_settings, "cache_clear", lambda: None)()
    before = set(os.listdir("."))
    title = f"Parable of the Talents {RUN}"
    with running(app) as client:
        add_book(client, new_book(title))
    stray = sorted(name for name in set(os.listdir(".")) - before if "db" in name.lower())
    rows = database.rows_where("title", title)
    expect(
        rows,
        expected=f"POST /books to store the book in the database named by {DATABASE_VARIABLE}",
        seen=f"no book titled {title!r} there"
        + (f"; a new file {stray[0]} appeared where the app started" if stray else ""),
        hint=f"Build the engine from `settings.database_url` (read from {DATABASE_VARIABLE}), in "
        "the lifespan: a URL written in the code, or read from another variable, sends the "
        "data somewhere else.",
    )


def test_engine_in_lifespan(database: Database) -> None:
    watch = watching()
    app = fresh_app()
    made_at_import = watch.engines_in("import")
    expect(
        not made_at_import,
        expected="no engine created while the app is imported",
        seen=f"an engine created at import{made_at_import[0][2] if made_at_import else ''}",
        hint="Create the engine in the lifespan (`engine = create_db_engine(settings)` before "
        "its `yield`), never at module level: then it is built from the settings of this start "
        "and closed at its end.",
    )
    started: list[Engine] = []
    for run in ("first", "second"):
        with running(app) as client:
            made = [engine for engine, _phase, _w in watch.engines_in("startup")]
            new = [engine for engine in made if all(engine is not e for e in started)]
            expect(
                new,
                expected=f"the lifespan to create an engine at the {run} start of the app",
                seen="no engine created while the app started"
                if run == "first"
                else "the second start made no engine: it reused the first start's",
                hint="Create the engine in the lifespan, from `settings.database_url`, and keep "
                "it on `app.state.engine` for `get_session`."
                if run == "first"
                else "Make a new engine at every start, in the lifespan: an engine kept in a "
                "module variable or a cached function outlives the app that disposed of it.",
            )
            started += new
            for path in ("/books", "/books?limit=5", "/authors"):
                send(client, "GET", path)
            add_book(client, new_book(f"Imago, the {run} start {RUN}", isbn=None))
            per_request = [
                entry for entry in watch.engines if entry[1] not in ("import", "startup", "setup")
            ]
            expect(
                not per_request,
                expected="no engine created while requests are served",
                seen=f"{plural(len(per_request), 'engine')} created during requests, the first "
                f"for {per_request[0][1]}{per_request[0][2]}"
                if per_request
                else "",
                hint="`get_session` opens a `Session` on the engine the lifespan made "
                "(`request.app.state.engine`); it never calls `create_engine`. An engine per "
                "request is a new pool of connections per request.",
            )
        left = [engine for engine in new if not watch.was_disposed(engine)]
        expect(
            not left,
            expected=f"the engine disposed of at shutdown (after the {run} start)",
            seen=f"{plural(len(left), 'engine')} made at start-up still not disposed of after "
            "shutdown",
            hint="After the lifespan's `yield`, call `engine.dispose()` (in a `finally`), so the "
            "pool's connections close when the app stops.",
        )


def test_session_per_request_closed(app: FastAPI) -> None:
    watch = watching()
    dep = session_dep()

    def crash(session: dep) -> None:
        raise RuntimeError("the grader's route failed on purpose")

    app.add_api_route("/_grader/crash", crash, methods=["GET"])
    isbn = isbn13(70_001)
    with running(app) as client:
        created = add_book(client, new_book(f"Bloodchild {RUN}", isbn=isbn))
        book_id = created["id"]
        watch.sessions.clear()
        requests: list[tuple[str, str, dict[str, Any], bool]] = [
            # method, path, extra, whether the request must have a database session
            ("GET", "/books", {}, True),
            ("GET", f"/books/{book_id}", {}, True),
            ("GET", f"/books/{MISSING_ID}", {}, True),
            ("POST", "/books", {"json": new_book(f"Bloodchild again {RUN}", isbn=isbn)}, True),
            ("POST", "/books", {"json": {"title": "", "author": "", "year": "soon"}}, False),
            ("GET", "/_grader/crash", {}, True),
            ("GET", "/books", {}, True),
        ]
        seen: list[Any] = []
        for method, path, extra, needs_session in requests:
            response = send(client, method, path, **extra)
            label = f"{method} {path}"
            opened = watch.sessions_in(label)
            watch.sessions = [(s, p) for s, p in watch.sessions if p != label]
            answer = f"(answered {response.status_code})"
            if needs_session:
                shared = shared_sessions(app)
                expect(
                    opened,
                    expected=f"a database session opened for {label} {answer}",
                    seen="no SQLAlchemy Session opened for it"
                    + (f"; a session is kept in {shared[0]}" if shared else ""),
                    hint=f"Remove the session kept in {shared[0]}: open a new `Session` on the "
                    "engine inside `get_session`, on every call."
                    if shared
                    else "Open one `Session(request.app.state.engine)` per request in "
                    "`get_session`, and let every route and service use it: the in-memory "
                    "store's session must go, and so must any session kept between requests.",
                )
            unclosed = [session for session in opened if not watch.was_closed(session)]
            expect(
                not unclosed,
                expected=f"the session opened for {label} closed when the request ended {answer}",
                seen=f"{plural(len(unclosed), 'session')} of {len(opened)} never closed",
                hint=CLOSE_HINT,
            )
            for session in opened:
                expect(
                    all(session is not earlier for earlier in seen),
                    expected="a new session for every request",
                    seen=f"{label} got a session an earlier request had used",
                    hint="Open the session inside `get_session`, on every call.",
                )
            seen += opened
        leaked = checked_out(app)
        expect(
            not leaked,
            expected="every connection back in the engine's pool once the requests are over",
            seen=f"{plural(leaked, 'connection')} still checked out",
            hint="A connection is taken from the pool by a session (or `engine.connect()`) and "
            "given back when it closes: close every session, and open connections only with "
            "`with engine.connect() as connection:`.",
        )


def shared_sessions(app: FastAPI) -> list[str]:
    """Where a session is kept between requests: at module level or on app.state."""
    places = {f"app.state.{k}": v for k, v in vars(app.state).get("_state", {}).items()}
    for name, module in list(sys.modules.items()):
        if name == "bookapi" or name.startswith("bookapi."):
            places.update({f"{name}.{k}": v for k, v in vars(module).items()})
    return sorted(place for place, value in places.items() if isinstance(value, OrmSession))


def checked_out(app: FastAPI) -> int:
    watch = watching()
    total = 0
    for engine, phase, _where in watch.engines:
        if phase in ("startup", "import"):
            count = getattr(engine.pool, "checkedout", None)
            total += count() if callable(count) else 0
    return total


def test_failed_write_rolls_back(app: FastAPI) -> None:
    isbn = isbn13(80_001)
    newcomer = f"Grader Author {RUN}"
    with running(app) as client:
        kept = add_book(client, new_book(f"The Fifth Season {RUN}", "N. K. Jemisin", isbn))
        clash = send(
            client, "POST", "/books", json=new_book(f"The Obelisk Gate {RUN}", newcomer, isbn)
        )
        expect(
            clash.status_code == 409,
            expected=f"POST /books with ISBN {isbn}, already stored, to answer 409",
            seen=describe_response(clash),
            hint="A 500 here usually means the session was used again after the failed flush: "
            "raise the domain error (`DuplicateBook`) and let `get_session` roll back, or call "
            "`session.rollback()` before any other query."
            if clash.status_code == 500
            else "Give `isbn` a unique constraint (`Field(unique=True)`), flush in the service, "
            "and turn the `IntegrityError` into `DuplicateBook`, which Phase 4's handler answers "
            "with 409.",
        )
        body = json_body(clash, "the 409 answer")
        expect(
            isinstance(body, dict) and "detail" in body,
            expected='the 409 body to have the shape {"detail": ...}',
            seen=f"the body {body!r:.120}",
            hint="Raise the domain error (`DuplicateBook`) and let Phase 4's handler answer.",
            anchor="phase-4#one-error-shape-everywhere",
        )
        names = [author.get("name") for author in authors_listed(client)]
        expect(
            newcomer not in names,
            expected=f"nothing left of the refused book: no author {newcomer!r}",
            seen=f"the author {newcomer!r}, created for the refused book, is stored",
            hint="The author and the book are one unit of work: commit only in `get_session`, "
            "after the handler returned, never in the service (not even \"to get the author's "
            'id") and never in `finally`; then the rollback removes both.',
        )
        books = book_list(client, "/books?limit=100")
        with_isbn = [book for book in books if isinstance(book, dict) and book.get("isbn") == isbn]
        expect(
            len(with_isbn) == 1 and with_isbn[0].get("id") == kept["id"],
            expected=f"only the first book with ISBN {isbn}",
            seen=f"{plural(len(with_isbn), 'book')} with it: {[b.get('title') for b in with_isbn]}",
            hint="The refused book must not be stored: roll the request back when the flush fails.",
        )
        # The next request must not be hurt by the failed one.
        later = add_book(client, new_book(f"The Stone Sky {RUN}", newcomer, isbn13(80_002)))
        names = [author.get("name") for author in authors_listed(client)]
        expect(
            names.count(newcomer) == 1,
            expected=f"the author {newcomer!r} stored once, with the next book",
            seen=f"{names.count(newcomer)} authors named {newcomer!r}",
            hint="Find the author by name before creating one: one row per name.",
            anchor=RELATIONSHIP_ANCHOR,
        )
        moved = send(client, "PATCH", f"/books/{later['id']}", json={"isbn": isbn})
        expect(
            moved.status_code == 409,
            expected=f"PATCH /books/{later['id']} to ISBN {isbn}, already stored, to answer 409",
            seen=describe_response(moved),
            hint="Flush the change in the service and turn the `IntegrityError` into "
            "`DuplicateBook`, as POST /books does.",
        )
        again = send(client, "GET", f"/books/{later['id']}")
        stored = json_body(again, "the book") if again.status_code == 200 else {}
        expect(
            isinstance(stored, dict) and stored.get("isbn") == later.get("isbn"),
            expected=f"book {later['id']} unchanged after the refused PATCH",
            seen=f"GET /books/{later['id']}: {describe_response(again)}",
            hint="A refused change must leave the row as it was: let `get_session` roll back.",
        )


def test_public_models_only(app: FastAPI, database: Database) -> None:
    username = f"grader_{RUN}"
    password = "grader-password-" + secrets.token_hex(6)
    with running(app) as client:
        created = send(
            client,
            "POST",
            "/users",
            json={"username": username, "email": f"{username}@example.com", "password": password},
        )
        expect(
            created.status_code == 201,
            expected="POST /users with a valid sign-up to answer 201",
            seen=describe_response(created),
            hint="Keep POST /users from Phase 5, now storing a `User` row (with `password_hash`) "
            "through the request's session.",
            anchor="phase-3#input-storage-and-public-models",
        )
        row = expect_in_database(database, "username", username, f"the user {username!r}")
        hashes = [
            str(value)
            for key, value in row.items()
            if isinstance(value, str) and value.startswith("$") and key != "table"
        ]
        user_id = json_body(created, "the new user").get("id")
        answers = [("POST /users", created)]
        answers.append(("GET /users", send(client, "GET", "/users")))
        answers.append((f"GET /users/{user_id}", send(client, "GET", f"/users/{user_id}")))
        answers.append(("GET /openapi.json", send(client, "GET", "/openapi.json")))
        for what, response in answers:
            leaked = [h for h in hashes if h in response.text]
            expect(
                not leaked and password not in response.text,
                expected=f"no password or hash in the answer to {what}",
                seen="the stored hash in it" if leaked else "the password in it",
                hint=f"{what} answers with the table model: declare `response_model=UserPublic` "
                "(it has no `password_hash`) and return the row.",
                anchor=MODELS_ANCHOR,
            )
            expect(
                "password_hash" not in response.text,
                expected=f"no `password_hash` field in the answer to {what}",
                seen="a `password_hash` field in it",
                hint=f"{what} shows the table's `password_hash` column: the API's models "
                "(`UserPublic`, and `UserCreate` for input) must never include it.",
                anchor=MODELS_ANCHOR,
            )
        # A client cannot choose what the database decides.
        chosen = new_book(f"Lilith's Brood {RUN}") | {
            "id": 424_242,
            "created_at": "1999-01-01T00:00:00Z",
        }
        response = send(client, "POST", "/books", json=chosen)
        if response.status_code != 422:  # refusing unknown fields is fine too
            body = json_body(response, "the new book") if response.status_code == 201 else {}
            expect(
                response.status_code == 201
                and body.get("id") != 424_242
                and not str(body.get("created_at", "")).startswith("1999"),
                expected="POST /books to ignore (or refuse) an `id` and a `created_at` sent by "
                "the client",
                seen=f"the client chose them: {describe_response(response)}"
                if response.status_code == 201
                else describe_response(response),
                hint="POST /books reads the table model from the body: read `BookCreate` (title, "
                "author, year, isbn) and let the database pick the id and the lifespan of the "
                "row its timestamp.",
                anchor=MODELS_ANCHOR,
            )


def test_books_carry_their_author(app: FastAPI) -> None:
    jemisin, le_guin = f"N. K. Jemisin {RUN}", f"Ursula K. Le Guin {RUN}"
    with running(app) as client:
        first = add_book(client, new_book(f"The Fifth Season {RUN}", jemisin))
        first_author = expect_author(first, jemisin, "the answer to POST /books")
        second = add_book(client, new_book(f"The Killing Moon {RUN}", jemisin))
        expect(
            expect_author(second, jemisin, "the answer to POST /books") == first_author,
            expected=f"two books by {jemisin!r} to share one author row",
            seen="each got an author of its own",
            hint="Look the author up by name (`select(Author).where(Author.name == name)`) and "
            "create one only when none is stored.",
            anchor=RELATIONSHIP_ANCHOR,
        )
        third = add_book(client, new_book(f"A Wizard of Earthsea {RUN}", le_guin))
        expect(
            expect_author(third, le_guin, "the answer to POST /books") != first_author,
            expected="a different author row for a different name",
            seen=f"{le_guin!r} got the id of {jemisin!r}",
            hint="Create a new `Author` for a name that is not stored yet.",
            anchor=RELATIONSHIP_ANCHOR,
        )
        one = send(client, "GET", f"/books/{third['id']}")
        expect_author(
            json_body(one, "the book"), le_guin, f"the answer to GET /books/{third['id']}"
        )
        listed = book_list(client, "/books?limit=100")
        expected_names = {first["id"]: jemisin, second["id"]: jemisin, third["id"]: le_guin}
        for book in listed:
            if isinstance(book, dict) and book.get("id") in expected_names:
                expect_author(book, expected_names[book["id"]], "each book of GET /books")
        names = [author.get("name") for author in authors_listed(client)]
        for name in (jemisin, le_guin):
            expect(
                names.count(name) == 1,
                expected=f"GET /authors to list {name!r} once",
                seen=f"{names.count(name)} times, in {names}",
                hint="One author row per name: find the stored author before creating a new one, "
                "and list the `authors` table in GET /authors.",
                anchor=RELATIONSHIP_ANCHOR,
            )


def test_list_queries_constant(app: FastAPI) -> None:
    counts: dict[int, int] = {}
    with running(app) as client:
        made = 0
        for size in (3, 12):
            while made < size:
                made += 1
                add_book(client, new_book(f"Book {made} {RUN}", f"Author {made} {RUN}"))
            book_list(client, "/books?limit=20")  # once, so that nothing is cold
            with counting() as watch:
                listed = book_list(client, "/books?limit=20")
            expect(
                len(listed) == size,
                expected=f"GET /books?limit=20 to list the {size} books stored",
                seen=plural(len(listed), "book"),
                hint="List every stored book, oldest first, up to `limit`.",
                anchor=PAGES_ANCHOR,
            )
            expect(
                watch.statements,
                expected="GET /books to read the books from the database",
                seen="no SQL statement sent while it answered",
                hint="List the books with `session.exec(select(Book)...)` on the request's "
                "session: the in-memory store must go.",
                anchor=PAGES_ANCHOR,
            )
            for book in listed:
                number = re.match(r"Book (\d+) ", str(book.get("title", "")))
                if number:
                    expect_author(book, f"Author {number.group(1)} {RUN}", "each listed book")
            counts[size] = len(watch.statements)
    small, large = counts[3], counts[12]
    expect(
        large <= small + 1,
        expected="the same number of SQL statements to list 3 books by 3 authors as 12 books "
        "by 12 authors",
        seen=f"{small} statements for 3 books, {large} for 12: one more per book (an N+1 query)",
        hint="Each book's author is loaded lazily, one query per book, while the answer is "
        "built: add `.options(selectinload(Book.author))` (or `joinedload`) to the query.",
    )


def test_page_capped_in_sql(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    cap = 3
    monkeypatch.setenv(PAGE_VARIABLE, str(cap))
    with running(app) as client:
        ids = [
            add_book(client, new_book(f"Shelf {n} {RUN}", f"Shelf author {n} {RUN}"))["id"]
            for n in range(8)
        ]
        asked = 50
        with counting() as watch:
            response = send(client, "GET", f"/books?limit={asked}")
        if response.status_code != 422:  # refusing a limit above the cap is fine too
            page = book_list(client, f"/books?limit={asked}")
            expect(
                len(page) <= cap,
                expected=f"GET /books?limit={asked} to answer at most {cap} books "
                f"({PAGE_VARIABLE}={cap}), or 422",
                seen=plural(len(page), "book"),
                hint="Cap `limit` at `settings.max_page_size` (from `SettingsDep`) before the "
                "query: `.limit(min(limit, settings.max_page_size))`.",
            )
            expect_rows_loaded(watch, len(page), f"GET /books?limit={asked}")
        with counting() as watch:
            page = book_list(client, "/books?limit=2&offset=3")
        got = [book.get("id") for book in page if isinstance(book, dict)]
        expect(
            got == ids[3:5],
            expected=f"GET /books?limit=2&offset=3 to answer the 4th and 5th books, {ids[3:5]}",
            seen=f"the ids {got}",
            hint="Order by id (`.order_by(Book.id)`), then skip `offset` rows and take `limit`: "
            "without an order the database may return the rows in any order.",
        )
        expect_rows_loaded(watch, len(page), "GET /books?limit=2&offset=3")


def expect_rows_loaded(watch: Watch, answered: int, request: str) -> None:
    """The request loaded no more book rows than it answered (and did load them)."""
    table, loaded = book_loads(watch)
    expect(
        loaded >= answered,
        expected=f"{request} to read its books from the database",
        seen=f"it answered {plural(answered, 'book')} and loaded no book row from the database",
        hint="Read the page with `session.exec(select(Book)...)` on the request's session: the "
        "in-memory store must go.",
    )
    expect(
        loaded <= answered,
        expected=f"{request} to load only the rows it answers",
        seen=f"it loaded {plural(loaded, 'row')} from `{table}` to answer "
        f"{plural(answered, 'book')}",
        hint="Put the page in the SQL, `.offset(offset).limit(limit)`, instead of loading every "
        "book and slicing the list in Python: on a big table that reads every row for one page.",
    )


def book_loads(watch: Watch) -> tuple[str, int]:
    """The table most rows were loaded from during the request, and how many."""
    if not watch.loads:
        return "books", 0
    return max(watch.loads.items(), key=lambda item: item[1])


def test_patch_keeps_unset_fields(app: FastAPI) -> None:
    isbn = isbn13(90_001)
    title = f"Kindred {RUN}"
    author = f"Octavia E. Butler {RUN}"
    with running(app) as client:
        book = add_book(client, new_book(title, author, isbn, year=1979))
        path = f"/books/{book['id']}"

        def patch(changes: dict[str, Any]) -> dict[str, Any]:
            response = send(client, "PATCH", path, json=changes)
            status = response.status_code
            expect(
                status == 200,
                expected=f"PATCH {path} with {changes} to answer 200",
                seen=describe_response(response),
                hint="Add `PATCH /books/{book_id}`: it takes the book from `BookDep` and a "
                "`BookUpdate` body, and answers the changed `BookPublic`."
                if status in (404, 405)
                else "Make every field of `BookUpdate` optional (`= None`): a PATCH body holds "
                "only the fields to change."
                if status == 422
                else "A 500 often means the update wrote `None` into a required column: apply "
                "`changes.model_dump(exclude_unset=True)`, only the fields the client sent."
                if status == 500
                else None,
            )
            body = json_body(response, f"the answer to PATCH {path}")
            expect(isinstance(body, dict), expected="a JSON object", seen=f"{body!r:.100}")
            return body

        def expect_book(
            body: dict[str, Any], want: dict[str, Any], after: str, sent: str = ""
        ) -> None:
            for key, value in want.items():
                got = body.get(key)
                if key == "author":
                    got = got.get("name") if isinstance(got, dict) else got
                unset = key != sent
                expect(
                    got == value,
                    expected=f"{key} = {value!r} after {after}",
                    seen=f"{key} = {got!r}",
                    hint="A field the body left out must keep its value: apply "
                    "`changes.model_dump(exclude_unset=True)` (not `model_dump()`, and not "
                    "`sqlmodel_update(changes)` with the model itself)."
                    if unset
                    else "`null` clears the ISBN: `exclude_none=True` drops it, so use "
                    "`exclude_unset=True`, which keeps every field the client sent."
                    if value is None
                    else "Set each field the client sent on the row, then flush.",
                )

        body = patch({"year": 1980})
        expect_book(
            body,
            {"year": 1980, "title": title, "isbn": isbn, "author": author},
            "changing the year",
            "year",
        )
        stored = send(client, "GET", path)
        expect_book(
            json_body(stored, "the book"),
            {"year": 1980, "title": title, "isbn": isbn},
            "changing the year (the stored book)",
            "year",
        )
        body = patch({"isbn": None})
        expect_book(
            body, {"isbn": None, "year": 1980, "title": title}, "sending isbn: null", "isbn"
        )
        new_title = f"Kindred, 25th anniversary {RUN}"
        body = patch({"title": new_title})
        expect_book(
            body, {"title": new_title, "year": 1980, "isbn": None}, "changing the title", "title"
        )
        new_author = f"Octavia Butler {RUN}"
        body = patch({"author": new_author})
        expect_book(
            body,
            {"author": new_author, "title": new_title, "year": 1980},
            "changing the author (by name)",
            "author",
        )
        final = json_body(send(client, "GET", path), "the book")
        expect_book(
            final,
            {"author": new_author, "title": new_title, "year": 1980, "isbn": None},
            "all the changes (the stored book)",
        )
        missing = send(client, "PATCH", f"/books/{MISSING_ID}", json={"year": 2000})
        expect(
            missing.status_code == 404,
            expected=f"PATCH /books/{MISSING_ID} (no such book) to answer 404",
            seen=describe_response(missing),
            hint="Take the book from `BookDep`, which answers 404 before the handler runs.",
            anchor="phase-5#validating-with-dependencies",
        )
