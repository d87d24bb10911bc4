"""Phase 8 — Security: OAuth2 and JWT. One test per check in course.toml, in the same order.

The checks talk to the learner's app as a client would: they sign up, log in at POST /token,
and call GET /users/me and the book routes with tokens. The grader gives the app its own
BOOKAPI_SECRET_KEY, so it can sign tokens too: every bad token starts from the claims of a
token the learner's login issued (whatever they hold besides `sub` and `exp`), and changes one
thing. A check first shows that the good token works, so that "401 for everything" passes
nothing.

Argon2 costs about 0.1 s per hash on purpose. Checks that do not measure time make the
learner's Argon2 hasher cheap (fewer passes, little memory) before importing the app, so the
suite stays within a few seconds; the two timing checks keep the real cost. Timing is only ever
compared as a ratio, with wide margins.

Rate limits count per client address: a shim in front of the app gives a request the address
named in its `x-grader-client` header, so that each check's logins can come from clients of
their own.
"""

import asyncio
import base64
import hashlib
import itertools
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import argon2
import jwt
import pytest
import sqlmodel
from fastapi import FastAPI
from sqlmodel import SQLModel

from grader.kit import (
    Cause,
    CheckFailed,
    GradingClient,
    async_client,
    describe_error,
    describe_response,
    expect,
    json_body,
    load_app,
    load_module,
    target_path,
)

PREFIX = "BOOKAPI_"
SECRET_VARIABLE = "BOOKAPI_SECRET_KEY"
DATABASE_VARIABLE = "BOOKAPI_DATABASE_URL"
# A fresh secret for every grading run, long enough for HS256 (PyJWT warns under 32 bytes).
SECRET = "grader-secret-" + secrets.token_hex(24)
ALGORITHM = "HS256"
# The key of FastAPI's own tutorial: a learner who copied it signs with a key everyone knows.
TUTORIAL_KEY = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7"
PASSWORD = "correct horse battery staple"
WRONG_PASSWORD = "incorrect horse battery staple"
# The contract's numbers.
MAX_TOKEN_MINUTES = 60
MAX_HASHES = 4
LOGIN_ATTEMPTS = 5
ALLOWED_ORIGIN = "http://localhost:5173"
EVIL_ORIGINS = ("https://evil.example", "http://localhost:5173.evil.example", "null")
# The header the grader's shim reads a request's client address from.
CLIENT_HEADER = "x-grader-client"

# Sections of the lesson that several steps send the learner to.
FLOW_ANCHOR = "the-password-flow"
SIGNING_ANCHOR = "signing-a-token"
DECODING_ANCHOR = "decoding-strictly"
ATTACKS_ANCHOR = "every-way-a-token-can-be-wrong"
CURRENT_USER_ANCHOR = "the-current-user"
STATUS_ANCHOR = "401-or-403"
OWNER_ANCHOR = "only-the-owner-may-edit"

# Causes: one mistake that fails several checks, reported once ---------------------------------

NO_LOGIN = Cause(
    id="login-missing",
    hint="Add the login route, `POST /token`: it reads a form with `OAuth2PasswordRequestForm` "
    "(fields `username` and `password`), checks the password against the stored hash, and "
    'answers 200 with `{"access_token": "<a JWT>", "token_type": "bearer"}`.',
    anchor=FLOW_ANCHOR,
)
LOGIN_REFUSED = Cause(
    id="login-refuses-a-user",
    hint="POST /token refused a user who had just signed up with that very password: find the "
    "user by the form's `username`, check `form.password` against the stored hash with "
    "`verify_password`, and answer the token. The error shown, if any, is your code's.",
    anchor=FLOW_ANCHOR,
)
LIMIT_NOT_PER_CLIENT = Cause(
    id="rate-limit-not-per-client",
    hint="Your login answered 429 to a client that had never tried before: the limit counts "
    "every client together, so one guesser locks everyone out. Count attempts per client "
    "address (`request.client.host`).",
    anchor="rate-limiting-the-login",
)
SUB_NOT_A_STRING = Cause(
    id="sub-not-a-string",
    hint="Put the user's id in `sub` as a string, `str(user.id)`: JWT says `sub` is a string, "
    "and PyJWT refuses to decode a token whose `sub` is a number. Turn it back with `int(...)` "
    "after decoding.",
    anchor=SIGNING_ANCHOR,
)
NO_SIGN_UP = Cause(
    id="sign-up-broken",
    hint="`POST /users` must still create a user (201) from a JSON body with `username`, "
    "`email` and `password`, as in earlier phases: every check signs its users up that way.",
    anchor="hashing-passwords",
)
NOT_OUR_KEY = Cause(
    id="token-not-signed-with-settings-secret",
    hint="Sign tokens with HS256 and the secret from the settings: "
    '`jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm="HS256")`. The '
    "grader gives your app its own BOOKAPI_SECRET_KEY and signs its test tokens with it.",
    anchor=SIGNING_ANCHOR,
)
NO_ME = Cause(
    id="users-me-missing",
    hint="Add `GET /users/me`, which asks for `CurrentUserDep` and answers the current user "
    "(`UserPublic`). Declare it before `GET /users/{user_id}`, or `me` is read as an id.",
    anchor=CURRENT_USER_ANCHOR,
)
OWN_TOKEN_REFUSED = Cause(
    id="own-token-refused",
    hint="Your app refuses the token its own login just issued: decode it with the same secret "
    "and algorithm that signed it, and load the user that `sub` names the way you wrote it "
    "(an id in `sub` is a string: convert it back with `int(...)`).",
    anchor=CURRENT_USER_ANCHOR,
)
APP_DOES_NOT_START = Cause(
    id="lifespan-fails",
    hint="The app stops while starting: fix the error its lifespan (or middleware) raised, at "
    "the place shown. The grader sets BOOKAPI_SECRET_KEY and nothing else: every other "
    "setting needs a default.",
    anchor="phase-7#the-engine-once-in-the-lifespan",
)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Only the grader's own BOOKAPI_ variables, whatever the learner's shell exports, and a
    new, empty SQLite database for every check (removed afterwards)."""
    for name in list(os.environ):
        if name.startswith(PREFIX) or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    folder = Path(tempfile.mkdtemp(prefix="grade-db-"))
    monkeypatch.setenv(DATABASE_VARIABLE, f"sqlite:///{folder / 'bookapi.db'}")
    try:
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def app() -> FastAPI:
    """The learner's app, imported fresh (Argon2 cheap unless the check is `real_hashing`)."""
    forget_tables()
    return load_app()


