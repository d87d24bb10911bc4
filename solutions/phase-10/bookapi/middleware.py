"""A request id for every request: echoed from the client, or made up, on every response.

A client (or the proxy in front of the API) may send `X-Request-ID`; a well-formed one is kept,
anything else is replaced by a new id. The id goes back in the response's `X-Request-ID`
header, into every log line written while the request is handled (see `bookapi.logs`), and into
the body of a 500 (see `bookapi.handlers`), so that "it failed, reference 3f2a..." leads
straight to the log lines of that one request.

A pure ASGI middleware, not `@app.middleware("http")`: it sees every message the app sends,
so the header lands on every response that passes through it. The 500s of the handler for
`Exception` do not pass through it (that handler runs outside every middleware of yours):
the handler adds the header itself, from `request.state.request_id`.
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
# What an incoming id may look like: short, and nothing a log line could trip over.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

# The id of the request this code is working for. Each request runs in a task of its own, with
# a copy of the context: setting the variable here is seen by everything that request runs
# (routes, dependencies, background tasks, the 500 handler), and by nothing else.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

logger = logging.getLogger("bookapi.requests")


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request (start-up, the worker)."""
    return request_id_var.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Gives every HTTP request an id, and writes one access log line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = incoming if VALID_REQUEST_ID.fullmatch(incoming) else new_request_id()
        # For the 500 handler, which reads it from `request.state` (the same dict as here).
        scope.setdefault("state", {})["request_id"] = request_id
        request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            # The path, never the query string: a query string may hold a token.
            logger.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
