"""Results as JSON, for scripts and CI."""

from __future__ import annotations

import json

from grader.results import PhaseResult


def render(result: PhaseResult) -> str:
    return json.dumps(result.to_dict(), indent=2)
