"""The trap: `model_validate` is no filter when the stored model extends the public one."""

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field


class UserPublic(BaseModel):
    id: int
    username: str


class User(UserPublic):
    """The stored user extends the public one: every User already is a UserPublic."""

    password_hash: str = Field(repr=False)


app = FastAPI(title="Subclass trap")
ada = User(id=1, username="ada", password_hash="$argon2id$…")


@app.get("/users/converted-first")
def converted_first() -> dict[str, Any]:
    public = UserPublic.model_validate(ada)  # returns `ada` itself: it already is a UserPublic
    return public.model_dump()  # so this is a User's dump, hash included


@app.get("/users/filtered", response_model=UserPublic)
def filtered() -> User:
    return ada  # FastAPI writes out only UserPublic's fields
