"""Phase 10 — Production, and where to go next. One test per check in course.toml, in order.

Most checks talk to the learner's app in this process, through the kit's GradingClient: request
ids, logs (read from this process' own stdout and stderr, with pytest's `capfd`), the 500,
the probes, the docs, CORS, the welcome email and the job routes. Four checks read or run the
files a deployment is made of:

- `production_command` resolves the Procfile's `web:` command (gunicorn's own `--print-config`
  for gunicorn) without serving anything;
- `graceful_shutdown_live` runs it for real, with `grader.kit.live`: on a free loopback port,
  with two workers and the grader's settings, it must serve a request to the price route, which
  the grader's own price service holds until after it has sent SIGTERM to the command; the
  request must then complete, the command exit cleanly, and no process of it survive. However
  it ends, every process the command started is killed;
- `container_image` parses the Dockerfile (it cannot be built here: there is no Docker engine);
- `worker_runs_the_job` and `worker_finishes_job_on_sigterm` run the Procfile's `worker:`
  command (huey's consumer, with faster polling) against the check's own queue; the second
  holds the database locked while the job runs, sends SIGTERM, then lets the job go on.

Every check gets an empty database of its own (a temporary SQLite file, or a fresh database on
the PostgreSQL server in GRADE_DATABASE_URL) and a queue of its own (a temporary SQLite file, or
the Redis server in GRADE_REDIS_URL, emptied before and after): the learner's own settings are
never used. Argon2 is made cheap in this process (the live server keeps the real one).

No `from __future__ import annotations` here: the grader's test routes' annotations must be
real objects for FastAPI to read them.
"""

import contextlib
import http.server
import importlib
import json
import logging
import os
import re
import secrets
import shlex
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
import pytest
import sqlmodel.main
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine, event, make_url, text
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
    live,
    load_app,
    load_module,
    target_path,
)

PREFIX = "BOOKAPI_"
SECRET_VARIABLE = "BOOKAPI_SECRET_KEY"
DATABASE_VARIABLE = "BOOKAPI_DATABASE_URL"
QUEUE_PATH_VARIABLE = "BOOKAPI_QUEUE_PATH"
REDIS_VARIABLE = "BOOKAPI_REDIS_URL"
ENVIRONMENT_VARIABLE = "BOOKAPI_ENVIRONMENT"
CORS_VARIABLE = "BOOKAPI_CORS_ORIGINS"
PRICE_VARIABLE = "BOOKAPI_PRICE_SERVICE_URL"
# The grader's own servers, when it has them: PostgreSQL (a database per check) and Redis.
DATABASE_SERVER_VARIABLE = "GRADE_DATABASE_URL"
REDIS_SERVER_VARIABLE = "GRADE_REDIS_URL"
# Variables a platform sets, and the learner's shell may have: never the grader's business.
PLATFORM_VARIABLES = ("DATABASE_URL", "REDIS_URL", "PORT", "WEB_CONCURRENCY", "GUNICORN_CMD_ARGS")
SECRET = "grader-secret-" + secrets.token_hex(24)
# The loggers of the grader's own HTTP clients.
GRADER_LOGGERS = ("httpx", "httpx2", "httpcore", "httpcore2")
PASSWORD = "correct horse battery staple"
API = "/api/v1"
REQUEST_ID = "X-Request-ID"
VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
CRASH_PATH = "/grader-crash"
FRONT_END = "https://books.example.com"
EVIL_ORIGINS = ("https://evil.example", "https://books.example.com.evil.example", "null")
DOCS_PATHS = ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect")
# How long the live server gets to start (two workers import the app at once: slow on a loaded
# machine), for the price request to reach the grader's service, and to stop once its last
# request is done. Deadlines only: a healthy server is much faster, and the check goes on as soon
# as it is. The phase's `check_timeout` in course.toml leaves room for all of them.
START_SECONDS = 20.0
ARRIVAL_SECONDS = 10.0
STOP_SECONDS = 6.0
# How long the web command has from SIGTERM to exit: Docker's default before it sends SIGKILL,
# plus room for a loaded machine. gunicorn's own ASGI worker can wait out most of its
# `graceful_timeout` for a connection already gone (seen: 7.6 s of 8 under load): still fair.
EXIT_SECONDS = 10.0 + 2.0
# How long the worker checks wait for the consumer to take a job, or to finish it.
JOB_SECONDS = 12.0
# How long the grader's price service holds the request after SIGTERM: the grace the server
# must give a request in flight.
HOLD_AFTER_SIGTERM = 0.5
# The consumer's polling, as the grader runs it: fast (huey's default backs off to 10 s).
FAST_POLLING = ["-d", "0.05", "-m", "0.5"]

# Sections of the lesson that several steps send the learner to.
WORKERS_ANCHOR = "workers-one-process-is-not-enough"
DEV_ANCHOR = "development-servers-stay-on-your-laptop"
GRACEFUL_ANCHOR = "graceful-shutdown"
CONTAINER_ANCHOR = "a-container-image"
PROCFILE_ANCHOR = "the-procfile-one-line-per-process"
LIFESPAN_ANCHOR = "lifespan-for-every-shared-resource"
REQUEST_ID_ANCHOR = "request-ids"
LOGS_ANCHOR = "structured-logs-without-secrets"
CRASH_ANCHOR = "generic-500s-that-carry-the-request-id"
HEALTH_ANCHOR = "health-checks-live-and-ready"
DOCS_ANCHOR = "docs-and-schema-off-in-production"
CORS_ANCHOR = "cors-for-the-real-front-end"
BACKGROUND_ANCHOR = "backgroundtasks-for-light-work"
QUEUE_ANCHOR = "a-queue-and-a-worker"
ACCEPTED_ANCHOR = "202-accepted-a-job-id-and-a-status-route"
SIGTERM_ANCHOR = "stopping-a-worker-without-losing-a-job"

# Causes: one mistake that fails several checks, reported once ---------------------------------

APP_DOES_NOT_START = Cause(
    id="lifespan-fails",
    hint="The app stops while starting: fix the error its lifespan (or a middleware) raised, at "
    "the place shown. The grader sets BOOKAPI_SECRET_KEY, BOOKAPI_DATABASE_URL and "
    "BOOKAPI_QUEUE_PATH: every other setting needs a default.",
    anchor=LIFESPAN_ANCHOR,
)
NO_SIGN_UP = Cause(
    id="sign-up-broken",
    hint="`POST /api/v1/users` must still create a user (201) from a JSON body with `username`, "
    "`email` and `password`, and `POST /api/v1/token` log them in, as in Phases 8 and 9: the "
    "checks sign their users up that way.",
    anchor="phase-9#your-exercise",
)
NO_PROCFILE = Cause(
    id="procfile-missing",
    hint="Write a file named `Procfile` in the exercise folder, with one line per process: "
    "`web: <the command that serves the API>` and `worker: <the command that runs the jobs>`.",
    anchor=PROCFILE_ANCHOR,
)
DEV_SERVER = Cause(
    id="dev-server-in-production",
    hint="The `web:` command is a development server: `fastapi dev` and `--reload` watch files "
    "and run one process. Serve with `gunicorn --config gunicorn.conf.py bookapi.main:app` "
    "(uvicorn workers) or `fastapi run --workers 2`.",
    anchor=DEV_ANCHOR,
)
NO_IMPORTS = Cause(
    id="imports-missing",
    hint="Add `POST /api/v1/imports`: it records a job, puts its id on the queue, and answers "
    '202 with the job (`{"id": ..., "status": "queued", ...}`) and a `Location` header. Several '
    "checks start an import to see the queue at work.",
    anchor=ACCEPTED_ANCHOR,
)
NO_WORKER_LINE = Cause(
    id="worker-command-missing",
    hint="Add the worker's line to the Procfile: `worker: huey_consumer bookapi.worker.huey "
    "--workers 2 --graceful-signal TERM` (huey's own command, and the import path of your "
    "`huey` instance).",
    anchor=PROCFILE_ANCHOR,
)

# The check's world: its database, its queue, and this process' logging, restored after ------


@dataclass
class Database:
    url: str
    engine: Engine
    backend: str
    path: Path | None = None  # the SQLite file

    @property
    def port(self) -> int | None:
        return make_url(self.url).port if self.backend == "postgresql" else None


@dataclass
class World:
    folder: Path
    database: Database
    queue_path: Path
    redis_url: str | None


_world: dict[str, World | None] = {"current": None}


def world() -> World:
    current = _world["current"]
    assert current is not None
    return current


@contextmanager
def fresh_database(folder: Path) -> Iterator[Database]:
    server = os.environ.get(DATABASE_SERVER_VARIABLE)
    if not server:
        path = folder / "bookapi.db"
        url = f"sqlite:///{path}"
        engine = create_engine(url, poolclass=NullPool)
        try:
            yield Database(url=url, engine=engine, backend="sqlite", path=path)
        finally:
            engine.dispose()
        return
    name = f"grade_{secrets.token_hex(8)}"
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        admin.dispose()
        raise CheckFailed(
            expected=f"the database server in {DATABASE_SERVER_VARIABLE} to create a database",
            seen=describe_error(error),
            hint=f"The grader's own {DATABASE_SERVER_VARIABLE} names a PostgreSQL server it "
            "could not use: unset it to grade with temporary SQLite files.",
        ) from None
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url, poolclass=NullPool)
    try:
        yield Database(url=url, engine=engine, backend="postgresql")
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()
        client.connection_pool.disconnect()


