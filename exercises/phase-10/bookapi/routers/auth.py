"""Logging in: OAuth2's password flow at `POST /api/v1/token`.

Every route of this router checks a password, so the login rate limit is the router's own
dependency: a route added here later (a refresh, say) is limited without anyone remembering to.
"""

from fastapi import APIRouter

from bookapi import security, services
from bookapi.dependencies import HashingSlot, LoginFormDep, LoginRateLimit, SessionDep, SettingsDep
from bookapi.schemas import Token

router = APIRouter(tags=["auth"], dependencies=[LoginRateLimit])


# The router's rate limit runs first: a client over its limit is refused before it waits for a
# hashing slot.
@router.post("/token", dependencies=[HashingSlot])
def log_in(form: LoginFormDep, session: SessionDep, settings: SettingsDep) -> Token:
    """OAuth2's password flow: a form with `username` and `password`, a bearer token back.

    The same 401 for an unknown user and a wrong password; 429 after too many attempts from one
    client. A plain `def`: checking the password is slow CPU work, done in the thread pool.
    """
    user = services.authenticate(session, form.username, form.password)
    return Token(access_token=security.create_access_token(user, settings))
