"""The Book API after Phase 1: a health route and an empty list of books."""

from fastapi import FastAPI

app = FastAPI(title="Book API", version="0.1.0")


@app.get("/health")
def health() -> dict[str, str]:
    """Answers as long as the process can serve requests."""
    return {"status": "ok"}


@app.get("/books")
def list_books() -> list[dict[str, str]]:
    """Every book in the catalogue; there are none until Phase 2 adds a way to create them."""
    return []
