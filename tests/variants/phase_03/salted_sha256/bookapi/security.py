"""Wrong: a salted SHA-256 written by hand. Salted, and still guessed billions of times a second."""

import hashlib
import hmac
import secrets


def hash_password(password: str) -> str:
    """A random salt and one SHA-256 of salt and password, as `salt$digest` in hex."""
    salt = secrets.token_hex(16)
    digest = hashlib.sha256((salt + password).encode()).hexdigest()
    return f"{salt}${digest}"


def verify_password(password: str, password_hash: str) -> bool:
    """Whether `password` is the one `password_hash` was made from."""
    salt, _, digest = password_hash.partition("$")
    return hmac.compare_digest(hashlib.sha256((salt + password).encode()).hexdigest(), digest)
