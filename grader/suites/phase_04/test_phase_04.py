"""Phase 4 — Honest status codes and errors. One test per check in course.toml, in order.

Each failing step carries its own hint (and section, where it differs from the check's): a
DELETE that answers 204 but leaves the book in the store reads about removing it, not about
adding the route. A mistake that fails several checks (a handler that forgets its status code,
no handler for crashes, a 422 that still echoes its input...) is a `Cause`, reported once.
"""

from __future__ import annotations

import json
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
from fastapi.responses import JSONResponse

from grader.kit import (
    Cause,
    CheckFailed,
    GradingClient,
    describe_response,
    expect,
    json_body,
    load_app,
    where_in_target,
)

# A number no test creates: far above any id a fresh store hands out.
MISSING_ID = 987_654
# The learner's package: an exception of a class defined there is one of their domain errors.
PACKAGE = "bookapi"

# Sections of this phase's page that hints point to.
CREATED = "201-created"
NO_CONTENT = "204-no-content"
NOT_FOUND = "404-not-found"
CONFLICT = "409-conflict"
DOMAIN = "httpexception-or-domain-exceptions"
SHAPE = "one-error-shape-everywhere"
SECRETS = "validation-errors-that-keep-secrets"
USEFUL = "what-a-422-must-still-say"
GENERIC = "unexpected-errors-generic-outside-detailed-inside"

# --- mistakes that fail several checks: each is reported once, above the checks -------------

BOOK_NOT_CREATED = Cause(
    id="book-not-created",
    hint="POST /books must store a valid book and answer 2xx with it, `id` included: the checks "
    "for DELETE, 404, 409 and the error shape all start by creating one. Fix the answer shown "
    "first (a 409 here means your duplicate check fires for an ISBN nobody has stored).",
    anchor=CREATED,
)
USER_NOT_CREATED = Cause(
    id="user-not-created",
    hint="POST /users must store a valid sign-up and answer 2xx with the public user, `id` "
    "included: the 409 and error-shape checks start by creating one. Fix the answer shown first "
    "(a 409 here means your duplicate check fires for a name nobody has taken).",
    anchor=CREATED,
)
ERROR_AS_SUCCESS = Cause(
    id="error-answered-2xx",
    hint="An error went out with a success status: an exception handler must pass `status_code=` "
    "to its `JSONResponse` (the default is 200), and a route must raise its error, not return "
    "it. Caches, retries and dashboards all take a 2xx at its word.",
    anchor=DOMAIN,
)
ERROR_SHAPE = Cause(
    id="error-shape",
    hint='Every error answers JSON `{"detail": ...}`: each exception handler (and a catch-all '
    "middleware, if you use one) returns a `JSONResponse` with a `detail` key, the shape "
    "FastAPI's own 404, 405 and 422 already use.",
    anchor=SHAPE,
)
DOMAIN_UNHANDLED = Cause(
    id="domain-error-unhandled",
    hint="Your service raised its own exception (shown) and nothing turned it into a response: "
    "register an `@app.exception_handler` for your domain errors (NotFound → 404, Conflict → "
    "409, or one for their common base) on the app the routes belong to.",
    anchor=DOMAIN,
)
MISSING_NOT_404 = Cause(
    id="missing-not-404",
    hint="A book or user that does not exist (never created, or deleted) answers 404 with "
    '`{"detail": ...}`, never another code and never a crash: raise `BookNotFound` / '
    "`UserNotFound` when the store has nothing, and map `NotFound` to 404 in its handler.",
    anchor=NOT_FOUND,
)
DELETE_MISSING = Cause(
    id="delete-route-missing",
    hint="There is no DELETE route for `/books/{book_id}` yet: add `@app.delete(...)` with "
    "`status_code=status.HTTP_204_NO_CONTENT`, returning `None`; it removes the book, or "
    "answers 404 when there is none.",
    anchor=NO_CONTENT,
)
ISBN_NOT_CHECKED = Cause(
    id="duplicate-isbn-stored",
    hint="A second book with a stored ISBN was accepted: in `create_book`, look the ISBN up "
    "(`store.with_isbn`) before adding, and raise a `Conflict` that your handler maps to 409.",
    anchor=CONFLICT,
)
USERNAME_NOT_CHECKED = Cause(
    id="taken-username-stored",
    hint="A sign-up with a taken username was accepted: in `create_user`, look the username and "
    "the email up (`user_store.with_username`, `user_store.with_email`) before hashing and "
    "adding, and raise a `Conflict` that your handler maps to 409.",
    anchor=CONFLICT,
)
CONFLICT_STATUS = Cause(
    id="conflict-not-409",
    hint="A request that clashes with stored data is a conflict, not invalid data and not a "
    "server error: map `Conflict` (DuplicateBook, DuplicateUser) to 409 in its handler, or "
    "raise `HTTPException(409)`.",
    anchor=CONFLICT,
)
VALIDATION_STATUS = Cause(
    id="validation-not-422",
    hint="Every invalid request answers 422 (`status.HTTP_422_UNPROCESSABLE_CONTENT`) through "
    "your `RequestValidationError` handler: it must build its body from `exc.errors()` without "
    "crashing, and set that status itself.",
    anchor=SECRETS,
)
ECHOES_INPUT = Cause(
    id="422-echoes-input",
    hint="Your 422 still repeats what the client sent: each error's `input` holds the rejected "
    "value, or the whole body when a field is missing, passwords included. In your "
    "`RequestValidationError` handler keep `loc`, `msg` and `type` of every error (and `ctx`, "
    "made JSON-safe, if you like), and drop `input` (and `url`).",
    anchor=SECRETS,
)
VAGUE_422 = Cause(
    id="vague-422",
    hint='Your 422 no longer says which field failed: keep `{"detail": [...]}`, a list with one '
    "entry per error and its `loc`, `msg` and `type`; drop only what repeats the input.",
    anchor=USEFUL,
)
NO_500_HANDLER = Cause(
    id="no-500-handler",
    hint="A crash got Starlette's own plain-text `Internal Server Error`: nothing of yours "
    "answered it. Register `@app.exception_handler(Exception)` (or a catch-all middleware) that "
    'logs the exception at ERROR and answers a generic JSON 500 `{"detail": ...}`.',
    anchor=GENERIC,
)
DEBUG_MODE = Cause(
    id="debug-mode",
    hint="The app is created with `debug=True`: Starlette then answers every crash with its "
    "traceback and never calls your `Exception` handler. Remove `debug=True`; it is for your own "
    "machine only.",
    anchor=GENERIC,
)
CRASH_NOT_500 = Cause(
    id="crash-not-500",
    hint="An unexpected exception is the server's fault: your `Exception` handler (or catch-all "
    "middleware) must answer 500 (`status.HTTP_500_INTERNAL_SERVER_ERROR`), so that clients "
    "know the same request may work later.",
    anchor=GENERIC,
)


