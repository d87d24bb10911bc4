"""The progress file: keyed by check id, locked, atomic, and never lost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import COURSE, ROOT, copy_tree, course_copy_at, grade_cli

from grader import atomic, progress
from grader.results import CheckResult, Outcome, PhaseResult

PHASE_1 = COURSE.find("1")
assert PHASE_1 is not None


def _result(passed: int) -> PhaseResult:
    checks = tuple(
        CheckResult(id=c.id, name=c.name, outcome=Outcome.PASSED if i < passed else Outcome.FAILED)
        for i, c in enumerate(PHASE_1.checks)
    )
    return PhaseResult(phase=1, key="phase-1", title="t", target="x", checks=checks, seconds=0.1)


def test_progress_keeps_each_checks_last_result_and_writes_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    progress.record(tmp_path, _result(4), COURSE)
    progress.record(tmp_path, _result(2), COURSE)
    saved = progress.load(tmp_path, COURSE)
    assert saved.score(PHASE_1) == (2, 6)
    assert saved.status(PHASE_1) is progress.Status.PARTIAL
    before = (tmp_path / progress.PROGRESS_FILE).read_text()

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        progress.record(tmp_path, _result(6), COURSE)
    # Ctrl-C mid-write leaves the old file whole, and no temporary file behind.
    assert (tmp_path / progress.PROGRESS_FILE).read_text() == before
    assert not list(tmp_path.glob("*.tmp"))


def test_an_unreadable_progress_file_is_set_aside_with_a_warning(tmp_path: Path) -> None:
    root = course_copy_at(tmp_path / "course", 1)
    (root / progress.PROGRESS_FILE).write_text("{not json")
    run = grade_cli(cwd=root)
    assert run.returncode == 0
    assert "could not be read" in run.stderr and ".unreadable" in run.stderr
    assert (root / (progress.PROGRESS_FILE + ".unreadable")).read_text() == "{not json"
    grade_cli("phase-1", cwd=root)
    rebuilt = json.loads((root / progress.PROGRESS_FILE).read_text())
    assert rebuilt["version"] == progress.VERSION and "phase-1" in rebuilt["phases"]


def test_a_file_from_an_older_catalogue_keeps_what_still_applies(tmp_path: Path) -> None:
    root = course_copy_at(tmp_path / "course", 1)
    kept = {
        "passed": True,
        "expected": "",
        "seen": "",
        "hint": "",
        "docs_url": "",
        "blocked_by": "",
    }
    data = {
        "version": progress.VERSION,
        "phases": {
            "phase-1": {
                "graded_at": "2026-11-01T10:00:00+00:00",
                # One check that still exists, one that a course update renamed away.
                "checks": {"health_route": kept, "retired_check": kept},
            }
        },
    }
    (root / progress.PROGRESS_FILE).write_text(json.dumps(data))
    table = grade_cli(cwd=root).stdout
    assert "1/6" in table and "partial" in table
    assert "Next: phase-1 — Hello, FastAPI (5 checks to go)" in table


def test_a_version_1_file_is_read(tmp_path: Path) -> None:
    old = {"best": 6, "last": 6, "total": 6, "graded_at": "2026-11-01T10:00:00+00:00"}
    (tmp_path / progress.PROGRESS_FILE).write_text(
        json.dumps({"version": 1, "phases": {"phase-01": old}})
    )
    saved = progress.load(tmp_path, COURSE)
    assert saved.status(PHASE_1) is progress.Status.DONE
    assert saved.set_aside is None


def test_two_runs_at_once_both_keep_their_result(tmp_path: Path) -> None:
    root = course_copy_at(tmp_path / "course", 1, 2)
    copy_tree(ROOT / "solutions" / "phase-01", root / "spare")
    for _round in range(3):
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "grader", phase],
                cwd=root,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for phase in ("phase-1", "phase-2", "phase-1")
        ]
        errors = [run.communicate(timeout=120)[1] for run in runs]
        assert all("Traceback" not in error for error in errors), errors
        saved = json.loads((root / progress.PROGRESS_FILE).read_text())
        assert {"phase-1", "phase-2"} <= set(saved["phases"])
        (root / progress.PROGRESS_FILE).unlink()
    assert not list(root.glob("*.tmp"))


def test_kept_checks_count_towards_their_phase_under_their_own_ids(tmp_path: Path) -> None:
    phase = COURSE.find("2")
    assert phase is not None and phase.keeps

    def run(failing: str) -> PhaseResult:
        checks = tuple(
            CheckResult(
                id=key,
                name=key,
                outcome=Outcome.FAILED if key == failing else Outcome.PASSED,
                kept_from=1 if ":" in key else None,
            )
            for key in phase.check_keys
        )
        return PhaseResult(phase=2, key="phase-2", title="t", target="x", checks=checks, seconds=1)

    total = len(phase.check_keys)
    progress.record(tmp_path, run(failing="phase-1:health_route"), COURSE)
    saved = progress.load(tmp_path, COURSE)
    # Phase 1's health_route, kept by Phase 2, is not Phase 2's own or Phase 1's record.
    record = saved.phases["phase-2"]
    assert not record.checks["phase-1:health_route"].passed
    assert "health_route" not in record.checks and "phase-1" not in saved.phases
    assert saved.score(phase) == (total - 1, total)
    assert saved.status(phase) is progress.Status.PARTIAL
    progress.record(tmp_path, run(failing=""), COURSE)
    saved = progress.load(tmp_path, COURSE)
    assert saved.score(phase) == (total, total) and saved.status(phase) is progress.Status.DONE
