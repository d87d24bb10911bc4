"""Access tokens with PyJWT: signed, short-lived, and decoded strictly."""

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

# --8<-- [start:create]
ALGORITHM = "HS256"
ACCESS_TOKEN_LIFETIME = timedelta(minutes=15)


def create_access_token(
    subject: str, secret: str, lifetime: timedelta = ACCESS_TOKEN_LIFETIME
) -> str:
    """A signed token that says "this is `subject`" until `lifetime` from now."""
    now = datetime.now(UTC)
    claims = {
        "sub": subject,  # who: a string (PyJWT refuses any other type when it decodes)
        "iat": now,  # issued at: PyJWT turns datetimes into Unix timestamps
        "exp": now + lifetime,  # expires: after this, the token is worthless
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


# --8<-- [end:create]


# --8<-- [start:decode]
def decode_access_token(token: str, secret: str) -> str:
    """The subject of a valid token. Anything else raises `jwt.InvalidTokenError`."""
    claims = jwt.decode(
        token,
        secret,
        algorithms=[ALGORITHM],  # the one algorithm we sign with: never read it from the token
        options={"require": ["exp", "sub"]},  # without this, a token without `exp` never expires
    )
    return claims["sub"]


# --8<-- [end:decode]


# --8<-- [start:peek]
def peek(token: str) -> dict[str, Any]:
    """What anyone holding the token can read, without any key: a JWT is signed, not secret."""
    return jwt.decode(token, options={"verify_signature": False})


# --8<-- [end:peek]
