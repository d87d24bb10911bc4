"""Record how long each check takes on the reference solutions: grader/suites/durations.json.

    python scripts/check_durations.py            # every ready phase, medians of 3 runs
    python scripts/check_durations.py --repeat 1 --phases 9 10

`grade phase-N` splits a phase's checks between processes (`--jobs`), and balances them by
these figures; a check the file does not list counts as a short one, so a new phase grades
correctly before it is recorded, only less evenly split. Each phase is graded with `--jobs 1`
(one process, nothing else running beside it), and the file keeps each check's median seconds,
rounded to the hundredth, under the phase that ran it (a kept check costs what the later
phase's app makes it cost).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.catalogue import load_course  # noqa: E402
from grader.runner import DURATIONS  # noqa: E402


def grade_seconds(number: int) -> dict[str, float]:
    """Each check's seconds in one `grade phase-N --solution --jobs 1` run."""
    command = [sys.executable, "-m", "grader", f"phase-{number}", "--solution", "--json"]
    done = subprocess.run(
        [*command, "--jobs", "1"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    result = json.loads(done.stdout)
    if not result.get("all_passed"):
        raise SystemExit(f"phase {number}: the solution does not pass every check")
    return {check["id"]: float(check["seconds"]) for check in result["checks"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phases", type=int, nargs="+")
    options = parser.parse_args()
    course = load_course(ROOT)
    try:
        recorded = json.loads(DURATIONS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = {}
    for phase in course.ready_phases:
        if options.phases and phase.number not in options.phases:
            continue
        runs = [grade_seconds(phase.number) for _ in range(options.repeat)]
        recorded[phase.key] = {
            key: round(statistics.median(run[key] for run in runs), 2) for key in runs[0]
        }
        total = sum(recorded[phase.key].values())
        print(f"{phase.key}: {len(runs[0])} checks, {total:.1f} s in checks")
    ordered = {key: recorded[key] for key in sorted(recorded, key=lambda k: int(k.split("-")[1]))}
    DURATIONS.write_text(json.dumps(ordered, indent=1) + "\n", encoding="utf-8")
    print(f"written: {DURATIONS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
