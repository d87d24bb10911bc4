"""One store per run of the app (made in the lifespan), one session per request."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request


class Store:
    """Plays the database: shared by every request."""

    def __init__(self) -> None:
        self.titles: list[str] = []


class Session:
    """Plays a database session: stages writes, and hands them to the store on commit."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._staged: list[str] = []

    def add(self, title: str) -> None:
        self._staged.append(title)

    def commit(self) -> None:
        self._store.titles.extend(self._staged)
        self._staged.clear()

    def close(self) -> None:
        self._staged.clear()  # anything not committed is forgotten


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.store = Store()  # once per start of the app
    yield


def get_session(request: Request) -> Iterator[Session]:
    session = Session(request.app.state.store)  # once per request
    try:
        yield session
        session.commit()
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]

app = FastAPI(lifespan=lifespan)


@app.post("/titles/{title}", status_code=201)
def add_title(title: str, session: SessionDep) -> dict[str, str]:
    session.add(title)
    return {"added": title}


@app.get("/titles")
def list_titles(request: Request) -> list[str]:
    return request.app.state.store.titles
