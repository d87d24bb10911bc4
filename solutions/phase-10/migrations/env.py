"""Alembic's entry point for the Book API: the URL and the tables come from the app itself.

Run Alembic from this folder (the one with `alembic.ini`), with the same settings as the app
(`BOOKAPI_DATABASE_URL`, and `BOOKAPI_SECRET_KEY`, which the settings require; `.env` works):

    alembic upgrade head                                  # bring the database up to date
    alembic revision --autogenerate -m "what changed"     # draft a script after a model change
"""

from logging.config import fileConfig

from alembic import context
from sqlmodel import SQLModel, create_engine

from bookapi import models  # noqa: F401  (importing the models registers their tables)
from bookapi.settings import load_settings

# Alembic's own log lines ("Running upgrade -> 0001"), as alembic.ini configures them.
if context.config.config_file_name is not None:
    fileConfig(context.config.config_file_name)

# What the database should look like: autogenerate compares it with what the database has.
target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    """`alembic upgrade head --sql`: print the SQL instead of running it."""
    context.configure(
        url=load_settings().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    # The app's own BOOKAPI_DATABASE_URL: one setting, never a URL written in alembic.ini.
    engine = create_engine(load_settings().database_url)
    with engine.connect() as connection:
        # render_as_batch: SQLite cannot alter most columns in place; "batch" operations copy
        # the table instead. On PostgreSQL they are plain ALTER TABLE statements.
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
