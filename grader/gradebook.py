"""A class's gradebook for one phase: one row per learner, written as CSV and JSON.

A row's status says how far grading got, read from the results model (`grader.results`):

- `graded`: every check has a result, whatever the score. A submission whose code breaks a
  rule of the lessons (it starts a server or a process on import, connects off this machine,
  uses too much memory, calls a deprecated API) is graded: that is what the checks are for. So
  is one whose code ended the checks' process in the middle of a check (a crash in a handler):
  that check failed, and the runner ran the others in a new process.
- `not importable`: the app could not be loaded for grading: the results name a cause that
  means the import of `bookapi.main` did not give an app (`import-fails`: a syntax error, an
  exception, a missing `bookapi/` package, files deleted while grading; `app-missing`;
  `import-hangs`; `import-exits`: `sys.exit()`; `process-ended`, which the runner reports only
  for a process that ended while importing: `os._exit()`, a crash). Its score is still given.
- `crashed`: grading could not finish: some checks have no result (`Outcome.NOT_RUN`) or the
  results carry a notice: the folder could not be copied (too large), the checks' process ended
  between checks or before the first, the hidden suite did not load; or the grader itself
  failed (such a row is not cached). The score counts the checks that ran; none ran, no score.
- `timed out`: the submission ran past the batch's wall limit and was stopped; no score.

The files are written whole to a temporary file and moved into place (`os.replace`), so a
reader (or an interrupted run) only ever sees a complete gradebook.
"""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel

from grader.atomic import write_text
from grader.results import Outcome, PhaseResult

# Causes that mean the app was never loaded (see the module's docstring).
IMPORT_CAUSES = frozenset(
    {"import-fails", "app-missing", "import-hangs", "import-exits", "process-ended"}
)
_DETAIL_CHARS = 200
# What a spreadsheet would read as a formula at the start of a cell.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Status(StrEnum):
    GRADED = "graded"
    NOT_IMPORTABLE = "not importable"
    CRASHED = "crashed"
    TIMED_OUT = "timed out"


class Row(BaseModel):
    """One learner's line: `checks` maps each check id to whether it passed (empty when grading
    did not get that far); `duration` is the grading's wall time in seconds."""

    learner: str
    status: Status
    score: int | None
    max: int
    checks: dict[str, bool]
    duration: float
    detail: str = ""


class Gradebook(BaseModel):
    phase: str
    title: str
    checks: list[str]
    submissions: list[Row]


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 1] + "…"


def status_of(result: PhaseResult) -> tuple[Status, str]:
    """How far grading got, and a few words on why it stopped there."""
    if result.notice or any(check.outcome is Outcome.NOT_RUN for check in result.checks):
        return Status.CRASHED, _short(result.notice or "some checks did not run")
    for cause in result.causes:
        if cause.id in IMPORT_CAUSES:
            return Status.NOT_IMPORTABLE, _short(f"{cause.id}: {cause.seen}")
    return Status.GRADED, ", ".join(cause.id for cause in result.causes)


def row_of(learner: str, result: PhaseResult) -> Row:
    """The row of a submission that has results: the checks that did not run have no mark, and
    when none ran there is no score."""
    status, detail = status_of(result)
    ran = [check for check in result.checks if check.outcome is not Outcome.NOT_RUN]
    return Row(
        learner=learner,
        status=status,
        score=result.passed if ran else None,
        max=result.total,
        checks={check.id: check.passed for check in ran},
        duration=round(result.seconds, 1),
        detail=detail,
    )


def unfinished(learner: str, status: Status, total: int, seconds: float, detail: str) -> Row:
    """A row for a submission that has no results: timed out, or the grader failed."""
    return Row(
        learner=learner,
        status=status,
        score=None,
        max=total,
        checks={},
        duration=round(seconds, 1),
        detail=_short(detail),
    )


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def to_csv(book: Gradebook) -> str:
    """One line per learner: learner, status, score, max, duration (s), one column per check
    (`pass`, `fail`, or empty when it has no result), detail."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["learner", "status", "score", "max", "duration", *book.checks, "detail"])
    for row in book.submissions:
        marks = [
            "" if check not in row.checks else ("pass" if row.checks[check] else "fail")
            for check in book.checks
        ]
        score = "" if row.score is None else str(row.score)
        writer.writerow(
            [
                _cell(row.learner),
                row.status.value,
                score,
                row.max,
                f"{row.duration:.1f}",
                *marks,
                _cell(row.detail),
            ]
        )
    return out.getvalue()


def to_json(book: Gradebook) -> str:
    return book.model_dump_json(indent=2) + "\n"


def paths(output: Path, phase_number: int) -> tuple[Path, Path]:
    """The gradebook's files: `phase-NN.csv` and `phase-NN.json` in `output`."""
    stem = f"phase-{phase_number:02d}"
    return output / f"{stem}.csv", output / f"{stem}.json"


def write(book: Gradebook, output: Path, phase_number: int) -> None:
    csv_path, json_path = paths(output, phase_number)
    write_text(csv_path, to_csv(book))
    write_text(json_path, to_json(book))
