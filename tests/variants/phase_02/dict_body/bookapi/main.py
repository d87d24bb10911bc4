"""Wrong: POST /books takes `dict[str, Any]`, so nothing checks the book before it is stored."""

from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Path, Query

from bookapi.schemas import BookQuery

app = FastAPI(title="Book API", version="0.2.0")

books: dict[int, dict[str, Any]] = {}


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/books")
def list_books(query: Annotated[BookQuery, Query()]) -> list[dict[str, Any]]:
    found = [b for b in books.values() if query.author is None or b.get("author") == query.author]
    return found[query.offset : query.offset + query.limit]


@app.get("/books/{book_id}")
def get_book(book_id: Annotated[int, Path(ge=1)]) -> dict[str, Any]:
    if book_id not in books:
        raise HTTPException(status_code=404, detail=f"Book {book_id} not found")
    return books[book_id]


@app.post("/books")
def create_book(payload: dict[str, Any]) -> dict[str, Any]:
    book = {"id": len(books) + 1, **payload}
    books[book["id"]] = book
    return book
