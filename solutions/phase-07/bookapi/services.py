"""The service layer: the Book API's rules, in SQL, with no HTTP in sight.

Each function does one job on the session it is given and raises a domain error
(bookapi.errors) when it cannot. Routes call these functions and stay thin; bookapi.handlers
turns the errors into responses, once. No function here commits, rolls back or closes: the
request's `get_session` does, once, so a request's writes are kept or dropped together.

Writes end with `session.flush()`: the INSERT or UPDATE runs at once, inside the request's
transaction, so a row the database refuses (a duplicate ISBN) is caught here and named.
"""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, func, select

from bookapi.errors import BookNotFound, DuplicateBook, DuplicateUser, UserNotFound
from bookapi.models import Author, Book, User
from bookapi.schemas import BookCreate, BookQuery, BookUpdate, Page, UserCreate
from bookapi.security import hash_password

# --- authors ---------------------------------------------------------------------------------


def list_authors(session: Session, page: Page) -> list[Author]:
    statement = select(Author).order_by(col(Author.id)).offset(page.offset).limit(page.limit)
    return list(session.exec(statement).all())


def author_named(session: Session, name: str) -> Author:
    """The stored author with this name, or a new one that the next flush inserts."""
    author = session.exec(select(Author).where(Author.name == name)).first()
    return author if author is not None else Author(name=name)


# --- books -----------------------------------------------------------------------------------


def list_books(session: Session, query: BookQuery) -> list[Book]:
    statement = (
        select(Book)
        # Every book's author in one more query, however long the page: no N+1.
        .options(selectinload(Book.author))  # type: ignore[arg-type]
        .order_by(col(Book.id))  # oldest first, and a stable order for pages
        .offset(query.offset)
        .limit(query.limit)  # already capped at max_page_size by `book_query`
    )
    if query.author is not None:
        statement = statement.join(Author).where(func.lower(Author.name) == query.author.lower())
    return list(session.exec(statement).all())


def get_book(session: Session, book_id: int) -> Book:
    book = session.get(Book, book_id)
    if book is None:
        raise BookNotFound(book_id)
    return book


def create_book(session: Session, data: BookCreate) -> Book:
    book = Book(**data.model_dump(exclude={"author"}), author=author_named(session, data.author))
    session.add(book)
    _flush_book(session, data.isbn)
    return book


def update_book(session: Session, book: Book, changes: BookUpdate) -> Book:
    sent = changes.model_dump(exclude_unset=True)  # only what the client wrote in the body
    if "author" in sent:
        book.author = author_named(session, sent.pop("author"))
    book.sqlmodel_update(sent)
    session.add(book)
    _flush_book(session, book.isbn)
    return book


def delete_book(session: Session, book: Book) -> None:
    session.delete(book)
    session.flush()


def _flush_book(session: Session, isbn: str | None) -> None:
    try:
        session.flush()
    except IntegrityError:
        # The database refused the row: the only unique column a client sets is the ISBN.
        # `get_session` rolls the whole request back, a new author inserted on the way too.
        raise DuplicateBook(isbn or "") from None


# --- users -----------------------------------------------------------------------------------


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.id))).all())


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UserNotFound(user_id)
    return user


def create_user(session: Session, data: UserCreate) -> User:
    # Usernames and emails are unique whatever their case; the database's unique constraints
    # are the backstop for two sign-ups that arrive at the same moment.
    same_username = select(User).where(func.lower(User.username) == data.username.lower())
    if session.exec(same_username).first() is not None:
        raise DuplicateUser("username")
    same_email = select(User).where(func.lower(User.email) == data.email.lower())
    if session.exec(same_email).first() is not None:
        raise DuplicateUser("email")
    # Hash only once we know the sign-up is acceptable: Argon2 is slow on purpose.
    user = User(
        username=data.username,
        email=data.email,
        password_hash=hash_password(data.password),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise DuplicateUser("username or email") from None
    return user

