"""A reading list, built by a factory: `create_app(settings)` makes a new, independent app on
every call, with settings that belong to it. `create_app()` reads the environment, when the app
starts. Its tests are in conftest.py, sync_tests.py, async_tests.py and override_tests.py."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request, status
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlmodel import Field, Session, SQLModel, create_engine, select


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="READING_", extra="ignore")

    database_url: str = "sqlite:///reading.db"
    page_size: int = 20
    api_key: SecretStr  # no default: the environment, or the caller, must give one


@lru_cache
def load_settings() -> Settings:
    """The environment's settings, read once per process."""
    return Settings()  # type: ignore[call-arg]


class Book(SQLModel, table=True):
    __tablename__ = "books"

    id: int | None = Field(default=None, primary_key=True)
    title: str


class BookIn(SQLModel):
    title: str = Field(min_length=1)


class BookOut(BookIn):
    id: int


# --8<-- [start:dependencies]
def get_settings(request: Request) -> Settings:
    """The settings of the app that serves this request."""
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, on the engine of the app that serves it."""
    with Session(request.app.state.engine) as session:
        yield session
        session.commit()


SessionDep = Annotated[Session, Depends(get_session)]


def require_key(settings: SettingsDep, x_api_key: Annotated[str | None, Header()] = None) -> None:
    if x_api_key != settings.api_key.get_secret_value():
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "A valid X-API-Key header is needed")


# --8<-- [end:dependencies]


# --8<-- [start:router]
router = APIRouter(prefix="/books", tags=["books"])


@router.get("", response_model=list[BookOut])
def list_books(session: SessionDep, settings: SettingsDep) -> list[Book]:
    books = session.exec(select(Book).order_by(Book.id).limit(settings.page_size))  # type: ignore[arg-type]
    return list(books)  # the response_model turns each row into a BookOut


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=BookOut,
    dependencies=[Depends(require_key)],
)
def add_book(book: BookIn, session: SessionDep) -> Book:
    stored = Book.model_validate(book)
    session.add(stored)
    session.flush()  # the INSERT runs now, and the new row gets its id
    return stored


# --8<-- [end:router]


# --8<-- [start:factory]
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    if app.state.settings is None:  # no settings given: the environment's, read now
        app.state.settings = load_settings()
    engine = create_engine(app.state.settings.database_url)
    SQLModel.metadata.create_all(engine)
    app.state.engine = engine
    try:
        yield
    finally:
        engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new reading list. Calling it reads nothing and connects to nothing."""
    app = FastAPI(title="Reading list", lifespan=lifespan)
    app.state.settings = settings
    app.include_router(router, prefix="/api/v1")
    return app


app = create_app()  # what `fastapi dev` serves; tests build their own
# --8<-- [end:factory]
