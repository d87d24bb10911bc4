"""Starting an import and following it: 202 Accepted at once, a job id, and a status route."""

import uuid

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from docs_src.phase_10 import jobs
from docs_src.phase_10.lifespan import SessionDep

router = APIRouter(tags=["jobs"])


class ImportIn(BaseModel):
    titles: list[str] = Field(min_length=1, max_length=500)


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: str
    imported: int


# --8<-- [start:routes]
@router.post("/imports", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
def start_import(
    new: ImportIn, session: SessionDep, request: Request, response: Response
) -> jobs.ImportJob:
    """Record the job, queue its id, answer at once: 202, the job, and where to follow it."""
    job = jobs.ImportJob(titles=new.titles)
    session.add(job)
    # Committed before its id goes on the queue: the worker, another process, must find it.
    session.commit()
    jobs.import_titles(str(job.id))  # enqueues and returns at once: the worker runs it
    response.headers["Location"] = str(request.url_for("read_job", job_id=job.id))
    return job


@router.get("/jobs/{job_id}", response_model=JobOut)
def read_job(job_id: uuid.UUID, session: SessionDep) -> jobs.ImportJob:
    """The job as it is now: queued, running, or done (with its count)."""
    job = session.get(jobs.ImportJob, job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such job")
    return job


# --8<-- [end:routes]
