"""Replacing dependencies in tests. The `app` fixture clears the overrides after each test."""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from docs_src.phase_09.factory import Settings, get_settings, require_key

AddBook = Callable[[str], dict[str, Any]]


# --8<-- [start:settings]
def test_the_page_size_comes_from_the_settings(
    app: FastAPI, client: TestClient, settings: Settings, add_book: AddBook
) -> None:
    for title in ("Dune", "Kindred", "Beloved"):
        add_book(title)
    smaller = settings.model_copy(update={"page_size": 2})
    app.dependency_overrides[get_settings] = lambda: smaller
    assert len(client.get("/api/v1/books").json()) == 2


# --8<-- [end:settings]


# --8<-- [start:fake]
def test_without_the_key_check(app: FastAPI, client: TestClient) -> None:
    app.dependency_overrides[require_key] = lambda: None  # every request gets through
    response = client.post("/api/v1/books", json={"title": "Dune"})
    assert response.status_code == 201


# --8<-- [end:fake]
