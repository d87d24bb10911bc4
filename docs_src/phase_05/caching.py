"""A dependency asked for twice in one request runs once, unless you say otherwise."""

from itertools import count
from typing import Annotated

from fastapi import Depends, FastAPI

app = FastAPI()
_numbers = count(1)


def get_session() -> int:
    """Pretends to open a session, and returns its number."""
    return next(_numbers)


SessionDep = Annotated[int, Depends(get_session)]


def get_current_user(session: SessionDep) -> dict[str, str | int]:
    """A sub-dependency: loading the user needs a session too."""
    return {"name": "ada", "loaded_with": session}


CurrentUserDep = Annotated[dict[str, str | int], Depends(get_current_user)]


@app.get("/shared")
def shared(user: CurrentUserDep, session: SessionDep) -> dict[str, str | int]:
    return {"user_loaded_with": user["loaded_with"], "route_got": session}


# use_cache=False: a second, separate call, even within the same request.
FreshSessionDep = Annotated[int, Depends(get_session, use_cache=False)]


@app.get("/fresh")
def fresh(user: CurrentUserDep, session: FreshSessionDep) -> dict[str, str | int]:
    return {"user_loaded_with": user["loaded_with"], "route_got": session}
