"""Authors as clients see them (an author is created with their first book)."""

from bookapi.schemas.base import BookApiModel


class AuthorPublic(BookApiModel):
    """An author as clients see it."""

    id: int
    name: str
