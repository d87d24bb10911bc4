"""Building a public model from any object with the right attributes."""

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict


@dataclass
class UserRow:
    """Stands for what a database library hands you: an object, not a dict."""

    id: int
    username: str
    password_hash: str


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str


class UserPublicStrict(BaseModel):
    """The same fields, without from_attributes: it accepts dicts and its own instances only."""

    id: int
    username: str


row = UserRow(id=7, username="grace", password_hash="$argon2id$…")
public = UserPublic.model_validate(row)  # reads row.id and row.username; ignores the rest
