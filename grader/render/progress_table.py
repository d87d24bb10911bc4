"""`grade` with no phase: the learner's progress over every phase, with a bar each."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from grader.catalogue import Course
from grader.progress import Progress, Status

_BAR = 12
_COLOURS = {
    Status.DONE: "green",
    Status.PARTIAL: "yellow",
    Status.NOT_STARTED: "dim",
    Status.PLANNED: "dim",
}


def _bar(done: int, total: int) -> str:
    filled = round(_BAR * done / total) if total else 0
    return "█" * filled + "░" * (_BAR - filled)


def next_line(course: Course, progress: Progress) -> str:
    """`Next: ...`: the first phase that is not done, and how many of its checks are left."""
    phase = progress.next_phase(course)
    if phase is None:
        return "Next: every ready phase is done. Well done!"
    passed, total = progress.score(phase)
    left = total - passed
    checks = "1 check" if left == 1 else f"{left} checks"
    return (
        f"Next: {phase.key} — {phase.title} ({checks} to go). Edit {phase.exercise}/ and run "
        f"`grade {phase.key}`."
    )


def render(console: Console, course: Course, progress: Progress) -> None:
    console.print(Text(f"{course.title} — your progress", style="bold"))
    console.print()
    width = max(len(p.title) for p in course.phases)
    for phase in course.phases:
        state = progress.status(phase)
        colour = _COLOURS[state]
        if state is Status.PLANNED:
            bar, score = " " * _BAR, ""
        else:
            passed, total = progress.score(phase)
            bar, score = _bar(passed, total), f"{passed}/{total}"
        line = Text(f"  {phase.key:<8}  {phase.title:<{width}}  ") + Text(bar, colour)
        console.print(line + Text(f" {score:>5}  ") + Text(state.value, colour), soft_wrap=True)
    console.print()
    console.print(next_line(course, progress), soft_wrap=True)


def as_data(course: Course, progress: Progress) -> dict[str, Any]:
    phases = []
    for phase in course.phases:
        passed, total = progress.score(phase)
        record = progress.phases.get(phase.key)
        phases.append(
            {
                "phase": phase.key,
                "title": phase.title,
                "status": progress.status(phase).value,
                "passed": passed if phase.ready else None,
                "total": total if phase.ready else None,
                "graded_at": record.graded_at if record else None,
            }
        )
    return {"phases": phases, "next": next_line(course, progress)}
