"""`grade hint phase-N [CHECK]`: hints for a failing check, one more step per call.

Step 1 is the hint of the step that failed (what the grader printed); the next calls reveal the
check's further steps from the catalogue, each a little more concrete, never the solution's code.
The hints come from the last grading run, or from a fresh one when the exercise changed since.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime

from grader import progress, runner
from grader.catalogue import Check, Course, Phase
from grader.commands import common
from grader.errors import EXIT_FAILED, EXIT_PASSED, UsageProblem


@dataclass(frozen=True)
class Hint:
    check: Check
    expected: str
    seen: str
    docs_url: str
    steps: tuple[str, ...]
    shown: int  # how many steps this call shows (1 or more)
    blocked: bool  # the check is blocked by a cause: its hint is the cause's


def _newest_change(course: Course, phase: Phase) -> float:
    assert phase.exercise is not None
    files = (course.root / phase.exercise).rglob("*")
    return max(
        (p.stat().st_mtime for p in files if p.is_file() and "__pycache__" not in p.parts),
        default=0.0,
    )


def _fresh_record(course: Course, phase: Phase) -> progress.PhaseRecord:
    """The last run of this exercise, graded again if a file changed since."""
    record = progress.load(course.root, course).phases.get(phase.key)
    if record is not None and record.checks:
        graded = datetime.fromisoformat(record.graded_at).timestamp()
        if graded >= _newest_change(course, phase):
            return record
    print(f"Grading {phase.key} first…", file=sys.stderr)
    assert phase.exercise is not None
    result = runner.grade(course, phase, course.root / phase.exercise)
    saved = progress.record(course.root, result, course)
    return saved.phases[phase.key]


def _pick(phase: Phase, record: progress.PhaseRecord, wanted: str | None) -> Check | None:
    if wanted is None:
        return next((c for c in phase.checks if not _passed(record, c)), None)
    for number, check in enumerate(phase.checks, start=1):
        if wanted in (check.id, str(number)):
            return check
    known = ", ".join(c.id for c in phase.checks)
    raise UsageProblem(f"{phase.key} has no check '{wanted}'. Its checks: {known}.")


def _passed(record: progress.PhaseRecord, check: Check) -> bool:
    entry = record.checks.get(check.id)
    return entry is not None and entry.passed


def next_hint(course: Course, phase: Phase, wanted: str | None) -> Hint | Check | None:
    """The hint to show now (and remember that it was shown); the check itself if it passes;
    None when every check passes."""
    record = _fresh_record(course, phase)
    check = _pick(phase, record, wanted)
    if check is None:
        return None
    entry = record.checks.get(check.id)
    if entry is None or entry.passed:
        return check
    cause = record.causes.get(entry.blocked_by) if entry.blocked_by else None
    if cause is not None:
        return Hint(
            check,
            cause["expected"],
            cause["seen"],
            cause["docs_url"],
            (cause["hint"],),
            1,
            blocked=True,
        )
    steps = (entry.hint or check.hint, *check.steps)
    shown = min(record.hints_shown.get(check.id, 0) + 1, len(steps))
    progress.note_hint_shown(course.root, course, phase, check.id, shown)
    return Hint(check, entry.expected, entry.seen, entry.docs_url, steps, shown, blocked=False)


def run(spec: str, check: str | None, as_json: bool) -> int:
    course = common.course()
    phase = common.phase(course, spec)
    found = next_hint(course, phase, check)
    if as_json:
        print(json.dumps(_as_data(phase, found), indent=2))
        return EXIT_PASSED if not isinstance(found, Hint) else EXIT_FAILED
    from rich.text import Text

    from grader.render.console import field, make_console

    console = make_console()
    if found is None:
        console.print(
            f"Every check of {phase.key} passes: no hint needed. {common.next_step(course, phase)}",
            soft_wrap=True,
        )
        return EXIT_PASSED
    if not isinstance(found, Hint):
        console.print(f"“{found.name}” passes already.", soft_wrap=True)
        return EXIT_PASSED
    total = len(found.steps)
    console.print(Text(f"{phase.key}: {found.check.name}", style="bold"), soft_wrap=True)
    field(console, "expected", found.expected)
    field(console, "saw", found.seen)
    console.print()
    if found.blocked:
        console.print("This check is blocked by a problem that fails others too; fix it first:")
        field(console, "hint", found.steps[0])
    else:
        for number in range(found.shown):
            field(console, f"hint {number + 1}/{total}", found.steps[number])
    field(console, "read", found.docs_url, link=True)
    console.print()
    if found.blocked:
        console.print(f"Then run `grade {phase.key}` again.")
    elif found.shown < total:
        console.print(f"Stuck still? `grade hint {phase.key}` again shows the next step.")
    else:
        console.print("That was the last hint: the section linked above has the rest.")
    return EXIT_FAILED


def _as_data(phase: Phase, found: Hint | Check | None) -> dict[str, object]:
    if found is None:
        return {"phase": phase.key, "all_passed": True}
    if not isinstance(found, Hint):
        return {"phase": phase.key, "check": found.id, "passed": True}
    return {
        "phase": phase.key,
        "check": found.check.id,
        "passed": False,
        "expected": found.expected,
        "seen": found.seen,
        "blocked": found.blocked,
        "hints": list(found.steps[: found.shown]),
        "steps": len(found.steps),
        "docs_url": found.docs_url,
    }
