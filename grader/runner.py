"""Run a phase's hidden suite in a separate pytest process and turn its events into results.

The checks run against a temporary copy of the graded folder, in a process with limits and a
process group of its own (see `sandbox`). A phase's run also holds the checks it keeps from
earlier phases (`[phase.keeps]` in the catalogue): the earlier suites' test functions, collected
in the same process and run in the graded phase's setting (see `grader.pytest_plugin`); and, with
`extra`, an instructor's own checks for the phase (see `grader.extra`), run in the same setting.

With `jobs` above 1, the checks are split between that many such processes, running at once,
balanced by how long each check took on the reference solutions (`suites/durations.json`);
checks that share what their module holds (`shares` in the catalogue: Phase 9's runs of the
learner's tests) stay in one process. Each process is isolated as one would be, and a cause is
still reported once, whichever processes its checks ran in.

The process writes an event per check as it goes; if it dies (a check that could not be
stopped, `os._exit()`, a crash), the checks it finished keep their results, the one it was
running is reported, and the rest run again in a new process.
"""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader import causes
from grader.catalogue import Check, Course, Phase
from grader.causes import Cause
from grader.limits import (
    DEPRECATION_WARNINGS,
    FILE_MIB,
    GRACE_SECONDS,
    HUNG_EXIT,
    LEARNER_EXIT_CPU,
    MEMORY_MIB,
    OPEN_FILES,
)
from grader.results import CauseResult, CheckResult, Outcome, PhaseResult
from grader.sandbox import (
    Cancelled,
    SubmissionProblem,
    checker,
    copy_submission,
    end_run,
    wait,
)

if TYPE_CHECKING:
    from grader.extra import ExtraCheck, ExtraSuite

SUITES = Path(__file__).parent / "suites"
# How much of the pytest process' own output is kept to explain a run that went wrong.
OUTPUT_TAIL = 4000
# Seconds for pytest to start and finish, on top of the checks' own limits.
STARTUP_ALLOWANCE = 30.0
# Seconds past a check's limit and grace after which the grader itself ends its process.
_PARENT_MARGIN = 1.0
# pytest plugins the hidden suites never use: not loading them makes every run start faster.
_UNUSED_PLUGINS = (
    "cacheprovider",
    "doctest",
    "junitxml",
    "pastebin",
    "stepwise",
    "setuponly",
    "setupplan",
    "faulthandler",
    "legacypath",
)

__all__ = ["Cancelled", "grade"]


@dataclass(frozen=True)
class Options:
    """How one grading run behaves."""

    timeout: float
    verbose: bool = False
    memory_mib: int = MEMORY_MIB
    file_mib: int = FILE_MIB
    open_files: int = OPEN_FILES
    # Run the checks in an empty network namespace of their own (see `grader.netns`).
    own_network: bool = False


@dataclass(frozen=True)
class Planned:
    """One check of a run: one of the phase's own, or one it keeps from an earlier phase."""

    home: Phase  # the phase whose hidden suite holds the check's test function
    check: Check
    key: str  # its id in the results: `error_shape`, or `phase-4:error_shape` when kept
    kept: bool
    # An instructor's check (`--extra-checks`), with its test's node id; None for the course's.
    held: ExtraCheck | None = None
    held_node: str = ""

    @property
    def nodeid(self) -> str:
        return self.held_node or nodeid(self.home, self.check)


def nodeid(home: Phase, check: Check) -> str:
    """The test's pytest node id, relative to the suites' folder."""
    return f"{home.suite}/test_{home.suite}.py::{check.test_name}"


def plan(course: Course, phase: Phase, extra: ExtraSuite | None = None) -> list[Planned]:
    """What grading `phase` runs: its own checks, then the earlier ones it keeps, then the
    instructor's (`extra`)."""
    planned = [Planned(phase, check, check.id, kept=False) for check in phase.checks]
    for kept in phase.keeps:
        home = course.find(str(kept.phase))
        assert home is not None, f"the catalogue resolved {kept.key}"
        planned.append(Planned(home, kept.check, kept.key, kept=True))
    if extra is not None:
        for held in extra.checks:
            node = extra.nodeid(held)
            planned.append(Planned(phase, held.check, held.check.id, False, held, node))
    return planned


def check_timeout(course: Course, phase: Phase, timeout: float | None = None) -> float:
    """Seconds per check: `timeout` when given, else the longest that the phase, or a phase it
    keeps checks of, gives."""
    if timeout is not None:
        return timeout
    homes = [phase, *(course.find(str(number)) for number in {k.phase for k in phase.keeps})]
    return max(p.check_timeout or course.check_timeout for p in homes if p is not None)


