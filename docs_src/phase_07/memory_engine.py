"""An in-memory SQLite database for tests: gone when the engine goes, shared by every thread."""

from sqlalchemy import Engine
from sqlmodel import SQLModel, StaticPool, create_engine

from docs_src.phase_07 import models  # noqa: F401  (registers the tables)


def memory_engine() -> Engine:
    engine = create_engine(
        "sqlite://",  # no file name: the database lives in this one connection's memory
        poolclass=StaticPool,  # so every session must get that very connection...
        connect_args={"check_same_thread": False},  # ...from whatever thread runs a `def` route
    )
    SQLModel.metadata.create_all(engine)
    return engine
