"""Password hashing: the one module that knows how passwords are kept.

pwdlib's recommended hasher is Argon2: slow on purpose, and salted, so equal passwords get
different hashes. Phase 8 uses `verify_password` to log users in.
"""

import hashlib
import hmac
import secrets


def _digest(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 100_000)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    return f"{salt.hex()}:{_digest(password, salt).hex()}"


def verify_password(password: str, password_hash: str) -> bool:
    salt, digest = password_hash.split(":")
    return hmac.compare_digest(_digest(password, bytes.fromhex(salt)).hex(), digest)
