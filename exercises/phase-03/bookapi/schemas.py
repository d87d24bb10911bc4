"""The Book API's models: what a client may send, and what the API stores and answers.

Phase 3 splits them three ways: input models (what clients send), stored models (what the
store keeps) and public models (the only shapes that ever leave the API).
"""

from pydantic import BaseModel, ConfigDict, Field

# TODO 1: write the shared base model every model below inherits instead of `BaseModel`:
#
#             class BookApiModel(BaseModel):
#                 model_config = ConfigDict(str_strip_whitespace=True, from_attributes=True)
#
#         Stripping turns "  Dune " into "Dune" and a title of only spaces into "", which
#         `min_length=1` then refuses with a 422. A model's own `model_config` (such as
#         `strict=True` below) is merged with the base's.


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
    # TODO 2: add `created_at: AwareDatetime` (from pydantic): the moment the book was stored.
    #         AwareDatetime refuses a naive datetime, so a missing time zone fails loudly here.


# TODO 3: add `BookPublic`, what clients see of a book: id, title, author, year, isbn and
#         created_at. Optionally, a `@field_serializer("created_at")` that returns
#         `value.astimezone(UTC)`, so clients always read UTC whatever was stored.


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


# TODO 4: the user models.
#   - `UserCreate` (the body of POST /users): username (3..30 characters, letters, digits,
#     ".", "_" or "-"), email (`EmailStr`) and password (8..128 characters). The password must
#     NOT be stripped (spaces are part of it): declare it as
#     `Annotated[str, StringConstraints(strip_whitespace=False, min_length=8, max_length=128)]`,
#     and refuse one made only of whitespace with a `@field_validator("password")`.
#   - `User` (stored): id, username, email, password_hash, created_at. Never sent to clients.
#   - `UserPublic` (what clients see): id, username, email, created_at. No password, no hash.
