"""Phase 5 — Dependency injection. One test per check in course.toml, in the same order.

The checks observe the learner's dependencies from outside: they add test-only routes (under
/_grader/) that ask for the learner's `SessionDep` and `BookDep`, watch the session objects
those hand out, and swap `get_settings` / `get_session` through `app.dependency_overrides`.
No `from __future__ import annotations` here: the test-only routes' annotations must be real
objects for FastAPI to read them.
"""

import importlib
import os
import secrets
import sys
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Annotated, Any

import pytest
from fastapi import FastAPI, Request
from fastapi.params import Depends as DependsParam
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError

from grader.kit import CheckFailed, describe_response, expect, json_body, load_app, load_module
from grader.kit.loader import where_in_target

PREFIX = "BOOKAPI_"
SECRET_VARIABLE = "BOOKAPI_SECRET_KEY"
# A fresh secret for every grading run: if it ever shows up in a response, it leaked.
SECRET = "grader-secret-" + secrets.token_hex(16)
# A number no check creates: far above any id a fresh store hands out.
MISSING_ID = 987_654
# The status the grader's own exception handler answers with (a teapot: nothing else uses it).
GRADER_STATUS = 418


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


def loaded(name: str) -> ModuleType:
    """The learner's module `name`, the same one the loaded app uses (imported if it is not)."""
    module = sys.modules.get(name)
    if module is not None:
        return module
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name == name:
            file = name.replace(".", "/") + ".py"
            raise CheckFailed(expected=f"a module {file}", seen="no such file yet") from None
        raise CheckFailed(
            expected=f"`{name}` to import", seen=f"ModuleNotFoundError: {error}"
        ) from None
    except Exception as error:
        raise CheckFailed(
            expected=f"`{name}` to import",
            seen=f"{type(error).__name__}: {error}{where_in_target(error.__traceback__)}",
        ) from None


def attribute(module: ModuleType, name: str, what: str) -> Any:
    value = getattr(module, name, None)
    expect(
        value is not None,
        expected=f"`{name}` in `{module.__name__}` ({what})",
        seen="no such name there yet",
    )
    return value


def alias(module: ModuleType, name: str, dependency: str) -> Any:
    """The learner's `Annotated[..., Depends(...)]` alias `name`."""
    value = attribute(module, name, f"`Annotated[..., Depends({dependency})]`")
    metadata = typing.get_args(value)[1:] if typing.get_origin(value) is Annotated else ()
    expect(
        any(isinstance(item, DependsParam) for item in metadata),
        expected=f"`{name} = Annotated[..., Depends({dependency})]`",
        seen=f"`{name}` is {value!r}",
    )
    return value


def dependencies() -> ModuleType:
    return loaded("bookapi.dependencies")


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


