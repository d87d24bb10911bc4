"""The health probe: outside the versioned API, so that load balancers and orchestrators keep
finding it at `/health` whatever version the API is at."""

from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    """Answers as long as the process can serve requests."""
    return {"status": "ok"}
