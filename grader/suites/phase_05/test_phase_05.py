"""Phase 5 — Dependency injection. One test per check in course.toml, in the same order.

The checks observe the learner's dependencies from outside: they add test-only routes (under
/_grader/) that ask for the learner's `SessionDep` and `BookDep`, watch the session objects
those hand out, and swap `get_settings` / `get_session` through `app.dependency_overrides`.

Each failing step carries its own hint (and section, where it differs from the check's): a
learner whose commit runs but whose session is never closed reads about `finally`, not about
the dependency's scope. Missing dependencies, an app that does not start and settings read at
import are causes: reported once, at the top.

No `from __future__ import annotations` here: the test-only routes' annotations must be real
objects for FastAPI to read them.
"""

import inspect
import logging
import os
import secrets
import sys
import traceback
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any, NamedTuple

import pytest
from fastapi import FastAPI, Request
from fastapi.params import Depends as DependsParam
from fastapi.responses import JSONResponse
from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings

from grader import causes
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
    target_path,
)

PREFIX = "BOOKAPI_"
SECRET_VARIABLE = "BOOKAPI_SECRET_KEY"
# A fresh secret for every grading run: if it ever shows up in a response, it leaked.
SECRET = "grader-secret-" + secrets.token_hex(16)
# A number no check creates: far above any id a fresh store hands out.
MISSING_ID = 987_654
# The README's page size when BOOKAPI_MAX_PAGE_SIZE is not set.
DEFAULT_PAGE_SIZE = 100
# The status the grader's own exception handler answers with (a teapot: nothing else uses it).
GRADER_STATUS = 418

# Causes: one mistake that fails several checks, reported once --------------------------------

NO_DEPENDENCIES_MODULE = Cause(
    id="dependencies-module-missing",
    hint="Keep the dependencies in `bookapi/dependencies.py`, as the exercise sets it up: the "
    "grader imports `get_settings`, `SessionDep`, `BookDep` and their functions from there.",
    anchor="depends-and-annotated-aliases",
)
NO_GET_SETTINGS = Cause(
    id="get-settings-missing",
    hint="Write `get_settings` (cached, in `bookapi/settings.py`) and import it into "
    "`bookapi/dependencies.py`, beside `SettingsDep`: the grader calls it and overrides it "
    "under that name.",
    anchor="settings-from-the-environment",
)
NO_SESSION_DEP = Cause(
    id="session-dep-missing",
    hint="Define `get_session` (a `yield` dependency that opens one `Session` per call) and the "
    "alias `SessionDep`, an `Annotated[Session, Depends(get_session, ...)]` type, in "
    "`bookapi/dependencies.py`: the grader's test routes ask for them by these names.",
    anchor="dependencies-with-yield",
)
NO_BOOK_DEP = Cause(
    id="book-dep-missing",
    hint="Define `valid_book_id` (it takes `book_id` from the path and a `SessionDep`, and "
    "returns the stored book) and the alias `BookDep`, an `Annotated[Book, "
    "Depends(valid_book_id)]` type, in `bookapi/dependencies.py`.",
    anchor="validating-with-dependencies",
)
WRITES_LOST = Cause(
    id="writes-lost",
    hint="POST /books answered 201, and the next request did not find the book: the request's "
    "work is never committed. In `get_session`, call `session.commit()` right after the "
    "`yield` (closing discards whatever is not committed), and let POST /books write through "
    "the session from `SessionDep`.",
    anchor="dependencies-with-yield",
)
APP_DOES_NOT_START = Cause(
    id="lifespan-fails",
    hint="The app stops while starting: fix the error its lifespan raised, at the place shown. "
    "The lifespan only needs to load the settings and put a new `Store()` on `app.state.store`.",
    anchor="one-store-per-app-one-session-per-request",
)
SETTINGS_FAIL_AT_START = Cause(
    id="settings-fail-at-start",
    hint="The settings refuse to load although BOOKAPI_SECRET_KEY is set: the grader sets no "
    "other variable, so give every other setting a default that passes its own rules.",
    anchor="settings-from-the-environment",
)

# Hints that several steps share --------------------------------------------------------------

POST_BOOKS_HINT = (
    "POST /books with a valid book must answer 201 with the stored book, as in Phase 4, now "
    "writing through the request's session (`session: SessionDep`, and the lifespan's "
    "`app.state.store` behind it); any error your code raised is shown above."
)
GET_BOOKS_HINT = (
    "GET /books must answer 200 with a JSON list: take the query parameters from "
    "`BookQueryDep` (a query model declared with `Query()`) and the session from `SessionDep`."
)
SWALLOWED_HINT = (
    "Your `get_session` stopped an exception on its way out: after rolling back, re-raise it "
    "with a bare `raise`. Swallowed, it never reaches the exception handlers (404, 409...), and "
    "FastAPI answers 500."
)
CLOSE_HINT = (
    "Close the session in a `finally` block around the `yield`: only `finally` runs whether the "
    "route returned, the route raised, or the commit itself failed."
)
STORE_HINT = (
    "Create the store in the lifespan and keep it on `app.state.store` (a `bookapi.store.Store`, "
    "which counts the sessions open on it)."
)


class GraderError(Exception):
    """Raised by a test-only route to see whether the learner's session cleanup re-raises."""


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the grader's own BOOKAPI_ variables, whatever the learner's shell exports."""
    for name in list(os.environ):
        if name.startswith(PREFIX):
            monkeypatch.delenv(name)
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)


# Helpers -----------------------------------------------------------------------------------


def isbn13(serial: int) -> str:
    """A valid ISBN-13 (978 prefix, correct check digit) made from `serial`."""
    body = f"978{serial % 10**9:09d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def new_book(title: str, isbn: str | None = None) -> dict[str, Any]:
    book: dict[str, Any] = {"title": title, "author": "Octavia E. Butler", "year": 1979}
    if isbn is not None:
        book["isbn"] = isbn
    return book


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def learner_module(name: str, missing: Cause | None = None) -> ModuleType:
    """The learner's module `name`.

    When the loaded app already imported it, that very module: the checks must watch the
    `Session` class the app uses and override the `get_settings` the app holds. Otherwise a
    fresh import through the kit's loader, which turns import trouble into its causes.
    """
    module = sys.modules.get(name)
    if module is not None:
        return module
    relative = Path(*name.split("."))
    root = target_path()
    if (
        not (root / relative.with_suffix(".py")).is_file()
        and not (root / relative / "__init__.py").is_file()
    ):
        raise CheckFailed(
            expected=f"a module {relative.with_suffix('.py')}",
            seen="no such file in the graded folder",
            hint=None if missing else f"Keep `{relative.with_suffix('.py')}` from the exercise.",
            cause=missing,
        )
    return load_module(name)


def dependencies() -> ModuleType:
    return learner_module("bookapi.dependencies", NO_DEPENDENCIES_MODULE)


def store_module() -> ModuleType:
    return learner_module("bookapi.store")


def attribute(
    module: ModuleType,
    name: str,
    what: str,
    *,
    hint: str | None = None,
    anchor: str | None = None,
    cause: Cause | None = None,
) -> Any:
    value = getattr(module, name, None)
    expect(
        value is not None,
        expected=f"`{name}` in `{module.__name__}` ({what})",
        seen="no such name there yet",
        hint=hint,
        anchor=anchor,
        cause=cause,
    )
    return value


def depends_of(value: Any) -> DependsParam | None:
    """The `Depends(...)` in the metadata of an `Annotated[..., Depends(...)]` alias, if any."""
    metadata = typing.get_args(value)[1:] if typing.get_origin(value) is Annotated else ()
    return next((item for item in metadata if isinstance(item, DependsParam)), None)


def alias(module: ModuleType, name: str, dependency: str, cause: Cause) -> Any:
    """The learner's `Annotated[..., Depends(...)]` alias `name`."""
    value = attribute(module, name, f"`Annotated[..., Depends({dependency})]`", cause=cause)
    expect(
        depends_of(value) is not None,
        expected=f"`{name} = Annotated[..., Depends({dependency})]`",
        seen=f"`{name}` is {value!r:.100}",
        cause=cause,
    )
    return value


