"""The process that runs a phase's hidden suite: `python -m grader.checker`.

It imports pytest and the grader's plugin (and with it FastAPI) first, then reads its pytest
arguments, as one JSON line, from stdin. The grader can therefore start it before it has parsed
its own command line, and the slow imports overlap that work. Learner code run by the checks
finds stdin closed.
"""

from __future__ import annotations

import json
import sys

import pytest

import grader.pytest_plugin  # noqa: F401  (imported now, while the grader is still busy)


def main() -> int:
    line = sys.stdin.readline()
    if not line.strip():
        return 0  # the grader did not need this run after all
    return int(pytest.main(json.loads(line)))


if __name__ == "__main__":
    raise SystemExit(main())
