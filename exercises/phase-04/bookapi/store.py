"""A small in-memory store: dicts keyed by id, and the next id to hand out.

Everything it receives has already been validated by Pydantic, so it never checks input itself.
It keeps stored models (`Book`, `User`); the routes decide what clients see. Phase 7 replaces it
with a database.
"""

from datetime import UTC, datetime

from bookapi.schemas import Book, BookCreate, User, UserCreate


class BookStore:
    def __init__(self) -> None:
        self._books: dict[int, Book] = {}
        self._next_id = 1

    def add(self, data: BookCreate) -> Book:
        book = Book(id=self._next_id, created_at=datetime.now(UTC), **data.model_dump())
        self._books[book.id] = book
        self._next_id += 1
        return book

    def get(self, book_id: int) -> Book | None:
        return self._books.get(book_id)

    def with_isbn(self, isbn: str) -> Book | None:
        """The stored book with this ISBN, if there is one."""
        return next((book for book in self._books.values() if book.isbn == isbn), None)

    def remove(self, book_id: int) -> Book | None:
        """Forget a book; returns it, or None if there was no such book."""
        return self._books.pop(book_id, None)

    def list(self, limit: int, offset: int = 0, author: str | None = None) -> list[Book]:
        books = list(self._books.values())
        if author is not None:
            wanted = author.casefold()
            books = [book for book in books if book.author.casefold() == wanted]
        return books[offset : offset + limit]


class UserStore:
    def __init__(self) -> None:
        self._users: dict[int, User] = {}
        self._next_id = 1

    def add(self, data: UserCreate, password_hash: str) -> User:
        # Everything but the password: the store only ever sees its hash.
        user = User(
            id=self._next_id,
            created_at=datetime.now(UTC),
            password_hash=password_hash,
            **data.model_dump(exclude={"password"}),
        )
        self._users[user.id] = user
        self._next_id += 1
        return user

    def get(self, user_id: int) -> User | None:
        return self._users.get(user_id)

    def with_username(self, username: str) -> User | None:
        """The user with this username, ignoring case, if there is one."""
        wanted = username.casefold()
        return next((u for u in self._users.values() if u.username.casefold() == wanted), None)

    def with_email(self, email: str) -> User | None:
        """The user with this email address, ignoring case, if there is one."""
        wanted = email.casefold()
        return next((u for u in self._users.values() if u.email.casefold() == wanted), None)

    def list(self) -> list[User]:
        return list(self._users.values())


# The stores this process uses. Phase 5 moves them into the app's lifespan.
store = BookStore()
user_store = UserStore()
