"""Dependencies run before the route's own parameters are validated: cleanup must not depend
on the handler ever running."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, FastAPI

journal: list[str] = []


def open_leaky() -> Iterator[str]:
    journal.append("open")
    yield "connection"
    journal.append("close")  # skipped when anything fails after the yield: a 422 included


def open_safe() -> Iterator[str]:
    journal.append("open")
    try:
        yield "connection"
    finally:
        journal.append("close")  # runs whatever happens after the yield


app = FastAPI()


@app.get("/leaky/{count}")
def read_leaky(count: int, conn: Annotated[str, Depends(open_leaky)]) -> dict[str, int]:
    return {"count": count}


@app.get("/safe/{count}")
def read_safe(count: int, conn: Annotated[str, Depends(open_safe)]) -> dict[str, int]:
    return {"count": count}
