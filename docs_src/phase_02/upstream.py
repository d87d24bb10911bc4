"""Data that does not arrive as a parameter (a partner's feed, a queue message) meets the same
models: parse and validate the raw JSON in one step."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class Rating(BaseModel):
    """One book's rating, as a partner service sends it."""

    model_config = ConfigDict(strict=True)

    isbn: str = Field(pattern=r"^[0-9]{13}$")
    stars: int = Field(ge=1, le=5)
    reviews: int = Field(ge=0)
    updated: date  # strict, yet "2024-05-01" is accepted: JSON mode knows dates arrive as text


Ratings = TypeAdapter(list[Rating])


def read_feed(raw: bytes) -> list[Rating]:
    """The partner's whole answer, checked before any of it is used.

    Broken JSON, a missing field or a wrong type raises one `ValidationError` that names every
    problem and where it is (`(0, "stars")`), instead of a `KeyError` three functions later.
    """
    return Ratings.validate_json(raw)


def read_message(raw: str | bytes) -> Rating:
    """One queue message: the same rules, for a single object."""
    return Rating.model_validate_json(raw)
