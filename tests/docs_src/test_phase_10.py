"""The Phase 10 lesson's samples do what the lesson says they do.

Most tests talk to the samples through the TestClient. A few run the real thing, because the
lesson's claims are about processes: gunicorn (with the sample config) and a single Uvicorn
process stopped by SIGTERM while a request is in flight, and huey's consumer running a job, then
stopped with and without `--graceful-signal TERM`. Each of those runs in a process group of its
own, on a free loopback port, and is killed with its whole group whatever happens.

The Dockerfile, the .dockerignore and the Procfile are shown on the page itself (they are not
Python): the tests read them from there.

The samples' queue is built when `docs_src.phase_10.jobs` is imported, from SHELF_QUEUE_PATH:
this module points it at a throwaway file first, so that no test writes a queue file in the
course folder.

No `from __future__ import annotations`: FastAPI reads the samples' annotations.
"""

import atexit
import json
import logging
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest

_SCRATCH = Path(tempfile.mkdtemp(prefix="phase-10-samples-"))
atexit.register(shutil.rmtree, _SCRATCH, True)
QUEUE_FILE = _SCRATCH / "queue.db"
os.environ["SHELF_QUEUE_PATH"] = str(QUEUE_FILE)
os.environ.pop("SHELF_REDIS_URL", None)

from fastapi import FastAPI, Request  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from pydantic import ValidationError  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402
from sqlmodel import Session, SQLModel, select  # noqa: E402
from starlette.middleware.cors import CORSMiddleware  # noqa: E402

from docs_src.phase_10 import (  # noqa: E402
    background,
    doors,
    gunicorn_conf,
    health,
    jobs,
    jobs_api,
    json_logs,
    lifespan,
    production,
    request_ids,
    settings,
    slow,
    telemetry,
)

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "phases" / "10-production-and-next-steps.md"
SECRET = "a-secret-for-the-sample-tests-only-0123456789"
FRONT_END = "https://shelf.example"