@dataclass
class RunOutcome:
    """What one pytest process left behind."""

    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    started: list[str] = field(default_factory=list)
    ended: dict[str, Any] | None = None
    hung: dict[str, Any] | None = None
    collect_error: str = ""
    returncode: int | None = None
    fatal: str = ""
    output_tail: str = ""

    @property
    def running(self) -> str | None:
        """The check that was running when the process ended, if one was."""
        unfinished = [nodeid for nodeid in self.started if nodeid not in self.results]
        return unfinished[-1] if unfinished else None


@functools.cache
def _site_base(course: Course) -> str:
    """Where the lessons are read: COURSE_SITE_URL, else the address `grade serve` serves the
    course at while it runs, else the catalogue's `site_url`."""
    from grader.serve.address import served_url

    return os.environ.get("COURSE_SITE_URL") or served_url(course.root) or course.site_url


def docs_url(course: Course, phase: Phase, anchor: str | None) -> str:
    """The link for `anchor`: a heading id on `phase`'s page, or `phase-N#id` on another's (or
    a full URL, which an instructor's check may give)."""
    if anchor and re.match(r"https?://", anchor):
        return anchor
    base = _site_base(course).rstrip("/") + "/"
    page = phase
    if anchor and "#" in anchor:
        other, anchor = anchor.split("#", 1)
        page = course.find(other) or phase
    return f"{base}{page.page_url}" + (f"#{anchor}" if anchor else "")


def _pytest_args(
    phase: Phase,
    earlier: list[Phase],
    target: Path,
    scratch: Path,
    options: Options,
    cpu: int,
    wanted: tuple[str, ...],
    extra: ExtraSuite | None = None,
) -> list[str]:
    """The arguments of one pytest run of `phase`'s suite, of the `earlier` suites it keeps
    checks of, and of the instructor's `extra` suite (see `grader.checker`)."""
    held = [str(extra.folder)] if extra is not None else []
    command = [
        str(SUITES / phase.suite),
        *(str(SUITES / home.suite) for home in earlier),
        *held,
        *(flag for folder in held for flag in ("--grade-extra", folder)),
        "--grade-suite",
        phase.suite,
        "-c",
        str(SUITES / "pytest.ini"),
        "--rootdir",
        str(SUITES),
        "-p",
        "grader.pytest_plugin",
        *(flag for name in _UNUSED_PLUGINS for flag in ("-p", f"no:{name}")),
        "-q",
        "--tb=short",
        "--assert=plain",
        "--no-header",
        *(flag for name in DEPRECATION_WARNINGS for flag in ("-W", f"error::{name}")),
        "--grade-target",
        str(target),
        "--grade-timeout",
        str(options.timeout),
        "--grade-events",
        str(scratch / "events.jsonl"),
        "--grade-fatal",
        str(scratch / "fatal.txt"),
        "--grade-memory-mib",
        str(options.memory_mib),
        "--grade-cpu-seconds",
        str(cpu),
        "--grade-file-mib",
        str(options.file_mib),
        "--grade-open-files",
        str(options.open_files),
    ]
    if options.verbose:
        command.append("--grade-verbose")
    for nodeid in wanted:
        command += ["--grade-only", nodeid]
    return command


class _Events:
    """Reads the events file as the checks' process writes it."""

    def __init__(self, path: Path, outcome: RunOutcome) -> None:
        self.path = path
        self.outcome = outcome
        self.offset = 0
        self.partial = b""
        # When the running check started (monotonic), and whether it is importing right now.
        self.since = time.monotonic()
        self.importing = False

    def read(self) -> None:
        try:
            with self.path.open("rb") as stream:
                stream.seek(self.offset)
                data = stream.read()
        except OSError:
            return
        self.offset += len(data)
        *lines, self.partial = (self.partial + data).split(b"\n")
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            self._take(event)

    def _take(self, event: dict[str, Any]) -> None:
        outcome = self.outcome
        kind = event.get("event")
        if kind == "start":
            outcome.started.append(event["nodeid"])
            self.since = time.monotonic()
            self.importing = False
        elif kind == "import":
            self.importing = bool(event.get("active"))
        elif kind == "result":
            outcome.results[event["nodeid"]] = event
        elif kind == "exit":
            outcome.ended = event
        elif kind == "hung":
            outcome.hung = event
        elif kind == "collect-error":
            outcome.collect_error = event.get("text", "")

    def overdue(self, limit: float) -> bool:
        """Whether the running check has gone past `limit` seconds (its process ignored its own
        watchdog: a thread that never lets go of the interpreter, say)."""
        self.read()
        running = self.outcome.running
        if running is None or time.monotonic() - self.since < limit:
            return False
        self.outcome.hung = {"nodeid": running, "seconds": limit, "importing": self.importing}
        return True


