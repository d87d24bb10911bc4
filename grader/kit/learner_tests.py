"""Running the learner's own tests from a check, and reading what they did.

    run = run_learner_tests(copy_of(target_path()), seconds=8, env=environment)
    run.passed, run.failed, run.tests[0].async_requests ...

The tests run in a pytest process of their own, forked from the warm Python (`grader.kit.warm`:
pytest and the web stack already imported, nothing else), or started as `python -m pytest` when
there is none: in a process group of its own, with a time limit, with only the plugins the grader
names (`PYTEST_DISABLE_PLUGIN_AUTOLOAD`; anyio's, for `@pytest.mark.anyio` tests, and the
grader's `learner_plugin`, which reports each test as a JSON line), no cache written, and
deprecation warnings as errors. Whatever happens, nothing of it outlives the call: the group is
killed on the way out, a check's own time limit included.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.kit.warm import Unavailable, run_warm
from grader.limits import DEPRECATION_WARNINGS
from grader.sandbox import wait

PLUGIN = Path(__file__).with_name("learner_plugin.py")
# The name the plugin is loaded under in the learner's run.
PLUGIN_MODULE = "_grader_learner_plugin"
_SKIPPED = (
    "__pycache__",
    "*.pyc",
    ".git",
    ".venv",
    "venv",
    "env",
    "node_modules",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".ipynb_checkpoints",
)
_OUTPUT_TAIL = 3000

__all__ = ["LearnerRun", "LearnerTest", "copy_of", "run_learner_tests"]


@dataclass(frozen=True)
class LearnerTest:
    """One of the learner's tests, as the plugin saw it run."""

    nodeid: str
    outcome: str  # passed, failed, error (in a fixture), skipped
    message: str = ""
    async_requests: int = 0  # sent from the test's own thread, inside an event loop
    thread_requests: int = 0  # answered in another thread (TestClient's)
    override_requests: int = 0  # answered while the app held dependency_overrides
    coroutine: bool = False  # an `async def` test
    leaks: tuple[tuple[str, ...], ...] = ()  # the overrides apps still held after the test
    databases: tuple[str, ...] = ()  # the SQLite files it opened (absolute paths)

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    @property
    def requests(self) -> int:
        return self.async_requests + self.thread_requests

    def shown(self) -> str:
        """`tests/test_books.py::test_create (AssertionError: assert 200 == 201)`."""
        return f"{self.nodeid} ({self.message})" if self.message else self.nodeid


@dataclass
class LearnerRun:
    """What one run of the learner's tests did."""

    folder: Path
    tests: list[LearnerTest] = field(default_factory=list)
    collect_errors: list[tuple[str, str]] = field(default_factory=list)
    exitstatus: int | None = None
    ended: bool = False  # the plugin saw the session end
    timed_out: bool = False
    seconds: float = 0.0
    output: str = ""

    @property
    def passed(self) -> list[LearnerTest]:
        return [test for test in self.tests if test.passed]

    @property
    def failed(self) -> list[LearnerTest]:
        return [test for test in self.tests if test.outcome in ("failed", "error")]

    @property
    def skipped(self) -> list[LearnerTest]:
        return [test for test in self.tests if test.outcome == "skipped"]

    def shared_database(self, tests: list[LearnerTest]) -> tuple[str, str, Path] | None:
        """A database file one of `tests` opened that another test of the run opened too:
        (that test, the other one, the file), or None."""
        for test in tests:
            for path in test.databases:
                for other in self.tests:
                    if other is not test and path in other.databases:
                        return test.nodeid, other.nodeid, Path(path)
        return None

    def output_hint(self) -> str:
        """The last meaningful line pytest printed, for a run that ended without a report."""
        lines = [line.strip() for line in self.output.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith(("E ", "ERROR", "error:"))]
        chosen = errors[-1] if errors else (lines[-1] if lines else "")
        return chosen if len(chosen) <= 200 else chosen[:199] + "…"


