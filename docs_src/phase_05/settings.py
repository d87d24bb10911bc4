"""Settings from the environment, read once, with the secret kept out of sight."""

from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI, Query
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BOOKAPI_",  # max_page_size comes from BOOKAPI_MAX_PAGE_SIZE
        env_file=".env",  # for your laptop; real environment variables win over it
        extra="ignore",  # other lines in .env (for other tools) are not an error
        hide_input_in_errors=True,  # a rejected value is not repeated in the error
    )

    app_name: str = "Book API"
    max_page_size: int = Field(default=100, ge=1)
    secret_key: SecretStr  # no default: without BOOKAPI_SECRET_KEY the app will not start


@lru_cache
def get_settings() -> Settings:
    return Settings()  # type: ignore[call-arg]  # the secret comes from the environment


SettingsDep = Annotated[Settings, Depends(get_settings)]

app = FastAPI()

TITLES = tuple(f"Book {n}" for n in range(1, 251))


@app.get("/titles")
def list_titles(settings: SettingsDep, limit: Annotated[int, Query(ge=1)] = 20) -> list[str]:
    return list(TITLES[: min(limit, settings.max_page_size)])


@app.get("/about")
def about(settings: SettingsDep) -> dict[str, str | int]:
    # Choose what to show. Returning `settings` itself would publish every field.
    return {"app_name": settings.app_name, "max_page_size": settings.max_page_size}
