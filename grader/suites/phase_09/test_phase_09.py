"""Phase 9 — Testing and project structure. One test per check in course.toml, in the same order.

Two kinds of checks. The first six look at the learner's app from outside: `create_app` must
build a new, independent app on every call, obey the settings it is given, obey overrides of
`get_settings` and `get_session` (the grader's own settings, the grader's own temporary
database), serve the API under /api/v1 (the health probe stays at /health), and tag every
operation with its domain.

The other seven run the learner's OWN tests (`tests/` in the graded folder) with
`grader.kit.learner_tests`: `python -m pytest` in a process of its own, on a copy of the folder,
with a time limit, with the grader's `learner_plugin`, which reports each test (its outcome,
whether it sent requests through an async client in its own event loop, whether an app held
`dependency_overrides` while it answered, which apps still hold overrides when the test is
over). The run on the untouched app is made once and shared by the checks that read it; the run
in reverse order is made in the same folder right after it (a database file the first run left
behind then shows); each "mutant" run breaks the app on purpose, from outside its code, and
expects at least one of the learner's tests to fail.

Argon2 is made cheap for every check (the checks count answers, not time), in the grader's
process and in the learner's test run alike.

No `from __future__ import annotations` here: the test-only routes' annotations must be real
objects for FastAPI to read them.
"""

import os
import re
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urljoin, urlsplit

import fastapi.routing
import jwt
import pytest
import sqlmodel
from fastapi import FastAPI
from fastapi.params import Depends as DependsParam
from pydantic import ValidationError
from pydantic_settings import BaseSettings
from sqlalchemy import Engine
from sqlmodel import SQLModel

from grader import causes
from grader.kit import (
    Cause,
    CheckFailed,
    GradingClient,
    describe_error,
    describe_response,
    expect,
    json_body,
    load_module,
    target_path,
)
from grader.kit.learner_tests import LearnerRun, LearnerTest, copy_of, run_learner_tests

