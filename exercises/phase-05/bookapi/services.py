"""The service layer: the Book API's rules, with no HTTP in sight.

Each function does one job and raises a domain error (bookapi.errors) when it cannot. Routes
call these functions and stay thin; bookapi.handlers turns the errors into responses, once.
"""

from bookapi.errors import BookNotFound, DuplicateBook, DuplicateUser, UserNotFound
from bookapi.schemas import Book, BookCreate, BookQuery, User, UserCreate
from bookapi.security import hash_password
from bookapi.store import store, user_store

# TODO 7: give every function a first parameter `session: Session` (from bookapi.store), and
#         work on it: `store.` becomes `session.books.` and `user_store.` becomes
#         `session.users.` (same methods). Then drop the import of `store` and `user_store`.
#         Never commit here: `get_session` decides, once the route has returned.


def list_books(query: BookQuery) -> list[Book]:
    return store.list(limit=query.limit, offset=query.offset, author=query.author)


def get_book(book_id: int) -> Book:
    book = store.get(book_id)
    if book is None:
        raise BookNotFound(book_id)
    return book


def create_book(data: BookCreate) -> Book:
    # Check, then add: fine for one process and an in-memory dict. A database enforces
    # uniqueness itself (Phase 7), which also closes the gap between two concurrent requests.
    if data.isbn is not None and store.with_isbn(data.isbn) is not None:
        raise DuplicateBook(data.isbn)
    return store.add(data)


def delete_book(book_id: int) -> None:
    if store.remove(book_id) is None:
        raise BookNotFound(book_id)


def list_users() -> list[User]:
    return user_store.list()


def get_user(user_id: int) -> User:
    user = user_store.get(user_id)
    if user is None:
        raise UserNotFound(user_id)
    return user


def create_user(data: UserCreate) -> User:
    if user_store.with_username(data.username) is not None:
        raise DuplicateUser("username")
    if user_store.with_email(data.email) is not None:
        raise DuplicateUser("email")
    # Hash only once we know the sign-up is acceptable: Argon2 is slow on purpose.
    return user_store.add(data, password_hash=hash_password(data.password))
