"""Results in Gradescope's autograder format (write them to /autograder/results/results.json).

Every check is a test worth one point, the checks a phase keeps from earlier phases included:
the score is the one `grade phase-N` prints and saves as progress.
"""

from __future__ import annotations

import json
from typing import Any

from grader.results import CheckResult, PhaseResult


def _output(result: PhaseResult, check: CheckResult) -> str:
    if check.passed:
        return ""
    cause = result.cause(check.blocked_by) if check.blocked_by else None
    expected, seen = (cause.expected, cause.seen) if cause else (check.expected, check.seen)
    return f"Expected {expected}.\nSaw {seen}.\nHint: {check.hint}\nRead: {check.docs_url}"


def render(result: PhaseResult) -> str:
    tests: list[dict[str, Any]] = [
        {
            # A kept check says whose rule it is: "… (still holds from Phase 4)".
            "name": f"{check.name} ({check.note})" if check.note else check.name,
            "number": f"{result.phase}.{index}",
            "score": 1 if check.passed else 0,
            "max_score": 1,
            "status": "passed" if check.passed else "failed",
            "output": _output(result, check),
        }
        for index, check in enumerate(result.checks, start=1)
    ]
    data = {
        "score": result.passed,
        "max_score": result.total,
        "output": result.notice or f"Phase {result.phase} — {result.title}",
        "tests": tests,
    }
    return json.dumps(data, indent=2)
