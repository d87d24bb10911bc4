"""The Shelf API's lifespan: every resource the app shares between requests is opened here,
once per process, and closed here when the server stops."""

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Annotated

import httpx2
from fastapi import Depends, FastAPI, Request
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, create_engine

from docs_src.phase_10 import jobs
from docs_src.phase_10.json_logs import configure_logging
from docs_src.phase_10.settings import Settings


# --8<-- [start:lifespan]
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    configure_logging()
    # Each resource is registered for closing as soon as it is open: when the server stops (or
    # a later step of the start-up fails), the stack closes them all, in reverse order.
    async with AsyncExitStack() as stack:
        engine = create_engine(settings.database_url)  # a pool of connections
        stack.callback(engine.dispose)
        SQLModel.metadata.create_all(engine)
        app.state.engine = engine
        # One HTTP client, with its own pool of connections to the covers service.
        app.state.covers = await stack.enter_async_context(
            httpx2.AsyncClient(base_url=str(settings.covers_url), timeout=5.0)
        )
        stack.callback(jobs.close_queue, jobs.huey)  # the queue's file or Redis connections
        yield  # the app serves requests here


# --8<-- [end:lifespan]


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_session(request: Request) -> Iterator[Session]:
    """One session per request on the lifespan's engine: committed on success, closed always."""
    with Session(request.app.state.engine) as session:
        yield session
        session.commit()


EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
