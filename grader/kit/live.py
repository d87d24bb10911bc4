"""Running a learner's own command (a server, a worker) as real processes, for the checks that
need the real thing: a production server that must finish a request after SIGTERM, a worker
that must take a job off a queue.

    with live.started(command, cwd=target_path(), env=environment) as process:
        process.wait_until_http(f"http://127.0.0.1:{port}/health/live", within=8)
        process.terminate()                      # SIGTERM to the command, as a platform sends it
        status = process.wait(within=5)          # None: still running

Each command runs in a process group (a session) of its own, with its output in a file (no
pipe to fill up or keep open), stdin closed, and a mark in its environment. Whatever happens in
the check (a failure, an exception, the check's time limit), leaving the `with` block kills the
whole group, then every process still carrying the mark (one that left the group, too), and
reaps the command: nothing is left behind. The grader's own end-of-run clean-up (the run's
mark, the subreaper) is the second line of defence.

Servers are started on a free port of the loopback interface only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx

# The mark every process of one `started(...)` carries in its environment.
LIVE_MARK = "GRADE_LIVE_ID"
_POLL = 0.05


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _marked(mark: str) -> list[int]:
    """Processes whose environment carries `LIVE_MARK=mark`."""
    needle = f"{LIVE_MARK}={mark}".encode()
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry))
    return found


def _state(pid: int) -> str:
    """The one-letter state of process `pid` (`Z` for a zombie), or '' if there is none."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return text.rsplit(")", 1)[-1].split()[0]


class LiveProcess:
    """A command started by `started(...)`: signal it, wait for it, read what it printed."""

    def __init__(self, process: subprocess.Popen[bytes], output: Path, mark: str) -> None:
        self.process = process
        self.output = output
        self.mark = mark

    @property
    def pid(self) -> int:
        return self.process.pid

    def exited(self) -> bool:
        return self.process.poll() is not None

    def terminate(self) -> None:
        """SIGTERM to the command itself (not its group), as Docker or Kubernetes send it."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGTERM)

    def wait(self, within: float) -> int | None:
        """The command's exit status (negative: the signal that ended it), or None if it was
        still running after `within` seconds."""
        try:
            return self.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            return None

    def survivors(self) -> list[int]:
        """The command's processes still running (zombies aside): its group and its mark."""
        return [pid for pid in _marked(self.mark) if _state(pid) not in ("", "Z")]

    def children(self) -> list[int]:
        """The command's own child processes (a server's workers)."""
        found: set[int] = set()
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{self.pid}/task"):
                with contextlib.suppress(OSError):
                    text = Path(f"/proc/{self.pid}/task/{task}/children").read_text()
                    found.update(int(pid) for pid in text.split())
        return sorted(pid for pid in found if _state(pid) not in ("", "Z"))

    def text(self) -> str:
        try:
            return self.output.read_text(errors="replace")
        except OSError:
            return ""

    def last_lines(self, count: int = 3, width: int = 300) -> str:
        """What the command printed last, on one line: for a failure's `seen`."""
        lines = [line.strip() for line in self.text().splitlines() if line.strip()]
        shown = " / ".join(lines[-count:])
        return shown if len(shown) <= width else "…" + shown[-width:]

    def wait_until_http(self, url: str, within: float) -> bool:
        """Whether `url` answered (any HTTP status) within `within` seconds; False as soon as
        the command exits."""
        deadline = time.monotonic() + within
        # One client for every try: making one costs tens of milliseconds of CPU (its TLS
        # context), which a server starting up on the same cores needs more.
        with httpx.Client(timeout=0.5, trust_env=False) as client:
            while time.monotonic() < deadline:
                if self.exited():
                    return False
                try:
                    client.get(url)
                    return True
                except httpx.HTTPError:
                    time.sleep(_POLL)
        return False

    def kill_all(self) -> None:
        """SIGKILL to the group and to every marked process, then reap the command."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        for _ in range(3):
            left = self.survivors()
            for pid in left:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            if not left:
                break
            time.sleep(_POLL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)


@contextmanager
def started(command: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> Iterator[LiveProcess]:
    """Start `command` in `cwd` with exactly `env` (plus the mark); kill all of it at the end."""
    mark = uuid.uuid4().hex
    folder = Path(tempfile.mkdtemp(prefix="grade-live-", dir=Path.cwd()))
    output = folder / "output.txt"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env={**env, LIVE_MARK: mark},
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    live = LiveProcess(process, output, mark)
    try:
        yield live
    finally:
        live.kill_all()
        with contextlib.suppress(OSError):
            output.unlink()
        with contextlib.suppress(OSError):
            folder.rmdir()
