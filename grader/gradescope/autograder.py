"""What the bundle's `run_autograder` runs: `python -m grader.gradescope.autograder`.

It grades `$AUTOGRADER_ROOT/submission` (default `/autograder`) for the phase named in
`source/settings.json`, with the instructor's checks in `source/extra/` if the bundle has them,
and always writes `results/results.json` (see `grader.gradescope.results_file`). The course's
catalogue is `source/course/course.toml` (COURSE_ROOT), and the lessons' links point at the
bundle's `site_url` (COURSE_SITE_URL), unless those are set already.
"""

from __future__ import annotations

import json
import os
import signal
import tempfile
from pathlib import Path
from types import FrameType
from typing import Any

SETTINGS = "settings.json"


def root() -> Path:
    return Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))


def settings(source: Path) -> dict[str, Any]:
    data = json.loads((source / SETTINGS).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("phase"), int):
        raise ValueError(f"{source / SETTINGS} names no phase")
    return data


def make() -> tuple[dict[str, Any], int]:
    from grader import runner
    from grader.commands import common
    from grader.commands.grade_phase import extra_checks
    from grader.gradescope.limit import Limit
    from grader.gradescope.results_file import Request, results
    from grader.gradescope.submission import locate

    top = root()
    source = top / "source"
    chosen = settings(source)
    os.environ.setdefault("COURSE_ROOT", str(source / "course"))
    if chosen.get("site_url"):
        os.environ.setdefault("COURSE_SITE_URL", chosen["site_url"])
    course = common.course()
    phase = common.phase(course, str(chosen["phase"]))
    held = extra_checks(course, phase, source / "extra" if chosen.get("extra") else None)
    limit = chosen.get("max_submissions")
    with tempfile.TemporaryDirectory(prefix="autograder-") as scratch:
        target = locate(top / "submission", phase, Path(scratch))
        request = Request(
            grade=lambda: runner.grade(course, phase, target, extra=held),
            limit=Limit(limit, float(chosen.get("window_hours", 24))) if limit else None,
            metadata=top / "submission_metadata.json",
        )
        return results(request)


def _stop(_signum: int, _frame: FrameType | None) -> None:
    from grader.gradescope.results_file import Stopped

    raise Stopped(
        "The autograder was stopped before it finished (Gradescope's time limit?). This is "
        "not a problem in your code: tell your instructor."
    )


def main() -> int:
    from grader.gradescope.results_file import produce
    from grader.sandbox import become_subreaper

    become_subreaper()  # as `grade` does: processes a submission detaches are still ours to end
    # Stopped from outside: the checks' processes are ended and a file still says what happened.
    signal.signal(signal.SIGTERM, _stop)
    produce(root() / "results" / "results.json", make)
    # The results file says how it went: Gradescope reads it whatever the exit status.
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
