"""A class's submissions for one phase: one line per submission, then a summary."""

from __future__ import annotations

import json

from rich.text import Text

from grader.render.console import make_console
from grader.results import PhaseResult


def render(results: dict[str, PhaseResult]) -> None:
    console = make_console()
    width = max(len(name) for name in results)
    first = next(iter(results.values()))
    console.print(Text(f"Phase {first.phase} — {first.title}: {len(results)} submissions", "bold"))
    console.print()
    for name, result in results.items():
        colour = "green" if result.all_passed else "red"
        missed = ", ".join(check.id for check in result.checks if not check.passed)
        line = Text(f"  {name:<{width}}  ") + Text(f"{result.passed:>2}/{result.total}", colour)
        console.print(line + Text(f"  {missed}".rstrip(), "dim"), soft_wrap=True)
    full = sum(1 for result in results.values() if result.all_passed)
    console.print()
    console.print(f"{full} of {len(results)} pass every check.")


def render_json(results: dict[str, PhaseResult]) -> str:
    return json.dumps(
        [{"submission": name, **result.to_dict()} for name, result in results.items()], indent=2
    )
