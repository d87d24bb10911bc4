"""Book imports, run by a worker process instead of the web process.

The web process records a job and puts its id on the queue (see jobs_api.py); the worker, started
by huey's own command, takes ids off the queue and runs the task:

    huey_consumer docs_src.phase_10.jobs.huey --workers 1 --graceful-signal TERM

The queue is an SQLite file by default (nothing to install) and Redis when SHELF_REDIS_URL is
set. Both processes build it from the same settings, so they share it.
"""

import logging
import uuid
from functools import cache

from huey import Huey, RedisHuey, SqliteHuey
from sqlalchemy import JSON, Column, Engine
from sqlmodel import Field, Session, SQLModel, col, create_engine, select

from docs_src.phase_10.json_logs import configure_logging
from docs_src.phase_10.settings import StorageSettings

logger = logging.getLogger("shelf.jobs")


class ShelfBook(SQLModel, table=True):
    __tablename__ = "shelf_books"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(unique=True)


class ImportJob(SQLModel, table=True):
    """A job's own record, in the database: the queue only carries its id."""

    __tablename__ = "import_jobs"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    status: str = "queued"  # queued, then running, then done
    titles: list[str] = Field(sa_column=Column(JSON, nullable=False))
    imported: int = 0


# --8<-- [start:queue]
def create_queue(settings: StorageSettings) -> Huey:
    """Redis when the settings name a server; otherwise an SQLite file, nothing to install."""
    if settings.redis_url:
        return RedisHuey("shelf", url=settings.redis_url)
    return SqliteHuey("shelf", filename=settings.queue_path)


# The consumer imports this module and runs the tasks registered on this object.
huey = create_queue(StorageSettings())


def close_queue(queue: Huey) -> None:
    """Close the queue's connections (the SQLite file, or the Redis pool)."""
    queue.storage.close()
    pool = getattr(queue.storage, "pool", None)
    if pool is not None:
        pool.disconnect()


# --8<-- [end:queue]


@cache
def worker_engine() -> Engine:
    """One engine per worker process, made when its first job runs."""
    return create_engine(StorageSettings().database_url)


@huey.on_startup()
def json_logs() -> None:
    configure_logging()  # the worker's log lines are JSON too


@huey.on_shutdown()
def dispose_engine() -> None:
    if worker_engine.cache_info().currsize:
        worker_engine().dispose()


# --8<-- [start:task]
@huey.task(retries=2, retry_delay=5)
def import_titles(job_id: str) -> int:
    """Store the job's titles that are not on the shelf yet. Safe to run twice: a queue may
    deliver a message again, and a retry runs the whole task again."""
    with Session(worker_engine()) as session:
        job = session.get(ImportJob, uuid.UUID(job_id))
        if job is None or job.status == "done":
            return 0  # deleted, or already done by an earlier delivery
        job.status = "running"
        session.commit()  # clients can see that it started
        already = select(ShelfBook.title).where(col(ShelfBook.title).in_(job.titles))
        shelved = set(session.exec(already))
        new = [title for title in dict.fromkeys(job.titles) if title not in shelved]
        session.add_all(ShelfBook(title=title) for title in new)
        job.status, job.imported = "done", len(new)
        session.commit()  # the books and the job's new status together, or neither
        logger.info("import done", extra={"job_id": job_id, "imported": len(new)})
        return len(new)


# --8<-- [end:task]
