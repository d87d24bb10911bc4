"""field_validator checks or reshapes one field; field_serializer shapes it on the way out."""

# --8<-- [start:imports]
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    field_serializer,
    field_validator,
)

# --8<-- [end:imports]


# --8<-- [start:validators]
class SignUp(BaseModel):
    username: str
    password: str

    @field_validator("password")  # mode="after" (the default): runs on the validated str
    @classmethod
    def not_only_whitespace(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the password must not be only whitespace")
        return value


class BookIn(BaseModel):
    isbn: str

    @field_validator("isbn", mode="before")  # runs on the raw input, before the str check
    @classmethod
    def drop_hyphens(cls, value: Any) -> Any:
        return value.replace("-", "").replace(" ", "") if isinstance(value, str) else value


# --8<-- [end:validators]


# --8<-- [start:after_validator]
def not_only_whitespace(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be only whitespace")  # says what is wrong, not what was sent
    return value


# The rule as part of a type: every field declared `Password` gets it, in any model.
Password = Annotated[str, Field(min_length=8, max_length=128), AfterValidator(not_only_whitespace)]


class Login(BaseModel):
    username: str
    password: Password


# --8<-- [end:after_validator]


# --8<-- [start:serializer]
class Stamped(BaseModel):
    created_at: AwareDatetime

    @field_serializer("created_at")
    def in_utc(self, value: datetime) -> datetime:
        # Stored with any offset, always read in UTC.
        return value.astimezone(UTC)


# --8<-- [end:serializer]
