"""The Book API's settings: a `Settings` object belongs to one app, built by `create_app`.

`create_app(settings)` takes them from its caller (a test passes its own); `create_app()` reads
them from the environment (and a local `.env` file) with `load_settings()` when the app starts.
Routes ask for the app's settings through `bookapi.dependencies.get_settings`.

Every field can be set with an environment variable named `BOOKAPI_<FIELD>`, for example
`BOOKAPI_MAX_PAGE_SIZE=50`. The secret has no default: the code holds no secret, so the app
refuses to start until `BOOKAPI_SECRET_KEY` is set.

The database is a setting too: an SQLite file by default, anything SQLAlchemy speaks when
`BOOKAPI_DATABASE_URL` is set (`postgresql+psycopg://user:password@host:5432/bookapi`).
"""

from functools import lru_cache

from pydantic import Field, HttpUrl, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


# TODO 1: settings for production and for the job queue.
#   - Move `model_config` into a new base class, `QueueSettings(BaseSettings)`, with the two
#     fields the worker needs to build its queue, both with defaults (the worker imports its
#     queue before any secret is read):
#       `redis_url: str | None = None` (BOOKAPI_REDIS_URL: a Redis server for the queue) and
#       `queue_path: str = "bookapi-jobs.db"` (BOOKAPI_QUEUE_PATH: the SQLite file otherwise);
#     then make `Settings` inherit from `QueueSettings`.
#   - Add `environment: Literal["development", "production"] = "development"`
#     (BOOKAPI_ENVIRONMENT; production hides the docs, see TODO 12).
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

    secret_key: SecretStr = Field(min_length=32)
    """Signs the access tokens (HS256 wants at least 32 bytes). Required, never logged, never
    shown."""

    access_token_minutes: int = Field(default=15, ge=1, le=60)
    """How long an access token works after login. Short: a stolen token works until then."""

    login_attempts_per_minute: int = Field(default=5, ge=1)
    """Login attempts one client address may make per minute; the next answer 429."""

    cors_origins: list[str] = ["http://localhost:5173"]
    """The exact origins whose web pages may call the API from a browser (a JSON list in
    BOOKAPI_CORS_ORIGINS). Never "*": the API accepts credentials."""

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
def load_settings() -> Settings:
    """The settings from the environment, read on the first call and shared after that (the
    environment does not change while the process runs)."""
    return Settings()  # type: ignore[call-arg]  # the fields come from the environment
