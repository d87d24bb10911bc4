"""The Book API's models: what a client may send, and what the API stores and answers.

The field names and types are here already. Your job is the rules: Pydantic enforces them
before any of your route code runs, and the interactive docs show them to every client.
"""

from pydantic import BaseModel, ConfigDict, Field  # noqa: F401  (TODOs 1-3 need them)


class BookCreate(BaseModel):
    """The JSON body of POST /books."""

    # TODO 1: bound every field with `Field(...)` (or an `Annotated` type):
    #         title 1..200 characters, author 1..100 characters, year 1450..2100 (inclusive),
    #         isbn, when given, exactly 13 digits (`pattern=r"^[0-9]{13}$"`).
    # TODO 2: make this model strict, so that `"year": "1999"` (a string) is refused with a 422
    #         instead of being quietly turned into an integer: `model_config = ConfigDict(...)`.
    title: str
    author: str
    year: int
    isbn: str | None = None


class Book(BookCreate):
    """A stored book: what the client sent, plus the id the API gave it."""

    id: int


class BookQuery(BaseModel):
    """The query parameters of GET /books, validated together as one model."""

    # TODO 3: bound the parameters: limit 1..100 (default 20), offset 0 or more (default 0).
    #         Leave this model lax: query strings are text, and `?limit=5` must become 5.
    #         (Optional, not graded: `model_config = ConfigDict(extra="forbid")` turns a typo
    #         such as `?limt=5` into a 422 instead of silently ignoring it.)
    limit: int = 20
    offset: int = 0
    author: str | None = None
