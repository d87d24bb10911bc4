"""The pytest plugin the grader loads into a run of the learner's own tests.

The grader never imports this module itself: `grader.kit.learner_tests` copies the file beside
the run and loads it with `-p`, in a pytest process of its own, before any of the learner's code.
It needs nothing but pytest and FastAPI (and argon2-cffi, when installed). It writes one JSON
line per event to the file named by `--grader-report`:

- `{"event": "test", ...}` for each test: its outcome and the first line of why it failed; how
  many requests it sent to a FastAPI app from the thread that runs the test, inside an event loop
  (an async client such as `httpx.AsyncClient` with `ASGITransport`) and from another thread
  (`TestClient` runs the app in a thread of its own); how many reached an app while that app held
  `dependency_overrides`; and which apps still hold overrides once the test and its fixtures are
  done (a leak into the next test);
  Each test also lists the SQLite files it opened (`databases`);
- `{"event": "collect-error", ...}` for a file that could not be collected;
- `{"event": "end", ...}` when the session ends.

`--grader-mutant NAME` breaks every FastAPI app on purpose, from outside its code, to see whether
the tests notice (see MUTANTS). `--grader-order reverse` runs the tests in reverse order. The run
stays on this machine (connections to loopback only) and Argon2 is made cheap.
"""

from __future__ import annotations

import inspect
import ipaddress
import json
import os
import re
import socket
import sys
import threading
from collections.abc import Awaitable, Callable, Generator, MutableMapping
from typing import Any

import pytest
from fastapi import FastAPI

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# The breakages `--grader-mutant` knows, by name, with what they do.
MUTANTS = {
    "created-status": "POST /api/v1/books answers 200 instead of 201",
    "no-auth": "changing books (POST, PATCH, DELETE under /api/v1/books) needs no token",
}
_BOOKS = re.compile(r"^/api/v1/books(/[^/]+)?/?$")
_MESSAGE = 300

_state: dict[str, Any] = {"report": None, "mutant": "", "reverse": False, "current": None}
# Every app made in this process, kept alive so that a leaked override cannot hide in one that
# the garbage collector has not reached yet.
_apps: list[FastAPI] = []
_seen_leaks: set[tuple[int, tuple[str, ...]]] = set()
_lock = threading.Lock()
_tests: dict[str, dict[str, Any]] = {}


# --- connections: this machine only ------------------------------------------------------------


def _loopback(host: object) -> bool:
    if host is None:
        return True
    name = (host.decode() if isinstance(host, bytes) else str(host)).strip().lower().rstrip(".")
    if name == "" or name in {"localhost", "ip6-localhost", "ip6-loopback"}:
        return True
    if name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "sqlite3.connect":
        _note_database(args[0] if args else None)
    elif event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[1]
        family = getattr(sock, "family", None)
        if family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
            if not _loopback(address[0]):
                raise ConnectionRefusedError(
                    f"the grader allows connections to this machine only; refused {address[0]}"
                )
    elif event in ("socket.getaddrinfo", "socket.gethostbyname") and args:
        if not _loopback(args[0]):
            raise ConnectionRefusedError(
                f"the grader allows connections to this machine only; refused {args[0]}"
            )


def _note_database(database: object) -> None:
    """Which SQLite files the running test opened (in-memory databases are its own anyway)."""
    nodeid = _state["current"]
    if nodeid is None or database is None:
        return
    name = os.fsdecode(database) if isinstance(database, str | bytes | os.PathLike) else ""
    if not name or ":memory:" in name or "mode=memory" in name:
        return
    if name.startswith("file:"):
        name = name[5:].split("?", 1)[0]
    with _lock:
        counts = _tests.setdefault(nodeid, _new_counts())
        counts.setdefault("databases", [])
        path = os.path.abspath(name)
        if path not in counts["databases"]:
            counts["databases"].append(path)


sys.addaudithook(_audit)


# --- cheap Argon2: the grader runs the tests, not a benchmark ---------------------------------


def _cheapen_argon2() -> None:
    try:
        import argon2
    except ImportError:
        return
    original = argon2.PasswordHasher.__init__

    def cheap_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        parameters = self._parameters
        original(
            self,
            time_cost=1,
            memory_cost=1024,
            parallelism=1,
            hash_len=parameters.hash_len,
            salt_len=parameters.salt_len,
            encoding=self.encoding,
            type=parameters.type,
        )

    argon2.PasswordHasher.__init__ = cheap_init  # type: ignore[method-assign]


_cheapen_argon2()


# --- watching every FastAPI app ----------------------------------------------------------------

_original_init = FastAPI.__init__
_original_call = FastAPI.__call__


