"""The exceptions a check fails with, and the one-line helper that raises them."""

from __future__ import annotations


class CheckFailed(AssertionError):
    """A check saw something other than what the course asks for."""

    def __init__(self, expected: str, seen: str, *, timed_out: bool = False) -> None:
        super().__init__(f"expected {expected}; saw {seen}")
        self.expected = expected
        self.seen = seen
        self.timed_out = timed_out


class CheckTimedOut(BaseException):
    """Raised into a check that ran past its time limit.

    A BaseException, so that a learner's `except Exception:` cannot swallow it.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the check did not finish within {seconds:g} s")
        self.seconds = seconds


def expect(condition: object, expected: str, seen: str) -> None:
    """Fail the check with `expected` / `seen` unless `condition` is true."""
    if not condition:
        raise CheckFailed(expected=expected, seen=seen)
