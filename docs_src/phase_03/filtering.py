"""Two ways to declare what a route answers; FastAPI filters the return value with either."""

# --8<-- [start:imports]
from datetime import UTC, datetime

from fastapi import FastAPI
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# --8<-- [end:imports]


# --8<-- [start:models]
class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    created_at: AwareDatetime


class User(UserPublic):
    """The stored user: the public fields plus the hash."""

    password_hash: str


app = FastAPI(title="Filtering")
ada = User(id=1, username="ada", password_hash="$argon2id$…", created_at=datetime.now(UTC))


# --8<-- [end:models]


# --8<-- [start:return_type]
@app.get("/users/by-return-type")
def by_return_type() -> UserPublic:
    # The annotation is the contract. `User` is a subclass of `UserPublic`, so this type-checks,
    # and FastAPI serializes only UserPublic's fields: the hash stays behind.
    return ada


# --8<-- [end:return_type]


# --8<-- [start:response_model]
@app.get("/users/by-response-model", response_model=UserPublic)
def by_response_model() -> User:
    # The handler says what it returns (a stored User); the decorator says what goes out.
    return ada


# --8<-- [end:response_model]


# --8<-- [start:exclude]
class Account(BaseModel):
    """One model, with the secret field excluded from every dump and from the response schema."""

    id: int
    username: str
    password_hash: str = Field(exclude=True, repr=False)


@app.get("/accounts/1")
def read_account() -> Account:
    return Account(id=1, username="ada", password_hash="$argon2id$…")


# --8<-- [end:exclude]
