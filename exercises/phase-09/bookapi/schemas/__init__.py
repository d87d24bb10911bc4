"""The Book API's own models: what a client sends, and what a client sees, one module per domain.

The tables are in `bookapi.models`; these models are the API's contract, kept apart from them:

- input models (`BookCreate`, `BookUpdate`, `UserCreate`): the JSON bodies clients send;
- public models (`BookPublic`, `AuthorPublic`, `UserPublic`): the only shapes that ever leave
  the API. Routes return rows and declare these as their `response_model`, which FastAPI
  builds from the rows' attributes;
- query models (`Page`, `BookQuery`): query parameters, validated together.

`Price` is the shape of another service's answer, validated like any input. Import from here
(`from bookapi.schemas import BookCreate`) or from the domain's module: they are the same class.
"""

from bookapi.schemas.authors import AuthorPublic
from bookapi.schemas.base import BookApiModel, Page
from bookapi.schemas.books import (
    BookCover,
    BookCreate,
    BookPrice,
    BookPublic,
    BookQuery,
    BookUpdate,
    Price,
)
from bookapi.schemas.users import Password, Token, UserCreate, UserPublic

__all__ = [
    "AuthorPublic",
    "BookApiModel",
    "BookCover",
    "BookCreate",
    "BookPrice",
    "BookPublic",
    "BookQuery",
    "BookUpdate",
    "Page",
    "Password",
    "Price",
    "Token",
    "UserCreate",
    "UserPublic",
]
