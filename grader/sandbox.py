"""Where learner code runs: a temporary copy of the graded folder, a process group of its own,
and a clean-up that leaves no process behind.

Every process a grading run starts carries the run's mark in its environment (and lives in the
run's process group unless it leaves it). At the end the group is killed, and so is every
process that still carries the mark, wherever it went. On Linux the grader also becomes a
"child subreaper", so processes that detach from the run are re-parented to it, not to init.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from grader.procfs import own_children

RUN_MARK = "GRADE_RUN_ID"
# What a submission folder may hold that grading never needs.
_SKIPPED = (
    "__pycache__",
    "*.pyc",
    ".git",
    ".venv",
    "venv",
    "env",
    "node_modules",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".ipynb_checkpoints",
)
COPY_LIMIT_MIB = 64
_PR_SET_CHILD_SUBREAPER = 36
# How often a wait looks up from the process to check its other limits.
_POLL = 0.1


class SubmissionProblem(Exception):
    """The folder cannot be copied for grading; the message says why."""


class Cancelled(Exception):
    """The run was cancelled from outside (watch mode: a file was saved meanwhile)."""


def copy_submission(source: Path, scratch: Path) -> Path:
    """A copy of `source` inside `scratch`, without caches and virtual environments."""
    ignore = shutil.ignore_patterns(*_SKIPPED)
    total = 0
    for folder, dirs, files in os.walk(source):
        skipped = ignore(folder, [*dirs, *files])
        dirs[:] = [d for d in dirs if d not in skipped]
        for name in files:
            if name not in skipped:
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(folder, name)).st_size
        if total > COPY_LIMIT_MIB * 1024 * 1024:
            raise SubmissionProblem(
                f"{source} holds more than {COPY_LIMIT_MIB} MiB of files (besides caches and "
                "virtual environments): is it the right folder?"
            )
    destination = scratch / "submission"
    shutil.copytree(source, destination, ignore=ignore, symlinks=True)
    return destination


_subreaper = {"on": False}
# The checks' processes this process started and has not reaped yet; any other child of ours is
# an orphan of learner code that we adopted (as subreaper).
_live: set[int] = set()
_live_lock = threading.Lock()


def become_subreaper() -> None:
    """Adopt the orphans of our runs (Linux), so none escapes to init unseen.

    Only the `grade` command does this: every child it has is a run of its own, so a child it
    did not start is an orphan of learner code. A program that uses the runner as a library
    (the project's tests) keeps its own children to itself.
    """
    if _subreaper["on"] or not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        _subreaper["on"] = libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        pass


def _kill_and_reap(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    for pid in pids:
        # An orphan adopted by us (the subreaper) is ours to reap.
        with contextlib.suppress(ChildProcessError, OSError):
            for _ in range(50):
                if os.waitpid(pid, os.WNOHANG) != (0, 0):
                    break
                time.sleep(0.01)


def new_run_id() -> str:
    return uuid.uuid4().hex


def marked(run_id: str) -> list[int]:
    """Processes whose environment carries this run's mark."""
    needle = f"{RUN_MARK}={run_id}".encode()
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as stream:
                environ = stream.read()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry))
    return found


def _exited(process: subprocess.Popen[bytes], pidfd: int | None, seconds: float) -> bool:
    """Whether `process` has exited, waiting up to `seconds` (without reaping it)."""
    if pidfd is not None:
        return bool(select.select([pidfd], [], [], seconds)[0])
    deadline = time.monotonic() + seconds
    while True:
        try:
            if os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG):
                return True
        except ChildProcessError:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def end_run(process: subprocess.Popen[bytes], run_id: str) -> None:
    """Kill the run's process group and every process carrying its mark; reap the child."""
    with contextlib.suppress(OSError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    with _live_lock:
        _live.discard(process.pid)
        adopted = sorted(own_children() - _live) if _subreaper["on"] else []
    _kill_and_reap(sorted(set(marked(run_id)) | set(adopted)))


class Checker:
    """A Python process for one run of a hidden suite: it starts at once, imports pytest and
    FastAPI, and then waits for its pytest arguments on stdin (see `grader.checker`).

    Its process group, its mark and its scratch folder (its working folder, events and output)
    are its own; `end()` leaves nothing of it behind. With `own_network`, it runs in an empty
    network namespace of its own, where only loopback exists (see `grader.netns`).
    """

    def __init__(self, own_network: bool = False) -> None:
        self.own_network = own_network
        self.scratch = Path(tempfile.mkdtemp(prefix="grade-run-"))
        (self.scratch / "work").mkdir()
        self.run_id = new_run_id()
        env = {
            **os.environ,
            RUN_MARK: self.run_id,
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            # Fewer malloc arenas: threads then fit in the memory limit.
            "MALLOC_ARENA_MAX": "2",
        }
        with self.output.open("wb") as sink, _live_lock:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "grader.checker",
                    *(["--own-network"] if own_network else []),
                ],
                stdin=subprocess.PIPE,
                stdout=sink,
                stderr=subprocess.STDOUT,
                cwd=self.scratch / "work",
                env=env,
                start_new_session=True,
            )
            _live.add(self.process.pid)

    @property
    def output(self) -> Path:
        return self.scratch / "output.txt"

    def go(self, pytest_args: list[str]) -> None:
        """Start the run; the learner's code then finds its stdin closed."""
        assert self.process.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.write(json.dumps(pytest_args).encode() + b"\n")
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.close()

    def end(self) -> None:
        if self.process.stdin is not None and not self.process.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self.process.stdin.close()
        end_run(self.process, self.run_id)
        shutil.rmtree(self.scratch, ignore_errors=True)


_warm: dict[str, Checker | None] = {"checker": None}
_warm_lock = threading.Lock()


def prestart() -> None:
    """Start a checker now, so its imports overlap whatever the caller does next (parsing the
    command line); `checker()` hands it out. Unused, it ends when this process does."""
    if _warm["checker"] is None:
        _warm["checker"] = Checker()
        atexit.register(_end_warm)


def _end_warm() -> None:
    unused, _warm["checker"] = _warm["checker"], None
    if unused is not None:
        unused.end()


def checker(own_network: bool = False) -> Checker:
    """The pre-started checker if there is one (and it is in the network asked for), else a new
    one. (Threads may ask at once: a phase's checks split between processes.)"""
    with _warm_lock:
        ready, _warm["checker"] = _warm["checker"], None
    if ready is not None and ready.own_network != own_network:
        ready.end()
        ready = None
    return ready or Checker(own_network)


def wait(
    process: subprocess.Popen[bytes],
    seconds: float,
    cancel: threading.Event | None = None,
    give_up: Callable[[], bool] | None = None,
) -> int | None:
    """The exit status of `process`, or None if it was still running after `seconds` or when
    `give_up()` (asked a few times a second) said to stop waiting.

    The process is not reaped, so that its process-group id cannot be reused before `end_run`
    kills the group. Raises Cancelled when `cancel` is set.
    """
    deadline = time.monotonic() + seconds
    try:
        pidfd: int | None = os.pidfd_open(process.pid)
    except (AttributeError, OSError):
        pidfd = None
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if _exited(process, pidfd, min(left, _POLL)):
                break
            if cancel is not None and cancel.is_set():
                raise Cancelled
            if give_up is not None and give_up():
                return None
    finally:
        if pidfd is not None:
            os.close(pidfd)
    info = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    if info is None:
        return None
    if info.si_code == os.CLD_EXITED:
        return info.si_status
    return -info.si_status
