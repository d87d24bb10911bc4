"""The `grade` command as a learner and an instructor use it: exit codes, output, progress."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from conftest import COURSE, ROOT, copy_tree, course_copy_at, grade_cli, processes_with

from grader import progress

PHASE_1_SOLUTION = ROOT / "solutions" / "phase-01"
# A phase that is listed but not written yet (the first one, whichever it is today), if any.
PLANNED = next((phase.key for phase in COURSE.phases if not phase.ready), None)
grade = grade_cli


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    """A throwaway course folder (catalogue + phase 1), so progress files land there."""
    return course_copy_at(tmp_path / "course", 1)


def test_solution_exits_0_and_lists_every_check() -> None:
    run = grade("phase-1", "--solution")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("✔") == 6 and "6/6 checks passed" in run.stdout


def test_the_stub_names_its_one_cause_once(course_copy: Path) -> None:
    # The untouched stub defines no app: one problem, reported once, blocking every check.
    run = grade("phase-1", cwd=course_copy)
    assert run.returncode == 1
    assert run.stdout.count("One problem blocks 6 checks") == 1
    assert run.stdout.count("— blocked by the above") == 6
    assert len(re.findall(r"^ +hint +\S", run.stdout, flags=re.MULTILINE)) == 1
    assert "http://127.0.0.1:8008/phases/01-hello-fastapi/#your-first-path-operation" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_json_output_is_the_same_results(course_copy: Path) -> None:
    run = grade("1", "--json", cwd=course_copy)
    assert run.returncode == 1
    data = json.loads(run.stdout)
    assert data["score"] == {"passed": 0, "total": 6}
    assert {c["outcome"] for c in data["checks"]} == {"failed"}
    assert all(c["docs_url"] and c["hint"] and c["seen"] for c in data["checks"])
    assert [cause["id"] for cause in data["causes"]] == ["app-missing"]
    assert {c["blocked_by"] for c in data["checks"]} == {"app-missing"}


def test_a_failing_step_gives_its_own_hint(tmp_path: Path) -> None:
    # The route answers, but with text: the hint is about the body, not about adding the route.
    target = copy_tree(PHASE_1_SOLUTION, tmp_path / "submission")
    main = target / "bookapi" / "main.py"
    main.write_text(main.read_text().replace('{"status": "ok"}', '{"status": "fine"}'))
    data = json.loads(grade("phase-1", "--path", str(target), "--json").stdout)
    health = next(c for c in data["checks"] if c["id"] == "health_route")
    assert "exactly" in health["hint"] and "Declare the route" not in health["hint"]


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
        *([([PLANNED], "not written yet")] if PLANNED else []),
        (["phase-1", "--path", "/no/such/folder"], "no folder"),
        (["phase-1", "--timeout", "0"], "positive"),
        (["phase-1", "--solution", "--path", "/tmp"], "choose one"),
        (["hint", "phase-1", "no_such_check"], "no check 'no_such_check'"),
        (["watch"], "Missing argument"),
    ],
)
def test_what_cannot_be_graded_exits_2_with_a_clear_message(args: list[str], message: str) -> None:
    run = grade(*args)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr


def test_a_course_root_without_a_catalogue_exits_2(tmp_path: Path) -> None:
    run = grade("phase-1", cwd=tmp_path, env={"COURSE_ROOT": str(tmp_path)})
    assert run.returncode == 2 and "course.toml" in run.stderr


def test_path_works_from_any_folder(tmp_path: Path) -> None:
    # Outside any course folder, the course is found from the installed grader.
    submission = copy_tree(PHASE_1_SOLUTION, tmp_path / "ada")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = grade("phase-1", "--path", str(submission), cwd=elsewhere)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "6/6 checks passed" in run.stdout


def test_grade_finds_the_course_from_a_subfolder(course_copy: Path) -> None:
    run = grade("phase-1", "--solution", cwd=course_copy / "exercises" / "phase-01" / "bookapi")
    assert run.returncode == 0


def test_progress_is_recorded_and_shown_with_the_next_step(course_copy: Path) -> None:
    first = grade(cwd=course_copy).stdout
    assert "not started" in first and "Next: phase-1" in first
    grade("phase-1", cwd=course_copy)
    table = grade(cwd=course_copy)
    assert table.returncode == 0
    assert "  phase-1   Hello, FastAPI" in table.stdout and "grade phase-01" not in table.stdout
    assert "0/6" in table.stdout and "partial" in table.stdout
    assert ("coming soon" in table.stdout) == (PLANNED is not None)
    assert "Next: phase-1 — Hello, FastAPI (6 checks to go)" in table.stdout
    # Finishing the exercise (here: copying the solution in) turns the phase to done.
    (course_copy / "exercises" / "phase-01").rename(course_copy / "old")
    copy_tree(PHASE_1_SOLUTION, course_copy / "exercises" / "phase-01")
    green = grade("phase-1", cwd=course_copy)
    assert green.returncode == 0 and "Next: phase-2 — Requests from type hints" in green.stdout
    done = grade(cwd=course_copy).stdout
    assert "6/6" in done and "done" in done and "Next: phase-2" in done
    saved = json.loads((course_copy / progress.PROGRESS_FILE).read_text())
    assert saved["version"] == progress.VERSION
    assert all(entry["passed"] for entry in saved["phases"]["phase-1"]["checks"].values())
    as_json = json.loads(grade("--json", cwd=course_copy).stdout)
    assert as_json["phases"][0] == {**as_json["phases"][0], "status": "done", "passed": 6}


def test_grading_a_solution_or_a_path_records_no_progress(course_copy: Path) -> None:
    grade("phase-1", "--solution", cwd=course_copy)
    grade("phase-1", "--path", str(PHASE_1_SOLUTION), cwd=course_copy)
    assert not (course_copy / progress.PROGRESS_FILE).exists()


def test_ctrl_c_leaves_no_half_written_progress_and_no_process(course_copy: Path) -> None:
    main = course_copy / "exercises" / "phase-01" / "bookapi" / "main.py"
    main.write_text(main.read_text() + "\nwhile True:\n    pass\n")
    tag = f"GRADE_TEST_TAG={uuid.uuid4().hex}"
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", "phase-1", "--timeout", "60"],
        cwd=course_copy,
        env={**os.environ, "GRADE_TEST_TAG": tag.split("=")[1]},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)  # the hidden suite is stuck in the import by now
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "Traceback" not in err
    assert "stopped" in err
    saved = course_copy / progress.PROGRESS_FILE
    if saved.exists():
        json.loads(saved.read_text())
    assert not list(course_copy.glob("*.tmp"))
    time.sleep(0.2)
    assert not processes_with(tag.encode())


def test_verbose_adds_pytests_own_report(tmp_path: Path) -> None:
    target = copy_tree(PHASE_1_SOLUTION, tmp_path / "submission")
    main = target / "bookapi" / "main.py"
    main.write_text(main.read_text().replace('{"status": "ok"}', '{"status": "fine"}'))
    quiet = grade("phase-1", "--path", str(target))
    loud = grade("phase-1", "--path", str(target), "--verbose")
    assert quiet.returncode == loud.returncode == 1
    assert "test_phase_01.py" not in quiet.stdout
    assert "test_phase_01.py" in loud.stdout and "CheckFailed" in loud.stdout


def test_output_is_plain_when_piped_and_coloured_only_when_asked() -> None:
    plain = grade("phase-1", "--solution")
    assert "\x1b[" not in plain.stdout
    forced = grade("phase-1", "--solution", env={"NO_COLOR": "", "FORCE_COLOR": "1"})
    assert "\x1b[" in forced.stdout
    assert "\x1b[3" not in grade("phase-1", "--solution", env={"FORCE_COLOR": "1"}).stdout


@pytest.mark.parametrize("command", ["watch", "hint", "all", "doctor", "reset", "solution"])
def test_every_command_has_help_with_examples(command: str) -> None:
    run = grade(command, "--help")
    assert run.returncode == 0
    assert "Examples:" in run.stdout and f"grade {command}" in run.stdout


def test_top_level_help_lists_the_commands() -> None:
    run = grade("--help")
    assert run.returncode == 0
    for command in ("watch", "hint", "all", "doctor", "reset", "solution"):
        assert command in run.stdout


def test_deprecated_apis_are_one_cause_with_file_and_line(tmp_path: Path) -> None:
    target = copy_tree(PHASE_1_SOLUTION, tmp_path / "submission")
    main = target / "bookapi" / "main.py"
    on_event = '\n@app.on_event("startup")\ndef hello() -> None:\n    pass\n'
    main.write_text(main.read_text() + on_event)
    data = json.loads(grade("phase-1", "--path", str(target), "--json").stdout)
    assert [cause["id"] for cause in data["causes"]] == ["deprecated-api"]
    assert "bookapi/main.py, line" in data["causes"][0]["seen"]
    assert data["causes"][0]["docs_url"].endswith("#deprecated-apis-fail-the-grader")


def test_a_redirect_is_reported_as_what_a_client_sees(tmp_path: Path) -> None:
    target = copy_tree(PHASE_1_SOLUTION, tmp_path / "submission")
    main = target / "bookapi" / "main.py"
    text = main.read_text()
    assert text.count('@app.get("/books")') == 1
    main.write_text(text.replace('@app.get("/books")', '@app.get("/books/")'))
    data = json.loads(grade("phase-1", "--path", str(target), "--json").stdout)
    books = next(c for c in data["checks"] if c["id"] == "books_empty_list")
    assert "status 307, a redirect to http://testserver/books/" in books["seen"]


def test_the_entry_point_knows_every_command() -> None:
    # grader.entry decides, before importing Typer, whether to start the checks early.
    from grader.cli import GRADE_ONE, app
    from grader.entry import OTHER_COMMANDS, grades_one_phase

    names = {c.name or getattr(c.callback, "__name__", "") for c in app.registered_commands}
    assert names - {GRADE_ONE} == OTHER_COMMANDS
    assert grades_one_phase(["phase-3", "--json"]) and grades_one_phase(["3"])
    assert not any(
        grades_one_phase(args)
        for args in (
            [],
            ["--json"],
            ["watch", "3"],
            ["all"],
            ["3", "--help"],
            ["3", "--batch", "x"],
        )
    )
