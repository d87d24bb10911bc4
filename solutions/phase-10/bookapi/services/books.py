"""Books: the Book API's rules for them, in SQL, with no HTTP in sight.

Writes end with `session.flush()`: the INSERT or UPDATE runs at once, inside the request's
transaction, so a row the database refuses (a duplicate ISBN) is caught here and named.
"""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, func, select

from bookapi.errors import BookNotFound, DuplicateBook, NotTheOwner
from bookapi.models import Author, Book, User
from bookapi.schemas import BookCreate, BookQuery, BookUpdate
from bookapi.services.authors import author_named


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


def create_book(session: Session, data: BookCreate, owner: User) -> Book:
    # The owner is whoever is logged in: BookCreate has no field for it, so no client picks it.
    book = Book(
        **data.model_dump(exclude={"author"}),
        author=author_named(session, data.author),
        owner_id=owner.id,
    )
    session.add(book)
    _flush_book(session, data.isbn)
    return book


def check_owner(book: Book, user: User) -> Book:
    """The book, if `user` owns it; `NotTheOwner` (403) otherwise."""
    if book.owner_id is None or book.owner_id != user.id:
        raise NotTheOwner(book.id)
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
