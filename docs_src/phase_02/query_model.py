from typing import Annotated

from fastapi import FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field

app = FastAPI(title="A query-parameter model")

SHELF = [
    {"title": "Kindred", "author": "Octavia E. Butler"},
    {"title": "Dawn", "author": "Octavia E. Butler"},
    {"title": "Solaris", "author": "Stanisław Lem"},
]


class Page(BaseModel):
    model_config = ConfigDict(extra="forbid")  # `?limt=5` is an error, not silently ignored

    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0)
    author: str | None = None


@app.get("/shelf")
def browse(page: Annotated[Page, Query()]) -> list[dict[str, str]]:
    books = [b for b in SHELF if page.author is None or b["author"] == page.author]
    return books[page.offset : page.offset + page.limit]
