"""When the code after `yield` runs: after the response is sent (the default), or before
it (`scope="function"`)."""

# --8<-- [start:imports]
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, FastAPI

# --8<-- [end:imports]


class CommitFailed(Exception):
    """What a database says when the commit does not go through."""


def session_with_failing_commit() -> Iterator[str]:
    yield "session"
    raise CommitFailed("the database refused the commit")


app = FastAPI()


# --8<-- [start:routes]
@app.post("/default-scope")
def save_default(session: Annotated[str, Depends(session_with_failing_commit)]) -> dict[str, str]:
    return {"status": "saved"}  # sent before the commit runs, so the client hears "saved"


@app.post("/function-scope")
def save_function(
    session: Annotated[str, Depends(session_with_failing_commit, scope="function")],
) -> dict[str, str]:
    return {"status": "saved"}  # the commit runs first and fails, so the client gets a 500


# --8<-- [end:routes]
