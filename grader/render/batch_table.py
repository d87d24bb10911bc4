"""A class's submissions for one phase: one line per submission, then a summary."""

from __future__ import annotations

import json

from grader.render.style import Style
from grader.results import PhaseResult


def render(results: dict[str, PhaseResult], style: Style) -> str:
    if not results:
        return "No submissions found."
    width = max(len(name) for name in results)
    first = next(iter(results.values()))
    lines = [style(f"Phase {first.phase} — {first.title}: {len(results)} submissions", "bold"), ""]
    for name, result in results.items():
        colour = "green" if result.all_passed else "red"
        score = style(f"{result.passed:>2}/{result.total}", colour)
        missed = ", ".join(check.id for check in result.checks if not check.passed)
        lines.append(f"  {name:<{width}}  {score}  {style(missed, 'dim')}".rstrip())
    full = sum(1 for result in results.values() if result.all_passed)
    lines += ["", f"{full} of {len(results)} pass every check."]
    return "\n".join(lines)


def render_json(results: dict[str, PhaseResult]) -> str:
    return json.dumps(
        [{"submission": name, **result.to_dict()} for name, result in results.items()], indent=2
    )
