"""One phase's checks split between processes (`grade phase-N --jobs N`, grader/runner.py): the
split keeps checks that share state together and balances the recorded durations, and a split
run reports exactly what a one-process run reports, causes once included."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import COURSE, READY, ROOT, grade_cli

from grader import runner


def by_key(groups: list[list[runner.Planned]]) -> list[list[str]]:
    return [[check.key for check in group] for group in groups]


def test_checks_that_share_state_stay_in_one_process() -> None:
    phase = COURSE.find("9")
    assert phase is not None
    planned = runner.plan(COURSE, phase)
    sharing = {c.key for c in planned if c.check.shares}
    assert len(sharing) >= 2
    for jobs in (2, 3, 4):
        groups = by_key(runner.shards(phase, planned, jobs))
        assert len(groups) <= jobs
        holding = [group for group in groups if sharing & set(group)]
        assert len(holding) == 1 and sharing <= set(holding[0])


@pytest.mark.parametrize("jobs", [1, 2, 3, 100])
def test_every_check_runs_once_in_catalogue_order(jobs: int) -> None:
    for phase in READY:
        planned = runner.plan(COURSE, phase)
        groups = runner.shards(phase, planned, jobs)
        shared = {c.check.shares for c in planned if c.check.shares}
        units = len([c for c in planned if not c.check.shares]) + len(shared)
        assert len(groups) == min(jobs, units)
        keys = [key for group in by_key(groups) for key in group]
        assert sorted(keys) == sorted(c.key for c in planned)
        order = [c.key for c in planned]
        for group in by_key(groups):
            assert group == sorted(group, key=order.index)


def test_the_split_balances_recorded_durations() -> None:
    phase = COURSE.find("7")
    assert phase is not None
    seconds = runner._durations()[phase.key]
    groups = runner.shards(phase, runner.plan(COURSE, phase), 2)
    loads = [sum(seconds[c.key] for c in group) for group in groups]
    slowest = max(seconds.values())
    # Longest first, each to the least loaded: the two differ by at most one check's time.
    assert abs(loads[0] - loads[1]) <= slowest


def test_every_ready_check_has_a_recorded_duration() -> None:
    """scripts/check_durations.py records them; a phase added without it still grades, less
    evenly split: this says to run the script."""
    recorded = runner._durations()
    for phase in READY:
        missing = [
            c.key for c in runner.plan(COURSE, phase) if c.key not in recorded.get(phase.key, {})
        ]
        assert not missing, f"run `python scripts/check_durations.py --phases {phase.number}`"


def outcomes(result: dict[str, Any]) -> tuple[list[tuple[str, str, str]], list[tuple[Any, ...]]]:
    checks = [(c["id"], c["outcome"], c["blocked_by"]) for c in result["checks"]]
    causes = [(c["id"], tuple(c["checks"])) for c in result["causes"]]
    return checks, sorted(causes)


def test_a_split_run_reports_what_one_process_reports(tmp_path: Path) -> None:
    """The Phase 5 stub fails checks of several suites, some for one shared cause."""
    phase = COURSE.find("5")
    assert phase is not None and phase.exercise is not None
    stub = tmp_path / "stub"
    shutil.copytree(ROOT / phase.exercise, stub)
    results = []
    for jobs in ("1", "2"):
        done = grade_cli("phase-5", "--path", str(stub), "--json", "--jobs", jobs, timeout=300)
        assert done.returncode == 1, done.stderr
        results.append(json.loads(done.stdout))
    one, split = (outcomes(result) for result in results)
    assert one == split
    assert any(len(checks) > 1 for _, checks in one[1])  # a cause shared by several checks


@pytest.mark.parametrize("value", ["0", "two"])
def test_a_wrong_jobs_setting_is_a_clear_usage_error(value: str) -> None:
    done = grade_cli("phase-1", "--solution", env={"GRADE_JOBS": value})
    assert done.returncode == 2
    assert "GRADE_JOBS" in done.stderr and "Traceback" not in done.stderr
