"""The pytest plugin loaded into every hidden-suite run (`-p grader.pytest_plugin`).

It tells the kit which folder to grade, puts a time limit on every check, turns each failure
into an `expected` / `seen` pair in the JSON report, and leaves the process promptly when the
session ends, whatever threads the learner's code left running.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Generator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from grader.kit import loader
from grader.kit.failures import CheckFailed, CheckTimedOut
from grader.limits import GRACE_SECONDS, HUNG_EXIT

_state: dict[str, Any] = {"exitstatus": 0}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grade")
    group.addoption("--grade-target", required=True, help="the folder being graded")
    group.addoption("--grade-timeout", type=float, default=10.0, help="seconds per check")
    group.addoption("--grade-crash-file", required=True, help="where to note a hung check")


def pytest_configure(config: pytest.Config) -> None:
    loader.configure(Path(config.getoption("--grade-target")))


def _on_alarm(_signum: int, _frame: FrameType | None) -> None:
    raise CheckTimedOut(_state["timeout"])


def _give_up(item: pytest.Item, timeout: float) -> None:
    """The check ignored its timeout: note which one, and end the process."""
    note = {"nodeid": item.nodeid, "name": item.name, "seconds": timeout}
    Path(item.config.getoption("--grade-crash-file")).write_text(json.dumps(note))
    sys.stdout.flush()
    os._exit(HUNG_EXIT)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None]:
    timeout = float(item.config.getoption("--grade-timeout"))
    _state["timeout"] = timeout
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    watchdog = threading.Timer(timeout + GRACE_SECONDS, _give_up, args=(item, timeout))
    watchdog.daemon = True
    watchdog.start()
    try:
        return (yield)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        watchdog.cancel()


def pytest_json_runtest_metadata(item: pytest.Item, call: pytest.CallInfo[None]) -> dict[str, Any]:
    """Summarise a failure as `expected` / `seen` for the grader (no traceback)."""
    if call.excinfo is None:
        return {}
    error = call.excinfo.value
    if isinstance(error, CheckFailed):
        return {"expected": error.expected, "seen": error.seen, "timed_out": error.timed_out}
    if isinstance(error, CheckTimedOut):
        return {"timed_out": True, "seen": f"still running after {error.seconds:g} s"}
    where = loader.where_in_target(call.excinfo.tb)
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    seen = f"{type(error).__name__}{': ' + message if message else ''}{where}"
    if not where:
        seen = f"the check itself stopped with {seen}"
    return {"seen": seen}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _state["exitstatus"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """The report is written by now: leave, even if learner code left threads running."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_state["exitstatus"])
