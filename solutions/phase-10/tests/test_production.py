"""What Phase 10 adds: request ids, probes, docs hidden in production, jobs, the welcome email."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session, select

from bookapi import worker
from bookapi.main import create_app
from bookapi.models import SentEmail
from bookapi.settings import Settings
from tests.helpers import SignUp


def test_a_request_id_is_echoed_or_made_up(client: TestClient) -> None:
    echoed = client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["X-Request-ID"] == "abc-123"
    replaced = client.get("/health/live", headers={"X-Request-ID": "not valid!"})
    assert replaced.headers["X-Request-ID"] not in ("", "not valid!")
    first, second = client.get("/health/live"), client.get("/health/live")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_ready_answers_503_while_the_database_is_down(client: TestClient) -> None:
    assert client.get("/health/ready").status_code == 200

    def fail(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        raise conn.dialect.loaded_dbapi.OperationalError("the database is down")

    event.listen(Engine, "before_cursor_execute", fail)
    try:
        assert client.get("/health/ready").status_code == 503
        assert client.get("/health/live").status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", fail)
    assert client.get("/health/ready").status_code == 200


def test_the_docs_are_hidden_in_production(settings: Settings) -> None:
    production = create_app(settings.model_copy(update={"environment": "production"}))
    with TestClient(production) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert client.get(path).status_code == 404
        assert client.get("/api/v1/books").status_code == 200


def test_signing_up_sends_a_welcome_email(app: FastAPI, client: TestClient) -> None:
    user = {"username": "ada", "email": "ada@example.com", "password": "correct horse battery"}
    created = client.post("/api/v1/users", json=user)
    assert created.status_code == 201
    # TestClient runs the background tasks before it returns the response.
    with Session(app.state.engine) as session:
        sent = session.exec(select(SentEmail)).all()
    assert [(email.user_id, email.kind) for email in sent] == [(created.json()["id"], "welcome")]


@pytest.fixture
def immediate_queue(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs run as soon as they are enqueued, in this process, on the test's own database
    (huey's immediate mode: an in-memory queue, no worker needed)."""
    monkeypatch.setattr(worker.huey, "immediate", True)
    monkeypatch.setattr(worker, "worker_engine", lambda: app.state.engine)


def test_an_import_is_accepted_then_done(
    client: TestClient, sign_up: SignUp, immediate_queue: None
) -> None:
    headers = sign_up("ada")
    books = [
        {"title": "Kindred", "author": "Octavia E. Butler", "year": 1979, "isbn": "9780807083697"},
        {"title": "Dawn", "author": "Octavia E. Butler", "year": 1987},
    ]
    accepted = client.post("/api/v1/imports", json={"books": books}, headers=headers)
    assert accepted.status_code == 202
    location = accepted.headers["Location"]
    job = client.get(location, headers=headers).json()
    assert job["status"] == "done" and job["imported"] == 2
    titles = {book["title"] for book in client.get("/api/v1/books").json()}
    assert {"Kindred", "Dawn"} <= titles
    assert client.get(location, headers=sign_up("bob")).status_code == 404
