"""Books, through the HTTP API, as a client sees them."""

from typing import Any

from fastapi.testclient import TestClient

from tests.helpers import SignUp

DUNE = {"title": "Dune", "author": "Frank Herbert", "year": 1965, "isbn": "9780441172719"}


def create(client: TestClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = client.post("/api/v1/books", json={**DUNE, **changes}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_new_database_has_no_books(client: TestClient) -> None:
    response = client.get("/api/v1/books")
    assert response.status_code == 200
    assert response.json() == []


def test_create_answers_201_with_the_stored_book(client: TestClient, sign_up: SignUp) -> None:
    headers = sign_up("ada")
    response = client.post("/api/v1/books", json=DUNE, headers=headers)
    assert response.status_code == 201
    book = response.json()
    assert book["title"] == "Dune"
    assert book["author"]["name"] == "Frank Herbert"
    me = client.get("/api/v1/users/me", headers=headers).json()
    assert book["owner_id"] == me["id"]
    assert client.get(f"/api/v1/books/{book['id']}").json() == book


def test_create_needs_a_token(client: TestClient) -> None:
    response = client.post("/api/v1/books", json=DUNE)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/books").json() == []


def test_a_duplicate_isbn_is_a_conflict(client: TestClient, sign_up: SignUp) -> None:
    headers = sign_up("ada")
    create(client, headers)
    again = client.post("/api/v1/books", json=DUNE, headers=headers)
    assert again.status_code == 409


def test_a_missing_book_is_404(client: TestClient) -> None:
    response = client.get("/api/v1/books/999")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_only_the_owner_may_change_a_book(client: TestClient, sign_up: SignUp) -> None:
    book = create(client, sign_up("ada"))
    path = f"/api/v1/books/{book['id']}"
    assert client.patch(path, json={"year": 1966}).status_code == 401
    assert client.patch(path, json={"year": 1966}, headers=sign_up("grace")).status_code == 403
    assert client.get(path).json()["year"] == 1965


def test_the_owner_patches_and_deletes(client: TestClient, sign_up: SignUp) -> None:
    headers = sign_up("ada")
    book = create(client, headers)
    path = f"/api/v1/books/{book['id']}"
    patched = client.patch(path, json={"year": 1966}, headers=headers)
    assert patched.status_code == 200
    assert patched.json()["year"] == 1966
    assert patched.json()["title"] == "Dune"  # PATCH keeps what it was not sent
    deleted = client.delete(path, headers=headers)
    assert deleted.status_code == 204
    assert client.get(path).status_code == 404
