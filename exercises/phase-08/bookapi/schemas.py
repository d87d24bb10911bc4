"""The Book API's own models: what a client sends, and what a client sees.

The tables are in `bookapi.models`; these models are the API's contract, kept apart from them:

- input models (`BookCreate`, `BookUpdate`, `UserCreate`): the JSON bodies clients send;
- public models (`BookPublic`, `AuthorPublic`, `UserPublic`): the only shapes that ever leave
  the API. Routes return rows and declare these as their `response_model`, which FastAPI
  builds from the rows' attributes;
- query models (`Page`, `BookQuery`): query parameters, validated together.

`Price` is the shape of another service's answer, validated like any input.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_serializer,
    field_validator,
    model_validator,
)


class BookApiModel(BaseModel):
    """The base of every model in the Book API: the configuration they all share."""

    model_config = ConfigDict(
        # "  Dune " arrives as "Dune", and a title of only spaces becomes "" (then too short).
        str_strip_whitespace=True,
        # A public model can be built from any object with the right attributes.
        from_attributes=True,
    )


# A password is taken exactly as typed: leading or trailing spaces are part of it.
Password = Annotated[str, StringConstraints(strip_whitespace=False, min_length=8, max_length=128)]


# --- books -----------------------------------------------------------------------------------


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


class AuthorPublic(BookApiModel):
    """An author as clients see it."""

    id: int
    name: str


class BookPublic(BookApiModel):
    """A book as clients see it, with its author (read from the row's `author` relationship)."""

    id: int
    title: str
    author: AuthorPublic
    year: int
    isbn: str | None
    created_at: AwareDatetime

    @field_serializer("created_at")
    def created_at_in_utc(self, value: datetime) -> datetime:
        """Whatever offset a timestamp was stored with, clients always read it in UTC."""
        return value.astimezone(UTC)


class Page(BookApiModel):
    """`limit` and `offset` for any list; `limit` is capped again at `max_page_size`.

    Query strings are text, so this model stays lax: `?limit=5` becomes the integer 5.
    Unknown parameters (a typo such as `?limt=5`) are refused rather than ignored.
    """

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=20, ge=1, le=100, description="How many to return.")
    offset: int = Field(default=0, ge=0, description="How many to skip first.")


class BookQuery(Page):
    """The query parameters of GET /books."""

    author: str | None = Field(
        default=None, max_length=100, description="Only books by this author (any case)."
    )


# --- users -----------------------------------------------------------------------------------


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


# TODO 5: the login's answer, `Token` (`access_token: str`, `token_type: str = "bearer"`),
#         and `owner_id: int | None` in `BookPublic`. No input model gets an owner field: the
#         owner comes from the token.


# --- prices and covers -----------------------------------------------------------------------


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
