"""Six ways a token can be wrong, and how a strict decode refuses every one of them."""

import base64
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

ALGORITHM = "HS256"


def decode(token: str, secret: str) -> dict[str, Any]:
    """The strict decode from tokens.py: one algorithm, `exp` and `sub` required."""
    return jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})


def sign(claims: dict[str, Any], secret: str) -> str:
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def segment(data: dict[str, Any]) -> str:
    """One base64url part of a JWT, without padding, as the format wants it."""
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# --8<-- [start:attacks]
def valid_claims(subject: str) -> dict[str, Any]:
    return {"sub": subject, "exp": datetime.now(UTC) + timedelta(minutes=15)}


def tampered(token: str) -> str:
    """Someone edits the payload (here: another user) and keeps the old signature."""
    header, _payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    return ".".join([header, segment({**claims, "sub": "admin"}), signature])


def expired(subject: str, secret: str) -> str:
    return sign({"sub": subject, "exp": datetime.now(UTC) - timedelta(minutes=1)}, secret)


def alg_none(subject: str) -> str:
    """An unsigned token that asks not to be checked: header {"alg": "none"}, no signature."""
    claims = {"sub": subject, "exp": int((datetime.now(UTC) + timedelta(minutes=15)).timestamp())}
    return f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims)}."


def wrong_secret(subject: str) -> str:
    """Signed correctly, by someone who does not know our secret."""
    return sign(valid_claims(subject), secrets.token_urlsafe(32))


def without_exp(subject: str, secret: str) -> str:
    return sign({"sub": subject}, secret)


def without_sub(subject: str, secret: str) -> str:
    claims = valid_claims(subject)
    del claims["sub"]
    return sign(claims, secret)


# --8<-- [end:attacks]


# --8<-- [start:verdicts]
def verdicts(secret: str) -> dict[str, str]:
    """What the strict decode says about each kind of bad token."""
    good = sign(valid_claims("ada"), secret)
    tokens = {
        "tampered": tampered(good),
        "expired": expired("ada", secret),
        "alg=none": alg_none("ada"),
        "wrong secret": wrong_secret("ada"),
        "no exp": without_exp("ada", secret),
        "no sub": without_sub("ada", secret),
    }
    answers = {}
    for name, token in tokens.items():
        try:
            decode(token, secret)
        except jwt.InvalidTokenError as error:  # the base class of every refusal
            answers[name] = type(error).__name__
        else:
            answers[name] = "ACCEPTED"
    return answers


# --8<-- [end:verdicts]
