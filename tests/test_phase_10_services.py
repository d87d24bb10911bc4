"""Phase 10 with real services: its hidden checks against PostgreSQL and Redis.

`scripts/test.sh` starts a throwaway PostgreSQL cluster and a throwaway Redis server on loopback
and exports COURSE_TEST_DATABASE_URL (`postgresql+psycopg://postgres@127.0.0.1:PORT/postgres`,
trust auth) and COURSE_TEST_REDIS_URL (`redis://127.0.0.1:PORT/0`). Without them, or when no
server answers there, these tests skip and say why. (The embedded defaults, SQLite files for the
data and the queue, are graded by tests/test_phases.py.)

The grader runs Phase 10's checks on the servers when its environment has GRADE_DATABASE_URL
(each check gets a database of its own on that server, dropped after) and GRADE_REDIS_URL (the
job queue lives there, emptied before and after each check). The solution must pass every check
that way; a probe copy, whose web process and worker refuse any database but PostgreSQL, proves
that the app, the live server and the worker really ran on it, and Redis' own command counters
prove that jobs went through Redis: pushed by the web process, popped by the worker.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import COURSE, ROOT, copy_tree
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from grader.runner import grade

DATABASE_VARIABLE = "COURSE_TEST_DATABASE_URL"
REDIS_VARIABLE = "COURSE_TEST_REDIS_URL"
SOLUTION = ROOT / "solutions" / "phase-10"
PHASE = COURSE.find("10")


@pytest.fixture(scope="module")
def postgres() -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the test server's maintenance database, or a skip."""
    url = os.environ.get(DATABASE_VARIABLE)
    if not url:
        pytest.skip(
            f"{DATABASE_VARIABLE} is not set: run the tests through scripts/test.sh, which starts "
            "a throwaway PostgreSQL cluster, or point it at a server where databases may be "
            "created (postgresql+psycopg://postgres@127.0.0.1:PORT/postgres)"
        )
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        engine.dispose()
        pytest.skip(f"no PostgreSQL server answers at {DATABASE_VARIABLE} ({type(error).__name__})")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def redis_server() -> str:
    """The test Redis server's address (without a database number), or a skip."""
    import redis

    url = os.environ.get(REDIS_VARIABLE)
    if not url:
        pytest.skip(
            f"{REDIS_VARIABLE} is not set: run the tests through scripts/test.sh, which starts "
            "a throwaway Redis server on loopback, or point it at one (redis://127.0.0.1:PORT/0)"
        )
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis server answers at {REDIS_VARIABLE} ({type(error).__name__})")
    finally:
        client.close()
    parts = urlsplit(url)
    return f"redis://{parts.hostname}:{parts.port or 6379}"


def redis_database(server: str, number: int) -> str:
    """A database of the test server of its own for each test: grading empties the queue's
    database before and after every check, so two tests running at once must not share one."""
    return f"{server}/{number}"


def redis_calls(url: str) -> dict[str, int]:
    """How many times the Redis server has run each command since it started."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        stats: dict[str, Any] = client.info("commandstats")
        keys = client.dbsize()
    finally:
        client.close()
    calls = {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}
    calls["(keys)"] = int(keys)
    return calls


def grader_databases(server: Engine) -> set[str]:
    with server.connect() as connection:
        names = connection.execute(text("SELECT datname FROM pg_database")).scalars().all()
    return {name for name in names if name.startswith("grade_")}


def _grade_on(
    postgres: Engine,
    redis_url: str,
    target: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    own_only: bool = False,
) -> list[str]:
    """Grade `target` with the grader pointed at both servers; the failing checks, explained.
    With `own_only`, Phase 10's own checks only (not those it keeps from earlier phases)."""
    assert PHASE is not None
    phase = replace(PHASE, keeps=()) if own_only else PHASE
    monkeypatch.setenv("GRADE_DATABASE_URL", postgres.url.render_as_string(hide_password=False))
    monkeypatch.setenv("GRADE_REDIS_URL", redis_url)
    before = grader_databases(postgres)
    result = grade(COURSE, phase, target)
    assert grader_databases(postgres) == before, "the grader left databases behind"
    assert redis_calls(redis_url)["(keys)"] == 0, "the grader left keys in the queue's database"
    assert result.total == len(phase.check_keys)
    return [f"{c.id}: {c.expected} / {c.seen}" for c in result.checks if not c.passed]


def test_the_solution_passes_every_check_on_postgresql_and_redis(
    postgres: Engine, redis_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    redis_url = redis_database(redis_server, 11)
    assert not _grade_on(postgres, redis_url, SOLUTION, monkeypatch)


def test_the_checks_really_use_the_servers(
    postgres: Engine, redis_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A copy of the solution whose web process (in the grader and in the live server) and worker
    # refuse any database but PostgreSQL: it passes every check of Phase 10's own only if every
    # one that runs the app or the worker gave them a PostgreSQL database. (Some checks Phase 10
    # keeps from Phase 9 build apps on databases of their own on purpose.)
    probe = copy_tree(SOLUTION, tmp_path / "submission")
    refuse = '    assert engine.dialect.name == "postgresql", engine.url\n'
    for path, old, new in (
        (
            probe / "bookapi" / "main.py",
            "    engine = create_db_engine(settings)\n",
            "    engine = create_db_engine(settings)\n" + refuse,
        ),
        (
            probe / "bookapi" / "worker.py",
            "    return create_db_engine(load_settings())\n",
            "    engine = create_db_engine(load_settings())\n" + refuse + "    return engine\n",
        ),
    ):
        source = path.read_text()
        assert source.count(old) == 1, path
        path.write_text(source.replace(old, new))
    redis_url = redis_database(redis_server, 12)
    before = redis_calls(redis_url)
    assert not _grade_on(postgres, redis_url, probe, monkeypatch, own_only=True)
    # The web process pushed job ids onto a Redis list, and the worker took them off it.
    after = redis_calls(redis_url)
    pushed = after.get("lpush", 0) - before.get("lpush", 0)
    popped = sum(after.get(name, 0) - before.get(name, 0) for name in ("brpop", "rpop"))
    assert pushed >= 3, f"{pushed} jobs were queued on Redis"
    assert popped >= 2, f"the worker asked Redis for jobs {popped} times"
    # ...and the same probe fails without the database server: the checks then use SQLite.
    monkeypatch.delenv("GRADE_DATABASE_URL")
    assert PHASE is not None
    result = grade(COURSE, replace(PHASE, keeps=()), probe)
    failing = {check.id for check in result.checks if not check.passed}
    assert {"lifespan_closes_resources", "worker_runs_the_job"} <= failing


def test_no_database_is_left_behind(postgres: Engine) -> None:
    with postgres.connect() as connection:
        names = connection.execute(text("SELECT datname FROM pg_database")).scalars().all()
    leftovers = [name for name in names if name.startswith("grade_")]
    assert not leftovers, leftovers
