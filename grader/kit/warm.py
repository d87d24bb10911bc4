"""The checks' side of the warm Python (`warm_server.py`): start it early, run pytest in it.

    warm_up()                                  # soon after collection: imports overlap checks
    status = run_warm(args, cwd=..., env=..., path=[...], output=..., seconds=8)

`run_warm` answers the run's exit status, None when it ran out of time (its process group is
killed then, and whenever the call is left early: a check's own time limit, Ctrl-C), or raises
`Unavailable` when there is no warm Python to run in (it could not start, or it has died): the
caller then starts `python -m pytest` itself, as it did before there was one.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SERVER = Path(__file__).with_name("warm_server.py")
# How long a first run waits for the server to finish its imports before starting cold.
_READY_WITHIN = 10.0

__all__ = ["Unavailable", "run_warm", "warm_up"]


class Unavailable(Exception):
    """No warm Python to run in: start the run cold."""


class _Server:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-P", str(SERVER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=str(Path(SERVER).parent),
            process_group=0,  # a group of its own; the run's mark still finds it
        )
        self.ready = False
        self.pending = b""
        self.next_id = 0

    def alive(self) -> bool:
        return self.process.poll() is None

    def read(self, until: float) -> dict[str, Any] | None:
        """The next message, or None once `until` (a monotonic time) has passed."""
        assert self.process.stdout is not None
        stream = self.process.stdout.fileno()
        while b"\n" not in self.pending:
            left = until - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([stream], [], [], left)
            if not ready:
                continue
            chunk = os.read(stream, 65536)
            if not chunk:
                raise Unavailable("the warm Python has ended")
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        message = json.loads(line)
        if not isinstance(message, dict):
            raise Unavailable("the warm Python answered something unexpected")
        return message

    def wait_ready(self, within: float) -> None:
        if self.ready:
            return
        message = self.read(time.monotonic() + min(within, _READY_WITHIN))
        if message is None or not message.get("ready"):
            raise Unavailable("the warm Python did not get ready in time")
        self.ready = True

    def send(self, request: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        except OSError as error:
            raise Unavailable(f"the warm Python is gone: {error}") from None

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            _kill_group(self.process.pid)
            self.process.wait()
        with contextlib.suppress(OSError, ValueError):
            if self.process.stdout is not None:
                self.process.stdout.close()


_server: _Server | None = None


def warm_up() -> None:
    """Start the warm Python now (once), so that its imports overlap the checks before the
    first run needs it."""
    global _server
    if _server is None or not _server.alive():
        try:
            _server = _Server()
        except OSError:
            _server = None


def _kill_group(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)


def run_warm(
    args: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    path: list[str],
    output: Path,
    seconds: float,
) -> int | None:
    """pytest with `args`, forked from the warm Python: its exit status, or None after `seconds`."""
    warm_up()
    server = _server
    if server is None or not server.alive():
        raise Unavailable("the warm Python could not start")
    server.wait_ready(seconds)  # the imports a cold run would spend its first second on
    deadline = time.monotonic() + seconds
    server.next_id += 1
    ident = server.next_id
    request = {"id": ident, "cwd": str(cwd), "env": env, "path": path, "args": args}
    server.send({**request, "output": str(output)})
    pid: int | None = None
    try:
        while True:
            message = server.read(deadline if pid is not None else time.monotonic() + 5.0)
            if message is None:
                if pid is None:
                    raise Unavailable("the warm Python did not start the run")
                return None
            if message.get("id") != ident:
                continue
            if "pid" in message:
                pid = int(message["pid"])
            elif "exit" in message:
                pid = None  # reaped by the server, its group killed
                return int(message["exit"])
    finally:
        if pid is not None:
            _kill_group(pid)


def stop() -> None:
    """End the warm Python (tests of the grader call this; a grading run just exits)."""
    global _server
    if _server is not None:
        _server.stop()
        _server = None
