"""The job queue, and the worker that runs its jobs outside the web process.

The web process only enqueues: calling a huey task (`import_books(job_id)`) puts a message on
the queue and returns at once. The worker, a process of its own started by huey's command (see
`Procfile`), imports this module, takes messages off the queue and runs them:

    huey_consumer bookapi.worker.huey --workers 2 --graceful-signal TERM

The queue is an SQLite file by default (nothing to install) and Redis when BOOKAPI_REDIS_URL is
set. The web process and the worker must use the same one.
"""

# TODO 8: the queue.
#   - `create_queue(settings: QueueSettings) -> Huey`: `RedisHuey("bookapi",
#     url=settings.redis_url)` when `redis_url` is set, else `SqliteHuey("bookapi",
#     filename=settings.queue_path)` (both from `huey`).
#   - `huey = create_queue(QueueSettings())`, at module level: huey's consumer finds the queue
#     by this name. `QueueSettings` fields all have defaults: the import needs no secret.
#   - `close_queue(queue: Huey) -> None`: `queue.storage.close()`, and for Redis
#     `queue.storage.pool.disconnect()` (the app's lifespan calls it at shutdown, TODO 11).
#
# TODO 9: the task, run by the worker.
#   - An engine for the worker, made on its first job from `load_settings()` (one per worker
#     process: `functools.cache` on a function that calls `create_db_engine`), disposed of in
#     a function decorated with `@huey.on_shutdown()`; `@huey.on_startup()` can call
#     `configure_logging()`.
#   - `@huey.task(retries=2, retry_delay=3)` on `import_books(job_id: str) -> dict[str, int]`:
#     with a session of its own, `services.run_import(session, uuid.UUID(job_id))` does the
#     work (it is given, and safe to run twice); when the last try fails, log the error and
#     `services.mark_failed(session, ...)`.
