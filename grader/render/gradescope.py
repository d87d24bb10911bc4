"""Results in Gradescope's autograder format: the `results.json` of its specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/).

Every check is a test worth one point, the checks a phase keeps from earlier phases and the
instructor's own included: the score is the one `grade phase-N` prints. Each test's output says,
in Markdown, what the check expected, what it saw, the hint and the section to read. The course's
checks are visible; an instructor's held checks take the visibility the instructor chose, and
the top-level output tells the learner how many ran without naming them.
"""

from __future__ import annotations

import json
import math
from typing import Any

from grader.results import CauseResult, CheckResult, PhaseResult

# Marks the results of a run that was graded (a run over the submission limit is not): the
# limit counts the earlier submissions whose results carry it (see grader.gradescope.limit).
GRADED_MARK = "graded"
_WHEN = {
    "after_due_date": "shown after the due date",
    "after_published": "shown once your instructor publishes the grades",
    "hidden": "not shown",
}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str) -> str:
    """Learner-facing text as Markdown, with no raw HTML from what a submission answered:
    `<`, `>` and `&` are escaped outside code spans (inside one they are shown as they are)."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: no code spans to keep
        return _escape(text)
    return "`".join(part if index % 2 else _escape(part) for index, part in enumerate(parts))


def _explain(expected: str, seen: str, hint: str, url: str) -> str:
    lines = [f"**Expected:** {_plain(expected)}", f"**Saw:** {_plain(seen)}"]
    if hint:
        lines.append(f"**Hint:** {_plain(hint)}")
    if url:
        lines.append(f"**Read:** [{url}]({url})")
    return "\n\n".join(lines)


def _output(result: PhaseResult, check: CheckResult) -> str:
    if check.passed:
        return "Passed."
    cause = result.cause(check.blocked_by) if check.blocked_by else None
    if cause is not None:
        many = "this check" if len(cause.checks) == 1 else f"{len(cause.checks)} checks"
        return f"Blocked by one problem that fails {many}:\n\n" + _explain(
            cause.expected, cause.seen, cause.hint, cause.docs_url
        )
    return _explain(check.expected, check.seen, check.hint, check.docs_url)


def _name(check: CheckResult) -> str:
    # A kept check says whose rule it is: "… (still holds from Phase 4)".
    return f"{check.name} ({check.note})" if check.kept_from is not None else check.name


def _held_line(held: tuple[CheckResult, ...]) -> str:
    """How many held checks ran, and when the learner sees them, without naming them."""
    by_when: dict[str, int] = {}
    for check in held:
        by_when[check.visibility] = by_when.get(check.visibility, 0) + 1
    if len(held) == 1:
        return (
            f"1 more check held by your instructor ran; it counts in your score and is "
            f"{_WHEN[held[0].visibility]}."
        )
    if len(by_when) == 1:
        return (
            f"{len(held)} more checks held by your instructor ran; they count in your score "
            f"and are {_WHEN[held[0].visibility]}."
        )
    parts = ", ".join(f"{count} {_WHEN[when]}" for when, count in by_when.items())
    return (
        f"{len(held)} more checks held by your instructor ran; they count in your score ({parts})."
    )


def _causes(causes: tuple[CauseResult, ...], shown: set[str]) -> list[str]:
    lines = []
    for cause in causes:
        blocked = [check for check in cause.checks if check in shown]
        if not blocked:
            continue  # found by held checks only: their outputs say it when they are shown
        what = "1 check" if len(blocked) == 1 else f"{len(blocked)} checks"
        lines.append(
            f"### One problem blocks {what}\n\n"
            + _explain(cause.expected, cause.seen, cause.hint, cause.docs_url)
        )
    return lines


def summary(result: PhaseResult) -> str:
    """The top-level output: the score, what to read first, and what the held checks are."""
    visible = [check for check in result.checks if check.visibility == "visible"]
    lines = [f"## Phase {result.phase} — {_plain(result.title)}"]
    lines.append(f"**{result.passed}/{result.total} checks passed.**")
    if result.notice:
        lines.append(_plain(result.notice))
    held = tuple(check for check in result.checks if check.visibility != "visible")
    if held:
        lines.append(_held_line(held))
    lines += _causes((*result.own_causes, *result.kept_causes), {c.id for c in visible})
    first = next((c.docs_url for c in visible if not c.passed and c.docs_url), "")
    if first and not any(cause.docs_url == first for cause in result.causes):
        lines.append(f"Start with: [{first}]({first})")
    if result.all_passed:
        lines.append("Every check passes: well done.")
    return "\n\n".join(lines)


def as_data(result: PhaseResult, *, extra_data: dict[str, Any] | None = None) -> dict[str, Any]:
    tests: list[dict[str, Any]] = [
        {
            "name": _name(check),
            "number": f"{result.phase}.{index}",
            "score": 1.0 if check.passed else 0.0,
            "max_score": 1.0,
            "status": "passed" if check.passed else "failed",
            "output": _output(result, check),
            "visibility": check.visibility,
        }
        for index, check in enumerate(result.checks, start=1)
    ]
    return {
        "score": float(result.passed),
        "execution_time": max(1, math.ceil(result.seconds)),
        "output": summary(result),
        "output_format": "md",
        "test_output_format": "md",
        "stdout_visibility": "hidden",
        "extra_data": {GRADED_MARK: True, "phase": result.phase, **(extra_data or {})},
        "tests": tests,
    }


def failure(explanation: str, seconds: float = 0.0) -> dict[str, Any]:
    """A valid results file for a run that could not grade: score 0, and why."""
    return {
        "score": 0.0,
        "execution_time": max(1, math.ceil(seconds)),
        "output": "## The autograder could not grade this submission\n\n" + _plain(explanation),
        "output_format": "md",
        "stdout_visibility": "hidden",
        # A run the grader could not finish does not use up one of the learner's submissions.
        "extra_data": {GRADED_MARK: False, "error": True},
        "tests": [],
    }


def render(result: PhaseResult) -> str:
    return json.dumps(as_data(result), indent=2)
