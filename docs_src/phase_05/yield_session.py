"""A session per request: commit on success, roll back and re-raise on error, always close."""

# --8<-- [start:imports]
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request, status
from fastapi.responses import JSONResponse

# --8<-- [end:imports]


class Session:
    """A stand-in for a database session: it writes what happens to it in a journal."""

    def __init__(self, journal: list[str]) -> None:
        self._journal = journal
        journal.append("open")

    def commit(self) -> None:
        self._journal.append("commit")

    def rollback(self) -> None:
        self._journal.append("rollback")

    def close(self) -> None:
        self._journal.append("close")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.journal = []  # shared by the app's sessions, as a database would be
    yield


# --8<-- [start:get_session]
def get_session(request: Request) -> Iterator[Session]:
    session = Session(request.app.state.journal)  # 1. before the handler runs
    try:
        yield session  # 2. the handler runs here, with this session
        session.commit()  # 3a. it returned: keep its work
    except Exception:
        session.rollback()  # 3b. it raised: undo its work...
        raise  # ...and let the error go on to the exception handlers
    finally:
        session.close()  # 4. whatever happened


SessionDep = Annotated[Session, Depends(get_session)]
# --8<-- [end:get_session]


class OutOfStock(Exception):
    """A domain error: the book cannot be ordered."""


app = FastAPI(lifespan=lifespan)


@app.exception_handler(OutOfStock)
async def out_of_stock(_request: Request, exc: OutOfStock) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_409_CONFLICT)


@app.post("/orders")
def place_order(session: SessionDep) -> dict[str, str]:
    return {"status": "placed"}


@app.post("/orders/sold-out")
def place_sold_out_order(session: SessionDep) -> dict[str, str]:
    raise OutOfStock("That book is sold out")
