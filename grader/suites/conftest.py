"""Fixtures every hidden suite shares: the learner's app, loaded fresh for each check."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from grader.kit import GradingClient, load_app
from grader.kit.hashing import cheapen_argon2


@pytest.fixture(autouse=True)
def _cheap_argon2(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 costs one pass and 1 MiB in every check not marked `real_hashing`."""
    if request.node.get_closest_marker("real_hashing") is None:
        cheapen_argon2(monkeypatch)


@pytest.fixture
def app() -> FastAPI:
    return load_app()


@pytest.fixture
def client(app: FastAPI) -> Iterator[GradingClient]:
    """A test client with the app's lifespan running, as a real server would run it."""
    with GradingClient(app) as test_client:
        yield test_client
