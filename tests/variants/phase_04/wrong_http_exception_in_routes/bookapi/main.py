"""Wrong for this exercise: HTTPException raised in the routes, status codes as numbers."""

from typing import Annotated

from fastapi import FastAPI, HTTPException, Path, Query

from bookapi.handlers import add_error_handlers
from bookapi.schemas import BookCreate, BookPublic, BookQuery, UserCreate, UserPublic
from bookapi.security import hash_password
from bookapi.store import store, user_store

app = FastAPI(title="Book API", version="0.4.0")
add_error_handlers(app)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/books")
def list_books(query: Annotated[BookQuery, Query()]) -> list[BookPublic]:
    books = store.list(limit=query.limit, offset=query.offset, author=query.author)
    return [BookPublic.model_validate(book) for book in books]


@app.get("/books/{book_id}")
def get_book(book_id: Annotated[int, Path(ge=1)]) -> BookPublic:
    book = store.get(book_id)
    if book is None:
        raise HTTPException(status_code=404, detail="Book not found")
    return BookPublic.model_validate(book)


@app.post("/books", status_code=201)
def create_book(book: BookCreate) -> BookPublic:
    if book.isbn is not None and store.with_isbn(book.isbn) is not None:
        raise HTTPException(status_code=409, detail="That ISBN is already in the catalogue")
    return BookPublic.model_validate(store.add(book))


@app.delete("/books/{book_id}", status_code=204)
def delete_book(book_id: Annotated[int, Path(ge=1)]) -> None:
    if store.remove(book_id) is None:
        raise HTTPException(status_code=404, detail="Book not found")


@app.get("/users")
def list_users() -> list[UserPublic]:
    return [UserPublic.model_validate(user) for user in user_store.list()]


@app.get("/users/{user_id}")
def get_user(user_id: Annotated[int, Path(ge=1)]) -> UserPublic:
    user = user_store.get(user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="User not found")
    return UserPublic.model_validate(user)


@app.post("/users", status_code=201)
def create_user(new_user: UserCreate) -> UserPublic:
    taken = user_store.with_username(new_user.username) or user_store.with_email(new_user.email)
    if taken is not None:
        raise HTTPException(status_code=409, detail="Username or email already registered")
    user = user_store.add(new_user, password_hash=hash_password(new_user.password))
    return UserPublic.model_validate(user)