def _run_once(
    phase: Phase,
    target: Path,
    options: Options,
    checks: list[Planned],
    cancel: threading.Event | None,
    extra: ExtraSuite | None,
) -> RunOutcome:
    # Every suite the checks come from (the phase's own always: its fixtures set the scene for
    # the kept checks); the checker runs the planned checks and deselects every other test.
    earlier = sorted({c.home for c in checks if c.home != phase}, key=lambda home: home.number)
    wall = len(checks) * (options.timeout + GRACE_SECONDS) + STARTUP_ALLOWANCE
    process = checker(options.own_network)
    try:
        scratch = process.scratch
        wanted = tuple(check.nodeid for check in checks)
        held = extra if any(check.held for check in checks) else None
        cpu = int(wall) + 5
        args = _pytest_args(phase, earlier, target, scratch, options, cpu, wanted, held)
        process.go(args)
        outcome = RunOutcome()
        events = _Events(scratch / "events.jsonl", outcome)
        limit = options.timeout + GRACE_SECONDS + _PARENT_MARGIN
        try:
            outcome.returncode = wait(process.process, wall, cancel, lambda: events.overdue(limit))
        finally:
            end_run(process.process, process.run_id)
        events.read()
        fatal = scratch / "fatal.txt"
        outcome.fatal = fatal.read_text(errors="replace") if fatal.exists() else ""
        with process.output.open("rb") as sink:
            sink.seek(max(0, process.output.stat().st_size - OUTPUT_TAIL))
            outcome.output_tail = sink.read().decode("utf-8", "replace")
        return outcome
    finally:
        process.end()


def _node(nodeid: str) -> str:
    """A reported node id, without parameters: the key of a check's result."""
    return nodeid.split("[", 1)[0]


def _where_in_dump(dump: str, target: Path) -> str:
    """` (bookapi/x.py, line 3)` from a faulthandler dump: the innermost frame in `target`."""
    for match in re.finditer(r'File "([^"]+)", line (\d+)', dump):
        path = Path(match.group(1))
        if path.is_relative_to(target):
            return f" ({path.relative_to(target)}, line {match.group(2)})"
    return ""


def _how_it_ended(outcome: RunOutcome, copy: Path) -> tuple[str, bool]:
    """What ended the process, in words, and whether it happened while importing learner code."""
    if outcome.ended is not None and outcome.ended.get("reason") == "os._exit":
        where = outcome.ended.get("where", "")
        status = outcome.ended.get("status")
        return f"your code called `os._exit({status})`{where}", bool(outcome.ended.get("importing"))
    importing = "importlib._bootstrap" in outcome.fatal
    where = _where_in_dump(outcome.fatal, copy)
    code = outcome.returncode
    if code == LEARNER_EXIT_CPU or code == -signal.SIGXCPU:
        return "your code used up the CPU time allowed for grading", importing
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals.__members__.values() else ""
        what = {
            "SIGSEGV": "crashed (a segmentation fault: often unbounded recursion)",
            "SIGABRT": "aborted",
            "SIGKILL": "was killed from outside (out of memory?)",
        }.get(name, f"was ended by the signal {name or -code}")
        return f"the process {what}{where}", importing
    return f"the process ended with exit status {code}{where}", importing


def _block_all(
    tally: _Tally, checks: list[Planned], failure: dict[str, Any], cause: Cause, expected: str
) -> None:
    shared = {**cause.as_dict(), "expected": expected, "seen": failure["seen"]}
    for check in checks:
        tally.results[check.nodeid] = {**failure, "cause": shared}


@dataclass
class _Tally:
    """Results gathered over one or more pytest processes."""

    # By node id (`phase_04/test_phase_04.py::test_x`): two suites may share a test's name.
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    notice: str = ""


