"""Password hashing: the one module that knows how passwords are kept.

pwdlib's recommended hasher is Argon2: slow on purpose, and salted, so equal passwords get
different hashes. Phase 8 uses `verify_password` to log users in.
"""

from pwdlib import PasswordHash

_hasher = PasswordHash.recommended()


def hash_password(password: str) -> str:
    """A salted Argon2 hash of `password`, safe to store."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """Whether `password` is the one `password_hash` was made from."""
    return _hasher.verify(password, password_hash)


# TODO 2: tokens, with PyJWT (`import jwt`), the settings (`from bookapi.settings import
#         Settings`) and the user table (`from bookapi.models import User`):
#         - `create_access_token(user: User, settings: Settings) -> str`: claims
#           `{"sub": str(user.id), "iat": now, "exp": now + settings.access_token_minutes}` (aware
#           datetimes), signed with `settings.secret_key.get_secret_value()` and
#           `algorithm="HS256"`;
#         - `user_id_from_token(token: str, settings: Settings) -> int`: `jwt.decode(...)` with
#           `algorithms=["HS256"]` and `options={"require": ["exp", "sub"]}`, then `int(sub)`;
#           raise one exception of your own (`InvalidToken`) for `jwt.InvalidTokenError` and for
#           a `sub` that is not a number.

# TODO 3: `verify_password_or_pretend(password: str, password_hash: str | None) -> bool`: when
#         there is no user (`password_hash is None`), verify against a dummy hash anyway (made
#         once, on first use, e.g. with `functools.cache`) and answer False, so that an unknown
#         username takes as long as a wrong password.
