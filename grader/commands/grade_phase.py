"""`grade phase-N`: grade one phase's exercise, its solution, or any folder (a class's folders:
`grade batch`).

`--format terminal|json|gradescope` (`--json` is short for `--format json`) chooses the output,
and `--output FILE` writes it to a file. `--extra-checks DIR` adds an instructor's own checks
(see `grader.extra`). With `--format gradescope` a valid results file is always written, even
when grading fails (see `grader.gradescope.results_file`).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from grader import progress, runner
from grader.catalogue import Course, Phase
from grader.commands import common
from grader.errors import EXIT_FAILED, EXIT_PASSED, UsageProblem
from grader.results import PhaseResult

if TYPE_CHECKING:
    from grader.extra import ExtraSuite

FORMATS = ("terminal", "json", "gradescope")


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


def extra_checks(course: Course, phase: Phase, folder: Path | None) -> ExtraSuite | None:
    """The instructor's checks in `folder` for `phase`, validated; None without a folder."""
    if folder is None:
        return None
    from grader.extra import ExtraChecksError, load_extra

    try:
        return load_extra(folder, course, phase)
    except ExtraChecksError as error:
        raise UsageProblem(f"--extra-checks: {error}") from error


def output_format(as_json: bool, chosen: str | None, output: Path | None) -> str:
    """The output format: `--format`, or `--json` (its shorthand), else the terminal."""
    if chosen is not None and chosen not in FORMATS:
        raise UsageProblem(f"--format is one of {', '.join(FORMATS)}, not {chosen!r}.")
    if as_json and chosen not in (None, "json"):
        raise UsageProblem(f"--json and --format {chosen} are two formats: choose one.")
    fmt = "json" if as_json else chosen or "terminal"
    if output is not None and fmt == "terminal":
        raise UsageProblem("--output writes --format json or --format gradescope to a file.")
    return fmt


def _submission_limit(
    fmt: str, max_submissions: int | None, window: float | None
) -> tuple[int, float] | None:
    if max_submissions is None:
        if window is not None:
            raise UsageProblem("--window goes with --max-submissions N.")
        return None
    if fmt != "gradescope":
        raise UsageProblem("--max-submissions limits Gradescope runs: add --format gradescope.")
    if max_submissions < 1 or (window is not None and window <= 0):
        raise UsageProblem("--max-submissions takes a number from 1, --window hours above 0.")
    return max_submissions, 24.0 if window is None else window


def _gradescope(
    spec: str,
    solution: bool,
    path: Path | None,
    timeout: float | None,
    output: Path | None,
    extra: Path | None,
    limits: tuple[bool, int | None, float | None],
    metadata: Path | None,
) -> int:
    """Gradescope's results file, always written: every problem, ours included (a wrong option
    in the autograder's script), becomes a score-0 file that says what happened."""
    from grader.gradescope.limit import Limit
    from grader.gradescope.results_file import Request, produce, results

    as_json, max_submissions, window = limits

    def make() -> tuple[dict[str, object], int]:
        output_format(as_json, "gradescope", output)
        limit = _submission_limit("gradescope", max_submissions, window)
        course = common.course()
        phase = common.phase(course, spec)
        target = common.folder(course, phase, solution=solution, path=path)
        held = extra_checks(course, phase, extra)
        seconds = common.timeout(timeout)
        request = Request(
            grade=lambda: runner.grade(course, phase, target, timeout=seconds, extra=held),
            limit=Limit(*limit) if limit else None,
            metadata=metadata or default_metadata(),
        )
        return results(request)

    return produce(output, make)


def default_metadata() -> Path:
    """Where Gradescope puts the submission's metadata (AUTOGRADER_ROOT moves it, for tests)."""
    import os

    return Path(os.environ.get("AUTOGRADER_ROOT", "/autograder")) / "submission_metadata.json"


def run(
    spec: str,
    solution: bool,
    path: Path | None,
    as_json: bool,
    timeout: float | None,
    verbose: bool,
    fmt: str | None = None,
    output: Path | None = None,
    extra: Path | None = None,
    max_submissions: int | None = None,
    window: float | None = None,
    metadata: Path | None = None,
    jobs: int | None = None,
) -> int:
    if fmt == "gradescope":
        limits = (as_json, max_submissions, window)
        return _gradescope(spec, solution, path, timeout, output, extra, limits, metadata)
    fmt = output_format(as_json, fmt, output)
    _submission_limit(fmt, max_submissions, window)
    course = common.course()
    phase = common.phase(course, spec)
    seconds = common.timeout(timeout)
    target = common.folder(course, phase, solution=solution, path=path)
    held = extra_checks(course, phase, extra)
    processes = common.phase_jobs(jobs)
    if fmt == "terminal":
        threading.Thread(target=_warm_up, daemon=True).start()
    result = runner.grade(
        course, phase, target, timeout=seconds, verbose=verbose, extra=held, jobs=processes
    )
    if held is None and common.is_own_exercise(course, phase, target):
        # The progress file follows the course's checks: an instructor's are not recorded.
        save(course, result)
    if fmt == "json":
        from grader.render import as_json as json_renderer

        if output is None:
            print(json_renderer.render(result))
        else:
            from grader.gradescope.results_file import write_atomically

            write_atomically(output, result.to_dict())
    else:
        from grader.render import terminal
        from grader.render.console import make_console

        after = common.next_step(course, phase) if result.all_passed and not solution else ""
        terminal.render(make_console(), result, verbose=verbose, next_step=after)
    return EXIT_PASSED if result.all_passed else EXIT_FAILED
