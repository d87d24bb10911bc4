"""A class's gradebook for one phase, on the terminal: one line per learner, then a summary."""

from __future__ import annotations

from collections import Counter

from rich.text import Text

from grader.gradebook import Gradebook, Status
from grader.render.console import make_console

_COLOURS = {
    Status.GRADED: "green",
    Status.NOT_IMPORTABLE: "yellow",
    Status.CRASHED: "red",
    Status.TIMED_OUT: "red",
}


def render(book: Gradebook) -> None:
    console = make_console()
    rows = book.submissions
    console.print(Text(f"{book.phase} — {book.title}: {len(rows)} submissions", "bold"))
    console.print()
    width = max((len(row.learner) for row in rows), default=0)
    for row in rows:
        score = "—" if row.score is None else f"{row.score}/{row.max}"
        full = row.score is not None and row.score == row.max
        line = Text(f"  {row.learner:<{width}}  ")
        line += Text(f"{score:>5}", "green" if full else "red")
        line += Text(f"  {row.status.value:<14}", _COLOURS[row.status])  # "not importable"
        missed = ", ".join(check for check, passed in row.checks.items() if not passed)
        # A submission that was not graded through: what stopped it says more than the checks.
        shown = "  ".join(part for part in (missed, row.detail) if part)
        line += Text(f"  {shown if row.status is Status.GRADED else row.detail}", "dim")
        line.rstrip()
        console.print(line, soft_wrap=True)
    counts = Counter(row.status for row in rows)
    full = sum(1 for row in rows if row.score is not None and row.score == row.max)
    statuses = ", ".join(f"{counts[status]} {status.value}" for status in Status if counts[status])
    console.print()
    console.print(f"{full} of {len(rows)} pass every check ({statuses}).")
