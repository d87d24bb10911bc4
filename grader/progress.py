"""The learner's progress: a small JSON file in the course folder.

- Keyed by check id, so a course update that adds or renames checks keeps what still applies.
  A phase's kept checks (earlier phases' rules it still holds) are keyed `phase-4:error_shape`,
  and count towards the phase like its own.
- Written atomically (a temporary file swapped in), under a lock, so neither Ctrl-C nor two
  `grade` runs at once can leave half a file or lose the other run's result.
- A file that cannot be read is moved aside (and the learner told where), never trusted or lost.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from grader import atomic
from grader.catalogue import Course, Phase
from grader.results import PhaseResult

PROGRESS_FILE = ".grade-progress.json"
LOCK_FILE = PROGRESS_FILE + ".lock"
VERSION = 2


class Status(StrEnum):
    DONE = "done"
    PARTIAL = "partial"
    NOT_STARTED = "not started"
    PLANNED = "coming soon"


@dataclass(frozen=True)
class CheckRecord:
    """A check's last result (and, when it failed, what the learner was told)."""

    passed: bool
    expected: str = ""
    seen: str = ""
    hint: str = ""
    docs_url: str = ""
    blocked_by: str = ""


@dataclass(frozen=True)
class PhaseRecord:
    graded_at: str
    checks: dict[str, CheckRecord] = field(default_factory=dict)
    # Causes that blocked checks in the last run, by id: {"expected", "seen", "hint", "docs_url"}.
    causes: dict[str, dict[str, str]] = field(default_factory=dict)
    # How many of a check's hint steps `grade hint` has shown, by check id.
    hints_shown: dict[str, int] = field(default_factory=dict)

    def passed(self, phase: Phase) -> int:
        """How many of the catalogue's current checks (kept ones included) passed last time."""
        return sum(
            1 for key in phase.check_keys if (r := self.checks.get(key)) is not None and r.passed
        )


@dataclass
class Progress:
    phases: dict[str, PhaseRecord] = field(default_factory=dict)
    # Where an unreadable file was moved to while loading, for the caller to mention.
    set_aside: Path | None = None

    def status(self, phase: Phase) -> Status:
        if not phase.ready:
            return Status.PLANNED
        record = self.phases.get(phase.key)
        if record is None or not record.checks:
            return Status.NOT_STARTED
        return Status.DONE if record.passed(phase) == len(phase.check_keys) else Status.PARTIAL

    def score(self, phase: Phase) -> tuple[int, int]:
        record = self.phases.get(phase.key)
        return (record.passed(phase) if record else 0), len(phase.check_keys)

    def next_phase(self, course: Course) -> Phase | None:
        """The first ready phase that is not done."""
        return next((p for p in course.ready_phases if self.status(p) is not Status.DONE), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "phases": {k: asdict(v) for k, v in sorted(self.phases.items())},
        }


def path_of(root: Path) -> Path:
    return root / PROGRESS_FILE


def _record(data: dict[str, Any]) -> PhaseRecord:
    return PhaseRecord(
        graded_at=str(data["graded_at"]),
        checks={k: CheckRecord(**v) for k, v in data.get("checks", {}).items()},
        causes={k: dict(v) for k, v in data.get("causes", {}).items()},
        hints_shown={k: int(v) for k, v in data.get("hints_shown", {}).items()},
    )


def _from_version_1(data: dict[str, Any], course: Course | None) -> dict[str, PhaseRecord]:
    """Version 1 kept scores, not check ids: a phase fully passed then is kept as passed (its
    own checks: the earlier rules it keeps were not graded then, and count once it is again)."""
    phases: dict[str, PhaseRecord] = {}
    for key, entry in data.items():
        phase = course.find(key) if course else None
        if phase is None:
            continue
        complete = entry["best"] == entry["total"] == len(phase.checks)
        checks = {c.id: CheckRecord(passed=True) for c in phase.checks} if complete else {}
        phases[phase.key] = PhaseRecord(graded_at=str(entry["graded_at"]), checks=checks)
    return phases


def load(root: Path, course: Course | None = None) -> Progress:
    """The progress saved in the course folder `root`; an unreadable file is set aside."""
    path = path_of(root)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["version"] == 1:
            return Progress(_from_version_1(data["phases"], course))
        if data["version"] != VERSION:
            raise ValueError(f"unknown progress format {data['version']!r}")
        return Progress({key: _record(entry) for key, entry in data["phases"].items()})
    except FileNotFoundError:
        return Progress()
    except (ValueError, KeyError, TypeError, AttributeError):
        aside = path.with_name(PROGRESS_FILE + ".unreadable")
        with contextlib.suppress(OSError):
            path.replace(aside)
            return Progress(set_aside=aside)
        return Progress()


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    with (root / LOCK_FILE).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def update(root: Path, course: Course | None, change: Callable[[Progress], None]) -> Progress:
    """Load, change and save the progress as one step that no other `grade` run interleaves."""
    with _locked(root):
        progress = load(root, course)
        change(progress)
        atomic.write_text(path_of(root), json.dumps(progress.to_json(), indent=2, sort_keys=True))
        return progress


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def record(root: Path, result: PhaseResult, course: Course | None = None) -> Progress:
    """Save a graded run of the learner's exercise."""

    def change(progress: Progress) -> None:
        before = progress.phases.get(result.key)
        shown = dict(before.hints_shown) if before else {}
        checks: dict[str, CheckRecord] = {}
        for check in result.checks:
            checks[check.id] = CheckRecord(
                passed=check.passed,
                expected=check.expected,
                seen=check.seen,
                hint=check.hint,
                docs_url=check.docs_url,
                blocked_by=check.blocked_by,
            )
            if check.passed:
                shown.pop(check.id, None)
        causes = {
            cause.id: {
                "expected": cause.expected,
                "seen": cause.seen,
                "hint": cause.hint,
                "docs_url": cause.docs_url,
            }
            for cause in result.causes
        }
        progress.phases[result.key] = PhaseRecord(_now(), checks, causes, shown)

    return update(root, course, change)


def note_hint_shown(root: Path, course: Course, phase: Phase, check_id: str, steps: int) -> None:
    """Remember that `grade hint` has shown `steps` of a check's hints."""

    def change(progress: Progress) -> None:
        record = progress.phases.get(phase.key) or PhaseRecord(graded_at=_now())
        progress.phases[phase.key] = PhaseRecord(
            record.graded_at, record.checks, record.causes, {**record.hints_shown, check_id: steps}
        )

    update(root, course, change)
