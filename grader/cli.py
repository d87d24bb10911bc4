"""The `grade` command.

    grade                     progress over every phase
    grade phase-1             grade exercises/phase-01/
    grade 1 --solution        grade the reference solution
    grade 1 --path DIR        grade any folder shaped like the exercise
    grade 1 --batch DIR       grade every submission folder inside DIR (a class)
    grade 1 --json            the same results, as JSON
    grade 1 --gradescope      the same results, as Gradescope's results.json

Exit status: 0 every check passed, 1 a check failed, 2 nothing could be graded.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from grader import progress, runner
from grader.catalogue import (
    CATALOGUE_FILE,
    PACKAGE,
    CatalogueError,
    Course,
    Phase,
    find_course_root,
    load_course,
)
from grader.render import as_json, batch_table, gradescope, progress_table, terminal
from grader.render.style import Style

EXIT_PASSED, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2


class UsageProblem(Exception):
    """Something about the request means nothing can be graded; the message says what."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grade",
        description="Run a phase's hidden checks against your Book API.",
        epilog="Exit status: 0 all checks passed, 1 a check failed, 2 nothing could be graded.",
    )
    parser.add_argument("phase", nargs="?", help="phase-1, phase-01, 1 or the phase's slug")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--solution", action="store_true", help="grade the reference solution")
    where.add_argument("--path", type=Path, metavar="DIR", help="grade this folder instead")
    where.add_argument(
        "--batch", type=Path, metavar="DIR", help="grade each submission folder inside DIR"
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the results as JSON")
    output.add_argument(
        "--gradescope", action="store_true", help="print the results as Gradescope's results.json"
    )
    parser.add_argument("--timeout", type=float, metavar="S", help="seconds per check")
    return parser


def _course() -> Course:
    override = os.environ.get("COURSE_ROOT")
    root = Path(override) if override else find_course_root(Path.cwd())
    if root is None:
        raise UsageProblem(
            f"No course folder here: run `grade` inside your copy of the course "
            f"(the folder with {CATALOGUE_FILE}), or set COURSE_ROOT."
        )
    try:
        return load_course(root.resolve())
    except CatalogueError as error:
        raise UsageProblem(f"The phase catalogue is broken: {error}") from error


def _phase(course: Course, args: argparse.Namespace) -> Phase:
    phase = course.find(args.phase)
    if phase is None:
        known = ", ".join(p.key for p in course.ready_phases)
        raise UsageProblem(f"There is no phase '{args.phase}'. Phases you can grade: {known}.")
    if not phase.ready or phase.exercise is None or phase.solution is None:
        raise UsageProblem(f"Phase {phase.number} ({phase.title}) is not written yet.")
    if args.timeout is not None and args.timeout <= 0:
        raise UsageProblem("--timeout takes a positive number of seconds.")
    return phase


def _grade_batch(course: Course, phase: Phase, args: argparse.Namespace) -> int:
    """Grade every folder inside --batch that holds a `bookapi/` package, in name order."""
    folder = args.batch.resolve()
    if not folder.is_dir():
        raise UsageProblem(f"There is no folder {folder} to grade.")
    if args.gradescope:
        raise UsageProblem("--gradescope grades one submission: use --path.")
    submissions = sorted(p for p in folder.iterdir() if (p / PACKAGE).is_dir())
    if not submissions:
        raise UsageProblem(f"No submissions in {folder}: none of its folders holds `{PACKAGE}/`.")
    results = {}
    for submission in submissions:
        results[submission.name] = runner.grade(course, phase, submission, timeout=args.timeout)
        if not args.json:
            print(f"graded {submission.name}", file=sys.stderr)
    if args.json:
        print(batch_table.render_json(results))
    else:
        print(batch_table.render(results, Style.for_stream(sys.stdout)))
    return EXIT_PASSED if all(r.all_passed for r in results.values()) else EXIT_FAILED


def _grade(course: Course, args: argparse.Namespace) -> int:
    phase = _phase(course, args)
    if args.batch is not None:
        return _grade_batch(course, phase, args)
    if args.path is not None:
        target = args.path.resolve()
    else:
        target = course.root / (phase.solution if args.solution else phase.exercise)
    if not target.is_dir():
        raise UsageProblem(f"There is no folder {target} to grade.")
    result = runner.grade(course, phase, target, timeout=args.timeout)
    if args.json:
        print(as_json.render(result))
    elif args.gradescope:
        print(gradescope.render(result))
    else:
        print(terminal.render(result, Style.for_stream(sys.stdout)))
    # Only the learner's own exercise folder counts as progress.
    if not args.solution and args.path is None:
        try:
            progress.record(course.root, result)
        except OSError as error:
            print(f"(Progress not saved: {error.strerror}.)", file=sys.stderr)
    return EXIT_PASSED if result.all_passed else EXIT_FAILED


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        course = _course()
        if args.phase is None:
            if args.solution or args.path or args.batch or args.json or args.gradescope:
                raise UsageProblem("Name a phase to grade, for example `grade phase-1`.")
            table = progress_table.render(course, progress.load(course.root), Style.for_stream())
            print(table)
            return EXIT_PASSED
        return _grade(course, args)
    except UsageProblem as problem:
        print(f"grade: {problem}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("\ngrade: stopped; your saved progress is unchanged.", file=sys.stderr)
        return 130
