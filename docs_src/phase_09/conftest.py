"""Fixtures for the reading list's tests (factory.py): pytest finds this file by its name, and
offers its fixtures to every test in this folder."""

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from docs_src.phase_09 import passwords
from docs_src.phase_09.factory import Settings, create_app

KEY = {"X-API-Key": "test-key"}


# --8<-- [start:app]
@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: a database file in the test's own temporary folder."""
    return Settings(api_key="test-key", database_url=f"sqlite:///{tmp_path / 'test.db'}")


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(settings)
    yield app  # the test runs here
    app.dependency_overrides.clear()  # then this, whether the test passed or failed


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:  # `with`: the lifespan runs (start-up, then shutdown)
        yield client


# --8<-- [end:app]


# --8<-- [start:async]
@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def async_client(app: FastAPI) -> AsyncIterator[httpx2.AsyncClient]:
    async with LifespanManager(app) as manager:  # ASGITransport alone never starts the app
        transport = httpx2.ASGITransport(app=manager.app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


# --8<-- [end:async]


# --8<-- [start:factory_fixture]
@pytest.fixture
def add_book(client: TestClient) -> Callable[[str], dict[str, Any]]:
    """A factory: the test calls `add_book("Dune")` as many times as it needs."""

    def add_book(title: str) -> dict[str, Any]:
        response = client.post("/api/v1/books", json={"title": title}, headers=KEY)
        assert response.status_code == 201, response.text
        return response.json()

    return add_book


# --8<-- [end:factory_fixture]


# --8<-- [start:hashing]
@pytest.fixture(scope="session")
def cheap_hasher() -> PasswordHash:
    """Made once for the whole run: nothing a test does can change it."""
    return PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch, cheap_hasher: PasswordHash) -> None:
    """Every test (autouse) hashes with one pass and 1 MiB; monkeypatch puts the real hasher
    back when the test ends."""
    monkeypatch.setattr(passwords, "hasher", cheap_hasher)


# --8<-- [end:hashing]
