"""Fixtures every hidden suite shares: the learner's app, loaded fresh for each check."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from grader.kit import GradingClient, load_app
from grader.kit.hashing import cheapen_argon2
from grader.kit.tls import share_default_tls_context
from grader.kit.warm import warm_up

# The fixture of the checks that run the learner's own tests (Phase 9's, kept by Phase 10).
LEARNER_TESTS_FIXTURE = "workspace"


def pytest_sessionstart(session: pytest.Session) -> None:
    share_default_tls_context()


def pytest_collection_finish(session: pytest.Session) -> None:
    """When a check of this run will run the learner's own tests, start the warm Python now:
    its imports then overlap the checks that come first."""
    if any(LEARNER_TESTS_FIXTURE in getattr(item, "fixturenames", ()) for item in session.items):
        warm_up()


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
