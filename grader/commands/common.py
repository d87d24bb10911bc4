"""What several commands share: finding the course, a phase, and the folder to grade."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from grader.catalogue import (
    CATALOGUE_FILE,
    CatalogueError,
    Course,
    Phase,
    find_course_root,
    installed_course_root,
    load_course,
)
from grader.errors import UsageProblem


def course() -> Course:
    """The course: COURSE_ROOT, else the folder we are in, else the one the grader came from."""
    override = os.environ.get("COURSE_ROOT")
    if override:
        root: Path | None = Path(override)
        if not (Path(override) / CATALOGUE_FILE).is_file():
            raise UsageProblem(
                f"COURSE_ROOT is {override}, but there is no {CATALOGUE_FILE} there."
            )
    else:
        root = find_course_root(Path.cwd()) or installed_course_root()
    if root is None:
        raise UsageProblem(
            f"No course folder found: run `grade` inside your copy of the course (the folder "
            f"with {CATALOGUE_FILE}), or set COURSE_ROOT."
        )
    try:
        return load_course(root.resolve())
    except CatalogueError as error:
        raise UsageProblem(f"The phase catalogue is broken: {error}") from error


def phase(course: Course, spec: str) -> Phase:
    found = course.find(spec)
    if found is None:
        known = ", ".join(p.key for p in course.ready_phases)
        raise UsageProblem(f"There is no phase '{spec}'. Phases you can grade: {known}.")
    if not found.ready or found.exercise is None or found.solution is None:
        raise UsageProblem(f"Phase {found.number} ({found.title}) is not written yet.")
    return found


def folder(course: Course, phase: Phase, *, solution: bool, path: Path | None) -> Path:
    """The folder to grade: `--path`, the solution, or the learner's exercise."""
    if solution and path is not None:
        raise UsageProblem("--solution and --path name two different folders: choose one.")
    if path is not None:
        target = path.expanduser().resolve()
    else:
        relative = phase.solution if solution else phase.exercise
        assert relative is not None
        target = course.root / relative
    if not target.is_dir():
        raise UsageProblem(f"There is no folder {target} to grade.")
    return target


def timeout(seconds: float | None) -> float | None:
    if seconds is not None and seconds <= 0:
        raise UsageProblem("--timeout takes a positive number of seconds.")
    return seconds


# At most this many processes share one phase's checks: past it, starting them costs more than
# the checks they would share.
MAX_PHASE_JOBS = 4
# The default for `--jobs` of one phase's grading, when set (an instructor's machine, a CI job).
JOBS_VARIABLE = "GRADE_JOBS"


def phase_jobs(jobs: int | None) -> int:
    """How many processes grade one phase's checks: `--jobs`, else GRADE_JOBS, else the
    machine's cores (at most MAX_PHASE_JOBS)."""
    if jobs is None:
        configured = os.environ.get(JOBS_VARIABLE, "").strip()
        if configured:
            try:
                jobs = int(configured)
            except ValueError:
                message = f"{JOBS_VARIABLE} takes a whole number, not {configured!r}."
                raise UsageProblem(message) from None
            if jobs < 1:
                raise UsageProblem(f"{JOBS_VARIABLE} takes a number of processes, 1 or more.")
        else:
            jobs = min(os.cpu_count() or 1, MAX_PHASE_JOBS)
    if jobs < 1:
        raise UsageProblem("--jobs takes a number of processes, 1 or more.")
    return jobs


def is_own_exercise(course: Course, phase: Phase, target: Path) -> bool:
    """Only the learner's own exercise folder counts as progress."""
    return phase.exercise is not None and target == (course.root / phase.exercise).resolve()


def warn(message: str) -> None:
    print(f"grade: {message}", file=sys.stderr)


def next_step(course: Course, after: Phase) -> str:
    """What to do after `after` went green: the next ready phase, if there is one."""
    later = [p for p in course.ready_phases if p.number > after.number]
    if not later:
        return "Next: every ready phase is behind you. Run `grade all` to see them together."
    following = later[0]
    return (
        f"Next: {following.key} — {following.title}. Edit {following.exercise}/ and run "
        f"`grade {following.key}`."
    )
