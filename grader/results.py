"""One results model for a graded phase; every renderer (terminal, JSON, Gradescope) reads it.

A phase's results hold its own checks, then the checks it keeps from earlier phases (each
reported as "still holds from Phase M", with an id such as `phase-4:error_shape`). Kept checks
count in the score like the phase's own: a rule that no longer holds is a failure. Checks an
instructor adds (`--extra-checks`, see `grader.extra`) come last, marked as held by the
instructor (`held`), and count in the score too.
"""

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
    # The earlier phase whose rule this is, for a kept check; None for the phase's own checks.
    kept_from: int | None = None
    # An instructor's own check (`--extra-checks`), and who may see it on Gradescope:
    # "visible" for every public check; a held one's is the instructor's choice.
    held: bool = False
    visibility: str = "visible"

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED

    @property
    def note(self) -> str:
        """How every renderer labels a kept check (`still holds from Phase 4`) or a held one."""
        if self.kept_from is not None:
            return f"still holds from Phase {self.kept_from}"
        return "held by your instructor" if self.held else ""


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

    @property
    def own(self) -> tuple[CheckResult, ...]:
        """The checks of this phase's own rules."""
        return tuple(c for c in self.checks if c.kept_from is None and not c.held)

    @property
    def kept(self) -> tuple[CheckResult, ...]:
        """The checks this phase keeps from earlier phases, in the order of those phases."""
        return tuple(check for check in self.checks if check.kept_from is not None)

    def cause(self, cause_id: str) -> CauseResult | None:
        return next((cause for cause in self.causes if cause.id == cause_id), None)

    @property
    def own_causes(self) -> tuple[CauseResult, ...]:
        """The causes that block at least one of the phase's own checks (listed first)."""
        own = {check.id for check in self.own}
        return tuple(cause for cause in self.causes if own.intersection(cause.checks))

    @property
    def held(self) -> tuple[CheckResult, ...]:
        """The instructor's own checks, after the phase's own and kept ones."""
        return tuple(check for check in self.checks if check.held)

    @property
    def kept_causes(self) -> tuple[CauseResult, ...]:
        """The causes that block only checks kept from earlier phases or held ones."""
        return tuple(cause for cause in self.causes if cause not in self.own_causes)

    def first_link(self) -> str:
        """The section the learner is sent to first: the first cause's, or the first failure's.

        The phase's own checks come first: a cause that only a kept check found, or a kept
        check's failure, is where to read once the phase's own checks pass."""
        later = (*self.kept, *self.held)
        for causes, checks in ((self.own_causes, self.own), (self.kept_causes, later)):
            if causes:
                return causes[0].docs_url
            failing = next((check.docs_url for check in checks if not check.passed), None)
            if failing is not None:
                return failing
        return ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["score"] = {"passed": self.passed, "total": self.total}
        # The share of the score that earlier phases' rules make up (counted in it too).
        kept = self.kept
        data["still_holds"] = {"passed": sum(c.passed for c in kept), "total": len(kept)}
        held = self.held
        data["held"] = {"passed": sum(c.passed for c in held), "total": len(held)}
        data["all_passed"] = self.all_passed
        data["checks"] = [
            {**asdict(check), "outcome": check.outcome.value, "note": check.note}
            for check in self.checks
        ]
        return data
