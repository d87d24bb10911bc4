"""The Phase 1 lesson's samples do what the lesson says they do."""

from __future__ import annotations

from unittest import mock

from fastapi.testclient import TestClient

from docs_src.phase_01 import hello


def test_hello_greets_and_converts_the_path_parameter() -> None:
    client = TestClient(hello.app)
    assert client.get("/").json() == {"message": "Hello, FastAPI"}
    assert client.get("/shelves/3").json() == {"shelf": 3}
    rejected = client.get("/shelves/three")
    assert rejected.status_code == 422
    assert rejected.json()["detail"][0]["loc"] == ["path", "shelf"]


def test_hello_appears_in_its_schema() -> None:
    paths = TestClient(hello.app).get("/openapi.json").json()["paths"]
    assert set(paths) == {"/", "/shelves/{shelf}"}


def test_the_guarded_sample_starts_no_server_on_import() -> None:
    with mock.patch("uvicorn.run") as run:
        from docs_src.phase_01 import server_on_import
    run.assert_not_called()
    assert TestClient(server_on_import.app).get("/").status_code == 200