def _collect(
    phase: Phase,
    planned: list[Planned],
    copy: Path,
    options: Options,
    cancel: threading.Event | None,
    extra: ExtraSuite | None = None,
) -> _Tally:
    tally = _Tally()
    remaining = list(planned)
    for _attempt in range(len(planned) + 1):
        if not remaining:
            break
        outcome = _run_once(phase, copy, options, remaining, cancel, extra)
        for node, event in outcome.results.items():
            tally.results[_node(node)] = event
        remaining = [c for c in remaining if c.nodeid not in tally.results]
        if not remaining:
            break
        if outcome.collect_error:
            tally.notice = "The hidden suite could not be loaded: " + outcome.collect_error
            break
        lost = outcome.running
        if lost is None:
            if outcome.returncode not in (0, 1):
                tally.notice = _explain_lost_run(outcome)
            break
        if outcome.hung is not None:
            seconds = options.timeout
            where = outcome.hung.get("where", "")
            failure = {
                "outcome": "timed out",
                "seen": f"still running after {seconds:g} s, and it could not be stopped{where}",
            }
            if outcome.hung.get("importing"):
                # Every later import would hang the same way: one cause for all the rest.
                _block_all(
                    tally,
                    remaining,
                    failure,
                    causes.IMPORT_HANGS,
                    "importing the app to finish at once",
                )
                break
            tally.results[_node(lost)] = failure
        elif outcome.returncode is None:
            tally.results[_node(lost)] = {
                "outcome": "timed out",
                "seen": "the grading process ran past its overall time limit and was stopped",
            }
        else:
            what, importing = _how_it_ended(outcome, copy)
            failure = {
                "outcome": "failed",
                "expected": "the code to leave the grading process running",
                "seen": what,
                "hint": causes.PROCESS_ENDED.hint,
            }
            if importing:
                # Every later import would end the process the same way: one cause for all.
                _block_all(
                    tally,
                    remaining,
                    failure,
                    causes.PROCESS_ENDED,
                    "importing the app to leave the process running",
                )
                break
            tally.results[_node(lost)] = failure
        remaining = [c for c in remaining if c.nodeid not in tally.results]
    return tally


# How long each check took on the reference solutions (`python scripts/check_durations.py`
# writes it): what balances the processes when a phase's checks are split between them.
DURATIONS = SUITES / "durations.json"
# The weight of a check the file does not list (a new one, an instructor's).
_UNKNOWN_SECONDS = 0.2


