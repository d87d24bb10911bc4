"""Jobs: starting a book import, and following it.

POST /imports answers `202 Accepted` at once, with the new job and a `Location` header where its
progress can be read; the worker does the import later. The job's row is committed before its id
goes on the queue: a worker that picked the id up first would find no job.
"""

import uuid

from fastapi import APIRouter, Request, Response, status

from bookapi import services, worker
from bookapi.dependencies import CurrentUserDep, SessionDep
from bookapi.models import Job
from bookapi.schemas import ImportCreate, JobPublic

router = APIRouter(tags=["jobs"])


@router.post("/imports", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic)
def start_import(
    data: ImportCreate,
    user: CurrentUserDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> Job:
    """Queue an import of the books sent: 202 with the job (`queued`) and its `Location`; 401
    without a valid token."""
    job = services.create_import(session, data, owner=user)
    # The one commit outside get_session: the worker reads the job in another process, so the
    # row must be in the database before the job's id is on the queue.
    session.commit()
    try:
        worker.import_books(str(job.id))
    except Exception:
        services.mark_failed(session, job.id)  # never a job that waits for nothing, forever
        raise
    response.headers["Location"] = str(request.url_for("read_job", job_id=job.id))
    return job  # the response_model turns the row into a JobPublic


@router.get("/jobs/{job_id}", response_model=JobPublic)
def read_job(job_id: uuid.UUID, user: CurrentUserDep, session: SessionDep) -> Job:
    """A job of yours, and how far it got; 404 for anybody else's."""
    return services.get_job(session, job_id, user)
