"""What every model of the Book API shares: its configuration, and pages of results."""

from pydantic import BaseModel, ConfigDict, Field


class BookApiModel(BaseModel):
    """The base of every model in the Book API: the configuration they all share."""

    model_config = ConfigDict(
        # "  Dune " arrives as "Dune", and a title of only spaces becomes "" (then too short).
        str_strip_whitespace=True,
        # A public model can be built from any object with the right attributes.
        from_attributes=True,
    )


class Page(BookApiModel):
    """`limit` and `offset` for any list; `limit` is capped again at `max_page_size`.

    Query strings are text, so this model stays lax: `?limit=5` becomes the integer 5.
    Unknown parameters (a typo such as `?limt=5`) are refused rather than ignored.
    """

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=20, ge=1, le=100, description="How many to return.")
    offset: int = Field(default=0, ge=0, description="How many to skip first.")
