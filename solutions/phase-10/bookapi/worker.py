"""The job queue, and the worker that runs its jobs outside the web process.

The web process only enqueues: calling `import_books(job_id)` puts a message on the queue and
returns at once. The worker, a process of its own started by huey's command (see `Procfile`),
takes messages off the queue and runs them:

    huey_consumer bookapi.worker.huey --workers 2 --graceful-signal TERM

`--graceful-signal TERM`: platforms stop processes with SIGTERM (a deploy, a scale-down), and
huey's default answer to SIGTERM is to stop at once, losing the job it is running. With the
option, SIGTERM lets running jobs finish first.

The queue is an SQLite file by default (nothing to install) and Redis when BOOKAPI_REDIS_URL is
set. The web process and the worker must use the same one. Only the queue's own settings are
read when this module is imported (they all have defaults); the rest, with the secret, are read
when the worker runs its first job.
"""

import logging
import uuid
from functools import cache

from huey import Huey, RedisHuey, SqliteHuey
from huey.api import Task
from sqlalchemy import Engine
from sqlmodel import Session

from bookapi import services
from bookapi.database import create_db_engine
from bookapi.logs import configure_logging
from bookapi.settings import QueueSettings, load_settings

logger = logging.getLogger("bookapi.worker")


def create_queue(settings: QueueSettings) -> Huey:
    """Redis when the settings name a server; otherwise an SQLite file, nothing to install."""
    if settings.redis_url:
        return RedisHuey("bookapi", url=settings.redis_url)
    return SqliteHuey("bookapi", filename=settings.queue_path)


def close_queue(queue: Huey) -> None:
    """Close the queue's connections: the SQLite file, or the Redis connection pool. The next
    use opens new ones (the next start of the app, in tests)."""
    queue.storage.close()
    pool = getattr(queue.storage, "pool", None)
    if pool is not None:
        pool.disconnect()


huey = create_queue(QueueSettings())


@cache
def worker_engine() -> Engine:
    """The worker's engine: one per worker process, made on the first job."""
    return create_db_engine(load_settings())


@huey.on_startup()
def start_worker() -> None:
    configure_logging()


@huey.on_shutdown()
def stop_worker() -> None:
    if worker_engine.cache_info().currsize:
        worker_engine().dispose()


# A slow job that must not be lost: tried again (twice, three seconds apart) when it fails, and
# safe to run again (see `services.run_import`). `context=True` hands it its own `Task`, which
# says how many tries are left.
@huey.task(retries=2, retry_delay=3, context=True)
def import_books(job_id: str, task: Task | None = None) -> dict[str, int]:
    """Run the import job `job_id` (a string: queue messages carry plain values)."""
    try:
        with Session(worker_engine()) as session:
            job = services.run_import(session, uuid.UUID(job_id))
            return {"imported": job.imported, "skipped": job.skipped}
    except Exception:
        if task is None or not task.retries:
            logger.exception("import job %s failed for good", job_id, extra={"job_id": job_id})
            with Session(worker_engine()) as session:
                services.mark_failed(session, uuid.UUID(job_id))
        raise
