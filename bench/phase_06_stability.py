"""Does the Phase 6 grading flip the right way every time, on a busy machine?

Grades the reference solution and two wrong variants (a `time.sleep` and CPU work inside
`async def`) N times each (20 by default) while another process keeps one core busy, and prints
how often each timing check passed or failed, beside the ratios the checks measured and their
thresholds. It asserts nothing: it prints a table.

    python bench/phase_06_stability.py               # 20 runs of each, about five minutes
    python bench/phase_06_stability.py --runs 5 --targets solution correct_process_pool_cover

The checks write their measurements to the file named by GRADE_MEASUREMENTS (see
grader/suites/phase_06/test_phase_06.py); grading itself never sets it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.catalogue import load_course  # noqa: E402
from grader.runner import grade  # noqa: E402

VARIANTS = ROOT / "tests" / "variants" / "phase_06"
SOLUTION = ROOT / "solutions" / "phase-06"
TIMING = ("price_calls_run_concurrently", "loop_free_during_cover_work")
DEFAULT_TARGETS = ("solution", "wrong_time_sleep_in_async_route", "wrong_cpu_in_async_route")


def build(name: str, scratch: Path) -> tuple[Path, set[str]]:
    """The folder to grade for `name`, and the timing checks it must fail."""
    target = scratch / name
    shutil.copytree(SOLUTION, target, ignore=shutil.ignore_patterns("__pycache__"))
    if name == "solution":
        return target, set()
    spec = tomllib.loads((VARIANTS / name / "variant.toml").read_text())
    for edit in spec.get("edit", ()):
        path = target / edit["file"]
        text = path.read_text()
        assert text.count(edit["old"]) == 1, f"{name}: the edit's `old` text in {path}"
        path.write_text(text.replace(edit["old"], edit["new"]))
    must_fail = set(spec.get("fails", ())) if spec["expect"] == "fail" else set()
    return target, must_fail & set(TIMING)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--targets", nargs="+", default=list(DEFAULT_TARGETS))
    parser.add_argument("--idle", action="store_true", help="do not keep a core busy")
    parser.add_argument("--course", type=Path, default=ROOT, help="the folder of course.toml")
    options = parser.parse_args()

    course = load_course(options.course)
    phase = course.find("6")
    assert phase is not None and phase.status == "ready", "Phase 6 is not in the catalogue yet"
    busy = None
    if not options.idle:
        busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    scratch = Path(tempfile.mkdtemp(prefix="phase06-bench-"))
    rows = []
    try:
        for name in options.targets:
            target, must_fail = build(name, scratch)
            right = dict.fromkeys(TIMING, 0)
            ratios: dict[str, list[float]] = {"ratio": [], "price_lag": [], "cover_lag": []}
            limits: dict[str, float] = {}
            others_failed = 0
            started = time.perf_counter()
            for run in range(options.runs):
                measurements = scratch / f"{name}-{run}.jsonl"
                os.environ["GRADE_MEASUREMENTS"] = str(measurements)
                result = grade(course, phase, target)
                failing = {check.id for check in result.checks if not check.passed}
                for check in TIMING:
                    right[check] += (check in failing) == (check in must_fail)
                others_failed += bool(failing - set(TIMING)) and name == "solution"
                for line in measurements.read_text().splitlines() if measurements.exists() else ():
                    seen = json.loads(line)
                    if seen["check"] == TIMING[0]:
                        ratios["ratio"].append(seen["ratio"])
                        ratios["price_lag"].append(seen["lag_ratio"])
                        limits["ratio"] = seen["ratio_limit"]
                        limits["price_lag"] = seen["lag_limit"]
                    else:
                        ratios["cover_lag"].append(seen["lag_ratio"])
                        limits["cover_lag"] = seen["lag_limit"]
                print(f"  {name} run {run + 1}: failing {sorted(failing) or 'nothing'}", flush=True)
            seconds = (time.perf_counter() - started) / options.runs
            rows.append((name, must_fail, right, ratios, limits, others_failed, seconds))
    finally:
        os.environ.pop("GRADE_MEASUREMENTS", None)
        if busy is not None:
            busy.kill()
            busy.wait()
        shutil.rmtree(scratch, ignore_errors=True)

    load = "idle machine" if options.idle else "one core kept busy by another process"
    cores = os.cpu_count()
    print(f"\nPhase 6 timing checks: {options.runs} runs per target, {load}, {cores} cores.")
    print("A check flips correctly when it fails for a target that must fail it, and passes")
    print("for any other. Ratios are min / median / max over the runs; the check passes below")
    print("the threshold.\n")
    measures = {
        TIMING[0]: [("ratio", "5 at once / (5 x one)"), ("price_lag", "/health lag / one price")],
        TIMING[1]: [("cover_lag", "/health lag / one cover")],
    }
    header = (
        f"{'target':33} {'check':29} {'must':4} {'right':>5}  {'measure':24} "
        f"{'min':>5} {'median':>6} {'max':>5} {'limit':>5}"
    )
    print(header)
    print("-" * len(header))
    for name, must_fail, right, ratios, limits, others_failed, seconds in rows:
        for check in TIMING:
            must = "fail" if check in must_fail else "pass"
            for key, label in measures[check]:
                values = ratios[key] or [float("nan")]
                print(
                    f"{name:33} {check:29} {must:4} {right[check]:>2}/{options.runs:<2}  "
                    f"{label:24} {min(values):5.2f} {statistics.median(values):6.2f} "
                    f"{max(values):5.2f} {limits.get(key, float('nan')):5.2f}"
                )
        extra = f"; other checks failed in {others_failed} runs" if others_failed else ""
        print(f"{'':33} ({seconds:.1f} s per grading{extra})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
