"""Talking to the learner's app in checks: a test client that sees what a real client sees,
and small helpers for reading and describing responses."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

from fastapi.testclient import TestClient

from grader import causes
from grader.kit import observe
from grader.kit.failures import CheckFailed, expect

_PREVIEW = 120
_REDIRECTS = (301, 302, 303, 307, 308)

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


class Response(Protocol):
    """The part of an httpx response that checks read."""

    status_code: int
    headers: Any
    text: str


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _PREVIEW else text[: _PREVIEW - 1] + "…"


def describe_response(response: Response) -> str:
    """`status 404 with body {"detail": ...}`: a short, printable account of a response."""
    if response.status_code in _REDIRECTS:
        location = response.headers.get("location", "nowhere")
        return (
            f"status {response.status_code}, a redirect to {location} (clients that do not "
            "follow redirects, and every POST body after a 301 or 302, never reach your route)"
        )
    body = _preview(response.text)
    text = f"status {response.status_code} with " + (f"body {body}" if body else "an empty body")
    errors = observe.server_errors()
    if response.status_code >= 500 and errors:
        text += f"; your code raised {errors[0]}"
    return text


def expect_status(
    response: Response,
    status: int | tuple[int, ...],
    request: str,
    *,
    hint: str | None = None,
    anchor: str | None = None,
) -> None:
    """Fail kindly unless `request` (e.g. "GET /health") answered with `status` (or one of them)."""
    wanted = (status,) if isinstance(status, int) else status
    expect(
        response.status_code in wanted,
        expected=f"{request} to answer {' or '.join(str(code) for code in wanted)}",
        seen=describe_response(response),
        hint=hint,
        anchor=anchor,
    )


def json_body(response: Response, what: str) -> Any:
    """The response's JSON body, or a kind failure that says what came back instead."""
    content_type = response.headers.get("content-type", "")
    if "json" not in content_type:
        raise CheckFailed(
            expected=f"{what} as JSON (content-type application/json)",
            seen=f"content-type {content_type or 'missing'}: {describe_response(response)}",
        )
    try:
        return json.loads(response.text)
    except ValueError:
        raise CheckFailed(
            expected=f"{what} as valid JSON", seen=describe_response(response)
        ) from None


def _observed(app: ASGIApp) -> ASGIApp:
    """`app`, noting what any exception escaping it says about the learner's code."""

    async def observed_app(scope: Scope, receive: Any, send: Any) -> None:
        try:
            await app(scope, receive, send)
        except BaseException as error:
            _note_exception(error)
            raise

    return observed_app


def _note_exception(error: BaseException) -> None:
    from grader.kit import loader  # the loader imports FastAPI: keep this module light

    where = loader.where_in_target(error.__traceback__)
    if isinstance(error, loader.DEPRECATIONS):
        observe.note_cause(
            causes.DEPRECATED_API,
            "code that uses current APIs only",
            f"a deprecated API{where}: {error}",
        )
    elif isinstance(error, MemoryError):
        observe.note_cause(
            causes.MEMORY, "a request to use a modest amount of memory", loader.memory_seen(where)
        )
    elif isinstance(error, Exception) and where:
        # Only the learner's own errors: a check's deliberate crash route is not their doing.
        observe.note_server_error(loader.describe_error(error))


def _wants_a_body(method: str, response: Any) -> bool:
    """A GET answered 422 because the route reads a request body (a model without Query())."""
    if method != "GET" or response.status_code != 422:
        return False
    try:
        errors = response.json().get("detail")
    except (ValueError, AttributeError):
        return False
    return isinstance(errors, list) and any(
        isinstance(e, dict) and isinstance(e.get("loc"), list) and e["loc"][:1] == ["body"]
        for e in errors
    )


class GradingClient(TestClient):
    """The test client every check uses.

    - It follows no redirect: a `307` where the contract says `200` is a failure that says so.
    - It notes what exceptions escaping the app say (a deprecated API, a memory hog, the error
      behind a 500) and a GET that asks for a body, so a failure can name its real cause.
    - `with GradingClient(app)` runs the app's lifespan, as a server would.
    """

    __test__ = False

    def __init__(self, app: Any, *, raise_server_exceptions: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("follow_redirects", False)
        super().__init__(_observed(app), raise_server_exceptions=raise_server_exceptions, **kwargs)
        # Requests go through the observing wrapper; `client.app` (and the lifespan) stay the
        # learner's own app.
        self.app = app

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().request(method, url, *args, **kwargs)
        if _wants_a_body(method.upper(), response):
            observe.note_cause(
                causes.BODY_ON_GET,
                f"GET {url} to read its parameters from the query string",
                f"GET {url} answered 422 asking for a request body",
            )
        return response