def shown_scope(depends: DependsParam) -> str:
    scope = getattr(depends, "scope", None)
    return f'scope="{scope}"' if scope else "the default scope"


def grader_route(app: FastAPI, path: str, endpoint: Callable[..., Any], method: str) -> None:
    """Add a test-only route that asks for the learner's dependencies."""
    try:
        app.add_api_route(path, endpoint, methods=[method])
    except Exception as error:
        raise CheckFailed(
            expected=f"FastAPI to accept a route ({method} {path}) that asks for your dependencies",
            seen=describe_error(error),
            hint="FastAPI refused your dependencies when a route asked for them: fix the error "
            'shown. A `yield` dependency in the default scope cannot ask for a `scope="function"` '
            "one, so declare the scope once, in `SessionDep`, and use the alias everywhere.",
            anchor="before-or-after-the-response-the-scope",
        ) from None


def from_dotenv_only(settings: Any) -> bool:
    """Whether the settings load only thanks to a .env file (one found by an absolute path, say).

    The grader runs in an empty folder, so `env_file=".env"` finds nothing; a path built from
    `__file__` can still find the learner's own .env. A secret read from there is not in the code.
    """
    try:
        type(settings)(_env_file=None)
    except ValidationError:
        return True
    except Exception:
        return False
    return False


def secret_of(settings: Any) -> Any:
    value = getattr(settings, "secret_key", None)
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def random_default(settings: Any) -> bool:
    """Whether the settings make up a new secret each time they load without one."""
    try:
        first, second = type(settings)(_env_file=None), type(settings)(_env_file=None)
    except Exception:
        return False
    return secret_of(first) != secret_of(second)


def load_settings(get_settings: Callable[[], Any]) -> Any:
    """`get_settings()` with BOOKAPI_SECRET_KEY set, or a kind failure."""
    try:
        return get_settings()
    except Exception as error:
        raise CheckFailed(
            expected=f"get_settings() to load the settings with {SECRET_VARIABLE} set",
            seen=describe_error(error),
            hint=f"get_settings() failed with {SECRET_VARIABLE} set: fix the error shown.",
            anchor="settings-from-the-environment",
            cause=SETTINGS_FAIL_AT_START if isinstance(error, ValidationError) else None,
        ) from None


def settings_objects() -> list[str]:
    """Where a settings object sits at module level in the learner's package (read at import)."""
    found = []
    for name, module in list(sys.modules.items()):
        if name == "bookapi" or name.startswith("bookapi."):
            for key, value in list(vars(module).items()):
                if isinstance(value, BaseSettings):
                    found.append(f"{name}.{key}")
    return sorted(found)


