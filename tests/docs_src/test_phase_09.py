"""The Phase 9 lesson's samples do what the lesson says they do.

The reading list of factory.py declares a `books` table, and SQLModel keeps every table model of
a process in one registry: like Phase 7's, these tests run in a fresh interpreter (one test here
starts `pytest` on this very file with PHASE_09_SAMPLES=isolated). The sample test modules
(conftest.py, sync_tests.py, async_tests.py, override_tests.py, leaky_tests.py) are run by
pytest itself, in a process of their own, and their outcomes read from its summary.

No `from __future__ import annotations`: FastAPI reads the samples' annotations.
"""

import os
import subprocess
import sys
from pathlib import Path

ISOLATED = os.environ.get("PHASE_09_SAMPLES") == "isolated"
ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "docs_src" / "phase_09"


def run_pytest(*files: str, cwd: Path, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """pytest on sample test modules, with only anyio's plugin (as the grader runs tests)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "anyio.pytest_plugin",
            "--rootdir",
            str(ROOT),
            "-c",
            str(ROOT / "pyproject.toml"),
            *extra,
            *(str(SAMPLES / name) for name in files),
        ],
        cwd=cwd,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PHASE_09_SAMPLES": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )


if not ISOLATED:

    def test_phase_09_samples_in_a_fresh_interpreter() -> None:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
            cwd=ROOT,
            env={**os.environ, "PHASE_09_SAMPLES": "isolated"},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
        assert " passed" in run.stdout

else:
    import importlib
    import sqlite3

    import pytest
    from fastapi.testclient import TestClient
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher
    from pydantic import ValidationError

    from docs_src.phase_09 import factory, passwords, routers

    @pytest.fixture
    def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
        """No READING_ variable, an empty working folder, an empty settings cache."""
        for name in [n for n in os.environ if n.startswith("READING_")]:
            monkeypatch.delenv(name)
        monkeypatch.chdir(tmp_path)
        factory.load_settings.cache_clear()
        return tmp_path

    # routers.py -----------------------------------------------------------------------------

    def test_routers_carry_prefix_tags_and_dependencies() -> None:
        client = TestClient(routers.app)
        assert client.get("/api/v1/books").json() == ["Dune", "Kindred"]
        assert client.get("/api/v1/books/3").json() == {"id": 3}
        assert client.get("/books").status_code == 404  # only under the version prefix
        assert client.get("/health").json() == {"status": "ok"}  # and the probe outside it
        # The router's dependency guards each of its routes, without a word in the routes.
        assert client.get("/api/v1/admin/stats").status_code == 403
        assert client.delete("/api/v1/admin/cache").status_code == 403
        admin = {"X-Role": "admin"}
        assert client.get("/api/v1/admin/stats", headers=admin).json() == {"books": 2}
        assert client.delete("/api/v1/admin/cache", headers=admin).status_code == 204
        schema = client.get("/openapi.json").json()
        tags = {
            (method.upper(), path): operation["tags"]
            for path, item in schema["paths"].items()
            for method, operation in item.items()
        }
        assert tags == {
            ("GET", "/health"): ["health"],
            ("GET", "/api/v1/books"): ["books"],
            ("GET", "/api/v1/books/{book_id}"): ["books"],
            ("GET", "/api/v1/admin/stats"): ["admin"],
            ("DELETE", "/api/v1/admin/cache"): ["admin"],
        }
        # The router-level dependency's header shows on every admin operation.
        stats = schema["paths"]["/api/v1/admin/stats"]["get"]
        assert [p["name"] for p in stats["parameters"]] == ["x-role"]

    # factory.py -----------------------------------------------------------------------------

    def test_each_call_builds_a_new_app_with_its_own_database(clean_environment: Path) -> None:
        first_db, second_db = clean_environment / "first.db", clean_environment / "second.db"
        first = factory.create_app(
            factory.Settings(api_key="k1", database_url=f"sqlite:///{first_db}")
        )
        second = factory.create_app(
            factory.Settings(api_key="k2", database_url=f"sqlite:///{second_db}")
        )
        assert first is not second
        assert first.dependency_overrides is not second.dependency_overrides
        with TestClient(first) as one, TestClient(second) as two:
            assert one.app.state.engine is not two.app.state.engine  # type: ignore[attr-defined]
            added = one.post("/api/v1/books", json={"title": "Dune"}, headers={"X-API-Key": "k1"})
            assert added.status_code == 201
            # Each app checks its own key, and keeps its own books.
            wrong_key = two.post("/api/v1/books", json={"title": "X"}, headers={"X-API-Key": "k1"})
            assert wrong_key.status_code == 401
            assert two.get("/api/v1/books").json() == []
        with sqlite3.connect(first_db) as connection:
            assert connection.execute("SELECT title FROM books").fetchall() == [("Dune",)]

    def test_the_factory_reads_the_environment_only_when_the_app_starts(
        clean_environment: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        app = factory.create_app()  # no READING_API_KEY: still fine, nothing is read yet
        with pytest.raises(ValidationError):
            with TestClient(app):
                pass
        monkeypatch.setenv("READING_API_KEY", "from-the-environment")
        monkeypatch.setenv("READING_PAGE_SIZE", "1")
        factory.load_settings.cache_clear()
        app = factory.create_app()
        with TestClient(app) as client:
            headers = {"X-API-Key": "from-the-environment"}
            for title in ("Dune", "Kindred"):
                client.post("/api/v1/books", json={"title": title}, headers=headers)
            assert client.get("/api/v1/books").json() == [{"id": 1, "title": "Dune"}]
        assert (clean_environment / "reading.db").exists()  # the default database_url

    # import_time.py -------------------------------------------------------------------------

    def test_settings_read_at_import_fail_the_import_and_ignore_overrides(
        clean_environment: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        sys.modules.pop("docs_src.phase_09.import_time", None)
        with pytest.raises(ValidationError):
            importlib.import_module("docs_src.phase_09.import_time")
        monkeypatch.setenv("READING_API_KEY", "from-the-environment")
        factory.load_settings.cache_clear()
        import_time = importlib.import_module("docs_src.phase_09.import_time")
        small = factory.Settings(api_key="x", page_size=2)
        import_time.app.dependency_overrides[factory.get_settings] = lambda: small
        client = TestClient(import_time.app)
        assert client.get("/page-size").json() == {"page_size": 20}  # the override missed it
        import_time.app.dependency_overrides.clear()

    # passwords.py ---------------------------------------------------------------------------

    def test_passwords_hash_and_verify(monkeypatch: pytest.MonkeyPatch) -> None:
        cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
        monkeypatch.setattr(passwords, "hasher", cheap)
        stored = passwords.hash_password("correct horse battery staple")
        assert passwords.verify_password("correct horse battery staple", stored)
        assert not passwords.verify_password("incorrect horse", stored)
        monkeypatch.undo()
        assert passwords.hasher is not cheap  # monkeypatch put the real one back

    # conftest.py, sync_tests.py, async_tests.py, override_tests.py --------------------------

    def test_the_sample_tests_pass(tmp_path: Path) -> None:
        run = run_pytest("sync_tests.py", "async_tests.py", "override_tests.py", cwd=tmp_path)
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
        assert "11 passed" in run.stdout
        assert not list(tmp_path.iterdir())  # every database lived in a tmp_path of its own

    def test_the_weak_test_passes_whatever_the_status(tmp_path: Path) -> None:
        # The weak test only reads the body: it cannot tell a 201 from a 200.
        source = (SAMPLES / "sync_tests.py").read_text()
        assert "def test_adding_a_book_weakly" in source
        weak = source.split("def test_adding_a_book_weakly", 1)[1].split("\n\n\n", 1)[0]
        assert "status_code" not in weak and "json()" in weak

    def test_async_tests_run_on_asyncio_through_anyio(tmp_path: Path) -> None:
        run = run_pytest("async_tests.py", cwd=tmp_path, extra=("-vv",))
        assert run.returncode == 0, run.stdout[-4000:]
        assert "async_tests.py::test_requests_at_once PASSED" in run.stdout

    # leaky_tests.py -------------------------------------------------------------------------

    def test_a_leaked_override_fails_the_next_test(tmp_path: Path) -> None:
        both = run_pytest("leaky_tests.py", cwd=tmp_path)
        assert "1 failed, 1 passed" in both.stdout, both.stdout[-3000:]
        assert "test_two_books_listed" in both.stdout
        (tmp_path / "leaky.db").unlink()
        alone = run_pytest("leaky_tests.py", cwd=tmp_path, extra=("-k", "two_books"))
        assert alone.returncode == 0, alone.stdout[-3000:]
