"""The Shelf API's settings: everything that differs between a laptop and production comes from
the environment (or a local `.env`), and nothing secret is written in the code.

Two classes, because two kinds of process read them. The worker (`huey_consumer
docs_src.phase_10.jobs.huey`) needs to know where the data and the queue live, and nothing
else; those fields all have defaults, so building the queue at import can never fail. The web
process needs the rest too, with a secret that has no default: without it, the app refuses to
start.
"""

from typing import Literal

from pydantic import Field, HttpUrl, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


# --8<-- [start:settings]
class StorageSettings(BaseSettings):
    """Where the data and the jobs live: what the web process and the worker share."""

    model_config = SettingsConfigDict(
        env_prefix="SHELF_",
        env_file=".env",
        extra="ignore",
        hide_input_in_errors=True,  # a rejected value (it may be a secret) is not repeated
    )

    database_url: str = "sqlite:///shelf.db"
    queue_path: str = "shelf-jobs.db"  # the queue's SQLite file, when there is no Redis
    redis_url: str | None = None  # e.g. redis://127.0.0.1:6379/0: the queue lives there


class Settings(StorageSettings):
    """Everything the web process needs."""

    environment: Literal["development", "production"] = "development"
    secret_key: SecretStr = Field(min_length=32)  # no default: set SHELF_SECRET_KEY
    cors_origins: list[str] = []  # exact origins, as a JSON list: '["https://shelf.example"]'
    covers_url: HttpUrl = HttpUrl("http://127.0.0.1:8001")


def load_settings() -> Settings:
    """The environment's settings, read now: call it when the app starts, never at import."""
    return Settings()  # type: ignore[call-arg]  # the fields come from the environment


# --8<-- [end:settings]