def count_sessions_opened(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """A list that gets one entry for every `bookapi.store.Session` opened from now on."""
    session_class = attribute(
        store_module(),
        "Session",
        "a unit of work over the store",
        hint="Keep the `Session` class of `bookapi/store.py` as the exercise gives it: "
        "`get_session` opens one per request.",
        anchor="one-store-per-app-one-session-per-request",
    )
    opened: list[object] = []
    original = session_class.__init__

    def counting_init(self: Any, *args: Any, **kwargs: Any) -> None:
        opened.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(session_class, "__init__", counting_init)
    return opened


@contextmanager
def running(app: FastAPI) -> Iterator[GradingClient]:
    """A test client with the lifespan running; server errors come back as 500 responses."""
    client = GradingClient(app, raise_server_exceptions=False)
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
    try:
        yield client
    finally:
        client.__exit__(None, None, None)


def start_failure(app: FastAPI) -> Exception | None:
    """What stopped the app's start (its lifespan), or None when it started (and is stopped
    again at once)."""
    client = GradingClient(app, raise_server_exceptions=False)
    try:
        client.__enter__()
    except (CheckFailed, Warning, MemoryError):
        raise  # the kit names these (a deprecated API, memory) itself
    except Exception as error:
        return error
    client.__exit__(None, None, None)
    return None


@contextmanager
def log_text() -> Iterator[list[str]]:
    """The text of every log record made meanwhile (message and traceback), by any logger."""
    lines: list[str] = []
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            try:
                lines.append(formatter.format(record))
            except Exception:
                lines.append(str(record.msg))

    root = logging.getLogger()
    keep, level = Keep(logging.DEBUG), root.level
    root.addHandler(keep)
    root.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        root.removeHandler(keep)
        root.setLevel(level)


def add_book(
    client: GradingClient, title: str, isbn: str | None = None, *, kept: bool = True
) -> int:
    """POST a valid book and return its id; unless `kept` is False (a check that drops the
    request's work on purpose), the next request must find it."""
    book = new_book(title, isbn)
    response = client.post("/books", json=book)
    expect(
        response.status_code == 201,
        expected=f"POST /books with a valid book ({title!r}) to answer 201",
        seen=describe_response(response),
        hint=POST_BOOKS_HINT,
        anchor="one-store-per-app-one-session-per-request",
    )
    body = json_body(response, "the new book")
    expect(
        isinstance(body, dict) and isinstance(body.get("id"), int),
        expected=f"the new book {title!r} as a JSON object with an integer `id`",
        seen=f"the body {body!r:.120}",
        hint="Return the stored book from POST /books (what the service returned, filtered by "
        "`response_model=BookPublic`, id included), as in Phase 4.",
        anchor="phase-3#let-the-return-type-filter-the-output",
    )
    if kept:
        again = client.get(f"/books/{body['id']}")
        expect(
            again.status_code != 404,
            expected=f"the book {title!r} that POST /books answered 201 for to be found by the "
            "next request",
            seen=f"GET /books/{body['id']}: {describe_response(again)}",
            cause=WRITES_LOST,
        )
    return body["id"]


def book_list(client: GradingClient, path: str) -> list[Any]:
    response = client.get(path)
    expect(
        response.status_code == 200,
        expected=f"GET {path} to answer 200",
        seen=describe_response(response),
        hint=GET_BOOKS_HINT,
        anchor="depends-and-annotated-aliases",
    )
    body = json_body(response, f"the answer to GET {path}")
    expect(
        isinstance(body, list),
        expected=f"GET {path} to answer a JSON list",
        seen=f"{body!r:.120}",
        hint="Return the page of books as a list (`list[BookPublic]`), not an object that holds "
        "one.",
        anchor="depends-and-annotated-aliases",
    )
    return body


class Advice(NamedTuple):
    """What to say when GET /books answers more books than the configured page size."""

    hint: str | None = None
    anchor: str | None = None
    cause: Cause | None = None


def expect_page_cap(
    client: GradingClient, cap: int, why: str, advice: Callable[[], Advice]
) -> None:
    """GET /books answers at most `cap` books (a larger `limit` is capped or refused).

    `advice` is asked only when the cap is not applied: it says why, for the check at hand.
    """
    asked = cap + 1

    def over_the_cap(expected: str, seen: str) -> CheckFailed:
        hint, anchor, cause = advice()
        return CheckFailed(expected=expected, seen=seen, hint=hint, anchor=anchor, cause=cause)

    plain = book_list(client, "/books")
    if len(plain) > cap:
        raise over_the_cap(
            f"GET /books to answer at most {cap} books ({why})", plural(len(plain), "book")
        )
    response = client.get(f"/books?limit={asked}")
    if response.status_code != 422:
        body = book_list(client, f"/books?limit={asked}")
        if len(body) > cap:
            raise over_the_cap(
                f"GET /books?limit={asked} to answer at most {cap} books, or 422 ({why})",
                f"{plural(len(body), 'book')}: the `limit` the client sent won over the cap",
            )
    exact = book_list(client, f"/books?limit={cap}")
    expect(
        len(exact) == cap,
        expected=f"GET /books?limit={cap} to answer {cap} books (there are {asked})",
        seen=plural(len(exact), "book"),
        hint=f"Cap `limit` at the page size, and no lower: with {asked} books stored, "
        f"GET /books?limit={cap} must still answer {cap} of them.",
    )


class Watch:
    """Notes every call of a session's commit, rollback and close, in order."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.not_a_session: str | None = None

    def watch(self, session: Any) -> bool:
        """Spy on `session`; False (and nothing touched) if it is not a session at all."""
        if not all(callable(getattr(session, name, None)) for name in ("commit", "close")):
            self.not_a_session = f"{type(session).__name__} {session!r:.60}"
            return False
        for name in ("commit", "rollback", "close"):
            method = getattr(session, name, None)
            if callable(method):

                def spy(*args: Any, _name: str = name, _method: Callable[..., Any] = method) -> Any:
                    self.log.append(_name)
                    return _method(*args)

                setattr(session, name, spy)
        return True

    def calls(self) -> str:
        return f"these calls on the session: {', '.join(self.log) or 'none'}"

    def expect_a_session(self) -> None:
        expect(
            self.not_a_session is None,
            expected="`get_session` to yield a `bookapi.store.Session` (with commit and close)",
            seen=f"it yields {self.not_a_session}",
            hint="Yield the `Session` you opened, itself: not the store, not a context manager, "
            "not the result of a call on the session.",
            anchor="dependencies-with-yield",
        )


def open_sessions(app: FastAPI) -> int | None:
    count = getattr(getattr(app.state, "store", None), "open_sessions", None)
    return count if isinstance(count, int) else None


def expect_no_open_sessions(app: FastAPI) -> None:
    count = open_sessions(app)
    expect(
        count in (0, None),
        expected="every session closed once its request is over",
        seen=f"{plural(count or 0, 'session')} still open in app.state.store",
        hint=CLOSE_HINT + " Open no session anywhere but in `get_session`.",
        anchor="when-the-handler-raises",
    )


def valid_book_id_wiring(deps: ModuleType, session_dep: Any, book_dep: Any) -> str | None:
    """Why a request opened two sessions, when valid_book_id's own signature tells."""
    wanted = depends_of(session_dep)
    book = depends_of(book_dep)
    if wanted is None or book is None or not callable(book.dependency):
        return None
    function = book.dependency
    try:
        hints = typing.get_type_hints(function, include_extras=True)
        parameters = inspect.signature(function).parameters.values()
    except Exception:
        return None
    asked = []
    for parameter in parameters:
        found = depends_of(hints.get(parameter.name, parameter.annotation))
        if found is None and isinstance(parameter.default, DependsParam):
            found = parameter.default
        if found is not None:
            asked.append(found)
    same = [d for d in asked if d.dependency is wanted.dependency]
    if not same:
        return (
            "`valid_book_id` gets its session some other way than from `get_session`: let it "
            "ask for `SessionDep`, so that FastAPI hands it the request's one session."
        )
    different = [d for d in same if getattr(d, "scope", None) != getattr(wanted, "scope", None)]
    if different:
        return (
            f"`valid_book_id` asks for get_session with {shown_scope(different[0])} while "
            f"`SessionDep` uses {shown_scope(wanted)}: FastAPI caches a dependency per function "
            "and scope, so that is two sessions. Let `valid_book_id` ask for `SessionDep`."
        )
    return None


# Checks ------------------------------------------------------------------------------------


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKAPI_MAX_PAGE_SIZE", "2")
    app = load_app()

    def advice() -> Advice:
        module = sys.modules.get("bookapi.dependencies") or sys.modules.get("bookapi.settings")
        try:
            configured = getattr(module.get_settings(), "max_page_size", None)
        except Exception:
            return Advice()
        if configured == 2:
            return Advice(
                hint="Your settings read max_page_size=2, but GET /books does not apply it: cap "
                "the query's `limit` at `settings.max_page_size` from `SettingsDep`, in a "
                "dependency such as `book_query` or in the route."
            )
        if isinstance(configured, int):
            return Advice(
                hint=f"With BOOKAPI_MAX_PAGE_SIZE=2 your settings still say "
                f"max_page_size={configured}: read it from the environment with a `BaseSettings` "
                'field `max_page_size` and `env_prefix="BOOKAPI_"`.'
            )
        return Advice()

    with running(app) as client:
        for n in range(3):
            add_book(client, f"Kindred, copy {n}")
        expect_page_cap(client, 2, "the environment sets BOOKAPI_MAX_PAGE_SIZE=2", advice)


def test_settings_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    # A fresh import: the settings an earlier check cached (with its own environment) must not
    # answer for this one.
    fresh = (
        load_module("bookapi.dependencies")
        if (target_path() / "bookapi" / "dependencies.py").is_file()
        else dependencies()
    )
    get_settings = attribute(
        fresh, "get_settings", "the settings dependency", cause=NO_GET_SETTINGS
    )
    settings = load_settings(get_settings)
    size = getattr(settings, "max_page_size", None)
    expect(
        size == DEFAULT_PAGE_SIZE,
        expected=f"max_page_size to be {DEFAULT_PAGE_SIZE} when BOOKAPI_MAX_PAGE_SIZE is not set",
        seen=f"max_page_size is {size!r}"
        if "max_page_size" in getattr(type(settings), "model_fields", {})
        else "no `max_page_size` in the settings",
        hint=f"Give `max_page_size` the default {DEFAULT_PAGE_SIZE}, the README's, so the app "
        "runs with no variable set at all.",
    )
    # Read once per process: the same object from every call.
    again = get_settings()
    expect(
        again is settings,
        expected="get_settings() to build the settings once and hand out that same object after",
        seen="a new settings object from every call: the environment (and .env) is read and "
        "validated again each time",
        hint="Decorate `get_settings` with `@lru_cache`: the first call builds the settings, "
        "every later call (one per request, through `SettingsDep`) gets the same object. Tests "
        "that change the environment call `get_settings.cache_clear()`.",
    )
    # At least 1: a page size of 0 is refused where the settings are built.
    monkeypatch.setenv("BOOKAPI_MAX_PAGE_SIZE", "0")
    try:
        type(settings)(_env_file=None)
    except ValidationError:
        return
    except Exception as error:
        raise CheckFailed(
            expected="the settings to refuse BOOKAPI_MAX_PAGE_SIZE=0 with a validation error",
            seen=describe_error(error),
            hint="Let pydantic-settings check the value: `max_page_size` declared with its "
            "bound refuses 0 with a `ValidationError` naming the field.",
        ) from None
    raise CheckFailed(
        expected="the settings to refuse BOOKAPI_MAX_PAGE_SIZE=0 (at least 1)",
        seen="they load with max_page_size=0, and every GET /books would answer nothing",
        hint="Bound `max_page_size` in its type, `Field(default=100, ge=1)`: then a page size "
        "of 0 (or -5) stops the app at start-up instead of emptying every page.",
    )


def test_secret_not_in_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_VARIABLE)
    try:
        load_module("bookapi.main")
    except CheckFailed as failure:
        if failure.cause is None or failure.cause.id != causes.IMPORT_FAILS.id:
            raise  # the kit named the cause (settings read at import, among others)
        # An import that fails only without the secret reads the settings at import, even when
        # they are not pydantic-settings' own (a KeyError from os.environ, say).
        monkeypatch.setenv(SECRET_VARIABLE, SECRET)
        try:
            load_module("bookapi.main")
        except CheckFailed:
            raise failure from None
        raise CheckFailed(
            expected=f"`bookapi.main` to import without {SECRET_VARIABLE} (the settings read "
            "when the app starts, not when it is imported)",
            seen=f"importing it fails only when the secret is missing: {failure.seen}",
            cause=causes.SETTINGS_AT_IMPORT,
        ) from None
    get_settings = attribute(
        dependencies(), "get_settings", "the settings dependency", cause=NO_GET_SETTINGS
    )
    try:
        settings = get_settings()
    except ValidationError:
        return  # refusing to start without the secret is exactly right
    except Exception as error:
        if "secret" in str(error).lower():
            return  # a clear error naming the missing secret is right too
        raise CheckFailed(
            expected=f"get_settings() without {SECRET_VARIABLE} to refuse to load",
            seen=describe_error(error),
            hint=f"Without {SECRET_VARIABLE}, loading the settings should fail with pydantic's "
            "validation error for the missing `secret_key` (a field with no default); it failed "
            "with the other error shown instead.",
        ) from None
    if from_dotenv_only(settings):
        return  # the secret came from a local .env file, not from the code
    value = getattr(settings, "secret_key", None)
    expect(
        value is not None,
        expected=f"settings to refuse to load without {SECRET_VARIABLE}",
        seen="they load, with no `secret_key` at all",
        hint="Add a `secret_key: SecretStr` field with no default to `Settings`: then the "
        f"settings cannot load until {SECRET_VARIABLE} is set.",
    )
    # A default written in the code is a leaked secret; a random default is no better: every
    # worker and every restart would get its own, and refuse what the others signed.
    if random_default(settings):
        raise CheckFailed(
            expected=f"settings to refuse to load without {SECRET_VARIABLE} (no default)",
            seen="they load with a new random secret_key every time",
            hint="Drop the `default_factory`: a random secret differs in every worker and after "
            "every restart, so each refuses what the others signed. With no default, a missing "
            f"{SECRET_VARIABLE} stops the app instead.",
        )
    raise CheckFailed(
        expected=f"settings to refuse to load without {SECRET_VARIABLE} (no default)",
        seen="they load with a secret_key written in the code (a default)",
        hint="Remove the default of `secret_key`: a value in the code is in every copy of the "
        f"repository. With no default, a missing {SECRET_VARIABLE} stops the app at start-up.",
    )


