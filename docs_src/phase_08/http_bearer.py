"""The same current-user check with `HTTPBearer`: it reads the header the same way, and only
the /docs "Authorize" dialog differs (it asks for a token instead of a password)."""

from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

ALGORITHM = "HS256"
SECRET = "sample-only-secret-use-settings-in-real-code"  # never do this outside a sample

app = FastAPI()

# --8<-- [start:bearer]
bearer = HTTPBearer()  # a missing header or another scheme: 401 with WWW-Authenticate: Bearer


def get_current_username(
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
) -> str:
    try:
        claims = jwt.decode(
            credentials.credentials,  # the token, without the "Bearer " in front
            SECRET,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub"]},
        )
    except jwt.InvalidTokenError:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Could not validate credentials",
            headers={"WWW-Authenticate": "Bearer"},
        ) from None
    return claims["sub"]


# --8<-- [end:bearer]


@app.get("/whoami")
def whoami(username: Annotated[str, Depends(get_current_username)]) -> dict[str, str]:
    return {"username": username}