def count_sessions_opened(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """A list that gets one entry for every `bookapi.store.Session` opened from now on."""
    session_class = attribute(loaded("bookapi.store"), "Session", "a unit of work over the store")
    opened: list[object] = []
    original = session_class.__init__

    def counting_init(self: Any, *args: Any, **kwargs: Any) -> None:
        opened.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(session_class, "__init__", counting_init)
    return opened


@contextmanager
def running(app: FastAPI) -> Iterator[TestClient]:
    """A test client with the lifespan running; server errors come back as 500 responses."""
    client = TestClient(app, raise_server_exceptions=False)
    try:
        client.__enter__()
    except CheckFailed:
        raise
    except Exception as error:
        raise CheckFailed(
            expected="the app to start (its lifespan to run)",
            seen=f"{type(error).__name__}: {error}{where_in_target(error.__traceback__)}",
        ) from None
    try:
        yield client
    finally:
        client.__exit__(None, None, None)


def add_book(client: TestClient, title: str, isbn: str | None = None) -> int:
    response = client.post("/books", json=new_book(title, isbn))
    expect(
        response.status_code == 201,
        expected="POST /books with a valid book to answer 201",
        seen=describe_response(response),
    )
    body = json_body(response, "the new book")
    expect(
        isinstance(body, dict) and isinstance(body.get("id"), int),
        expected="the new book as a JSON object with an integer `id`",
        seen=f"the body {body!r}",
    )
    return body["id"]


def book_list(client: TestClient, path: str) -> list[Any]:
    response = client.get(path)
    expect(
        response.status_code == 200,
        expected=f"GET {path} to answer 200",
        seen=describe_response(response),
    )
    body = json_body(response, f"the answer to GET {path}")
    expect(isinstance(body, list), expected=f"GET {path} to answer a JSON list", seen=f"{body!r}")
    return body


def expect_page_cap(client: TestClient, cap: int, why: str) -> None:
    """GET /books answers at most `cap` books (a larger `limit` is capped or refused)."""
    asked = cap + 1
    plain = book_list(client, "/books")
    expect(
        len(plain) <= cap,
        expected=f"GET /books to answer at most {cap} books ({why})",
        seen=plural(len(plain), "book"),
    )
    response = client.get(f"/books?limit={asked}")
    if response.status_code != 422:
        body = book_list(client, f"/books?limit={asked}")
        expect(
            len(body) <= cap,
            expected=f"GET /books?limit={asked} to answer at most {cap} books, or 422 ({why})",
            seen=plural(len(body), "book"),
        )
    exact = book_list(client, f"/books?limit={cap}")
    expect(
        len(exact) == cap,
        expected=f"GET /books?limit={cap} to answer {cap} books (there are {asked})",
        seen=plural(len(exact), "book"),
    )


def watch(session: Any, log: list[str]) -> None:
    """Note every call of the session's commit, rollback and close in `log`."""
    for name in ("commit", "close"):
        expect(
            callable(getattr(session, name, None)),
            expected="`get_session` to yield a `bookapi.store.Session` (with commit and close)",
            seen=f"it yields {type(session).__name__} {session!r:.60}",
        )
    for name in ("commit", "rollback", "close"):
        method = getattr(session, name, None)
        if callable(method):

            def spy(*args: Any, _name: str = name, _method: Callable[..., Any] = method) -> Any:
                log.append(_name)
                return _method(*args)

            setattr(session, name, spy)


def open_sessions(app: FastAPI) -> int | None:
    count = getattr(getattr(app.state, "store", None), "open_sessions", None)
    return count if isinstance(count, int) else None


def expect_no_open_sessions(app: FastAPI) -> None:
    count = open_sessions(app)
    expect(
        count in (0, None),
        expected="every session closed once its request is over",
        seen=f"{plural(count or 0, 'session')} still open in app.state.store",
    )


# Checks ------------------------------------------------------------------------------------


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKAPI_MAX_PAGE_SIZE", "2")
    app = load_app()
    with running(app) as client:
        for n in range(3):
            add_book(client, f"Kindred, copy {n}")
        expect_page_cap(client, 2, "the environment sets BOOKAPI_MAX_PAGE_SIZE=2")


def test_secret_not_in_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_VARIABLE)
    try:
        load_module("bookapi.main")
    except CheckFailed as failure:
        if "ValidationError" not in failure.seen:
            raise
        raise CheckFailed(
            expected=f"the app to import without {SECRET_VARIABLE} (read the settings "
            "through get_settings() when they are needed, not at import time)",
            seen="importing bookapi.main raised a ValidationError: the settings are read "
            "while the module is imported",
        ) from None
    get_settings = attribute(dependencies(), "get_settings", "the settings dependency")
    try:
        settings = get_settings()
    except ValidationError:
        return  # refusing to start without the secret is exactly right
    except Exception as error:
        if "secret" in str(error).lower():
            return  # a clear error naming the missing secret is right too
        raise CheckFailed(
            expected=f"get_settings() without {SECRET_VARIABLE} to refuse to load",
            seen=f"{type(error).__name__}: {error}{where_in_target(error.__traceback__)}",
        ) from None
    if from_dotenv_only(settings):
        return  # the secret came from a local .env file, not from the code
    value = getattr(settings, "secret_key", None)
    expect(
        value is not None,
        expected=f"settings to refuse to load without {SECRET_VARIABLE}",
        seen="they load, with no `secret_key` at all",
    )
    # A default written in the code is a leaked secret; a random default is no better: every
    # worker and every restart would get its own, and refuse what the others signed.
    raise CheckFailed(
        expected=f"settings to refuse to load without {SECRET_VARIABLE} (no default)",
        seen="they load with a secret_key the environment did not give "
        "(a default in the code, or a random one per process)",
    )


