"""One handler for every HTTP error: yours, and the router's own 404 and 405."""

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

app = FastAPI()


# Starlette's class, not FastAPI's: FastAPI's HTTPException is a subclass of it, so this one
# handler sees both, while the router raises Starlette's for an unknown path or method.
@app.exception_handler(StarletteHTTPException)
async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return JSONResponse(
        {"detail": exc.detail, "status": exc.status_code},  # a field beside `detail`, everywhere
        status_code=exc.status_code,
        headers=exc.headers,  # a 405's Allow, a 429's Retry-After
    )


@app.post("/reports", status_code=status.HTTP_202_ACCEPTED)
def order_report() -> dict[str, str]:
    raise HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        detail="Three reports a day; try again later",
        headers={"Retry-After": "3600"},  # seconds: when trying again makes sense
    )
