"""Table models (what the database stores) beside the API's own models (what clients see).

The table models are SQLModel classes with `table=True`: each is a table, and each instance is
a row. The API's models are plain Pydantic models, as in Phases 3 to 5: a client never sends or
receives a table model, so the table can change without the API changing by accident.
"""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints
from sqlmodel import Field, Relationship, SQLModel


# --8<-- [start:tables]
class Author(SQLModel, table=True):
    __tablename__ = "authors"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    # One author, many books: the other side of Book.author.
    books: list["Book"] = Relationship(back_populates="author")


class Book(SQLModel, table=True):
    __tablename__ = "books"

    id: int | None = Field(default=None, primary_key=True)  # the database picks it
    title: str = Field(max_length=200)
    year: int
    isbn: str | None = Field(default=None, max_length=13, unique=True)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    # The column that links the rows...
    author_id: int = Field(foreign_key="authors.id", index=True)
    # ...and the Python attribute that follows the link: `book.author` is an Author.
    author: Author = Relationship(back_populates="books")
# --8<-- [end:tables]


# --8<-- [start:public]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class BookCreate(BaseModel):
    """What a client sends to create a book: no id, no timestamp, the author by name."""

    title: Text
    author: Text
    year: int
    isbn: str | None = None


class AuthorPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


class BookPublic(BaseModel):
    """What a client sees: the author as an object, read from the relationship."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    year: int
    isbn: str | None
    created_at: AwareDatetime
    author: AuthorPublic


class BookUpdate(BaseModel):
    """PATCH: every field may be left out. Only the ones the client sent are changed."""

    title: Text | None = None
    author: Text | None = None
    year: int | None = None
    isbn: str | None = None
# --8<-- [end:public]
