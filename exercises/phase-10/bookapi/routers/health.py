"""The health probe: outside the versioned API, so that load balancers and orchestrators keep
finding it at `/health` whatever version the API is at."""

from fastapi import APIRouter

router = APIRouter(tags=["health"])


# TODO 5: two probes, beside this one (keep `/health` for whatever still calls it):
#   - GET /health/live: 200 as long as the process can answer. It asks nothing else (no
#     database): when it fails, the platform restarts the process.
#   - GET /health/ready: runs `SELECT 1` on the app's engine (`EngineDep`, from
#     `bookapi.dependencies`) and answers 200; when the database raises
#     (`sqlalchemy.exc.SQLAlchemyError`), raise `DatabaseUnreachable()` from it (TODO 4 turns
#     it into a 503 whose body does not repeat the database's error).
@router.get("/health")
def health() -> dict[str, str]:
    """Answers as long as the process can serve requests."""
    return {"status": "ok"}
