"""The engine, once per run of the app; a session, once per request.

`BOOKAPI_DATABASE_URL` picks the database: an SQLite file by default, PostgreSQL (or anything
SQLAlchemy speaks) when it is set, e.g.
`BOOKAPI_DATABASE_URL=postgresql+psycopg://bookapi:secret@db.internal:5432/bookapi`.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine, make_url
from sqlmodel import Session, SQLModel, create_engine

# Importing the models registers their tables on SQLModel.metadata, for create_all below.
from docs_src.phase_07 import models  # noqa: F401


# --8<-- [start:settings]
class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKAPI_", env_file=".env", extra="ignore")

    # A file beside wherever the server starts: no server to install, nothing to configure.
    database_url: str = "sqlite:///bookapi.db"
    # Connections each worker process keeps open, and how many more it may open at a peak.
    database_pool_size: int = Field(default=5, ge=1)
    database_max_overflow: int = Field(default=5, ge=0)
    max_page_size: int = Field(default=100, ge=1)


@lru_cache
def get_settings() -> Settings:
    return Settings()


SettingsDep = Annotated[Settings, Depends(get_settings)]
# --8<-- [end:settings]


# --8<-- [start:engine]
def create_db_engine(settings: Settings) -> Engine:
    """One engine for one run of the app: it owns the pool of connections."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        # A file is opened by this process alone: SQLAlchemy's defaults fit.
        return create_engine(url)
    return create_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_pre_ping=True,  # test a pooled connection before use: servers drop idle ones
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = create_db_engine(get_settings())
    SQLModel.metadata.create_all(engine)  # creates missing tables; never alters one
    app.state.engine = engine
    try:
        yield
    finally:
        engine.dispose()  # close every pooled connection at shutdown
# --8<-- [end:engine]


# --8<-- [start:session]
def get_session(request: Request) -> Iterator[Session]:
    session = Session(request.app.state.engine)
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()  # hands the connection back to the pool


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
# --8<-- [end:session]
