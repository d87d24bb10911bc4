"""Unexpected errors: a generic 500 for the client, the whole story in the log."""

# --8<-- [start:imports]
import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response, status
from fastapi.responses import JSONResponse

logger = logging.getLogger("shelfapi")
app = FastAPI()
# --8<-- [end:imports]


# --8<-- [start:handler]
@app.exception_handler(Exception)
async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        {"detail": "Internal server error"},
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


# --8<-- [end:handler]


# --8<-- [start:middleware]
@app.middleware("http")
async def add_served_by(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    response.headers["X-Served-By"] = "shelfapi"
    return response


# --8<-- [end:middleware]


@app.get("/ok")
def ok() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/broken")
def broken() -> dict[str, float]:
    return {"ratio": 1 / 0}
