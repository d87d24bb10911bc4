"""Password hashing: the one module that knows how passwords are kept."""

# TODO 5: hash with pwdlib: `from pwdlib import PasswordHash`, then create ONE hasher at module
#         level with `PasswordHash.recommended()` (Argon2, salted) and use its `hash(password)`
#         and `verify(password, hash)` below.


def hash_password(password: str) -> str:
    """A salted hash of `password`, safe to store."""
    raise NotImplementedError("TODO 5")


def verify_password(password: str, password_hash: str) -> bool:
    """Whether `password` is the one `password_hash` was made from: True or False."""
    raise NotImplementedError("TODO 5")
