"""A limit on graded submissions per window, from Gradescope's `submission_metadata.json`.

Gradescope lists the learner's earlier submissions in `previous_submissions`, each with its
`submission_time` and the `results` its run wrote. A submission counts when its run graded it
(its results carry `extra_data.graded`, or come from before the limit was set); runs over the
limit and runs the grader could not finish do not count.

Over the limit (`submissions` counted in the last `hours`, this one included), the run grades
nothing: its results are the last graded submission's, score and checks, so the learner keeps
that score (Gradescope scores the active submission, normally the latest), with a line at the top
saying when the next submission counts: `hours` after the oldest one counted in the window.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from grader.render.gradescope import GRADED_MARK


@dataclass(frozen=True)
class Limit:
    submissions: int
    hours: float

    def describe(self) -> str:
        """`3 graded submissions per 24 hours`."""
        what = "submission" if self.submissions == 1 else "submissions"
        hours = "hour" if self.hours == 1 else "hours"
        return f"{self.submissions} graded {what} per {self.hours:g} {hours}"

    def used(self, verdict: Verdict) -> str:
        """The line a graded run adds: how many of the window's submissions are used."""
        return f"This was graded submission {verdict.counted + 1} of the {self.describe()} allowed."


@dataclass(frozen=True)
class Previous:
    time: datetime
    results: dict[str, Any] | None

    @property
    def graded(self) -> bool:
        if not isinstance(self.results, dict):
            return False
        extra = self.results.get("extra_data")
        return not isinstance(extra, dict) or extra.get(GRADED_MARK, True) is not False


@dataclass(frozen=True)
class Verdict:
    over: bool
    counted: int  # graded submissions in the window, before this one
    next_counts_at: datetime | None
    last_graded: dict[str, Any] | None


def _time(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def read_metadata(path: Path) -> dict[str, Any]:
    """Gradescope's submission metadata; {} when there is none (a run outside Gradescope)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def judge(limit: Limit, metadata: dict[str, Any], now: datetime | None = None) -> Verdict:
    """Whether this submission is over `limit`, given the earlier ones in `metadata`."""
    now = _time(metadata.get("created_at")) or now or datetime.now(UTC)
    window = timedelta(hours=limit.hours)
    previous = []
    for entry in metadata.get("previous_submissions") or []:
        moment = _time(entry.get("submission_time")) if isinstance(entry, dict) else None
        if moment is not None:
            previous.append(Previous(moment, entry.get("results")))
    graded = sorted((p for p in previous if p.graded), key=lambda p: p.time)
    recent = [p for p in graded if now - window < p.time <= now]
    last = graded[-1].results if graded else None
    over = len(recent) >= limit.submissions
    next_at = recent[-limit.submissions].time + window if over else None
    return Verdict(over=over, counted=len(recent), next_counts_at=next_at, last_graded=last)


def over_limit_results(limit: Limit, verdict: Verdict) -> dict[str, Any]:
    """The results of a submission over the limit: the last graded one's, and why."""
    when = verdict.next_counts_at
    stamp = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if when else "later"
    note = (
        f"**This submission was not graded:** the limit is {limit.describe()}, and you have "
        f"used them. Your score stays the one of your last graded submission, shown below. "
        f"The next submission that counts is one made after {stamp}."
    )
    previous = copy.deepcopy(verdict.last_graded) if verdict.last_graded else None
    if previous is None:
        previous = {"score": 0.0, "tests": []}
    earlier = previous.get("output")
    previous["output"] = note + (f"\n\n---\n\n{earlier}" if isinstance(earlier, str) else "")
    previous["output_format"] = "md"
    extra = previous.get("extra_data")
    previous["extra_data"] = {**(extra if isinstance(extra, dict) else {}), GRADED_MARK: False}
    return previous
