"""The Book API's models: what a client may send, and what the API stores and answers."""

from pydantic import BaseModel, ConfigDict, Field


class BookCreate(BaseModel):
    """The JSON body of POST /books.

    Strict: every field must arrive with its own JSON type. A year sent as the string "1999"
    (or as 1999.0, or as true) is refused with a 422 instead of being quietly converted.
    """

    model_config = ConfigDict(strict=True)

    title: str = Field(min_length=1, max_length=200)
    author: str = Field(min_length=1, max_length=100)
    year: int = Field(ge=1450, le=2100, description="Year of publication.")
    isbn: str | None = Field(
        default=None, pattern=r"^[0-9]{13}$", description="ISBN-13: thirteen digits, no hyphens."
    )


class Book(BookCreate):
    """A stored book: what the client sent, plus the id the API gave it."""

    id: int


class BookQuery(BaseModel):
    """The query parameters of GET /books, validated together as one model.

    Query strings are text, so this model stays lax: `?limit=5` becomes the integer 5.
    Unknown parameters (a typo such as `?limt=5`) are refused rather than ignored.
    """

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=20, ge=1, le=100, description="How many books to return.")
    offset: int = Field(default=0, ge=0, description="How many books to skip first.")
    author: str | None = Field(
        default=None, max_length=100, description="Only books by this author (any case)."
    )