CTX_NOT_JSON_HINT = (
    "A validator's own error carries the exception it raised in `ctx` (`{'error': "
    "ValueError(...)}`), which JSON cannot hold, so building the 422 crashed: turn each `ctx` "
    "value that is not a string, number or bool into its text, or drop `ctx`."
)
# Where a 422 repeated a value the client sent, and what to do about it.
ECHO_ADVICE: dict[str, tuple[str, str]] = {
    "msg": (
        "An error's `msg` quotes the value: a validator of yours puts it in its message "
        '(`ValueError(f"{value!r} ...")`). Say what is wrong, never what was sent.',
        USEFUL,
    ),
    "ctx": (
        "An error's `ctx` carries the value: a validator of yours puts it in the error's "
        "context. Keep values out of what your validators raise (or drop `ctx` in the handler).",
        SECRETS,
    ),
    "elsewhere": (
        "The 422 repeats the value outside the errors' `input`: build each error from `loc`, "
        "`msg`, `type` (and `ctx`), and add nothing the client sent.",
        SECRETS,
    ),
}


# What a success status means in `one_error_shape`, where a cause does not say it already.
UNKNOWN_PATH_ANSWERED = (
    "An unknown path must answer FastAPI's own 404: a catch-all route (such as "
    '`@app.get("/{anything}")`) answers it instead.',
    "phase-1#when-no-route-matches",
)
METHOD_ANSWERED = (
    "A method the path does not declare must answer FastAPI's own 405: declare only the methods "
    "a route really supports.",
    "phase-1#when-no-route-matches",
)
EMPTY_BOOK_ACCEPTED = (
    "An empty book was accepted: keep `title`, `author` and `year` required in `BookCreate`.",
    "phase-2#request-bodies-with-pydantic",
)


# --- requests and answers ---------------------------------------------------------------------


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


def send(
    client: GradingClient,
    method: str,
    path: str,
    *,
    json: Any = None,
    expected: str,
    hint: str | None = None,
    anchor: str | None = None,
    cause: Cause | None = None,
) -> Any:
    """`client.request`, with an exception from the learner's code failing this step kindly.

    The shared client raises what the app raised. One of the learner's own exceptions is a
    domain error no handler answered; any other fails the step with its `hint` (or `cause`).
    Warnings and memory errors go on to the kit, which names them (a deprecated API, memory).
    """
    try:
        return client.request(method, path, json=json)
    except (Warning, MemoryError):
        raise
    except Exception as error:
        name = type(error).__name__
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        where = where_in_target(error.__traceback__)
        raised = f"{name}{': ' + first[:160] if first else ''}{where}"
        if type(error).__module__.split(".")[0] == PACKAGE:
            raise CheckFailed(
                expected=expected,
                seen=f"{method} {path} raised {raised}, and no exception handler answered it",
                cause=DOMAIN_UNHANDLED,
            ) from None
        raise CheckFailed(
            expected=expected,
            seen=f"{method} {path} made your code raise {raised}",
            hint=hint,
            anchor=anchor,
            cause=cause,
        ) from None


def is_success(response: Any) -> bool:
    return 200 <= response.status_code < 300


def dressed_as_success(response: Any) -> bool:
    """A 2xx whose body is an error's `{"detail": ...}`: a handler that forgot its status."""
    if not is_success(response):
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and "detail" in body and "id" not in body


def created(
    client: GradingClient, path: str, payload: dict[str, Any], what: str, cause: Cause
) -> dict[str, Any]:
    """POST `payload` and return the created resource; any 2xx will do here."""
    expected = f"POST {path} with {what} to succeed (any 2xx), returning it with its `id`"
    response = send(client, "POST", path, json=payload, expected=expected, cause=cause)
    expect(is_success(response), expected=expected, seen=describe_response(response), cause=cause)
    try:
        body = json_body(response, f"the new {what}")
    except CheckFailed as failure:
        raise CheckFailed(expected=expected, seen=failure.seen, cause=cause) from None
    expect(
        isinstance(body, dict) and "id" in body,
        expected=expected,
        seen=f"the body {body!r}"[:200],
        cause=cause,
    )
    return body


