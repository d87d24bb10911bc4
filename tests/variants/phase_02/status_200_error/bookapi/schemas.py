"""Wrong: `year` has no bounds in the model (the handler is meant to check it)."""

from pydantic import BaseModel, ConfigDict, Field


class BookCreate(BaseModel):
    model_config = ConfigDict(strict=True)

    title: str = Field(min_length=1, max_length=200)
    author: str = Field(min_length=1, max_length=100)
    year: int
    isbn: str | None = Field(default=None, pattern=r"^\d{13}$")


class Book(BookCreate):
    id: int


class BookQuery(BaseModel):
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0)
    author: str | None = None
