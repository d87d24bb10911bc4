"""The Book API's settings, read from the environment (and a local `.env` file) once.

Every field is set by an environment variable named `BOOKAPI_<FIELD>`, for example
`BOOKAPI_MAX_PAGE_SIZE=50`. The code holds no secret: the app refuses to start until
`BOOKAPI_SECRET_KEY` is set (copy .env.example to .env and fill it in).
"""

from functools import lru_cache  # noqa: F401  (TODO 2 needs it)

from pydantic import Field, SecretStr  # noqa: F401  (TODO 1 needs them)
from pydantic_settings import BaseSettings, SettingsConfigDict  # noqa: F401  (TODO 1)

# TODO 1: declare `class Settings(BaseSettings)` with
#         - model_config = SettingsConfigDict(env_prefix="BOOKAPI_", env_file=".env",
#           extra="ignore", hide_input_in_errors=True), so a field `x` is read from BOOKAPI_X;
#         - `max_page_size: int`, default 100, at least 1: the most books GET /books answers;
#         - `secret_key: SecretStr` with NO default and at least 16 characters,
#           `Field(min_length=16)` (Phase 8 signs tokens with it): without BOOKAPI_SECRET_KEY,
#           or with a short one, the settings must refuse to load.

# TODO 2: write `get_settings() -> Settings`, decorated with `@lru_cache`, so the environment is
#         read and validated once per process.
