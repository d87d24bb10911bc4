"""The reading list through TestClient (fixtures in conftest.py)."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from docs_src.phase_09 import passwords

AddBook = Callable[[str], dict[str, Any]]
KEY = {"X-API-Key": "test-key"}


# --8<-- [start:basics]
def test_a_new_app_has_no_books(client: TestClient) -> None:
    response = client.get("/api/v1/books")
    assert response.status_code == 200
    assert response.json() == []


def test_adding_a_book_answers_201(client: TestClient) -> None:
    response = client.post("/api/v1/books", json={"title": "Dune"}, headers=KEY)
    assert response.status_code == 201
    assert response.json() == {"id": 1, "title": "Dune"}


def test_adding_needs_the_key(client: TestClient) -> None:
    response = client.post("/api/v1/books", json={"title": "Dune"})
    assert response.status_code == 401
    assert client.get("/api/v1/books").json() == []  # and nothing was stored


# --8<-- [end:basics]


# --8<-- [start:lifespan]
def test_without_with_the_app_never_starts(app: FastAPI) -> None:
    client = TestClient(app)  # no `with`: no start-up, so no engine on app.state
    with pytest.raises(AttributeError):
        client.get("/api/v1/books")


# --8<-- [end:lifespan]


# --8<-- [start:factory_fixture]
def test_books_come_back_in_order(client: TestClient, add_book: AddBook) -> None:
    for title in ("Dune", "Kindred", "Beloved"):
        add_book(title)
    titles = [book["title"] for book in client.get("/api/v1/books").json()]
    assert titles == ["Dune", "Kindred", "Beloved"]


# --8<-- [end:factory_fixture]


# --8<-- [start:weak]
def test_adding_a_book_weakly(client: TestClient) -> None:
    response = client.post("/api/v1/books", json={"title": "Dune"}, headers=KEY)
    assert response.json()["title"] == "Dune"  # passes with a 200, and without the key check


# --8<-- [end:weak]


def test_hashing_is_cheap_here() -> None:
    assert "m=1024,t=1" in passwords.hash_password("correct horse battery staple")
