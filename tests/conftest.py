"""Shared fixtures for the project's own tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


def build_site(out: Path, **env: str) -> Path:
    """`mkdocs build --strict` into `out`, with extra environment variables; fails loudly."""
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    return out


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once per test run with `mkdocs build --strict`."""
    return build_site(tmp_path_factory.mktemp("site"))
