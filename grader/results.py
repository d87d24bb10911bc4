"""One results model for a graded phase; every renderer (terminal, JSON, Gradescope) reads it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    TIMED_OUT = "timed out"
    NOT_RUN = "not run"


@dataclass(frozen=True)
class CauseResult:
    """One reason that failed several checks at once (the app does not import, say).

    Reported once, above the checks; each check it failed says "blocked by the above".
    """

    id: str
    expected: str
    seen: str
    hint: str
    docs_url: str
    checks: tuple[str, ...]


@dataclass(frozen=True)
class CheckResult:
    id: str
    name: str
    outcome: Outcome
    expected: str = ""
    seen: str = ""
    # The hint and link of the step that failed (the catalogue's when the check gave none).
    hint: str = ""
    docs_url: str = ""
    seconds: float = 0.0
    # The id of the CauseResult that failed this check, or "" when it failed for its own reason.
    blocked_by: str = ""
    # pytest's own report of the failure (`--verbose` only).
    output: str = ""

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED


@dataclass(frozen=True)
class PhaseResult:
    phase: int
    key: str
    title: str
    target: str
    checks: tuple[CheckResult, ...]
    seconds: float
    # Something a learner should read before the list of checks (the grading process ended
    # early...), or "" when there is nothing to add.
    notice: str = ""
    causes: tuple[CauseResult, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> int:
        return sum(1 for check in self.checks if check.passed)

    @property
    def total(self) -> int:
        return len(self.checks)

    @property
    def all_passed(self) -> bool:
        return self.total > 0 and self.passed == self.total

    def cause(self, cause_id: str) -> CauseResult | None:
        return next((cause for cause in self.causes if cause.id == cause_id), None)

    def first_link(self) -> str:
        """The section the learner is sent to first: the first cause's, or the first failure's."""
        if self.causes:
            return self.causes[0].docs_url
        return next((check.docs_url for check in self.checks if not check.passed), "")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["score"] = {"passed": self.passed, "total": self.total}
        data["all_passed"] = self.all_passed
        data["checks"] = [
            {**asdict(check), "outcome": check.outcome.value} for check in self.checks
        ]
        return data
