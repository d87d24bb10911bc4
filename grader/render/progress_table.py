"""`grade` with no phase: the learner's progress over every phase, with a bar each."""

from __future__ import annotations

from grader.catalogue import Course
from grader.progress import PhaseProgress, Status, status
from grader.render.style import Style

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


def render(course: Course, progress: dict[str, PhaseProgress], style: Style) -> str:
    lines = [style(f"{course.title} — your progress", "bold"), ""]
    width = max(len(p.title) for p in course.phases)
    next_phase = None
    for phase in course.phases:
        entry = progress.get(phase.key)
        state = status(phase, entry)
        if state is Status.PLANNED:
            bar, score = " " * _BAR, ""
        else:
            best = entry.best if entry and entry.total == len(phase.checks) else 0
            bar, score = _bar(best, len(phase.checks)), f"{best}/{len(phase.checks)}"
        if next_phase is None and state in (Status.PARTIAL, Status.NOT_STARTED):
            next_phase = phase
        colour = _COLOURS[state]
        lines.append(
            f"  Phase {phase.number:>2}  {phase.title:<{width}}  {style(bar, colour)} "
            f"{score:>5}  {style(state.value, colour)}"
        )
    lines.append("")
    if next_phase is not None:
        lines.append(f"Next: edit {next_phase.exercise}/ and run `grade {next_phase.key}`.")
    else:
        lines.append("Every phase that is ready is done. Well done!")
    return "\n".join(lines)
