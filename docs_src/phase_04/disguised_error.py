"""A handler that forgets its status code: every error leaves as a 200 "success"."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


class NotFound(Exception):
    pass


app = FastAPI()


@app.exception_handler(NotFound)
async def not_found(_request: Request, _exc: NotFound) -> JSONResponse:
    return JSONResponse({"detail": "not found"})  # status_code defaults to 200!


@app.get("/members/{name}")
def read_member(name: str) -> dict[str, str]:
    raise NotFound(name)
