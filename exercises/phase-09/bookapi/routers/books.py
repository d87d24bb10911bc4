"""Books: listing, reading, pricing and covering them for anyone; creating them for a signed-in
user, and changing or deleting them for their owner only.

Routes stay thin: FastAPI validates and injects, one service does the work, and the route
returns the row it gets back; its `response_model`, the public model, shapes the answer. A route
that awaits (the price service) is `async def`; one that calls blocking or CPU-heavy code (the
database session, covers) is a plain `def`, which FastAPI runs in its thread pool so that the
event loop stays free for everyone else.
"""

from fastapi import APIRouter, status

from bookapi import covers, prices, services
from bookapi.dependencies import (
    BookDep,
    BookQueryDep,
    CurrentUserDep,
    OwnedBookDep,
    PriceClientDep,
    SessionDep,
    SettingsDep,
)
from bookapi.errors import BookHasNoIsbn
from bookapi.models import Book
from bookapi.schemas import BookCover, BookCreate, BookPrice, BookPublic, BookUpdate

# TODO 1: give this router its prefix and its tag, `APIRouter(prefix="/books", tags=["books"])`,
# and shorten each route's path to what follows /books ("" for the list, "/{book_id}"...).
router = APIRouter()


@router.get("/books", response_model=list[BookPublic])
def list_books(query: BookQueryDep, session: SessionDep) -> list[Book]:
    """A page of books with their authors, oldest first, optionally only one author's; never
    more than the configured `max_page_size`."""
    return services.list_books(session, query)


@router.get("/books/{book_id}", response_model=BookPublic)
def get_book(book: BookDep) -> Book:
    """One book by its id, or 404."""
    return book


@router.get("/books/{book_id}/price")
async def get_book_price(book: BookDep, client: PriceClientDep) -> BookPrice:
    """The book's price today, from the price service: 404 without an ISBN or a price, 502 when
    the service fails. `async def`, because the only slow part is awaited."""
    if book.isbn is None:
        raise BookHasNoIsbn(book.id)
    price = await prices.fetch_price(client, book.isbn)
    return BookPrice(book_id=book.id, isbn=book.isbn, price=price.price, currency=price.currency)


@router.get("/books/{book_id}/cover")
def get_book_cover(book: BookDep, settings: SettingsDep) -> BookCover:
    """The five colours of the book's cover. A plain `def`: the palette is CPU work, so it runs
    in a worker thread instead of on the event loop."""
    palette = covers.cover_palette(book.title, book.isbn, settings.cover_rounds)
    return BookCover(book_id=book.id, palette=palette)


@router.post("/books", status_code=status.HTTP_201_CREATED, response_model=BookPublic)
def create_book(book: BookCreate, user: CurrentUserDep, session: SessionDep) -> Book:
    """Store a new book, owned by the user who sends it (401 without a valid token), and its
    author if the name is new: 201, or 409 if its ISBN is already stored."""
    return services.create_book(session, book, owner=user)


@router.patch("/books/{book_id}", response_model=BookPublic)
def update_book(book: OwnedBookDep, changes: BookUpdate, session: SessionDep) -> Book:
    """Change the fields sent, and only those: 200; 401 without a valid token, 403 for
    anyone but the owner, 404, or 409 for an ISBN already stored."""
    return services.update_book(session, book, changes)


@router.delete("/books/{book_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_book(book: OwnedBookDep, session: SessionDep) -> None:
    """Delete a book: 204 with an empty body; 401 without a valid token, 403 for anyone but the
    owner, or 404."""
    services.delete_book(session, book)
