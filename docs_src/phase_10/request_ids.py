"""A request id for every request, on every response, in every log line and in the body of a
500, so that "it failed, reference 7c41..." leads straight to what happened."""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from fastapi import Request, status
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID = "X-Request-ID"
access_log = logging.getLogger("shelf.access")
error_log = logging.getLogger("shelf.errors")


# --8<-- [start:middleware]
# Short, and only characters that cannot break a log line or a header.
WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{1,64}")

# Each request is handled in an asyncio task of its own, which gets its own copy of the
# context: a value set here is seen by that request's code (routes, dependencies, log lines,
# the 500 handler, background tasks), and by no other request.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being handled; None outside one (start-up, a worker)."""
    return request_id_var.get()


class RequestIdMiddleware:
    """Keeps a well-formed `X-Request-ID` from the client (or the proxy), makes one up
    otherwise, puts it on the response, and writes one access log line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = Headers(scope=scope).get(REQUEST_ID, "")
        request_id = sent if WELL_FORMED.fullmatch(sent) else uuid.uuid4().hex
        request_id_var.set(request_id)
        started = time.perf_counter()
        answered, waited = status.HTTP_500_INTERNAL_SERVER_ERROR, None  # unless an answer starts

        async def send_with_id(message: Message) -> None:
            nonlocal answered, waited
            if message["type"] == "http.response.start":
                answered, waited = message["status"], time.perf_counter() - started
                MutableHeaders(scope=message)[REQUEST_ID] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],  # the path only: a query string can carry a token
                answered,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": answered,
                    # Until the answer started: background tasks run later, and don't count.
                    "ms": round(1000 * (waited or time.perf_counter() - started), 1),
                },
            )


# --8<-- [end:middleware]


# --8<-- [start:handler]
async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """The handler for `Exception`: everything for the log, nothing but the id for the client.

    Starlette runs it outside every middleware you add, so RequestIdMiddleware never sees
    this response: the header is added here, or it is missing on every 500."""
    request_id = current_request_id() or uuid.uuid4().hex
    error_log.error("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        {"detail": "Internal server error", "request_id": request_id},
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        headers={REQUEST_ID: request_id},
    )


# --8<-- [end:handler]
