"""Passwords and tokens: the one module that knows how passwords are kept and tokens signed.

Passwords: pwdlib's recommended hasher, Argon2id, slow on purpose and salted, so equal
passwords get different hashes. `verify_password_or_pretend` spends the same time whether or
not there is a user to check, so login times do not reveal which usernames exist.

Tokens: JWTs signed with HS256 and the settings' `secret_key`. `sub` is the user's id (as a
string, as JWT wants it), `exp` a few minutes away; decoding requires both and accepts HS256
only, so an unsigned (`alg=none`), forged, expired or incomplete token raises `InvalidToken`.
"""

from datetime import UTC, datetime, timedelta
from functools import cache

import jwt
from pwdlib import PasswordHash

from bookapi.models import User
from bookapi.settings import Settings

ALGORITHM = "HS256"

# The hasher, swapped in tests for a cheap one (one pass, little memory): see tests/conftest.py.
hasher = PasswordHash.recommended()


def hash_password(password: str) -> str:
    """A salted Argon2 hash of `password`, safe to store."""
    return hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """Whether `password` is the one `password_hash` was made from."""
    return hasher.verify(password, password_hash)


@cache
def _dummy_hash() -> str:
    """A hash of a password nobody has, made on first use, with today's parameters."""
    return hasher.hash("nobody has this password: checking it only costs time")


def verify_password_or_pretend(password: str, password_hash: str | None) -> bool:
    """`verify_password`, or, when there is no user (`password_hash` is None), the same work
    against a dummy hash, and False: both cases take as long as each other."""
    if password_hash is None:
        hasher.verify(password, _dummy_hash())
        return False
    return verify_password(password, password_hash)


class InvalidToken(Exception):
    """The token is not one this API signed, or no longer valid."""


def create_access_token(user: User, settings: Settings) -> str:
    """A signed token for `user`, valid for `settings.access_token_minutes`."""
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),  # a string, as JWT wants it
        "iat": now,
        "exp": now + timedelta(minutes=settings.access_token_minutes),
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


def user_id_from_token(token: str, settings: Settings) -> int:
    """The id of the user a valid token names; `InvalidToken` for anything else."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[ALGORITHM],  # ours, never the one the token's header names
            options={"require": ["exp", "sub"]},  # no `exp` would mean "valid forever"
        )
        return int(claims["sub"])
    except (jwt.InvalidTokenError, ValueError) as error:
        raise InvalidToken(str(error)) from None
