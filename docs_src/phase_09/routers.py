"""Routers by domain: each `APIRouter` carries its prefix, its tags and the dependencies every
one of its routes needs; the app includes them under the version prefix."""

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, status


# --8<-- [start:routers]
def require_admin(x_role: Annotated[str | None, Header()] = None) -> None:
    """A stand-in for a real check (Phase 8's tokens): only admins get through."""
    if x_role != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Admins only")


books = APIRouter(prefix="/books", tags=["books"])
admin = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])


@books.get("")  # the router's prefix and this path together: /books
def list_books() -> list[str]:
    return ["Dune", "Kindred"]


@books.get("/{book_id}")  # /books/{book_id}
def get_book(book_id: int) -> dict[str, int]:
    return {"id": book_id}


@admin.get("/stats")  # /admin/stats, for admins only, like every route of this router
def stats() -> dict[str, int]:
    return {"books": 2}


@admin.delete("/cache", status_code=status.HTTP_204_NO_CONTENT)
def clear_cache() -> None:
    """Nothing to clear in a sample; what matters is that nobody but an admin gets here."""


# --8<-- [end:routers]


# --8<-- [start:include]
health = APIRouter(tags=["health"])


@health.get("/health")
def health_check() -> dict[str, str]:
    return {"status": "ok"}


app = FastAPI()
app.include_router(health)  # probes stay at /health, whatever the API's version
for router in (books, admin):
    app.include_router(router, prefix="/api/v1")  # /api/v1/books, /api/v1/admin/stats
# --8<-- [end:include]