def test_secret_never_shown(app: FastAPI) -> None:
    get_settings = attribute(dependencies(), "get_settings", "the settings dependency")
    settings = get_settings()
    value = getattr(settings, "secret_key", None)
    held = value.get_secret_value() if isinstance(value, SecretStr) else value
    expect(
        held == SECRET,
        expected=f"settings.secret_key to hold the value of {SECRET_VARIABLE}",
        seen="a different value" if held is not None else "no `secret_key` in the settings",
    )
    for shown, form in ((repr(settings), "repr()"), (str(settings), "str()")):
        expect(
            SECRET not in shown,
            expected=f"the secret hidden in the settings' {form} (it ends up in logs)",
            seen="the secret in plain text: declare secret_key as SecretStr",
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
        for method, path in requests:
            response = client.request(method, path)
            headers = " ".join(f"{k}: {v}" for k, v in response.headers.items())
            expect(
                SECRET not in response.text and SECRET not in headers,
                expected="the secret's value in no response, header or schema",
                seen=f"it in the answer to {method} {path}",
            )


def test_one_session_per_request(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    deps = dependencies()
    session_dep = alias(deps, "SessionDep", "get_session")
    book_dep = alias(deps, "BookDep", "valid_book_id")
    opened = count_sessions_opened(monkeypatch)
    counts: list[int | None] = []

    def endpoint(request: Request, book: book_dep, session: session_dep) -> dict[str, bool]:
        counts.append(open_sessions(request.app))
        return {"ok": True}

    app.add_api_route("/_grader/one-session/{book_id}", endpoint, methods=["GET"])
    with running(app) as client:
        book_id = add_book(client, "Wild Seed")
        opened.clear()
        response = client.get(f"/_grader/one-session/{book_id}")
        expect(
            response.status_code == 200,
            expected="a route asking for BookDep and SessionDep to answer 200",
            seen=describe_response(response),
        )
        expect(
            counts and counts[0] is not None,
            expected="the lifespan to keep the store on app.state.store",
            seen="no app.state.store with an `open_sessions` count",
        )
        expect(
            counts[0] == 1 and len(opened) == 1,
            expected="one session per request, shared by BookDep and SessionDep",
            seen=f"{plural(len(opened), 'session')} opened for one request"
            if len(opened) != 1
            else f"{plural(counts[0] or 0, 'session')} open while the handler ran",
        )
        expect_no_open_sessions(app)


def test_session_commits_and_closes(app: FastAPI) -> None:
    deps = dependencies()
    session_dep = alias(deps, "SessionDep", "get_session")
    log: list[str] = []

    def endpoint(session: session_dep) -> dict[str, bool]:
        watch(session, log)
        return {"ok": True}

    app.add_api_route("/_grader/session/ok", endpoint, methods=["GET"])
    with running(app) as client:
        response = client.get("/_grader/session/ok")
        expect(
            response.status_code == 200,
            expected="a route asking for SessionDep to answer 200",
            seen=describe_response(response),
        )
        expect(
            "commit" in log,
            expected="get_session to commit the session when the request succeeds",
            seen=f"these calls on the session: {', '.join(log) or 'none'}",
        )
        expect(
            "close" in log and log.index("close") > log.index("commit"),
            expected="get_session to close the session after committing",
            seen=f"these calls on the session: {', '.join(log)}",
        )
        # Committed writes are there for the next request, and deletes stay deleted.
        book_id = add_book(client, "Parable of the Sower")
        again = client.get(f"/books/{book_id}")
        expect(
            again.status_code == 200,
            expected="a book created by POST /books to be found by the next request",
            seen=f"GET /books/{book_id}: {describe_response(again)}",
        )
        deleted = client.delete(f"/books/{book_id}")
        expect(
            deleted.status_code == 204,
            expected=f"DELETE /books/{book_id} to answer 204",
            seen=describe_response(deleted),
        )
        # Read through the list: a 404 for the missing book would travel through get_session's
        # error path, which the rollback check covers on its own.
        listed = client.get("/books", params={"limit": 100})
        expect(
            listed.status_code == 200,
            expected="GET /books to answer 200",
            seen=describe_response(listed),
        )
        ids = [
            book.get("id") for book in json_body(listed, "the book list") if isinstance(book, dict)
        ]
        expect(
            book_id not in ids,
            expected="a deleted book to stay deleted for the next request",
            seen=f"book {book_id} still in GET /books after DELETE answered 204",
        )
        expect_no_open_sessions(app)


def test_session_rolls_back_on_error(app: FastAPI) -> None:
    deps = dependencies()
    session_dep = alias(deps, "SessionDep", "get_session")
    log: list[str] = []

    def endpoint(session: session_dep) -> dict[str, bool]:
        watch(session, log)
        raise GraderError

    async def grader_handler(_request: Request, _exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": "raised by the grader"}, status_code=GRADER_STATUS)

    app.add_api_route("/_grader/session/boom", endpoint, methods=["GET"])
    app.add_exception_handler(GraderError, grader_handler)
    with running(app) as client:
        response = client.get("/_grader/session/boom")
        expect(
            response.status_code == GRADER_STATUS,
            expected="an exception raised in a handler to pass through get_session to the "
            "app's exception handlers (re-raise it after rolling back)",
            seen=f"{describe_response(response)}: the exception was swallowed"
            if response.status_code == 500
            else describe_response(response),
        )
        expect(
            "commit" not in log,
            expected="no commit when the handler raised",
            seen=f"these calls on the session: {', '.join(log)}",
        )
        expect(
            "close" in log,
            expected="the session closed even when the handler raised (use `finally`)",
            seen=f"these calls on the session: {', '.join(log) or 'none'}",
        )
        # Domain errors raised inside a session still become their own answers.
        isbn = isbn13(50_001)
        add_book(client, "Fledgling", isbn)
        duplicate = client.post("/books", json=new_book("Fledgling again", isbn))
        expect(
            duplicate.status_code == 409,
            expected="a duplicate ISBN to answer 409 through the session",
            seen=describe_response(duplicate),
        )
        missing = client.get(f"/books/{MISSING_ID}")
        expect(
            missing.status_code == 404,
            expected="a missing book to answer 404 through the session",
            seen=describe_response(missing),
        )
        expect_no_open_sessions(app)


def test_failed_commit_is_an_error(app: FastAPI) -> None:
    deps = dependencies()
    session_dep = alias(deps, "SessionDep", "get_session")
    log: list[str] = []

    def endpoint(session: session_dep) -> dict[str, bool]:
        watch(session, log)

        def refuse(*_args: Any) -> None:
            log.append("commit")
            raise GraderError("the grader's store refused the commit")

        session.commit = refuse  # what a database does when a constraint fails at commit
        return {"ok": True}

    async def grader_handler(_request: Request, _exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": "raised by the grader"}, status_code=GRADER_STATUS)

    app.add_api_route("/_grader/session/commit-fails", endpoint, methods=["POST"])
    app.add_exception_handler(GraderError, grader_handler)
    with running(app) as client:
        response = client.post("/_grader/session/commit-fails")
        expect(
            "commit" in log,
            expected="get_session to commit the session when the handler returned",
            seen=f"these calls on the session: {', '.join(log) or 'none'}",
        )
        expect(
            response.status_code >= 400,
            expected="an error response when the commit fails: the session must commit "
            'before the response is sent (Depends(get_session, scope="function"))',
            seen=f"{describe_response(response)}: the response went out before the commit"
            if response.is_success
            else describe_response(response),
        )
        expect(
            "close" in log,
            expected="the session closed even when its commit failed (use `finally`)",
            seen=f"these calls on the session: {', '.join(log)}",
        )
        expect_no_open_sessions(app)


def test_no_module_global_session(app: FastAPI) -> None:
    deps = dependencies()
    session_dep = alias(deps, "SessionDep", "get_session")
    sessions: list[Any] = []

    def endpoint(session: session_dep) -> dict[str, bool]:
        sessions.append(session)  # kept alive, so that two objects cannot share an id()
        return {"ok": True}

    app.add_api_route("/_grader/session/which", endpoint, methods=["GET"])
    with running(app) as client:
        for _ in range(2):
            response = client.get("/_grader/session/which")
            expect(
                response.status_code == 200,
                expected="a route asking for SessionDep to answer 200",
                seen=describe_response(response),
            )
        expect(
            sessions[0] is not sessions[1],
            expected="a new session for every request",
            seen="two requests got the very same session object",
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
        )


def test_store_created_in_lifespan(app: FastAPI) -> None:
    stores: list[Any] = []
    for _run in range(2):
        with running(app) as client:
            store = getattr(app.state, "store", None)
            expect(
                store is not None,
                expected="the lifespan to create the store and keep it on app.state.store",
                seen="no app.state.store while the app runs",
            )
            stores.append(store)
            books = book_list(client, "/books")
            expect(
                not books,
                expected="every start of the app to begin with a fresh, empty store",
                seen=f"{plural(len(books), 'book')} left over from the first run",
            )
            add_book(client, "Lilith's Brood")
    expect(
        stores[0] is not stores[1],
        expected="a new store for every start of the app (made in the lifespan)",
        seen="both starts used the same store object",
    )


def test_valid_book_id_answers_404(app: FastAPI) -> None:
    deps = dependencies()
    attribute(deps, "valid_book_id", "the dependency that loads the book named in the path")
    book_dep = alias(deps, "BookDep", "valid_book_id")
    handled: list[Any] = []

    def endpoint(book: book_dep) -> dict[str, Any]:
        handled.append(book)
        return {"id": book["id"] if isinstance(book, dict) else getattr(book, "id", None)}

    app.add_api_route("/_grader/books/{book_id}", endpoint, methods=["GET"])
    with running(app) as client:
        book_id = add_book(client, "Clay's Ark")
        found = client.get(f"/_grader/books/{book_id}")
        expect(
            found.status_code == 200 and json_body(found, "the answer") == {"id": book_id},
            expected=f"BookDep to hand the route the stored book {book_id}",
            seen=describe_response(found),
        )
        handled.clear()
        missing = client.get(f"/_grader/books/{MISSING_ID}")
        expect(
            missing.status_code == 404,
            expected="BookDep to answer 404 for a book that does not exist",
            seen=describe_response(missing),
        )
        body = json_body(missing, "the 404 answer")
        expect(
            isinstance(body, dict) and "detail" in body,
            expected='the 404 body to have the shape {"detail": ...}',
            seen=f"the body {body!r}",
        )
        expect(
            not handled,
            expected="the route's handler not to run for a missing book",
            seen=f"it ran, with the book set to {handled[0]!r:.80}" if handled else "",
        )
        for method in ("GET", "DELETE"):
            response = client.request(method, f"/books/{MISSING_ID}")
            expect(
                response.status_code == 404,
                expected=f"{method} /books/{MISSING_ID} (no such book) to answer 404",
                seen=describe_response(response),
            )


def test_settings_override_obeyed(app: FastAPI) -> None:
    deps = dependencies()
    get_settings = attribute(deps, "get_settings", "the settings dependency")
    settings = get_settings()
    expect(
        "max_page_size" in getattr(type(settings), "model_fields", {}),
        expected="a `max_page_size` field in the settings",
        seen=f"the fields {sorted(getattr(type(settings), 'model_fields', {}))}",
    )
    small = settings.model_copy(update={"max_page_size": 2})
    app.dependency_overrides[get_settings] = lambda: small
    with running(app) as client:
        for n in range(3):
            add_book(client, f"Mind of My Mind, copy {n}")
        expect_page_cap(client, 2, "an override of get_settings sets max_page_size=2")
        app.dependency_overrides.clear()
        unlimited = book_list(client, "/books?limit=3")
        expect(
            len(unlimited) == 3,
            expected="GET /books?limit=3 to answer 3 books again once the override is gone",
            seen=plural(len(unlimited), "book"),
        )


def test_session_override_obeyed(app: FastAPI) -> None:
    deps = dependencies()
    get_session = attribute(deps, "get_session", "the session dependency")
    store_module = loaded("bookapi.store")
    store_class = attribute(store_module, "Store", "the in-memory store")
    session_class = attribute(store_module, "Session", "a unit of work over the store")
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
        )
        survivor_id = add_book(client, "Survivor")
        titles = [book.get("title") for book in book_list(client, "/books")]
        expect(
            titles == ["Survivor"],
            expected="a book created with the grader's session to be listed through it",
            seen=f"the titles {titles}",
        )
        found = client.get(f"/books/{survivor_id}")
        body = json_body(found, "the book") if found.status_code == 200 else None
        title = body.get("title") if isinstance(body, dict) else None
        expect(
            title == "Survivor",
            expected=f"GET /books/{survivor_id} (BookDep) to read the book through the session",
            seen=f"the book {title!r}" if title else describe_response(found),
        )
        app.dependency_overrides.clear()
        titles = [book.get("title") for book in book_list(client, "/books")]
        expect(
            titles == ["Imago"],
            expected="POST /books to write through the session (the app's store holds only "
            "the book created before the override)",
            seen=f"the titles {titles}",
        )
