"""The Phase 1 lesson's samples do what the lesson says they do."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from fastapi import FastAPI
from fastapi.exceptions import FastAPIDeprecationWarning
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


def test_both_commands_read_the_port_from_the_environment() -> None:
    import typer.main
    from fastapi_cli.cli import app as cli

    commands = typer.main.get_command(cli).commands  # type: ignore[attr-defined]
    for name in ("dev", "run"):
        [port] = [param for param in commands[name].params if param.name == "port"]
        assert port.envvar == "PORT"
        assert port.default == 8000
    [workers] = [param for param in commands["run"].params if param.name == "workers"]
    assert workers.default is None  # one process unless --workers


def test_the_entrypoint_is_read_from_pyproject_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi_cli.config import FastAPIConfig

    monkeypatch.chdir(tmp_path)
    assert FastAPIConfig.resolve().entrypoint is None
    (tmp_path / "pyproject.toml").write_text('[tool.fastapi]\nentrypoint = "bookapi.main:app"\n')
    config = FastAPIConfig.resolve()
    assert config.entrypoint == "bookapi.main:app"
    assert config.from_pyproject


def test_root_path_in_the_code_is_deprecated() -> None:
    with pytest.warns(FastAPIDeprecationWarning, match="root_path"):
        FastAPI(root_path="/api")


def test_a_catch_all_route_turns_404_into_200_and_405() -> None:
    app = FastAPI()

    @app.get("/{page}")
    def page(page: str) -> dict[str, str]:
        return {"page": page}

    client = TestClient(app)
    assert client.get("/nope").status_code == 200
    assert client.delete("/nope").status_code == 405
    assert client.get("/a/b").status_code == 404  # one segment only
    assert TestClient(hello.app).delete("/").status_code == 405
    assert TestClient(hello.app).get("/nope").status_code == 404
