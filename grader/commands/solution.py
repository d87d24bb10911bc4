"""`grade solution phase-N`: the reference solution, once the learner's exercise passes."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from grader import progress
from grader.catalogue import Course, Phase
from grader.commands import common
from grader.errors import EXIT_PASSED, UsageProblem
from grader.stubs import files_in


def _gate(course: Course, phase: Phase, force: bool) -> None:
    saved = progress.load(course.root, course)
    if saved.status(phase) is progress.Status.DONE:
        return
    passed, total = saved.score(phase)
    if not force:
        raise UsageProblem(
            f"{phase.key} does not pass yet ({passed}/{total} checks in your last run). You learn "
            f"most by finishing it: `grade hint {phase.key}` helps. To see the solution anyway, "
            f"add --force."
        )
    print(
        f"grade: warning: {phase.key} does not pass yet ({passed}/{total}); reading the solution "
        "now skips the part of the exercise that teaches the most.",
        file=sys.stderr,
    )


def copy_beside(course: Course, phase: Phase) -> Path:
    assert phase.exercise is not None and phase.solution is not None
    exercise = course.root / phase.exercise
    destination = exercise.with_name(exercise.name + "-solution")
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(
        course.root / phase.solution,
        destination,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    return destination


def run(spec: str, copy: bool, force: bool) -> int:
    course = common.course()
    phase = common.phase(course, spec)
    _gate(course, phase, force)
    assert phase.solution is not None
    if copy:
        destination = copy_beside(course, phase)
        print(f"Copied the reference solution to {destination.relative_to(course.root)}/.")
        return EXIT_PASSED
    from rich.rule import Rule
    from rich.syntax import Syntax

    from grader.render.console import make_console

    console = make_console()
    for name, data in files_in(course.root / phase.solution).items():
        text = data.decode("utf-8", "replace")
        console.print(Rule(f"{phase.solution}/{name}", align="left"))
        if console.is_terminal and name.endswith(".py"):
            console.print(Syntax(text, "python", background_color="default"))
        else:
            console.print(text, soft_wrap=True, markup=False)
    return EXIT_PASSED
