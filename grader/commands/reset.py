"""`grade reset phase-N`: put the untouched stub back, keeping the learner's files in a backup."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from grader import stubs
from grader.catalogue import Course, Phase
from grader.commands import common
from grader.errors import EXIT_PASSED, UsageProblem

BACKUPS = ".grade-backups"


def _confirm(course: Course, exercise: Path) -> bool:
    import typer

    if not sys.stdin.isatty():
        raise UsageProblem(
            "grade reset asks before it replaces your files: add --yes to reset without asking."
        )
    shown = exercise.relative_to(course.root)
    return typer.confirm(
        f"Replace {shown}/ with the untouched stub? Your files are saved to a backup first",
        default=False,
    )


def backup_folder(course: Course, phase: Phase) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = course.root / BACKUPS / f"{phase.key}-{stamp}"
    serial = 1
    while folder.exists():
        serial += 1
        folder = course.root / BACKUPS / f"{phase.key}-{stamp}-{serial}"
    return folder


def reset(course: Course, phase: Phase) -> Path | None:
    """Move the exercise folder into a backup and write the stub in its place.

    Returns the backup folder (None when there was no exercise folder to keep).
    """
    assert phase.exercise is not None
    exercise = course.root / phase.exercise
    backup = None
    if exercise.exists():
        backup = backup_folder(course, phase)
        backup.parent.mkdir(parents=True, exist_ok=True)
        exercise.rename(backup)  # one step: the learner's files are never half-moved
    try:
        stubs.restore(phase, exercise)
    except BaseException:
        if backup is not None and not exercise.exists():
            backup.rename(exercise)
        raise
    return backup


def run(spec: str, yes: bool) -> int:
    course = common.course()
    phase = common.phase(course, spec)
    assert phase.exercise is not None
    exercise = course.root / phase.exercise
    if not stubs.archive_of(phase).is_file():
        raise UsageProblem(
            f"The grader has no stub for {phase.key} (run `python -m grader.stubs`"
            " in the course folder to make it)."
        )
    if not yes and not _confirm(course, exercise):
        print("Nothing changed.")
        return EXIT_PASSED
    backup = reset(course, phase)
    print(f"Restored the untouched stub in {phase.exercise}/.")
    if backup is not None:
        print(f"Your files are in {backup.relative_to(course.root)}/.")
    return EXIT_PASSED
