"""`grade gradescope-bundle phase-N -o autograder.zip`: the zip to upload to Gradescope (see
`grader.gradescope.bundle`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from grader.commands import common
from grader.commands.grade_phase import extra_checks
from grader.errors import EXIT_PASSED, UsageProblem


def run(
    spec: str,
    output: Path,
    extra: Path | None,
    max_submissions: int | None,
    window: float | None,
    site_url: str | None,
) -> int:
    from grader.gradescope.bundle import BundleSettings, build

    course = common.course()
    phase = common.phase(course, spec)
    if max_submissions is not None and max_submissions < 1:
        raise UsageProblem("--max-submissions takes a whole number from 1.")
    if window is not None and (max_submissions is None or window <= 0):
        raise UsageProblem("--window goes with --max-submissions N, in hours above 0.")
    site = site_url or os.environ.get("COURSE_SITE_URL") or course.site_url
    settings = BundleSettings(
        phase=phase,
        extra=extra_checks(course, phase, extra),
        max_submissions=max_submissions,
        window_hours=24.0 if window is None else window,
        site_url=site,
    )
    print(f"Building the grader's wheel and {output} ...", file=sys.stderr)
    written = build(course, settings, output)
    print(f"Wrote {written}: upload it as the autograder of a Gradescope assignment.")
    if "127.0.0.1" in site or "localhost" in site:
        common.warn(
            f"the lessons' links point at {site}, on the learner's own machine: give "
            "--site-url the address where you host the site."
        )
    return EXIT_PASSED
