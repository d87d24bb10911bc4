"""Correct: the rules live in reusable `Annotated` types instead of `Field(...)` on each model."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

Title = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=200)]
AuthorName = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=100)]
Year = Annotated[int, Strict(), Field(gt=1449, lt=2101)]
Isbn13 = Annotated[str, Strict(), StringConstraints(pattern=r"^[0-9]{13}$")]


class BookCreate(BaseModel):
    # Unknown fields (a client-chosen "id", say) are refused with a 422, not ignored.
    model_config = ConfigDict(extra="forbid")

    title: Title
    author: AuthorName
    year: Year
    isbn: Isbn13 | None = None


class Book(BookCreate):
    id: int


class BookQuery(BaseModel):
    limit: Annotated[int, Field(gt=0, le=100)] = 20
    offset: Annotated[int, Field(ge=0)] = 0
    author: AuthorName | None = None
