"""Phase 7 on a real PostgreSQL server: the hidden checks, and the solution's Alembic migration.

`scripts/test.sh` starts a throwaway PostgreSQL cluster on loopback and exports
COURSE_TEST_DATABASE_URL (`postgresql+psycopg://postgres@127.0.0.1:PORT/postgres`, trust auth).
Without it, or when no server answers there, these tests skip and say why.

- The grader runs every Phase 7 check against PostgreSQL when its environment has
  GRADE_DATABASE_URL: each check then gets a database of its own on that server, dropped after.
  The solution must pass them all there, and a probe copy proves the app really ran on
  PostgreSQL.
- `alembic upgrade head`, run as the learner runs it (a subprocess, in a copy of the solution),
  creates on an empty SQLite file and on an empty PostgreSQL database exactly the tables and
  columns the models declare, and `alembic check` then finds nothing left to migrate.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import COURSE, ROOT, copy_tree
from sqlalchemy import Engine, create_engine, inspect, make_url, text
from sqlalchemy.pool import NullPool

from grader.runner import grade

SERVER_VARIABLE = "COURSE_TEST_DATABASE_URL"
SOLUTION = ROOT / "solutions" / "phase-07"
PHASE = COURSE.find("7")
SECRET = "course-test-secret-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def server() -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the test server's maintenance database, or a skip."""
    url = os.environ.get(SERVER_VARIABLE)
    if not url:
        pytest.skip(
            f"{SERVER_VARIABLE} is not set: run the tests through scripts/test.sh, which starts "
            "a throwaway PostgreSQL cluster, or point it at a server where databases may be "
            "created (postgresql+psycopg://postgres@127.0.0.1:PORT/postgres)"
        )
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        engine.dispose()
        pytest.skip(f"no PostgreSQL server answers at {SERVER_VARIABLE} ({type(error).__name__})")
    yield engine
    engine.dispose()


def grader_databases(server: Engine) -> set[str]:
    with server.connect() as connection:
        names = connection.execute(text("SELECT datname FROM pg_database")).scalars().all()
    return {name for name in names if name.startswith("grade_")}


@pytest.fixture
def empty_database(server: Engine) -> Iterator[str]:
    """The URL of a new, empty database on the test server, dropped afterwards."""
    name = f"course_test_{secrets.token_hex(6)}"
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _grade_on(server: Engine, target: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Grade `target` with the grader pointed at the server; the ids of the failing checks."""
    assert PHASE is not None
    monkeypatch.setenv("GRADE_DATABASE_URL", server.url.render_as_string(hide_password=False))
    before = grader_databases(server)
    result = grade(COURSE, PHASE, target)
    assert grader_databases(server) == before, "the grader left databases behind"
    # The earlier checks Phase 7 keeps run in its setting too: on the server, like its own.
    assert [check.id for check in result.checks] == list(PHASE.check_keys)
    return [f"{c.id}: {c.seen}" for c in result.checks if not c.passed]


def test_the_solution_passes_every_check_on_postgresql(
    server: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not _grade_on(server, SOLUTION, monkeypatch)


def test_the_checks_really_run_on_postgresql(
    server: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A copy of the solution whose lifespan refuses any database but PostgreSQL: it passes
    # every check only if every check gave it a PostgreSQL database.
    probe = copy_tree(SOLUTION, tmp_path / "submission")
    main = probe / "bookapi" / "main.py"
    source = main.read_text()
    line = "    engine = create_db_engine(settings)\n"
    assert source.count(line) == 1
    main.write_text(
        source.replace(line, line + '    assert engine.dialect.name == "postgresql", engine.url\n')
    )
    assert not _grade_on(server, probe, monkeypatch)
    # ...and the same probe fails without the server: the checks then use SQLite files.
    monkeypatch.delenv("GRADE_DATABASE_URL")
    assert PHASE is not None
    result = grade(COURSE, PHASE, probe)
    # (Phase 7's own checks all start the app; some earlier ones it keeps never do.)
    assert not any(check.passed for check in result.own)


def _declared_tables(folder: Path) -> dict[str, list[str]]:
    """The tables and columns the solution's models declare, read in a fresh interpreter."""
    program = (
        "import json; from sqlmodel import SQLModel; import bookapi.models; "
        "print(json.dumps({t.name: sorted(c.name for c in t.columns) "
        "for t in SQLModel.metadata.sorted_tables}))"
    )
    run = subprocess.run(
        [sys.executable, "-c", program], cwd=folder, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _alembic(folder: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BOOKAPI_")},
        "BOOKAPI_DATABASE_URL": url,
        "BOOKAPI_SECRET_KEY": SECRET,
        "PYTHONWARNINGS": "error::DeprecationWarning",
    }
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _migrate_and_compare(url: str, tmp_path: Path) -> None:
    folder = copy_tree(SOLUTION, tmp_path / "solution")
    upgrade = _alembic(folder, url, "upgrade", "head")
    assert upgrade.returncode == 0, upgrade.stderr
    assert "Running upgrade  -> 0001" in upgrade.stderr
    engine = create_engine(url, poolclass=NullPool)
    try:
        inspector = inspect(engine)
        found = {
            table: sorted(column["name"] for column in inspector.get_columns(table))
            for table in inspector.get_table_names()
        }
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        unique = {
            tuple(constraint["column_names"])
            for constraint in inspector.get_unique_constraints("books")
        }
    finally:
        engine.dispose()
    declared = _declared_tables(folder)
    assert found.pop("alembic_version") == ["version_num"]
    assert found == declared
    assert version == "0001"
    assert ("isbn",) in unique  # the constraint behind the 409
    check = _alembic(folder, url, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    # Running it again is harmless: the database is already at head.
    again = _alembic(folder, url, "upgrade", "head")
    assert again.returncode == 0 and "Running upgrade" not in again.stderr


def test_the_migration_builds_an_empty_sqlite_file(tmp_path: Path) -> None:
    # Needs no server, but belongs with the PostgreSQL case: the same migration, both databases.
    _migrate_and_compare(f"sqlite:///{tmp_path / 'migrated.db'}", tmp_path)


def test_the_migration_builds_an_empty_postgresql_database(
    empty_database: str, tmp_path: Path
) -> None:
    assert make_url(empty_database).get_backend_name() == "postgresql"
    _migrate_and_compare(empty_database, tmp_path)


def test_no_database_is_left_behind(server: Engine) -> None:
    with server.connect() as connection:
        names = connection.execute(text("SELECT datname FROM pg_database")).scalars().all()
    leftovers = [n for n in names if n.startswith(("grade_", "course_test_"))]
    assert not leftovers, leftovers
