"""The Book API's settings, read from the environment (and a local `.env` file) once.

Every field can be set with an environment variable named `BOOKAPI_<FIELD>`, for example
`BOOKAPI_MAX_PAGE_SIZE=50`. The secret has no default: the code holds no secret, so the app
refuses to start until `BOOKAPI_SECRET_KEY` is set.

The database is a setting too: an SQLite file by default, anything SQLAlchemy speaks when
`BOOKAPI_DATABASE_URL` is set (`postgresql+psycopg://user:password@host:5432/bookapi`).
"""

from functools import lru_cache

from pydantic import Field, HttpUrl, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What may differ between your laptop, CI and production."""

    model_config = SettingsConfigDict(
        env_prefix="BOOKAPI_",
        env_file=".env",
        extra="ignore",
        # A value that fails validation is not repeated in the error (it may be the secret).
        hide_input_in_errors=True,
    )

    max_page_size: int = Field(default=100, ge=1)
    """The most books one GET /books answer holds, whatever `limit` asks for."""

    secret_key: SecretStr = Field(min_length=16)
    """Phase 8 signs tokens with it. Required, never logged, never shown."""

    price_service_url: HttpUrl = HttpUrl("http://127.0.0.1:8001")
    """Where the price service answers `GET /prices/{isbn}` (by default, the exercise's fake)."""

    price_timeout: float = Field(default=5.0, gt=0)
    """Seconds to wait for the price service before giving up and answering 502."""

    cover_rounds: int = Field(default=200_000, ge=1)
    """How much work one cover is: rounds of SHA-256 in `bookapi.covers.cover_palette`."""

    database_url: str = "sqlite:///bookapi.db"
    """Where the data lives. The default is a file in the folder the server starts in."""

    database_pool_size: int = Field(default=5, ge=1)
    """Connections each worker keeps open (ignored for SQLite). Keep workers * (pool size +
    overflow) under the database server's connection limit."""

    database_max_overflow: int = Field(default=5, ge=0)
    """Extra connections a worker may open at a peak, closed again when they are returned."""


@lru_cache
def get_settings() -> Settings:
    """The settings, read on the first call and shared after that."""
    return Settings()  # type: ignore[call-arg]  # the fields come from the environment
