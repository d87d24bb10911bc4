"""The engine: the database's address and a pool of connections, one per run of the app."""

from sqlalchemy import Engine, make_url  # noqa: F401  (TODO 3 needs them)
from sqlmodel import SQLModel, create_engine  # noqa: F401  (TODO 3 needs them)

from bookapi import models  # noqa: F401  (importing the models registers their tables)
from bookapi.settings import Settings  # noqa: F401  (TODO 3 needs it)

# TODO 3: write
#         - `create_db_engine(settings: Settings) -> Engine`: `create_engine(url)` for an SQLite
#           URL (`make_url(url).get_backend_name() == "sqlite"`); for any other database, also
#           `pool_size=settings.database_pool_size`, `max_overflow=settings.database_max_overflow`
#           and `pool_pre_ping=True`;
#         - `create_tables(engine: Engine) -> None`: `SQLModel.metadata.create_all(engine)`.
#         Only the lifespan calls `create_db_engine`: never at module level, never per request.
