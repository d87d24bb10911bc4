"""`grade all`: every ready phase, graded side by side (one process per phase, in parallel)."""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

from grader import runner
from grader.catalogue import Course, Phase
from grader.commands import common
from grader.commands.grade_phase import save
from grader.errors import EXIT_FAILED, EXIT_PASSED, UsageProblem
from grader.results import PhaseResult

# Failing checks named per phase in the table; `grade phase-N` has them all.
_SHOWN = 3


def run(
    solution: bool, as_json: bool, jobs: int | None, timeout: float | None, verbose: bool
) -> int:
    course = common.course()
    seconds = common.timeout(timeout)
    phases = course.ready_phases
    if jobs is not None and jobs < 1:
        raise UsageProblem("--jobs takes a number of phases to grade at once, 1 or more.")
    workers = jobs or min(os.cpu_count() or 1, len(phases))
    started = time.perf_counter()

    def one(phase: Phase) -> PhaseResult:
        target = common.folder(course, phase, solution=solution, path=None)
        return runner.grade(course, phase, target, timeout=seconds, verbose=verbose)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        # The longest first, so that no long phase starts last while the other cores idle.
        futures = {phase.number: pool.submit(one, phase) for phase in longest_first(course)}
        results = [futures[phase.number].result() for phase in phases]
    elapsed = time.perf_counter() - started
    if not solution:
        for result in results:
            save(course, result)
    if as_json:
        print(json.dumps({"seconds": elapsed, "phases": [r.to_dict() for r in results]}, indent=2))
    else:
        _render(course, results, elapsed, solution)
        if verbose:
            _details(results)
    return EXIT_PASSED if all(r.all_passed for r in results) else EXIT_FAILED


def longest_first(course: Course) -> list[Phase]:
    """The ready phases, the likely longest to grade first: those whose checks may take the
    longest (the live checks of Phase 10, the learner's own test runs of Phase 9), then those
    with the most checks (later phases keep more of the earlier ones)."""
    return sorted(
        course.ready_phases,
        key=lambda phase: (
            -runner.check_timeout(course, phase),
            -len(runner.plan(course, phase)),
            phase.number,
        ),
    )


def _details(results: list[PhaseResult]) -> None:
    """Each failing phase in full, with pytest's own report of each failure (`--verbose`)."""
    from grader.render import terminal
    from grader.render.console import make_console

    console = make_console()
    for result in results:
        if not result.all_passed:
            console.print()
            terminal.render(console, result, verbose=True)


def _render(course: Course, results: list[PhaseResult], elapsed: float, solution: bool) -> None:
    from rich.text import Text

    from grader.progress import load
    from grader.render.console import make_console
    from grader.render.progress_table import next_line

    console = make_console()
    which = "the reference solutions" if solution else "your exercises"
    console.print(Text(f"{course.title} — every ready phase, {which}", style="bold"))
    console.print()
    width = max(len(r.title) for r in results)
    for result in results:
        mark, colour = ("✔", "green") if result.all_passed else ("✘", "red")
        line = Text("  ") + Text(mark, colour) + Text(f" phase-{result.phase:<3} ")
        line += Text(f"{result.title:<{width}}  ") + Text(
            f"{result.passed:>2}/{result.total:<3}", colour
        )
        line += Text(f" {result.seconds:4.1f} s")
        failing = [c.id for c in result.checks if not c.passed]
        if failing:
            shown = ", ".join(failing[:_SHOWN])
            more = f" and {len(failing) - _SHOWN} more" if len(failing) > _SHOWN else ""
            line += Text(f"  failing: {shown}{more}", "dim")
        console.print(line, soft_wrap=True)
    passed = sum(1 for r in results if r.all_passed)
    checks = sum(r.passed for r in results)
    total = sum(r.total for r in results)
    console.print()
    console.print(
        f"{passed} of {len(results)} phases pass every check ({checks}/{total} checks) "
        f"in {elapsed:.1f} s."
    )
    if not solution:
        console.print(next_line(course, load(course.root, course)), soft_wrap=True)
