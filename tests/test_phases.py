"""For each ready phase: the solution passes every check (the earlier ones it keeps included),
the stub fails every check of the phase's own."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import COURSE, ROOT, phase_params

from grader.catalogue import Phase
from grader.results import Outcome
from grader.runner import grade


@pytest.mark.parametrize("phase", phase_params())
def test_solution_passes_every_check(phase: Phase) -> None:
    assert phase.solution is not None
    result = grade(COURSE, phase, ROOT / phase.solution)
    failures = [(c.id, c.expected, c.seen) for c in result.checks if not c.passed]
    assert not failures, f"{result.notice} {failures}"
    assert [check.id for check in result.checks] == list(phase.check_keys)
    assert len(result.own) == len(phase.checks) and len(result.kept) == len(phase.keeps)


@pytest.mark.parametrize("phase", phase_params())
def test_untouched_stub_fails_every_check(phase: Phase) -> None:
    # The stub is the previous solution plus TODOs: the earlier rules it keeps may well hold
    # there already (that is the point of keeping them), so only the phase's own checks are
    # graded here; how kept checks are reported is tested in tests/test_grader_cli.py.
    assert phase.exercise is not None
    result = grade(COURSE, replace(phase, keeps=()), ROOT / phase.exercise)
    passing = [check.id for check in result.own if check.passed]
    assert not passing, f"these checks pass on the untouched stub: {passing}"
    for check in result.own:
        # Every failure is explained, kindly: what was expected, what was seen, where to read.
        assert check.outcome in (Outcome.FAILED, Outcome.TIMED_OUT)
        assert check.expected and check.seen and check.hint
        assert f"/{phase.page_url}#" in check.docs_url
        assert "Traceback" not in check.seen
