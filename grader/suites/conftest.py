"""Fixtures every hidden suite shares: the learner's app, loaded fresh for each check."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from grader.kit import load_app


@pytest.fixture
def app() -> FastAPI:
    return load_app()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A test client with the app's lifespan running, as a real server would run it."""
    with TestClient(app) as test_client:
        yield test_client