def error_detail(
    response: Any,
    status: int,
    request: str,
    *,
    hint: str | None = None,
    anchor: str | None = None,
    cause: Cause | None = None,
) -> Any:
    """`response` is `status` with a JSON {"detail": ...} body; returns the detail.

    A 2xx carrying an error's body is a handler without its status code (a shared cause); any
    other wrong status fails with this step's `hint` (or `cause`); a body of another shape is
    the error-shape cause.
    """
    expected = f"{request} to answer {status}"
    if response.status_code != status and dressed_as_success(response):
        raise CheckFailed(
            expected=expected, seen=describe_response(response), cause=ERROR_AS_SUCCESS
        )
    expect(
        response.status_code == status,
        expected=expected,
        seen=describe_response(response),
        hint=hint,
        anchor=anchor,
        cause=cause,
    )
    return detail_of(response, f"the {status} answer to {request}")


def detail_of(response: Any, what: str) -> Any:
    """The `detail` of an error's JSON body; any other body is the error-shape cause."""
    try:
        body = json_body(response, what)
    except CheckFailed as failure:
        raise CheckFailed(
            expected=f'{what} as JSON {{"detail": ...}}',
            seen=failure.seen,
            cause=ERROR_SHAPE,
        ) from None
    expect(
        isinstance(body, dict) and "detail" in body,
        expected=f'{what} to have the shape {{"detail": ...}}',
        seen=f"the body {body!r}"[:200],
        cause=ERROR_SHAPE,
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


def locates_errors(detail: Any) -> bool:
    """Whether `detail` is a list of errors that each say where (`loc`): not a vague message."""
    return (
        isinstance(detail, list)
        and bool(detail)
        and all(isinstance(error, dict) and isinstance(error.get("loc"), list) for error in detail)
    )


def keeps_input(detail: Any) -> bool:
    """Whether the errors still carry FastAPI's `input`, where the rejected values live."""
    return isinstance(detail, list) and any(
        isinstance(error, dict) and "input" in error for error in detail
    )


def echoed_in(detail: Any, value: str) -> str | None:
    """Which key of a 422's errors repeats `value` (`input` first, then `msg`, `ctx`, any other),
    or None when no error does (it may still be elsewhere in the body)."""
    if not isinstance(detail, list):
        return None
    for error in detail:
        if isinstance(error, dict):
            for key in ("input", "msg", "ctx", *error):
                if key in error and value in json.dumps(error[key], default=str):
                    return key
    return None


def expect_not_echoed(response: Any, detail: Any, value: str, expected: str, what: str) -> None:
    """The 422 `response` repeats `value` nowhere; when it does, the hint names where."""
    place = echoed_in(detail, value)
    hint, anchor = ECHO_ADVICE.get(place or "", ECHO_ADVICE["elsewhere"])
    expect(
        value not in response.text,
        expected=expected,
        seen=f"{what} in the body"
        + (f", in an error's `{place}`" if place else "")
        + f": {describe_response(response)}",
        hint=hint,
        anchor=anchor,
        cause=ECHOES_INPUT if place == "input" else None,
    )


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def add_crashing_route(app: FastAPI, secret: str) -> str:
    """Add a route that fails the way real bugs do, and return its path."""
    path = f"/grader-crash-{uuid.uuid4().hex[:8]}"

    async def crash() -> dict[str, str]:
        raise RuntimeError(secret)

    app.add_api_route(path, crash, methods=["GET"])
    return path


def starlette_default_500(response: Any) -> bool:
    """Starlette's own answer to a crash nothing handled: plain text, `Internal Server Error`."""
    return (
        response.status_code == 500
        and "text/plain" in response.headers.get("content-type", "")
        and response.text.strip() == "Internal Server Error"
    )


def crash_cause(app: FastAPI, response: Any) -> Cause | None:
    """The shared cause behind a crash answered without the learner's handler, if any."""
    content_type = response.headers.get("content-type", "")
    if app.debug and "json" not in content_type and "Traceback" in response.text:
        return DEBUG_MODE
    if starlette_default_500(response):
        return NO_500_HANDLER
    return None


@contextmanager
def unguarded_client(app: FastAPI) -> Iterator[GradingClient]:
    """A client that shows a 500 as the client would see it, instead of raising it."""
    with GradingClient(app, raise_server_exceptions=False) as client:
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


def test_create_returns_201(client: GradingClient) -> None:
    for path, payload, noun, cause in (
        ("/books", new_book(isbn13(1)), "book", BOOK_NOT_CREATED),
        ("/users", new_user(), "user", USER_NOT_CREATED),
    ):
        what = f"a {noun}"
        expected = f"POST {path} that creates {what} to answer 201 Created"
        response = send(client, "POST", path, json=payload, expected=expected, cause=cause)
        # Not created at all blocks other checks too; created with the wrong code is this one's.
        expect(
            response.status_code == 201,
            expected=expected,
            seen=describe_response(response),
            cause=None if is_success(response) else cause,
        )
        body = json_body(response, f"the new {what}")
        expect(
            isinstance(body, dict) and "id" in body,
            expected=f"the 201 body to be the new {what}, with its `id`",
            seen=f"the body {body!r}"[:200],
            hint=f"Return the stored {noun} from POST {path} (its public model, `id` "
            "included): a 201's body is the new resource, so the client need not ask again.",
        )


def test_delete_returns_204(client: GradingClient) -> None:
    book = created(client, "/books", new_book(isbn13(2)), "a book", BOOK_NOT_CREATED)
    target = f"/books/{book['id']}"
    expected = f"DELETE {target} of an existing book to answer 204 No Content"
    response = send(client, "DELETE", target, expected=expected)
    if response.status_code == 405:
        raise CheckFailed(expected=expected, seen=describe_response(response), cause=DELETE_MISSING)
    expect(
        response.status_code == 204,
        expected=expected,
        seen=describe_response(response),
        hint=f"The DELETE route answers {response.status_code}: declare "
        "`status_code=status.HTTP_204_NO_CONTENT` in its decorator and return `None`."
        if is_success(response)
        else f"DELETE {target} must find the book POST /books just stored (the id in the "
        "path, the same store) and remove it: fix the answer shown.",
    )
    expect(
        response.content == b"",
        expected="a 204 with an empty body",
        seen=f"a body of {len(response.content)} bytes: {describe_response(response)}",
        hint="A 204 has no body at all: return `None` and let `status_code=204` in the decorator "
        "do the rest. A response you build yourself, even `JSONResponse(None, ...)`, still sends "
        "one (`null` is 4 bytes).",
    )
    # The book must be gone: GET answers 404 now, as it does for any book that does not exist.
    gone = f"the deleted book to be gone (GET {target} answers 404)"
    after = send(client, "GET", target, expected=gone, cause=MISSING_NOT_404)
    if after.status_code != 404 and dressed_as_success(after):
        raise CheckFailed(expected=gone, seen=describe_response(after), cause=ERROR_AS_SUCCESS)
    expect(
        after.status_code == 404,
        expected=gone,
        seen=describe_response(after),
        hint=f"DELETE {target} answered 204, but the book is still stored: the delete must "
        "remove it from the store (`store.remove`), so that GET answers 404, GET /books no "
        "longer lists it, and a second DELETE answers 404.",
        anchor=NO_CONTENT,
        cause=None if is_success(after) else MISSING_NOT_404,
    )
    listed = json_body(client.get("/books"), "the book list")
    expect(
        isinstance(listed, list)
        and all(isinstance(item, dict) and item.get("id") != book["id"] for item in listed),
        expected="the deleted book to be missing from GET /books",
        seen=f"the list {listed!r}"[:200],
        hint=f"GET {target} answers 404, yet GET /books still lists the book: remove it from "
        "the store itself, rather than hiding it from one route.",
        anchor=NO_CONTENT,
    )


def test_missing_returns_404(client: GradingClient) -> None:
    for path in (f"/books/{MISSING_ID}", f"/users/{MISSING_ID}"):
        request = f"GET {path} (no such id)"
        response = send(
            client, "GET", path, expected=f"{request} to answer 404", cause=MISSING_NOT_404
        )
        error_detail(response, 404, request, cause=MISSING_NOT_404)
    expect_delete_404(client, f"/books/{MISSING_ID}", f"DELETE /books/{MISSING_ID} (no such id)")
    book = created(client, "/books", new_book(isbn13(3)), "a book", BOOK_NOT_CREATED)
    path = f"/books/{book['id']}"
    send(client, "DELETE", path, expected=f"the first DELETE {path} to succeed")
    expect_delete_404(client, path, f"a second DELETE {path} of the same book")


def expect_delete_404(client: GradingClient, path: str, request: str) -> None:
    """DELETE `path`, where there is no book, answers 404 with a `detail`."""
    response = send(
        client, "DELETE", path, expected=f"{request} to answer 404", cause=MISSING_NOT_404
    )
    if response.status_code == 405:
        raise CheckFailed(
            expected=f"{request} to answer 404",
            seen=describe_response(response),
            cause=DELETE_MISSING,
        )
    error_detail(
        response,
        404,
        request,
        hint=f"DELETE {path} answered {response.status_code}, but there is no book there to "
        "delete: answer 404. Let the delete tell whether it removed anything (`store.remove` "
        "returns None when there was nothing) and raise `BookNotFound`.",
        anchor=NO_CONTENT,
        cause=None if is_success(response) else MISSING_NOT_404,
    )


def test_duplicate_isbn_409(client: GradingClient) -> None:
    isbn = isbn13(4)
    created(client, "/books", new_book(isbn), "a book", BOOK_NOT_CREATED)
    request = f"POST /books with the ISBN {isbn}, which is already stored"
    again = send(
        client,
        "POST",
        "/books",
        json=new_book(isbn, title="A Different Title"),
        expected=f"{request} to answer 409",
    )
    error_detail(
        again,
        409,
        request,
        cause=ISBN_NOT_CHECKED if is_success(again) else CONFLICT_STATUS,
    )
    listed = json_body(client.get("/books"), "the book list")
    same = [item for item in listed if isinstance(item, dict) and item.get("isbn") == isbn]
    expect(
        len(same) == 1,
        expected="the rejected duplicate not to be stored (one book with that ISBN)",
        seen=f"{len(same)} books with ISBN {isbn}",
        hint="The duplicate was refused with 409, but stored all the same: check, then write. "
        "Raise the `Conflict` before `store.add`, so a rejected request stores nothing.",
    )
    for title in ("No ISBN, First", "No ISBN, Second"):
        expected = "books without an ISBN never to conflict with each other (each is created)"
        response = send(
            client, "POST", "/books", json=new_book(None, title=title), expected=expected
        )
        expect(
            is_success(response),
            expected=expected,
            seen=f'POST /books for "{title}", which has no ISBN: {describe_response(response)}',
            hint="A book without an ISBN clashes with nothing: look the ISBN up only when the new "
            "book has one (`with_isbn(None)` finds every other book without one)."
            if response.status_code == 409
            else "A book without an ISBN is valid (`isbn` is optional, `None` by default) and "
            "must be created like any other.",
        )


def test_duplicate_user_409(client: GradingClient) -> None:
    created(client, "/users", new_user("gracehopper"), "a user", USER_NOT_CREATED)
    # Each taken field, and what it says when the sign-up is stored anyway: a taken username
    # fails other checks too (a shared cause); a taken email only this one.
    cases: tuple[tuple[dict[str, Any], str, Cause | None, str | None], ...] = (
        (
            new_user("gracehopper", "someone.else@example.com"),
            "a username that is taken (gracehopper)",
            USERNAME_NOT_CHECKED,
            None,
        ),
        (
            new_user("notgrace", "gracehopper@example.com"),
            "an email that is taken (gracehopper@example.com)",
            None,
            "The sign-up with a taken email was accepted: check `user_store.with_email` too, "
            "not only the username, before hashing and adding.",
        ),
    )
    for payload, what, stored_cause, stored_hint in cases:
        request = f"POST /users with {what}"
        response = send(client, "POST", "/users", json=payload, expected=f"{request} to answer 409")
        stored = is_success(response)
        error_detail(
            response,
            409,
            request,
            hint=stored_hint if stored else None,
            cause=stored_cause if stored else CONFLICT_STATUS,
        )
    users = json_body(client.get("/users"), "the user list")
    expect(
        isinstance(users, list) and len(users) == 1,
        expected="the rejected sign-ups not to be stored (one user in GET /users)",
        seen=f"{len(users) if isinstance(users, list) else users!r} users",
        hint="The sign-ups were refused with 409, but stored all the same: check, then write. "
        "Raise the `Conflict` before `user_store.add`, so a rejected request stores nothing.",
    )


def grader_error(kind: type[Exception], detail: str) -> Exception:
    """An instance of a new subclass of the learner's `kind` (NotFound, Conflict), made without
    calling the learner's constructor, whatever arguments it takes: `detail`, `str()` and
    `args` all hold `detail`."""

    class GraderError(kind):  # type: ignore[valid-type,misc]
        def __init__(self) -> None:
            Exception.__init__(self, detail)
            self.detail = detail

    GraderError.__name__ = GraderError.__qualname__ = f"Grader{kind.__name__}"
    return GraderError()


def raising(error: Exception) -> Any:
    """A route's endpoint that raises `error`."""

    async def endpoint() -> None:
        raise error

    return endpoint


def domain_kinds() -> tuple[type[Exception], type[Exception]]:
    """The learner's `NotFound` and `Conflict`, from the `bookapi.errors` the app imported."""
    errors = sys.modules.get(f"{PACKAGE}.errors")
    expect(
        errors is not None,
        expected="the app to use `bookapi/errors.py`, whose `NotFound` and `Conflict` its "
        "handlers map",
        seen="nothing in the app imports bookapi.errors",
        hint="Define `NotFound` and `Conflict` in bookapi/errors.py, raise their subclasses in "
        "the services, and register a handler for each in `add_error_handlers`, which "
        "bookapi/main.py calls.",
    )
    kinds = []
    for name in ("NotFound", "Conflict"):
        kind = getattr(errors, name, None)
        expect(
            isinstance(kind, type) and issubclass(kind, Exception),
            expected=f"an exception class `{name}` in bookapi/errors.py",
            seen=f"`{name}` is {kind!r}"[:120] if kind is not None else f"no `{name}` there",
            hint=f"Add `class {name}(DomainError)` to bookapi/errors.py: the kind of domain error "
            "its specific cases (`BookNotFound`, `DuplicateBook`, ...) inherit from.",
        )
        kinds.append(kind)
    return kinds[0], kinds[1]


def test_domain_errors_mapped_once(app: FastAPI) -> None:
    # 1. One handler per kind: a subclass nobody has seen before still gets its status.
    not_found, conflict = domain_kinds()
    detail = f"grader-detail-{uuid.uuid4().hex[:8]}"
    probes = ((not_found, 404, "/_grader/not-found"), (conflict, 409, "/_grader/conflict"))
    for kind, _status, path in probes:
        app.add_api_route(path, raising(grader_error(kind, detail)), methods=["GET"])
    with unguarded_client(app) as client:
        for kind, status, path in probes:
            response = client.get(path)
            error_detail(
                response,
                status,
                f"a route that raises a new subclass of your `{kind.__name__}`",
                hint=f"Map `{kind.__name__}` itself to {status}, in one handler registered in "
                "`add_error_handlers`: Starlette picks a handler by the exception's class "
                f"hierarchy, so every subclass of `{kind.__name__}`, those you add later "
                "included, gets the same answer.",
            )
    # 2. The routes' own 404s and 409s come from those domain errors, raised by the services,
    # not from an HTTPException or an answer built by hand. A fresh app, whose two kinds the
    # grader answers itself (with a mark), shows where each answer came from.
    fresh = load_app()
    not_found, conflict = domain_kinds()
    mark = "X-Grader-Domain-Error"

    def marking(kind: str, status: int) -> Any:
        async def answer(_request: Any, _exc: Exception) -> JSONResponse:
            return JSONResponse({"detail": "seen by the grader"}, status, headers={mark: kind})

        return answer

    fresh.add_exception_handler(not_found, marking("NotFound", 404))
    fresh.add_exception_handler(conflict, marking("Conflict", 409))
    with unguarded_client(fresh) as client:
        isbn = isbn13(6)
        created(client, "/books", new_book(isbn), "a book", BOOK_NOT_CREATED)
        created(client, "/users", new_user("dorothyvaughan"), "a user", USER_NOT_CREATED)
        for kind, method, path, payload in (
            ("NotFound", "GET", f"/books/{MISSING_ID}", None),
            ("NotFound", "DELETE", f"/books/{MISSING_ID}", None),
            ("NotFound", "GET", f"/users/{MISSING_ID}", None),
            ("Conflict", "POST", "/books", new_book(isbn, title="Another Title")),
            ("Conflict", "POST", "/users", new_user("dorothyvaughan")),
        ):
            response = client.request(method, path, json=payload)
            request = f"{method} {path}" + (" (taken)" if payload else " (no such id)")
            expect(
                response.headers.get(mark) == kind,
                expected=f"{request} to be answered from a `{kind}` the service raised",
                seen=f"{describe_response(response)}, without a `{kind}` reaching the exception "
                "handlers",
                hint=f"Let the service raise the domain error (a subclass of `{kind}`) and the "
                "handler answer it: this answer came from somewhere else, an `HTTPException` "
                "raised in the route or in the service, or a response built by hand. Routes "
                "call the service and return what it gives back; no `if` of theirs decides "
                "the status.",
            )


def test_schema_documents_status_codes(client: GradingClient) -> None:
    response = client.get("/openapi.json")
    expect(
        response.status_code == 200,
        expected="the OpenAPI schema at /openapi.json",
        seen=describe_response(response),
        hint="Keep FastAPI's default `openapi_url`: the schema (and /docs, built on it) must be "
        "served in this phase.",
        anchor="phase-1#the-interactive-docs-and-the-openapi-schema",
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
            hint=f"Declare `status_code={code}` in the `@app.{method}` decorator of "
            f"{method.upper()} {path}: a code set at run time (a `Response` parameter, a "
            "`JSONResponse` you build) reaches clients, but never the schema.",
        )
    if item_path is None:
        probe = send(
            client,
            "DELETE",
            f"/books/{MISSING_ID}",
            expected="DELETE /books/{book_id} in the schema",
        )
        raise CheckFailed(
            expected="DELETE /books/{book_id} in the schema",
            seen=f"no DELETE operation under /books/{{...}}; paths: {sorted(paths)}",
            hint="Your DELETE route answers, but the schema leaves it out: don't hide it "
            "(`include_in_schema=False`), and declare it with `@app.delete`.",
            cause=DELETE_MISSING if probe.status_code == 405 else None,
        )


def test_validation_hides_password(client: GradingClient) -> None:
    short = "Pw!" + uuid.uuid4().hex[:4]  # 7 characters: too short to be accepted
    request = "a sign-up with a bad email and a 7-character password"
    response = send(
        client,
        "POST",
        "/users",
        json={"username": "shortpassword", "email": "not-an-email", "password": short},
        expected=f"{request} to answer 422",
        cause=VALIDATION_STATUS,
    )
    detail = error_detail(
        response,
        422,
        request,
        hint="The sign-up was accepted: keep Phase 3's rules in `UserCreate` (an `EmailStr` "
        "email, a password of at least 8 characters), so that FastAPI refuses it.",
        anchor="phase-3#input-storage-and-public-models",
        cause=None if is_success(response) else VALIDATION_STATUS,
    )
    expect_not_echoed(
        response,
        detail,
        short,
        "the 422 body never to repeat the password that was sent",
        f"the password {short!r}",
    )
    fields = named_fields(detail)
    expect(
        {"password", "email"} <= fields,
        expected="the 422 detail to name `password` and `email` in the errors' `loc`",
        seen=f"the fields named: {sorted(fields) or 'none'}; detail {detail!r}"[:200],
        hint="Keep one entry per error, each with its `loc`: here both `email` and `password` "
        "failed, and the client needs each place to point its user at the field.",
        anchor=USEFUL,
        cause=None if locates_errors(detail) else VAGUE_422,
    )
    good = "long-enough-" + uuid.uuid4().hex[:10]
    request = "a sign-up with no email at all"
    response = send(
        client,
        "POST",
        "/users",
        json={"username": "noemail", "password": good},
        expected=f"{request} to answer 422",
        cause=VALIDATION_STATUS,
    )
    detail = error_detail(
        response,
        422,
        request,
        hint="The sign-up without an email was accepted: keep `email` a required field of "
        "`UserCreate`.",
        anchor="phase-3#input-storage-and-public-models",
        cause=None if is_success(response) else VALIDATION_STATUS,
    )
    expect_not_echoed(
        response,
        detail,
        good,
        "a 422 never to repeat the password, even when another field is missing",
        f"the password {good!r}",
    )
    expect(
        "email" in named_fields(detail),
        expected="the 422 detail to name the missing `email` in an error's `loc`",
        seen=f"the detail {detail!r}"[:200],
        hint="Keep each error's `loc`: for a missing field it is where the field belongs "
        "(`['body', 'email']`), which is how the client knows what to add.",
        anchor=USEFUL,
        cause=None if locates_errors(detail) else VAGUE_422,
    )
    # A validator's own error (the password of only spaces) puts the exception it raised in
    # `ctx`: a handler that keeps `ctx` must make it JSON-safe, or the 422 becomes a 500.
    request = "a sign-up with a password of twelve spaces"
    response = send(
        client,
        "POST",
        "/users",
        json={"username": "blankpassword", "email": "blank@example.com", "password": " " * 12},
        expected=f"{request} to answer 422",
        hint=CTX_NOT_JSON_HINT,
        anchor=SECRETS,
    )
    expect(
        response.status_code != 500,
        expected=f"{request} to answer 422 naming `password`",
        seen=describe_response(response),
        hint=CTX_NOT_JSON_HINT,
        anchor=SECRETS,
    )
    detail = error_detail(
        response,
        422,
        request,
        hint="The blank password was accepted: keep Phase 3's `field_validator` on `password` "
        "that refuses a value of only whitespace.",
        anchor="phase-3#blank-is-not-a-value",
        cause=None if is_success(response) else VALIDATION_STATUS,
    )
    expect(
        "password" in named_fields(detail),
        expected="the 422 detail to name `password` in an error's `loc`",
        seen=f"the detail {detail!r}"[:200],
        hint="Keep each error's `loc`, for a validator's own errors too: the client needs to "
        "know which field to fix.",
        anchor=USEFUL,
        cause=None if locates_errors(detail) else VAGUE_422,
    )


def test_validation_errors_useful(client: GradingClient) -> None:
    marker = "Rejected" + uuid.uuid4().hex
    long_title = (marker + " ") * 12  # far over any sensible title length
    bad_year = 987_654_321
    bad_isbn = "ISBN-" + uuid.uuid4().hex[:8]
    payload = {"title": long_title, "author": "Someone", "year": bad_year, "isbn": bad_isbn}
    request = f"POST /books with a far too long title, the year 987654321 and the ISBN {bad_isbn}"
    response = send(
        client,
        "POST",
        "/books",
        json=payload,
        expected=f"{request} to answer 422",
        cause=VALIDATION_STATUS,
    )
    detail = error_detail(
        response,
        422,
        request,
        hint="The book was accepted: keep Phase 2's bounds in `BookCreate` (a title of at most "
        "200 characters, a year from 1450 to 2100), so that FastAPI refuses it.",
        anchor="phase-2#field-constraints-and-annotated-types",
        cause=None if is_success(response) else VALIDATION_STATUS,
    )
    expect(
        isinstance(detail, list) and detail,
        expected="the 422 detail to be a list of errors, one per failing field",
        seen=f"the detail {detail!r}"[:200],
        cause=VAGUE_422,
    )
    for error in detail:
        expect(
            isinstance(error, dict)
            and isinstance(error.get("loc"), list)
            and isinstance(error.get("msg"), str)
            and isinstance(error.get("type"), str),
            expected="every error in the 422 detail to keep `loc`, `msg` and `type`",
            seen=f"the error {error!r}"[:200],
            hint="Keep all three keys in every error: `loc` says where, `msg` what (for a "
            "person), `type` which rule (for a program). Drop only `input` (and `url`).",
            cause=None if locates_errors(detail) else VAGUE_422,
        )
    fields = named_fields(detail)
    expect(
        {"title", "year", "isbn"} <= fields,
        expected="the 422 detail to name all three failing fields, `title`, `year` and `isbn`",
        seen=f"the fields named: {sorted(fields) or 'none'}",
        hint="Keep one entry per error from `exc.errors()`: here `title`, `year` and `isbn` "
        "failed, and the client should learn about all of them at once.",
    )
    for value, what in (
        (marker, "the rejected title"),
        (str(bad_year), "the rejected year"),
        (bad_isbn, "the rejected ISBN"),
    ):
        expect_not_echoed(
            response, detail, value, "the 422 body not to echo the rejected values back", what
        )


def test_server_error_generic(app: FastAPI) -> None:
    secret = f"grader-secret-{uuid.uuid4().hex}"
    path = add_crashing_route(app, secret)
    with unguarded_client(app) as client:
        response = client.get(path)
    request = "a route that raises RuntimeError"
    seen = describe_response(response)
    expected = f'{request} to answer a generic 500 {{"detail": ...}}'
    blocked = crash_cause(app, response)
    if blocked is not None:
        raise CheckFailed(expected=expected, seen=seen, cause=blocked)
    if response.status_code != 500:
        raise CheckFailed(
            expected=expected,
            seen=seen,
            cause=ERROR_AS_SUCCESS if dressed_as_success(response) else CRASH_NOT_500,
        )
    detail_of(response, f"the 500 answer to {request}")
    for leak, what, hint in (
        (
            secret,
            "the exception's message",
            "Answer the same fixed message for every crash: `str(exc)` can hold anything (a "
            "path, a query, a user's data), and the client can do nothing with it.",
        ),
        (
            "Traceback",
            "a traceback",
            "Keep the traceback for the log: in the body it shows an attacker your files, lines "
            "and libraries.",
        ),
        (
            "RuntimeError",
            "the exception's type",
            "Leave the exception's type out of the body too: it tells a client about your code "
            "and nothing it can act on. A fixed message will do.",
        ),
    ):
        expect(
            leak not in response.text,
            expected="a generic 500 body that tells the client nothing about the bug",
            seen=f"{what} in the body: {seen}",
            hint=hint,
        )


def test_server_error_logged(app: FastAPI) -> None:
    secret = f"grader-secret-{uuid.uuid4().hex}"
    path = add_crashing_route(app, secret)
    with captured_logs() as events, unguarded_client(app) as client:
        response = client.get(path)
    if response.status_code != 500:
        raise CheckFailed(
            expected="a route that raises RuntimeError to answer 500",
            seen=describe_response(response),
            cause=ERROR_AS_SUCCESS if dressed_as_success(response) else CRASH_NOT_500,
        )
    expected = "the unexpected error logged, with its traceback"
    telling = [event for event in events if secret in event.text]
    if not telling:
        # When nothing of the learner's answered the crash (no handler, debug mode), that is
        # what to fix first: the answer says so.
        blocked = crash_cause(app, response)
        if blocked is not None:
            raise CheckFailed(
                expected=expected,
                seen=f"no log record of it; the crash was answered with "
                f"{describe_response(response)}",
                cause=blocked,
            )
    if not telling and any(event.lost_exception for event in events):
        raise CheckFailed(
            expected=expected,
            seen="a record that asked for the exception when none was being handled, so it "
            "logged `NoneType: None` instead of the traceback",
            hint="`logger.exception()` in a plain `def` handler runs in a worker thread, where no "
            "exception is being handled: pass the exception itself, `logger.error(..., "
            "exc_info=exc)`, or make the handler `async def`.",
        )
    expect(
        telling,
        expected=expected,
        seen=f"{plural(len(events), 'log record')}, none mentioning the exception"
        if events
        else "no log record at all",
    )
    serious = [event for event in telling if event.levelno >= logging.ERROR]
    levels = ", ".join(sorted({event.levelname for event in telling}))
    expect(
        serious,
        expected="the unexpected error logged at ERROR level (or above)",
        seen=f"it was logged at {levels}",
        hint=f"Log a crash at ERROR (`logger.error(...)`, `logger.exception(...)`), not at "
        f"{levels}: a 500 is always yours to fix, and error alerts watch ERROR.",
    )
    first = " ".join(serious[0].text.split())
    expect(
        any(event.has_traceback for event in serious),
        expected="the ERROR record to carry the exception's traceback, not only its message",
        seen=f"no traceback in {first[:100]!r}",
        hint="Attach the exception to the record (`exc_info=exc`), not only its text in the "
        "message: the traceback is what says where the bug is.",
    )


def test_one_error_shape(app: FastAPI) -> None:
    secret = f"grader-secret-{uuid.uuid4().hex}"
    crash = add_crashing_route(app, secret)
    with unguarded_client(app) as client:
        isbn = isbn13(5)
        created(client, "/books", new_book(isbn), "a book", BOOK_NOT_CREATED)
        created(client, "/users", new_user("katherine"), "a user", USER_NOT_CREATED)
        # Each request, and what a success status from it says (a shared cause, or a hint and
        # the section that teaches the fix).
        requests: list[tuple[str, str, str, Any, Cause | tuple[str, str]]] = [
            ("GET /no-such-path", "GET", "/no-such-path", None, UNKNOWN_PATH_ANSWERED),
            ("PATCH /health (a method the route lacks)", "PATCH", "/health", None, METHOD_ANSWERED),
            (f"GET /books/{MISSING_ID}", "GET", f"/books/{MISSING_ID}", None, MISSING_NOT_404),
            ("POST /books with an empty object", "POST", "/books", {}, EMPTY_BOOK_ACCEPTED),
            ("a route that raises RuntimeError", "GET", crash, None, CRASH_NOT_500),
            ("POST /books with a taken ISBN", "POST", "/books", new_book(isbn), ISBN_NOT_CHECKED),
            (
                "POST /users with a taken username",
                "POST",
                "/users",
                new_user("katherine"),
                USERNAME_NOT_CHECKED,
            ),
        ]
        for what, method, path, payload, if_success in requests:
            response = client.request(method, path, json=payload)
            seen = describe_response(response)
            expected = f"{what} to answer with an error status (4xx or 5xx)"
            if dressed_as_success(response):
                raise CheckFailed(expected=expected, seen=seen, cause=ERROR_AS_SUCCESS)
            if is_success(response) and isinstance(if_success, Cause):
                raise CheckFailed(expected=expected, seen=seen, cause=if_success)
            if is_success(response) and isinstance(if_success, tuple):
                hint, anchor = if_success
                raise CheckFailed(expected=expected, seen=seen, hint=hint, anchor=anchor)
            expect(400 <= response.status_code < 600, expected=expected, seen=seen)
            shape = f'every error as JSON {{"detail": ...}}, including {what}'
            # A crash (the grader's, or one of the learner's) that nothing of theirs answered.
            blocked = crash_cause(app, response)
            if blocked is not None:
                raise CheckFailed(expected=shape, seen=seen, cause=blocked)
            try:
                body = json_body(response, f"the error for {what}")
            except CheckFailed as failure:
                raise CheckFailed(
                    expected=shape,
                    seen=failure.seen,
                    cause=ERROR_SHAPE,
                ) from None
            expect(
                isinstance(body, dict) and "detail" in body,
                expected=shape,
                seen=f"the body {body!r}"[:200],
                cause=ERROR_SHAPE,
            )
