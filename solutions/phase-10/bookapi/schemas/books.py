"""Books as clients send them, see them and ask for them; and their prices and covers."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Self

from pydantic import AwareDatetime, ConfigDict, Field, field_serializer, model_validator

from bookapi.schemas.authors import AuthorPublic
from bookapi.schemas.base import BookApiModel, Page


class BookCreate(BookApiModel):
    """The JSON body of POST /books: the author by name (found, or created with the book).

    Strict: every field must arrive with its own JSON type. A year sent as the string "1999"
    (or as 1999.0, or as true) is refused with a 422 instead of being quietly converted.
    """

    model_config = ConfigDict(strict=True)

    title: str = Field(min_length=1, max_length=200)
    author: str = Field(min_length=1, max_length=100, description="The author's name.")
    year: int = Field(ge=1450, le=2100, description="Year of publication.")
    isbn: str | None = Field(
        default=None, pattern=r"^[0-9]{13}$", description="ISBN-13: thirteen digits, no hyphens."
    )


class BookUpdate(BookApiModel):
    """The JSON body of PATCH /books/{book_id}: any of BookCreate's fields, all optional.

    Only the fields the client sent are applied (`model_dump(exclude_unset=True)`). `null` clears
    the ISBN; the other fields cannot be empty, so `null` for them is a 422.
    """

    model_config = ConfigDict(strict=True)

    title: str | None = Field(default=None, min_length=1, max_length=200)
    author: str | None = Field(default=None, min_length=1, max_length=100)
    year: int | None = Field(default=None, ge=1450, le=2100)
    isbn: str | None = Field(default=None, pattern=r"^[0-9]{13}$")

    @model_validator(mode="after")
    def required_fields_not_null(self) -> Self:
        for name in ("title", "author", "year"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; leave it out to keep it")
        return self


class BookPublic(BookApiModel):
    """A book as clients see it, with its author (read from the row's `author` relationship)."""

    id: int
    title: str
    author: AuthorPublic
    year: int
    isbn: str | None
    owner_id: int | None = Field(
        description="The user who created it: the only one who may change or delete it."
    )
    created_at: AwareDatetime

    @field_serializer("created_at")
    def created_at_in_utc(self, value: datetime) -> datetime:
        """Whatever offset a timestamp was stored with, clients always read it in UTC."""
        return value.astimezone(UTC)


class BookQuery(Page):
    """The query parameters of GET /books."""

    author: str | None = Field(
        default=None, max_length=100, description="Only books by this author (any case)."
    )


class Price(BookApiModel):
    """What the price service answers for one ISBN: `{"isbn", "price", "currency"}`."""

    isbn: str
    price: Decimal = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, such as EUR.")


class BookPrice(BookApiModel):
    """GET /books/{book_id}/price: a book's price today, as the price service quotes it."""

    book_id: int
    isbn: str
    price: Decimal = Field(description='A decimal amount, sent as a string: "12.50".')
    currency: str


class BookCover(BookApiModel):
    """GET /books/{book_id}/cover: the five colours of a book's cover."""

    book_id: int
    palette: list[str] = Field(description="Five colours, `#rrggbb`.")
