"""The Book API's tables: what the database stores. Never sent to, or read from, a client.

Each class with `table=True` is a table, and each instance a row. Clients speak in the models
of `bookapi.schemas` (`BookCreate`, `BookPublic`, ...); services turn those into rows and back.
Alembic's migrations (`migrations/`) create these tables on a server; the lifespan creates any
that are missing (the SQLite file on your laptop, a test's throwaway database).
"""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, Relationship, SQLModel


def now() -> datetime:
    return datetime.now(UTC)


class Author(SQLModel, table=True):
    __tablename__ = "authors"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    books: list["Book"] = Relationship(back_populates="author")


class Book(SQLModel, table=True):
    __tablename__ = "books"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    year: int
    # Unique: the database itself refuses a second book with the same ISBN (NULLs may repeat).
    isbn: str | None = Field(default=None, max_length=13, unique=True)
    # SQLModel stores a datetime as UTC and hands it back aware, even from SQLite.
    created_at: datetime = Field(default_factory=now)
    author_id: int = Field(foreign_key="authors.id", index=True)
    author: Author = Relationship(back_populates="books")
    # The user who created the book, the only one who may change or delete it. Books stored
    # before Phase 8 have none (NULL), and nobody may change them.
    owner_id: int | None = Field(default=None, foreign_key="users.id", index=True)


class User(SQLModel, table=True):
    __tablename__ = "users"  # `user` is a reserved word in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=30, unique=True)
    email: str = Field(max_length=320, unique=True)
    password_hash: str = Field(repr=False)  # kept out of log lines that print the row
    created_at: datetime = Field(default_factory=now)


class Job(SQLModel, table=True):
    """A piece of work the worker does outside any request: here, importing a list of books.

    The row is the job's truth: the web process creates it (`queued`), the worker moves it on
    (`running`, then `done` or `failed`), and GET /api/v1/jobs/{job_id} reads it. The queue
    only carries the job's id.
    """

    __tablename__ = "jobs"

    # A random id: clients cannot guess other jobs' ids, or count how many there are.
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str = Field(max_length=30)
    status: str = Field(default="queued", max_length=10)
    owner_id: int = Field(foreign_key="users.id", index=True)
    # What to import: the books as clients sent them (a JSON list).
    payload: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    imported: int = 0
    skipped: int = 0
    created_at: datetime = Field(default_factory=now)
    finished_at: datetime | None = None


class SentEmail(SQLModel, table=True):
    """The emails the Book API has sent: a stand-in for a real mail service (see
    `bookapi.emails`). In production this would be a call to your email provider."""

    __tablename__ = "sent_emails"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    kind: str = Field(max_length=30)
    to: str = Field(max_length=320, repr=False)  # an address: kept out of log lines
    sent_at: datetime = Field(default_factory=now)
