"""The service layer: the Book API's rules, with no HTTP in sight.

Each function does one job on the session it is given and raises a domain error
(bookapi.errors) when it cannot. Routes call these functions and stay thin; bookapi.handlers
turns the errors into responses, once. No function here opens, commits or closes a session:
the request's `get_session` does.
"""

from bookapi.errors import BookNotFound, DuplicateBook, DuplicateUser, UserNotFound
from bookapi.schemas import Book, BookCreate, BookQuery, User, UserCreate
from bookapi.security import hash_password
from bookapi.store import Session


def list_books(session: Session, query: BookQuery) -> list[Book]:
    return session.books.list(limit=query.limit, offset=query.offset, author=query.author)


def get_book(session: Session, book_id: int) -> Book:
    book = session.books.get(book_id)
    if book is None:
        raise BookNotFound(book_id)
    return book


def create_book(session: Session, data: BookCreate) -> Book:
    # Check, then add: fine for one process and an in-memory dict. A database enforces
    # uniqueness itself (Phase 7), which also closes the gap between two concurrent requests.
    if data.isbn is not None and session.books.with_isbn(data.isbn) is not None:
        raise DuplicateBook(data.isbn)
    return session.books.add(data)


def delete_book(session: Session, book_id: int) -> None:
    if session.books.remove(book_id) is None:
        raise BookNotFound(book_id)


def list_users(session: Session) -> list[User]:
    return session.users.list()


def get_user(session: Session, user_id: int) -> User:
    user = session.users.get(user_id)
    if user is None:
        raise UserNotFound(user_id)
    return user


def create_user(session: Session, data: UserCreate) -> User:
    if session.users.with_username(data.username) is not None:
        raise DuplicateUser("username")
    if session.users.with_email(data.email) is not None:
        raise DuplicateUser("email")
    # Hash only once we know the sign-up is acceptable: Argon2 is slow on purpose.
    return session.users.add(data, password_hash=hash_password(data.password))
