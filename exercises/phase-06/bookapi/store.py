"""The in-memory store, and the sessions that work on it. Phase 7 swaps both for a database.

`Store` plays the database: one per application, created in the lifespan, holding the committed
books and users. `Session` plays a database session: a unit of work that stages changes and
writes them to the store only on `commit()`. Open one per request, and always close it.

Through a session, `session.books` and `session.users` answer the same calls as Phase 4's
`store` and `user_store` (`get`, `list`, `add`, ...), so the services barely change.
"""

import threading
from datetime import UTC, datetime
from types import TracebackType
from typing import Generic, Self, TypeVar

from bookapi.schemas import Book, BookCreate, User, UserCreate

Row = TypeVar("Row", Book, User)


class Store:
    """The committed books and users, and the next id for each."""

    def __init__(self) -> None:
        self.books: dict[int, Book] = {}
        self.users: dict[int, User] = {}
        self._next_ids = {"books": 1, "users": 1}
        self._lock = threading.Lock()
        # Sessions opened and not yet closed, like a connection pool's "checked out" count.
        # It is back to 0 after every request; anything else is a leak.
        self.open_sessions = 0

    def next_id(self, table: str) -> int:
        """A new id; like a database sequence, it is never handed out twice."""
        with self._lock:
            new_id = self._next_ids[table]
            self._next_ids[table] += 1
        return new_id


class SessionClosed(RuntimeError):
    """A closed session was used again."""


class _Table(Generic[Row]):
    """One table seen through a session: the committed rows plus the session's own changes."""

    def __init__(self, session: "Session", committed: dict[int, Row]) -> None:
        self._session = session
        self._committed = committed
        self._added: dict[int, Row] = {}
        self._removed: set[int] = set()

    def _rows(self) -> list[Row]:
        self._session.check_open()
        rows = {**self._committed, **self._added}
        return [rows[i] for i in sorted(rows) if i not in self._removed]

    def _insert(self, row: Row) -> Row:
        self._session.check_open()
        self._added[row.id] = row
        return row

    def get(self, row_id: int) -> Row | None:
        self._session.check_open()
        if row_id in self._removed:
            return None
        return self._added.get(row_id) or self._committed.get(row_id)

    def remove(self, row_id: int) -> Row | None:
        """Forget a row; returns it, or None if there was no such row."""
        row = self.get(row_id)
        if row is not None:
            self._added.pop(row_id, None)
            self._removed.add(row_id)
        return row

    def _apply(self) -> None:
        self._committed.update(self._added)
        for row_id in self._removed:
            self._committed.pop(row_id, None)
        self._forget()

    def _forget(self) -> None:
        self._added.clear()
        self._removed.clear()


class BookTable(_Table[Book]):
    def add(self, data: BookCreate) -> Book:
        book_id = self._session.store.next_id("books")
        return self._insert(Book(id=book_id, created_at=datetime.now(UTC), **data.model_dump()))

    def with_isbn(self, isbn: str) -> Book | None:
        """The book with this ISBN, if there is one."""
        return next((book for book in self._rows() if book.isbn == isbn), None)

    def list(self, limit: int, offset: int = 0, author: str | None = None) -> list[Book]:
        books = self._rows()
        if author is not None:
            wanted = author.casefold()
            books = [book for book in books if book.author.casefold() == wanted]
        return books[offset : offset + limit]


class UserTable(_Table[User]):
    def add(self, data: UserCreate, password_hash: str) -> User:
        # Everything but the password: the store only ever sees its hash.
        user = User(
            id=self._session.store.next_id("users"),
            created_at=datetime.now(UTC),
            password_hash=password_hash,
            **data.model_dump(exclude={"password"}),
        )
        return self._insert(user)

    def with_username(self, username: str) -> User | None:
        """The user with this username, ignoring case, if there is one."""
        wanted = username.casefold()
        return next((u for u in self._rows() if u.username.casefold() == wanted), None)

    def with_email(self, email: str) -> User | None:
        """The user with this email address, ignoring case, if there is one."""
        wanted = email.casefold()
        return next((u for u in self._rows() if u.email.casefold() == wanted), None)

    def list(self) -> list[User]:
        return self._rows()


class Session:
    """A unit of work over a `Store`.

    Reads see the store plus this session's own changes. Writes are staged, and reach the store
    on `commit()`; `rollback()` forgets them, and so does `close()` for anything uncommitted.
    `with Session(store) as session:` closes on the way out. It does not commit: committing is
    a decision, not a side effect.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.books = BookTable(self, store.books)
        self.users = UserTable(self, store.users)
        self.closed = False
        with store._lock:
            store.open_sessions += 1

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def check_open(self) -> None:
        if self.closed:
            raise SessionClosed("this session is closed; open a new one")

    def commit(self) -> None:
        """Write every staged change to the store, all at once."""
        self.check_open()
        with self.store._lock:
            self.books._apply()
            self.users._apply()

    def rollback(self) -> None:
        """Forget every staged change."""
        self.books._forget()
        self.users._forget()

    def close(self) -> None:
        """Forget anything uncommitted and hand the session back. Closing twice is harmless."""
        if self.closed:
            return
        self.rollback()
        self.closed = True
        with self.store._lock:
            self.store.open_sessions -= 1
