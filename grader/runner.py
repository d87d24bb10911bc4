"""Run a phase's hidden suite in a separate pytest process and read its JSON report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.catalogue import Check, Course, Phase
from grader.limits import DEPRECATION_WARNINGS, GRACE_SECONDS, HUNG_EXIT
from grader.results import CheckResult, Outcome, PhaseResult

SUITES = Path(__file__).parent / "suites"
# How much of the pytest process' own output is kept to explain a run that went wrong.
OUTPUT_TAIL = 4000
# Seconds for pytest to start and finish, on top of the checks' own limits.
STARTUP_ALLOWANCE = 30.0


@dataclass(frozen=True)
class RunOutcome:
    """What one pytest process left behind."""

    report: dict[str, Any] | None
    hung: dict[str, Any] | None
    returncode: int | None
    output_tail: str


def docs_url(course: Course, phase: Phase, check: Check) -> str:
    base = os.environ.get("COURSE_SITE_URL", course.site_url).rstrip("/") + "/"
    return f"{base}{phase.page_url}#{check.anchor}"


def _pytest_command(
    phase: Phase, target: Path, timeout: float, report: Path, crash: Path, skip: set[str]
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(SUITES / phase.suite),
        "-c",
        str(SUITES / "pytest.ini"),
        "--rootdir",
        str(SUITES),
        "-p",
        "grader.pytest_plugin",
        "-p",
        "pytest_jsonreport.plugin",
        "-p",
        "no:cacheprovider",
        "-q",
        "--tb=line",
        "--no-header",
        *(flag for name in DEPRECATION_WARNINGS for flag in ("-W", f"error::{name}")),
        "--grade-target",
        str(target),
        "--grade-timeout",
        str(timeout),
        "--grade-crash-file",
        str(crash),
        "--json-report",
        "--json-report-file",
        str(report),
        "--json-report-omit",
        "streams",
        "log",
        "keywords",
        "warnings",
    ]
    for nodeid in sorted(skip):
        command += ["--deselect", nodeid]
    return command


def _run_once(phase: Phase, target: Path, timeout: float, skip: set[str]) -> RunOutcome:
    with tempfile.TemporaryDirectory(prefix="grade-") as scratch:
        report = Path(scratch) / "report.json"
        crash = Path(scratch) / "hung.json"
        output = Path(scratch) / "output.txt"
        env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        limit = len(phase.checks) * (timeout + GRACE_SECONDS) + STARTUP_ALLOWANCE
        with output.open("wb") as sink:
            process = subprocess.Popen(
                _pytest_command(phase, target, timeout, report, crash, skip),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                cwd=scratch,
                env=env,
                start_new_session=True,
            )
            try:
                returncode: int | None = process.wait(timeout=limit)
            except subprocess.TimeoutExpired:
                returncode = None
            finally:
                # On a time-out, and on Ctrl-C too: the run lives in a session of its own,
                # so the terminal's interrupt does not reach it.
                if process.poll() is None:
                    process.kill()
                    process.wait()
        with output.open("rb") as sink:
            sink.seek(max(0, output.stat().st_size - OUTPUT_TAIL))
            tail = sink.read().decode("utf-8", "replace")
        return RunOutcome(
            report=json.loads(report.read_text()) if report.exists() else None,
            hung=json.loads(crash.read_text()) if crash.exists() else None,
            returncode=returncode,
            output_tail=tail,
        )


def _test_name(nodeid: str) -> str:
    return nodeid.rsplit("::", 1)[-1].split("[", 1)[0]


def _result(
    course: Course,
    phase: Phase,
    check: Check,
    outcome: Outcome,
    *,
    seen: str = "",
    expected: str | None = None,
    seconds: float = 0.0,
) -> CheckResult:
    """One check's result, with the catalogue's name, hint and link filled in."""
    failed = outcome is not Outcome.PASSED
    return CheckResult(
        id=check.id,
        name=check.name,
        outcome=outcome,
        expected=(expected or check.name) if failed else "",
        seen=seen,
        hint=check.hint,
        docs_url=docs_url(course, phase, check),
        seconds=seconds,
    )


def _result_from_report(
    course: Course, phase: Phase, check: Check, item: dict[str, Any] | None
) -> CheckResult:
    if item is None:
        missing = "the hidden suite has no test for this check"
        return _result(course, phase, check, Outcome.NOT_RUN, seen=missing)
    seconds = sum(item.get(stage, {}).get("duration", 0.0) for stage in ("setup", "call"))
    if item["outcome"] == "passed":
        return _result(course, phase, check, Outcome.PASSED, seconds=seconds)
    meta = item.get("metadata", {})
    return _result(
        course,
        phase,
        check,
        Outcome.TIMED_OUT if meta.get("timed_out") else Outcome.FAILED,
        expected=meta.get("expected"),
        seen=meta.get("seen", "the check failed without saying why"),
        seconds=seconds,
    )


def grade(course: Course, phase: Phase, target: Path, timeout: float | None = None) -> PhaseResult:
    """Run every check of `phase` against the Book API in `target`."""
    limit = course.check_timeout if timeout is None else timeout
    started = time.perf_counter()
    hung: dict[str, CheckResult] = {}
    skip: set[str] = set()
    notice = ""
    outcome = _run_once(phase, target, limit, skip)
    # A check that could not be stopped ends its process: note it, and run the rest again
    # without it, so that one stuck route does not hide what every other check would say.
    while outcome.hung is not None:
        name = _test_name(outcome.hung["nodeid"])
        check = next((c for c in phase.checks if c.test_name == name), None)
        if check is None or check.id in hung:
            break
        hung[check.id] = _result(
            course,
            phase,
            check,
            Outcome.TIMED_OUT,
            seen=f"still running after {limit:g} s, and it could not be stopped",
            seconds=limit,
        )
        skip.add(outcome.hung["nodeid"])
        outcome = _run_once(phase, target, limit, skip)
    items: dict[str, dict[str, Any]] = {}
    if outcome.report is not None:
        for item in outcome.report.get("tests", []):
            items[_test_name(item["nodeid"])] = item
        for collector in outcome.report.get("collectors", []):
            if collector.get("outcome") == "failed":
                notice = "The hidden suite could not be loaded: " + collector.get("longrepr", "")
    else:
        notice = _explain_lost_run(outcome)
    checks: list[CheckResult] = []
    for check in phase.checks:
        if check.id in hung:
            checks.append(hung[check.id])
        elif outcome.report is None:
            seen = "the grading process ended before this check could run"
            checks.append(_result(course, phase, check, Outcome.NOT_RUN, seen=seen))
        else:
            checks.append(_result_from_report(course, phase, check, items.get(check.test_name)))
    return PhaseResult(
        phase=phase.number,
        key=phase.key,
        title=phase.title,
        target=str(target),
        checks=tuple(checks),
        seconds=time.perf_counter() - started,
        notice=notice,
    )


def _explain_lost_run(outcome: RunOutcome) -> str:
    if outcome.returncode is None:
        return "The grading process ran past its overall time limit and was stopped."
    if outcome.returncode == HUNG_EXIT:
        return "A check could not be stopped after its time limit."
    tail = outcome.output_tail.strip().splitlines()[-3:]
    detail = f" Its last words were: {' / '.join(tail)}" if tail else ""
    return (
        f"The grading process ended early (exit status {outcome.returncode}) before writing "
        f"its report: does your code call `sys.exit()` or `os._exit()`?{detail}"
    )
