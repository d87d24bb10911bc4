"""Hashing passwords with pwdlib: slow on purpose, salted, and one-way."""

import hashlib

from pwdlib import PasswordHash

# --8<-- [start:hasher]
# Argon2id with the library's current parameters (64 MiB of memory and 3 passes per hash).
password_hash = PasswordHash.recommended()


def hash_password(password: str) -> str:
    """A new random salt every call: the same password never hashes the same way twice."""
    return password_hash.hash(password)


def verify_password(password: str, stored_hash: str) -> bool:
    """Hash `password` again with the salt and parameters written in `stored_hash`; compare."""
    return password_hash.verify(password, stored_hash)


# --8<-- [end:hasher]


# --8<-- [start:upgrade]
def verify_and_upgrade(password: str, stored_hash: str) -> tuple[bool, str | None]:
    """Check a password and, when the stored hash was made with weaker parameters than today's,
    hand back a new hash to store in its place (the only moment you know the password)."""
    return password_hash.verify_and_update(password, stored_hash)


# --8<-- [end:upgrade]


# --8<-- [start:wrong]
def fast_hash(password: str) -> str:
    # DON'T. No salt: equal passwords give equal digests, so one precomputed table cracks
    # them all. And SHA-256 is fast: a graphics card tries billions of guesses a second.
    return hashlib.sha256(password.encode()).hexdigest()


# --8<-- [end:wrong]
