"""Jobs: starting a book import, and following it.

POST /imports answers `202 Accepted` at once, with the new job and a `Location` header where its
progress can be read; the worker does the import later (see `bookapi.worker`).
"""

from fastapi import APIRouter

router = APIRouter(tags=["jobs"])

# TODO 10: the two routes (this router is included under /api/v1 already).
#   - POST /imports, `status_code=202`, for the current user (`CurrentUserDep`: 401 without a
#     token), with an `ImportCreate` body: `services.create_import(session, data, owner=user)`,
#     then `session.commit()` (the worker reads the job from another process: it must be in
#     the database before its id is on the queue), then enqueue `worker.import_books(str(job.id))`.
#     Set `response.headers["Location"]` to the job's status route (`request.url_for(...)`), and
#     return the job (`response_model=JobPublic`): status "queued".
#   - GET /jobs/{job_id} (`uuid.UUID`): `services.get_job(session, job_id, user)`, which answers
#     404 for a job that is not the user's.
