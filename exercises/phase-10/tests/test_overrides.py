"""Replacing dependencies: the settings a route sees, and the price service it calls.

The `app` fixture clears `app.dependency_overrides` after every test, so none of these
replacements can leak into the next test.
"""

import httpx2
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bookapi.dependencies import get_price_client, get_settings
from bookapi.settings import Settings
from tests.helpers import SignUp


def test_the_page_size_comes_from_the_settings(
    app: FastAPI, client: TestClient, settings: Settings, sign_up: SignUp
) -> None:
    headers = sign_up("ada")
    for year in (1965, 1969, 1976):
        book = {"title": f"Dune ({year})", "author": "Frank Herbert", "year": year}
        assert client.post("/api/v1/books", json=book, headers=headers).status_code == 201
    app.dependency_overrides[get_settings] = lambda: settings.model_copy(
        update={"max_page_size": 2}
    )
    assert len(client.get("/api/v1/books?limit=10").json()) == 2


def test_the_price_comes_from_the_price_service(
    app: FastAPI, client: TestClient, sign_up: SignUp
) -> None:
    def fake_service(request: httpx2.Request) -> httpx2.Response:
        isbn = request.url.path.rsplit("/", 1)[-1]
        return httpx2.Response(200, json={"isbn": isbn, "price": "9.99", "currency": "EUR"})

    fake = httpx2.AsyncClient(transport=httpx2.MockTransport(fake_service), base_url="http://x")
    app.dependency_overrides[get_price_client] = lambda: fake
    book = {"title": "Dune", "author": "Frank Herbert", "year": 1965, "isbn": "9780441172719"}
    created = client.post("/api/v1/books", json=book, headers=sign_up("ada")).json()
    response = client.get(f"/api/v1/books/{created['id']}/price")
    assert response.status_code == 200
    assert response.json()["price"] == "9.99"
