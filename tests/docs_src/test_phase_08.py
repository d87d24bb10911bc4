"""The Phase 8 lesson's samples do what the lesson says they do.

Argon2 costs about 0.1 s per hash on purpose: these tests hash a handful of times, no more.
No `from __future__ import annotations`: routes defined inside tests need real annotations.
"""

import asyncio
import hashlib
import os
import statistics
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import jwt
import pytest
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from docs_src.phase_08 import (
    bounded_hashing,
    cors,
    hashing,
    http_bearer,
    login,
    owner,
    rate_limit,
    slowapi_login,
    token_attacks,
    tokens,
)

SECRET = "lesson-test-secret-" + "x" * 32
ADA = {"username": "ada", "password": "correct horse battery"}


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("BOOKAPI_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BOOKAPI_SECRET_KEY", SECRET)
    login.get_settings.cache_clear()
    cors.get_settings.cache_clear()
    yield
    login.get_settings.cache_clear()
    cors.get_settings.cache_clear()


# hashing.py ---------------------------------------------------------------------------------


def test_equal_passwords_hash_differently_and_both_verify() -> None:
    first, second = hashing.hash_password("hunter22"), hashing.hash_password("hunter22")
    assert first != second  # a new salt each time
    assert "hunter22" not in first
    assert first.startswith("$argon2id$")  # the recommended hasher
    assert hashing.verify_password("hunter22", first)
    assert hashing.verify_password("hunter22", second)
    assert not hashing.verify_password("hunter23", first)


def test_a_fast_hash_gives_equal_passwords_equal_digests() -> None:
    assert hashing.fast_hash("hunter22") == hashing.fast_hash("hunter22")
    assert hashing.fast_hash("hunter22") == hashlib.sha256(b"hunter22").hexdigest()


def test_argon2_is_thousands_of_times_slower_than_sha256() -> None:
    # The lesson's point in numbers: a guess costs an attacker as much as it costs you.
    started = time.perf_counter()
    hashing.hash_password("hunter22")
    slow = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(1000):
        hashing.fast_hash("hunter22")
    fast = (time.perf_counter() - started) / 1000
    assert slow > 1000 * fast


def test_a_weaker_hash_is_upgraded_when_the_password_is_known() -> None:
    weak = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8 * 1024),)).hash("hunter22")
    assert hashing.verify_and_upgrade("hunter23", weak) == (False, None)
    valid, upgraded = hashing.verify_and_upgrade("hunter22", weak)
    assert valid and upgraded is not None and "m=65536" in upgraded
    assert hashing.verify_and_upgrade("hunter22", upgraded) == (True, None)


# tokens.py and token_attacks.py -------------------------------------------------------------


def test_a_token_round_trips_and_expires() -> None:
    token = tokens.create_access_token("42", SECRET)
    assert tokens.decode_access_token(token, SECRET) == "42"
    claims = tokens.peek(token)  # readable by anyone, no key needed
    assert claims["sub"] == "42" and claims["exp"] - claims["iat"] == 15 * 60
    old = tokens.create_access_token("42", SECRET, lifetime=timedelta(seconds=-1))
    with pytest.raises(jwt.ExpiredSignatureError):
        tokens.decode_access_token(old, SECRET)


def test_the_algorithm_must_be_named_when_decoding() -> None:
    token = tokens.create_access_token("42", SECRET)
    with pytest.raises(jwt.DecodeError, match="algorithms"):
        jwt.decode(token, SECRET)


def test_without_require_a_token_without_exp_is_accepted_forever() -> None:
    # The lesson's warning: PyJWT checks `exp` only when it is there.
    token = jwt.encode({"sub": "42"}, SECRET, algorithm="HS256")
    assert jwt.decode(token, SECRET, algorithms=["HS256"]) == {"sub": "42"}
    with pytest.raises(jwt.MissingRequiredClaimError):
        tokens.decode_access_token(token, SECRET)


def test_a_subject_must_be_a_string() -> None:
    token = jwt.encode(
        {"sub": 42, "exp": datetime.now(UTC) + timedelta(minutes=1)}, SECRET, algorithm="HS256"
    )
    with pytest.raises(jwt.exceptions.InvalidSubjectError):
        tokens.decode_access_token(token, SECRET)


def test_a_short_hmac_key_is_warned_about() -> None:
    with pytest.warns(jwt.warnings.InsecureKeyLengthWarning):
        jwt.encode({"sub": "42"}, "too-short", algorithm="HS256")


def test_every_bad_token_is_refused() -> None:
    assert token_attacks.verdicts(SECRET) == {
        "tampered": "InvalidSignatureError",
        "expired": "ExpiredSignatureError",
        "alg=none": "InvalidAlgorithmError",
        "wrong secret": "InvalidSignatureError",
        "no exp": "MissingRequiredClaimError",
        "no sub": "MissingRequiredClaimError",
    }


