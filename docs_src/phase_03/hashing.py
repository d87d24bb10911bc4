"""Hashing passwords with pwdlib: one hasher per process, Argon2 by default."""

from pwdlib import PasswordHash

hasher = PasswordHash.recommended()


def hash_password(password: str) -> str:
    return hasher.hash(password)  # salted: the same password hashes differently each time


def verify_password(password: str, password_hash: str) -> bool:
    return hasher.verify(password, password_hash)
