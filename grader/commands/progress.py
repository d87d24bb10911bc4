"""`grade` alone: the learner's progress over every phase, and the next step."""

from __future__ import annotations

import json

from grader import progress
from grader.commands import common
from grader.errors import EXIT_PASSED


def run(as_json: bool) -> int:
    course = common.course()
    saved = progress.load(course.root, course)
    if saved.set_aside is not None:
        common.warn(f"your progress file could not be read; it was moved to {saved.set_aside}.")
    from grader.render import progress_table

    if as_json:
        print(json.dumps(progress_table.as_data(course, saved), indent=2))
    else:
        from grader.render.console import make_console

        progress_table.render(make_console(), course, saved)
    return EXIT_PASSED
