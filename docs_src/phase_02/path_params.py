from typing import Annotated

from fastapi import FastAPI, HTTPException, Path

app = FastAPI(title="Path parameters")

TITLES = {1: "Kindred", 2: "Parable of the Sower"}


@app.get("/books/{book_id}")
def read_title(book_id: Annotated[int, Path(ge=1, description="The book's id.")]) -> dict[str, str]:
    # Only a whole number of 1 or more gets this far: "abc", "2.5" and "0" are answered with 422.
    if book_id not in TITLES:  # a fact about the data, not about the input: 404, not 422
        raise HTTPException(status_code=404, detail="Book not found")
    return {"title": TITLES[book_id]}
