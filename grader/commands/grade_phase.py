"""`grade phase-N`: grade one phase's exercise, its solution, or any folder (a class's folders:
`grade batch`)."""

from __future__ import annotations

import threading
from pathlib import Path

from grader import progress, runner
from grader.catalogue import Course
from grader.commands import common
from grader.errors import EXIT_FAILED, EXIT_PASSED, UsageProblem
from grader.results import PhaseResult


def _warm_up() -> None:
    """Import the terminal renderer (Rich) while the checks run, not after."""
    import grader.render.terminal  # noqa: F401


def save(course: Course, result: PhaseResult) -> None:
    """Record a run of the learner's own exercise; say so if the progress cannot be saved."""
    try:
        saved = progress.record(course.root, result, course)
    except OSError as error:
        common.warn(f"progress not saved: {error.strerror}.")
        return
    if saved.set_aside is not None:
        common.warn(f"your progress file could not be read; it was moved to {saved.set_aside}.")


def run(
    spec: str,
    solution: bool,
    path: Path | None,
    as_json: bool,
    gradescope: bool,
    timeout: float | None,
    verbose: bool,
) -> int:
    course = common.course()
    phase = common.phase(course, spec)
    seconds = common.timeout(timeout)
    if as_json and gradescope:
        raise UsageProblem("--json and --gradescope are two formats: choose one.")
    target = common.folder(course, phase, solution=solution, path=path)
    if not (as_json or gradescope):
        threading.Thread(target=_warm_up, daemon=True).start()
    result = runner.grade(course, phase, target, timeout=seconds, verbose=verbose)
    if common.is_own_exercise(course, phase, target):
        save(course, result)
    if as_json:
        from grader.render import as_json as json_renderer

        print(json_renderer.render(result))
    elif gradescope:
        from grader.render import gradescope as gradescope_renderer

        print(gradescope_renderer.render(result))
    else:
        from grader.render import terminal
        from grader.render.console import make_console

        after = common.next_step(course, phase) if result.all_passed and not solution else ""
        terminal.render(make_console(), result, verbose=verbose, next_step=after)
    return EXIT_PASSED if result.all_passed else EXIT_FAILED