def _tracked_init(self: FastAPI, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    with _lock:
        _apps.append(self)


def _record(app: FastAPI) -> None:
    nodeid = _state["current"]
    if nodeid is None:
        return
    in_test_thread = threading.current_thread() is threading.main_thread()
    with _lock:
        counts = _tests.setdefault(nodeid, _new_counts())
        counts["async_requests" if in_test_thread else "thread_requests"] += 1
        if app.dependency_overrides:
            counts["override_requests"] += 1


async def _observed_call(self: FastAPI, scope: Scope, receive: Receive, send: Send) -> None:
    if scope.get("type") == "http":
        _record(self)
        mutant = _state["mutant"]
        if mutant:
            await _mutated(mutant, self, scope, receive, send)
            return
    await _original_call(self, scope, receive, send)


FastAPI.__init__ = _tracked_init  # type: ignore[method-assign]
FastAPI.__call__ = _observed_call  # type: ignore[method-assign]


# --- mutants: the app, broken on purpose ---------------------------------------------------------


async def _mutated(name: str, app: FastAPI, scope: Scope, receive: Receive, send: Send) -> None:
    method = scope.get("method", "GET")
    path = scope.get("path", "")
    if name == "created-status" and method == "POST" and path.rstrip("/") == "/api/v1/books":

        async def send_200(message: Message) -> None:
            if message.get("type") == "http.response.start" and message.get("status") == 201:
                message = {**message, "status": 200}
            await send(message)

        await _original_call(app, scope, receive, send_200)
        return
    if (
        name == "no-auth"
        and method in ("POST", "PATCH", "PUT", "DELETE")
        and _BOOKS.match(path)
        and not any(key.lower() == b"authorization" for key, _ in scope.get("headers", []))
    ):
        await _accept_without_token(method, path, receive, send)
        return
    await _original_call(app, scope, receive, send)


async def _accept_without_token(method: str, path: str, receive: Receive, send: Send) -> None:
    """Answer a change to books as a success, without asking who sent it."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if method == "DELETE":
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    try:
        sent = json.loads(body or b"{}")
    except ValueError:
        sent = {}
    book = sent if isinstance(sent, dict) else {}
    author = book.get("author")
    answer = {
        "id": 1,
        "title": book.get("title"),
        "author": {"id": 1, "name": author} if isinstance(author, str) else author,
        "year": book.get("year"),
        "isbn": book.get("isbn"),
        "owner_id": None,
        "created_at": "2026-01-01T00:00:00Z",
    }
    data = json.dumps(answer).encode()
    status = 201 if method == "POST" else 200
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


# --- the report ---------------------------------------------------------------------------------


def _new_counts() -> dict[str, Any]:
    return {"async_requests": 0, "thread_requests": 0, "override_requests": 0, "databases": []}


def _write(data: dict[str, Any]) -> None:
    stream = _state["report"]
    if stream is None:
        return
    stream.write(json.dumps(data) + "\n")
    stream.flush()


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE else text[: _MESSAGE - 1] + "…"


def _why(report: pytest.TestReport | pytest.CollectReport) -> str:
    """The first line of why a test failed: `AssertionError: assert 200 == 201`."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (file, line, reason)
        return _short(str(longrepr[2]))
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None and getattr(crash, "message", ""):
        return _short(crash.message.splitlines()[0] if crash.message else "")
    lines = [line[1:].strip() for line in str(longrepr).splitlines() if line.startswith("E ")]
    if lines:
        return _short(lines[-1])
    text = [line for line in str(longrepr).splitlines() if line.strip()]
    return _short(text[-1] if text else "")


def _name(key: object) -> str:
    return str(getattr(key, "__qualname__", None) or getattr(key, "__name__", None) or repr(key))


def _leaks() -> list[dict[str, Any]]:
    found = []
    with _lock:
        apps = list(_apps)
    for app in apps:
        overrides = app.dependency_overrides
        if not overrides:
            continue
        keys = tuple(sorted(_name(key) for key in list(overrides)))
        mark = (id(app), keys)
        if mark in _seen_leaks:
            continue
        _seen_leaks.add(mark)
        found.append({"app": getattr(app, "title", "FastAPI"), "overrides": list(keys)})
    return found


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grader")
    group.addoption("--grader-report", required=True, help="where to write the events")
    group.addoption("--grader-mutant", default="", choices=["", *MUTANTS], help="break the app")
    group.addoption("--grader-order", default="", choices=["", "reverse"], help="test order")


def pytest_configure(config: pytest.Config) -> None:
    _state["report"] = open(  # open for the whole session, closed at its end
        config.getoption("--grader-report"), "a", encoding="utf-8"
    )
    _state["mutant"] = config.getoption("--grader-mutant")
    _state["reverse"] = config.getoption("--grader-order") == "reverse"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if _state["reverse"]:
        items.reverse()


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _write({"event": "collect-error", "nodeid": report.nodeid, "message": _why(report)})


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None]:
    _state["current"] = item.nodeid
    with _lock:
        _tests[item.nodeid] = {
            **_new_counts(),
            "outcome": "passed",
            "message": "",
            "coroutine": inspect.iscoroutinefunction(getattr(item, "obj", None)),
        }
    try:
        return (yield)
    finally:
        _state["current"] = None
        with _lock:
            record = dict(_tests[item.nodeid])
        _write({"event": "test", "nodeid": item.nodeid, **record, "leaks": _leaks()})


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    with _lock:
        record = _tests.setdefault(report.nodeid, {**_new_counts(), "outcome": "passed"})
        if record.get("outcome") != "passed":
            return  # the first problem is the one to report
        if report.failed:
            record["outcome"] = "failed" if report.when == "call" else "error"
            record["message"] = (
                _why(report) if report.when == "call" else f"in {report.when}: {_why(report)}"
            )
        elif report.skipped:
            record["outcome"] = "skipped"
            record["message"] = _why(report)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _write({"event": "end", "exitstatus": int(exitstatus), "collected": session.testscollected})
    stream = _state["report"]
    if stream is not None:
        stream.close()
        _state["report"] = None