PREFIX = "BOOKAPI_"
SECRET_VARIABLE = "BOOKAPI_SECRET_KEY"
DATABASE_VARIABLE = "BOOKAPI_DATABASE_URL"
# Fresh secrets for every grading run, long enough for HS256.
SECRET = "grader-secret-" + secrets.token_hex(24)
FACTORY_SECRET = "grader-factory-secret-" + secrets.token_hex(24)
PASSWORD = "correct horse battery staple"
API = "/api/v1"
# Every operation of the Book API, under the version prefix (path parameters as `{}`).
OPERATIONS = (
    ("POST", "/api/v1/token"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/users/me"),
    ("GET", "/api/v1/users/{}"),
    ("GET", "/api/v1/books"),
    ("POST", "/api/v1/books"),
    ("GET", "/api/v1/books/{}"),
    ("PATCH", "/api/v1/books/{}"),
    ("DELETE", "/api/v1/books/{}"),
    ("GET", "/api/v1/books/{}/price"),
    ("GET", "/api/v1/books/{}/cover"),
    ("GET", "/api/v1/authors"),
)
# The tag each domain's operations carry: the first path segment after /api/v1.
DOMAIN_TAGS = {"books": "books", "authors": "authors", "users": "users", "token": "auth"}
# Paths of the app that are not part of the versioned API.
OUTSIDE_API = {"/health", "/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"}
# Seconds kept aside from a check's time limit for everything but the learner's test run.
RUN_MARGIN = 1.2
# The mutants of grader.kit.learner_plugin the checks use.
CREATED_STATUS = "created-status"
NO_AUTH = "no-auth"

# Sections of the lesson that several steps send the learner to.
FACTORY_ANCHOR = "an-app-factory"
APP_SETTINGS_ANCHOR = "settings-belong-to-the-app"
OVERRIDES_ANCHOR = "overrides-in-tests"
VERSION_ANCHOR = "versioning-the-api"
RUNNING_ANCHOR = "running-your-tests"
FIXTURES_ANCHOR = "fixtures"

# Causes: one mistake that fails several checks, reported once ---------------------------------

NO_FACTORY = Cause(
    id="create-app-missing",
    hint="Write the app factory, `create_app(settings: Settings | None = None) -> FastAPI`, in "
    "`bookapi/main.py`: it builds and returns a new app on every call, and the module keeps "
    "`app = create_app()` for `fastapi dev`. The grader builds its apps with it.",
    anchor=FACTORY_ANCHOR,
)
NOT_VERSIONED = Cause(
    id="api-not-under-api-v1",
    hint="Serve the API under /api/v1: include each domain's router with "
    '`app.include_router(router, prefix="/api/v1")` (the health probe stays at /health). The '
    "grader calls the API at its versioned paths, /api/v1/books and so on.",
    anchor=VERSION_ANCHOR,
)
NO_DEPENDENCY = Cause(
    id="dependencies-missing",
    hint="Keep `get_settings`, `SettingsDep`, `get_session` and `SessionDep` in "
    "`bookapi/dependencies.py`, as the exercise gives them: the grader overrides them there.",
    anchor=OVERRIDES_ANCHOR,
)
APP_DOES_NOT_START = Cause(
    id="lifespan-fails",
    hint="An app from `create_app` stops while starting: fix the error its lifespan (or "
    "middleware) raised, at the place shown. The lifespan reads the app's settings (the ones "
    "the factory was given, or the environment's) and makes the engine, the limiter and the "
    "price client from them.",
    anchor=FACTORY_ANCHOR,
)
NO_SIGN_UP = Cause(
    id="sign-up-broken",
    hint="`POST /api/v1/users` and `POST /api/v1/token` must still sign a user up (201) and log "
    "them in (a bearer token), as in Phase 8: the checks go through them.",
    anchor=VERSION_ANCHOR,
)
OWN_TESTS_BROKEN = Cause(
    id="own-tests-do-not-run",
    hint="The grader runs your tests with `python -m pytest` in the exercise folder: put them "
    "in `tests/` (files `test_*.py`), make sure they import and are collected, and run them "
    "yourself the same way until pytest reports them.",
    anchor=RUNNING_ANCHOR,
)
OWN_TESTS_FAIL = Cause(
    id="own-tests-fail",
    hint="Your own tests must pass on your app before anything else about them can be judged: "
    "run `python -m pytest` in the exercise folder and fix each one shown (the test, or the "
    "app).",
    anchor=RUNNING_ANCHOR,
)
NO_OVERRIDE_TEST = Cause(
    id="no-override-test",
    hint="Write a test that replaces a dependency through `app.dependency_overrides` (for "
    "example `get_settings` with a small `max_page_size`, or the price client with a fake) "
    "and sends a request while the replacement is in place.",
    anchor=OVERRIDES_ANCHOR,
)

# Hints that several steps share --------------------------------------------------------------

SETTINGS_ELSEWHERE_HINT = (
    "The routes read the settings some other way than through `get_settings`: take every "
    "setting from `SettingsDep` (and let `get_settings` answer the app's own settings, "
    "`request.app.state.settings`), never from a settings object kept at module level, "
    "`load_settings()` or `os.environ`."
)
SESSION_ELSEWHERE_HINT = (
    "Routes and dependencies must get their session from `SessionDep` (through `get_session`) "
    "and hand it to the services: a `Session(...)` opened anywhere else never sees an override."
)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Only the grader's own BOOKAPI_ variables, whatever the learner's shell exports, and a
    new, empty folder for the SQLite databases of every check (removed afterwards)."""
    for name in list(os.environ):
        if name.startswith(PREFIX) or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    folder = Path(tempfile.mkdtemp(prefix="grade-db-"))
    monkeypatch.setenv(DATABASE_VARIABLE, sqlite_url(folder / "bookapi.db"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def deadline(request: pytest.FixtureRequest) -> float:
    """When this check's time is up (monotonic): the learner's test runs must end before."""
    limit = float(request.config.getoption("--grade-timeout", default=10.0) or 10.0)
    return time.monotonic() + limit - RUN_MARGIN


def forget_tables() -> None:
    """Let the learner's models define their tables again: each check imports them afresh, and
    SQLModel keeps every table (and class) ever defined in one process-wide registry."""
    SQLModel.metadata.clear()
    sqlmodel.main.default_registry.dispose()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def template(path: str) -> str:
    """`/api/v1/books/{book_id}` -> `/api/v1/books/{}`: path parameters by position only."""
    return re.sub(r"\{[^}]*\}", "{}", path).rstrip("/") or "/"


def listed(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


# The learner's modules -------------------------------------------------------------------------


def learner_module(name: str) -> ModuleType:
    """The learner's module `name`: the very one the app imported, if it did."""
    module = sys.modules.get(name)
    return module if module is not None else load_module(name)


def main_module() -> ModuleType:
    forget_tables()
    return load_module("bookapi.main")


def factory(main: ModuleType) -> Callable[..., FastAPI]:
    create = getattr(main, "create_app", None)
    expect(
        callable(create),
        expected="a function `create_app(settings=None)` in `bookapi/main.py`",
        seen="no `create_app` there yet"
        if create is None
        else f"`create_app` is a {type(create).__name__}",
        cause=NO_FACTORY,
    )
    return create  # type: ignore[return-value]


def build(create: Callable[..., FastAPI], *args: Any) -> FastAPI:
    """`create_app(*args)`, or a kind failure."""
    shown = "create_app(settings)" if args else "create_app()"
    try:
        app = create(*args)
    except (CheckFailed, Warning, MemoryError):
        raise
    except ValidationError as error:
        raise CheckFailed(
            expected=f"{shown} to build an app without reading the environment",
            seen=f"it read the settings, which failed: {describe_error(error)}",
            hint="Read the settings when the app starts (in the lifespan), not when the factory "
            "is called: `fastapi dev` imports the module (and so calls the factory) before it "
            "knows anything, and a test builds apps with settings of its own.",
            anchor="nothing-happens-at-import",
        ) from None
    except Exception as error:
        raise CheckFailed(
            expected=f"{shown} to return a new FastAPI app",
            seen=describe_error(error),
            hint="Call `create_app` yourself in a Python shell and fix the error it raises.",
            anchor=FACTORY_ANCHOR,
        ) from None
    expect(
        isinstance(app, FastAPI),
        expected=f"{shown} to return a FastAPI app",
        seen=f"it returned a {type(app).__name__}",
        hint="End `create_app` with `return app`, the `FastAPI(...)` it built.",
        anchor=FACTORY_ANCHOR,
    )
    return app


def dependency(name: str, what: str) -> Any:
    value = getattr(learner_module("bookapi.dependencies"), name, None)
    expect(
        value is not None,
        expected=f"`{name}` in `bookapi.dependencies` ({what})",
        seen="no such name there",
        cause=NO_DEPENDENCY,
    )
    return value


def depends_of(value: Any) -> DependsParam | None:
    """The `Depends(...)` in the metadata of an `Annotated[..., Depends(...)]` alias, if any."""
    metadata = getattr(value, "__metadata__", ())
    return next((item for item in metadata if isinstance(item, DependsParam)), None)


def settings_class() -> type[BaseSettings]:
    settings = learner_module("bookapi.settings")
    found = getattr(settings, "Settings", None)
    expect(
        isinstance(found, type) and issubclass(found, BaseSettings),
        expected="the settings class `Settings` (pydantic-settings) in `bookapi/settings.py`",
        seen="no such class there",
        hint="Keep `Settings` in `bookapi/settings.py`: the grader builds settings of its own "
        "with it.",
        anchor=APP_SETTINGS_ANCHOR,
    )
    return found  # type: ignore[return-value]


def grader_settings(**values: Any) -> Any:
    """The learner's `Settings`, with the grader's values and no .env file."""
    try:
        return settings_class()(_env_file=None, **values)
    except Exception as error:
        raise CheckFailed(
            expected=f"`Settings({', '.join(sorted(values))})` to build settings",
            seen=describe_error(error),
            hint="Keep the fields of `Settings` as earlier phases named them (`secret_key`, "
            "`database_url`, `max_page_size`...), each with a default but the secret.",
            anchor=APP_SETTINGS_ANCHOR,
        ) from None


def settings_at_module_level() -> list[str]:
    found = []
    for name, module in list(sys.modules.items()):
        if name == "bookapi" or name.startswith("bookapi."):
            for key, value in list(vars(module).items()):
                if isinstance(value, BaseSettings):
                    found.append(f"{name}.{key}")
    return sorted(found)


# Talking to the apps -----------------------------------------------------------------------------


@contextmanager
def running(app: FastAPI) -> Iterator[GradingClient]:
    """A test client with the lifespan running; server errors come back as 500 responses."""
    client = GradingClient(app, raise_server_exceptions=False)
    try:
        client.__enter__()
    except (CheckFailed, Warning, MemoryError):
        raise
    except Exception as error:
        raise CheckFailed(
            expected="the app to start (its lifespan to run)",
            seen=describe_error(error),
            cause=APP_DOES_NOT_START,
        ) from None
    try:
        yield client
    finally:
        client.__exit__(None, None, None)


def route_templates(app: FastAPI) -> set[str]:
    """The paths `app` serves, as templates. FastAPI keeps an included router as one entry of
    `app.routes`; `iter_route_contexts` walks into it (plain `app.routes` where it is missing)."""
    walk = getattr(fastapi.routing, "iter_route_contexts", None)
    routes = walk(app.routes) if walk is not None else app.routes
    return {template(getattr(route, "path", None) or "") for route in routes}


def api_call(app: FastAPI, client: GradingClient, method: str, path: str, **kwargs: Any) -> Any:
    """`client.request(...)` on an API path; a 404 because the API is not under /api/v1 is the
    shared cause, not the check's own failure."""
    response = client.request(method, path, **kwargs)
    if response.status_code in (404, 405):
        known = route_templates(app)
        wanted = template(path)
        if wanted not in known and not any(re.fullmatch(_pattern(t), path) for t in known):
            unversioned = wanted.removeprefix(API)
            if unversioned in known or any(
                re.fullmatch(_pattern(t), path.removeprefix(API)) for t in known
            ):
                raise CheckFailed(
                    expected=f"{method} {path} to reach the API under /api/v1",
                    seen=f"{describe_response(response)}: the route is still at "
                    f"{path.removeprefix(API)}",
                    cause=NOT_VERSIONED,
                )
    return response


def _pattern(route_template: str) -> str:
    return re.escape(route_template).replace(r"\{\}", "[^/]+")


def sign_up(app: FastAPI, client: GradingClient, username: str) -> int:
    body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    response = api_call(app, client, "POST", f"{API}/users", json=body)
    expect(
        response.status_code == 201,
        expected=f"POST {API}/users (sign-up of {username!r}) to answer 201",
        seen=describe_response(response),
        cause=NO_SIGN_UP,
    )
    user = json_body(response, "the new user")
    expect(
        isinstance(user, dict) and isinstance(user.get("id"), int),
        expected=f"the new user {username!r} as a JSON object with an integer `id`",
        seen=f"the body {user!r:.120}",
        cause=NO_SIGN_UP,
    )
    return user["id"]


def token_for(app: FastAPI, client: GradingClient, username: str) -> str:
    form = {"grant_type": "password", "username": username, "password": PASSWORD}
    response = api_call(app, client, "POST", f"{API}/token", data=form)
    body = json_body(response, "the login answer") if response.status_code == 200 else None
    token = body.get("access_token") if isinstance(body, dict) else None
    expect(
        isinstance(token, str) and bool(token),
        expected=f"POST {API}/token (a form with {username!r}'s username and password) to "
        'answer 200 with {"access_token": ...}',
        seen=describe_response(response),
        cause=NO_SIGN_UP,
    )
    return str(token)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def add_book(app: FastAPI, client: GradingClient, token: str, title: str) -> int:
    book = {"title": title, "author": "Ursula K. Le Guin", "year": 1969}
    response = api_call(app, client, "POST", f"{API}/books", json=book, headers=bearer(token))
    expect(
        response.status_code == 201,
        expected=f"POST {API}/books with a valid token and book ({title!r}) to answer 201",
        seen=describe_response(response),
        hint="POST /api/v1/books must create the book as in Phase 8 (the owner from "
        "`CurrentUserDep`), through the request's session; the error your code raised, if any, "
        "is shown above.",
        anchor=VERSION_ANCHOR,
    )
    body = json_body(response, "the new book")
    expect(
        isinstance(body, dict) and isinstance(body.get("id"), int),
        expected=f"the new book {title!r} as a JSON object with an integer `id`",
        seen=f"the body {body!r:.120}",
        hint="Return the stored book (a `BookPublic`) from POST /api/v1/books, as before.",
        anchor=VERSION_ANCHOR,
    )
    return body["id"]


def book_list(app: FastAPI, client: GradingClient, path: str) -> list[Any]:
    response = api_call(app, client, "GET", path)
    expect(
        response.status_code == 200,
        expected=f"GET {path} to answer 200",
        seen=describe_response(response),
        hint="GET /api/v1/books must answer a JSON list of books, as in Phase 8.",
        anchor=VERSION_ANCHOR,
    )
    body = json_body(response, f"the answer to GET {path}")
    expect(
        isinstance(body, list),
        expected=f"GET {path} to answer a JSON list",
        seen=f"{body!r:.120}",
        hint="Return the page of books as a list (`list[BookPublic]`).",
        anchor=VERSION_ANCHOR,
    )
    return body


def rows(path: Path, table: str) -> int | None:
    """How many rows `table` holds in the SQLite file `path` (None: no such file or table)."""
    if not path.exists():
        return None
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
    except sqlite3.Error:
        return None
    finally:
        connection.close()


def table_of(name: str, fallback: str) -> str:
    model = getattr(learner_module("bookapi.models"), name, None)
    return str(getattr(model, "__tablename__", fallback))


def engines_on(app: FastAPI) -> list[Engine]:
    state = vars(app.state).get("_state", {})
    return [value for value in state.values() if isinstance(value, Engine)]


# The learner's own tests -----------------------------------------------------------------------

# One run per kind in this process: the checks that read the same run share it.
_runs: dict[str, LearnerRun] = {}
_touched: dict[str, bool] = {}
_forward_folder: dict[str, Path] = {}


@pytest.fixture(scope="module")
def workspace() -> Iterator[Path]:
    """Where the copies of the graded folder live while the checks run them."""
    folder = Path(tempfile.mkdtemp(prefix="grade-own-tests-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def tests_folder_present() -> None:
    folder = target_path() / "tests"
    expect(
        folder.is_dir(),
        expected="your own tests in a `tests/` folder of the exercise",
        seen="no `tests/` folder in the graded folder",
        cause=OWN_TESTS_BROKEN,
    )
    found = sorted(p.name for p in folder.rglob("test*.py"))
    expect(
        bool(found),
        expected="test files (`tests/test_*.py`) in `tests/`",
        seen="no test file there yet",
        cause=OWN_TESTS_BROKEN,
    )


def run_environment(workspace: Path, kind: str) -> tuple[dict[str, str], Path]:
    """The environment the learner's tests run in: the grader's secret, and BOOKAPI_DATABASE_URL
    pointing at a database nobody else uses (a dev server's, as far as the tests know)."""
    sentinel = workspace / f"configured-{kind}" / "bookapi.db"
    sentinel.parent.mkdir(parents=True, exist_ok=True)
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(PREFIX) and key != "DATABASE_URL"
    }
    environment[SECRET_VARIABLE] = SECRET
    environment[DATABASE_VARIABLE] = sqlite_url(sentinel)
    return environment, sentinel


def seconds_left(deadline: float) -> float:
    left = deadline - time.monotonic()
    expect(
        left > 1.0,
        expected="time left in this check to run your tests",
        seen="the check's time ran out before your tests could run",
        hint="Make your tests faster: cheap hashing (a fixture), no `sleep`, no network.",
        anchor=FIXTURES_ANCHOR,
    )
    return left


def learner_run(workspace: Path, deadline: float, kind: str = "forward") -> LearnerRun:
    """The learner's tests, run once per kind: `forward` (as written), `reverse` (the same
    folder, just after the forward run), or a mutant's name (a fresh copy)."""
    if kind in _runs:
        return _runs[kind]
    tests_folder_present()
    if kind == "reverse":
        forward = learner_run(workspace, deadline)
        passed_forward(forward)
        folder = _forward_folder["forward"]
    else:
        folder = copy_of(target_path(), workspace / kind)
        if kind == "forward":
            _forward_folder[kind] = folder
    environment, sentinel = run_environment(workspace, kind)
    run = run_learner_tests(
        folder,
        seconds=seconds_left(deadline),
        env=environment,
        mutant="" if kind in ("forward", "reverse") else kind,
        reverse=kind == "reverse",
    )
    ran(run, kind)
    _runs[kind] = run
    _touched[kind] = sentinel.exists()
    return run


def what_ran(run: LearnerRun) -> str:
    parts = [plural(len(run.passed), "test") + " passed"]
    if run.failed:
        parts.append(f"{len(run.failed)} failed")
    if run.skipped:
        parts.append(f"{len(run.skipped)} skipped")
    return ", ".join(parts)


def ran(run: LearnerRun, kind: str) -> None:
    """The run finished and found tests: or the shared cause, with pytest's own words."""
    label = {"forward": "", "reverse": " in reverse order"}.get(
        kind, " on a broken copy of the app"
    )
    if run.timed_out:
        raise CheckFailed(
            expected=f"your tests{label} to finish within the check's time",
            seen=f"still running after {run.seconds:.0f} s"
            + (f" ({what_ran(run)} by then)" if run.tests else ""),
            hint="Make your tests fast: a cheap password hasher in a fixture, an SQLite file per "
            "test, no `sleep`, no calls to real services. The whole run should take seconds.",
            anchor=FIXTURES_ANCHOR,
            cause=OWN_TESTS_BROKEN if kind == "forward" else None,
        )
    if run.collect_errors:
        where, why = run.collect_errors[0]
        raise CheckFailed(
            expected="pytest to collect your tests",
            seen=f"{where or 'tests'} could not be collected: {why}",
            cause=OWN_TESTS_BROKEN,
        )
    if not run.ended:
        raise CheckFailed(
            expected=f"pytest to run your tests{label} to the end",
            seen=f"it stopped early (exit status {run.exitstatus}): {run.output_hint()}",
            cause=OWN_TESTS_BROKEN,
        )
    expect(
        bool(run.tests),
        expected="pytest to find tests in `tests/` (functions named `test_*` in `test_*.py`)",
        seen=f"no test collected: {run.output_hint()}" if run.output_hint() else "no test found",
        cause=OWN_TESTS_BROKEN,
    )


def passed_forward(run: LearnerRun) -> None:
    """Every test passed on the learner's own app: or the shared cause, naming the failures."""
    if run.failed:
        shown = [test.shown() for test in run.failed]
        raise CheckFailed(
            expected="every one of your tests to pass on your app",
            seen=f"{what_ran(run)}; failing: {listed(shown, 2)}{sharing(run, run.failed)}",
            cause=OWN_TESTS_FAIL,
        )
    expect(
        bool(run.passed),
        expected="at least one of your tests to pass",
        seen=f"{what_ran(run)}: {listed([t.shown() for t in run.skipped], 2)}",
        cause=OWN_TESTS_FAIL,
    )


def sharing(run: LearnerRun, failed: list[LearnerTest]) -> str:
    """`; tests/a.py::x and tests/b.py::y used the same database file, test.db`, or ''."""
    shared = run.shared_database(failed)
    if shared is None:
        return ""
    first, second, path = shared
    if path.parent.name.startswith("configured-"):
        name = "the one BOOKAPI_DATABASE_URL names (your dev server's)"
    elif path.is_relative_to(run.folder):
        name = str(path.relative_to(run.folder))
    else:
        name = str(Path("…", *path.parts[-2:]))
    return f"; {first} and {second} used the same database file, {name}"


def override_tests(run: LearnerRun) -> list[LearnerTest]:
    return [test for test in run.passed if test.override_requests]


def caught_by(run: LearnerRun) -> list[LearnerTest]:
    return run.failed


def expect_mutant_caught(workspace: Path, deadline: float, mutant: str, what: str) -> None:
    passed_forward(learner_run(workspace, deadline))
    run = learner_run(workspace, deadline, mutant)
    expect(
        bool(caught_by(run)),
        expected=f"at least one of your tests to fail on a broken copy of your app, where {what}",
        seen=f"all of them passed there too ({what_ran(run)}): no test checks it",
    )


# The checks ------------------------------------------------------------------------------------


def test_app_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    # Importing the module (which builds `app` with the factory) reads no settings.
    monkeypatch.delenv(SECRET_VARIABLE)
    main = main_module()
    module_app = getattr(main, "app", None)
    expect(
        isinstance(module_app, FastAPI),
        expected="`app = create_app()` at the bottom of `bookapi/main.py`, for `fastapi dev`",
        seen="no `app` there" if module_app is None else f"`app` is a {type(module_app).__name__}",
        cause=causes.APP_MISSING if module_app is None else None,
    )
    create = factory(main)
    first = build(create)
    second = build(create)
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    expect(
        first is not second and module_app not in (first, second),
        expected="a new app from every call of `create_app()`",
        seen="two calls returned the same app object"
        if first is second
        else "`create_app()` returned the module's own `app`",
        hint="Create the `FastAPI(...)` inside `create_app`, and return that one: a factory that "
        "hands out one shared app gives every test the same overrides, state and routes.",
    )
    expect(
        first.dependency_overrides is not second.dependency_overrides,
        expected="each app to have its own `dependency_overrides`",
        seen="two apps share one overrides dictionary",
        hint="Leave `dependency_overrides` as FastAPI makes it: a new, empty dict per app.",
    )
    expect(
        route_templates(module_app) == route_templates(first),  # type: ignore[arg-type]
        expected="the module's `app` to be one that `create_app()` built (the same routes)",
        seen=f"the module's `app` has the routes {sorted(route_templates(module_app))[:6]}, "  # type: ignore[arg-type]
        f"the factory's {sorted(route_templates(first))[:6]}",
        hint="End `bookapi/main.py` with `app = create_app()`: then `fastapi dev` serves the "
        "very app the tests build, not a second one defined beside the factory.",
    )
    settings_dep = dependency("SettingsDep", "the alias routes use for the settings")
    get_settings = dependency("get_settings", "the dependency that answers the settings")

    def page_size(settings: settings_dep) -> dict[str, Any]:
        return {"max_page_size": getattr(settings, "max_page_size", None)}

    for app in (first, second):
        app.add_api_route("/_grader/page-size", page_size, methods=["GET"])
    first.add_api_route("/_grader/first-only", page_size, methods=["GET"])
    small = grader_settings(secret_key=SECRET, max_page_size=3)
    first.dependency_overrides[get_settings] = lambda: small
    with running(first) as one, running(second) as two:
        seen_first = one.get("/_grader/page-size")
        seen_second = two.get("/_grader/page-size")
        expect(
            seen_first.status_code == 200 and seen_first.json() == {"max_page_size": 3},
            expected="an app whose `get_settings` is overridden to answer that override "
            "(max_page_size=3) through `SettingsDep`",
            seen=f"GET /_grader/page-size (a grader route asking for SettingsDep): "
            f"{describe_response(seen_first)}",
            hint="`SettingsDep` must be `Annotated[Settings, Depends(get_settings)]`, with the "
            "very `get_settings` of `bookapi/dependencies.py`.",
            anchor=APP_SETTINGS_ANCHOR,
        )
        other = json_body(seen_second, "the second app's answer")
        expect(
            seen_second.status_code == 200 and other != {"max_page_size": 3},
            expected="the other app to keep its own settings (an override on one app only)",
            seen=f"it answered {describe_response(seen_second)}",
            hint="Overrides belong to one app: the second app saw the first one's. Build every "
            "app, its overrides included, inside `create_app`.",
        )
        missing = two.get("/_grader/first-only")
        expect(
            missing.status_code == 404,
            expected="a route added to one app to be missing from the other",
            seen=f"GET /_grader/first-only on the second app: {describe_response(missing)}",
            hint="Each app needs its own routes: create the `FastAPI(...)` (and include the "
            "routers) inside `create_app`, on every call.",
        )
        engines = engines_on(first), engines_on(second)
        shared = [engine for engine in engines[0] if any(engine is e for e in engines[1])]
        expect(
            not shared,
            expected="each running app to have its own engine (made in its lifespan)",
            seen="both apps hold the very same engine on `app.state`",
            hint="Create the engine in the lifespan, from the app's settings, and keep it on "
            "that app's `state`: one kept at module level is shared by every app.",
            anchor="phase-7#the-engine-once-in-the-lifespan",
        )


def test_factory_settings_obeyed(environment: Path) -> None:
    create = factory(main_module())
    given_db = environment / "given.db"
    other_db = environment / "other.db"
    configured_db = environment / "bookapi.db"  # what BOOKAPI_DATABASE_URL names
    given = grader_settings(
        secret_key=FACTORY_SECRET, database_url=sqlite_url(given_db), max_page_size=2
    )
    app = build(create, given)
    expect(
        not app.dependency_overrides,
        expected="`create_app(settings)` to leave `dependency_overrides` empty",
        seen=f"the new app already overrides {plural(len(app.dependency_overrides), 'dependency')}",
        hint="Keep the given settings on the app itself (`app.state.settings`) and let "
        "`get_settings` answer them. Overrides belong to tests: a test that clears them would "
        "throw away the settings your factory put there.",
        anchor=APP_SETTINGS_ANCHOR,
    )
    with running(app) as client:
        user_id = sign_up(app, client, "given_settings")
        token = token_for(app, client, "given_settings")
        try:
            claims = jwt.decode(token, FACTORY_SECRET, algorithms=["HS256"])
        except jwt.InvalidTokenError as error:
            raise CheckFailed(
                expected="the login's token signed with the secret of the settings given to "
                "`create_app`",
                seen=f"it does not verify with that secret ({type(error).__name__})",
                hint=SETTINGS_ELSEWHERE_HINT,
                anchor=APP_SETTINGS_ANCHOR,
            ) from None
        expect(
            str(claims.get("sub")) == str(user_id),
            expected=f"the token to name the user who logged in (sub={user_id})",
            seen=f"sub={claims.get('sub')!r}",
            hint="Keep the token's `sub` as in Phase 8: the user's id, as a string.",
            anchor="phase-8#signing-a-token",
        )
        for n in range(3):
            add_book(app, client, token, f"A Wizard of Earthsea, part {n + 1}")
        books = book_list(app, client, f"{API}/books?limit=10")
        expect(
            len(books) == 2,
            expected="GET /api/v1/books?limit=10 to answer 2 of the 3 books: the settings given "
            "to `create_app` say max_page_size=2",
            seen=plural(len(books), "book"),
            hint=SETTINGS_ELSEWHERE_HINT,
            anchor=APP_SETTINGS_ANCHOR,
        )
    stored = rows(given_db, table_of("Book", "books"))
    expect(
        stored == 3,
        expected="the books written to the database the given settings name "
        "(database_url=sqlite:///…/given.db)",
        seen=f"{plural(stored, 'book')} there" if stored is not None else "no such database",
        hint="Make the engine in the lifespan from the app's own settings "
        "(`create_db_engine(settings)`), the ones given to `create_app` when there are some.",
        anchor=APP_SETTINGS_ANCHOR,
    )
    expect(
        not configured_db.exists(),
        expected="an app made with settings of its own never to open the database of "
        "BOOKAPI_DATABASE_URL",
        seen="it created (or opened) that database too",
        hint="When `create_app` is given settings, nothing may read the environment's: no "
        "`load_settings()` in the lifespan, the middleware or a route.",
        anchor=APP_SETTINGS_ANCHOR,
    )
    second = build(
        create, grader_settings(secret_key=FACTORY_SECRET, database_url=sqlite_url(other_db))
    )
    with running(second) as client:
        books = book_list(second, client, f"{API}/books")
        expect(
            not books,
            expected="a second app, made with another database_url, to start with no books",
            seen=f"it lists {plural(len(books), 'book')} of the first app",
            hint="Each app needs its own engine, made in its lifespan from its own settings "
            "and kept on its own `app.state`: never at module level.",
            anchor=FACTORY_ANCHOR,
        )


def test_settings_override_obeyed(environment: Path) -> None:
    create = factory(main_module())
    app = build(create)
    get_settings = dependency("get_settings", "the dependency that answers the settings")
    small = grader_settings(
        secret_key=SECRET, database_url=sqlite_url(environment / "bookapi.db"), max_page_size=2
    )
    with running(app) as client:
        sign_up(app, client, "override_reader")
        token = token_for(app, client, "override_reader")
        for n in range(3):
            add_book(app, client, token, f"The Dispossessed, copy {n + 1}")
        app.dependency_overrides[get_settings] = lambda: small
        books = book_list(app, client, f"{API}/books?limit=10")
        if len(books) != 2:
            settings_dep = depends_of(
                getattr(learner_module("bookapi.dependencies"), "SettingsDep", None)
            )
            kept = settings_at_module_level()
            hint = SETTINGS_ELSEWHERE_HINT
            if settings_dep is not None and settings_dep.dependency is not get_settings:
                hint = (
                    "`SettingsDep` depends on another function than `bookapi.dependencies."
                    "get_settings`, the one tests override: let it use that very function."
                )
            elif kept:
                hint = (
                    f"A settings object is kept at module level ({kept[0]}), read when the "
                    "module was imported: no override can reach it. Take the settings from "
                    "`SettingsDep` in the route or dependency that needs them."
                )
            raise CheckFailed(
                expected="GET /api/v1/books?limit=10 to answer 2 books while `get_settings` is "
                "overridden with max_page_size=2",
                seen=plural(len(books), "book"),
                hint=hint,
            )
        app.dependency_overrides.clear()
        books = book_list(app, client, f"{API}/books?limit=10")
        expect(
            len(books) == 3,
            expected="GET /api/v1/books?limit=10 to answer all 3 books once the override is gone",
            seen=plural(len(books), "book"),
            hint="Read the settings on every request through `SettingsDep`, instead of keeping "
            "the ones an override handed you.",
        )


def test_session_override_obeyed(environment: Path) -> None:
    create = factory(main_module())
    app = build(create)
    get_session = dependency("get_session", "the dependency that opens a session per request")
    grader_db = environment / "grader.db"
    app_db = environment / "bookapi.db"
    users_table = table_of("User", "users")
    books_table = table_of("Book", "books")
    engine = sqlmodel.create_engine(sqlite_url(grader_db))
    try:
        SQLModel.metadata.create_all(engine)

        def grader_session() -> Iterator[sqlmodel.Session]:
            with sqlmodel.Session(engine) as session:
                try:
                    yield session
                    session.commit()
                except Exception:
                    session.rollback()
                    raise

        with running(app) as client:
            app.dependency_overrides[get_session] = grader_session
            user_id = sign_up(app, client, "session_reader")
            expect(
                rows(grader_db, users_table) == 1,
                expected="POST /api/v1/users to write through the overridden session (the "
                "grader's own database)",
                seen="the grader's database holds "
                f"{plural(rows(grader_db, users_table) or 0, 'user')}",
                hint=SESSION_ELSEWHERE_HINT,
            )
            token = token_for(app, client, "session_reader")
            me = api_call(app, client, "GET", f"{API}/users/me", headers=bearer(token))
            expect(
                me.status_code == 200,
                expected="GET /api/v1/users/me to find the user in the overridden session",
                seen=describe_response(me),
                hint="`get_current_user` must load the user through `SessionDep`, so that an "
                "override of `get_session` reaches it too.",
            )
            book_id = add_book(app, client, token, "The Left Hand of Darkness")
            expect(
                rows(grader_db, books_table) == 1,
                expected="POST /api/v1/books to write through the overridden session",
                seen="the grader's database holds "
                f"{plural(rows(grader_db, books_table) or 0, 'book')}",
                hint=SESSION_ELSEWHERE_HINT,
            )
            found = api_call(app, client, "GET", f"{API}/books/{book_id}")
            expect(
                found.status_code == 200,
                expected=f"GET /api/v1/books/{book_id} (BookDep) to read the book through the "
                "overridden session",
                seen=describe_response(found),
                hint="`valid_book_id` must load the book through `SessionDep`.",
            )
            app.dependency_overrides.clear()
            users = api_call(app, client, "GET", f"{API}/users")
            listed_users = json_body(users, "the users") if users.status_code == 200 else None
            expect(
                listed_users == [],
                expected="the app's own database to hold no user once the override is gone "
                f"(user {user_id} was written through the grader's session)",
                seen=f"GET /api/v1/users: {describe_response(users)}",
                hint=SESSION_ELSEWHERE_HINT,
            )
        expect(
            not rows(app_db, books_table),
            expected="the app's own database to hold no book",
            seen=f"{plural(rows(app_db, books_table) or 0, 'book')} there",
            hint=SESSION_ELSEWHERE_HINT,
        )
    finally:
        engine.dispose()


def test_api_versioned(environment: Path) -> None:
    main = main_module()
    app = getattr(main, "app", None)
    expect(
        isinstance(app, FastAPI),
        expected="`app = create_app()` in `bookapi/main.py`",
        seen="no FastAPI `app` there",
        cause=causes.APP_MISSING,
    )
    schema = app.openapi()  # type: ignore[union-attr]
    found = {
        (method.upper(), template(path))
        for path, item in schema.get("paths", {}).items()
        for method in item
        if method.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE")
    }
    missing = [op for op in OPERATIONS if op not in found]
    unversioned = [op for op in missing if (op[0], op[1].removeprefix(API)) in found]
    if unversioned:
        shown = [f"{method} {path.removeprefix(API)}" for method, path in unversioned]
        raise CheckFailed(
            expected="every route of the API under /api/v1 (GET /api/v1/books...)",
            seen=f"{listed(shown)} still without the prefix",
            cause=NOT_VERSIONED,
        )
    expect(
        not missing,
        expected="every route of the Book API under /api/v1",
        seen=f"no {listed([f'{m} {p}' for m, p in missing])} in the OpenAPI schema",
        hint="Include every domain's router (auth, users, books, authors) with "
        '`prefix="/api/v1"`, and keep their routes as they were.',
    )
    # The Book API's own operations, still served without the prefix too (routes of your own,
    # such as a welcome page at /, are yours to place).
    outside = sorted(
        f"{method} {path}" for method, path in found if (method, API + path) in OPERATIONS
    )
    expect(
        not outside,
        expected="no route of the Book API left outside /api/v1 (only /health stays outside)",
        seen=f"{listed(outside)} outside the prefix",
        hint="Include each router once, under the prefix: a router included twice (with and "
        "without it) serves every route at two addresses.",
    )
    expect(
        ("GET", "/health") in found,
        expected="GET /health, outside the versioned API",
        seen="no GET /health in the OpenAPI schema"
        + (" (it is under /api/v1)" if ("GET", f"{API}/health") in found else ""),
        hint="Include the health router without the prefix: load balancers and orchestrators "
        "look for the probe at /health whatever version the API is at.",
    )
    for scheme in schema.get("components", {}).get("securitySchemes", {}).values():
        token_url = scheme.get("flows", {}).get("password", {}).get("tokenUrl")
        if token_url is None:
            continue
        resolved = urlsplit(urljoin("http://testserver/docs", token_url)).path
        expect(
            resolved == f"{API}/token",
            expected="the docs' login (OAuth2 `tokenUrl`) to reach POST /api/v1/token",
            seen=f'tokenUrl="{token_url}", which /docs sends to {resolved}',
            hint='Point `OAuth2PasswordBearer(tokenUrl=...)` at the versioned login: "api/v1/'
            "token\" (relative to /docs, so it also works behind a proxy's path prefix).",
        )
    with running(app) as client:  # type: ignore[arg-type]
        health = client.get("/health")
        expect(
            health.status_code == 200,
            expected="GET /health to answer 200",
            seen=describe_response(health),
            hint="Keep the health route as it was, in a router included without the prefix.",
        )
        books = client.get(f"{API}/books")
        expect(
            books.status_code == 200,
            expected="GET /api/v1/books to answer 200",
            seen=describe_response(books),
            hint="Keep the routes working as in Phase 8; only their address changes.",
        )
        old = client.get("/books")
        expect(
            old.status_code == 404,
            expected="GET /books (the old address) to answer 404",
            seen=describe_response(old),
            hint="Include each router once, under the prefix.",
        )


def test_routes_tagged() -> None:
    main = main_module()
    app = getattr(main, "app", None)
    expect(
        isinstance(app, FastAPI),
        expected="`app = create_app()` in `bookapi/main.py`",
        seen="no FastAPI `app` there",
        cause=causes.APP_MISSING,
    )
    schema = app.openapi()  # type: ignore[union-attr]
    untagged: list[str] = []
    mistagged: list[str] = []
    for path, item in sorted(schema.get("paths", {}).items()):
        if path in OUTSIDE_API:
            continue
        domain = path.removeprefix(API).strip("/").split("/", 1)[0]
        if not path.startswith(API + "/") and domain not in DOMAIN_TAGS:
            continue  # a route of your own outside the API: tag it as you like
        for method, operation in item.items():
            if method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                continue
            tags = operation.get("tags") or []
            shown = f"{method.upper()} {path}"
            wanted = DOMAIN_TAGS.get(domain)
            if not tags:
                untagged.append(shown)
            elif wanted is not None and wanted not in tags:
                mistagged.append(f"{shown} ({tags})")
    expect(
        not untagged,
        expected="every operation to carry its domain's tag",
        seen=f"{listed(untagged)} without a tag",
        hint='Give each domain\'s `APIRouter` its tag: `APIRouter(prefix="/books", '
        'tags=["books"])`, and so on: /docs then groups the operations by domain.',
    )
    expect(
        not mistagged,
        expected='the tags "books", "authors", "users" and "auth" on the operations of '
        "/api/v1/books, /api/v1/authors, /api/v1/users and /api/v1/token",
        seen=f"{listed(mistagged)}",
        hint='Name the tags after the domains, as the contract does: "books", "authors", '
        '"users", and "auth" for the login.',
    )


def test_own_tests_pass(workspace: Path, deadline: float) -> None:
    run = learner_run(workspace, deadline)
    passed_forward(run)


def test_own_async_test(workspace: Path, deadline: float) -> None:
    run = learner_run(workspace, deadline)
    if any(test.async_requests for test in run.passed):
        return
    failing = [test for test in run.failed if test.async_requests or test.coroutine]
    expect(
        not failing,
        expected="an async test of yours to pass",
        seen=f"it fails: {failing[0].shown()}" if failing else "",
        hint="Fix the async test shown: run `python -m pytest` and read its error.",
    )
    threaded = [test for test in run.passed if test.coroutine and test.thread_requests]
    expect(
        not threaded,
        expected="an async test that sends its requests through an async client",
        seen=f"{threaded[0].nodeid} is `async def`, but its requests went through TestClient "
        "(which runs the app in a thread of its own)"
        if threaded
        else "",
        hint="In an async test, talk to the app with `httpx2.AsyncClient(transport="
        "httpx2.ASGITransport(app=...))` inside a `LifespanManager`, and `await` each request.",
    )
    silent = [test for test in run.passed if test.coroutine and not test.requests]
    expect(
        not silent,
        expected="an async test that sends requests to your app",
        seen=f"{silent[0].nodeid} is `async def`, but it sent no request to a FastAPI app"
        if silent
        else "",
        hint="`await client.get(...)` on an `httpx2.AsyncClient` whose transport is "
        "`httpx2.ASGITransport(app=...)` for your app.",
    )
    skipped = [test for test in run.skipped if test.coroutine]
    raise CheckFailed(
        expected="at least one test that sends requests to your app through an async client, "
        "in its own event loop (`@pytest.mark.anyio`, `httpx2.AsyncClient` + `ASGITransport`)",
        seen=f"{skipped[0].nodeid} was skipped ({skipped[0].message})"
        if skipped
        else f"none among your {plural(len(run.tests), 'test')}",
    )


def test_own_override_test(workspace: Path, deadline: float) -> None:
    run = learner_run(workspace, deadline)
    if override_tests(run):
        return
    failing = [test for test in run.failed if test.override_requests]
    expect(
        not failing,
        expected="a test of yours that uses `dependency_overrides` to pass",
        seen=f"it fails: {failing[0].shown()}" if failing else "",
        hint="Fix the test shown: run `python -m pytest` and read its error.",
    )
    raise CheckFailed(
        expected="at least one test that sends a request while `app.dependency_overrides` "
        "replaces one of your dependencies",
        seen=f"none among your {plural(len(run.tests), 'test')}: no app held an override while "
        "it answered",
        cause=NO_OVERRIDE_TEST,
    )


def test_own_overrides_cleared(workspace: Path, deadline: float) -> None:
    run = learner_run(workspace, deadline)
    leaked = [test for test in run.tests if test.leaks]
    if leaked:
        test = leaked[0]
        raise CheckFailed(
            expected="no override left on any app once a test (and its fixtures) is over",
            seen=f"after {test.nodeid}, an app still overrides {', '.join(test.leaks[0])}"
            + (f" (and {len(leaked) - 1} more tests leave overrides)" if len(leaked) > 1 else ""),
        )
    expect(
        bool(override_tests(run)) or any(test.override_requests for test in run.tests),
        expected="a test that sets overrides, and clears them",
        seen="no test of yours sets an override yet, so there is nothing to clear",
        cause=NO_OVERRIDE_TEST,
    )


def test_own_tests_isolated(workspace: Path, deadline: float) -> None:
    forward = learner_run(workspace, deadline)
    passed_forward(forward)
    expect(
        not _touched.get("forward"),
        expected="your tests to leave the database of BOOKAPI_DATABASE_URL alone (it is your "
        "dev server's)",
        seen="they opened it: the grader pointed BOOKAPI_DATABASE_URL at a database of its own, "
        "and your tests created it",
        hint="Give each test settings of its own, with a database in `tmp_path`, and build the "
        "app with `create_app(settings)`. The module-level `app` (or `create_app()` without "
        "settings) starts on the configured database, overrides or not.",
    )
    reverse = learner_run(workspace, deadline, "reverse")
    if reverse.failed:
        shown = [test.shown() for test in reverse.failed]
        raise CheckFailed(
            expected="your tests to pass in any order, and again in the same folder",
            seen=f"run again in reverse order, {len(reverse.failed)} failed: {listed(shown, 2)}"
            f"{sharing(reverse, reverse.failed)}",
            hint="Your tests share something: most often a database file that outlives a test "
            "(a fixed path, or a module- or session-scoped fixture). Give every test a new "
            "database in its own `tmp_path`.",
        )


def test_own_tests_catch_created_status(workspace: Path, deadline: float) -> None:
    expect_mutant_caught(
        workspace, deadline, CREATED_STATUS, "POST /api/v1/books answers 200 instead of 201"
    )


def test_own_tests_catch_missing_auth(workspace: Path, deadline: float) -> None:
    expect_mutant_caught(
        workspace,
        deadline,
        NO_AUTH,
        "POST, PATCH and DELETE under /api/v1/books succeed without a token",
    )
