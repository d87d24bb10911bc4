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
  never a traceback; and leaves promptly when the session ends, whatever threads are running;
- collects the checks a phase keeps from earlier phases (their suites' test functions) so that
  they run in the graded phase's setting: see `KeptModule`; an instructor's own checks
  (`--grade-extra`) run in the same setting: see `ExtraModule`.
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
from types import FrameType, ModuleType
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
    group.addoption(
        "--grade-suite", default="", help="the graded phase's suite; the others hold kept checks"
    )
    group.addoption(
        "--grade-extra",
        action="append",
        default=[],
        help="a folder of an instructor's own checks, run like kept ones (repeatable)",
    )
    group.addoption(
        "--grade-only",
        action="append",
        default=[],
        help="a check's node id to run (repeatable); every other test collected is deselected",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the checks the grader planned, and no other test of the suites it collected."""
    wanted = set(config.getoption("--grade-only"))
    if not wanted:
        return
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        (keep if item.nodeid.split("[", 1)[0] in wanted else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


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


class KeptModule(pytest.Module):
    """An earlier phase's suite, collected for the checks a later phase keeps from it.

    A kept check runs as its own suite runs it (its fixtures, its values), on top of the graded
    phase's setting: see `kept_scene`. A Phase 4 check kept by Phase 7 thus talks to the Phase 7
    app, with the fresh database Phase 7's suite gives each of its own checks.
    """

    def _getobj(self) -> ModuleType:
        earlier = super()._getobj()
        graded = [module.obj for module in _state.get("graded_modules", [])]
        if not graded:
            raise pytest.UsageError("the graded phase's suite must be collected first")
        return kept_scene(earlier, graded)


class ExtraModule(pytest.Module):
    """A module of an instructor's own checks (`--grade-extra`), outside the hidden suites.

    It runs like a kept check, in the graded phase's setting, and with the fixtures every hidden
    suite shares (`app`, `client`, cheap Argon2: `grader/suites/conftest.py`), which pytest
    would not give a module outside that folder."""

    def _getobj(self) -> ModuleType:
        held = super()._getobj()
        graded = [module.obj for module in _state.get("graded_modules", [])]
        if not graded:
            raise pytest.UsageError("the graded phase's suite must be collected first")
        shared = _SUITES / "conftest.py"
        conftests = [
            plugin
            for plugin in self.config.pluginmanager.get_plugins()
            if isinstance(plugin, ModuleType)
            and Path(getattr(plugin, "__file__", None) or "/").resolve() == shared
        ]
        return kept_scene(held, [*conftests[:1], *graded])


# The name under which a graded phase's autouse fixture runs when the earlier suite has a
# fixture of the same name (both suites call theirs `environment`, say).
GRADED_PREFIX = "graded_phase_"


def _fixtures(module: ModuleType) -> dict[str, Any]:
    """The fixtures a suite module defines at its top level, by attribute name."""
    return {
        name: value
        for name, value in vars(module).items()
        if hasattr(value, "_fixture_function_marker") and hasattr(value, "__wrapped__")
    }


def _autouse(fixture: Any) -> bool:
    return bool(fixture._fixture_function_marker.autouse)  # pytest's record of its arguments


def _by_name(fixture: Any, name: str) -> Any:
    """The same fixture, called `name` and no longer autouse: it runs when something asks."""
    marker = fixture._fixture_function_marker
    return pytest.fixture(
        fixture.__wrapped__, scope=marker.scope, params=marker.params, ids=marker.ids, name=name
    )


def _setting(graded: list[str], earlier: list[str]) -> Any:
    """The one autouse fixture of a kept check: the graded phase's setting first, then the
    earlier suite's own, which may change what the graded phase set (the check compares with
    its own suite's values: its secret, its database) but takes none of it away (the settings
    that the graded phase's app needs and the earlier phase's had not yet, a database URL)."""

    def kept_setting(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
        for name in graded:
            request.getfixturevalue(name)
        underneath = dict(os.environ)
        for name in earlier:
            request.getfixturevalue(name)
        for variable, value in underneath.items():
            if variable not in os.environ:
                monkeypatch.setenv(variable, value)

    return pytest.fixture(kept_setting, autouse=True)


def kept_scene(earlier: ModuleType, graded: list[ModuleType]) -> ModuleType:
    """The `earlier` suite module as a kept check sees it.

    - Its test functions, helpers and fixtures are its own: a fixture of the graded phase's
      suite is added only where the earlier suite has none of that name (an `app` fixture that
      knows how to load the later app, say).
    - Its autouse fixtures and the graded phase's all run, in one order: the graded phase's
      first, then the earlier suite's, and what the earlier ones removed from the environment is
      put back (see `_setting`).
    """
    scene = ModuleType(earlier.__name__, earlier.__doc__)
    scene.__dict__.update(vars(earlier))
    own = _fixtures(earlier)
    first: list[str] = []
    for module in graded:
        for name, fixture in _fixtures(module).items():
            if _autouse(fixture):
                alias = GRADED_PREFIX + name if name in own else name
                setattr(scene, alias, _by_name(fixture, alias))
                first.append(alias)
            elif name not in own:
                setattr(scene, name, fixture)
    then = [name for name, fixture in own.items() if _autouse(fixture)]
    for name in then:
        setattr(scene, name, _by_name(own[name], name))
    scene.kept_setting = _setting(first, then)  # type: ignore[attr-defined]
    return scene


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.Module:
    """The graded phase's suite is collected as usual (and noted); an earlier one as kept, and
    an instructor's as extra."""
    extra = [Path(folder).resolve() for folder in parent.config.getoption("--grade-extra")]
    if any(module_path.resolve().is_relative_to(folder) for folder in extra):
        return ExtraModule.from_parent(parent, path=module_path)
    graded = parent.config.getoption("--grade-suite")
    if not graded or module_path.parent.name == graded:
        module = pytest.Module.from_parent(parent, path=module_path)
        _state.setdefault("graded_modules", []).append(module)
        return module
    return KeptModule.from_parent(parent, path=module_path)


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


_SUITES = Path(__file__).resolve().parent / "suites"


def _phase_anchor(anchor: str | None, suite: str | None) -> str | None:
    """`anchor` as `phase-N#anchor` when it is a heading of suite `phase_NN`'s own page.

    A relative anchor means the page of the suite that wrote it. When a check kept from an
    earlier phase fails in code of the graded phase's suite (one of its fixtures), or the other
    way round, the link must still land on the page of the code that wrote the anchor."""
    if not anchor or "#" in anchor or suite is None:
        return anchor
    return f"phase-{int(suite.removeprefix('phase_'))}#{anchor}"


def _suite_of_frame(tb: Any) -> str | None:
    """The suite (`phase_07`) of the innermost frame of suite code in a traceback."""
    found = None
    while tb is not None:
        path = Path(tb.tb_frame.f_code.co_filename)
        if path.parent.parent == _SUITES and path.parent.name.startswith("phase_"):
            found = path.parent.name
        tb = tb.tb_next
    return found


def _suite_of_cause(cause: Cause) -> str | None:
    """The suite whose module defines `cause` (the kit's own causes belong to no suite)."""
    for module in list(sys.modules.values()):
        path = Path(getattr(module, "__file__", None) or "/")
        if path.parent.parent == _SUITES and any(v is cause for v in vars(module).values()):
            return path.parent.name
    return None


def _cause(cause: Cause, expected: str, seen: str) -> dict[str, Any]:
    return {
        "id": cause.id,
        "hint": cause.hint,
        "anchor": _phase_anchor(cause.anchor, _suite_of_cause(cause)),
        "expected": expected,
        "seen": seen,
    }


def summarise(error: BaseException) -> dict[str, Any]:
    """A failure as the grader reports it: expected / seen, the step's hint, the cause."""
    summary: dict[str, Any] = {"outcome": "failed"}
    where = loader.where_in_target(error.__traceback__)
    if isinstance(error, CheckFailed):
        summary.update(expected=error.expected, seen=error.seen, hint=error.hint)
        summary.update(anchor=_phase_anchor(error.anchor, _suite_of_frame(error.__traceback__)))
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