@functools.cache
def _durations() -> dict[str, dict[str, float]]:
    try:
        data = json.loads(DURATIONS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def shards(phase: Phase, planned: list[Planned], jobs: int) -> list[list[Planned]]:
    """`planned` split into at most `jobs` groups that should take about as long: checks that
    share state (`shares` in the catalogue) stay together, and the longest units go first, each
    to the group with the least to do so far (by the recorded durations)."""
    seconds = _durations().get(phase.key, {})
    units: dict[str, list[Planned]] = {}
    for check in planned:
        together = f"{check.home.suite}:{check.check.shares}" if check.check.shares else ""
        units.setdefault(together or check.nodeid, []).append(check)

    def weight(unit: list[Planned]) -> float:
        return sum(float(seconds.get(check.key, _UNKNOWN_SECONDS)) for check in unit)

    groups: list[tuple[list[float], list[Planned]]] = [
        ([0.0], []) for _ in range(max(1, min(jobs, len(units))))
    ]
    for unit in sorted(units.values(), key=weight, reverse=True):
        load, members = min(groups, key=lambda group: group[0][0])
        load[0] += weight(unit)
        members.extend(unit)
    order = {check.nodeid: n for n, check in enumerate(planned)}
    return [sorted(members, key=lambda c: order[c.nodeid]) for _, members in groups if members]


def _collect_shards(
    phase: Phase,
    groups: list[list[Planned]],
    copy: Path,
    options: Options,
    cancel: threading.Event | None,
    extra: ExtraSuite | None,
) -> _Tally:
    """`_collect` for each group, in a thread each (each runs its own process), merged."""
    if len(groups) == 1:
        return _collect(phase, groups[0], copy, options, cancel, extra)
    from concurrent.futures import ThreadPoolExecutor

    # Stops every group's process when this thread is interrupted (Ctrl-C) or one group fails.
    stop = cancel or threading.Event()
    with ThreadPoolExecutor(max_workers=len(groups), thread_name_prefix="grade-shard") as pool:
        futures = [
            pool.submit(_collect, phase, group, copy, options, stop, extra) for group in groups
        ]
        try:
            tallies = [future.result() for future in futures]
        except BaseException:
            stop.set()
            raise
    merged = _Tally()
    for tally in tallies:
        merged.results.update(tally.results)
        if tally.notice and tally.notice not in merged.notice:
            merged.notice = f"{merged.notice} {tally.notice}".strip()
    return merged


def _check_result(course: Course, planned: Planned, event: dict[str, Any] | None) -> CheckResult:
    # A kept check's anchors (the catalogue's and its steps') are headings on its own phase's
    # page: the link goes back to where the rule was taught.
    check, phase = planned.check, planned.home
    base = CheckResult(
        id=planned.key,
        name=check.name,
        outcome=Outcome.NOT_RUN,
        hint=check.hint,
        docs_url=docs_url(course, phase, check.anchor),
        kept_from=phase.number if planned.kept else None,
        held=planned.held is not None,
        visibility=planned.held.visibility if planned.held is not None else "visible",
    )
    if event is None:
        return replace(base, expected=check.name, seen="this check did not run")
    seconds = float(event.get("seconds", 0.0))
    outcome = Outcome(event.get("outcome", "failed"))
    if outcome is Outcome.PASSED:
        return replace(base, outcome=outcome, seconds=seconds, hint="", docs_url=base.docs_url)
    anchor = event.get("anchor")
    return replace(
        base,
        outcome=outcome,
        expected=event.get("expected") or check.name,
        seen=event.get("seen") or "the check failed without saying why",
        hint=event.get("hint") or check.hint,
        docs_url=docs_url(course, phase, anchor) if anchor else base.docs_url,
        seconds=seconds,
        output=event.get("output", ""),
    )


def _with_causes(
    course: Course,
    planned: list[Planned],
    checks: list[CheckResult],
    events: dict[str, dict[str, Any]],
) -> tuple[list[CheckResult], list[CauseResult]]:
    """Group failures by their shared cause: one CauseResult each, and `blocked_by` on checks.
    A cause is reported once, whether it failed the phase's own checks or kept ones."""
    found: dict[str, CauseResult] = {}
    grouped: list[CheckResult] = []
    for plan_of, check in zip(planned, checks, strict=True):
        cause = (events.get(plan_of.nodeid) or {}).get("cause")
        if check.passed or not cause:
            grouped.append(check)
            continue
        known = found.get(cause["id"])
        url = docs_url(course, plan_of.home, cause.get("anchor"))
        if known is None:
            found[cause["id"]] = CauseResult(
                id=cause["id"],
                expected=cause.get("expected", ""),
                seen=cause.get("seen", ""),
                hint=cause["hint"],
                docs_url=url,
                checks=(check.id,),
            )
        else:
            found[cause["id"]] = replace(known, checks=(*known.checks, check.id))
        grouped.append(replace(check, blocked_by=cause["id"], hint=cause["hint"], docs_url=url))
    return grouped, list(found.values())


def grade(
    course: Course,
    phase: Phase,
    target: Path,
    timeout: float | None = None,
    *,
    verbose: bool = False,
    cancel: threading.Event | None = None,
    extra: ExtraSuite | None = None,
    own_network: bool = False,
    jobs: int = 1,
) -> PhaseResult:
    """Run every check of `phase`, those it keeps from earlier phases, and the instructor's
    `extra` checks for it, against the Book API in `target` (which is never written).

    With `own_network`, the checks run in an empty network namespace (only loopback): the
    caller has made sure this machine allows it (`grader.netns.available()`). With `jobs` above
    1, the checks run in up to that many processes at once (see `shards`)."""
    planned = plan(course, phase, extra)
    options = Options(
        timeout=check_timeout(course, phase, timeout),
        verbose=verbose,
        memory_mib=course.memory_mib or MEMORY_MIB,
        own_network=own_network,
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="grade-copy-") as scratch:
        try:
            copy = copy_submission(target, Path(scratch))
        except SubmissionProblem as problem:
            tally = _Tally(notice=str(problem))
        else:
            tally = _collect_shards(
                phase, shards(phase, planned, jobs), copy.resolve(), options, cancel, extra
            )
    checks = [_check_result(course, c, tally.results.get(c.nodeid)) for c in planned]
    checks, causes = _with_causes(course, planned, checks, tally.results)
    return PhaseResult(
        phase=phase.number,
        key=phase.key,
        title=phase.title,
        target=str(target),
        checks=tuple(checks),
        seconds=time.perf_counter() - started,
        notice=tally.notice,
        causes=tuple(causes),
    )


def _explain_lost_run(outcome: RunOutcome) -> str:
    if outcome.returncode is None:
        return "The grading process ran past its overall time limit and was stopped."
    if outcome.returncode == HUNG_EXIT:
        return "A check could not be stopped after its time limit."
    tail = outcome.output_tail.strip().splitlines()[-3:]
    detail = f" Its last words were: {' / '.join(tail)}" if tail else ""
    return (
        f"The grading process ended early (exit status {outcome.returncode}) before any check "
        f"ran.{detail}"
    )
