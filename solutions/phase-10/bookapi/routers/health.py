"""Health probes: outside the versioned API, so that load balancers and orchestrators keep
finding them whatever version the API is at.

- `/health/live`: "this process can answer". It checks nothing else: when it fails, the process
  is restarted, and restarting the API would not bring a database back.
- `/health/ready`: "send me traffic". It checks the database; while that is unreachable it
  answers 503 and the load balancer sends requests to the other instances.
- `/health`: the Phase 1 probe, kept for whatever still calls it; the same as `/health/live`.
"""

from typing import Any

from fastapi import APIRouter, status
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bookapi.dependencies import EngineDep
from bookapi.errors import DatabaseUnreachable

router = APIRouter(prefix="/health", tags=["health"])

NOT_READY: dict[int | str, dict[str, Any]] = {
    status.HTTP_503_SERVICE_UNAVAILABLE: {"description": "The database is not reachable"}
}


@router.get("")
@router.get("/live")
def live() -> dict[str, str]:
    """Answers as long as the process can serve requests."""
    return {"status": "ok"}


@router.get("/ready", responses=NOT_READY)
def ready(engine: EngineDep) -> dict[str, str]:
    """200 when the database answers a trivial query; 503 when it does not."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        raise DatabaseUnreachable() from error
    return {"status": "ok"}
