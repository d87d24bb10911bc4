"""Dependencies declared once, as `Annotated` aliases, and reused by every route."""

from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Query, status
from pydantic import BaseModel

app = FastAPI()


class Page(BaseModel):
    limit: int
    offset: int


def pagination(
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page:
    """Reads and checks the paging parameters; any route that asks for a Page gets them."""
    return Page(limit=limit, offset=offset)


PageDep = Annotated[Page, Depends(pagination)]


def get_current_user(x_user: Annotated[str | None, Header()] = None) -> str:
    """A stand-in that trusts a header. Fine for a lesson, never for a real API: Phase 8
    replaces this body with a token check, and no route has to change."""
    if not x_user:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Not authenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return x_user


CurrentUserDep = Annotated[str, Depends(get_current_user)]


@app.get("/books")
def list_books(page: PageDep) -> Page:
    return page


@app.get("/me/books")
def list_my_books(user: CurrentUserDep, page: PageDep) -> dict[str, str | int]:
    return {"user": user, "limit": page.limit, "offset": page.offset}
