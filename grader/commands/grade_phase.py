"""`grade phase-N`: grade one phase's exercise, its solution, any folder, or a class's folders."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from grader import progress, runner
from grader.catalogue import PACKAGE, Course, Phase
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


def _batch(course: Course, phase: Phase, folder: Path, as_json: bool, timeout: float | None) -> int:
    """Grade every folder inside `folder` that holds a `bookapi/` package, in name order."""
    from grader.render import batch_table

    folder = folder.expanduser().resolve()
    if not folder.is_dir():
        raise UsageProblem(f"There is no folder {folder} to grade.")
    submissions = sorted(p for p in folder.iterdir() if (p / PACKAGE).is_dir())
    if not submissions:
        raise UsageProblem(f"No submissions in {folder}: none of its folders holds `{PACKAGE}/`.")
    results = {}
    for submission in submissions:
        results[submission.name] = runner.grade(course, phase, submission, timeout=timeout)
        if not as_json:
            print(f"graded {submission.name}", file=sys.stderr)
    if as_json:
        print(batch_table.render_json(results))
    else:
        batch_table.render(results)
    return EXIT_PASSED if all(r.all_passed for r in results.values()) else EXIT_FAILED


def run(
    spec: str,
    solution: bool,
    path: Path | None,
    batch: Path | None,
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
    if batch is not None:
        if solution or path is not None or gradescope:
            raise UsageProblem(
                "--batch grades the folders inside DIR: no --solution, --path or "
                "--gradescope with it."
            )
        return _batch(course, phase, batch, as_json, seconds)
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
