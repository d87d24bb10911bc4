"""Results for a person at a terminal: causes first, one line per check, and for each failure
what it expected, what it saw, what to do and where to read. The checks a phase keeps from
earlier phases follow its own, under "Still holds from Phase M", and an instructor's own checks
come last, under "Held by your instructor"."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from grader.render.console import capped, field
from grader.results import CauseResult, CheckResult, Outcome, PhaseResult

_MARKS = {
    Outcome.PASSED: ("✔", "green"),
    Outcome.FAILED: ("✘", "red"),
    Outcome.TIMED_OUT: ("⧗", "red"),
    Outcome.NOT_RUN: ("-", "yellow"),
}
# Lines of pytest's own report shown per failing check with --verbose.
VERBOSE_LINES = 40


def _cause(console: Console, cause: CauseResult, label: str) -> None:
    blocked = len(cause.checks)
    what = "1 check" if blocked == 1 else f"{blocked} checks"
    console.print(Text("✘ ", style="red") + Text(f"{label} blocks {what}:", style="bold"))
    field(console, "expected", cause.expected)
    field(console, "saw", cause.seen)
    field(console, "hint", cause.hint)
    field(console, "read", cause.docs_url, link=True)
    console.print()


def _labels(result: PhaseResult) -> dict[str, str]:
    """How causes are named: "One problem", or "Problem 2 of 3" when there are several (in the
    order they are shown: those of the phase's own checks first)."""
    causes = (*result.own_causes, *result.kept_causes)
    if len(causes) == 1:
        return {causes[0].id: "One problem"}
    return {cause.id: f"Problem {i} of {len(causes)}" for i, cause in enumerate(causes, 1)}


def _check(console: Console, check: CheckResult, verbose: bool, labels: dict[str, str]) -> None:
    mark, colour = _MARKS[check.outcome]
    line = Text("  ") + Text(mark, style=colour) + Text(f" {check.name}")
    if check.blocked_by:
        label = labels.get(check.blocked_by, "")
        which = "the above" if len(labels) == 1 else label.lower().split(" of ")[0] + " above"
        console.print(line + Text(f" — blocked by {which}", style="dim"), soft_wrap=True)
        return
    if not check.passed:
        line += Text(f" ({check.outcome.value})", style=colour)
    console.print(line, soft_wrap=True)
    if check.passed:
        return
    field(console, "expected", check.expected)
    field(console, "saw", check.seen)
    field(console, "hint", check.hint)
    field(console, "read", check.docs_url, link=True)
    if verbose and check.output:
        for raw in capped(check.output, VERBOSE_LINES):
            console.print(Text("        " + raw, style="dim"), soft_wrap=True)


def _by_phase(checks: tuple[CheckResult, ...]) -> dict[int, list[CheckResult]]:
    groups: dict[int, list[CheckResult]] = {}
    for check in checks:
        assert check.kept_from is not None
        groups.setdefault(check.kept_from, []).append(check)
    return groups


def render(
    console: Console, result: PhaseResult, *, verbose: bool = False, next_step: str = ""
) -> None:
    console.print(Text(f"Phase {result.phase} — {result.title}", style="bold"))
    console.print(Text(result.target, style="dim"), soft_wrap=True)
    console.print()
    if result.notice:
        for line in capped(result.notice, 8):
            console.print(Text(line, style="yellow"))
        console.print()
    labels = _labels(result)
    for cause in result.own_causes:
        _cause(console, cause, labels[cause.id])
    for check in result.own:
        _check(console, check, verbose, labels)
    if result.kept_causes:
        # Problems only the earlier phases' checks ran into: read them after the phase's own.
        console.print()
    for cause in result.kept_causes:
        _cause(console, cause, labels[cause.id])
    for phase, group in _by_phase(result.kept).items():
        console.print()
        passed = sum(check.passed for check in group)
        console.print(
            Text(f"Still holds from Phase {phase}", style="bold")
            + Text(f"  {passed}/{len(group)}", style="dim")
        )
        for check in group:
            _check(console, check, verbose, labels)
    held = result.held
    if held:
        console.print()
        console.print(
            Text("Held by your instructor", style="bold")
            + Text(f"  {sum(c.passed for c in held)}/{len(held)}", style="dim")
        )
        for check in held:
            _check(console, check, verbose, labels)
    colour = "green" if result.all_passed else "red"
    console.print()
    kept = result.kept
    earlier = (
        f" ({sum(c.passed for c in kept)}/{len(kept)} of them from earlier phases)" if kept else ""
    )
    console.print(
        Text(f"{result.passed}/{result.total} checks passed", style=colour)
        + Text(f"{earlier} in {result.seconds:.1f} s")
    )
    if result.all_passed:
        console.print("Every check passes: well done.")
    if next_step:
        console.print(next_step, soft_wrap=True)
