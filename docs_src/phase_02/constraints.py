# --8<-- [start:imports]
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

# --8<-- [end:imports]


# --8<-- [start:field]
class BookWithFields(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=1450, le=2100)
    isbn: str | None = Field(default=None, pattern=r"^[0-9]{13}$")


# --8<-- [end:field]


# --8<-- [start:annotated]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Year = Annotated[int, Field(ge=1450, le=2100)]
Isbn13 = Annotated[str, StringConstraints(pattern=r"^[0-9]{13}$")]


class BookWithTypes(BaseModel):
    title: Title
    year: Year
    isbn: Isbn13 | None = None


class Edition(BaseModel):
    book_title: Title  # the same rule, written once, reused
    year: Year


# --8<-- [end:annotated]
