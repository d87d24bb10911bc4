"""Results for a person at a terminal: one line per check, and for a failure what to do next."""

from __future__ import annotations

import textwrap

from grader.render.style import Style
from grader.results import CheckResult, Outcome, PhaseResult

_MARKS = {
    Outcome.PASSED: ("✔", "green"),
    Outcome.FAILED: ("✘", "red"),
    Outcome.TIMED_OUT: ("⧗", "red"),
    Outcome.NOT_RUN: ("-", "yellow"),
}
_WIDTH = 96


def _field(label: str, text: str, style: Style, wrap: bool = True) -> list[str]:
    lines = (textwrap.wrap(text, _WIDTH - 16) if wrap else [text]) or [""]
    first = f"      {style(f'{label:<9}', 'dim')} {lines[0]}"
    return [first, *(f"      {'':<9} {line}" for line in lines[1:])]


def _check(check: CheckResult, previous: CheckResult | None, style: Style) -> list[str]:
    mark, colour = _MARKS[check.outcome]
    label = "" if check.passed else style(f" ({check.outcome.value})", colour)
    lines = [f"  {style(mark, colour)} {check.name}{label}"]
    if check.passed:
        return lines
    if previous and (previous.expected, previous.seen) == (check.expected, check.seen):
        lines += _field("saw", "the same as above", style)
    else:
        lines += _field("expected", check.expected, style)
        lines += _field("saw", check.seen, style)
    lines += _field("hint", check.hint, style)
    lines += _field("read", check.docs_url, style, wrap=False)
    return lines


def render(result: PhaseResult, style: Style) -> str:
    lines = [style(f"Phase {result.phase} — {result.title}", "bold"), style(result.target, "dim")]
    if result.notice:
        lines += ["", *textwrap.wrap(style(result.notice, "yellow"), _WIDTH)]
    lines.append("")
    previous: CheckResult | None = None
    for check in result.checks:
        lines += _check(check, previous, style)
        previous = None if check.passed else check
    colour = "green" if result.all_passed else "red"
    score = f"{result.passed}/{result.total} checks passed"
    lines += ["", f"{style(score, colour)} in {result.seconds:.1f} s"]
    if result.all_passed:
        lines.append("Every check passes: well done.")
    return "\n".join(lines)
