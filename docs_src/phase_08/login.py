"""The OAuth2 password flow: POST /token checks a password and signs a token; every protected
route asks for `CurrentUserDep`, which checks the token and loads the user."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ALGORITHM = "HS256"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKAPI_", hide_input_in_errors=True)

    # HS256 wants a key of at least 32 bytes: PyJWT warns about anything shorter.
    secret_key: SecretStr = Field(min_length=32)
    access_token_minutes: int = Field(default=15, ge=1, le=60)


@lru_cache
def get_settings() -> Settings:
    return Settings()  # type: ignore[call-arg]  # the secret comes from the environment


SettingsDep = Annotated[Settings, Depends(get_settings)]


class User(BaseModel):
    username: str
    password_hash: str = Field(repr=False)


class UserPublic(BaseModel):
    username: str


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


password_hash = PasswordHash.recommended()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    get_settings()
    # The sample's "database": one user, ada, whose password is "correct horse battery".
    ada = User(username="ada", password_hash=password_hash.hash("correct horse battery"))
    app.state.users = {ada.username: ada}
    yield


app = FastAPI(lifespan=lifespan)


def get_users(request: Request) -> dict[str, User]:
    return request.app.state.users


UsersDep = Annotated[dict[str, User], Depends(get_users)]


# --8<-- [start:authenticate]
@cache
def dummy_hash() -> str:
    """A hash of nothing anyone knows, made once, on first use, with today's parameters."""
    return password_hash.hash("no user has this password: it only costs time")


def authenticate(users: dict[str, User], username: str, password: str) -> User | None:
    """The user, if the password is theirs; None otherwise, after the same amount of work."""
    user = users.get(username)
    if user is None:
        # No such user: verify against a dummy hash anyway, so that "unknown user" takes as
        # long as "wrong password" and the response time does not reveal which usernames exist.
        password_hash.verify(password, dummy_hash())
        return None
    if not password_hash.verify(password, user.password_hash):
        return None
    return user


# --8<-- [end:authenticate]


# --8<-- [start:token_route]
def create_access_token(subject: str, settings: Settings) -> str:
    now = datetime.now(UTC)
    lifetime = timedelta(minutes=settings.access_token_minutes)
    claims = {"sub": subject, "iat": now, "exp": now + lifetime}
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


@app.post("/token")
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    users: UsersDep,
    settings: SettingsDep,
) -> Token:
    """OAuth2's password flow: a form with `username` and `password`, a bearer token back."""
    user = authenticate(users, form.username, form.password)
    if user is None:
        # One answer for "no such user" and "wrong password": never say which.
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Token(access_token=create_access_token(user.username, settings))


# --8<-- [end:token_route]


# --8<-- [start:current_user]
# Reads `Authorization: Bearer <token>`; answers 401 itself when the header is missing or is
# not a bearer token. `tokenUrl` tells /docs where its "Authorize" form should log in.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def credentials_error() -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail="Could not validate credentials",
        headers={"WWW-Authenticate": "Bearer"},  # RFC 6750: say which scheme to use
    )


def get_current_user(
    token: Annotated[str, Depends(oauth2_scheme)], users: UsersDep, settings: SettingsDep
) -> User:
    """The user the token speaks for, or 401: the same answer for every way it can fail."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub"]},
        )
    except jwt.InvalidTokenError:
        raise credentials_error() from None
    user = users.get(claims["sub"])
    if user is None:  # a valid token for a user who no longer exists
        raise credentials_error()
    return user


CurrentUserDep = Annotated[User, Depends(get_current_user)]


@app.get("/users/me")
def read_me(user: CurrentUserDep) -> UserPublic:
    return UserPublic(username=user.username)


# --8<-- [end:current_user]
