"""Wrong: no RequestValidationError handler, so FastAPI's default 422 echoes `input`."""

import logging

from bookapi.errors import Conflict, NotFound
from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

logger = logging.getLogger("bookapi.errors")


def add_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`. Call it once, right after creating the app."""

    @app.exception_handler(NotFound)
    async def not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=status.HTTP_404_NOT_FOUND)

    @app.exception_handler(Conflict)
    async def conflict(_request: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=status.HTTP_409_CONFLICT)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The whole story goes to the log; the client learns only that it was our fault.
        logger.error("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse(
            {"detail": "Internal server error"},
            status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
