"""Results for a person at a terminal: causes first, one line per check, and for each failure
what it expected, what it saw, what to do and where to read."""

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
    """How causes are named: "One problem", or "Problem 2 of 3" when there are several."""
    if len(result.causes) == 1:
        return {result.causes[0].id: "One problem"}
    count = len(result.causes)
    return {cause.id: f"Problem {i} of {count}" for i, cause in enumerate(result.causes, 1)}


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
    for cause in result.causes:
        _cause(console, cause, labels[cause.id])
    for check in result.checks:
        _check(console, check, verbose, labels)
    colour = "green" if result.all_passed else "red"
    console.print()
    console.print(
        Text(f"{result.passed}/{result.total} checks passed", style=colour)
        + Text(f" in {result.seconds:.1f} s")
    )
    if result.all_passed:
        console.print("Every check passes: well done.")
    if next_step:
        console.print(next_step, soft_wrap=True)