def test_secret_never_shown(app: FastAPI) -> None:
    get_settings = attribute(
        dependencies(), "get_settings", "the settings dependency", cause=NO_GET_SETTINGS
    )
    settings = load_settings(get_settings)
    held = secret_of(settings)
    expect(
        held == SECRET,
        expected=f"settings.secret_key to hold the value of {SECRET_VARIABLE}",
        seen="a different value" if held is not None else "no `secret_key` in the settings",
        hint=f"Keep `secret_key` exactly as {SECRET_VARIABLE} gives it: the environment must win "
        "over a `.env` file and over anything in the code."
        if held is not None
        else 'Add a `secret_key: SecretStr` field to `Settings` (with `env_prefix="BOOKAPI_"` it '
        f"is read from {SECRET_VARIABLE}).",
        anchor="settings-from-the-environment" if held is None else None,
    )
    for shown, form in ((repr(settings), "repr()"), (str(settings), "str()")):
        expect(
            SECRET not in shown,
            expected=f"the secret hidden in the settings' {form} (it ends up in logs)",
            seen="the secret in plain text",
        )
    with running(app) as client:
        book_id = add_book(client, "Dawn")
        short_password = {"username": "grader", "email": "g@example.com", "password": "x"}
        client.post("/users", json=short_password)
        requests = [
            ("GET", "/health"),
            ("GET", "/books"),
            ("GET", f"/books/{book_id}"),
            ("GET", f"/books/{MISSING_ID}"),
            ("GET", "/books?limit=zero"),
            ("GET", "/users"),
            ("GET", "/openapi.json"),
            ("GET", "/docs"),
        ]
        # Every other GET route the app serves without a path parameter: an `/about` or a
        # debugging `/settings` route is where a settings object tends to go out whole.
        for route in app.routes:
            path = str(getattr(route, "path", ""))
            methods = getattr(route, "methods", None) or ()
            if "GET" in methods and "{" not in path and ("GET", path) not in requests:
                requests.append(("GET", path))
        for method, path in requests:
            response = client.request(method, path)
            headers = " ".join(f"{k}: {v}" for k, v in response.headers.items())
            schema = path in ("/openapi.json", "/docs")
            expect(
                SECRET not in response.text and SECRET not in headers,
                expected="the secret's value in no response, header or schema",
                seen=f"it in the answer to {method} {path}",
                hint="A value from the settings is in your OpenAPI schema: never use the secret "
                "as a parameter's default, example or description."
                if schema
                else f"The answer to {method} {path} holds the secret: never return the settings "
                "(or the secret) from a route or put it in a header; return the fields you chose.",
            )


