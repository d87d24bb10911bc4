"""The same limit with slowapi: a decorator, the library's storage, and its own rules."""

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from slowapi import Limiter
from slowapi.util import get_remote_address

# --8<-- [start:slowapi]
# In memory by default; `storage_uri="redis://..."` shares the counts between workers.
limiter = Limiter(key_func=get_remote_address)

app = FastAPI()
app.state.limiter = limiter  # slowapi finds it here


@app.post("/token")
@limiter.limit("5/minute")  # below the route decorator, or it never runs
def login(
    request: Request,  # slowapi needs the request, by this name, even if you don't
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> dict[str, str]:
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail="Incorrect username or password",
        headers={"WWW-Authenticate": "Bearer"},
    )


# --8<-- [end:slowapi]
