"""The `grade` command as a learner and an instructor use it: exit codes, output, progress."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, copy_tree

from grader import progress
from grader.results import CheckResult, Outcome, PhaseResult

PHASE_1_SOLUTION = ROOT / "solutions" / "phase-01"


def grade(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    """A throwaway course folder (catalogue + phase 1), so progress files land there."""
    root = tmp_path / "course"
    root.mkdir()
    (root / "course.toml").write_text((ROOT / "course.toml").read_text())
    copy_tree(ROOT / "exercises" / "phase-01", root / "exercises" / "phase-01")
    copy_tree(PHASE_1_SOLUTION, root / "solutions" / "phase-01")
    return root


def test_solution_exits_0_and_lists_every_check() -> None:
    run = grade("phase-1", "--solution")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("✔") == 6 and "6/6 checks passed" in run.stdout


def test_stub_exits_1_with_a_hint_and_link_per_check(course_copy: Path) -> None:
    run = grade("phase-01", cwd=course_copy)
    assert run.returncode == 1
    assert run.stdout.count("✘") == 6
    assert len(re.findall(r"^ +hint +\S", run.stdout, flags=re.MULTILINE)) == 6
    assert run.stdout.count("http://127.0.0.1:8008/phases/01-hello-fastapi/#") == 6
    assert "Traceback" not in run.stdout + run.stderr


def test_json_output_is_the_same_results(course_copy: Path) -> None:
    run = grade("1", "--json", cwd=course_copy)
    assert run.returncode == 1
    data = json.loads(run.stdout)
    assert data["score"] == {"passed": 0, "total": 6}
    assert {c["outcome"] for c in data["checks"]} == {"failed"}
    assert all(c["docs_url"] and c["hint"] and c["seen"] for c in data["checks"])


def test_batch_grades_each_submission_of_a_class(tmp_path: Path) -> None:
    submissions = tmp_path / "class"
    copy_tree(PHASE_1_SOLUTION, submissions / "ada")
    copy_tree(ROOT / "exercises" / "phase-01", submissions / "brian")
    (submissions / "notes").mkdir()  # not a submission: no bookapi/ inside
    run = grade("phase-1", "--batch", str(submissions))
    assert run.returncode == 1
    assert "ada" in run.stdout and "6/6" in run.stdout and "0/6" in run.stdout
    assert "1 of 2 pass every check" in run.stdout
    data = json.loads(grade("phase-1", "--batch", str(submissions), "--json").stdout)
    assert [(s["submission"], s["score"]["passed"]) for s in data] == [("ada", 6), ("brian", 0)]
    empty = grade("phase-1", "--batch", str(submissions / "notes"))
    assert empty.returncode == 2 and "No submissions" in empty.stderr


def test_gradescope_output_scores_each_check() -> None:
    run = grade("phase-1", "--solution", "--gradescope")
    data = json.loads(run.stdout)
    assert (data["score"], data["max_score"]) == (6, 6)
    assert len(data["tests"]) == 6
    assert {test["status"] for test in data["tests"]} == {"passed"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["phase-99"], "no phase 'phase-99'"),
        (["phase-7"], "not written yet"),
        (["phase-1", "--path", "/no/such/folder"], "no folder"),
        (["phase-1", "--timeout", "0"], "positive"),
        (["--json"], "Name a phase"),
    ],
)
def test_what_cannot_be_graded_exits_2_with_a_clear_message(args: list[str], message: str) -> None:
    run = grade(*args)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr


def test_outside_a_course_folder_exits_2(tmp_path: Path) -> None:
    run = grade("phase-1", cwd=tmp_path)
    assert run.returncode == 2 and "course.toml" in run.stderr


def test_grade_finds_the_course_from_a_subfolder(course_copy: Path) -> None:
    run = grade("phase-1", "--solution", cwd=course_copy / "exercises" / "phase-01" / "bookapi")
    assert run.returncode == 0


def test_progress_is_recorded_and_shown(course_copy: Path) -> None:
    assert "not started" in grade(cwd=course_copy).stdout
    grade("phase-1", cwd=course_copy)
    table = grade(cwd=course_copy)
    assert table.returncode == 0
    assert "0/6" in table.stdout and "partial" in table.stdout and "coming soon" in table.stdout
    # Finishing the exercise (here: copying the solution in) turns the phase to done.
    (course_copy / "exercises" / "phase-01").rename(course_copy / "old")
    copy_tree(PHASE_1_SOLUTION, course_copy / "exercises" / "phase-01")
    assert grade("phase-1", cwd=course_copy).returncode == 0
    done = grade(cwd=course_copy).stdout
    assert "6/6" in done and "done" in done
    saved = json.loads((course_copy / progress.PROGRESS_FILE).read_text())
    assert saved["phases"]["phase-01"]["best"] == 6


def test_grading_a_solution_or_a_path_records_no_progress(course_copy: Path) -> None:
    grade("phase-1", "--solution", cwd=course_copy)
    grade("phase-1", "--path", str(PHASE_1_SOLUTION), cwd=course_copy)
    assert not (course_copy / progress.PROGRESS_FILE).exists()


def _result(passed: int) -> PhaseResult:
    checks = tuple(
        CheckResult(id=f"c{i}", name="n", outcome=Outcome.PASSED if i < passed else Outcome.FAILED)
        for i in range(3)
    )
    return PhaseResult(phase=1, key="phase-01", title="t", target="x", checks=checks, seconds=0.1)


def test_progress_keeps_the_best_score_and_writes_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    progress.record(tmp_path, _result(2))
    progress.record(tmp_path, _result(1))
    entry = progress.load(tmp_path)["phase-01"]
    assert (entry.best, entry.last) == (2, 1)
    before = (tmp_path / progress.PROGRESS_FILE).read_text()

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(progress.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        progress.record(tmp_path, _result(3))
    # Ctrl-C mid-write leaves the old file whole, and no temporary file behind.
    assert (tmp_path / progress.PROGRESS_FILE).read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == [progress.PROGRESS_FILE]


def test_an_unreadable_progress_file_is_set_aside(tmp_path: Path) -> None:
    (tmp_path / progress.PROGRESS_FILE).write_text("{not json")
    assert progress.load(tmp_path) == {}
    assert (tmp_path / (progress.PROGRESS_FILE + ".unreadable")).read_text() == "{not json"


def _variant(tmp_path: Path, tail: str) -> Path:
    target = copy_tree(PHASE_1_SOLUTION, tmp_path / "submission")
    main = target / "bookapi" / "main.py"
    main.write_text(main.read_text() + "\n" + tail)
    return target


def test_code_that_hangs_on_import_is_a_timeout_not_a_hang(tmp_path: Path) -> None:
    target = _variant(tmp_path, "while True:\n    pass\n")
    started = time.monotonic()
    run = grade("phase-1", "--path", str(target), "--timeout", "2", "--json")
    elapsed = time.monotonic() - started
    assert run.returncode == 1
    data = json.loads(run.stdout)
    assert "still running after 2 s" in data["checks"][0]["seen"]
    assert {check["outcome"] for check in data["checks"]} == {"timed out"}
    # The per-check limit plus a few seconds, not six limits.
    assert elapsed < 2 + 8, elapsed


def test_a_route_that_never_returns_is_stopped_and_the_rest_still_graded(tmp_path: Path) -> None:
    target = _variant(
        tmp_path,
        '@app.get("/{rest:path}")\n'
        "async def spin(rest: str) -> None:\n    while True:\n        pass\n",
    )
    run = grade("phase-1", "--path", str(target), "--timeout", "2", "--json")
    data = json.loads(run.stdout)
    outcomes = {c["id"]: c["outcome"] for c in data["checks"]}
    assert outcomes.pop("unknown_path_json_404") == "timed out"
    assert set(outcomes.values()) == {"passed"}


def test_code_that_exits_is_explained(tmp_path: Path) -> None:
    target = _variant(tmp_path, "import os\nos._exit(3)\n")
    run = grade("phase-1", "--path", str(target))
    assert run.returncode == 1
    assert "ended early" in run.stdout and "Traceback" not in run.stdout


def test_code_that_floods_output_stays_readable(tmp_path: Path) -> None:
    target = _variant(
        tmp_path,
        "import sys\nfor _ in range(20000):\n"
        "    print('x' * 200)\n    print('y' * 200, file=sys.stderr)\n",
    )
    run = grade("phase-1", "--path", str(target))
    assert run.returncode == 0
    assert len(run.stdout) < 5000


def test_syntax_errors_name_the_file_and_line(tmp_path: Path) -> None:
    target = _variant(tmp_path, "def broken(:\n")
    data = json.loads(grade("phase-1", "--path", str(target), "--json").stdout)
    assert "syntax error in bookapi/main.py, line" in data["checks"][0]["seen"]


@pytest.mark.parametrize(
    "tail",
    [
        '@app.on_event("startup")\ndef hello() -> None:\n    pass\n',
        # Starlette's own deprecation warnings are UserWarnings: they count too.
        "from starlette import status\nOLD = status.HTTP_422_UNPROCESSABLE_ENTITY\n",
    ],
    ids=["on_event", "old_422_name"],
)
def test_deprecated_apis_are_reported(tmp_path: Path, tail: str) -> None:
    target = _variant(tmp_path, tail)
    data = json.loads(grade("phase-1", "--path", str(target), "--json").stdout)
    assert "deprecated" in data["checks"][0]["seen"]
    assert "bookapi/main.py, line" in data["checks"][0]["seen"]


def test_ctrl_c_leaves_no_half_written_progress(course_copy: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", "phase-1"],
        cwd=course_copy,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)  # the hidden suite is running by now
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert "Traceback" not in err
    saved = course_copy / progress.PROGRESS_FILE
    if saved.exists():
        json.loads(saved.read_text())
    assert not list(course_copy.glob("*.tmp"))