def test_settings_checked_at_startup(monkeypatch: pytest.MonkeyPatch) -> None:
    # A secret too short to be one (15 characters): the start must stop, and its error must not
    # repeat the value, which the server would print in its start-up log.
    short = "tooshort-" + secrets.token_hex(3)
    monkeypatch.setenv(SECRET_VARIABLE, short)
    app = load_app()
    with log_text() as logged:
        failure = start_failure(app)
    if failure is None:
        get_settings = getattr(sys.modules.get("bookapi.dependencies"), "get_settings", None)
        try:
            loaded = callable(get_settings) and get_settings() is not None
        except Exception:
            loaded = False
        raise CheckFailed(
            expected=f"the app to refuse to start with a {len(short)}-character "
            f"{SECRET_VARIABLE} (at least 16)",
            seen="it started",
            hint=f"Give `secret_key` a minimum length, `Field(min_length=16)`: a {len(short)}-"
            "character secret (or an empty one, as a copied .env.example holds) is no secret."
            if loaded
            else "The settings refuse that secret, yet the app started: call `get_settings()` "
            "in the lifespan, before its `yield`, so a bad setting stops the start instead of "
            "the first request that needs it.",
            anchor="keep-secrets-out-of-the-code" if loaded else "settings-from-the-environment",
        )
    shown = "".join(traceback.format_exception(failure)) + "\n".join(logged)
    expect(
        short not in shown,
        expected="the start-up error (and the log) to name the bad setting without its value",
        seen=f"the value of {SECRET_VARIABLE} in the "
        + ("error's text" if short in "".join(traceback.format_exception(failure)) else "log"),
        hint="Set `hide_input_in_errors=True` in the settings' `model_config`: the validation "
        "error then names the field and the rule, not the value, which would otherwise land in "
        "every start-up log. Log the error's text if you like, never its `errors()` (they hold "
        "the value).",
    )
    # No secret at all: the same refusal, unless the settings found one in a .env file.
    monkeypatch.delenv(SECRET_VARIABLE)
    app = load_app()
    if start_failure(app) is None:
        get_settings = getattr(sys.modules.get("bookapi.dependencies"), "get_settings", None)
        try:
            settings = get_settings() if callable(get_settings) else None
        except Exception:
            settings = None
        expect(
            settings is not None and from_dotenv_only(settings),
            expected=f"the app to refuse to start without {SECRET_VARIABLE}",
            seen="it started",
            hint="Call `get_settings()` in the lifespan, before its `yield`: without the secret "
            "the start then stops, instead of the first request that needs the settings.",
            anchor="settings-from-the-environment",
        )


