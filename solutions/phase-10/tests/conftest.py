"""Fixtures every test of the Book API shares.

Each test gets settings of its own, pointing at a throwaway SQLite file in the test's own
temporary folder, and a new app built from them by the factory: no test can see another's data,
and none touches the database your dev server uses. Clients start the app's lifespan, so the
engine, the rate limiter and the price client exist, and stop it when the test ends.

The job queue is built when `bookapi.worker` is imported, from the environment: `tests/__init__.py`
points it at a throwaway file before anything imports it. Tests that run jobs switch the queue to
huey's immediate mode (see `test_production.py`).
"""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx2
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from bookapi import security
from bookapi.main import create_app
from bookapi.settings import Settings
from tests.helpers import PASSWORD, SignUp


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with one pass and 1 MiB instead of three passes and 64 MiB: hashes still verify,
    and a test that signs up and logs in takes milliseconds, not a fifth of a second."""
    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    monkeypatch.setattr(security, "hasher", cheap)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: its own database file, and a secret nobody uses elsewhere."""
    return Settings(
        secret_key="a-test-secret-that-is-long-enough-for-hs256",
        database_url=f"sqlite:///{tmp_path / 'test.db'}",
        _env_file=None,  # a developer's .env must not change what the tests see
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    """A new app for every test. Whatever a test overrides dies with it: cleared afterwards."""
    app = create_app(settings)
    yield app
    app.dependency_overrides.clear()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A synchronous client; `with` runs the lifespan (start-up before, shutdown after)."""
    with TestClient(app) as client:
        yield client


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (`@pytest.mark.anyio`) run on asyncio."""
    return "asyncio"


@pytest.fixture
async def async_client(app: FastAPI) -> AsyncIterator[httpx2.AsyncClient]:
    """An async client on the app itself. ASGITransport sends requests and nothing else, so
    LifespanManager runs the lifespan around it (and hands its state to every request)."""
    async with LifespanManager(app) as manager:
        transport = httpx2.ASGITransport(app=manager.app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture
def sign_up(client: TestClient) -> SignUp:
    """A factory: `sign_up("ada")` creates the user, logs in, and returns the auth headers."""

    def sign_up(username: str) -> dict[str, str]:
        user = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
        created = client.post("/api/v1/users", json=user)
        assert created.status_code == 201, created.text
        login = client.post("/api/v1/token", data={"username": username, "password": PASSWORD})
        assert login.status_code == 200, login.text
        return {"Authorization": f"Bearer {login.json()['access_token']}"}

    return sign_up
