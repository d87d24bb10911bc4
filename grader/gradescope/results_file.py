"""`grade phase-N --format gradescope --output FILE`: always a valid Gradescope results file.

Whatever happens (the submission cannot be imported, prints to stdout, the grader itself fails),
the file is written, atomically, with a score and an explanation: a run that could not grade
scores 0 and says why. Learner code runs in the checks' own process, whose output never reaches
this one; the file is written on its own, never mixed with stdout.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import atomic
from grader.errors import EXIT_FAILED, EXIT_PASSED, EXIT_UNUSABLE, UsageProblem
from grader.gradescope.limit import Limit, judge, over_limit_results, read_metadata
from grader.render import gradescope as renderer
from grader.results import PhaseResult


class Stopped(Exception):
    """The run was stopped from outside (SIGTERM: Gradescope's time limit, say)."""


@dataclass(frozen=True)
class Request:
    """How to grade, and how to limit graded submissions."""

    grade: Callable[[], PhaseResult]  # runs the checks (the caller has resolved the phase)
    limit: Limit | None = None
    metadata: Path | None = None


def write_atomically(path: Path, data: dict[str, Any]) -> None:
    """`data` as JSON at `path`, written whole or not at all (see `grader.atomic`)."""
    atomic.write_text(path.expanduser(), json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _deliver(output: Path | None, data: dict[str, Any]) -> None:
    if output is None:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        write_atomically(output, data)


def produce(output: Path | None, make: Callable[[], tuple[dict[str, Any], int]]) -> int:
    """Write what `make` returns; if anything at all goes wrong, a score-0 file saying what."""
    started = time.perf_counter()
    try:
        data, code = make()
    except (UsageProblem, Stopped) as problem:
        print(f"grade: {problem}", file=sys.stderr)
        data, code = renderer.failure(str(problem), time.perf_counter() - started), EXIT_UNUSABLE
    except (
        Exception,
        SystemExit,
        KeyboardInterrupt,
    ) as error:  # everything: the file is always written
        traceback.print_exc(file=sys.stderr)
        explanation = (
            "The grader stopped with an error of its own, not a problem in your code "
            f"({type(error).__name__}: {error}). Tell your instructor; resubmitting may help."
        )
        data, code = renderer.failure(explanation, time.perf_counter() - started), EXIT_UNUSABLE
    _deliver(output, data)
    return code


def results(request: Request) -> tuple[dict[str, Any], int]:
    """The results of `request`: graded, or (over the submission limit) the last graded ones."""
    verdict = None
    if request.limit is not None:
        metadata = read_metadata(request.metadata) if request.metadata else {}
        verdict = judge(request.limit, metadata)
        if verdict.over:
            return over_limit_results(request.limit, verdict), EXIT_PASSED
    result = request.grade()
    data = renderer.as_data(result)
    if request.limit is not None and verdict is not None:
        data["output"] += "\n\n" + request.limit.used(verdict)
    return data, EXIT_PASSED if result.all_passed else EXIT_FAILED
