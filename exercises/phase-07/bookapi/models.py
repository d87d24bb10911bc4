"""The Book API's tables: what the database stores. Never sent to, or read from, a client.

Each class with `table=True` is a table, and each instance a row. Clients speak in the models
of `bookapi.schemas` (`BookCreate`, `BookPublic`, ...); services turn those into rows and back.
"""

from datetime import UTC, datetime  # noqa: F401  (TODO 2 needs them)

from sqlmodel import Field, Relationship, SQLModel  # noqa: F401  (TODO 2 needs them)

# TODO 2: declare the three tables (the lesson's "Table models and public models" and
#         "Relationships" sections show how):
#         - `Author` (`__tablename__ = "authors"`): `id: int | None` primary key, `name: str`
#           (at most 100 characters, unique), and `books: list["Book"]`, a Relationship with
#           back_populates="author";
#         - `Book` ("books"): `id`, `title` (200), `year: int`, `isbn: str | None` (13, UNIQUE:
#           the database then refuses a duplicate), `created_at: datetime` defaulting to
#           `datetime.now(UTC)`, `author_id: int` with `foreign_key="authors.id"`, and
#           `author: Author`, a Relationship with back_populates="books";
#         - `User` ("users", not "user": a reserved word in PostgreSQL): `id`, `username` (30,
#           unique), `email` (320, unique), `password_hash: str`, `created_at`.
