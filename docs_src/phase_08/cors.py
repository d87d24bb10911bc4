"""CORS with an explicit list of origins, read from the settings when the app starts."""

from functools import lru_cache

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.types import ASGIApp


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKAPI_")

    # BOOKAPI_CORS_ORIGINS='["https://books.example.com"]' in production (a JSON list).
    cors_origins: list[str] = ["http://localhost:5173"]


@lru_cache
def get_settings() -> Settings:
    return Settings()


# --8<-- [start:cors]
def cors(app: ASGIApp) -> ASGIApp:
    """Wraps the app in CORSMiddleware. FastAPI builds its middleware when the app starts (its
    first event), not at import, so the settings are read then, like in the lifespan."""
    settings = get_settings()
    return CORSMiddleware(
        app,
        allow_origins=settings.cors_origins,  # exact origins: scheme, host and port
        allow_credentials=True,  # cookies and Authorization may be sent...
        allow_methods=["GET", "POST", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type"],  # ...so never "*" for origins
    )


app = FastAPI()
app.add_middleware(cors)


# --8<-- [end:cors]


@app.get("/books")
def list_books() -> list[str]:
    return ["Kindred"]
