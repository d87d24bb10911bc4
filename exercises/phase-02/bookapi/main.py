"""Phase 2 — Requests from type hints.

Read README.md in this folder for the task. Start with the TODOs in bookapi/schemas.py, then:

    fastapi dev bookapi/main.py      # serve it with reload; open http://127.0.0.1:8000/docs
    grade phase-2                    # run the hidden checks

bookapi/store.py is done for you: `store.add(book)`, `store.get(book_id)` and
`store.list(limit=..., offset=..., author=...)`.
"""

from fastapi import FastAPI

app = FastAPI(title="Book API", version="0.2.0")


@app.get("/health")
def health() -> dict[str, str]:
    """Answers as long as the process can serve requests."""
    return {"status": "ok"}


# TODO 4: GET /books takes its query parameters as one model,
#         `query: Annotated[BookQuery, Query()]`, and returns `list[Book]` from the store.
@app.get("/books")
def list_books() -> list[dict[str, str]]:
    return []


# TODO 5: GET /books/{book_id}: the id is `Annotated[int, Path(ge=1)]`; return the `Book`,
#         or raise HTTPException(status_code=404, detail=...) when the store has no such book.

# TODO 6: POST /books takes a `BookCreate` JSON body, stores it and returns the stored `Book`
#         (status 200 for now: Phase 4 makes it 201).
#
# Throughout: no `if` in a handler checks the input. If a rule matters, it belongs in a type.
