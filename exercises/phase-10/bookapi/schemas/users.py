"""Users as clients send and see them, and the token a login answers."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    AwareDatetime,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_serializer,
    field_validator,
)

from bookapi.schemas.base import BookApiModel

# A password is taken exactly as typed: leading or trailing spaces are part of it.
Password = Annotated[str, StringConstraints(strip_whitespace=False, min_length=8, max_length=128)]


class UserCreate(BookApiModel):
    """The JSON body of POST /users: the only model that ever holds a password."""

    model_config = ConfigDict(strict=True)

    username: str = Field(
        min_length=3,
        max_length=30,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="3 to 30 letters, digits, dots, dashes or underscores.",
    )
    email: EmailStr
    password: Password

    @field_validator("password")
    @classmethod
    def password_not_blank(cls, value: str) -> str:
        """Eight spaces are eight characters, but they are not a password."""
        if not value.strip():
            raise ValueError("the password must not be only whitespace")
        return value


class UserPublic(BookApiModel):
    """A user as clients see it: no password, no hash."""

    id: int
    username: str
    email: EmailStr
    created_at: AwareDatetime

    @field_serializer("created_at")
    def created_at_in_utc(self, value: datetime) -> datetime:
        """Whatever offset a timestamp was stored with, clients always read it in UTC."""
        return value.astimezone(UTC)


class Token(BookApiModel):
    """The answer of POST /token, in the names OAuth2 gives them."""

    access_token: str
    token_type: str = "bearer"
