"""Authorization after authentication: 401 says "who are you?", 403 says "not you"."""

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Path, status
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel

app = FastAPI()

# The sample's stand-in for login.py's token check: a table from token to user, so that this
# file stays about ownership. Everything below `CurrentUserDep` is what the Book API does.
TOKENS = {"token-of-ada": "ada", "token-of-grace": "grace"}
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> str:
    if token not in TOKENS:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Could not validate credentials",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return TOKENS[token]


CurrentUserDep = Annotated[str, Depends(get_current_user)]


class BookCreate(BaseModel):
    title: str


class Book(BookCreate):
    id: int
    owner: str


BOOKS: dict[int, Book] = {}  # a sample's store; the Book API keeps its books in the database


# --8<-- [start:owner]
@app.post("/books", status_code=status.HTTP_201_CREATED)
def create_book(data: BookCreate, user: CurrentUserDep) -> Book:
    # The owner comes from the token, never from the body: a client cannot pick it.
    book = Book(id=len(BOOKS) + 1, owner=user, **data.model_dump())
    BOOKS[book.id] = book
    return book


def owned_book(book_id: Annotated[int, Path(ge=1)], user: CurrentUserDep) -> Book:
    """The book, if the current user owns it: 404 if it does not exist, 403 if it is not theirs."""
    book = BOOKS.get(book_id)
    if book is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Book not found")
    if book.owner != user:
        # Authenticated, just not allowed: 403, and no WWW-Authenticate (a new token won't help).
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Only the book's owner may do that")
    return book


OwnedBookDep = Annotated[Book, Depends(owned_book)]


@app.delete("/books/{book_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_book(book: OwnedBookDep) -> None:
    del BOOKS[book.id]


# --8<-- [end:owner]