def test_without_signature_checks_the_attacks_get_through() -> None:
    # Why `verify_signature=False` is only for peeking: it accepts a forged "admin".
    good = token_attacks.sign(token_attacks.valid_claims("ada"), SECRET)
    forged = token_attacks.tampered(good)
    assert tokens.peek(forged)["sub"] == "admin"
    assert tokens.peek(token_attacks.alg_none("ada"))["sub"] == "ada"


# login.py -----------------------------------------------------------------------------------


def log_in(client: TestClient, username: str, password: str) -> httpx2.Response:
    return client.post("/token", data={"username": username, "password": password})


@pytest.mark.usefixtures("environment")
def test_the_password_flow_end_to_end() -> None:
    with TestClient(login.app) as client:
        answer = log_in(client, **ADA)
        assert answer.status_code == 200
        body = answer.json()
        assert body["token_type"] == "bearer"
        me = client.get("/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
        assert me.json() == {"username": "ada"}
        claims = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"])
        assert claims["sub"] == "ada" and claims["exp"] - claims["iat"] == 15 * 60
        # The token route takes a form, as OAuth2 says, not JSON.
        assert client.post("/token", json=ADA).status_code == 422


@pytest.mark.usefixtures("environment")
def test_login_says_the_same_for_an_unknown_user_and_a_wrong_password() -> None:
    with TestClient(login.app) as client:
        wrong = log_in(client, "ada", "wrong horse battery")
        unknown = log_in(client, "nobody", "wrong horse battery")
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json() == unknown.json()
        assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"]


@pytest.mark.usefixtures("environment")
def test_an_unknown_user_costs_a_hash_too() -> None:
    with TestClient(login.app) as client:
        log_in(client, "nobody", "warm up")  # makes the dummy hash once
        times: dict[str, list[float]] = {"wrong": [], "unknown": []}
        for _ in range(2):
            for kind, username in (("wrong", "ada"), ("unknown", "nobody")):
                started = time.perf_counter()
                log_in(client, username, "wrong horse battery")
                times[kind].append(time.perf_counter() - started)
    ratio = statistics.median(times["unknown"]) / statistics.median(times["wrong"])
    assert ratio > 0.3


@pytest.mark.usefixtures("environment")
def test_every_token_failure_is_401_with_the_bearer_header() -> None:
    with TestClient(login.app) as client:
        ghost = token_attacks.sign(token_attacks.valid_claims("ghost"), SECRET)  # no such user
        good = token_attacks.sign(token_attacks.valid_claims("ada"), SECRET)
        bad_tokens = [
            token_attacks.tampered(good),
            token_attacks.expired("ada", SECRET),
            token_attacks.alg_none("ada"),
            token_attacks.wrong_secret("ada"),
            token_attacks.without_exp("ada", SECRET),
            token_attacks.without_sub("ada", SECRET),
            ghost,
        ]
        headers = [{"Authorization": f"Bearer {token}"} for token in bad_tokens]
        headers += [{}, {"Authorization": "Basic YWRhOnB3"}, {"Authorization": "Bearer"}]
        for header in headers:
            answer = client.get("/users/me", headers=header)
            assert answer.status_code == 401, header
            assert answer.headers["www-authenticate"] == "Bearer"
        good_header = {"Authorization": f"Bearer {good}"}
        assert client.get("/users/me", headers=good_header).status_code == 200


@pytest.mark.usefixtures("environment")
def test_the_docs_know_how_to_log_in() -> None:
    schema = TestClient(login.app).get("/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["flows"]["password"]["tokenUrl"] == "token"
    assert schema["paths"]["/users/me"]["get"]["security"] == [{"OAuth2PasswordBearer": []}]


# http_bearer.py -----------------------------------------------------------------------------


def test_http_bearer_answers_the_same_401s() -> None:
    client = TestClient(http_bearer.app)
    token = token_attacks.sign(token_attacks.valid_claims("ada"), http_bearer.SECRET)
    answer = client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
    assert answer.json() == {"username": "ada"}
    for header in ({}, {"Authorization": "Basic YWRhOnB3"}, {"Authorization": "Bearer nope"}):
        refused = client.get("/whoami", headers=header)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


# owner.py -----------------------------------------------------------------------------------


def test_only_the_owner_may_delete() -> None:
    owner.BOOKS.clear()
    client = TestClient(owner.app)
    ada = {"Authorization": "Bearer token-of-ada"}
    grace = {"Authorization": "Bearer token-of-grace"}
    # The body names another owner; the token wins.
    created = client.post("/books", json={"title": "Kindred", "owner": "grace"}, headers=ada)
    assert created.status_code == 201 and created.json()["owner"] == "ada"
    book = f"/books/{created.json()['id']}"
    assert client.delete(book).status_code == 401
    forbidden = client.delete(book, headers=grace)
    assert forbidden.status_code == 403 and "www-authenticate" not in forbidden.headers
    assert client.delete(book, headers=ada).status_code == 204
    assert client.delete(book, headers=ada).status_code == 404


# bounded_hashing.py -------------------------------------------------------------------------


def test_no_more_than_four_hashes_run_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    bounded_hashing.USERS.clear()
    running, peak = 0, 0
    lock = threading.Lock()
    real_hash = bounded_hashing.password_hash.hash

    def watched_hash(password: str) -> str:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            time.sleep(0.05)  # long enough for the others to pile up
            return real_hash(password)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(bounded_hashing.password_hash, "hash", watched_hash)

    async def burst() -> list[int]:
        transport = httpx2.ASGITransport(app=bounded_hashing.app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            answers = await asyncio.gather(
                *(
                    client.post("/users", json={"username": f"u{n}", "password": "pw"})
                    for n in range(8)
                )
            )
        return [answer.status_code for answer in answers]

    assert asyncio.run(burst()) == [201] * 8
    assert 2 <= peak <= bounded_hashing.MAX_HASHES
    login_answer = TestClient(bounded_hashing.app).post(
        "/login", json={"username": "u1", "password": "pw"}
    )
    assert login_answer.json() == {"ok": True}


# rate_limit.py and slowapi_login.py ---------------------------------------------------------


def test_the_limiter_forgets_hits_older_than_its_window() -> None:
    now = [100.0]
    limiter = rate_limit.RateLimiter(times=2, seconds=60, clock=lambda: now[0])
    assert limiter.hit("a") == 0 and limiter.hit("a") == 0
    assert limiter.hit("a") == 60.0  # the first hit leaves the window in 60 s
    assert limiter.hit("b") == 0  # another client has its own count
    now[0] += 60
    assert limiter.hit("a") == 0


def wrong_logins(client: TestClient, attempts: int) -> list[int]:
    form = {"username": "ada", "password": "guess"}
    return [client.post("/token", data=form).status_code for _ in range(attempts)]


def test_the_sixth_attempt_in_a_minute_is_429() -> None:
    with TestClient(rate_limit.app) as client:
        assert wrong_logins(client, 6) == [401] * 5 + [429]
        limited = client.post("/token", data={"username": "ada", "password": "guess"})
        assert limited.json() == {"detail": "Too many login attempts; try again later"}
        assert 0 < int(limited.headers["retry-after"]) <= 60
        other = TestClient(rate_limit.app, client=("203.0.113.9", 4000))
        assert wrong_logins(other, 1) == [401]  # per client
    with TestClient(rate_limit.app) as restarted:
        assert wrong_logins(restarted, 1) == [401]  # a new limiter for a new start


def test_slowapi_gives_the_same_429() -> None:
    slowapi_login.limiter.reset()
    client = TestClient(slowapi_login.app)
    assert wrong_logins(client, 6) == [401] * 5 + [429]
    assert "detail" in client.post("/token", data={"username": "a", "password": "b"}).json()
    slowapi_login.limiter.reset()


# cors.py ------------------------------------------------------------------------------------


def preflight(client: TestClient, origin: str) -> httpx2.Response:
    return client.options(
        "/books",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


@pytest.mark.usefixtures("environment")
def test_only_the_listed_origin_is_allowed() -> None:
    with TestClient(cors.app) as client:
        allowed = preflight(client, "http://localhost:5173")
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "http://localhost:5173"
        assert allowed.headers["access-control-allow-credentials"] == "true"
        refused = preflight(client, "https://evil.example")
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers
        simple = client.get("/books", headers={"Origin": "https://evil.example"})
        assert simple.status_code == 200  # the server answers; the browser hides it
        assert "access-control-allow-origin" not in simple.headers


@pytest.mark.usefixtures("environment")
def test_the_origins_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKAPI_CORS_ORIGINS", '["https://books.example.com"]')
    cors.get_settings.cache_clear()
    cors.app.middleware_stack = None  # built again at the next start
    with TestClient(cors.app) as client:
        answer = client.get("/books", headers={"Origin": "https://books.example.com"})
        assert answer.headers["access-control-allow-origin"] == "https://books.example.com"
        answer = client.get("/books", headers={"Origin": "http://localhost:5173"})
        assert "access-control-allow-origin" not in answer.headers
    cors.app.middleware_stack = None


def test_a_wildcard_with_credentials_lets_every_site_in() -> None:
    # The lesson's warning: Starlette then echoes any origin, with credentials allowed.
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(
        CORSMiddleware, allow_origins=["*"], allow_credentials=True, allow_headers=["*"]
    )
    answer = preflight(TestClient(app), "https://evil.example")
    assert answer.headers["access-control-allow-origin"] == "https://evil.example"
    assert answer.headers["access-control-allow-credentials"] == "true"
