"""The engine: the database's address and a pool of connections, one per run of the app.

The lifespan calls `create_db_engine` once at start-up and disposes of the engine at shutdown;
`bookapi.dependencies.get_session` opens one session on it per request.
"""

from sqlalchemy import Engine, make_url
from sqlmodel import SQLModel, create_engine

from bookapi import models  # noqa: F401  (importing the models registers their tables)
from bookapi.settings import Settings


def create_db_engine(settings: Settings) -> Engine:
    """An engine for `settings.database_url`. It opens no connection until one is needed."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        # A file that only this machine opens: SQLAlchemy's defaults fit (a small pool, and
        # connections usable from the thread pool's workers).
        return create_engine(url)
    return create_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_pre_ping=True,  # servers and firewalls drop idle connections: test before use
    )


def create_tables(engine: Engine) -> None:
    """Create the tables that do not exist yet. It never changes a table that exists: that is
    what the Alembic migrations are for."""
    SQLModel.metadata.create_all(engine)
