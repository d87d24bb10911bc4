"""Every error mapped to {"detail": ...}: a table for domain errors, one function per kind."""

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from bookapi.errors import Conflict, DomainError, NotFound

logger = logging.getLogger("bookapi")

STATUS_FOR: dict[type[DomainError], int] = {
    NotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
}


async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
    code = next(
        (code for kind, code in STATUS_FOR.items() if isinstance(exc, kind)),
        status.HTTP_400_BAD_REQUEST,
    )
    return JSONResponse({"detail": exc.detail}, status_code=code)


async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [{"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def crash(_request: Request, _exc: Exception) -> JSONResponse:
    # Called from ServerErrorMiddleware's `except` block, so logger.exception sees the error.
    logger.exception("Unhandled exception")
    return JSONResponse({"detail": "Internal Server Error"}, status_code=500)


Handler = Callable[[Request, Any], Coroutine[Any, Any, Response]]

HANDLERS: dict[int | type[Exception], Handler] = {
    DomainError: domain_error,
    RequestValidationError: invalid_request,
    Exception: crash,
}
