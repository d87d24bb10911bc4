"""The pytest plugin loaded into every hidden-suite run (`-p grader.pytest_plugin`).

It runs in the grader's child process, before any learner code, and:

- puts limits on the process (memory, CPU seconds, file size, open files) and a time limit on
  every check; a check that ignores its limit ends the process, after noting which one it was;
- installs the guards (loopback only; nothing started on import) and tells the kit which
  folder to grade;
- writes one JSON line per event to the events file as it goes (a check started, a check's
  result, the process being ended from learner code), so that whatever happens to the process,
  the grader knows what was finished and what was running;
- turns each failure into `expected` / `seen` (and the failed step's hint, or a shared cause),
  never a traceback; and leaves promptly when the session ends, whatever threads are running.
"""

from __future__ import annotations

import faulthandler
import json
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Generator
from pathlib import Path
from types import FrameType
from typing import IO, Any

import pytest

from grader import causes as known
from grader.causes import Cause
from grader.kit import guard, loader, observe
from grader.kit.failures import CheckFailed, CheckTimedOut
from grader.limits import GRACE_SECONDS, HUNG_EXIT, LEARNER_EXIT_CPU

_real_exit = os._exit
_state: dict[str, Any] = {"exitstatus": 0, "events": None, "failure": None, "pid": os.getpid()}
_MIB = 1024 * 1024


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grade")
    group.addoption("--grade-target", required=True, help="the folder being graded")
    group.addoption("--grade-timeout", type=float, default=10.0, help="seconds per check")
    group.addoption("--grade-events", required=True, help="where to write the events (JSON lines)")
    group.addoption("--grade-fatal", required=True, help="where a fatal signal's traceback goes")
    group.addoption("--grade-memory-mib", type=int, default=0, help="address-space limit")
    group.addoption("--grade-cpu-seconds", type=int, default=0, help="CPU-time limit")
    group.addoption("--grade-file-mib", type=int, default=0, help="largest file the code may write")
    group.addoption("--grade-open-files", type=int, default=0, help="open files at once")
    group.addoption("--grade-verbose", action="store_true", help="keep pytest's own report")


def _event(data: dict[str, Any]) -> None:
    stream: IO[str] | None = _state["events"]
    if stream is None or os.getpid() != _state["pid"]:
        return  # a forked child of the learner's code: not ours to report
    try:
        stream.write(json.dumps(data) + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


def _limit(kind: int, value: int) -> None:
    if value <= 0:
        return
    _soft, hard = resource.getrlimit(kind)
    capped = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(kind, (capped, capped))


def _on_cpu_limit(_signum: int, _frame: FrameType | None) -> None:
    _event({"event": "exit", "reason": "cpu"})
    _real_exit(LEARNER_EXIT_CPU)


def _learner_exit(status: int) -> None:
    """`os._exit` as the learner's code sees it: note where it was called, then exit."""
    where, importing = guard.where(), guard.importing()
    _event(
        {
            "event": "exit",
            "reason": "os._exit",
            "status": status,
            "where": where,
            "importing": importing,
        }
    )
    _real_exit(status)


def pytest_configure(config: pytest.Config) -> None:
    _state["events"] = Path(config.getoption("--grade-events")).open("a", encoding="utf-8")
    fatal = Path(config.getoption("--grade-fatal")).open("w", encoding="utf-8")
    faulthandler.enable(file=fatal, all_threads=True)
    _state["fatal"] = fatal
    _limit(resource.RLIMIT_AS, config.getoption("--grade-memory-mib") * _MIB)
    _limit(resource.RLIMIT_CPU, config.getoption("--grade-cpu-seconds"))
    _limit(resource.RLIMIT_FSIZE, config.getoption("--grade-file-mib") * _MIB)
    _limit(resource.RLIMIT_NOFILE, config.getoption("--grade-open-files"))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # A file that grows too large fails the write (EFBIG) instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    signal.signal(signal.SIGXCPU, _on_cpu_limit)
    target = Path(config.getoption("--grade-target"))
    loader.configure(target, config.getoption("--grade-memory-mib") or None)
    guard.install(target.resolve())
    guard.on_importing(lambda active: _event({"event": "import", "active": active}))
    os._exit = _learner_exit


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _event({"event": "collect-error", "text": str(report.longrepr)[-2000:]})


def _on_alarm(_signum: int, _frame: FrameType | None) -> None:
    raise CheckTimedOut(_state["timeout"])


def _give_up(item: pytest.Item, timeout: float) -> None:
    """The check ignored its time limit: note which one, and end the process."""
    _event(
        {
            "event": "hung",
            "nodeid": item.nodeid,
            "seconds": timeout,
            "importing": guard.importing(),
            "where": guard.where_in_thread(threading.main_thread()),
        }
    )
    sys.stdout.flush()
    _real_exit(HUNG_EXIT)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None]:
    timeout = float(item.config.getoption("--grade-timeout"))
    _state["timeout"] = timeout
    _state["failure"] = None
    _state["output"] = ""
    observe.reset()
    _event({"event": "start", "nodeid": item.nodeid})
    started = time.perf_counter()
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
        failure = _state["failure"]
        result: dict[str, Any] = {
            "event": "result",
            "nodeid": item.nodeid,
            "seconds": time.perf_counter() - started,
            "outcome": "passed" if failure is None else failure.pop("outcome"),
        }
        if failure is not None:
            result.update(failure, output=_state["output"])
        _event(result)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.excinfo is not None and _state["failure"] is None:
        _state["failure"] = summarise(call.excinfo.value)
        if item.config.getoption("--grade-verbose"):
            _state["output"] = str(report.longrepr)
    return report


def _cause(cause: Cause, expected: str, seen: str) -> dict[str, Any]:
    return {
        "id": cause.id,
        "hint": cause.hint,
        "anchor": cause.anchor,
        "expected": expected,
        "seen": seen,
    }


def summarise(error: BaseException) -> dict[str, Any]:
    """A failure as the grader reports it: expected / seen, the step's hint, the cause."""
    summary: dict[str, Any] = {"outcome": "failed"}
    where = loader.where_in_target(error.__traceback__)
    if isinstance(error, CheckFailed):
        summary.update(expected=error.expected, seen=error.seen, hint=error.hint)
        summary.update(anchor=error.anchor)
        if error.timed_out:
            summary["outcome"] = "timed out"
        if error.cause is not None:
            summary["cause"] = _cause(error.cause, error.expected, error.seen)
    elif isinstance(error, CheckTimedOut):
        summary.update(outcome="timed out", seen=f"still running after {error.seconds:g} s")
    elif isinstance(error, loader.DEPRECATIONS):
        seen = f"a deprecated API{where}: {error}"
        summary.update(seen=seen, cause=_cause(known.DEPRECATED_API, "current APIs only", seen))
    elif isinstance(error, MemoryError):
        seen = loader.memory_seen(where)
        summary.update(seen=seen, cause=_cause(known.MEMORY, "modest memory use", seen))
    else:
        seen = loader.describe_error(error)
        summary["seen"] = seen if where else f"the check itself stopped with {seen}"
    # What the kit noticed on the way (a deprecated API, a GET that wants a body, a refused
    # connection...) is the root of whatever the check then saw, a suite's own cause included.
    noticed = observe.first_cause()
    if noticed is not None and summary["outcome"] == "failed":
        summary["cause"] = _cause(noticed.cause, noticed.expected, noticed.seen)
    return summary


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _state["exitstatus"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """The events are written by now: leave, even if learner code left threads running."""
    sys.stdout.flush()
    sys.stderr.flush()
    _real_exit(_state["exitstatus"])
