"""Phase 4 — Honest status codes and errors. One test per check in course.toml, in order."""

from __future__ import annotations

import logging
import re
import sys
import traceback
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from grader.kit import CheckFailed, describe_response, expect, json_body

# A number no test creates: far above any id a fresh store hands out.
MISSING_ID = 987_654


def isbn13(serial: int) -> str:
    """A valid ISBN-13 (978 prefix, correct check digit) made from `serial`."""
    body = f"978{serial % 10**9:09d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def new_book(isbn: str | None = None, title: str = "The Left Hand of Darkness") -> dict[str, Any]:
    book: dict[str, Any] = {"title": title, "author": "Ursula K. Le Guin", "year": 1969}
    if isbn is not None:
        book["isbn"] = isbn
    return book


def new_user(name: str = "adalovelace", email: str | None = None) -> dict[str, Any]:
    return {
        "username": name,
        "email": email or f"{name}@example.com",
        "password": "correct-horse-battery",
    }


def created(client: TestClient, path: str, payload: dict[str, Any], what: str) -> dict[str, Any]:
    """POST `payload` and return the created resource; any 2xx will do here."""
    response = client.post(path, json=payload)
    expect(
        200 <= response.status_code < 300,
        expected=f"POST {path} with {what} to succeed",
        seen=describe_response(response),
    )
    body = json_body(response, f"the new {what}")
    expect(
        isinstance(body, dict) and "id" in body,
        expected=f"the new {what} as a JSON object with an `id`",
        seen=f"the body {body!r}",
    )
    return body


def expect_error(response: Any, status: int, request: str) -> Any:
    """The response is `status` with a JSON {"detail": ...} body; returns the detail."""
    expect(
        response.status_code == status,
        expected=f"{request} to answer {status}",
        seen=describe_response(response),
    )
    body = json_body(response, f"the {status} answer to {request}")
    expect(
        isinstance(body, dict) and "detail" in body,
        expected=f'the {status} body to have the shape {{"detail": ...}}',
        seen=f"the body {body!r}",
    )
    return body["detail"]


def named_fields(detail: Any) -> set[str]:
    """Every string that appears in the `loc` of a list of validation errors."""
    names: set[str] = set()
    if isinstance(detail, list):
        for error in detail:
            if isinstance(error, dict) and isinstance(error.get("loc"), list):
                names.update(part for part in error["loc"] if isinstance(part, str))
    return names


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def add_crashing_route(app: FastAPI, secret: str) -> str:
    """Add a route that fails the way real bugs do, and return its path."""
    path = f"/grader-crash-{uuid.uuid4().hex[:8]}"

    async def crash() -> dict[str, str]:
        raise RuntimeError(secret)

    app.add_api_route(path, crash, methods=["GET"])
    return path


@contextmanager
def unguarded_client(app: FastAPI) -> Iterator[TestClient]:
    """A client that shows a 500 as the client would see it, instead of raising it."""
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


# How every formatted traceback starts, whichever library formatted it.
TRACEBACK = "Traceback (most recent call last)"


@dataclass(frozen=True)
class LogEvent:
    """One log call, whichever library made it: its level and its text, traceback included."""

    levelno: int
    levelname: str
    text: str
    # It asked for the exception being handled (`exc_info=True`, `logger.exception()`) at a
    # moment when none was: in a worker thread, say, as in a plain `def` handler.
    lost_exception: bool = False

    @property
    def has_traceback(self) -> bool:
        return TRACEBACK in self.text


def resolve_exc_info(exc_info: Any) -> Any:
    """`exc_info` as logging libraries read it: True means the exception being handled."""
    return sys.exc_info() if exc_info is True else exc_info


def is_lost(exc_info: Any) -> bool:
    return isinstance(exc_info, tuple) and len(exc_info) == 3 and exc_info[1] is None


def traceback_text(exc_info: Any) -> str:
    """The formatted traceback for `exc_info` (an exception, or a tuple), or ''."""
    if isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    if isinstance(exc_info, tuple) and len(exc_info) == 3 and exc_info[1] is not None:
        return "".join(traceback.format_exception(*exc_info))
    return ""


class _Collect(logging.Handler):
    def __init__(self, events: list[LogEvent]) -> None:
        super().__init__(logging.NOTSET)
        self.events = events

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        text += "\n" + traceback_text(record.exc_info) + "\n" + (record.exc_text or "")
        lost = is_lost(record.exc_info)
        self.events.append(LogEvent(record.levelno, record.levelname, text, lost))


@contextmanager
def _stdlib_logs(events: list[LogEvent]) -> Iterator[None]:
    """Records of the standard library's logging, even from loggers that do not propagate."""
    collector = _Collect(events)
    loggers = [logging.getLogger()] + [
        item
        for item in logging.Logger.manager.loggerDict.values()
        if isinstance(item, logging.Logger) and not item.propagate
    ]
    for logger in loggers:
        logger.addHandler(collector)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeHandler(collector)


