"""A request id for every request: echoed from the client, or made up, on every response.

A client (or the proxy in front of the API) may send `X-Request-ID`; a well-formed one is kept,
anything else is replaced by a new id. The id goes back in the response's `X-Request-ID`
header, into every log line written while the request is handled (see `bookapi.logs`), and into
the body of a 500 (see `bookapi.handlers`).

What is given: the header's name, the shape a valid id has, the ContextVar that holds the id of
the request being handled, and the class below, which does nothing yet. You may replace the
class with a function under `@app.middleware("http")` if you prefer: both pass.
"""

import re
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
# What an incoming id may look like: 1 to 64 letters, digits, `.`, `_` or `-`.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

# The id of the request this code is working for. Each request runs in a context of its own:
# setting the variable in the middleware is seen by everything that request runs (routes,
# dependencies, the 500 handler, log records), and by nothing else.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


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
        # TODO 2: for HTTP requests (`scope["type"] == "http"`; pass anything else straight on):
        #   - read the incoming X-Request-ID (`starlette.datastructures.Headers(scope=scope)`),
        #     keep it if VALID_REQUEST_ID matches it whole, otherwise make a new_request_id();
        #   - store it in `scope["state"]["request_id"]` (that is `request.state.request_id`) and
        #     in `request_id_var`;
        #   - wrap `send` so that the "http.response.start" message gets the header
        #     (`starlette.datastructures.MutableHeaders(scope=message)`);
        #   - once the app has answered (in a `finally`), log one access line with the method,
        #     the path (never the query string), the status and the duration, as `extra` fields.
        await self.app(scope, receive, send)
