"""A small in-memory book store: a dict keyed by id, and the next id to hand out.

Everything it receives has already been validated by Pydantic, so it never checks input itself.
Phase 7 replaces it with a database.
"""

from bookapi.schemas import Book, BookCreate


class BookStore:
    def __init__(self) -> None:
        self._books: dict[int, Book] = {}
        self._next_id = 1

    def add(self, data: BookCreate) -> Book:
        # TODO 6a: stamp the book with `created_at=datetime.now(UTC)` (from datetime import
        #          UTC, datetime). Never `datetime.now()` with no zone, nor `utcnow()`.
        book = Book(id=self._next_id, **data.model_dump())
        self._books[book.id] = book
        self._next_id += 1
        return book

    def get(self, book_id: int) -> Book | None:
        return self._books.get(book_id)

    def list(self, limit: int, offset: int = 0, author: str | None = None) -> list[Book]:
        books = list(self._books.values())
        if author is not None:
            wanted = author.casefold()
            books = [book for book in books if book.author.casefold() == wanted]
        return books[offset : offset + limit]


# TODO 6b: a `UserStore` like BookStore, with `add(data: UserCreate, password_hash: str)
#          -> User` (stamping created_at; everything but the password goes into the `User`),
#          `get(user_id) -> User | None` and `list() -> list[User]`.


# The one store this process uses. Phase 5 moves it into the app's lifespan.
store = BookStore()
# TODO 6c: and `user_store = UserStore()`.
