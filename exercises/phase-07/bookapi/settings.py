"""The Book API's settings, read from the environment (and a local `.env` file) once.

Every field can be set with an environment variable named `BOOKAPI_<FIELD>`, for example
`BOOKAPI_MAX_PAGE_SIZE=50`. The secret has no default: the code holds no secret, so the app
refuses to start until `BOOKAPI_SECRET_KEY` is set.
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

    # TODO 1: the database is a setting. Add
    #         - `database_url: str`, default "sqlite:///bookapi.db" (a file in the folder the
    #           server starts in; BOOKAPI_DATABASE_URL=postgresql+psycopg://... picks a server);
    #         - `database_pool_size: int` (default 5, at least 1) and
    #           `database_max_overflow: int` (default 5, at least 0), the pool of each worker.


@lru_cache
def get_settings() -> Settings:
    """The settings, read on the first call and shared after that."""
    return Settings()  # type: ignore[call-arg]  # the fields come from the environment