@contextmanager
def logging_restored() -> Iterator[None]:
    """The learner's app configures logging (handlers, levels, disabled loggers) in this
    process: put everything back afterwards, so that no check writes through another's."""
    manager = logging.Logger.manager
    root = logging.getLogger()
    saved_root = (list(root.handlers), root.level, root.disabled)
    saved = {
        name: (list(logger.handlers), logger.level, logger.propagate, logger.disabled)
        for name, logger in manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    try:
        yield
    finally:
        root.handlers, root.level, root.disabled = saved_root
        for name, logger in list(manager.loggerDict.items()):
            if not isinstance(logger, logging.Logger):
                continue
            if name in saved:
                logger.handlers, logger.level, logger.propagate, logger.disabled = saved[name]
            else:
                logger.handlers, logger.disabled, logger.propagate = [], False, True


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """Only the grader's own settings, a fresh database and queue, and logging put back."""
    for name in list(os.environ):
        if name.startswith(PREFIX) or name in PLATFORM_VARIABLES:
            monkeypatch.delenv(name)
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    # In the grading process' own working folder, which the grader removes at the end of the
    # run even if this process is killed before its clean-up runs.
    folder = Path(tempfile.mkdtemp(prefix="grade-p10-", dir=Path.cwd()))
    redis_url = os.environ.get(REDIS_SERVER_VARIABLE) or None
    try:
        with fresh_database(folder) as database, logging_restored():
            monkeypatch.setenv(DATABASE_VARIABLE, database.url)
            queue_path = folder / "jobs.db"
            monkeypatch.setenv(QUEUE_PATH_VARIABLE, str(queue_path))
            if redis_url:
                flush_redis(redis_url)
                monkeypatch.setenv(REDIS_VARIABLE, redis_url)
            current = World(folder, database, queue_path, redis_url)
            _world["current"] = current
            try:
                yield current
            finally:
                _world["current"] = None
                if redis_url:
                    flush_redis(redis_url)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def forget_tables() -> None:
    """Let the learner's models define their tables again: each check imports them afresh, and
    SQLModel keeps every table (and class) ever defined in one process-wide registry."""
    SQLModel.metadata.clear()
    sqlmodel.main.default_registry.dispose()


def fresh_app() -> FastAPI:
    forget_tables()
    return load_app()


@pytest.fixture
def app() -> FastAPI:
    return fresh_app()


@contextmanager
def running(app: Any) -> Iterator[GradingClient]:
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
    # The test client's own log lines ("HTTP Request: ...") are the grader's, not the app's:
    # quiet them, whatever level the app gave the root logger.
    for name in GRADER_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        yield client
    finally:
        client.__exit__(None, None, None)


def add_crash_route(app: FastAPI, marker: str) -> None:
    """A grader's route that fails the way a bug does: an exception nobody expected."""

    def grader_crash() -> dict[str, str]:
        raise RuntimeError(f"grader crash {marker}")

    app.add_api_route(CRASH_PATH, grader_crash, methods=["GET"], include_in_schema=False)


# Users, tokens and books -----------------------------------------------------------------------


def unique_name(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(4)}"


@dataclass
class Account:
    username: str
    email: str
    password: str
    id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def sign_up(client: GradingClient, prefix: str, password: str = PASSWORD) -> Account:
    """A new user, signed up through POST /api/v1/users and logged in at POST /api/v1/token."""
    username = unique_name(prefix)
    # An address that shares nothing with the username, so a leak of it is a leak of it.
    email = f"mail.{secrets.token_hex(5)}@example.org"
    body = {"username": username, "email": email, "password": password}
    created = client.post(f"{API}/users", json=body)
    expect(
        created.status_code == 201,
        expected=f"POST {API}/users (sign-up of {username!r}) to answer 201",
        seen=describe_response(created),
        cause=NO_SIGN_UP,
    )
    user = json_body(created, "the new user")
    expect(
        isinstance(user, dict) and isinstance(user.get("id"), int),
        expected="the new user as a JSON object with an integer `id`",
        seen=f"the body {user!r:.120}",
        cause=NO_SIGN_UP,
    )
    form = {"grant_type": "password", "username": username, "password": password}
    login = client.post(f"{API}/token", data=form)
    answer = login.json() if login.status_code == 200 else {}
    token = answer.get("access_token") if isinstance(answer, dict) else None
    expect(
        isinstance(token, str) and token,
        expected=f"POST {API}/token (the password flow's form) to log {username!r} in",
        seen=describe_response(login),
        cause=NO_SIGN_UP,
    )
    return Account(username, email, password, user["id"], str(token))


_isbns = iter(range(1, 10**6))


def isbn13() -> str:
    """A valid ISBN-13, new to this run (978 prefix, correct check digit)."""
    body = f"978{(secrets.randbelow(10**6) * 1000 + next(_isbns)) % 10**9:09d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def new_book(title: str, isbn: str | None = None) -> dict[str, Any]:
    return {"title": title, "author": "Ursula K. Le Guin", "year": 1969, "isbn": isbn or isbn13()}


def create_book(client: GradingClient, account: Account) -> dict[str, Any]:
    response = client.post(
        f"{API}/books", json=new_book(unique_name("Earthsea")), headers=account.headers
    )
    expect(
        response.status_code == 201,
        expected=f"POST {API}/books with a valid token to store a book (201)",
        seen=describe_response(response),
        hint="Keep the book routes of Phases 8 and 9 working: the grader stores a book to ask "
        "for its price.",
        anchor="phase-9#your-exercise",
    )
    return json_body(response, "the new book")


# What this process holds open -------------------------------------------------------------------


def open_files() -> list[str]:
    """The paths of the files this process has open."""
    found = []
    with contextlib.suppress(OSError):
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):
                found.append(os.readlink(f"/proc/self/fd/{fd}"))
    return found


def files_open_under(path: Path) -> list[str]:
    """Open files whose path is `path`, or its journal (`-wal`, `-shm`, `-journal`)."""
    base = str(path.resolve())
    return [name for name in open_files() if name == base or name.startswith(base + "-")]


def connections_to(port: int) -> int:
    """How many TCP connections this process has open to `port` (of any host)."""
    inodes = set()
    for name in open_files():
        if name.startswith("socket:["):
            inodes.add(int(name[8:-1]))
    count = 0
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
                fields = line.split()
                if len(fields) < 10 or fields[3] == "0A":  # 0A: listening
                    continue
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                if remote_port == port and int(fields[9]) in inodes:
                    count += 1
    return count


# The grader's price service ---------------------------------------------------------------------


