"""Every error the Book API answers with, mapped to one shape, {"detail": ...}, in one place."""

import logging
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from bookapi.errors import (
    Conflict,
    NotAllowed,
    NotAuthenticated,
    NotFound,
    TooManyAttempts,
    UpstreamError,
)

logger = logging.getLogger("bookapi.errors")

# What a client may see of a validation error: where (`loc`), what (`msg`), which rule
# (`type`), and the rule's own parameters (`ctx`: a minimum length, a pattern). Never `input`:
# it is what the client sent, a password for one, or the whole body when a field is missing.
# (`url` only points at Pydantic's documentation.) `msg` and `ctx` stay safe as long as no
# validator of ours puts the value in its message.
SAFE_ERROR_KEYS = ("type", "loc", "msg")


def _json_safe(value: Any) -> Any:
    """A `ctx` value as JSON can carry it: the exception a validator raised becomes its text."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def public_error(error: dict[str, Any]) -> dict[str, Any]:
    """One validation error as the client sees it: everything but what the client sent."""
    shown = {key: error[key] for key in SAFE_ERROR_KEYS}
    if "ctx" in error:
        shown["ctx"] = {name: _json_safe(value) for name, value in error["ctx"].items()}
    return shown


def add_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`. Call it once, right after creating the app."""

    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(_request: Request, exc: NotAuthenticated) -> JSONResponse:
        # RFC 6750: a 401 says how to authenticate. Every 401 goes through here, so none lacks it.
        return JSONResponse(
            {"detail": exc.detail},
            status_code=status.HTTP_401_UNAUTHORIZED,
            headers={"WWW-Authenticate": "Bearer"},
        )

    @app.exception_handler(NotAllowed)
    async def not_allowed(_request: Request, exc: NotAllowed) -> JSONResponse:
        # Known, and not allowed: a new token would not help, so no WWW-Authenticate.
        return JSONResponse({"detail": exc.detail}, status_code=status.HTTP_403_FORBIDDEN)

    @app.exception_handler(TooManyAttempts)
    async def too_many_attempts(_request: Request, exc: TooManyAttempts) -> JSONResponse:
        return JSONResponse(
            {"detail": exc.detail},
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(exc.retry_after)},
        )

    @app.exception_handler(NotFound)
    async def not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=status.HTTP_404_NOT_FOUND)

    @app.exception_handler(Conflict)
    async def conflict(_request: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=status.HTTP_409_CONFLICT)

    @app.exception_handler(UpstreamError)
    async def upstream_failed(request: Request, exc: UpstreamError) -> JSONResponse:
        # Someone else's outage: say so (502 Bad Gateway), and keep the cause in the log.
        reason = f" ({exc.__cause__!r})" if exc.__cause__ is not None else ""
        logger.warning("%s %s: %s%s", request.method, request.url.path, exc.detail, reason)
        return JSONResponse({"detail": exc.detail}, status_code=status.HTTP_502_BAD_GATEWAY)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [public_error(error) for error in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The whole story goes to the log; the client learns only that it was our fault.
        logger.error("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse(
            {"detail": "Internal server error"},
            status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
