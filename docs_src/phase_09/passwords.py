"""Password hashing, slow on purpose: pwdlib's recommended Argon2id (three passes, 64 MiB)."""

from pwdlib import PasswordHash

# A module attribute, looked up on every call: a test can swap it for a cheap one.
hasher = PasswordHash.recommended()


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return hasher.verify(password, password_hash)