class PriceService:
    """A price service on loopback, in a thread of this process. With `hold=True` it keeps each
    request waiting until `release` is set; `arrived` is set when a request comes in."""

    def __init__(self, hold: bool = False) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()
        if not hold:
            self.release.set()
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                isbn = self.path.rstrip("/").rsplit("/", 1)[-1]
                service.arrived.set()
                service.release.wait(15)
                body = json.dumps({"isbn": isbn, "price": "12.34", "currency": "EUR"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "PriceService":
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


# The Procfile and its commands ------------------------------------------------------------------

SERVERS = ("gunicorn", "uvicorn", "fastapi")
SHELLS = ("sh", "bash", "dash", "zsh")
OPERATORS = frozenset({"&&", "||", ";", "|", "&", ";;", "(", ")"})
# How each command is run here: with this interpreter, whatever PATH says.
MODULE_OF = {
    "gunicorn": "gunicorn",
    "uvicorn": "uvicorn",
    "fastapi": "fastapi",
    "huey_consumer": "huey.bin.huey_consumer",
}
# Other spellings of the same programs: a script's name, or a module's.
MODULE_OF_NAME = {"huey_consumer.py": "huey_consumer", "huey.bin.huey_consumer": "huey_consumer"}


def procfile() -> dict[str, str]:
    """The Procfile's entries, `{"web": "gunicorn ...", "worker": "huey_consumer ..."}`."""
    path = target_path() / "Procfile"
    expect(
        path.is_file(),
        expected="a Procfile in the exercise folder (one `name: command` line per process)",
        seen="no file named `Procfile`",
        cause=NO_PROCFILE,
    )
    entries: dict[str, str] = {}
    for line in path.read_text(errors="replace").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, colon, command = stripped.partition(":")
        if colon and re.fullmatch(r"[A-Za-z0-9_-]+", name.strip()) and command.strip():
            entries[name.strip()] = command.strip()
    return entries


def procfile_line(name: str, cause: Cause) -> str:
    entries = procfile()
    expect(
        name in entries,
        expected=f"a `{name}:` line in the Procfile",
        seen=f"the Procfile names {', '.join(f'`{n}:`' for n in entries) or 'no process'}",
        cause=cause,
    )
    return entries[name]


def split_command(command: str, what: str) -> list[str]:
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        return list(lexer)
    except ValueError as error:
        raise CheckFailed(
            expected=f"the {what} to be a command a shell could read",
            seen=f"{command!r}: {error}",
            hint="Check the quotes: each one that opens must close.",
            anchor=PROCFILE_ANCHOR,
        ) from None


def join_command(tokens: list[str]) -> str:
    return " ".join(token if token in OPERATORS else shlex.quote(token) for token in tokens)


@dataclass
class Command:
    """A Procfile command, read: which program it runs, and where its own arguments are."""

    tokens: list[str]  # as written
    words: list[str]  # the tokens that hold the program: `tokens`, or a shell's `-c` string's
    shell: bool  # whether a shell runs it (`sh -c "..."`)
    program: str | None = None  # gunicorn, uvicorn, fastapi, huey_consumer
    head: int = 0  # in `words`, where the program's name begins (`python -m x` included)
    start: int = 0  # in `words`, the program's first argument
    end: int = 0  # in `words`, after its last argument (a shell operator, or the end)

    @property
    def arguments(self) -> list[str]:
        return self.words[self.start : self.end]

    @property
    def shown(self) -> str:
        return " ".join(self.tokens)

    def rebuilt(self, arguments: list[str]) -> list[str]:
        """The command to run here: the program run by this interpreter, with `arguments`."""
        assert self.program is not None
        program = [sys.executable, "-m", MODULE_OF.get(self.program, self.program)]
        words = [*self.words[: self.head], *program, *arguments, *self.words[self.end :]]
        if not self.shell:
            return words
        at = self.tokens.index("-c")
        return [*self.tokens[: at + 1], join_command(words), *self.tokens[at + 2 :]]


VARIABLE = re.compile(r"\$(?:\{(\w+)(?::?-([^}]*))?\}|(\w+))")


def expanded(word: str) -> str:
    """`word` with `$NAME`, `${NAME}` and `${NAME:-default}` replaced, as the shell that runs a
    Procfile line would, from this check's environment: the platform's PORT and
    WEB_CONCURRENCY are unset here, so their defaults apply."""

    def value(match: re.Match[str]) -> str:
        return os.environ.get(match.group(1) or match.group(3)) or match.group(2) or ""

    return VARIABLE.sub(value, word)


def read_command(command: str, what: str) -> Command:
    tokens = [expanded(token) for token in split_command(command, what)]
    words, shell = tokens, False
    if tokens and Path(tokens[0]).name in SHELLS and "-c" in tokens:
        at = tokens.index("-c")
        if at + 1 < len(tokens):
            words = [expanded(word) for word in split_command(tokens[at + 1], what)]
            shell = True
    for at, word in enumerate(words):
        program, head, start = None, at, at + 1
        if Path(word).name in MODULE_OF:
            program = MODULE_OF_NAME.get(Path(word).name, Path(word).name)
        elif word == "-m" and 0 < at < len(words) - 1:
            program = MODULE_OF_NAME.get(words[at + 1], words[at + 1])
            head, start = at - 1, at + 2
        if program not in MODULE_OF:
            continue
        end = next((i for i in range(start, len(words)) if words[i] in OPERATORS), len(words))
        return Command(tokens, words, shell, program, head, start, end)
    return Command(tokens, words, shell)


def option_value(arguments: list[str], *names: str) -> str | None:
    """The value given to the last of `names` (`--workers 2`, `--workers=2`, `-w2`)."""
    value = None
    for at, argument in enumerate(arguments):
        for name in names:
            if argument == name and at + 1 < len(arguments):
                value = arguments[at + 1]
            elif name.startswith("--") and argument.startswith(name + "="):
                value = argument.split("=", 1)[1]
            elif not name.startswith("--") and argument.startswith(name) and len(argument) > 2:
                value = argument[len(name) :]
    return value


def without_options(arguments: list[str], with_value: tuple[str, ...]) -> list[str]:
    """`arguments` without the options named (and their values)."""
    kept: list[str] = []
    skip = False
    for argument in arguments:
        if skip:
            skip = False
            continue
        if argument in with_value:
            skip = True
            continue
        if any(argument.startswith(name + "=") for name in with_value if name.startswith("--")):
            continue
        if any(
            argument.startswith(name) and len(argument) > 2
            for name in with_value
            if not name.startswith("--")
        ):
            continue
        kept.append(argument)
    return kept


def is_dev_server(command: Command) -> str | None:
    """What makes `command` a development server, or None."""
    arguments = command.arguments
    if command.program == "fastapi" and arguments[:1] == ["dev"]:
        return "`fastapi dev`, the development server"
    if "--reload" in arguments or any(a.startswith("--reload=") for a in arguments):
        return "`--reload`, which watches files and restarts the server"
    return None


def run_environment(world: World, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a command the grader runs: this process', with the grader's
    settings only, and this interpreter's scripts first on PATH."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(PREFIX) and name not in PLATFORM_VARIABLES
    }
    environment.update(
        {
            SECRET_VARIABLE: SECRET,
            DATABASE_VARIABLE: world.database.url,
            QUEUE_PATH_VARIABLE: str(world.queue_path),
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
            "PYTHONUNBUFFERED": "1",
        }
    )
    if world.redis_url:
        environment[REDIS_VARIABLE] = world.redis_url
    environment.update(extra or {})
    return environment


# Jobs ------------------------------------------------------------------------------------------


def start_import(client: GradingClient, account: Account, books: list[dict[str, Any]]) -> Any:
    response = client.post(f"{API}/imports", json={"books": books}, headers=account.headers)
    if response.status_code in (404, 405):
        raise CheckFailed(
            expected=f"POST {API}/imports to accept an import (202)",
            seen=f"{describe_response(response)}: there is no such route yet",
            cause=NO_IMPORTS,
        )
    expect(
        response.status_code == 202,
        expected=f"POST {API}/imports (two new books, with a valid token) to answer 202 Accepted",
        seen=describe_response(response),
        cause=NO_IMPORTS,
    )
    return response


def job_of(response: Any) -> tuple[str, str]:
    """The job's id and the path of its status route, from POST /imports' answer."""
    body = json_body(response, "the new job")
    job_id = body.get("id") if isinstance(body, dict) else None
    expect(
        isinstance(job_id, str | int) and str(job_id),
        expected='the 202 body to be the job, with its `id` ({"id": ..., "status": "queued"})',
        seen=f"the body {body!r:.160}",
        cause=NO_IMPORTS,
    )
    location = response.headers.get("location", "")
    expect(
        location,
        expected="the 202 answer to say where to follow the job: a `Location` header",
        seen="no Location header",
        hint='Set `response.headers["Location"]` to the job\'s status route, '
        f"`{API}/jobs/{{job_id}}` (`request.url_for(...)` builds it).",
        anchor=ACCEPTED_ANCHOR,
    )
    path = urlsplit(location).path
    return str(job_id), path


def read_job(client: GradingClient, path: str, account: Account) -> dict[str, Any]:
    response = client.get(path, headers=account.headers)
    expect(
        response.status_code == 200,
        expected=f"GET {path} (the job's Location) to answer its owner 200",
        seen=describe_response(response),
        hint=f"Add `GET {API}/jobs/{{job_id}}`, answering the job (`JobPublic`) to the user who "
        "started it; the 202's Location must point at it.",
        anchor=ACCEPTED_ANCHOR,
    )
    body = json_body(response, "the job")
    expect(
        isinstance(body, dict) and "status" in body,
        expected='the job as a JSON object with a `status` ("queued", "running", "done", ...)',
        seen=f"the body {body!r:.160}",
        anchor=ACCEPTED_ANCHOR,
    )
    return body


def book_titles(client: GradingClient) -> set[str]:
    response = client.get(f"{API}/books", params={"limit": 100})
    body = response.json() if response.status_code == 200 else []
    return {book.get("title") for book in body if isinstance(book, dict)}


def huey_path() -> str:
    """The import path of the queue, from the Procfile's `worker:` line."""
    command = read_command(procfile_line("worker", NO_WORKER_LINE), "Procfile's `worker:` line")
    expect(
        command.program == "huey_consumer",
        expected="the `worker:` line to run huey's consumer: `huey_consumer bookapi.worker.huey "
        "...`",
        seen=f"worker: {' '.join(command.tokens)}",
        cause=NO_WORKER_LINE,
    )
    positional = [
        argument
        for at, argument in enumerate(command.arguments)
        if not argument.startswith("-") and (at == 0 or not _takes_value(command.arguments[at - 1]))
    ]
    expect(
        bool(positional) and "." in positional[0],
        expected="the `worker:` line to name the queue's import path, `bookapi.worker.huey`",
        seen=f"worker: {' '.join(command.tokens)}",
        cause=NO_WORKER_LINE,
    )
    return positional[0]


# huey_consumer's options that take a value (everything else is a flag).
_HUEY_VALUED = {
    "-w", "--workers", "-k", "--worker-type", "-d", "--delay", "-m", "--max-delay",
    "-b", "--backoff", "-c", "--health-check-interval", "-L", "--extra-locks",
    "-M", "--max-tasks", "-t", "--shutdown-timeout", "-g", "--graceful-signal",
    "-s", "--scheduler-interval", "-l", "--logfile",
}  # fmt: skip


def _takes_value(option: str) -> bool:
    return option in _HUEY_VALUED


def learner_queue(fresh: bool = False) -> Any:
    """The learner's huey instance, as the consumer imports it: the one the app imported, or
    (`fresh`) a new import that reads the environment as it is now."""
    path = huey_path()
    module_name, _, attribute = path.rpartition(".")
    if fresh:
        forget_tables()
        module = load_module(module_name)
    else:
        # Beside the running app: the modules it imported, and no new copy of its tables.
        module = sys.modules.get(module_name) or importlib.import_module(module_name)
    queue = getattr(module, attribute, None)
    from huey import Huey

    expect(
        isinstance(queue, Huey),
        expected=f"`{attribute}` in `{module_name}` to be a huey queue (`SqliteHuey(...)` or "
        "`RedisHuey(...)`)",
        seen=f"{queue!r:.100}" if queue is not None else "no such name there",
        hint="Build the queue at module level: `huey = create_queue(QueueSettings())`, the name "
        "the Procfile's worker line gives after `huey_consumer`.",
        anchor=QUEUE_ANCHOR,
    )
    return queue


@contextmanager
def worker_running(world: World) -> Iterator[live.LiveProcess]:
    """The Procfile's worker command, run here with faster polling."""
    command = read_command(procfile_line("worker", NO_WORKER_LINE), "Procfile's `worker:` line")
    huey_path()  # names the problem if the line is not huey's consumer
    arguments = [*command.arguments, *FAST_POLLING]
    with live.started(
        command.rebuilt(arguments), cwd=target_path(), env=run_environment(world)
    ) as process:
        yield process


def wait_for_status(
    client: GradingClient, path: str, account: Account, wanted: set[str], within: float
) -> dict[str, Any]:
    deadline = time.monotonic() + within
    job = read_job(client, path, account)
    while job.get("status") not in wanted and time.monotonic() < deadline:
        time.sleep(0.1)  # each look is a request through the app: not too often
        job = read_job(client, path, account)
    return job


@contextmanager
def database_locked(database: Database) -> Iterator[None]:
    """Hold the database so that writing books (SQLite: anything at all) waits until the end."""
    if database.backend == "sqlite":
        assert database.path is not None
        connection = sqlite3.connect(database.path, isolation_level=None, timeout=5)
        try:
            connection.execute("BEGIN EXCLUSIVE")
            yield
        finally:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            connection.close()
        return
    with database.engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(text("LOCK TABLE books IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            transaction.rollback()


# The checks ------------------------------------------------------------------------------------


def web_command() -> Command:
    command = read_command(procfile_line("web", NO_PROCFILE), "Procfile's `web:` line")
    expect(
        command.program in SERVERS,
        expected="the `web:` line to start gunicorn, `fastapi run` or uvicorn",
        seen=f"web: {' '.join(command.tokens)}",
        hint="Write the production server's command after `web:`: `gunicorn --config "
        "gunicorn.conf.py bookapi.main:app`, or `fastapi run bookapi/main.py --workers 2`.",
        anchor=WORKERS_ANCHOR,
    )
    dev = is_dev_server(command)
    if dev is not None:
        raise CheckFailed(
            expected="a production server in the Procfile's `web:` line",
            seen=f"web: {' '.join(command.tokens)}: {dev}",
            cause=DEV_SERVER,
        )
    return command


def gunicorn_config(command: Command) -> dict[str, str]:
    """gunicorn's resolved settings for the command (its config file included), as gunicorn's
    own `--print-config` prints them. Imports no app: the app argument is replaced."""
    from gunicorn.config import Config

    arguments = command.arguments
    try:
        parsed = Config(usage="%(prog)s").parser().parse_args(arguments)
    except SystemExit:
        raise CheckFailed(
            expected="the `web:` line's gunicorn options to be gunicorn's",
            seen=f"gunicorn refuses them: web: {' '.join(command.tokens)}",
            hint="Run the line by hand: gunicorn names the option it does not know.",
            anchor=WORKERS_ANCHOR,
        ) from None
    positional = list(getattr(parsed, "args", []) or [])
    # The address is the platform's business (and the live check's): leave it out.
    options = without_options(arguments, ("-b", "--bind"))
    for name in positional:
        if name in options:
            del options[len(options) - 1 - options[::-1].index(name)]
    probe = [sys.executable, "-m", "gunicorn", *options, "--print-config", "grader_no_app:app"]
    environment = run_environment(world())
    with live.started(probe, cwd=target_path(), env=environment) as process:
        process.wait(within=8)
        printed = process.text()
    settings: dict[str, str] = {}
    for line in printed.splitlines():
        name, equals, value = line.partition("=")
        if equals and re.fullmatch(r"[a-z_]+", name.strip()):
            settings[name.strip()] = value.strip()
    expect(
        "workers" in settings,
        expected="gunicorn to read its settings (`gunicorn --print-config`)",
        seen=f"it stopped first: {process.last_lines()}",
        hint="Run `gunicorn --config gunicorn.conf.py --print-config bookapi.main:app` by hand: "
        "the error is in the config file or the options.",
        anchor=WORKERS_ANCHOR,
    )
    return settings


# gunicorn 27's own ASGI worker (`-k asgi`) runs the lifespan and stops gracefully on SIGTERM too.
GUNICORN_ASGI_WORKERS = ("asgi", "gunicorn.workers.gasgi.ASGIWorker")


def test_production_command() -> None:
    command = web_command()
    arguments = command.arguments
    if command.program == "gunicorn":
        settings = gunicorn_config(command)
        worker_class = settings.get("worker_class", "")
        expect(
            "uvicorn.workers" not in worker_class,
            expected="gunicorn's ASGI workers from the `uvicorn-worker` package",
            seen=f"worker_class = {worker_class}, which is deprecated",
            hint="`uvicorn.workers.UvicornWorker` is deprecated: use "
            "`uvicorn_worker.UvicornWorker` (pip package `uvicorn-worker`).",
        )
        expect(
            worker_class.startswith("uvicorn_worker.") or worker_class in GUNICORN_ASGI_WORKERS,
            expected="gunicorn's workers to be ASGI workers (`uvicorn_worker.UvicornWorker`)",
            seen=f"worker_class = {worker_class or 'sync'}: that worker speaks WSGI, "
            "and a FastAPI app is ASGI",
            hint='Set `worker_class = "uvicorn_worker.UvicornWorker"` in gunicorn.conf.py (or '
            "`-k uvicorn_worker.UvicornWorker` on the command line).",
        )
        expect(
            settings.get("reload") != "True",
            expected="a production server in the Procfile's `web:` line",
            seen="gunicorn's `reload` is on: it watches files and restarts workers",
            cause=DEV_SERVER,
        )
        workers = settings.get("workers", "1")
    else:
        workers = option_value(arguments, "--workers") or "1"
    count = int(workers) if workers.isdigit() else 0
    expect(
        count >= 2,
        expected="the web command to run two worker processes or more",
        seen=f"{workers} worker{'s' if workers != '1' else ''}: one process, so one crash or one "
        "blocked event loop stops the whole API, and one core does all the work",
        hint="Give gunicorn `workers = 2` or more (gunicorn.conf.py, or `-w 2`; "
        "`WEB_CONCURRENCY` may raise it), or `fastapi run --workers 2`.",
    )


def live_server_command(command: Command, port: int) -> list[str]:
    """The web command as the grader runs it: its own address, two workers."""
    arguments = command.arguments
    if command.program == "gunicorn":
        kept = without_options(arguments, ("-b", "--bind", "-w", "--workers"))
        kept = [a for a in kept if a not in ("-D", "--daemon")]
        return command.rebuilt(
            [*kept, "--bind", f"127.0.0.1:{port}", "--workers", "2", "--no-control-socket"]
        )
    kept = without_options(arguments, ("--host", "--port", "--workers", "--uds", "--fd"))
    return command.rebuilt([*kept, "--host", "127.0.0.1", "--port", str(port), "--workers", "2"])


def prepare_priced_book(app: FastAPI) -> int:
    """A user and a book with an ISBN in the check's database, stored through the app."""
    with running(app) as client:
        account = sign_up(client, "seller")
        return int(create_book(client, account)["id"])


def test_graceful_shutdown_live(monkeypatch: pytest.MonkeyPatch, environment: World) -> None:
    command = web_command()
    # The app here (for the user and the book the request needs), once the command is known.
    app = fresh_app()
    # The tables first (the learner's models are imported): the server's workers and the app
    # here can then start side by side, and none of them has a table to create.
    SQLModel.metadata.create_all(environment.database.engine)
    port = live.free_port()
    base = f"http://127.0.0.1:{port}"
    with PriceService(hold=True) as prices:
        env = run_environment(
            environment,
            {
                PRICE_VARIABLE: prices.url,
                "BOOKAPI_PRICE_TIMEOUT": "15",
                ENVIRONMENT_VARIABLE: "production",
                "PORT": str(port),
                "WEB_CONCURRENCY": "2",
            },
        )
        started = live_server_command(command, port)
        with live.started(started, cwd=target_path(), env=env) as server:
            book_id = prepare_priced_book(app)  # while the server starts
            up = server.wait_until_http(f"{base}/health/live", within=START_SECONDS)
            if not up:
                status = server.wait(within=0.2)
                raise CheckFailed(
                    expected=f"the web command to serve HTTP on 127.0.0.1:{port} (run as "
                    f"`{shlex.join(started[2:]) if not command.shell else started[-1]}`)",
                    seen=(
                        f"it exited with status {status} before answering: "
                        if status is not None
                        else f"no answer within {START_SECONDS:g} s: "
                    )
                    + (server.last_lines() or "it printed nothing"),
                    hint="Run your `web:` line by hand from the exercise folder, with "
                    "BOOKAPI_SECRET_KEY set: the error it prints is the one to fix. The grader "
                    "replaces its address and worker count with its own.",
                    anchor=WORKERS_ANCHOR,
                )
            answer: dict[str, Any] = {}

            def ask_price() -> None:
                try:
                    answer["response"] = httpx2.get(
                        f"{base}{API}/books/{book_id}/price", timeout=20, trust_env=False
                    )
                except httpx2.HTTPError as error:
                    answer["error"] = error

            asking = threading.Thread(target=ask_price, daemon=True)
            asking.start()
            arrived = prices.arrived.wait(ARRIVAL_SECONDS)
            if not arrived:
                asking.join(1)
                seen = (
                    describe_response(answer["response"])
                    if "response" in answer
                    else f"no answer ({type(answer.get('error')).__name__})"
                )
                raise CheckFailed(
                    expected=f"GET {API}/books/{book_id}/price, served by your web command, to "
                    "ask the price service (the request the grader keeps in flight)",
                    seen=seen,
                    hint="Keep the price route of Phases 6 to 9 working: the grader points "
                    "BOOKAPI_PRICE_SERVICE_URL at a price service of its own.",
                    anchor="phase-9#your-exercise",
                )
            server.terminate()
            terminated = time.monotonic()
            time.sleep(HOLD_AFTER_SIGTERM)
            prices.release.set()
            asking.join(STOP_SECONDS + 4)
            response = answer.get("response")
            if response is None or response.status_code != 200:
                what = (
                    describe_response(response)
                    if response is not None
                    else f"the connection failed ({type(answer.get('error')).__name__})"
                    if "error" in answer
                    else "no answer at all"
                )
                raise CheckFailed(
                    expected="the request in flight when SIGTERM arrived to be completed "
                    "(200, with the price)",
                    seen=f"{what}: the server stopped it instead of letting it finish",
                    hint="A graceful shutdown lets requests in flight finish: give gunicorn a "
                    "`graceful_timeout` (uvicorn: `--timeout-graceful-shutdown`) longer than a "
                    "request takes, and make SIGTERM reach the server itself.",
                    anchor=GRACEFUL_ANCHOR,
                )
            status = server.wait(within=max(0.5, terminated + EXIT_SECONDS - time.monotonic()))
            if status is None:
                raise CheckFailed(
                    expected="the web command to exit once its last request was done, within "
                    "10 s of SIGTERM (Docker's default before it kills)",
                    seen=f"it was still running {EXIT_SECONDS:g} s after SIGTERM: SIGTERM was "
                    "ignored, or the shutdown waits for something that never ends (the grader "
                    "stopped it with SIGKILL)",
                    hint="Let the server stop: don't catch or ignore SIGTERM in the app, keep "
                    "the lifespan's shutdown short (close things; never wait for a request or "
                    "a thread that does not end), and keep the graceful timeout reasonable.",
                    anchor=GRACEFUL_ANCHOR,
                )
            left = server.survivors()
            settled = time.monotonic() + 1.0
            while left and time.monotonic() < settled:  # workers still on their way out
                time.sleep(0.05)
                left = server.survivors()
            expect(
                not left,
                expected="no process of the web command left once it has exited",
                seen=f"the command exited (status {status}) and left {len(left)} process"
                f"{'es' if len(left) != 1 else ''} running: the SIGTERM never reached the "
                "server behind it (the grader killed them)",
                hint='A shell in front of the server (`sh -c "... && gunicorn ..."`) takes the '
                "SIGTERM, dies, and leaves the server running without it. Start the server "
                "directly, or make it the shell's last command with `exec`.",
                anchor=GRACEFUL_ANCHOR,
            )
            expect(
                status in (0, -signal.SIGTERM, 128 + signal.SIGTERM),
                expected="a clean exit after SIGTERM (status 0)",
                seen=f"exit status {status}: {server.last_lines()}",
                anchor=GRACEFUL_ANCHOR,
            )


# Dockerfile --------------------------------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str
    arguments: str
    line: int


@dataclass
class Stage:
    line: int
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)


def read_dockerfile(path: Path) -> list[Stage]:
    stages: list[Stage] = []
    lines = path.read_text(errors="replace").splitlines()
    at = 0
    while at < len(lines):
        start = at
        raw = lines[at]
        at += 1
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        parts = [raw.rstrip()]
        while parts[-1].endswith("\\") and at < len(lines):
            parts[-1] = parts[-1][:-1]
            following = lines[at]
            at += 1
            if following.lstrip().startswith("#"):
                parts.append("\\")
                continue
            parts.append(following.rstrip())
        joined = " ".join(part.strip() for part in parts if part != "\\")
        keyword, _, arguments = joined.strip().partition(" ")
        instruction = Instruction(keyword.upper(), arguments.strip(), start + 1)
        if instruction.keyword == "FROM":
            words = arguments.split()
            words = [w for w in words if not w.startswith("--platform")]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(start + 1, words[0] if words else "", name))
        elif stages:
            stages[-1].instructions.append(instruction)
    return stages


def exec_form(arguments: str) -> list[str] | None:
    try:
        value = json.loads(arguments)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY|_KEY$", re.I)
CREDENTIALS_IN_URL = re.compile(r"://[^/@\s:]+:[^/@\s]+@")


def env_names(instruction: Instruction) -> list[tuple[str, str]]:
    """The (name, value) pairs an ENV or ARG sets."""
    try:
        words = shlex.split(instruction.arguments)
    except ValueError:
        words = instruction.arguments.split()
    if not words:
        return []
    if instruction.keyword == "ENV" and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    pairs = []
    for word in words:
        name, _, value = word.partition("=")
        pairs.append((name, value))
    return pairs


def dockerignore_excludes(folder: Path, name: str) -> bool:
    """Whether `.dockerignore` keeps `name` (a file at the context's top) out of the build."""
    import fnmatch

    path = folder / ".dockerignore"
    if not path.is_file():
        return False
    excluded = False
    for line in path.read_text(errors="replace").splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip().lstrip("/")
        pattern = pattern.removeprefix("./").rstrip("/")
        while pattern.startswith("**/"):
            pattern = pattern[3:]
        if fnmatch.fnmatchcase(name, pattern):
            excluded = not negate
    return excluded


def test_container_image() -> None:
    folder = target_path()
    path = folder / "Dockerfile"
    expect(
        path.is_file(),
        expected="a Dockerfile in the exercise folder",
        seen="no file named `Dockerfile`",
    )
    stages = read_dockerfile(path)
    expect(
        bool(stages),
        expected="a Dockerfile that starts from a base image (`FROM python:3.11-slim ...`)",
        seen="no FROM instruction",
    )
    final = stages[-1]
    # `COPY --from=` an earlier stage, by its name or its number; not `--from=` an image (a
    # tool copied from a published image does not make the build multi-stage).
    earlier = {str(at) for at in range(len(stages) - 1)} | {
        stage.name.lower() for stage in stages[:-1] if stage.name
    }
    copies_from = [
        i
        for i in final.instructions
        if i.keyword == "COPY"
        and any(
            word.startswith("--from=") and word.split("=", 1)[1].lower() in earlier
            for word in i.arguments.split()
        )
    ]
    expect(
        len(stages) >= 2 and bool(copies_from),
        expected="a multi-stage build: a first stage (`FROM ... AS build`) whose result the "
        "final stage copies (`COPY --from=build ...`)",
        seen=f"{len(stages)} stage{'s' if len(stages) != 1 else ''}"
        + ("" if copies_from else ", and no `COPY --from=` an earlier stage in the last one"),
        hint="Install the dependencies in a first stage, into a virtual environment, and copy "
        "only that environment and your code into the final stage: the tools the build needed "
        "stay out of the image that runs.",
    )
    users = [i for i in final.instructions if i.keyword == "USER"]
    user = users[-1].arguments.split(":")[0].strip() if users else ""
    expect(
        bool(user) and user not in ("root", "0"),
        expected="the final stage to switch to a user without privileges (`USER bookapi`)",
        seen=f"USER {user}" if user else "no USER in the final stage: the server runs as root",
        hint="Create a user (`RUN useradd --create-home bookapi`) and end the final stage with "
        "`USER bookapi` before CMD: a flaw in the app then cannot rewrite the image or its "
        "system.",
    )
    commands = [i for i in final.instructions if i.keyword in ("CMD", "ENTRYPOINT")]
    expect(
        any(i.keyword == "CMD" for i in commands)
        or any(i.keyword == "ENTRYPOINT" for i in commands),
        expected="a CMD that starts the server",
        seen="no CMD (nor ENTRYPOINT) in the final stage",
        hint='End with `CMD ["gunicorn", "--config", "gunicorn.conf.py", "bookapi.main:app"]`.',
    )
    words: list[str] = []
    for instruction in commands:
        form = exec_form(instruction.arguments)
        expect(
            form is not None,
            expected=f'{instruction.keyword} in exec form, a JSON list (`CMD ["gunicorn", ...]`)',
            seen=f"line {instruction.line}: {instruction.keyword} {instruction.arguments[:80]} "
            "(shell form: /bin/sh is PID 1 and keeps the SIGTERM of `docker stop` from the "
            "server)",
            hint="Write the command as a JSON list of strings: Docker then starts the server "
            "itself as PID 1, and `docker stop` reaches it. In shell form, the shell gets "
            "SIGTERM, ignores it, and the server is killed ten seconds later mid-request.",
        )
        words += form or []
    launched = " ".join(words)
    expect(
        "--reload" not in words and not re.search(r"\bfastapi\s+dev\b", launched),
        expected="the image to start a production server",
        seen=f"its command is `{launched}`: a development server (reload)",
        hint="Start the same production server as the Procfile's `web:` line: gunicorn with "
        "uvicorn workers, or `fastapi run --workers N`.",
        anchor=DEV_ANCHOR,
    )
    for stage in stages:
        for instruction in stage.instructions:
            if instruction.keyword not in ("ENV", "ARG"):
                continue
            for name, value in env_names(instruction):
                leaky = bool(SECRET_NAME.search(name)) or bool(CREDENTIALS_IN_URL.search(value))
                expect(
                    not leaky,
                    expected="no secret written into the image",
                    seen=f"line {instruction.line}: {instruction.keyword} {name}=… : every copy "
                    "of the image (and its history) would hold it",
                    hint="Pass secrets when the container starts (`docker run -e "
                    "BOOKAPI_SECRET_KEY=...`, or the platform's secret settings), never in ENV "
                    "or ARG.",
                )
    copies = [
        i
        for stage in stages
        for i in stage.instructions
        if i.keyword in ("COPY", "ADD") and "--from=" not in i.arguments
    ]
    for instruction in copies:
        sources = [w for w in instruction.arguments.split() if not w.startswith("--")][:-1]
        expect(
            not any(Path(source).name.startswith(".env") for source in sources),
            expected="no `.env` copied into the image",
            seen=f"line {instruction.line}: {instruction.keyword} {instruction.arguments}",
            hint="The `.env` file holds your secret: leave it on your laptop. The container gets "
            "its settings from the environment it is started with.",
        )
        whole = any(source in (".", "./", "*") for source in sources)
        expect(
            not whole or dockerignore_excludes(folder, ".env"),
            expected="`.env` kept out of the build by `.dockerignore` (the Dockerfile copies the "
            "whole folder)",
            seen=f"line {instruction.line}: {instruction.keyword} {instruction.arguments}, and "
            + (
                "`.dockerignore` does not exclude `.env`"
                if (folder / ".dockerignore").is_file()
                else "no `.dockerignore`"
            ),
            hint="Add a `.dockerignore` that lists `.env` (and `*.db`, `.venv/`, "
            "`__pycache__/`): `COPY . .` then leaves them out.",
        )


# The app's own side of production --------------------------------------------------------------


def test_lifespan_closes_resources(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, environment: World
) -> None:
    # Without its secret, the app must refuse to start.
    monkeypatch.delenv(SECRET_VARIABLE)
    refused = False
    try:
        with GradingClient(app):
            pass
    except (CheckFailed, Warning, MemoryError):
        raise
    except Exception:
        refused = True
    expect(
        refused,
        expected="the app to refuse to start without BOOKAPI_SECRET_KEY",
        seen="it started: a secret has a default somewhere, or none is needed",
        hint="Keep `secret_key` required (no default) and read the settings in the lifespan: "
        "a missing secret must stop the app before it takes a request.",
        anchor="settings-and-secrets-from-the-environment",
    )
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    app = fresh_app()
    with PriceService() as prices:
        monkeypatch.setenv(PRICE_VARIABLE, prices.url)
        with running(app) as client:
            account = sign_up(client, "closer")
            book = create_book(client, account)
            price = client.get(f"{API}/books/{book['id']}/price")
            expect(
                price.status_code == 200,
                expected=f"GET {API}/books/{book['id']}/price to ask the grader's price service "
                "and answer 200",
                seen=describe_response(price),
                hint="Keep the price route of Phases 6 to 9 working.",
                anchor="phase-9#your-exercise",
            )
            start_import(client, account, [new_book("Tehanu")])
            opened_price = connections_to(prices.port)
        database = environment.database
        left: list[str] = []
        if database.backend == "sqlite":
            assert database.path is not None
            if files_open_under(database.path):
                left.append("the database file (the engine was not disposed of)")
        elif database.port is not None and connections_to(database.port):
            left.append(f"{connections_to(database.port)} connection(s) to the database")
        if opened_price and connections_to(prices.port):
            left.append("a connection to the price service (the HTTP client was not closed)")
        if environment.redis_url:
            port = make_url(environment.redis_url).port or 6379
            if connections_to(port):
                left.append(f"{connections_to(port)} connection(s) to the Redis queue")
        elif files_open_under(environment.queue_path):
            left.append("the job queue's file (its connection was not closed)")
    expect(
        not left,
        expected="every connection the app opened to be closed once its lifespan has ended",
        seen="after shutdown, the app still holds " + "; ".join(left),
        hint="Close what the lifespan opened after its `yield`, in a `finally`: "
        "`engine.dispose()`, the price client (`async with`), and the queue: "
        "`huey.storage.close()` (SQLite) or `huey.storage.pool.disconnect()` (Redis).",
    )


def request_id_of(response: Any) -> str | None:
    return response.headers.get(REQUEST_ID)


def test_request_id_on_every_response(app: FastAPI) -> None:
    add_crash_route(app, secrets.token_hex(4))
    with running(app) as client:
        sent = f"grader-{secrets.token_hex(6)}.check_1"
        cases = [
            ("GET /health/live", "/health/live"),
            (f"GET {API}/books/987654 (a 404)", f"{API}/books/987654"),
            (f"GET {API}/books?limit=0 (a 422)", f"{API}/books?limit=0"),
            (f"GET {API}/users/me without a token (a 401)", f"{API}/users/me"),
        ]
        for what, path in cases:
            response = client.get(path, headers={REQUEST_ID: sent})
            expect(
                request_id_of(response) == sent,
                expected=f"{what} with `X-Request-ID: {sent}` to answer with the same header",
                seen=f"X-Request-ID: {request_id_of(response)}"
                if request_id_of(response)
                else f"no X-Request-ID header ({describe_response(response)})",
            )
        first, second = client.get("/health/live"), client.get("/health/live")
        ids = (request_id_of(first), request_id_of(second))
        expect(
            all(ids) and ids[0] != ids[1] and all(VALID_ID.fullmatch(i or "") for i in ids),
            expected="requests without X-Request-ID to each get a new id (letters, digits, "
            "`.`, `_`, `-`; at most 64)",
            seen=f"X-Request-ID: {ids[0]!r} then {ids[1]!r}",
            hint="When the request has no (valid) id, make one: `uuid.uuid4().hex`, new for "
            "every request; never a constant, never one kept between requests.",
        )
        for bad in ("x" * 65, "has space", "<script>alert(1)</script>", 'quote"d', ""):
            response = client.get("/health/live", headers={REQUEST_ID: bad})
            got = request_id_of(response)
            expect(
                got is not None and got != bad and VALID_ID.fullmatch(got) is not None,
                expected=f"an X-Request-ID of {bad[:20]!r}{'…' if len(bad) > 20 else ''} "
                f"({len(bad)} characters) to be replaced by a new, well-formed id",
                seen=f"X-Request-ID: {got!r}" if got is not None else "no X-Request-ID header",
                hint="Keep an incoming id only when it is 1 to 64 letters, digits, `.`, `_` or "
                '`-` (`re.fullmatch(r"[A-Za-z0-9._-]{1,64}", value)`): anything else came '
                "from outside and could forge log lines. Replace it with a new id.",
            )
        crashed = client.get(CRASH_PATH, headers={REQUEST_ID: sent})
        expect(
            crashed.status_code == 500,
            expected=f"the grader's route that raises RuntimeError ({CRASH_PATH}) to answer 500",
            seen=describe_response(crashed),
            hint="Keep the handler for `Exception` of Phase 4: an unexpected error answers 500.",
            anchor=CRASH_ANCHOR,
        )
        expect(
            request_id_of(crashed) == sent,
            expected=f"the 500 of a request with `X-Request-ID: {sent}` to carry the same header",
            seen=f"X-Request-ID: {request_id_of(crashed)}"
            if request_id_of(crashed)
            else "no X-Request-ID header on the 500",
            hint="The handler for `Exception` runs outside every middleware you add, so your "
            "middleware never sees its response: read the id from `request.state` in that "
            "handler and add the header to its JSONResponse yourself.",
            anchor=CRASH_ANCHOR,
        )


def json_records(text_: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The log lines in `text_`: those that are JSON objects, and the others."""
    records, others = [], []
    for line in text_.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        try:
            value = json.loads(stripped)
        except ValueError:
            others.append(stripped)
            continue
        if isinstance(value, dict):
            records.append(value)
        else:
            others.append(stripped)
    return records, others


def mentions(value: Any, wanted: str) -> bool:
    """Whether `wanted` is one of the values in a (nested) JSON record."""
    if isinstance(value, dict):
        return any(mentions(item, wanted) for item in value.values())
    if isinstance(value, list):
        return any(mentions(item, wanted) for item in value)
    return value == wanted


def captured(capfd: pytest.CaptureFixture[str]) -> str:
    out, err = capfd.readouterr()
    return out + err


def test_json_logs_with_request_id(app: FastAPI, capfd: pytest.CaptureFixture[str]) -> None:
    marker = secrets.token_hex(6)
    add_crash_route(app, marker)
    with running(app) as client:
        captured(capfd)  # what starting the app wrote
        requests = [
            ("GET /health/live", "/health/live"),
            (f"GET {API}/books", f"{API}/books"),
            (f"GET {CRASH_PATH} (an unexpected error)", CRASH_PATH),
        ]
        total = 0
        for what, path in requests:
            request_id = f"grader-{secrets.token_hex(8)}"
            client.get(path, headers={REQUEST_ID: request_id})
            written = captured(capfd)
            records, others = json_records(written)
            total += len(records)
            expect(
                not others,
                expected=f"every log line written while handling {what} to be one JSON object",
                seen=f"the line {others[0][:160]!r}" if others else "",
                hint="Give the root logger one handler whose formatter turns each record into "
                "one line of JSON (`json.dumps` of a dict: time, level, logger, message, "
                "request_id...), and let the servers' loggers propagate to it.",
                anchor=LOGS_ANCHOR,
            )
            expect(
                bool(records),
                expected=f"at least one log line for {what} (an access line: method, path, "
                "status, request id)",
                seen="nothing was written to stdout or stderr"
                + ("" if total or what != requests[0][0] else " (is logging configured?)"),
                hint="Have the request id middleware log one line per request once it is "
                "answered, and write logs to standard output, where the platform collects them.",
                anchor=LOGS_ANCHOR,
            )
            missing = [record for record in records if not mentions(record, request_id)]
            expect(
                not missing,
                expected=f"every log line written while handling {what} to carry its request id "
                f"({request_id})",
                seen=f"{len(missing)} of {len(records)} without it, such as "
                f"{json.dumps(missing[0])[:200] if missing else ''}",
                hint="Keep the request id in a ContextVar set by the middleware, and add it to "
                "every record in the formatter (or a logging.Filter): then routes, services and "
                "the 500 handler need not pass it around.",
                anchor=LOGS_ANCHOR,
            )
            if path == CRASH_PATH:
                expect(
                    any(marker in json.dumps(record) for record in records),
                    expected="the unexpected error, with its message and traceback, in the log "
                    "line of that request",
                    seen="no log line mentions it",
                    hint="In the handler for `Exception`, log the error with its traceback: "
                    '`logger.error("...", exc_info=exc)`; the formatter writes it in a field.',
                    anchor=CRASH_ANCHOR,
                )


def test_logs_leak_nothing(app: FastAPI, capfd: pytest.CaptureFixture[str]) -> None:
    add_crash_route(app, secrets.token_hex(4))
    rejected = f"rejected-{secrets.token_hex(6)}"
    # Too long to be a password (128 characters at most): the 422 holds it as its `input`.
    too_long = rejected * 8
    with running(app) as client:
        account = sign_up(client, "quiet")
        client.get(f"{API}/users/me", headers=account.headers)
        client.post(f"{API}/books", json=new_book("The Dispossessed"), headers=account.headers)
        client.post(
            f"{API}/token",
            data={"grant_type": "password", "username": account.username, "password": rejected},
        )
        client.post(
            f"{API}/users",
            json={"username": unique_name("bad"), "email": "not-an-address", "password": too_long},
        )
        client.get(CRASH_PATH, headers=account.headers)
        written = captured(capfd)
    expect(
        written.strip() != "",
        expected="log lines to read (an access line per request, at least)",
        seen="nothing was written to stdout or stderr",
        hint="Configure logging when the app starts: JSON lines on standard output.",
        anchor=LOGS_ANCHOR,
    )
    secrets_ = {
        "the password": account.password,
        "a rejected password (from a failed login or a 422)": rejected,
        "the user's email address": account.email,
        "the access token": account.token,
        "the access token's signature": account.token.rsplit(".", 1)[-1],
        "the settings' secret key": SECRET,
    }
    for what, value in secrets_.items():
        lines = [line for line in written.splitlines() if value.lower() in line.lower()]
        label = "<" + what.split(" (")[0].removeprefix("the ") + ">"
        shown = re.sub(re.escape(value), label, lines[0], flags=re.I) if lines else ""
        expect(
            not lines,
            expected=f"no log line holding {what}",
            seen=f"{len(lines)} line{'s' if len(lines) != 1 else ''}, such as {shown[:220]!r}",
            hint={
                "the user's email address": "Log the user's id, never their address: "
                '`logger.info("user signed up", extra={"user_id": user.id})`.',
                "the access token": "Never log request headers whole: `Authorization` carries "
                "the token, and whoever reads the log can use it until it expires.",
                "the access token's signature": "Never log request headers whole: "
                "`Authorization` carries the token.",
            }.get(
                what,
                "Never log request bodies or form fields, nor a validation error's `input`: "
                "sign-ups and logins carry passwords.",
            ),
        )


def test_generic_500_with_request_id(app: FastAPI, capfd: pytest.CaptureFixture[str]) -> None:
    marker = secrets.token_hex(6)
    add_crash_route(app, marker)
    with running(app) as client:
        sent = f"grader-{secrets.token_hex(8)}"
        crashed = client.get(CRASH_PATH, headers={REQUEST_ID: sent})
        bare = client.get(CRASH_PATH)
        written = captured(capfd)
    expect(
        crashed.status_code == 500,
        expected=f"the grader's route that raises RuntimeError ({CRASH_PATH}) to answer 500",
        seen=describe_response(crashed),
        hint="Keep the handler for `Exception` of Phase 4: an unexpected error answers 500.",
    )
    body = json_body(crashed, "the 500 answer")
    shown = json.dumps(body)
    expect(
        marker not in shown and "RuntimeError" not in shown and "Traceback" not in shown,
        expected="a generic 500 body: no exception message, type or traceback",
        seen=f"the body {shown[:160]}",
        hint='Answer `{"detail": "Internal server error", ...}`, never `str(exc)` or '
        "`repr(exc)`: an exception's text can hold SQL, paths, or a user's data.",
    )
    expect(
        isinstance(body, dict) and "detail" in body,
        expected='the 500 body in the one error shape, {"detail": ...}',
        seen=f"the body {shown[:160]}",
        anchor="phase-4#one-error-shape-everywhere",
    )
    expect(
        mentions(body, sent),
        expected=f"the 500 body to carry the request id ({sent}), so the client can quote it",
        seen=f"the body {shown[:160]}",
        hint='Add it beside the detail: `{"detail": "Internal server error", "request_id": '
        "request.state.request_id}`.",
    )
    bare_body = bare.json() if bare.status_code == 500 else {}
    bare_id = request_id_of(bare) or ""
    expect(
        bool(bare_id) and mentions(bare_body, bare_id),
        expected="a 500 for a request without X-Request-ID to carry the id it was given, in the "
        "header and the body",
        seen=f"X-Request-ID: {bare_id or 'none'}; the body {json.dumps(bare_body)[:160]}",
        hint="Use the id the middleware chose for the request (`request.state.request_id`), "
        "not the request's header: a request may come without one.",
    )
    expect(
        marker in written,
        expected="the error's message and traceback in the log",
        seen="no log line mentions it: the details are lost",
        hint="Log the exception in the handler for `Exception`, with its traceback: "
        '`logger.error("...", exc_info=exc)`.',
    )


@contextmanager
def database_down() -> Iterator[str]:
    """Every statement any engine sends fails as it would with the server gone."""
    marker = f"grader-outage-{secrets.token_hex(4)}"

    def fail(conn: Any, _cursor: Any, _statement: str, *_args: Any) -> None:
        raise conn.dialect.loaded_dbapi.OperationalError(f"{marker}: the database is down")

    event.listen(Engine, "before_cursor_execute", fail)
    try:
        yield marker
    finally:
        event.remove(Engine, "before_cursor_execute", fail)


def test_health_live_and_ready(app: FastAPI) -> None:
    with running(app) as client:
        for path in ("/health/live", "/health/ready"):
            response = client.get(path)
            expect(
                response.status_code == 200,
                expected=f"GET {path} to answer 200 while everything works",
                seen=describe_response(response),
                hint="Add the probes outside the versioned API: `GET /health/live` and "
                "`GET /health/ready`, each answering 200 with a small JSON body.",
            )
        with database_down() as marker:
            ready = client.get("/health/ready")
            alive = client.get("/health/live")
        expect(
            ready.status_code == 503,
            expected="GET /health/ready to answer 503 while every query to the database fails",
            seen=f"{describe_response(ready)}: it says ready when it cannot serve",
            hint="Run `SELECT 1` on the app's engine in the ready route, and answer 503 when it "
            "raises (`sqlalchemy.exc.SQLAlchemyError`).",
        )
        body = json_body(ready, "the 503")
        expect(
            marker not in json.dumps(body),
            expected='a 503 body that says what, not why ({"detail": "..."})',
            seen=f"the body {json.dumps(body)[:160]}: it repeats the database's error",
            hint="Keep the database's error in the log: it can name hosts, users or queries.",
        )
        expect(
            alive.status_code == 200,
            expected="GET /health/live to answer 200 while the database is down",
            seen=f"{describe_response(alive)}: the platform would restart a process that is "
            "fine, and restarting does not bring a database back",
            hint="Live checks the process only: no database, no other service.",
        )
        back = client.get("/health/ready")
        expect(
            back.status_code == 200,
            expected="GET /health/ready to answer 200 again once the database is back",
            seen=describe_response(back),
            hint="Check the database on every call to the ready route; never remember a failure.",
        )


def test_docs_hidden_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    forget_tables()
    with running(load_app()) as client:
        served = {path: client.get(path).status_code for path in ("/docs", "/openapi.json")}
    expect(
        all(status == 200 for status in served.values()),
        expected="/docs and /openapi.json to be served in development (the default)",
        seen=", ".join(f"{path}: {status}" for path, status in served.items()),
        hint="Hide the docs only when `environment` is `production`: in development they are "
        "how you try the API.",
    )
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "production")
    forget_tables()
    with running(load_app()) as client:
        answers = {path: client.get(path) for path in DOCS_PATHS}
        books = client.get(f"{API}/books")
    shown = [f"{path}: {describe_response(r)[:60]}" for path, r in answers.items()]
    open_ = [path for path, response in answers.items() if response.status_code != 404]
    expect(
        not open_,
        expected="/docs, /redoc, /openapi.json and /docs/oauth2-redirect to answer 404 with "
        "BOOKAPI_ENVIRONMENT=production",
        seen="; ".join(s for s in shown if s.split(":")[0] in open_),
    )
    expect(
        books.status_code == 200,
        expected=f"GET {API}/books to work as usual in production",
        seen=describe_response(books),
        hint="Hide the docs paths only; the API itself stays as it is.",
    )


def allowed_origin(response: Any) -> str | None:
    return response.headers.get("access-control-allow-origin")


def preflight(client: GradingClient, origin: str) -> Any:
    return client.options(
        f"{API}/books",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_cors_for_the_front_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CORS_VARIABLE, json.dumps([FRONT_END]))
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "production")
    forget_tables()
    with running(load_app()) as client:
        allowed = preflight(client, FRONT_END)
        expect(
            allowed.status_code == 200 and allowed_origin(allowed) == FRONT_END,
            expected=f"a preflight from {FRONT_END} (the origin in {CORS_VARIABLE}) to be allowed",
            seen=f"{describe_response(allowed)}, Access-Control-Allow-Origin: "
            f"{allowed_origin(allowed) or 'none'}",
            hint="Build CORSMiddleware's `allow_origins` from `settings.cors_origins`, when the "
            "app starts.",
        )
        simple = client.get(f"{API}/books", headers={"Origin": FRONT_END})
        exposed = simple.headers.get("access-control-expose-headers", "")
        expect(
            allowed_origin(simple) == FRONT_END
            and REQUEST_ID.lower() in [h.strip().lower() for h in exposed.split(",")],
            expected=f"GET {API}/books from {FRONT_END} to let its scripts read X-Request-ID "
            "(Access-Control-Expose-Headers)",
            seen=f"Access-Control-Allow-Origin: {allowed_origin(simple) or 'none'}, "
            f"Access-Control-Expose-Headers: {exposed or 'none'}",
            hint='Add `expose_headers=["X-Request-ID"]` to CORSMiddleware: a browser hides '
            "other response headers from scripts.",
        )
        for origin in (*EVIL_ORIGINS, "http://localhost:5173"):
            simple = client.get(f"{API}/books", headers={"Origin": origin})
            for what, response in (
                (f"a preflight from {origin}", preflight(client, origin)),
                (f"GET {API}/books from {origin}", simple),
            ):
                expect(
                    allowed_origin(response) is None,
                    expected=f"{what} to get no Access-Control-Allow-Origin (only {FRONT_END} is "
                    "listed)",
                    seen=f"Access-Control-Allow-Origin: {allowed_origin(response)}",
                    hint='List exact origins, from the settings only: never `"*"`, no '
                    "`allow_origin_regex`, and no origin written in the code.",
                )


# Background work -------------------------------------------------------------------------------


@dataclass
class SessionWatch:
    """When ORM sessions were made and which one wrote the welcome email, relative to the
    response."""

    response_sent: bool = False
    made_during_request: list[Any] = field(default_factory=list)
    by_connection: dict[int, Any] = field(default_factory=dict)
    writes: list[tuple[bool, Any]] = field(default_factory=list)  # (after response, session)


def watch_sessions(monkeypatch: pytest.MonkeyPatch, watch: SessionWatch) -> Callable[[], None]:
    init = OrmSession.__init__

    def new_session(self: OrmSession, *args: Any, **kwargs: Any) -> None:
        if not watch.response_sent:
            watch.made_during_request.append(self)
        init(self, *args, **kwargs)

    def began(session: Any, _transaction: Any, connection: Any) -> None:
        watch.by_connection[id(connection)] = session

    def statement(conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if re.match(r"\s*INSERT\s+INTO\s+\"?sent_emails", sql, re.I):
            watch.writes.append((watch.response_sent, watch.by_connection.get(id(conn))))

    monkeypatch.setattr(OrmSession, "__init__", new_session)
    event.listen(OrmSession, "after_begin", began)
    event.listen(Engine, "before_cursor_execute", statement)

    def stop() -> None:
        event.remove(OrmSession, "after_begin", began)
        event.remove(Engine, "before_cursor_execute", statement)

    return stop


def marking_response(app: Any, watch: SessionWatch) -> Any:
    """The app, behind a shim that notes when the last byte of the response has been sent."""

    async def shim(scope: Any, receive: Any, send: Any) -> None:
        async def noting(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                watch.response_sent = True

        await app(scope, receive, noting if scope["type"] == "http" else send)

    return shim


def test_welcome_email_in_background(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, environment: World
) -> None:
    watch = SessionWatch()
    with running(marking_response(app, watch)) as client:
        stop = watch_sessions(monkeypatch, watch)
        try:
            body = {
                "username": unique_name("welcome"),
                "email": f"mail.{secrets.token_hex(5)}@example.org",
                "password": PASSWORD,
            }
            watch.response_sent = False
            created = client.post(f"{API}/users", json=body)
        finally:
            stop()
    expect(
        created.status_code == 201,
        expected=f"POST {API}/users (a sign-up) to answer 201",
        seen=describe_response(created),
        cause=NO_SIGN_UP,
    )
    user_id = created.json().get("id")
    with environment.database.engine.connect() as connection:
        try:
            rows = connection.execute(
                text("SELECT user_id, kind FROM sent_emails WHERE user_id = :id"), {"id": user_id}
            ).all()
        except Exception as error:
            raise CheckFailed(
                expected="the `sent_emails` table (the model `SentEmail`, given in "
                "`bookapi/models.py`)",
                seen=describe_error(error),
                hint="Keep `SentEmail` in `bookapi/models.py`: the lifespan creates its table, "
                "and `bookapi.emails` records each email in it.",
            ) from None
    expect(
        bool(rows),
        expected=f"a welcome email recorded for the new user (a `sent_emails` row for user "
        f"{user_id})",
        seen="none: the sign-up sends no welcome email, or its task failed (see your log)",
    )
    expect(
        bool(watch.writes) and all(after for after, _ in watch.writes),
        expected="the welcome email to be recorded after the response was sent",
        seen="it was recorded while the client was still waiting for the answer",
        hint="Don't call the email function in the route: hand it to `BackgroundTasks` "
        "(`background.add_task(...)`), which runs it once the response is out.",
    )
    reused = [
        session
        for _, session in watch.writes
        if session is not None and any(session is made for made in watch.made_during_request)
    ]
    expect(
        not reused,
        expected="the background task to open a session of its own",
        seen="it wrote with a session made for the request, which get_session had already "
        "committed and closed",
        hint="Pass the task the engine and the user's id, never `session` or the `User` row: "
        "`background.add_task(send_welcome_email_later, engine, user.id)`, which opens `with "
        "Session(engine) as session:` and commits.",
    )


def test_queue_from_settings(monkeypatch: pytest.MonkeyPatch, environment: World) -> None:
    from huey.storage import RedisStorage, SqliteStorage

    monkeypatch.delenv(REDIS_VARIABLE, raising=False)
    queue = learner_queue(fresh=True)
    storage = queue.storage
    where = Path(getattr(storage, "filename", "") or "")
    expect(
        isinstance(storage, SqliteStorage) and where.resolve() == environment.queue_path.resolve(),
        expected=f"without BOOKAPI_REDIS_URL, an SQLite queue in the file BOOKAPI_QUEUE_PATH "
        f"names ({environment.queue_path.name})",
        seen=f"{type(storage).__name__}" + (f" in {where}" if str(where) else ""),
        hint='Without a Redis server, build `SqliteHuey("bookapi", '
        "filename=settings.queue_path)`: nothing to install, one file the web process and the "
        "worker share.",
    )
    redis_url = "redis://127.0.0.1:6/3"
    monkeypatch.setenv(REDIS_VARIABLE, redis_url)
    queue = learner_queue(fresh=True)
    storage = queue.storage
    pool_kwargs = getattr(getattr(storage, "pool", None), "connection_kwargs", {})
    expect(
        isinstance(storage, RedisStorage)
        and pool_kwargs.get("port") == 6
        and pool_kwargs.get("db") == 3,
        expected=f"with BOOKAPI_REDIS_URL={redis_url}, a Redis queue on that server",
        seen=f"{type(storage).__name__}"
        + (f" on port {pool_kwargs.get('port')}, db {pool_kwargs.get('db')}" * bool(pool_kwargs)),
        hint='When `redis_url` is set, build `RedisHuey("bookapi", url=settings.redis_url)`.',
    )


def test_import_accepted_with_status(app: FastAPI) -> None:
    with running(app) as client:
        owner = sign_up(client, "importer")
        books = [new_book(unique_name("Always Coming Home")), new_book(unique_name("Lavinia"))]
        unauthenticated = client.post(f"{API}/imports", json={"books": books})
        if unauthenticated.status_code not in (404, 405):
            expect(
                unauthenticated.status_code == 401,
                expected=f"POST {API}/imports without a token to answer 401",
                seen=describe_response(unauthenticated),
                hint="Ask for `CurrentUserDep`: the imported books belong to the user who sends "
                "them.",
            )
        accepted = start_import(client, owner, books)
        job_id, path = job_of(accepted)
        body = accepted.json()
        expect(
            body.get("status") == "queued",
            expected='the 202 body to show the job waiting ("status": "queued")',
            seen=f"the body {json.dumps(body)[:160]}",
            hint="Answer the job as it is when the route returns: recorded and queued, not "
            "started.",
        )
        titles = book_titles(client)
        done_already = [book["title"] for book in books if book["title"] in titles]
        expect(
            not done_already,
            expected="the import to wait for the worker (no worker runs during this check)",
            seen=f"the books are stored already ({(done_already or [''])[0]!r}): the import ran "
            "inside the request",
            hint="The route records the job and enqueues its id; the worker imports. Work done "
            "in the request keeps the client (and a server worker) waiting, and is lost if the "
            "process stops halfway.",
        )
        job = read_job(client, path, owner)
        expect(
            str(job.get("id")) == job_id and job.get("status") == "queued",
            expected=f"GET {path} to answer the same job, still queued",
            seen=f"the body {json.dumps(job)[:160]}",
        )
        stranger = sign_up(client, "stranger")
        other = client.get(path, headers=stranger.headers)
        expect(
            other.status_code in (403, 404),
            expected=f"GET {path} to answer 404 to a user who did not start the job",
            seen=describe_response(other),
            hint="Look the job up for the current user only, and answer 404 for anybody "
            "else's: a job's status and counts are its owner's business.",
        )
        anonymous = client.get(path)
        expect(
            anonymous.status_code == 401,
            expected=f"GET {path} without a token to answer 401",
            seen=describe_response(anonymous),
        )


def test_worker_runs_the_job(app: FastAPI, environment: World) -> None:
    with running(app) as client:
        owner = sign_up(client, "patron")
        books = [new_book(unique_name("The Word for World")), new_book(unique_name("Tehanu"))]
        _job_id, path = job_of(start_import(client, owner, books))
        with worker_running(environment) as consumer:
            job = wait_for_status(client, path, owner, {"done", "failed"}, within=JOB_SECONDS)
            output = consumer.last_lines(4)
            exited = consumer.wait(within=0)
        status = job.get("status")
        expect(
            status == "done",
            expected="the worker to take the job off the queue and finish it (status `done`)",
            seen=f"status {status!r} after {JOB_SECONDS:g} s"
            + (f"; the worker exited with status {exited}" if exited is not None else "")
            + f"; it printed: {output or 'nothing'}",
            hint="Run the Procfile's worker line by hand (with the same settings) and start an "
            "import: the worker's log shows the task, or the error it hit. The web process and "
            "the worker must share the queue (BOOKAPI_QUEUE_PATH) and the database.",
        )
        titles = book_titles(client)
        missing = [book["title"] for book in books if book["title"] not in titles]
        expect(
            not missing,
            expected=f"the imported books in GET {API}/books once the job is done",
            seen=f"{(missing or [''])[0]!r} is not there",
            hint="The task stores each book of the job (the books service, with a session of "
            "its own) and commits before marking the job `done`.",
        )
        counted = job.get("imported")
        expect(
            counted in (None, len(books)),
            expected=f"the finished job to count {len(books)} imported books",
            seen=f"imported: {counted!r}",
        )


def test_worker_finishes_job_on_sigterm(app: FastAPI, environment: World) -> None:
    with running(app) as client:
        owner = sign_up(client, "patient")
        books = [new_book(unique_name("The Lathe of Heaven"))]
        _job_id, path = job_of(start_import(client, owner, books))
        queue = learner_queue()
        with worker_running(environment) as consumer:
            with database_locked(environment.database):
                deadline = time.monotonic() + JOB_SECONDS
                while queue.pending_count() and time.monotonic() < deadline:
                    if consumer.exited():
                        break
                    time.sleep(0.05)
                expect(
                    not queue.pending_count(),
                    expected="the worker to take the job off the queue",
                    seen=f"it was still queued after {JOB_SECONDS:g} s; the worker printed: "
                    f"{consumer.last_lines() or 'nothing'}",
                    hint="Check the Procfile's worker line by hand: `huey_consumer "
                    "bookapi.worker.huey ...` must start and run jobs (see worker_runs_the_job).",
                    anchor=QUEUE_ANCHOR,
                )
                time.sleep(0.2)  # the job is running now, waiting for the database
                consumer.terminate()
                # A consumer that stops at once is gone before the database is free again: the
                # job it was running cannot sneak to its end.
                consumer.wait(within=0.5)
            # The database is free again: a graceful worker finishes the job, then stops.
            status = consumer.wait(within=STOP_SECONDS)
        job = wait_for_status(client, path, owner, {"done", "failed"}, within=1.0)
        expect(
            job.get("status") == "done",
            expected="the job running when SIGTERM arrived to be finished before the worker "
            "stopped",
            seen=f"the job is {job.get('status')!r}: the worker stopped at once and the job was "
            "lost" + (f" (the worker's exit status: {status})" if status is not None else ""),
        )
        expect(
            status is not None,
            expected=f"the worker to stop within {STOP_SECONDS:g} s of SIGTERM once its job "
            "was done",
            seen="it was still running (the grader stopped it)",
            hint="Give huey's consumer `--graceful-signal TERM` and nothing that waits forever "
            "at shutdown.",
        )
