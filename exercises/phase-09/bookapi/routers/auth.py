"""Logging in: OAuth2's password flow at `POST /token` (at `POST /api/v1/token` once the API is
versioned)."""

from fastapi import APIRouter

from bookapi import security, services
from bookapi.dependencies import HashingSlot, LoginFormDep, LoginRateLimit, SessionDep, SettingsDep
from bookapi.schemas import Token

# TODO 4: the tag "auth" (no prefix: the route keeps its own path, /token). Every route of this
# router checks a password: the login rate limit belongs to the router itself,
# `dependencies=[LoginRateLimit]`, rather than to each route (optional: the behaviour is the same).
router = APIRouter()


# Rate limit first: a client over its limit is refused before it waits for a hashing slot.
@router.post("/token", dependencies=[LoginRateLimit, HashingSlot])
def log_in(form: LoginFormDep, session: SessionDep, settings: SettingsDep) -> Token:
    """OAuth2's password flow: a form with `username` and `password`, a bearer token back.

    The same 401 for an unknown user and a wrong password; 429 after too many attempts from one
    client. A plain `def`: checking the password is slow CPU work, done in the thread pool.
    """
    user = services.authenticate(session, form.username, form.password)
    return Token(access_token=security.create_access_token(user, settings))
