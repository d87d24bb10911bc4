"""Signing up and logging in."""

from fastapi.testclient import TestClient

from tests.helpers import PASSWORD, SignUp

ADA = {"username": "ada", "email": "ada@example.com", "password": PASSWORD}


def test_sign_up_never_answers_the_password(client: TestClient) -> None:
    response = client.post("/api/v1/users", json=ADA)
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "ada"
    assert "password" not in body and "password_hash" not in body


def test_a_taken_username_is_a_conflict(client: TestClient) -> None:
    assert client.post("/api/v1/users", json=ADA).status_code == 201
    again = client.post("/api/v1/users", json={**ADA, "email": "other@example.com"})
    assert again.status_code == 409


def test_me_is_the_user_the_token_names(client: TestClient, sign_up: SignUp) -> None:
    response = client.get("/api/v1/users/me", headers=sign_up("ada"))
    assert response.status_code == 200
    assert response.json()["username"] == "ada"


def test_a_wrong_password_and_an_unknown_user_get_the_same_401(client: TestClient) -> None:
    client.post("/api/v1/users", json=ADA)
    wrong = client.post("/api/v1/token", data={"username": "ada", "password": "not it at all"})
    unknown = client.post("/api/v1/token", data={"username": "nobody", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