@pytest.fixture(autouse=True)
def logging_restored() -> Iterator[None]:
    """The samples' lifespan configures logging for the whole process: put it back after."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    others = {}
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "gunicorn.error", "huey"):
        logger = logging.getLogger(name)
        others[name] = (list(logger.handlers), logger.propagate, logger.disabled)
    yield
    root.handlers, root.level = saved
    for name, (handlers, propagate, disabled) in others.items():
        logger = logging.getLogger(name)
        logger.handlers, logger.propagate, logger.disabled = handlers, propagate, disabled


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No SHELF_ variable but the queue's, and a working folder without a `.env`."""
    for name in [n for n in os.environ if n.startswith("SHELF_") and n != "SHELF_QUEUE_PATH"]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def shelf_settings(clean_environment: Path) -> settings.Settings:
    return settings.Settings(
        secret_key=SECRET,
        database_url=f"sqlite:///{clean_environment / 'shelf.db'}",
        cors_origins=[FRONT_END],
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def empty_queue() -> Iterator[None]:
    jobs.huey.flush()
    yield
    jobs.huey.flush()
    jobs.close_queue(jobs.huey)


def open_files() -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return found


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


# settings.py ------------------------------------------------------------------------------------


def test_without_its_secret_the_app_refuses_to_start(clean_environment: Path) -> None:
    with pytest.raises(ValidationError, match="secret_key"):
        settings.load_settings()
    with pytest.raises(ValidationError):
        production.create_app()  # what a server would call at start-up


def test_a_rejected_secret_is_not_repeated_in_the_error(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHELF_SECRET_KEY", "too-short-but-still-secret")
    with pytest.raises(ValidationError) as error:
        settings.load_settings()
    assert "too-short-but-still-secret" not in str(error.value)


def test_settings_come_from_the_environment(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHELF_SECRET_KEY", SECRET)
    monkeypatch.setenv("SHELF_ENVIRONMENT", "production")
    monkeypatch.setenv("SHELF_CORS_ORIGINS", json.dumps([FRONT_END]))
    loaded = settings.load_settings()
    assert loaded.environment == "production" and loaded.cors_origins == [FRONT_END]
    assert SECRET not in repr(loaded)  # SecretStr: never printed by accident
    # The worker's share needs no secret: building the queue at import cannot fail.
    assert settings.StorageSettings().queue_path == str(QUEUE_FILE)


# production.py, request_ids.py, json_logs.py ------------------------------------------------------


def test_docs_and_schema_are_off_in_production(shelf_settings: settings.Settings) -> None:
    hidden = production.create_app(shelf_settings.model_copy(update={"environment": "production"}))
    shown = production.create_app(shelf_settings)
    with TestClient(hidden) as off, TestClient(shown) as on:
        for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
            assert off.get(path).status_code == 404, path
            assert on.get(path).status_code == 200, path
        assert off.get("/health/live").status_code == 200


def test_request_ids_are_kept_or_made_up(shelf_settings: settings.Settings) -> None:
    with TestClient(production.create_app(shelf_settings)) as client:
        kept = client.get("/health/live", headers={"X-Request-ID": "abc-123.x_y"})
        assert kept.headers["X-Request-ID"] == "abc-123.x_y"
        for bad in ("x" * 65, "has space", "<script>", ""):
            made = client.get("/health/live", headers={"X-Request-ID": bad}).headers
            assert made["X-Request-ID"] != bad
            assert request_ids.WELL_FORMED.fullmatch(made["X-Request-ID"])
        first, second = client.get("/health/live"), client.get("/health/live")
        assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
        # An unknown path, and a 422, carry one too.
        assert client.get("/nowhere").headers["X-Request-ID"]
        assert client.post("/members", json={}).headers["X-Request-ID"]


def crashing(app: FastAPI) -> FastAPI:
    def crash() -> None:
        raise RuntimeError("password=hunter2 in a message nobody should see")

    app.add_api_route("/crash", crash, methods=["GET"])
    return app


def test_a_500_is_generic_and_carries_the_request_id(
    shelf_settings: settings.Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    app = crashing(production.create_app(shelf_settings))
    with TestClient(app, raise_server_exceptions=False) as client:
        capsys.readouterr()
        crashed = client.get("/crash", headers={"X-Request-ID": "trace-me"})
        bare = client.get("/crash")
        written = capsys.readouterr().out
    assert crashed.status_code == 500
    assert crashed.json() == {"detail": "Internal server error", "request_id": "trace-me"}
    assert crashed.headers["X-Request-ID"] == "trace-me"
    assert bare.json()["request_id"] == bare.headers["X-Request-ID"]
    # The whole story is in the log, as JSON, with the request id: for us, not for the client.
    records = json_lines(written)
    errors = [r for r in records if r["logger"] == "shelf.errors"]
    assert errors and errors[0]["request_id"] == "trace-me"
    assert "RuntimeError" in errors[0]["exception"] and "hunter2" in errors[0]["exception"]
    access = [r for r in records if r["logger"] == "shelf.access" and r["path"] == "/crash"]
    assert [r["status"] for r in access] == [500, 500]


def test_the_handler_for_exception_runs_outside_the_middleware() -> None:
    # The trap the handler avoids: a handler that does not add the header itself.
    app = FastAPI()
    app.add_middleware(request_ids.RequestIdMiddleware)

    async def plain(_request: Request, _exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": "Internal server error"}, status_code=500)

    app.add_exception_handler(Exception, plain)
    crashing(app)
    client = TestClient(app, raise_server_exceptions=False)
    assert "X-Request-ID" not in client.get("/crash").headers
    assert "X-Request-ID" in client.get("/nowhere").headers


def test_log_lines_are_json_with_the_request_id_and_extra_fields() -> None:
    formatter = json_logs.JsonLines()
    record = logging.makeLogRecord(
        {"name": "shelf.x", "levelname": "INFO", "msg": "book %s shelved", "args": (7,)}
    )
    record.book_id = 7
    token = request_ids.request_id_var.set("req-1")
    try:
        line = json.loads(formatter.format(record))
    finally:
        request_ids.request_id_var.reset(token)
    assert line["message"] == "book 7 shelved" and line["logger"] == "shelf.x"
    assert line["request_id"] == "req-1" and line["book_id"] == 7
    assert line["time"].endswith("+00:00")
    outside = json.loads(formatter.format(record))
    assert "request_id" not in outside  # outside a request: no id, and no made-up one


def test_configure_logging_sends_every_logger_to_one_json_handler(
    capsys: pytest.CaptureFixture[str],
) -> None:
    json_logs.configure_logging()
    json_logs.configure_logging()  # twice: still one handler
    assert len(logging.getLogger().handlers) == 1
    logging.getLogger("uvicorn.error").info("server says hello")
    logging.getLogger("uvicorn.access").info("an access line nobody needs twice")
    lines = json_lines(capsys.readouterr().out)
    assert [line["message"] for line in lines] == ["server says hello"]


def test_cors_allows_the_front_end_and_nobody_else(shelf_settings: settings.Settings) -> None:
    with TestClient(production.create_app(shelf_settings)) as client:
        simple = client.get("/health/live", headers={"Origin": FRONT_END})
        assert simple.headers["access-control-allow-origin"] == FRONT_END
        assert simple.headers["access-control-expose-headers"] == "X-Request-ID"
        preflight = {"Access-Control-Request-Method": "POST"}
        for origin in ("https://evil.example", "https://shelf.example.evil.example", "null"):
            assert (
                "access-control-allow-origin"
                not in client.get("/health/live", headers={"Origin": origin}).headers
            )
            refused = client.options("/imports", headers={"Origin": origin, **preflight})
            assert "access-control-allow-origin" not in refused.headers
        allowed = client.options("/imports", headers={"Origin": FRONT_END, **preflight})
        assert allowed.status_code == 200


def test_a_star_with_credentials_lets_every_site_in() -> None:
    # The lesson's warning: with credentials allowed, "*" answers each origin by name.
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
    app.add_api_route("/", lambda: {}, methods=["GET"])
    answer = TestClient(app).get("/", headers={"Origin": "https://evil.example"})
    assert answer.headers["access-control-allow-origin"] == "https://evil.example"
    assert answer.headers["access-control-allow-credentials"] == "true"


# lifespan.py, health.py -------------------------------------------------------------------------


def test_the_lifespan_opens_once_and_closes_everything(
    shelf_settings: settings.Settings, empty_queue: None
) -> None:
    app = production.create_app(shelf_settings)
    database = str(Path(shelf_settings.database_url.removeprefix("sqlite:///")).resolve())
    with TestClient(app) as client:
        covers = app.state.covers
        assert isinstance(covers, httpx2.AsyncClient) and not covers.is_closed
        assert client.get("/health/ready").status_code == 200  # a pooled connection opens
        assert client.post("/imports", json={"titles": ["Kindred"]}).status_code == 202
        assert any(name.startswith(database) for name in open_files())
        assert any(name.startswith(str(QUEUE_FILE)) for name in open_files())
    assert covers.is_closed
    assert not [name for name in open_files() if name.startswith(database)]
    assert not [name for name in open_files() if name.startswith(str(QUEUE_FILE))]


def test_ready_is_503_while_the_database_is_unreachable_and_live_stays_200(
    shelf_settings: settings.Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    app = production.create_app(shelf_settings)
    # A database nobody can open (its folder does not exist), as if the server were down.
    unreachable = create_engine(f"sqlite:///{shelf_settings.database_url[10:]}/no/db")
    with TestClient(app) as client:
        assert client.get("/health/ready").json() == {"status": "ok"}
        app.dependency_overrides[lifespan.get_engine] = lambda: unreachable
        capsys.readouterr()
        ready = client.get("/health/ready")
        written = capsys.readouterr().out
        assert ready.status_code == 503
        assert ready.json() == {"detail": "The database is not reachable"}
        assert client.get("/health/live").status_code == 200
        app.dependency_overrides.clear()
        assert client.get("/health/ready").status_code == 200
    unreachable.dispose()
    warning = [r for r in json_lines(written) if r["logger"] == health.logger.name]
    assert warning and "OperationalError" in warning[0]["exception"]


# background.py ----------------------------------------------------------------------------------


def test_the_welcome_email_goes_out_after_the_answer_with_a_session_of_its_own(
    shelf_settings: settings.Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    app = production.create_app(shelf_settings)
    sessions: list[Session] = []
    original = Session.__init__

    def noted(self: Session, *args: object, **kwargs: object) -> None:
        sessions.append(self)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    with TestClient(app) as client:
        capsys.readouterr()
        Session.__init__ = noted  # type: ignore[method-assign]
        try:
            joined = client.post("/members", json={"name": "Ada", "email": "ada@example.org"})
        finally:
            Session.__init__ = original  # type: ignore[method-assign]
        written = capsys.readouterr().out
        with Session(app.state.engine) as session:
            sent = session.exec(select(background.WelcomeEmail)).all()
    assert joined.status_code == 201 and joined.json() == {"id": 1, "name": "Ada"}
    assert [email.member_id for email in sent] == [1]
    assert len(sessions) == 2  # the request's, and the task's own
    records = json_lines(written)
    welcome = [r for r in records if r["logger"] == background.logger.name]
    # The task's log line carries the request's id, and the member's id, never the address.
    assert welcome[0]["request_id"] == joined.headers["X-Request-ID"]
    assert welcome[0]["member_id"] == 1 and "ada@example.org" not in written


def test_the_task_does_nothing_for_a_member_who_is_gone(
    shelf_settings: settings.Settings,
) -> None:
    engine = create_engine(shelf_settings.database_url)
    SQLModel.metadata.create_all(engine)
    background.send_welcome(engine, 404)
    with Session(engine) as session:
        assert session.exec(select(background.WelcomeEmail)).all() == []
    engine.dispose()


# jobs.py, jobs_api.py ---------------------------------------------------------------------------


def test_the_queue_is_sqlite_by_default_and_redis_when_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from huey.storage import RedisStorage, SqliteStorage

    default = jobs.create_queue(settings.StorageSettings())
    assert isinstance(default.storage, SqliteStorage)
    assert default.storage.filename == str(QUEUE_FILE)
    monkeypatch.setenv("SHELF_REDIS_URL", "redis://127.0.0.1:6399/2")
    redis = jobs.create_queue(settings.StorageSettings())  # connects only when used
    assert isinstance(redis.storage, RedisStorage)
    assert redis.storage.pool.connection_kwargs["port"] == 6399
    jobs.close_queue(redis)
    jobs.close_queue(default)


def test_an_import_is_accepted_at_once_and_waits_for_the_worker(
    shelf_settings: settings.Settings, empty_queue: None
) -> None:
    with TestClient(production.create_app(shelf_settings)) as client:
        accepted = client.post("/imports", json={"titles": ["Kindred", "Dawn"]})
        assert accepted.status_code == 202
        job = accepted.json()
        assert job["status"] == "queued" and job["imported"] == 0
        location = accepted.headers["Location"]
        assert location.endswith(f"/jobs/{job['id']}")
        assert client.get(location).json() == job  # nobody ran it: still queued
        assert jobs.huey.pending_count() == 1
        assert client.get(f"/jobs/{uuid.uuid4()}").status_code == 404
        assert client.post("/imports", json={"titles": []}).status_code == 422


def test_in_immediate_mode_the_job_runs_in_the_request(
    shelf_settings: settings.Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = production.create_app(shelf_settings)
    with TestClient(app) as client:
        # huey's immediate mode: an in-memory queue, and each task runs as it is enqueued.
        monkeypatch.setattr(jobs, "worker_engine", lambda: app.state.engine)
        jobs.huey.immediate = True
        try:
            first = client.post("/imports", json={"titles": ["Kindred", "Dawn", "Kindred"]})
            again = client.post("/imports", json={"titles": ["Dawn", "Tehanu"]})
            # Delivered twice, the task changes nothing the second time.
            assert jobs.import_titles.call_local(first.json()["id"]) == 0
        finally:
            jobs.huey.immediate = False
        assert client.get(first.headers["Location"]).json()["imported"] == 2
        assert client.get(again.headers["Location"]).json()["imported"] == 1
        books = {book.title for book in Session(app.state.engine).exec(select(jobs.ShelfBook))}
    assert books == {"Kindred", "Dawn", "Tehanu"}
    assert jobs_api.JobOut.model_fields.keys() == {"id", "status", "imported"}


# Live processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Live:
    """A command in a process group of its own, its output in a file."""

    def __init__(self, command: list[str], env: dict[str, str], output: Path) -> None:
        self.output = output
        with output.open("wb") as sink:  # the child keeps its own copy of the file
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for_text(self, needle: str, within: float) -> bool:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline and self.process.poll() is None:
            if needle in self.text():
                return True
            time.sleep(0.05)
        return needle in self.text()

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    def wait(self, within: float) -> int | None:
        try:
            return self.process.wait(within)
        except subprocess.TimeoutExpired:
            return None

    def kill_group(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(10)

    def survivors(self) -> list[int]:
        """Processes of the group still running (zombies waiting for a parent do not count)."""
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == self.process.pid and fields[0] != "Z":
                found.append(int(entry))
        return found


@contextmanager
def live(command: list[str], env: dict[str, str], output: Path) -> Iterator[Live]:
    process = Live(command, env, output)
    try:
        yield process
    finally:
        process.kill_group()


def child_environment(**extra: str) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SHELF_", "WEB_CONCURRENCY", "PORT", "GUNICORN"))
    }
    environment.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", **extra)
    return environment


def wait_until_up(url: str, server: Live, within: float = 15) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and server.process.poll() is None:
        try:
            if httpx2.get(url, timeout=1).status_code == 200:
                return
        except httpx2.HTTPError:
            time.sleep(0.1)
    raise AssertionError(f"the server never answered {url}:\n{server.text()[-2000:]}")


def ask_in_the_background(url: str) -> tuple[threading.Thread, dict[str, object]]:
    answer: dict[str, object] = {}

    def ask() -> None:
        try:
            answer["response"] = httpx2.get(url, timeout=30)
        except httpx2.HTTPError as error:
            answer["error"] = error

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    return thread, answer


def stop_during_a_slow_request(
    command: list[str], port: int, tmp_path: Path, processes: int, **environment: str
) -> tuple[int, str]:
    """Serve slow.py, ask for /slow, send SIGTERM while it is answering; the request must still
    be answered. Returns the server's exit status and what it printed."""
    base = f"http://127.0.0.1:{port}"
    with live(command, child_environment(**environment), tmp_path / "out.txt") as server:
        wait_until_up(f"{base}/health/live", server)
        # Every worker started (on a busy machine, one may still be importing the app).
        deadline = time.monotonic() + 15
        while server.text().count(": started") < processes and time.monotonic() < deadline:
            time.sleep(0.05)
        thread, answer = ask_in_the_background(f"{base}/slow?seconds=1.5")
        assert server.wait_for_text("answering /slow", within=10), server.text()
        server.terminate()
        thread.join(20)
        response = answer.get("response")
        assert isinstance(response, httpx2.Response), answer.get("error")
        assert response.status_code == 200 and response.json() == {"slept": 1.5}
        status = server.wait(within=15)
        assert status is not None, "the server did not stop"
        time.sleep(0.2)
        assert not server.survivors(), "a process of the server outlived it"
        return status, server.text()


def test_gunicorn_config_reads_the_platform_variables() -> None:
    gunicorn = [sys.executable, "-m", "gunicorn", "--config", gunicorn_conf.__file__]
    run = subprocess.run(
        [*gunicorn, "--print-config", "no_such_module:app"],
        cwd=ROOT,
        env=child_environment(PORT="9123", WEB_CONCURRENCY="3"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    printed = dict(
        (name.strip(), value.strip())
        for name, _, value in (line.partition("=") for line in run.stdout.splitlines())
    )
    assert printed["bind"] == "['0.0.0.0:9123']" and printed["workers"] == "3"
    assert printed["worker_class"] == "uvicorn_worker.UvicornWorker"
    assert printed["graceful_timeout"] == str(gunicorn_conf.graceful_timeout)
    assert printed["reload"] == "False"


def test_gunicorn_finishes_the_request_in_flight_and_exits_0(tmp_path: Path) -> None:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        gunicorn_conf.__file__,
        "--bind",
        f"127.0.0.1:{port}",
        "--no-control-socket",
        "docs_src.phase_10.slow:app",
    ]
    status, printed = stop_during_a_slow_request(command, port, tmp_path, 2, WEB_CONCURRENCY="2")
    assert status == 0
    assert printed.count("shut down cleanly") == 2  # both workers ran their lifespan's end


@pytest.mark.parametrize(
    ("workers", "exit_status", "lifespans_ended"),
    [((), -signal.SIGTERM, 1), (("--workers", "2"), 0, 2)],
    ids=["one-process", "two-workers"],
)
def test_fastapi_run_finishes_the_request_in_flight(
    tmp_path: Path, workers: tuple[str, ...], exit_status: int, lifespans_ended: int
) -> None:
    port = free_port()
    command = [sys.executable, "-m", "fastapi", "run", str(Path(slow.__file__))]
    command += ["--host", "127.0.0.1", "--port", str(port), *workers]
    status, printed = stop_during_a_slow_request(command, port, tmp_path, lifespans_ended)
    # One process shuts down cleanly, then raises the signal again: 143 (128 + 15) in a
    # shell. With workers, the supervising process exits 0.
    assert status == exit_status
    assert printed.count("shut down cleanly") == lifespans_ended


def consumer(*options: str) -> list[str]:
    """huey's command, as the Procfile runs it, with faster polling (the default backs off to
    10 s between looks at an empty queue)."""
    command = [sys.executable, "-m", "huey.bin.huey_consumer", "docs_src.phase_10.jobs.huey"]
    return [*command, "--workers", "1", "--delay", "0.05", "--max-delay", "0.5", *options]


@pytest.fixture
def worker_database(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    path = tmp_path / "shelf.db"
    engine = create_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    yield f"sqlite:///{path}", path


def recorded_job(database_url: str, titles: list[str]) -> str:
    """A job in the database, as POST /imports records it (not on the queue yet)."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        job = jobs.ImportJob(titles=titles)
        session.add(job)
        session.commit()
        job_id = str(job.id)
    engine.dispose()
    return job_id


def job_status(path: Path, job_id: str) -> tuple[str, int]:
    with sqlite3.connect(path) as connection:
        row = connection.execute(
            "SELECT status, imported FROM import_jobs WHERE id = ?", (uuid.UUID(job_id).hex,)
        ).fetchone()
    connection.close()
    return row


def test_the_worker_takes_the_job_off_the_queue_and_finishes_it(
    worker_database: tuple[str, Path], tmp_path: Path, empty_queue: None
) -> None:
    url, path = worker_database
    job_id = recorded_job(url, ["Kindred", "Dawn"])
    jobs.import_titles(job_id)  # on the queue file, for the worker
    environment = child_environment(SHELF_DATABASE_URL=url, SHELF_QUEUE_PATH=str(QUEUE_FILE))
    with live(consumer("--graceful-signal", "TERM"), environment, tmp_path / "w.txt") as worker:
        deadline = time.monotonic() + 15
        while job_status(path, job_id)[0] != "done" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert job_status(path, job_id) == ("done", 2), worker.text()
        worker.terminate()
        assert worker.wait(within=10) == 0
    assert '"logger": "shelf.jobs"' in worker.text()  # JSON log lines, from the worker too


@contextmanager
def database_locked(path: Path) -> Iterator[None]:
    """Nobody else can read or write the SQLite file meanwhile: the job waits on it."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=5)
    connection.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


@pytest.mark.parametrize(
    ("options", "finished"),
    [(("--graceful-signal", "TERM"), True), ((), False)],
    ids=["graceful-on-TERM", "default"],
)
def test_sigterm_loses_a_running_job_unless_the_worker_is_graceful_on_term(
    worker_database: tuple[str, Path],
    tmp_path: Path,
    empty_queue: None,
    options: tuple[str, ...],
    finished: bool,
) -> None:
    url, path = worker_database
    environment = child_environment(SHELF_DATABASE_URL=url, SHELF_QUEUE_PATH=str(QUEUE_FILE))
    job_id = recorded_job(url, ["The Lathe of Heaven"])
    with live(consumer(*options), environment, tmp_path / "w.txt") as worker:
        with database_locked(path):
            jobs.import_titles(job_id)
            deadline = time.monotonic() + 10
            while jobs.huey.pending_count() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert jobs.huey.pending_count() == 0, worker.text()  # taken: the job is running
            time.sleep(0.3)
            worker.terminate()
            time.sleep(0.5)
        status = worker.wait(within=10)
        assert status is not None, worker.text()
    assert (job_status(path, job_id)[0] == "done") is finished, worker.text()
    assert jobs.huey.pending_count() == 0  # lost: not on the queue any more either


# telemetry.py, doors.py -------------------------------------------------------------------------


def test_telemetry_gives_a_span_per_request_and_skips_the_probes() -> None:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    app = telemetry.create_app(
        {"tracer_provider": tracer_provider, "meter_provider": MeterProvider([reader])}
    )
    with TestClient(app) as client:
        assert client.get("/books/7").json() == {"id": 7}
        assert client.get("/health/live").status_code == 200
    names = [span.name for span in spans.get_finished_spans()]
    assert "GET /books/{book_id}" in names  # the route's template, not the id
    assert not [name for name in names if "health" in name]
    metrics = {
        metric.name
        for resource in reader.get_metrics_data().resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }
    assert "http.server.request.duration" in metrics
    assert telemetry.is_probe({"path": "/health/ready"})


def test_the_doors_websocket_json_lines_and_server_sent_events() -> None:
    client = TestClient(doors.app)
    with client.websocket_connect("/ws/echo") as websocket:
        websocket.send_text("hello")
        assert websocket.receive_text() == "echo: hello"
    lines = client.get("/books/stream")
    assert lines.headers["content-type"].startswith("application/jsonl")
    assert [json.loads(line)["title"] for line in lines.text.splitlines()] == [
        "Kindred",
        "Dawn",
        "Tehanu",
    ]
    events = client.get("/books/events")
    assert events.headers["content-type"].startswith("text/event-stream")
    assert events.text.count("data: ") == 3


# The page's Dockerfile, .dockerignore and Procfile -----------------------------------------------


def block_on_page(title: str) -> str:
    """The body of the code block on the page whose title is `title`."""
    page = PAGE.read_text()
    found = re.search(rf'^```\w* title="{re.escape(title)}"\n(.*?)^```', page, re.M | re.S)
    assert found, f"no block titled {title} on the page"
    return found.group(1)


def test_the_dockerfile_is_multi_stage_non_root_and_exec_form() -> None:
    lines = [
        line.strip()
        for line in block_on_page("Dockerfile").replace("\\\n", " ").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    froms = [i for i, line in enumerate(lines) if line.startswith("FROM ")]
    assert len(froms) == 2 and " AS " in lines[froms[0]]
    final = lines[froms[-1] :]
    assert any(line.startswith("COPY --from=") for line in final)
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    command = [line for line in final if line.startswith("CMD ")]
    assert len(command) == 1
    words = json.loads(command[0].removeprefix("CMD "))  # exec form: a JSON list
    assert words[:3] == ["gunicorn", "--config", "gunicorn.conf.py"]
    settings_baked_in = [line for line in lines if line.startswith(("ENV ", "ARG "))]
    assert not [line for line in settings_baked_in if re.search(r"SECRET|PASSWORD|TOKEN", line)]


def test_the_dockerignore_keeps_secrets_and_local_files_out() -> None:
    ignored = block_on_page(".dockerignore").split()
    assert {".env", "*.db", ".venv/"} <= set(ignored)


def test_the_procfile_names_a_production_web_command_and_a_graceful_worker() -> None:
    entries = dict(
        line.split(": ", 1) for line in block_on_page("Procfile").splitlines() if line.strip()
    )
    assert set(entries) == {"web", "worker"}
    assert entries["web"].startswith("gunicorn --config gunicorn.conf.py ")
    assert "--reload" not in entries["web"]
    assert entries["worker"].startswith("huey_consumer ")
    assert "--graceful-signal TERM" in entries["worker"]
