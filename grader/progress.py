"""The learner's progress: a small JSON file in the course folder, always written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from grader.catalogue import Phase
from grader.results import PhaseResult

PROGRESS_FILE = ".grade-progress.json"
VERSION = 1


class Status(StrEnum):
    DONE = "done"
    PARTIAL = "partial"
    NOT_STARTED = "not started"
    PLANNED = "coming soon"


@dataclass(frozen=True)
class PhaseProgress:
    best: int
    last: int
    total: int
    graded_at: str


def _path(root: Path) -> Path:
    return root / PROGRESS_FILE


def load(root: Path) -> dict[str, PhaseProgress]:
    """Progress by phase key; an unreadable file is set aside rather than trusted or lost."""
    path = _path(root)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {key: PhaseProgress(**entry) for key, entry in data["phases"].items()}
    except FileNotFoundError:
        return {}
    except (ValueError, KeyError, TypeError):
        path.replace(path.with_suffix(".json.unreadable"))
        return {}


def _write_atomically(path: Path, data: dict[str, Any]) -> None:
    """Write to a temporary file beside `path`, then swap it in: a crash or Ctrl-C leaves
    either the old file or the new one, never half of one."""
    handle, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=2, sort_keys=True)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def record(root: Path, result: PhaseResult) -> None:
    progress = load(root)
    before = progress.get(result.key)
    best = max(result.passed, before.best if before and before.total == result.total else 0)
    progress[result.key] = PhaseProgress(
        best=best,
        last=result.passed,
        total=result.total,
        graded_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    data = {
        "version": VERSION,
        "phases": {key: vars(entry) for key, entry in sorted(progress.items())},
    }
    _write_atomically(_path(root), data)


def status(phase: Phase, entry: PhaseProgress | None) -> Status:
    if not phase.ready:
        return Status.PLANNED
    if entry is None:
        return Status.NOT_STARTED
    if entry.total == len(phase.checks) and entry.best == entry.total:
        return Status.DONE
    return Status.PARTIAL
