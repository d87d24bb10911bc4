"""ruff is part of the test run: the course's own code is held to the style it teaches."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_ruff_check_is_clean() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
