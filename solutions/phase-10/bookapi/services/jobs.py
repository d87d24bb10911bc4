"""Jobs: starting a book import (in the web process) and running it (in the worker).

The web process only records the job and hands its id to the queue; the worker loads the job by
that id and does the work. Running a job is safe to repeat: a queue may deliver a message twice
(a worker that died after finishing, before saying so), and a retry runs the job again after a
failure, so a job that is already `done` is left alone, and an import rolls back as a whole.
"""

import uuid

from sqlmodel import Session, col, select

from bookapi.errors import JobNotFound
from bookapi.models import Book, Job, User, now
from bookapi.schemas import BookCreate, ImportCreate
from bookapi.services.books import create_book

IMPORT_BOOKS = "import_books"


def create_import(session: Session, data: ImportCreate, owner: User) -> Job:
    """A new, queued import job for `owner`, holding the books to import."""
    job = Job(
        kind=IMPORT_BOOKS,
        owner_id=owner.id,
        payload=[book.model_dump(mode="json") for book in data.books],
    )
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, job_id: uuid.UUID, user: User) -> Job:
    """The job, if `user` started it; `JobNotFound` (404) otherwise, so that nobody learns
    which ids belong to someone else's jobs."""
    job = session.get(Job, job_id)
    if job is None or job.owner_id != user.id:
        raise JobNotFound(job_id)
    return job


def run_import(session: Session, job_id: uuid.UUID) -> Job:
    """Import the job's books (in the worker); commits twice: `running`, then `done` with the
    books, together. Books whose ISBN is already stored are counted as skipped."""
    job = session.get(Job, job_id)
    if job is None:
        raise JobNotFound(job_id)
    if job.status in ("done", "failed"):
        return job  # delivered twice, or retried after it finished: nothing left to do
    job.status = "running"
    session.commit()  # clients see that it started

    owner = session.get(User, job.owner_id)
    if owner is None:
        raise JobNotFound(job_id)  # its owner was deleted: nobody to import for
    books = [BookCreate.model_validate(raw) for raw in job.payload]
    isbns = [book.isbn for book in books if book.isbn is not None]
    stored = set(session.exec(select(Book.isbn).where(col(Book.isbn).in_(isbns))).all())
    imported = skipped = 0
    for book in books:
        if book.isbn is not None and book.isbn in stored:
            skipped += 1
            continue
        create_book(session, book, owner)
        if book.isbn is not None:
            stored.add(book.isbn)
        imported += 1
    job.status, job.imported, job.skipped, job.finished_at = "done", imported, skipped, now()
    session.commit()  # the books and the job's new status, or neither
    return job


def mark_failed(session: Session, job_id: uuid.UUID) -> None:
    """Record that the job gave up (its last try failed). The reason is in the worker's log."""
    job = session.get(Job, job_id)
    if job is not None and job.status != "done":
        job.status, job.finished_at = "failed", now()
        session.commit()