def forget_tables() -> None:
    """Let the learner's models define their tables again: each check imports them afresh, and
    SQLModel keeps every table (and class) ever defined in one process-wide registry."""
    SQLModel.metadata.clear()
    sqlmodel.main.default_registry.dispose()


# Hashing -------------------------------------------------------------------------------------


class HashWatch:
    """Counts the Argon2 hashes and verifications running at the same moment.

    Each one is held a little longer than it takes (`hold` seconds), so that calls that may run
    together really do overlap, and a bound shows.
    """

    def __init__(self, hold: float) -> None:
        self.hold = hold
        self.lock = threading.Lock()
        self.running = {"hash": 0, "verify": 0}
        self.peak = {"hash": 0, "verify": 0, "all": 0}
        self.calls = {"hash": 0, "verify": 0}

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for kind in ("hash", "verify"):
            monkeypatch.setattr(
                argon2.PasswordHasher,
                kind,
                self.watched(kind, getattr(argon2.PasswordHasher, kind)),
            )

    def watched(self, kind: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def watched_method(hasher: Any, *args: Any, **kwargs: Any) -> Any:
            with self.lock:
                self.calls[kind] += 1
                self.running[kind] += 1
                self.peak[kind] = max(self.peak[kind], self.running[kind])
                self.peak["all"] = max(self.peak["all"], sum(self.running.values()))
            try:
                time.sleep(self.hold)
                return method(hasher, *args, **kwargs)
            finally:
                with self.lock:
                    self.running[kind] -= 1

        return watched_method


# Talking to the app ----------------------------------------------------------------------------

_addresses = itertools.count(1)


def fresh_address() -> str:
    """A client address no request of this run has used yet."""
    n = next(_addresses)
    return f"10.{n // 250 % 250}.{n % 250}.8"


def with_client_addresses(app: Any) -> Any:
    """The app, behind a shim that gives each request the client address in its
    `x-grader-client` header (and removes the header), as a proxy-aware server would."""

    async def shim(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = scope.get("headers", [])
            named = [value for key, value in headers if key == CLIENT_HEADER.encode()]
            if named:
                scope = {
                    **scope,
                    "client": (named[0].decode(), 40_000),
                    "headers": [(k, v) for k, v in headers if k != CLIENT_HEADER.encode()],
                }
        await app(scope, receive, send)

    return shim


@contextmanager
def running(app: FastAPI) -> Iterator[GradingClient]:
    """A test client with the lifespan running; server errors come back as 500 responses."""
    client = GradingClient(with_client_addresses(app), raise_server_exceptions=False)
    try:
        client.__enter__()
    except (CheckFailed, Warning, MemoryError):
        raise
    except Exception as error:
        raise CheckFailed(
            expected="the app to start (its lifespan to run)",
            seen=describe_error(error),
            cause=APP_DOES_NOT_START,
        ) from None
    try:
        yield client
    finally:
        client.__exit__(None, None, None)


def unique_name(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(4)}"


def sign_up(client: GradingClient, username: str, password: str = PASSWORD) -> dict[str, Any]:
    """Create a user through POST /users; the new user's public view."""
    body = {"username": username, "email": f"{username}@example.com", "password": password}
    response = client.post("/users", json=body)
    expect(
        response.status_code == 201,
        expected=f"POST /users (sign-up of {username!r}) to answer 201",
        seen=describe_response(response),
        cause=NO_SIGN_UP,
    )
    user = json_body(response, "the new user")
    expect(
        isinstance(user, dict) and isinstance(user.get("id"), int),
        expected=f"the new user {username!r} as a JSON object with an integer `id`",
        seen=f"the body {user!r:.120}",
        cause=NO_SIGN_UP,
    )
    return user


def log_in(client: GradingClient, username: str, password: str, address: str | None = None) -> Any:
    """POST /token with the password flow's form, from `address` (a fresh client by default)."""
    form = {"grant_type": "password", "username": username, "password": password}
    return client.post("/token", data=form, headers={CLIENT_HEADER: address or fresh_address()})


def login_failure(response: Any, username: str) -> CheckFailed:
    """Why a correct login did not produce a token: the route is missing, or broken."""
    if response.status_code in (404, 405):
        seen = f"{describe_response(response)}: there is no POST /token yet"
    elif response.status_code == 422:
        seen = (
            f"{describe_response(response)}: the route does not read the form fields "
            "`username` and `password` (use `OAuth2PasswordRequestForm`, not a JSON body)"
        )
    else:
        seen = describe_response(response)
    return CheckFailed(
        expected=f"POST /token (a form with the right username {username!r} and password) to "
        'answer 200 with {"access_token": ..., "token_type": "bearer"}',
        seen=seen,
        cause=NO_LOGIN if response.status_code in (404, 405, 422) else LOGIN_REFUSED,
    )


def not_per_client(response: Any, what: str) -> CheckFailed:
    return CheckFailed(
        expected=f"{what}, from a client address that had not tried to log in before, not to be "
        "rate limited",
        seen=describe_response(response),
        cause=LIMIT_NOT_PER_CLIENT,
    )


def expect_login_refused(response: Any, what: str) -> None:
    """A failed login answers 401 (or 400): not a 429 for a client that never tried before."""
    if response.status_code == 429:
        raise not_per_client(response, what)
    expect(
        response.status_code in (400, 401),
        expected=f"{what} to answer 401 (or 400)",
        seen=describe_response(response),
        hint="Refuse a failed login with 401 and `WWW-Authenticate: Bearer` (400 is allowed too, "
        "as long as an unknown user gets the very same answer).",
        anchor="one-answer-for-unknown-users-and-wrong-passwords",
    )


def token_of(client: GradingClient, username: str, password: str = PASSWORD) -> str:
    """Log in and return the access token, or fail with the login cause."""
    response = log_in(client, username, password)
    if response.status_code == 429:
        raise not_per_client(response, "a correct login")
    if response.status_code != 200:
        raise login_failure(response, username)
    body = json_body(response, "the answer to POST /token")
    token = body.get("access_token") if isinstance(body, dict) else None
    kind = body.get("token_type") if isinstance(body, dict) else None
    expect(
        isinstance(token, str) and token and isinstance(kind, str) and kind.lower() == "bearer",
        expected='the login answer {"access_token": "<a JWT>", "token_type": "bearer"}',
        seen=f"the body {body!r:.160}",
        cause=NO_LOGIN,
    )
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def segment(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Issued:
    """A token the learner's login issued, what it says, and for whom."""

    username: str
    user_id: int
    token: str
    header: dict[str, Any]
    claims: dict[str, Any]

    def forge(self, claims: dict[str, Any], key: str = SECRET) -> str:
        """A token signed like the learner's own, with `claims` instead of theirs."""
        extra = {k: v for k, v in self.header.items() if k not in ("alg", "typ")}
        return jwt.encode(claims, key, algorithm=ALGORITHM, headers=extra or None)


def read_token(token: str, username: str, user_id: int) -> Issued:
    """What the token says, verified with the grader's secret (or the shared cause)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as error:
        raise CheckFailed(
            expected="the access token to be a JWT (three base64url parts joined by dots)",
            seen=f"{token[:40]!r}…: {error}",
            cause=NOT_OUR_KEY,
        ) from None
    try:
        claims = jwt.decode(
            token,
            SECRET,
            algorithms=[ALGORITHM],
            options={
                "verify_exp": False,
                "verify_aud": False,
                "verify_iss": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_sub": False,
                "verify_jti": False,
            },
        )
    except jwt.InvalidAlgorithmError:
        raise CheckFailed(
            expected="an access token signed with HS256",
            seen=f"a token whose header says alg={header.get('alg')!r}",
            cause=NOT_OUR_KEY,
        ) from None
    except jwt.InvalidTokenError as error:
        raise CheckFailed(
            expected="an access token signed with BOOKAPI_SECRET_KEY (the settings' secret)",
            seen=f"a token that does not verify with it ({type(error).__name__}): is the key "
            "written in your code, or made up at start-up?",
            cause=NOT_OUR_KEY,
        ) from None
    sub = claims.get("sub")
    if sub is not None and not isinstance(sub, str):
        raise CheckFailed(
            expected="the token's `sub` to be a string",
            seen=f"sub={sub!r}, a {type(sub).__name__}",
            cause=SUB_NOT_A_STRING,
        )
    return Issued(username, user_id, token, header, claims)


def me(client: GradingClient, headers: dict[str, str]) -> Any:
    return client.get("/users/me", headers=headers)


def expect_me(client: GradingClient, issued: Issued) -> None:
    """GET /users/me with the learner's own token answers that user (the positive control)."""
    response = me(client, bearer(issued.token))
    if response.status_code in (404, 405) or (
        response.status_code == 422 and "user_id" in response.text
    ):
        raise CheckFailed(
            expected="GET /users/me with a valid token to answer the current user",
            seen=describe_response(response)
            + (
                ": `/users/{user_id}` caught the request, so declare `/users/me` before it"
                if response.status_code == 422
                else ""
            ),
            cause=NO_ME,
        )
    if response.status_code in (401, 403):
        raise CheckFailed(
            expected=f"GET /users/me with the token your login issued for {issued.username!r} "
            "to answer 200",
            seen=describe_response(response),
            cause=OWN_TOKEN_REFUSED,
        )
    expect(
        response.status_code == 200,
        expected=f"GET /users/me with {issued.username!r}'s token to answer 200",
        seen=describe_response(response),
        cause=NO_ME,
    )
    body = json_body(response, "the current user")
    expect(
        isinstance(body, dict) and body.get("username") == issued.username,
        expected=f"GET /users/me to answer the user the token names ({issued.username!r})",
        seen=f"the body {body!r:.160}",
        hint="Return the user that `get_current_user` loaded (a `UserPublic`), not another "
        "one and not the token's claims.",
        anchor=CURRENT_USER_ANCHOR,
    )


def logged_in(client: GradingClient, prefix: str) -> Issued:
    """A new user, logged in, whose own token works on GET /users/me."""
    username = unique_name(prefix)
    user = sign_up(client, username)
    issued = read_token(token_of(client, username), username, user["id"])
    expect_me(client, issued)
    return issued


def expect_refused(
    response: Any,
    what: str,
    *,
    accepted_hint: str,
    accepted_anchor: str = ATTACKS_ANCHOR,
    error_hint: str | None = None,
    error_anchor: str | None = None,
) -> None:
    """`response` is the contract's answer to a bad token: 401, WWW-Authenticate: Bearer, and
    a {"detail": ...} body. Each way of missing it gets its own hint."""
    status = response.status_code
    if 200 <= status < 300:
        raise CheckFailed(
            expected=f"{what} to be refused with 401",
            seen=f"{describe_response(response)}: it was let through",
            hint=accepted_hint,
            anchor=accepted_anchor,
        )
    if status == 403:
        raise CheckFailed(
            expected=f"{what} to be refused with 401 (not authenticated)",
            seen=describe_response(response),
            hint='A token that fails any check means "I don\'t know who you are": 401 with '
            "`WWW-Authenticate: Bearer`. Keep 403 for a known user who may not do something.",
            anchor=STATUS_ANCHOR,
        )
    if status >= 500:
        raise CheckFailed(
            expected=f"{what} to be refused with 401",
            seen=describe_response(response),
            hint=error_hint
            or "Your code crashed on a bad token: catch `jwt.InvalidTokenError` around the "
            "decode and raise the same 401 for every failure.",
            anchor=error_anchor or DECODING_ANCHOR,
        )
    if status == 422:
        raise CheckFailed(
            expected=f"{what} to be refused with 401",
            seen=describe_response(response),
            hint="A missing or malformed `Authorization` header is an authentication failure, "
            "not a validation error: read it with `OAuth2PasswordBearer` (or `HTTPBearer`), "
            "not with `Header()`.",
            anchor="oauth2passwordbearer-or-httpbearer",
        )
    expect(
        status == 401,
        expected=f"{what} to be refused with 401",
        seen=describe_response(response),
        hint='Raise `HTTPException(401, ..., headers={"WWW-Authenticate": "Bearer"})` for '
        "every way a token can fail.",
        anchor=STATUS_ANCHOR,
    )
    challenge = response.headers.get("www-authenticate", "")
    expect(
        challenge.lower().startswith("bearer"),
        expected=f"the 401 for {what} to carry `WWW-Authenticate: Bearer`",
        seen=f"WWW-Authenticate: {challenge}" if challenge else "no WWW-Authenticate header",
        hint='Pass `headers={"WWW-Authenticate": "Bearer"}` to every 401 `HTTPException` you '
        "raise (and let your exception handlers keep `exc.headers`).",
        anchor=STATUS_ANCHOR,
    )
    body = json_body(response, f"the 401 for {what}")
    expect(
        isinstance(body, dict) and "detail" in body,
        expected='the 401 body to have the shape {"detail": ...}',
        seen=f"the body {body!r:.120}",
        hint='Raise an `HTTPException`: FastAPI answers it with `{"detail": ...}`, the one '
        "error shape of the Book API.",
        anchor="phase-4#one-error-shape-everywhere",
    )


def shifted(claims: dict[str, Any], seconds: float) -> dict[str, Any]:
    """The claims with every time claim (exp, iat, nbf) moved by `seconds`."""
    moved = dict(claims)
    for name in ("exp", "iat", "nbf"):
        if isinstance(moved.get(name), int | float):
            moved[name] = int(moved[name] + seconds)
    return moved


def timed(send: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    response = send()
    return time.perf_counter() - started, response


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# The checks ------------------------------------------------------------------------------------


def learner_security() -> Any:
    """The learner's `bookapi.security`: the very module the app imported, if it did."""
    module = sys.modules.get("bookapi.security")
    if module is not None:
        return module
    expect(
        (target_path() / "bookapi" / "security.py").is_file(),
        expected="a module `bookapi/security.py` with `hash_password` and `verify_password`",
        seen="no such file in the graded folder",
        hint="Keep `bookapi/security.py` from the exercise: the one module that hashes passwords.",
        anchor="hashing-passwords",
    )
    forget_tables()
    return load_module("bookapi.security")


def test_equal_passwords_hash_differently(app: FastAPI) -> None:
    # Two users with the same password: both log in with it.
    with running(app) as client:
        username = unique_name("twin")
        sign_up(client, username)
        twin = unique_name("twin")
        sign_up(client, twin)
        for name in (username, twin):
            token_of(client, name)
    # And their hashes differ: the module that makes them, called twice.
    security = learner_security()
    hash_password = getattr(security, "hash_password", None)
    verify_password = getattr(security, "verify_password", None)
    expect(
        callable(hash_password) and callable(verify_password),
        expected="`hash_password(password)` and `verify_password(password, hash)` in "
        "`bookapi/security.py`",
        seen="they are not both there",
        hint="Keep `hash_password` and `verify_password` in `bookapi/security.py`, as the "
        "earlier phases had them, and hash every password through them.",
        anchor="hashing-passwords",
    )
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    expect(
        isinstance(first, str) and PASSWORD not in first,
        expected="a hash that does not contain the password",
        seen=f"hash_password({PASSWORD!r}) = {first!r:.120}",
        hint="Store a hash, never the password itself: `PasswordHash.recommended().hash(...)`.",
    )
    fast = {
        name: getattr(hashlib, name)(PASSWORD.encode()).hexdigest()
        for name in ("md5", "sha1", "sha256", "sha512")
    }
    found = [name for name, digest in fast.items() if digest in first]
    expect(
        not found,
        expected="a password hash (Argon2), not a general-purpose digest",
        seen=f"the hash holds the plain {found[0] if found else ''} digest of the password",
        hint="A fast, unsalted digest is cracked with a lookup table: hash with pwdlib's "
        "`PasswordHash.recommended()` (Argon2id).",
        anchor="why-slow-and-why-salted",
    )
    expect(
        first != second,
        expected="two hashes of the same password to differ (a random salt in each)",
        seen=f"hash_password({PASSWORD!r}) gave the same string twice: {first!r:.80}",
    )
    verdicts = (
        verify_password(PASSWORD, first),
        verify_password(PASSWORD, second),
        verify_password(WRONG_PASSWORD, first),
    )
    expect(
        verdicts == (True, True, False),
        expected="verify_password to accept the password with either hash, and refuse another",
        seen=f"verify_password answered {verdicts[0]}, {verdicts[1]} and {verdicts[2]}",
        hint="`verify_password(password, stored_hash)` must hash the candidate with the salt "
        "written in `stored_hash` and compare: `PasswordHash.verify(password, hash)` does it.",
        anchor="hashing-passwords",
    )


@pytest.mark.real_hashing
def test_passwords_hashed_slowly(app: FastAPI) -> None:
    with running(app) as client:
        username = unique_name("slow")
        sign_up(client, username)
        token_of(client, username)

        def wrong() -> Any:
            return log_in(client, username, WRONG_PASSWORD)

        def baseline() -> Any:
            # The same route and form, without the password: refused before any hashing.
            return client.post(
                "/token",
                data={"grant_type": "password", "username": username},
                headers={CLIENT_HEADER: fresh_address()},
            )

        timed(baseline)  # warm up (the correct login above warmed the hasher up)
        checks: list[float] = []
        bases: list[float] = []
        for _ in range(3):
            seconds, response = timed(wrong)
            expect_login_refused(response, "a login with a wrong password")
            checks.append(seconds)
            bases.append(timed(baseline)[0])
    check, base = statistics.median(checks), statistics.median(bases)
    expect(
        check >= 5 * base,
        expected="checking a password to take far longer than a login refused before any "
        "hashing (a slow password hash such as Argon2)",
        seen=f"a wrong-password login took {ms(check)}, a login without a password "
        f"{ms(base)}: checking the password costs almost nothing",
        hint="Hash passwords with pwdlib's `PasswordHash.recommended()` (Argon2id), which is "
        "slow on purpose. SHA-256 or MD5, salted or not, costs an attacker nanoseconds a guess.",
        anchor="why-slow-and-why-salted",
    )


def test_login_issues_a_token(app: FastAPI) -> None:
    with running(app) as client:
        username = unique_name("reader")
        user = sign_up(client, username)
        before = time.time()
        token = token_of(client, username)
        issued = read_token(token, username, user["id"])
        expect(
            issued.header.get("alg") == ALGORITHM,
            expected="a token signed with HS256",
            seen=f"alg={issued.header.get('alg')!r}",
            hint='Sign with `algorithm="HS256"` and the settings\' secret.',
            anchor=SIGNING_ANCHOR,
        )
        sub, exp = issued.claims.get("sub"), issued.claims.get("exp")
        expect(
            isinstance(sub, str) and sub,
            expected="a `sub` claim holding a string (the user's id or username)",
            seen=f"sub={sub!r}",
            hint="Put the user's id, as a string, in `sub`: `str(user.id)`. PyJWT refuses a "
            "number there when it decodes.",
            anchor=SIGNING_ANCHOR,
        )
        expect(
            isinstance(exp, int | float),
            expected="an `exp` claim (when the token stops working)",
            seen=f"exp={exp!r}" if "exp" in issued.claims else "no `exp` claim: it never expires",
            hint='Add `"exp": datetime.now(UTC) + timedelta(minutes=...)` to the claims.',
            anchor=SIGNING_ANCHOR,
        )
        lifetime = (exp - before) / 60
        expect(
            0 < lifetime <= MAX_TOKEN_MINUTES + 1,
            expected=f"the token to expire within {MAX_TOKEN_MINUTES} minutes of login",
            seen=f"it expires {lifetime:.0f} minutes after login",
            hint="Keep access tokens short-lived (15 minutes is usual, an hour at most): a "
            "stolen token works until it expires.",
            anchor="refresh-tokens-on-paper",
        )
        expect_me(client, issued)
        body = me(client, bearer(issued.token)).text.lower()
        expect(
            "password" not in body and "$argon2" not in body,
            expected="GET /users/me to answer the public view of the user",
            seen="its body mentions the password or its hash",
            hint="Answer `UserPublic` from GET /users/me (its return type), never the stored user.",
            anchor="phase-3#let-the-return-type-filter-the-output",
        )
        schema = json_body(client.get("/openapi.json"), "the OpenAPI schema")
        operation = schema.get("paths", {}).get("/users/me", {}).get("get", {})
        expect(
            operation.get("security"),
            expected="GET /users/me to declare its security scheme in the OpenAPI schema",
            seen="no `security` on it: /docs shows no lock and cannot send a token",
            hint='Read the token with `OAuth2PasswordBearer(tokenUrl="token")` (or '
            "`HTTPBearer`) inside `get_current_user`: FastAPI then documents the scheme.",
            anchor="oauth2passwordbearer-or-httpbearer",
        )


def test_login_same_answer(app: FastAPI) -> None:
    with running(app) as client:
        username = unique_name("known")
        sign_up(client, username)
        token_of(client, username)
        wrong = log_in(client, username, WRONG_PASSWORD)
        unknown_name = unique_name("nobody")
        unknown = log_in(client, unknown_name, WRONG_PASSWORD)
    expect_login_refused(wrong, f"a login for {username!r} with a wrong password")
    if unknown.status_code == 429:
        raise not_per_client(unknown, "a login for an unknown user")
    expect(
        unknown.status_code == wrong.status_code,
        expected="an unknown user and a wrong password to get the same status",
        seen=f"{wrong.status_code} for a wrong password, {unknown.status_code} for the unknown "
        f"user {unknown_name!r}",
    )
    expect(
        unknown.text == wrong.text,
        expected="an unknown user and a wrong password to get the same body",
        seen=f"{wrong.text[:80]!r} for a wrong password, {unknown.text[:80]!r} for an unknown user",
    )
    challenges = (wrong.headers.get("www-authenticate"), unknown.headers.get("www-authenticate"))
    expect(
        challenges[0] == challenges[1],
        expected="an unknown user and a wrong password to get the same headers",
        seen=f"WWW-Authenticate: {challenges[0]} for a wrong password, {challenges[1]} for an "
        "unknown user",
    )
    if wrong.status_code == 401:
        expect(
            (challenges[0] or "").lower().startswith("bearer"),
            expected="the login's 401 to carry `WWW-Authenticate: Bearer`",
            seen=f"WWW-Authenticate: {challenges[0]}" if challenges[0] else "no such header",
            hint='Every 401 says how to authenticate: add `headers={"WWW-Authenticate": '
            '"Bearer"}` to the login\'s HTTPException too.',
            anchor=STATUS_ANCHOR,
        )


@pytest.mark.real_hashing
def test_login_timing_same(app: FastAPI) -> None:
    with running(app) as client:
        username = unique_name("timed")
        sign_up(client, username)
        token_of(client, username)
        ghost = unique_name("ghost")

        def wrong() -> Any:
            return log_in(client, username, WRONG_PASSWORD)

        def unknown() -> Any:
            return log_in(client, ghost, WRONG_PASSWORD)

        timed(unknown)  # warm up: a dummy hash made on first use, say
        known_times: list[float] = []
        unknown_times: list[float] = []
        for _ in range(3):
            for times, send, what in (
                (known_times, wrong, "a login with a wrong password"),
                (unknown_times, unknown, "a login for an unknown user"),
            ):
                seconds, response = timed(send)
                expect_login_refused(response, what)
                times.append(seconds)
    known, missing = statistics.median(known_times), statistics.median(unknown_times)
    expect(
        missing >= 0.3 * known,
        expected="a login for an unknown user to take about as long as one with a wrong password",
        seen=f"an unknown user took {ms(missing)}, a wrong password {ms(known)}: the time "
        "tells which usernames exist",
    )


def test_no_token_or_malformed_header_401(app: FastAPI) -> None:
    with running(app) as client:
        headers: list[tuple[str, dict[str, str]]] = [
            ("GET /users/me without an Authorization header", {}),
            (
                "GET /users/me with `Authorization: Basic ...`",
                {"Authorization": "Basic Z3Vlc3Q6cHc="},
            ),
            (
                "GET /users/me with `Authorization: Bearer` and no token",
                {"Authorization": "Bearer"},
            ),
            (
                "GET /users/me with `Authorization: Bearer not-a-token`",
                {"Authorization": "Bearer not-a-token"},
            ),
        ]
        for what, header in headers:
            response = me(client, header)
            if response.status_code == 422 and "user_id" in response.text:
                raise CheckFailed(
                    expected=f"{what} to be refused with 401",
                    seen=f"{describe_response(response)}: `GET /users/{{user_id}}` caught it",
                    hint="Add `GET /users/me` (asking for `CurrentUserDep`) and declare it before "
                    "`GET /users/{user_id}`, or `me` is read as an id.",
                    anchor=CURRENT_USER_ANCHOR,
                )
            expect(
                response.status_code not in (404, 405),
                expected=f"{what} to be refused with 401",
                seen=f"{describe_response(response)}: there is no GET /users/me yet",
                cause=NO_ME,
            )
            expect_refused(
                response,
                what,
                accepted_hint="GET /users/me answered without a valid token: let it ask for "
                "`CurrentUserDep`, whose `get_current_user` reads the token with "
                "`OAuth2PasswordBearer` and refuses anything else.",
                accepted_anchor=CURRENT_USER_ANCHOR,
                error_hint="Your code crashed on a malformed `Authorization` header: read the "
                "token with `OAuth2PasswordBearer` (or `HTTPBearer`) instead of splitting the "
                "header yourself, and refuse what does not decode with a 401.",
                error_anchor="oauth2passwordbearer-or-httpbearer",
            )
        issued = logged_in(client, "header")
        for what, header in [
            (
                "the valid token under another scheme (`Token <jwt>`)",
                {"Authorization": f"Token {issued.token}"},
            ),
            ("the valid token with no scheme at all", {"Authorization": issued.token}),
        ]:
            expect_refused(
                me(client, header),
                f"GET /users/me with {what}",
                accepted_hint="Only `Authorization: Bearer <token>` carries a token: read it "
                "with `OAuth2PasswordBearer` (or `HTTPBearer`), which checks the scheme.",
                accepted_anchor="oauth2passwordbearer-or-httpbearer",
            )


def test_tampered_token_401(app: FastAPI) -> None:
    with running(app) as client:
        intruder = logged_in(client, "intruder")
        victim = logged_in(client, "victim")
        # The intruder's own token, its payload swapped for one that names the victim: the
        # header and the signature are still the intruder's.
        header, _payload, signature = intruder.token.split(".")
        edited = ".".join([header, segment(victim.claims), signature])
        expect_refused(
            me(client, bearer(edited)),
            f"{intruder.username!r}'s token with its payload edited to name {victim.username!r} "
            "(signature kept)",
            accepted_hint="The signature no longer matches the payload, yet the token was "
            "accepted: decode with the secret and let PyJWT check the signature (never "
            '`options={"verify_signature": False}`).',
        )
        token = intruder.token
        flipped = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
        expect_refused(
            me(client, bearer(flipped)),
            "a token with one character of its signature changed",
            accepted_hint="A token with a broken signature was accepted: let `jwt.decode` check "
            "the signature with your secret.",
        )


def test_expired_token_401(app: FastAPI) -> None:
    with running(app) as client:
        issued = logged_in(client, "late")
        exp = issued.claims.get("exp")
        expect(
            isinstance(exp, int | float),
            expected="the issued token to carry `exp`",
            seen="no `exp` claim: the token never expires",
            hint="Add `exp` when you create the token: now plus its lifetime.",
            anchor=SIGNING_ANCHOR,
        )
        stale = shifted(issued.claims, (time.time() - 600) - exp)  # expired ten minutes ago
        expect_refused(
            me(client, bearer(issued.forge(stale))),
            "a token that expired ten minutes ago",
            accepted_hint="An expired token was accepted: let PyJWT check `exp` (never "
            "`verify_exp: False`, and no leeway of minutes).",
        )


def test_alg_none_token_401(app: FastAPI) -> None:
    with running(app) as client:
        issued = logged_in(client, "unsigned")
        for alg in ("none", "None"):
            header = {**issued.header, "alg": alg}
            unsigned = f"{segment(header)}.{segment(issued.claims)}."
            expect_refused(
                me(client, bearer(unsigned)),
                f'an unsigned token (header "alg": "{alg}", no signature)',
                accepted_hint="An unsigned token was accepted: decode with "
                '`algorithms=["HS256"]`, the one algorithm you sign with, so that a token '
                "cannot choose how (or whether) it is checked.",
                accepted_anchor=DECODING_ANCHOR,
            )


def test_wrong_secret_token_401(app: FastAPI) -> None:
    with running(app) as client:
        issued = logged_in(client, "forged")
        for key, name in (
            (secrets.token_urlsafe(32), "a random key"),
            (TUTORIAL_KEY, "the SECRET_KEY of FastAPI's tutorial"),
        ):
            expect_refused(
                me(client, bearer(issued.forge(issued.claims, key))),
                f"a token signed with {name} instead of BOOKAPI_SECRET_KEY",
                accepted_hint="A token signed with another key was accepted: verify with the "
                "settings' secret only, `settings.secret_key.get_secret_value()`, and no other "
                "key kept in the code.",
            )


def test_token_without_exp_401(app: FastAPI) -> None:
    with running(app) as client:
        issued = logged_in(client, "forever")
        claims = {k: v for k, v in issued.claims.items() if k != "exp"}
        expect_refused(
            me(client, bearer(issued.forge(claims))),
            "a token without `exp` (it would never expire)",
            accepted_hint="PyJWT checks `exp` only when it is there: decode with "
            '`options={"require": ["exp", "sub"]}`.',
            accepted_anchor=DECODING_ANCHOR,
        )


def test_token_without_sub_401(app: FastAPI) -> None:
    with running(app) as client:
        issued = logged_in(client, "nameless")
        claims = {k: v for k, v in issued.claims.items() if k != "sub"}
        expect_refused(
            me(client, bearer(issued.forge(claims))),
            "a token without `sub` (it names nobody)",
            accepted_hint="A token that names nobody was accepted: decode with "
            '`options={"require": ["exp", "sub"]}` and load the user `sub` names.',
            accepted_anchor=DECODING_ANCHOR,
            error_hint='A token without `sub` crashed your code (`claims["sub"]`?): decode with '
            '`options={"require": ["exp", "sub"]}`, so PyJWT refuses it first.',
            error_anchor=DECODING_ANCHOR,
        )


def ghost_subject(issued: Issued) -> str:
    """A `sub` like the learner's, naming no user."""
    sub = str(issued.claims.get("sub", ""))
    if sub.isdigit():
        return "987654321"
    if "@" in sub:
        return f"ghost-{secrets.token_hex(4)}@example.com"
    return f"ghost_{secrets.token_hex(4)}"


def test_unknown_user_token_401(app: FastAPI) -> None:
    with running(app) as client:
        issued = logged_in(client, "known")
        for sub in (
            ghost_subject(issued),
            "not-a-number" if str(issued.claims.get("sub")).isdigit() else "0",
        ):
            claims = {**issued.claims, "sub": sub}
            expect_refused(
                me(client, bearer(issued.forge(claims))),
                f"a validly signed token for a user who does not exist (sub={sub!r})",
                accepted_hint="A token for nobody was accepted: load the user `sub` names, and "
                "raise the same 401 when there is none.",
                accepted_anchor=CURRENT_USER_ANCHOR,
                error_hint="A token for a user who does not exist crashed your code: when the "
                "lookup finds nobody (or `sub` is not a valid id), raise the same 401 as for any "
                "bad token.",
                error_anchor=CURRENT_USER_ANCHOR,
            )


def new_book(title: str) -> dict[str, Any]:
    return {"title": title, "author": "Octavia E. Butler", "year": 1979}


def book_id(response: Any) -> int:
    body = json_body(response, "the new book")
    expect(
        isinstance(body, dict) and isinstance(body.get("id"), int),
        expected="the new book as a JSON object with an integer `id`",
        seen=f"the body {body!r:.120}",
        hint="POST /books answers the stored book (`BookPublic`), as in Phase 7.",
        anchor="phase-7#table-models-and-public-models",
    )
    return body["id"]


def test_only_owner_edits(app: FastAPI) -> None:
    with running(app) as client:
        anonymous = client.post("/books", json=new_book("Wild Seed"))
        expect_refused(
            anonymous,
            "POST /books without a token",
            accepted_hint="Creating a book needs a signed-in user: let POST /books ask for "
            "`CurrentUserDep`, which answers 401 without a valid token.",
            accepted_anchor=OWNER_ANCHOR,
        )
        owner = logged_in(client, "owner")
        other = logged_in(client, "other")
        created = client.post("/books", json=new_book("Kindred"), headers=bearer(owner.token))
        expect(
            created.status_code == 201,
            expected=f"POST /books with {owner.username!r}'s token to answer 201",
            seen=describe_response(created),
            hint="POST /books takes the book from the body and its owner from `CurrentUserDep`; "
            "fix the error shown.",
            anchor=OWNER_ANCHOR,
        )
        path = f"/books/{book_id(created)}"
        changes = {"title": "Kindred, renamed by someone else"}
        for method, body in (("PATCH", changes), ("DELETE", None)):
            expect_refused(
                client.request(method, path, json=body),
                f"{method} {path} without a token",
                accepted_hint=f"{method} /books/{{book_id}} changed a book for a client who sent "
                "no token: take the book from a dependency that asks for `CurrentUserDep` and "
                "checks the owner.",
                accepted_anchor=OWNER_ANCHOR,
            )
            forbidden = client.request(method, path, json=body, headers=bearer(other.token))
            expect(
                forbidden.status_code == 403,
                expected=f"{method} {path} by {other.username!r}, who does not own the book, to "
                "answer 403",
                seen=describe_response(forbidden),
                hint="Another user's valid token is authenticated, just not allowed: 403, not "
                "401 (a new token would not help)."
                if forbidden.status_code == 401
                else "Only the book's owner may change or delete it: compare the book's owner "
                "with the current user, and answer 403 when they differ.",
                anchor=STATUS_ANCHOR if forbidden.status_code == 401 else OWNER_ANCHOR,
            )
        kept = client.get(path)
        title = json_body(kept, "the book").get("title") if kept.status_code == 200 else None
        expect(
            title == "Kindred",
            expected=f"the book at {path} unchanged after the refused PATCH and DELETE",
            seen=f"GET {path}: " + (f"the title {title!r}" if title else describe_response(kept)),
            hint="Check the owner before changing anything: the 403 must come before the "
            "update or the delete, not after.",
            anchor=OWNER_ANCHOR,
        )
        # A client that names an owner in the body must not get it: the owner is the token's.
        spoof = {
            **new_book("Dawn"),
            "owner_id": other.user_id,
            "owner": other.username,
            "user_id": other.user_id,
        }
        claimed = client.post("/books", json=spoof, headers=bearer(owner.token))
        if claimed.status_code == 201:
            spoofed = f"/books/{book_id(claimed)}"
            taken = client.delete(spoofed, headers=bearer(other.token))
            expect(
                taken.status_code == 403,
                expected=f"a book {owner.username!r} created to stay theirs, whatever owner the "
                "body named",
                seen=f"the body named {other.username!r} as owner, and their DELETE {spoofed} "
                f"answered {describe_response(taken)}",
                hint="Take the owner from `CurrentUserDep`, never from the body: `BookCreate` "
                "must have no owner field.",
                anchor=OWNER_ANCHOR,
            )
        renamed = client.patch(
            path, json={"title": "Kindred (second edition)"}, headers=bearer(owner.token)
        )
        title = (
            json_body(renamed, "the changed book").get("title")
            if renamed.status_code == 200
            else None
        )
        expect(
            title == "Kindred (second edition)",
            expected=f"PATCH {path} by its owner {owner.username!r} to answer 200 with the "
            "new title",
            seen=describe_response(renamed),
            hint="The owner may change their book: the owner check must let the user who "
            "created it through (compare ids, not objects from two sessions).",
            anchor=OWNER_ANCHOR,
        )
        deleted = client.delete(path, headers=bearer(owner.token))
        expect(
            deleted.status_code == 204,
            expected=f"DELETE {path} by its owner {owner.username!r} to answer 204",
            seen=describe_response(deleted),
            hint="The owner may delete their book: 204, as before.",
            anchor=OWNER_ANCHOR,
        )


def test_hashing_bounded(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    watch = HashWatch(hold=0.1)
    shim = with_client_addresses(app)
    burst = 6

    async def run() -> tuple[list[Any], list[Any]]:
        async with async_client(shim) as client:
            username = unique_name("burst")
            body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
            first = await client.post("/users", json=body)
            expect(
                first.status_code == 201,
                expected="POST /users to answer 201",
                seen=describe_response(first),
                cause=NO_SIGN_UP,
            )
            watch.install(monkeypatch)

            def sign_up_request(n: int) -> Any:
                name = f"{username}_{n}"
                user = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
                return client.post("/users", json=user, headers={CLIENT_HEADER: fresh_address()})

            def login_request() -> Any:
                form = {"grant_type": "password", "username": username, "password": WRONG_PASSWORD}
                return client.post("/token", data=form, headers={CLIENT_HEADER: fresh_address()})

            answers = await asyncio.gather(
                *(sign_up_request(n) for n in range(burst)),
                *(login_request() for _ in range(burst)),
            )
            return list(answers[:burst]), list(answers[burst:])

    sign_ups, logins = asyncio.run(run())
    failed = [answer for answer in sign_ups if answer.status_code != 201]
    expect(
        not failed,
        expected=f"{burst} sign-ups sent at once to all answer 201",
        seen=f"{len(failed)} did not; one answered {describe_response(failed[0])}"
        if failed
        else "",
        cause=NO_SIGN_UP,
    )
    peak = watch.peak
    if peak["all"] > MAX_HASHES:
        if peak["hash"] <= MAX_HASHES and peak["verify"] <= MAX_HASHES:
            why = "each route has a limit of its own"
            hint = (
                "Sign-up and login each have a limit, so together they run twice as many: create "
                "the `Depends(hashing_slot, max_concurrency=4, ...)` object once and put that "
                "same object on both routes."
            )
        elif peak["verify"] > MAX_HASHES and peak["hash"] <= MAX_HASHES:
            why = "POST /token has no limit"
            hint = "Bound POST /token: every route that hashes or checks a password shares "
            hint = hint + "the one `HashingSlot`."
        elif peak["hash"] > MAX_HASHES and peak["verify"] <= MAX_HASHES:
            why = "POST /users has no limit"
            hint = "Bound POST /users: every route that hashes or checks a password shares "
            hint = hint + "the one `HashingSlot`."
        else:
            why = "nothing bounds them"
            hint = None
        raise CheckFailed(
            expected=f"at most {MAX_HASHES} password hashes running at once ({burst} sign-ups and "
            f"{burst} logins sent together)",
            seen=f"{peak['all']} ran at once ({peak['hash']} hashes for sign-ups, "
            f"{peak['verify']} checks for logins at their peaks): {why}",
            hint=hint,
        )
    missing = [answer for answer in logins if answer.status_code in (404, 405)]
    if missing:
        raise login_failure(missing[0], "a user")
    checked = [answer for answer in logins if answer.status_code in (400, 401)]
    expect(
        watch.calls["verify"] >= len(checked),
        expected=f"each of the {len(checked)} refused logins to check the password with Argon2",
        seen=f"{watch.calls['verify']} Argon2 verifications",
        hint="Check passwords with pwdlib's `PasswordHash.verify` (Argon2), through "
        "`verify_password`: the grader watches Argon2's work to count the hashes at once.",
        anchor="hashing-passwords",
    )
    expect(
        peak["all"] >= 2,
        expected="several hashes to run at once (up to the limit) while the others wait",
        seen="they ran one at a time: the hashing blocks the event loop (an `async def` route "
        "that hashes), or the limit is 1",
        hint="Make the routes that hash plain `def` functions, so that FastAPI runs them in its "
        f"thread pool, and let up to {MAX_HASHES} run at once.",
    )


def test_login_rate_limited(app: FastAPI) -> None:
    with running(app) as client:
        username = unique_name("guessed")
        sign_up(client, username)
        token_of(client, username)
        attacker = fresh_address()
        answers = []
        for _attempt in range(LOGIN_ATTEMPTS + 1):
            answers.append(log_in(client, username, WRONG_PASSWORD, attacker))
        statuses = [answer.status_code for answer in answers]
        early = [status for status in statuses[:3] if status == 429]
        expect(
            not early,
            expected=f"the first failed logins from one client to answer 401 (the limit is "
            f"{LOGIN_ATTEMPTS} a minute)",
            seen=f"the answers {statuses}",
            hint=f"Allow {LOGIN_ATTEMPTS} attempts per minute per client before answering 429.",
        )
        expect(
            429 in statuses,
            expected=f"the login to answer 429 by the {LOGIN_ATTEMPTS + 1}th failed attempt "
            "from one client within a minute",
            seen=f"the answers {statuses}: nothing stops a client guessing passwords",
        )
        limited = answers[statuses.index(429)]
        body = json_body(limited, "the 429 answer")
        expect(
            isinstance(body, dict) and "detail" in body,
            expected='the 429 body to have the shape {"detail": ...}',
            seen=f"the body {body!r:.120}",
            hint="Raise `HTTPException(429, ...)` (slowapi's own error is one too): FastAPI "
            'answers it with `{"detail": ...}`. Don\'t register a handler that answers another '
            "shape.",
            anchor="phase-4#one-error-shape-everywhere",
        )
        right = log_in(client, username, PASSWORD, attacker)
        expect(
            right.status_code == 429,
            expected="the limited client to get 429 even with the right password",
            seen=f"{describe_response(right)}: a guesser would learn the password from the 200",
            hint="Check the limit before the password: a client over the limit gets 429, "
            "whatever it sends.",
        )
        other = log_in(client, username, WRONG_PASSWORD, fresh_address())
        expect(
            other.status_code in (400, 401),
            expected="another client's failed login to answer 401 as usual (the limit is per "
            "client)",
            seen=describe_response(other),
            hint="Count attempts per client address (`request.client.host`), not for the whole "
            "app: one guesser must not lock everyone out.",
        )


def allowed_origin(response: Any) -> str | None:
    return response.headers.get("access-control-allow-origin")


def preflight(client: GradingClient, origin: str) -> Any:
    """What a browser asks before a cross-origin POST that carries a token."""
    return client.options(
        "/books",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_cors_explicit_origins(app: FastAPI) -> None:
    with running(app) as client:
        allowed = preflight(client, ALLOWED_ORIGIN)
        expect(
            allowed_origin(allowed) == ALLOWED_ORIGIN,
            expected=f"a preflight (OPTIONS /books) from {ALLOWED_ORIGIN} to be allowed, with "
            f"Access-Control-Allow-Origin: {ALLOWED_ORIGIN}",
            seen=f"{describe_response(allowed)}, Access-Control-Allow-Origin: "
            f"{allowed_origin(allowed) or 'none'}",
        )
        allowed_headers = allowed.headers.get("access-control-allow-headers", "").lower()
        expect(
            allowed.status_code == 200 and "authorization" in allowed_headers,
            expected=f"the preflight from {ALLOWED_ORIGIN}, for a POST with an Authorization "
            "header, to answer 200 and allow that header",
            seen=f"{describe_response(allowed)}, Access-Control-Allow-Headers: "
            f"{allowed_headers or 'none'}",
            hint="List `Authorization` (and `Content-Type`) in `allow_headers`, and the methods "
            "the front end uses in `allow_methods`: the token travels in that header.",
        )
        simple = client.get("/books", headers={"Origin": ALLOWED_ORIGIN})
        expect(
            allowed_origin(simple) == ALLOWED_ORIGIN,
            expected=f"GET /books from {ALLOWED_ORIGIN} to carry Access-Control-Allow-Origin: "
            f"{ALLOWED_ORIGIN}",
            seen=f"Access-Control-Allow-Origin: {allowed_origin(simple) or 'none'}",
        )
        for origin in EVIL_ORIGINS:
            for what, response in (
                (f"a preflight from {origin}", preflight(client, origin)),
                (f"GET /books from {origin}", client.get("/books", headers={"Origin": origin})),
            ):
                granted = allowed_origin(response)
                with_credentials = response.headers.get("access-control-allow-credentials")
                expect(
                    granted is None,
                    expected=f"{what} to get no Access-Control-Allow-Origin",
                    seen=f"Access-Control-Allow-Origin: {granted}"
                    + (
                        " with credentials: any web page may call the API as its visitor"
                        if with_credentials == "true"
                        else ""
                    ),
                    hint='List exact origins in `allow_origins`: never `"*"` (with credentials, '
                    "Starlette echoes any origin back) and no `allow_origin_regex` that matches "
                    "look-alikes.",
                )