def copy_of(folder: Path, scratch: Path) -> Path:
    """A copy of the learner's folder inside `scratch`, without caches and environments."""
    destination = scratch / "submission"
    shutil.copytree(folder, destination, ignore=shutil.ignore_patterns(*_SKIPPED), symlinks=True)
    return destination


def _command(folder: Path, tests: str, report: Path, mutant: str, reverse: bool) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        tests,
        "-p",
        PLUGIN_MODULE,
        "-p",
        "anyio.pytest_plugin",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(folder),
        "-q",
        "--no-header",
        "-rN",
        "--color=no",
        "--grader-report",
        str(report),
        *(flag for name in DEPRECATION_WARNINGS for flag in ("-W", f"error::{name}")),
    ]
    if mutant:
        command += ["--grader-mutant", mutant, "--exitfirst"]
    if reverse:
        command += ["--grader-order", "reverse"]
    return command


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        process.wait(timeout=5)


def run_learner_tests(
    folder: Path,
    *,
    seconds: float,
    env: dict[str, str] | None = None,
    mutant: str = "",
    reverse: bool = False,
    tests: str = "tests",
) -> LearnerRun:
    """Run the tests in `folder/tests` (the folder is the run's working directory, and may be
    written: pass a copy), for at most `seconds`."""
    scratch = Path(tempfile.mkdtemp(prefix="grade-learner-"))
    run = LearnerRun(folder=folder)
    try:
        shutil.copyfile(PLUGIN, scratch / f"{PLUGIN_MODULE}.py")
        report = scratch / "report.jsonl"
        report.touch()
        python_path = [str(folder), str(scratch)]
        environment = {
            **(os.environ if env is None else env),
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "PYTHONPATH": os.pathsep.join(python_path),
            "PYTHONDONTWRITEBYTECODE": "1",
            "NO_COLOR": "1",
        }
        output = scratch / "output.txt"
        output.touch()
        command = _command(folder, tests, report, mutant, reverse)
        started = time.monotonic()
        try:
            run.exitstatus = run_warm(
                command[3:],
                cwd=folder,
                env=environment,
                path=python_path,
                output=output,
                seconds=max(0.1, seconds),
            )
        except Unavailable:
            run.exitstatus = _run_cold(command, folder, environment, output, seconds)
        run.timed_out = run.exitstatus is None
        run.seconds = time.monotonic() - started
        _read_report(report, run)
        with output.open("rb") as stream:
            stream.seek(max(0, output.stat().st_size - _OUTPUT_TAIL))
            run.output = stream.read().decode("utf-8", "replace")
        return run
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_cold(
    command: list[str], folder: Path, environment: dict[str, str], output: Path, seconds: float
) -> int | None:
    """`python -m pytest` in a new interpreter: its exit status, or None after `seconds`."""
    with output.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=folder,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # Not reaped yet, so that its process group cannot be reused before it is killed.
        return wait(process, max(0.1, seconds))
    finally:
        # Also when the check itself is stopped (its time limit): leave nothing running.
        _kill(process)


def _read_report(report: Path, run: LearnerRun) -> None:
    for line in report.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            event: dict[str, Any] = json.loads(line)
        except ValueError:
            continue
        if not isinstance(event, dict):
            continue
        kind = event.get("event")
        if kind == "test":
            run.tests.append(
                LearnerTest(
                    nodeid=str(event.get("nodeid", "?")),
                    outcome=str(event.get("outcome", "failed")),
                    message=str(event.get("message") or ""),
                    async_requests=int(event.get("async_requests") or 0),
                    thread_requests=int(event.get("thread_requests") or 0),
                    override_requests=int(event.get("override_requests") or 0),
                    coroutine=bool(event.get("coroutine")),
                    leaks=tuple(
                        tuple(leak.get("overrides", ())) for leak in event.get("leaks", [])
                    ),
                    databases=tuple(str(path) for path in event.get("databases") or ()),
                )
            )
        elif kind == "collect-error":
            run.collect_errors.append(
                (str(event.get("nodeid") or "?"), str(event.get("message") or ""))
            )
        elif kind == "end":
            run.ended = True