def test_one_session_per_request(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    deps = dependencies()
    session_dep = alias(deps, "SessionDep", "get_session", NO_SESSION_DEP)
    book_dep = alias(deps, "BookDep", "valid_book_id", NO_BOOK_DEP)
    opened = count_sessions_opened(monkeypatch)
    counts: list[int | None] = []

    def endpoint(request: Request, book: book_dep, session: session_dep) -> dict[str, bool]:
        counts.append(open_sessions(request.app))
        return {"ok": True}

    grader_route(app, "/_grader/one-session/{book_id}", endpoint, "GET")
    with running(app) as client:
        book_id = add_book(client, "Wild Seed")
        opened.clear()
        response = client.get(f"/_grader/one-session/{book_id}")
        expect(
            response.status_code == 200,
            expected=f"a route asking for BookDep and SessionDep (book {book_id}) to answer 200",
            seen=describe_response(response),
            hint=f"`BookDep` must hand the route the stored book {book_id}, and `SessionDep` a "
            "session, so that a route asking for both answers 200; the answer above shows what "
            "happened instead.",
            anchor="validating-with-dependencies",
        )
        expect(
            counts and counts[0] is not None,
            expected="the lifespan to keep the store on app.state.store",
            seen="no app.state.store with an `open_sessions` count",
            hint=STORE_HINT,
            anchor="one-store-per-app-one-session-per-request",
        )
        if not opened:
            raise CheckFailed(
                expected="a session opened for the request, shared by BookDep and SessionDep",
                seen="no session opened for it: the request got one opened earlier",
                hint="Open a new `Session` in `get_session` on every call: a session kept from an "
                "earlier request is shared by every request after it.",
                anchor="one-store-per-app-one-session-per-request",
            )
        if len(opened) > 1:
            raise CheckFailed(
                expected="one session per request, shared by BookDep and SessionDep",
                seen=f"{plural(len(opened), 'session')} opened for one request",
                hint=valid_book_id_wiring(deps, session_dep, book_dep),
            )
        open_now = counts[0] or 0
        expect(
            open_now == 1,
            expected="one session open while the handler runs",
            seen=f"{plural(open_now, 'session')} open while the handler ran",
            hint="Sessions of earlier requests are still open. " + CLOSE_HINT
            if open_now > 1
            else "The session was closed before the route ran: keep it open across the "
            "`yield`, and close it after, in `finally`.",
            anchor="when-the-handler-raises" if open_now > 1 else "dependencies-with-yield",
        )
        expect_no_open_sessions(app)


def test_session_commits_and_closes(app: FastAPI) -> None:
    deps = dependencies()
    session_dep = alias(deps, "SessionDep", "get_session", NO_SESSION_DEP)
    spy = Watch()

    def endpoint(session: session_dep) -> dict[str, bool]:
        spy.watch(session)
        return {"ok": True}

    grader_route(app, "/_grader/session/ok", endpoint, "GET")
    with running(app) as client:
        response = client.get("/_grader/session/ok")
        spy.expect_a_session()
        expect(
            response.status_code == 200,
            expected="a route asking for SessionDep (and returning normally) to answer 200",
            seen=describe_response(response),
            hint="A route that asks for `SessionDep` and returns must answer 200: `get_session` "
            "yields the session, then commits and closes it. The answer above shows what went "
            "wrong.",
        )
        log = spy.log
        expect(
            "commit" in log,
            expected="get_session to commit the session when the request succeeds",
            seen=spy.calls(),
            hint="Call `session.commit()` right after the `yield`: that code runs when the route "
            "returned without raising.",
        )
        expect(
            "close" in log and log.index("close") > log.index("commit"),
            expected="get_session to close the session after committing",
            seen=spy.calls(),
            hint="Close the session after the commit, in a `finally` block around the `yield`."
            if "close" not in log
            else "Commit first, then close: closing throws away whatever is not committed yet.",
        )
        # Committed writes are there for the next request, and deletes stay deleted.
        book_id = add_book(client, "Parable of the Sower")
        again = client.get(f"/books/{book_id}")
        expect(
            again.status_code == 200,
            expected=f"book {book_id}, created by POST /books, to be found by the next request",
            seen=f"GET /books/{book_id}: {describe_response(again)}",
            hint="The book POST /books created was gone by the next request: let POST /books "
            "write through the session from `SessionDep`, which `get_session` commits."
            if again.status_code == 404
            else f"GET /books/{book_id} must answer 200 for a stored book: take it from `BookDep`.",
            anchor=None if again.status_code == 404 else "validating-with-dependencies",
        )
        deleted = client.delete(f"/books/{book_id}")
        expect(
            deleted.status_code == 204,
            expected=f"DELETE /books/{book_id} to answer 204",
            seen=describe_response(deleted),
            hint="DELETE /books/{book_id} must answer 204 for a stored book: take the book from "
            "`BookDep` and delete it through `SessionDep`.",
            anchor="validating-with-dependencies",
        )
        # Read through the list: a 404 for the missing book would travel through get_session's
        # error path, which the rollback check covers on its own.
        listed = client.get("/books", params={"limit": 100})
        expect(
            listed.status_code == 200,
            expected="GET /books?limit=100 to answer 200",
            seen=describe_response(listed),
            hint=GET_BOOKS_HINT,
            anchor="depends-and-annotated-aliases",
        )
        ids = [
            book.get("id") for book in json_body(listed, "the book list") if isinstance(book, dict)
        ]
        expect(
            book_id not in ids,
            expected="a deleted book to stay deleted for the next request",
            seen=f"book {book_id} still in GET /books after DELETE answered 204",
            hint="The delete was lost: DELETE /books/{book_id} must remove the book through the "
            "request's session (the one `BookDep` used too), which `get_session` commits.",
        )
        expect_no_open_sessions(app)


def store_classes() -> tuple[Any, Any]:
    """The learner's `Store` and `Session` classes, as the exercise gives them."""
    store = store_module()
    store_class = attribute(
        store,
        "Store",
        "the in-memory store",
        hint="Keep the `Store` class of `bookapi/store.py` as the exercise gives it.",
    )
    session_class = attribute(
        store,
        "Session",
        "a unit of work over the store",
        hint="Keep the `Session` class of `bookapi/store.py` as the exercise gives it.",
    )
    return store_class, session_class


def test_only_get_session_commits(app: FastAPI) -> None:
    deps = dependencies()
    get_session = attribute(deps, "get_session", "the session dependency", cause=NO_SESSION_DEP)
    store_class, session_class = store_classes()
    grader_store = store_class()

    def committing() -> Iterator[Any]:
        with session_class(grader_store) as session:
            yield session
            session.commit()

    def never_commits() -> Iterator[Any]:
        # A get_session that decides "not this time": whatever the request wrote is dropped.
        with session_class(grader_store) as session:
            yield session

    with running(app) as client:
        app.dependency_overrides[get_session] = committing
        seed = add_book(client, "Kindred", kept=False)  # BookDep is not on trial here
        app.dependency_overrides[get_session] = never_commits
        add_book(client, "Fledgling", kept=False)
        client.post(
            "/users",
            json={"username": "octavia", "email": "o@example.com", "password": "xenogenesis"},
        )
        client.delete(f"/books/{seed}")
        app.dependency_overrides[get_session] = committing
        titles = [book.get("title") for book in book_list(client, "/books?limit=100")]
        users = client.get("/users")
        app.dependency_overrides.clear()
    stored_users = users.json() if users.status_code == 200 else []
    expect(
        titles == ["Kindred"] and not stored_users,
        expected="nothing written in a request to be saved unless get_session commits it",
        seen=f"with a get_session that never commits, the store holds the books {titles}"
        + (f" and {plural(len(stored_users), 'user')}" if stored_users else ""),
        hint="A service (or a route) commits on its own: remove every `session.commit()` but "
        "the one in `get_session`. The request's unit of work is get_session's decision: a "
        "commit halfway through cannot be rolled back when a later step fails.",
    )


def test_session_rolls_back_on_error(app: FastAPI) -> None:
    deps = dependencies()
    session_dep = alias(deps, "SessionDep", "get_session", NO_SESSION_DEP)
    spy = Watch()

    def endpoint(session: session_dep) -> dict[str, bool]:
        spy.watch(session)
        raise GraderError

    async def grader_handler(_request: Request, _exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": "raised by the grader"}, status_code=GRADER_STATUS)

    grader_route(app, "/_grader/session/boom", endpoint, "GET")
    app.add_exception_handler(GraderError, grader_handler)
    with running(app) as client:
        response = client.get("/_grader/session/boom")
        spy.expect_a_session()
        swallowed = response.status_code == 500
        expect(
            response.status_code == GRADER_STATUS,
            expected="an exception raised in a handler to pass through get_session to the "
            f"app's exception handlers (the grader's own answers {GRADER_STATUS})",
            seen=f"{describe_response(response)}: the exception was swallowed"
            if swallowed
            else describe_response(response),
            hint=SWALLOWED_HINT
            if swallowed
            else "Let the route's exception leave `get_session` unchanged: roll back, then "
            "`raise` it again, with no other exception or response in its place.",
        )
        log = spy.log
        expect(
            "commit" not in log,
            expected="no commit when the handler raised",
            seen=spy.calls(),
            hint="Commit right after the `yield`, inside the `try`, so that an exception from the "
            "route skips it; never commit in `except` or `finally`.",
        )
        expect(
            "close" in log,
            expected="the session closed even when the handler raised (use `finally`)",
            seen=spy.calls(),
            hint=CLOSE_HINT,
        )
        # Domain errors raised inside a session still become their own answers.
        isbn = isbn13(50_001)
        add_book(client, "Fledgling", isbn)
        duplicate = client.post("/books", json=new_book("Fledgling again", isbn))
        expect(
            duplicate.status_code == 409,
            expected=f"POST /books with ISBN {isbn}, already stored, to answer 409 through the "
            "session",
            seen=describe_response(duplicate),
            hint=SWALLOWED_HINT
            if duplicate.status_code == 500
            else "A second book with a stored ISBN must answer 409, as in Phase 4: the service "
            "looks for the ISBN through the request's session, which sees what was committed.",
            anchor="when-the-handler-raises"
            if duplicate.status_code == 500
            else "phase-4#409-conflict",
        )
        missing = client.get(f"/books/{MISSING_ID}")
        expect(
            missing.status_code == 404,
            expected=f"GET /books/{MISSING_ID} (no such book) to answer 404 through the session",
            seen=describe_response(missing),
            hint=SWALLOWED_HINT
            if missing.status_code == 500
            else "GET /books/{book_id} must take the book from `BookDep`, whose `valid_book_id` "
            "raises `BookNotFound` for a missing one.",
            anchor="when-the-handler-raises"
            if missing.status_code == 500
            else "validating-with-dependencies",
        )
        expect_no_open_sessions(app)


def test_failed_commit_is_an_error(app: FastAPI) -> None:
    deps = dependencies()
    session_dep = alias(deps, "SessionDep", "get_session", NO_SESSION_DEP)
    spy = Watch()

    def endpoint(session: session_dep) -> dict[str, bool]:
        if not spy.watch(session):
            return {"ok": True}

        def refuse(*_args: Any) -> None:
            spy.log.append("commit")
            raise GraderError("the grader's store refused the commit")

        session.commit = refuse  # what a database does when a constraint fails at commit
        return {"ok": True}

    async def grader_handler(_request: Request, _exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": "raised by the grader"}, status_code=GRADER_STATUS)

    grader_route(app, "/_grader/session/commit-fails", endpoint, "POST")
    app.add_exception_handler(GraderError, grader_handler)
    with running(app) as client:
        response = client.post("/_grader/session/commit-fails")
        spy.expect_a_session()
        expect(
            "commit" in spy.log,
            expected="get_session to commit the session when the handler returned",
            seen=spy.calls(),
            hint="Call `session.commit()` right after the `yield`: that code runs when the route "
            "returned without raising.",
            anchor="dependencies-with-yield",
        )
        if response.status_code < 400:
            seen = describe_response(response)
            if getattr(depends_of(session_dep), "scope", None) == "function":
                # The commit ran before the answer went out, and its error went nowhere.
                raise CheckFailed(
                    expected="an error response when the commit fails",
                    seen=f"{seen}: the commit's exception stopped in get_session",
                    hint='Your `SessionDep` already uses scope="function", so the commit runs '
                    "before the answer goes out, but its exception stopped in `get_session`: "
                    "after rolling back, re-raise it, so that the client gets an error.",
                    anchor="when-the-handler-raises",
                )
            raise CheckFailed(
                expected="an error response when the commit fails: the session must commit "
                'before the response is sent (Depends(get_session, scope="function"))',
                seen=f"{seen}: the response went out before the commit",
            )
        expect(
            "close" in spy.log,
            expected="the session closed even when its commit failed (use `finally`)",
            seen=spy.calls(),
            hint="When the commit raises, the lines after it never run: close the session in a "
            "`finally` block around the `yield` and the commit, which runs in every case.",
            anchor="when-the-handler-raises",
        )
        expect_no_open_sessions(app)


def test_no_module_global_session(app: FastAPI) -> None:
    deps = dependencies()
    session_dep = alias(deps, "SessionDep", "get_session", NO_SESSION_DEP)
    sessions: list[Any] = []

    def endpoint(session: session_dep) -> dict[str, bool]:
        sessions.append(session)  # kept alive, so that two objects cannot share an id()
        return {"ok": True}

    grader_route(app, "/_grader/session/which", endpoint, "GET")
    with running(app) as client:
        for attempt in ("first", "second"):
            response = client.get("/_grader/session/which")
            expect(
                response.status_code == 200,
                expected=f"the {attempt} request to a route asking for SessionDep to answer 200",
                seen=describe_response(response),
                hint="The first request worked, the second did not: open a new session in every "
                "call of `get_session`; one kept from an earlier request is already closed."
                if attempt == "second"
                else "A route that asks for `SessionDep` and returns must answer 200: fix the "
                "error your code raised, shown above.",
                anchor=None if attempt == "second" else "dependencies-with-yield",
            )
        expect(
            sessions[0] is not sessions[1],
            expected="a new session for every request",
            seen="two requests got the very same session object",
            hint="Open the `Session` inside `get_session`, on every call: two requests got the "
            "same one, so it is kept between requests (a module variable, `app.state`, a cache).",
        )
        kind = type(sessions[0])
        places = {f"app.state.{k}": v for k, v in vars(app.state).get("_state", {}).items()}
        for name, module in list(sys.modules.items()):
            if name == "bookapi" or name.startswith("bookapi."):
                places.update({f"{name}.{k}": v for k, v in vars(module).items()})
        shared = sorted(place for place, value in places.items() if isinstance(value, kind))
        expect(
            not shared,
            expected="no session kept at module level or on app.state",
            seen=f"a {kind.__name__} in {', '.join(shared)}",
            hint=f"Remove the session kept in {shared[0] if shared else 'a shared place'}: keep "
            "only the store on `app.state`, and let each call of `get_session` open its own "
            "session.",
        )


def test_store_created_in_lifespan(app: FastAPI) -> None:
    stores: list[Any] = []
    for run in range(2):
        with running(app) as client:
            store = getattr(app.state, "store", None)
            expect(
                store is not None,
                expected="the lifespan to create the store and keep it on app.state.store",
                seen="no app.state.store while the app runs",
            )
            if stores:
                expect(
                    store is not stores[0],
                    expected="a new store for every start of the app (made in the lifespan)",
                    seen="the second start used the same store object as the first",
                    hint="Call `Store()` inside the lifespan: a store made at module level is "
                    "made once per import, and every start of the app reuses it.",
                )
            stores.append(store)
            books = book_list(client, "/books")
            expect(
                not books,
                expected="every start of the app to begin with a fresh, empty store",
                seen=f"{plural(len(books), 'book')} left over from the first run"
                if run
                else f"{plural(len(books), 'book')} before any was created",
                hint="The store is new, yet GET /books lists the first run's books: something "
                "from that run (a session or a store kept at module level) still serves the "
                "requests. Open each session from `request.app.state.store`."
                if run
                else "Start with an empty store: create `Store()` in the lifespan and add no "
                "books to it.",
            )
            add_book(client, "Lilith's Brood")


def test_valid_book_id_answers_404(app: FastAPI) -> None:
    deps = dependencies()
    attribute(
        deps,
        "valid_book_id",
        "the dependency that loads the book named in the path",
        cause=NO_BOOK_DEP,
    )
    book_dep = alias(deps, "BookDep", "valid_book_id", NO_BOOK_DEP)
    handled: list[Any] = []

    def endpoint(book: book_dep) -> dict[str, Any]:
        handled.append(book)
        return {"id": book["id"] if isinstance(book, dict) else getattr(book, "id", None)}

    grader_route(app, "/_grader/books/{book_id}", endpoint, "GET")
    with running(app) as client:
        book_id = add_book(client, "Clay's Ark")
        found = client.get(f"/_grader/books/{book_id}")
        expect(
            found.status_code == 200,
            expected=f"BookDep to hand the route the stored book {book_id}",
            seen=describe_response(found),
            hint="Read the path parameter `book_id` in `valid_book_id` and return the stored "
            "book; only a book that does not exist raises.",
        )
        answer = json_body(found, "the answer")
        expect(
            answer == {"id": book_id},
            expected=f"BookDep to hand the route the stored book {book_id}",
            seen=f"the route got a book whose `id` is {answer.get('id')!r}"
            if isinstance(answer, dict)
            else f"the body {answer!r:.80}",
            hint="Return the stored book itself from `valid_book_id` (the service's `Book`, with "
            "its `id`), not the id or something built from it.",
        )
        handled.clear()
        missing = client.get(f"/_grader/books/{MISSING_ID}")
        expect(
            missing.status_code == 404,
            expected=f"BookDep to answer 404 for book {MISSING_ID}, which does not exist",
            seen=describe_response(missing),
            hint=SWALLOWED_HINT
            if missing.status_code == 500
            else "Raise `BookNotFound` in `valid_book_id` when the store has no such book: "
            "returning None lets the route run without a book."
            if missing.status_code < 300
            else None,
            anchor="when-the-handler-raises" if missing.status_code == 500 else None,
        )
        body = json_body(missing, "the 404 answer")
        expect(
            isinstance(body, dict) and "detail" in body,
            expected='the 404 body to have the shape {"detail": ...}',
            seen=f"the body {body!r:.120}",
            hint="Raise `BookNotFound` and let Phase 4's exception handler answer it (or raise "
            'an `HTTPException`): both answer with `{"detail": ...}`.',
            anchor="phase-4#one-error-shape-everywhere",
        )
        expect(
            not handled,
            expected="the route's handler not to run for a missing book",
            seen=f"it ran, with the book set to {handled[0]!r:.80}" if handled else "",
            hint="Raise in `valid_book_id` for a missing book, so that the route never runs.",
        )
        for method in ("GET", "DELETE"):
            response = client.request(method, f"/books/{MISSING_ID}")
            expect(
                response.status_code == 404,
                expected=f"{method} /books/{MISSING_ID} (no such book) to answer 404",
                seen=describe_response(response),
                hint=SWALLOWED_HINT
                if response.status_code == 500
                else f"{method} /books/{{book_id}} must take its book from `BookDep`, so that a "
                "missing one answers 404 before the route runs.",
                anchor="when-the-handler-raises" if response.status_code == 500 else None,
            )


def test_settings_override_obeyed(app: FastAPI) -> None:
    deps = dependencies()
    get_settings = attribute(deps, "get_settings", "the settings dependency", cause=NO_GET_SETTINGS)
    settings = load_settings(get_settings)
    expect(
        "max_page_size" in getattr(type(settings), "model_fields", {}),
        expected="a `max_page_size` field in the settings",
        seen=f"the fields {sorted(getattr(type(settings), 'model_fields', {}))}",
        hint="Call the page-size setting `max_page_size`: it is read from BOOKAPI_MAX_PAGE_SIZE, "
        "and the grader overrides it by that name.",
        anchor="settings-from-the-environment",
    )
    small = settings.model_copy(update={"max_page_size": 2})
    app.dependency_overrides[get_settings] = lambda: small

    def advice() -> Advice:
        settings_dep = depends_of(getattr(deps, "SettingsDep", None))
        if settings_dep is not None and settings_dep.dependency is not get_settings:
            return Advice(
                hint="`SettingsDep` depends on another function than `bookapi.dependencies."
                "get_settings`, the one tests override: let it use that very function."
            )
        kept = settings_objects()
        if kept:
            return Advice(cause=causes.SETTINGS_AT_IMPORT)
        return Advice(
            hint="GET /books ignored the override of `get_settings`: take `max_page_size` from "
            "`SettingsDep` on each request, never from `os.environ`, `app.state` or a settings "
            "object kept elsewhere."
        )

    with running(app) as client:
        for n in range(3):
            add_book(client, f"Mind of My Mind, copy {n}")
        expect_page_cap(client, 2, "an override of get_settings sets max_page_size=2", advice)
        app.dependency_overrides.clear()
        unlimited = book_list(client, "/books?limit=3")
        expect(
            len(unlimited) == 3,
            expected="GET /books?limit=3 to answer 3 books again once the override is gone",
            seen=plural(len(unlimited), "book"),
            hint="Read the settings on every request through `SettingsDep`, instead of keeping "
            "the ones an override handed you.",
        )


def test_session_override_obeyed(app: FastAPI) -> None:
    deps = dependencies()
    get_session = attribute(deps, "get_session", "the session dependency", cause=NO_SESSION_DEP)
    store_class, session_class = store_classes()
    grader_store = store_class()

    def grader_session() -> Iterator[Any]:
        with session_class(grader_store) as session:
            yield session
            session.commit()

    with running(app) as client:
        add_book(client, "Imago")
        app.dependency_overrides[get_session] = grader_session
        books = book_list(client, "/books")
        expect(
            not books,
            expected="GET /books to read through the session (the grader's own store is empty)",
            seen=f"{plural(len(books), 'book')}: the route reads the data some other way",
            hint="GET /books must list the books through the session from `SessionDep`, handed "
            "to the service: not from `app.state.store` or a module-level store.",
        )
        survivor_id = add_book(client, "Survivor", kept=False)  # checked below, by step
        titles = [book.get("title") for book in book_list(client, "/books")]
        expect(
            titles == ["Survivor"],
            expected="a book created with the grader's session to be listed through it",
            seen=f"the titles {titles}",
            hint="POST /books and GET /books must both use the session from `SessionDep`: then a "
            "book written through one session is listed through it.",
        )
        found = client.get(f"/books/{survivor_id}")
        body = json_body(found, "the book") if found.status_code == 200 else None
        title = body.get("title") if isinstance(body, dict) else None
        expect(
            title == "Survivor",
            expected=f"GET /books/{survivor_id} (BookDep) to read the book through the session",
            seen=f"the book {title!r}" if title else describe_response(found),
            hint="`valid_book_id` must load the book through `SessionDep` (not from "
            "`app.state.store` or a store of its own), so an override of `get_session` reaches "
            "`BookDep` too.",
            anchor="validating-with-dependencies",
        )
        app.dependency_overrides.clear()
        titles = [book.get("title") for book in book_list(client, "/books")]
        expect(
            titles == ["Imago"],
            expected="POST /books to write through the session (the app's store holds only "
            "the book created before the override)",
            seen=f"the titles {titles}",
            hint="POST /books must write through the session from `SessionDep`, handed to the "
            "service: a write that reaches the app's store some other way ignores the override.",
        )
