"""Shared fixtures for the project's own tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.catalogue import Course, Phase, load_course

pytest_plugins = ["browser_fixtures"]

# The tests already run two at a time (pytest-xdist, one per core): a `grade phase-N` they start
# grades its checks in one process, so that timing checks never run on an oversubscribed
# machine. tests/test_shards.py runs the split (`--jobs 2`) on purpose.
os.environ.setdefault("GRADE_JOBS", "1")

ROOT = Path(__file__).resolve().parent.parent
COURSE = load_course(ROOT)
READY = COURSE.ready_phases


def phase_params() -> list[pytest.param]:
    """One parameter per ready phase, with ids like `phase_01` (so `-k phase_01` selects it)."""
    return [pytest.param(phase, id=phase.suite) for phase in READY]


def grade_cli(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the `grade` command (as `python -m grader`), plain text, and wait for it."""
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def course_copy_at(root: Path, *phases: int, catalogue_upto: int | None = None) -> Path:
    """A throwaway course folder at `root`: the catalogue, and the named phases' exercises and
    solutions, so that progress files and backups land there. With `catalogue_upto`, the
    catalogue lists only the phases up to that number (a smaller course, for what `grade all`
    does with every phase)."""
    root.mkdir(parents=True)
    catalogue = (ROOT / "course.toml").read_text()
    if catalogue_upto is not None:
        blocks = catalogue.split("\n[[phase]]\n")
        catalogue = "\n[[phase]]\n".join(blocks[: catalogue_upto + 1])
    (root / "course.toml").write_text(catalogue)
    for number in phases:
        phase = COURSE.find(str(number))
        assert phase is not None and phase.exercise and phase.solution
        copy_tree(ROOT / phase.exercise, root / phase.exercise)
        copy_tree(ROOT / phase.solution, root / phase.solution)
    return root


@contextlib.contextmanager
def started_in_group(
    command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[str]]:
    """A process in a group of its own, always killed with its group at the end."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()


def run_in_group(
    command: list[str],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    within: float = 120,
) -> subprocess.CompletedProcess[str]:
    """`command` run to its end (at most `within` seconds) in a group of its own, which is gone
    when it returns."""
    with started_in_group(command, cwd, env) as process:
        stdout, stderr = process.communicate(timeout=within)
        return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def processes_with(*needles: bytes) -> list[str]:
    """Processes (other than this one) whose environment or command line holds a needle: what a
    run of the grader must never leave behind."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if any(needle in environ or needle in command for needle in needles):
            shown = command.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{entry}: {shown}")
    return found


@pytest.fixture(scope="session")
def course() -> Course:
    return COURSE


def copy_tree(source: Path, destination: Path) -> Path:
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__"))
    return destination


def solution_of(phase: Phase) -> Path:
    assert phase.solution is not None
    return ROOT / phase.solution


def build_site(out: Path, **env: str) -> Path:
    """`mkdocs build --strict` into `out`, with extra environment variables; fails loudly."""
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    return out


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once per test run with `mkdocs build --strict`."""
    return build_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="session")
def offline_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The offline build (`COURSE_OFFLINE=true`), made to be opened from disk: once per run."""
    return build_site(tmp_path_factory.mktemp("offline"), COURSE_OFFLINE="true")
