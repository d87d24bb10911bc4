"""Health probes, outside any API version: the platform is configured once to call them."""

import logging

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from docs_src.phase_10.lifespan import EngineDep

logger = logging.getLogger("shelf.health")
router = APIRouter(prefix="/health", tags=["health"])


# --8<-- [start:probes]
@router.get("/live")
def live() -> dict[str, str]:
    """Says "this process can answer", and checks nothing else: when it fails, the process is
    restarted, and restarting the API would not bring its database back."""
    return {"status": "ok"}


@router.get(
    "/ready",
    responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"description": "Database unreachable"}},
)
def ready(engine: EngineDep) -> dict[str, str]:
    """Says "send me traffic": 503 while the database does not answer, so that the load
    balancer sends requests to the other instances meanwhile."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        logger.warning("not ready: the database does not answer", exc_info=True)
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "The database is not reachable"
        ) from None
    return {"status": "ok"}


# --8<-- [end:probes]
