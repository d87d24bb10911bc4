"""Input, stored and public models: the password goes in, its hash is kept, neither comes out."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import FastAPI, HTTPException, Path
from pwdlib import PasswordHash
from pydantic import AwareDatetime, BaseModel, EmailStr, Field

hasher = PasswordHash.recommended()


class UserCreate(BaseModel):
    """What a client sends to sign up."""

    username: str = Field(min_length=3, max_length=30)
    email: EmailStr
    password: str = Field(min_length=8, max_length=128)


class User(BaseModel):
    """What the server keeps. Never returned as it is."""

    id: int
    username: str
    email: EmailStr
    password_hash: str
    created_at: AwareDatetime


class UserPublic(BaseModel):
    """What a client sees."""

    id: int
    username: str
    email: EmailStr
    created_at: AwareDatetime


app = FastAPI(title="Three models")
users: dict[int, User] = {}


@app.post("/users", response_model=UserPublic)
def sign_up(data: UserCreate) -> User:
    user = User(
        id=len(users) + 1,
        username=data.username,
        email=data.email,
        password_hash=hasher.hash(data.password),
        created_at=datetime.now(UTC),
    )
    users[user.id] = user
    return user  # the stored user; response_model sends only UserPublic's fields


@app.get("/users/{user_id}", response_model=UserPublic)
def read_user(user_id: Annotated[int, Path(ge=1)]) -> User:
    if user_id not in users:
        raise HTTPException(status_code=404, detail=f"User {user_id} not found")
    return users[user_id]
