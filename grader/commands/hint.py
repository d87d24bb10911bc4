"""`grade hint phase-N [CHECK]`: hints for a failing check, one more step per call.

Step 1 is the hint of the step that failed (what the grader printed); the next calls reveal the
check's further steps from the catalogue, each a little more concrete, never the solution's code.
The hints come from the last grading run, or from a fresh one when the exercise changed since.
A check the phase keeps from an earlier phase has hints like any other: name it by its id in the
results (`phase-4:one_error_shape`), or let the first failing check be picked.
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
class Graded:
    """A check as `grade phase-N` reports it: one of the phase's own, or one it keeps."""

    key: str  # `one_error_shape`, or `phase-4:one_error_shape` for a kept check
    check: Check
    kept_from: int | None = None

    @property
    def title(self) -> str:
        if self.kept_from is None:
            return self.check.name
        return f"{self.check.name} (still holds from Phase {self.kept_from})"


def graded_checks(phase: Phase) -> list[Graded]:
    own = [Graded(check.id, check) for check in phase.checks]
    return own + [Graded(kept.key, kept.check, kept.phase) for kept in phase.keeps]


@dataclass(frozen=True)
class Hint:
    check: Graded
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


def _pick(phase: Phase, record: progress.PhaseRecord, wanted: str | None) -> Graded | None:
    checks = graded_checks(phase)
    if wanted is None:
        return next((c for c in checks if not _passed(record, c)), None)
    for number, check in enumerate(checks, start=1):
        if wanted in (check.key, str(number)):
            return check
    # A kept check's bare id finds it too, when the phase has no check of that id itself.
    for check in checks:
        if wanted == check.check.id:
            return check
    known = ", ".join(c.key for c in checks)
    raise UsageProblem(f"{phase.key} has no check '{wanted}'. Its checks: {known}.")


def _passed(record: progress.PhaseRecord, check: Graded) -> bool:
    entry = record.checks.get(check.key)
    return entry is not None and entry.passed


def next_hint(course: Course, phase: Phase, wanted: str | None) -> Hint | Graded | None:
    """The hint to show now (and remember that it was shown); the check itself if it passes;
    None when every check passes."""
    record = _fresh_record(course, phase)
    check = _pick(phase, record, wanted)
    if check is None:
        return None
    entry = record.checks.get(check.key)
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
    steps = (entry.hint or check.check.hint, *check.check.steps)
    shown = min(record.hints_shown.get(check.key, 0) + 1, len(steps))
    progress.note_hint_shown(course.root, course, phase, check.key, shown)
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
        console.print(f"“{found.title}” passes already.", soft_wrap=True)
        return EXIT_PASSED
    total = len(found.steps)
    console.print(Text(f"{phase.key}: {found.check.title}", style="bold"), soft_wrap=True)
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


def _as_data(phase: Phase, found: Hint | Graded | None) -> dict[str, object]:
    if found is None:
        return {"phase": phase.key, "all_passed": True}
    if not isinstance(found, Hint):
        return {"phase": phase.key, "check": found.key, "passed": True}
    return {
        "phase": phase.key,
        "check": found.check.key,
        "kept_from": found.check.kept_from,
        "passed": False,
        "expected": found.expected,
        "seen": found.seen,
        "blocked": found.blocked,
        "hints": list(found.steps[: found.shown]),
        "steps": len(found.steps),
        "docs_url": found.docs_url,
    }
