"""Crashes caught in a middleware: the 500 is an ordinary response, inside your middleware."""

# --8<-- [start:imports]
import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response, status
from fastapi.responses import JSONResponse

logger = logging.getLogger("shelfapi")
app = FastAPI()

Next = Callable[[Request], Awaitable[Response]]
# --8<-- [end:imports]


# --8<-- [start:middleware]
@app.middleware("http")
async def catch_crashes(request: Request, call_next: Next) -> Response:
    try:
        return await call_next(request)
    except Exception:
        # In an `except` block, logger.exception attaches the traceback.
        logger.exception("Unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": "Internal server error"},
            status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )


@app.middleware("http")  # declared last, so it is the outer one: it stamps the 500 too
async def add_served_by(request: Request, call_next: Next) -> Response:
    response = await call_next(request)
    response.headers["X-Served-By"] = "shelfapi"
    return response


# --8<-- [end:middleware]


@app.get("/broken")
def broken() -> dict[str, float]:
    return {"ratio": 1 / 0}
