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
