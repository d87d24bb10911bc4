"""Shared fixtures for the project's own tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.catalogue import Course, Phase, load_course

ROOT = Path(__file__).resolve().parent.parent
COURSE = load_course(ROOT)
READY = COURSE.ready_phases


def phase_params() -> list[pytest.param]:
    """One parameter per ready phase, with ids like `phase_01` (so `-k phase_01` selects it)."""
    return [pytest.param(phase, id=phase.suite) for phase in READY]


@pytest.fixture(scope="session")
def course() -> Course:
    return COURSE


def copy_tree(source: Path, destination: Path) -> Path:
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__"))
    return destination


def solution_of(phase: Phase) -> Path:
    assert phase.solution is not None
    return ROOT / phase.solution
