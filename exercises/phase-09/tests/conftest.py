"""Fixtures every test of the Book API shares.

A fixture is a function pytest calls for a test that names it as a parameter; a `yield`
fixture's code after `yield` runs when the test is over, whether it passed or failed.
"""

from collections.abc import Iterator  # noqa: F401  (for the fixtures you write)

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from bookapi import security


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with one pass and 1 MiB instead of three passes and 64 MiB: hashes still verify,
    and a test that signs up and logs in takes milliseconds, not a fifth of a second.
    (`autouse=True`: every test gets it without asking; `monkeypatch` undoes it afterwards.)"""
    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    monkeypatch.setattr(security, "hasher", cheap)


# TODO 10: three fixtures, each test getting new ones:
#   - `settings(tmp_path)`: `Settings(...)` with a secret of 32 characters or more, and
#     `database_url` pointing at an SQLite file in `tmp_path` (pass `_env_file=None`, so that
#     your own `.env` cannot change what the tests see);
#   - `app(settings)`: `create_app(settings)`, yielded, then `app.dependency_overrides.clear()`;
#   - `client(app)`: `with TestClient(app) as client: yield client` (the `with` runs the
#     lifespan: no engine without it).

# TODO 11: for async tests, a fixture `anyio_backend` that returns "asyncio", and an
# `async_client(app)` fixture: `async with LifespanManager(app) as manager:`, then an
# `httpx2.AsyncClient(transport=httpx2.ASGITransport(app=manager.app), base_url="http://test")`.

# TODO 12 (optional): a factory fixture, `sign_up`, that returns a function: sign a user up
# through POST /api/v1/users, log in at POST /api/v1/token, and return the headers
# `{"Authorization": f"Bearer {token}"}`. `tests/helpers.py` holds a password and its type.
