"""The exceptions a check fails with, and the one-line helper that raises them.

A failure says what was expected and what was seen. It may also say what *this* failure needs
(`hint`) and where that is taught (`anchor`): a multi-step check fails with the hint of the step
that failed, not with the check's general hint from the catalogue. A failure that comes from a
cause several checks share (the app does not import, a deprecated API...) names that `cause`,
so the grader reports it once, at the top, and the other checks say "blocked by the above".
"""

from __future__ import annotations

from grader.causes import Cause


class CheckFailed(AssertionError):
    """A check saw something other than what the course asks for."""

    def __init__(
        self,
        expected: str,
        seen: str,
        *,
        hint: str | None = None,
        anchor: str | None = None,
        cause: Cause | None = None,
        timed_out: bool = False,
    ) -> None:
        super().__init__(f"expected {expected}; saw {seen}")
        self.expected = expected
        self.seen = seen
        self.hint = hint
        self.anchor = anchor
        self.cause = cause
        self.timed_out = timed_out


class CheckTimedOut(BaseException):
    """Raised into a check that ran past its time limit.

    A BaseException, so that a learner's `except Exception:` cannot swallow it.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the check did not finish within {seconds:g} s")
        self.seconds = seconds


def expect(
    condition: object,
    expected: str,
    seen: str,
    *,
    hint: str | None = None,
    anchor: str | None = None,
    cause: Cause | None = None,
) -> None:
    """Fail the check with `expected` / `seen` (and this step's hint) unless `condition` holds."""
    if not condition:
        raise CheckFailed(expected=expected, seen=seen, hint=hint, anchor=anchor, cause=cause)
