"""Jobs as clients start them and follow them: a book import, and its progress."""

import uuid
from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, Field, field_serializer

from bookapi.schemas.base import BookApiModel
from bookapi.schemas.books import BookCreate

JobStatus = Literal["queued", "running", "done", "failed"]


class ImportCreate(BookApiModel):
    """The JSON body of POST /imports: the books to add, all owned by the user who sends them.
    Books whose ISBN is already stored are skipped, not refused."""

    books: list[BookCreate] = Field(min_length=1, max_length=500)


class JobPublic(BookApiModel):
    """A job as its owner sees it. `status` moves from `queued` to `running`, then to `done`
    (with the counts) or `failed`."""

    id: uuid.UUID
    status: JobStatus
    imported: int = Field(description="Books added (once the job is done).")
    skipped: int = Field(description="Books already stored (by ISBN), or sent twice.")
    created_at: AwareDatetime
    finished_at: AwareDatetime | None

    @field_serializer("created_at", "finished_at")
    def in_utc(self, value: datetime | None) -> datetime | None:
        """Whatever offset a timestamp was stored with, clients always read it in UTC."""
        return value.astimezone(UTC) if value is not None else None
