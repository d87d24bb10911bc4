"""Which earlier checks still hold for a phase's solution: a help for writing `[phase.keeps]`.

    python scripts/kept_candidates.py 7        # one phase
    python scripts/kept_candidates.py 2 3 4    # several, one after another

Grades the phase's solution with every check of every earlier ready phase kept, then prints,
earlier phase by earlier phase, the checks that hold but are not declared (candidates to add)
and the declared ones that fail (to fix or take out), with what each failure saw. A check that
fails here is either one the phase deliberately changes (leave it out, with a comment saying
why) or a regression of the solution.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from grader.catalogue import KeptCheck, load_course
from grader.results import CheckResult
from grader.runner import grade

ROOT = Path(__file__).resolve().parent.parent


def report(number: int) -> None:
    course = load_course(ROOT)
    phase = course.find(str(number))
    if phase is None or not phase.ready or phase.solution is None:
        raise SystemExit(f"phase {number} is not a ready phase")
    every = tuple(
        KeptCheck(earlier.number, check)
        for earlier in course.ready_phases
        if earlier.number < phase.number
        for check in earlier.checks
    )
    declared = set(phase.check_keys)
    result = grade(course, replace(phase, keeps=every), ROOT / phase.solution)
    print(f"{phase.key}: {len(result.kept)} earlier checks tried in {result.seconds:.0f} s")
    if result.notice:
        print(f"  notice: {result.notice}")
    for check in result.own:
        if not check.passed:
            print(f"  its own check fails: {check.id}: {check.seen}")
    _by_phase(result.kept, declared)


def _by_phase(kept: tuple[CheckResult, ...], declared: set[str]) -> None:
    for number in sorted({check.kept_from for check in kept}):
        group = [check for check in kept if check.kept_from == number]
        holds = [c.id.split(":", 1)[1] for c in group if c.passed]
        fails = [c for c in group if not c.passed]
        print(f"  phase-{number}: {len(holds)} of {len(group)} hold")
        new = [c for c in holds if f"phase-{number}:{c}" not in declared]
        if new:
            print(f"    hold, not declared: {', '.join(new)}")
        for check in fails:
            mark = "DECLARED, " if check.id in declared else ""
            print(f"    {mark}fails: {check.id.split(':', 1)[1]}: {check.seen[:140]}")


if __name__ == "__main__":
    for argument in sys.argv[1:] or ["--help"]:
        if not argument.isdigit():
            raise SystemExit(__doc__)
        report(int(argument))
