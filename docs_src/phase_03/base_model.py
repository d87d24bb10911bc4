"""One base model carries the configuration every model in the API shares."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class BookApiModel(BaseModel):
    model_config = ConfigDict(
        str_strip_whitespace=True,  # "  Dune " becomes "Dune"; "   " becomes ""
        from_attributes=True,  # public models can be built from stored objects
    )


class BookCreate(BookApiModel):
    model_config = ConfigDict(strict=True)  # merged with the base's configuration

    title: str = Field(min_length=1, max_length=200)  # "" (from "   ") is too short: 422
    author: str = Field(min_length=1, max_length=100)


# A password is taken exactly as typed: this field opts out of the shared stripping.
Password = Annotated[str, StringConstraints(strip_whitespace=False, min_length=8, max_length=128)]


class UserCreate(BookApiModel):
    username: str = Field(min_length=3, max_length=30)
    password: Password