# structlog's method names, as levels.
STRUCTLOG_LEVELS = {
    "critical": logging.CRITICAL,
    "fatal": logging.CRITICAL,
    "exception": logging.ERROR,
    "error": logging.ERROR,
    "err": logging.ERROR,
    "failure": logging.ERROR,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "info": logging.INFO,
    "msg": logging.INFO,
    "debug": logging.DEBUG,
}


@contextmanager
def _structlog_events(events: list[LogEvent]) -> Iterator[None]:
    """structlog's events, seen by a processor put first in the learner's own chain.

    It sees every event before the learner's processors render it, whatever they render to
    (the standard library, stdout, JSON), and passes it on unchanged.
    """
    structlog: Any = sys.modules["structlog"]

    def tap(_logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
        level = STRUCTLOG_LEVELS.get(method_name)
        if level is None:
            level = STRUCTLOG_LEVELS.get(str(event_dict.get("level", "")).lower(), logging.INFO)
        text = " ".join(f"{key}={value}" for key, value in event_dict.items())
        exc_info = resolve_exc_info(event_dict.get("exc_info"))
        text += "\n" + traceback_text(exc_info)
        if isinstance(event_dict.get("exception"), str):
            text += "\n" + event_dict["exception"]
        events.append(LogEvent(level, logging.getLevelName(level), text, is_lost(exc_info)))
        return event_dict

    processors = structlog.get_config()["processors"]
    if isinstance(processors, list):
        # In place, so that loggers the learner's code has already bound (and cached) see it.
        processors.insert(0, tap)
        try:
            yield
        finally:
            processors.remove(tap)
    else:
        structlog.configure(processors=[tap, *processors])
        try:
            yield
        finally:
            structlog.configure(processors=processors)


@contextmanager
def _loguru_events(events: list[LogEvent]) -> Iterator[None]:
    """loguru's messages, through a sink of our own beside the learner's."""
    from loguru import logger

    def sink(message: Any) -> None:
        record = message.record
        text = str(record["message"])
        if record["exception"] is not None:
            text += "\n" + traceback_text(tuple(record["exception"]))
        events.append(LogEvent(record["level"].no, record["level"].name, text))

    sink_id = logger.add(sink, level=0, format="{message}", backtrace=False, diagnose=False)
    try:
        yield
    finally:
        logger.remove(sink_id)


@contextmanager
def captured_logs() -> Iterator[list[LogEvent]]:
    """Every log call made meanwhile: the standard library's, structlog's and loguru's."""
    events: list[LogEvent] = []
    with ExitStack() as stack:
        stack.enter_context(_stdlib_logs(events))
        if "structlog" in sys.modules:
            stack.enter_context(_structlog_events(events))
        if "loguru" in sys.modules:
            stack.enter_context(_loguru_events(events))
        yield events


# --- the checks, in catalogue order ---------------------------------------------------------


def test_create_returns_201(client: TestClient) -> None:
    for path, payload, what in (
        ("/books", new_book(isbn13(1)), "a book"),
        ("/users", new_user(), "a user"),
    ):
        response = client.post(path, json=payload)
        expect(
            response.status_code == 201,
            expected=f"POST {path} that creates {what} to answer 201 Created",
            seen=describe_response(response),
        )
        body = json_body(response, f"the new {what}")
        expect(
            isinstance(body, dict) and "id" in body,
            expected=f"the 201 body to be the new {what}, with its `id`",
            seen=f"the body {body!r}",
        )


def test_delete_returns_204(client: TestClient) -> None:
    book = created(client, "/books", new_book(isbn13(2)), "a book")
    response = client.delete(f"/books/{book['id']}")
    expect(
        response.status_code == 204,
        expected="DELETE /books/{id} of an existing book to answer 204 No Content",
        seen=describe_response(response),
    )
    expect(
        response.content == b"",
        expected="a 204 with an empty body",
        seen=f"a body of {len(response.content)} bytes: {describe_response(response)}",
    )
    after = client.get(f"/books/{book['id']}")
    expect(
        after.status_code == 404,
        expected="the deleted book to be gone (GET /books/{id} answers 404)",
        seen=describe_response(after),
    )
    listed = json_body(client.get("/books"), "the book list")
    expect(
        isinstance(listed, list) and all(item.get("id") != book["id"] for item in listed),
        expected="the deleted book to be missing from GET /books",
        seen=f"the list {listed!r}",
    )


def test_missing_returns_404(client: TestClient) -> None:
    for method, path in (
        ("GET", f"/books/{MISSING_ID}"),
        ("GET", f"/users/{MISSING_ID}"),
        ("DELETE", f"/books/{MISSING_ID}"),
    ):
        response = client.request(method, path)
        expect_error(response, 404, f"{method} {path} (no such id)")
    book = created(client, "/books", new_book(isbn13(3)), "a book")
    client.delete(f"/books/{book['id']}")
    expect_error(client.delete(f"/books/{book['id']}"), 404, "a second DELETE of the same book")


def test_duplicate_isbn_409(client: TestClient) -> None:
    isbn = isbn13(4)
    created(client, "/books", new_book(isbn), "a book")
    again = client.post("/books", json=new_book(isbn, title="A Different Title"))
    expect_error(again, 409, "POST /books with an ISBN that is already stored")
    listed = json_body(client.get("/books"), "the book list")
    same = [item for item in listed if isinstance(item, dict) and item.get("isbn") == isbn]
    expect(
        len(same) == 1,
        expected="the rejected duplicate not to be stored (one book with that ISBN)",
        seen=f"{len(same)} books with ISBN {isbn}",
    )
    for title in ("No ISBN, First", "No ISBN, Second"):
        response = client.post("/books", json=new_book(None, title=title))
        expect(
            200 <= response.status_code < 300,
            expected="books without an ISBN never to conflict with each other (each is created)",
            seen=describe_response(response),
        )


def test_duplicate_user_409(client: TestClient) -> None:
    created(client, "/users", new_user("gracehopper"), "a user")
    cases = (
        (new_user("gracehopper", "someone.else@example.com"), "a username that is taken"),
        (new_user("notgrace", "gracehopper@example.com"), "an email that is taken"),
    )
    for payload, what in cases:
        expect_error(client.post("/users", json=payload), 409, f"POST /users with {what}")
    users = json_body(client.get("/users"), "the user list")
    expect(
        isinstance(users, list) and len(users) == 1,
        expected="the rejected sign-ups not to be stored (one user in GET /users)",
        seen=f"{len(users) if isinstance(users, list) else users!r} users",
    )


def test_schema_documents_status_codes(client: TestClient) -> None:
    response = client.get("/openapi.json")
    expect(
        response.status_code == 200,
        expected="the OpenAPI schema at /openapi.json",
        seen=describe_response(response),
    )
    paths: dict[str, Any] = json_body(response, "the OpenAPI schema").get("paths", {})
    # The one path `/books/{...}` that has a DELETE, whatever its parameter is called.
    item_path = next(
        (p for p in paths if re.fullmatch(r"/books/\{[^/}]+\}", p) and "delete" in paths[p]),
        None,
    )
    wanted = [("post", "/books", "201"), ("post", "/users", "201")]
    if item_path is not None:
        wanted.append(("delete", item_path, "204"))
    for method, path, code in wanted:
        responses = paths.get(path, {}).get(method, {}).get("responses", {})
        expect(
            code in responses,
            expected=f"the schema to document {code} for {method.upper()} {path}",
            seen=f"it documents {', '.join(sorted(responses)) or 'no such operation'}",
        )
    expect(
        item_path is not None,
        expected="DELETE /books/{book_id} in the schema",
        seen=f"no DELETE operation under /books/{{...}}; paths: {sorted(paths)}",
    )


def test_validation_hides_password(client: TestClient) -> None:
    short = "Pw!" + uuid.uuid4().hex[:4]  # 7 characters: too short to be accepted
    response = client.post(
        "/users",
        json={"username": "shortpassword", "email": "not-an-email", "password": short},
    )
    detail = expect_error(response, 422, "a sign-up with a bad email and a 7-character password")
    expect(
        short not in response.text,
        expected="the 422 body never to repeat the password that was sent",
        seen=f"the password {short!r} in the body: {describe_response(response)}",
    )
    fields = named_fields(detail)
    expect(
        {"password", "email"} <= fields,
        expected="the 422 detail to name `password` and `email` in the errors' `loc`",
        seen=f"the fields named: {sorted(fields) or 'none'}; detail {detail!r}"[:200],
    )
    good = "long-enough-" + uuid.uuid4().hex[:10]
    response = client.post("/users", json={"username": "noemail", "password": good})
    detail = expect_error(response, 422, "a sign-up with no email at all")
    expect(
        good not in response.text,
        expected="a 422 never to repeat the password, even when another field is missing",
        seen=f"the password {good!r} in the body: {describe_response(response)}",
    )
    expect(
        "email" in named_fields(detail),
        expected="the 422 detail to name the missing `email` in an error's `loc`",
        seen=f"the detail {detail!r}"[:200],
    )


def test_validation_errors_useful(client: TestClient) -> None:
    marker = "Rejected" + uuid.uuid4().hex
    long_title = (marker + " ") * 12  # far over any sensible title length
    bad_year = 987_654_321
    payload = {"title": long_title, "author": "Someone", "year": bad_year}
    response = client.post("/books", json=payload)
    detail = expect_error(
        response, 422, "POST /books with a far too long title and the year 987654321"
    )
    expect(
        isinstance(detail, list) and detail,
        expected="the 422 detail to be a list of errors, one per failing field",
        seen=f"the detail {detail!r}"[:200],
    )
    for error in detail:
        expect(
            isinstance(error, dict)
            and isinstance(error.get("loc"), list)
            and isinstance(error.get("msg"), str)
            and isinstance(error.get("type"), str),
            expected="every error in the 422 detail to keep `loc`, `msg` and `type`",
            seen=f"the error {error!r}"[:200],
        )
    fields = named_fields(detail)
    expect(
        {"title", "year"} <= fields,
        expected="the 422 detail to name both failing fields, `title` and `year`",
        seen=f"the fields named: {sorted(fields) or 'none'}",
    )
    expect(
        marker not in response.text and str(bad_year) not in response.text,
        expected="the 422 body not to echo the rejected values back",
        seen=f"the rejected input in the body: {describe_response(response)}",
    )


def test_server_error_generic(app: FastAPI) -> None:
    secret = f"grader-secret-{uuid.uuid4().hex}"
    path = add_crashing_route(app, secret)
    with unguarded_client(app) as client:
        response = client.get(path)
    expect_error(response, 500, "a route that raises RuntimeError")
    for leak, what in ((secret, "the exception's message"), ("Traceback", "a traceback")):
        expect(
            leak not in response.text,
            expected="a generic 500 body that tells the client nothing about the bug",
            seen=f"{what} in the body: {describe_response(response)}",
        )
    expect(
        "RuntimeError" not in response.text,
        expected="a generic 500 body that tells the client nothing about the bug",
        seen=f"the exception's type in the body: {describe_response(response)}",
    )


def test_server_error_logged(app: FastAPI) -> None:
    secret = f"grader-secret-{uuid.uuid4().hex}"
    path = add_crashing_route(app, secret)
    with captured_logs() as events, unguarded_client(app) as client:
        response = client.get(path)
    expect(
        response.status_code == 500,
        expected="a route that raises RuntimeError to answer 500",
        seen=describe_response(response),
    )
    telling = [event for event in events if secret in event.text]
    if not telling and any(event.lost_exception for event in events):
        raise CheckFailed(
            expected="the unexpected error logged, with its traceback",
            seen="a record that asked for the exception when none was being handled "
            "(`logger.exception()` in a plain `def` handler?); pass `exc_info=exc`",
        )
    expect(
        telling,
        expected="the unexpected error logged, with its traceback",
        seen=f"{plural(len(events), 'log record')}, none mentioning the exception"
        if events
        else "no log record at all",
    )
    serious = [event for event in telling if event.levelno >= logging.ERROR]
    expect(
        serious,
        expected="the unexpected error logged at ERROR level (or above)",
        seen="it was logged at " + ", ".join(sorted({event.levelname for event in telling})),
    )
    first = " ".join(serious[0].text.split())
    expect(
        any(event.has_traceback for event in serious),
        expected="the ERROR record to carry the exception's traceback, not only its message",
        seen=f"no traceback in {first[:100]!r}",
    )


def test_one_error_shape(app: FastAPI) -> None:
    crash = add_crashing_route(app, f"grader-secret-{uuid.uuid4().hex}")
    with unguarded_client(app) as client:
        isbn = isbn13(5)
        created(client, "/books", new_book(isbn), "a book")
        created(client, "/users", new_user("katherine"), "a user")
        requests: list[tuple[str, str, str, Any]] = [
            ("GET /no-such-path", "GET", "/no-such-path", None),
            ("PATCH /health (a method the route lacks)", "PATCH", "/health", None),
            (f"GET /books/{MISSING_ID}", "GET", f"/books/{MISSING_ID}", None),
            ("POST /books with an empty object", "POST", "/books", {}),
            ("a route that raises RuntimeError", "GET", crash, None),
            ("POST /books with a taken ISBN", "POST", "/books", new_book(isbn)),
            ("POST /users with a taken username", "POST", "/users", new_user("katherine")),
        ]
        for what, method, path, payload in requests:
            response = client.request(method, path, json=payload)
            expect(
                400 <= response.status_code < 600,
                expected=f"{what} to answer with an error status (4xx or 5xx)",
                seen=describe_response(response),
            )
            try:
                body = json_body(response, f"the error for {what}")
            except CheckFailed as failure:
                raise CheckFailed(
                    expected=f'every error as JSON {{"detail": ...}}, including {what}',
                    seen=failure.seen,
                ) from None
            expect(
                isinstance(body, dict) and "detail" in body,
                expected=f'every error as JSON {{"detail": ...}}, including {what}',
                seen=f"the body {body!r}"[:200],
            )
