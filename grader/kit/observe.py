"""What the kit noticed while one check ran, beside the check's own verdict.

Some mistakes show up far from where a check fails: a GET route that wants a body answers 422,
and the check then fails on "expected 200". The kit notes such a cause when it sees it (here,
or in the loader or the network guard); when the check fails, the grader blames the cause
rather than the symptom. Nothing noted here fails a check on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.causes import Cause


@dataclass(frozen=True)
class Observation:
    cause: Cause
    expected: str
    seen: str


_causes: list[Observation] = []
# Exceptions the learner's code raised while answering a request: "KeyError: 'x' (file, line)".
_server_errors: list[str] = []


def reset() -> None:
    """Called by the grader's plugin before every check."""
    _causes.clear()
    _server_errors.clear()


def note_cause(cause: Cause, expected: str, seen: str) -> None:
    if all(seen_before.cause.id != cause.id for seen_before in _causes):
        _causes.append(Observation(cause, expected, seen))


def note_server_error(text: str) -> None:
    if text not in _server_errors:
        _server_errors.append(text)


def first_cause() -> Observation | None:
    return _causes[0] if _causes else None


def server_errors() -> tuple[str, ...]:
    return tuple(_server_errors)
