"""The `grade` command as a learner and an instructor use it: exit codes, output, progress."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import ModuleType

import pytest
from conftest import COURSE, ROOT, copy_tree, course_copy_at, grade_cli, processes_with

from grader import progress
from grader.pytest_plugin import _phase_anchor, kept_scene
from grader.render import as_json, gradescope, terminal
from grader.render.console import make_console
from grader.results import CauseResult, CheckResult, Outcome, PhaseResult

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
    # `grade batch` (tests/test_grade_batch.py has the hostile classes); `grade phase --batch`
    # is gone.
    submissions = tmp_path / "class"
    copy_tree(PHASE_1_SOLUTION, submissions / "ada")
    copy_tree(ROOT / "exercises" / "phase-01", submissions / "brian")
    run = grade("batch", "phase-1", str(submissions), cwd=tmp_path)
    assert run.returncode == 1, run.stderr  # brian's stub has no app: not graded through
    assert "ada" in run.stdout and "6/6" in run.stdout and "0/6" in run.stdout
    assert "1 of 2 pass every check (1 graded, 1 not importable)" in run.stdout
    data = json.loads(grade("batch", "1", str(submissions), "--json", cwd=tmp_path).stdout)
    assert [(s["learner"], s["score"], s["status"]) for s in data["submissions"]] == [
        ("ada", 6, "graded"),
        ("brian", 0, "not importable"),
    ]
    assert (tmp_path / "gradebook" / "phase-01.csv").is_file()
    (tmp_path / "nobody").mkdir()
    empty = grade("batch", "phase-1", str(tmp_path / "nobody"), cwd=tmp_path)
    assert empty.returncode == 2 and "No submissions" in empty.stderr
    gone = grade("phase-1", "--batch", str(submissions))
    assert gone.returncode == 2 and "--batch" in gone.stderr


def test_gradescope_output_scores_each_check() -> None:
    # Without --output, the results file is printed (tests/test_gradescope.py has the rest).
    run = grade("phase-1", "--solution", "--format", "gradescope")
    data = json.loads(run.stdout)
    assert data["score"] == 6 and sum(test["max_score"] for test in data["tests"]) == 6
    assert len(data["tests"]) == 6
    assert {test["status"] for test in data["tests"]} == {"passed"}
    both = grade("phase-1", "--solution", "--json", "--format", "gradescope")
    assert both.returncode == 2 and "choose one" in both.stderr


def _with_kept_checks() -> PhaseResult:
    """Phase 5's results as the renderers see them: an own check, and two kept from Phase 4."""
    shape = "http://127.0.0.1:8008/phases/04-status-codes-and-errors/#one-error-shape-everywhere"
    checks = (
        CheckResult(id="settings_from_environment", name="Settings", outcome=Outcome.PASSED),
        CheckResult(
            id="phase-4:one_error_shape",
            name="Every error answers one shape",
            outcome=Outcome.FAILED,
            expected="a 404 shaped like the others",
            seen="a bare text answer",
            hint="Register the handler once, on the app.",
            docs_url=shape,
            kept_from=4,
        ),
        CheckResult(
            id="phase-4:server_error_generic",
            name="Server errors say nothing",
            outcome=Outcome.PASSED,
            kept_from=4,
        ),
    )
    return PhaseResult(5, "phase-5", "DI", "x", checks, 1.0)


def test_kept_checks_are_rendered_as_still_holding_from_their_phase() -> None:
    result = _with_kept_checks()
    stream = io.StringIO()
    terminal.render(make_console(stream), result)
    shown = stream.getvalue()
    assert "Still holds from Phase 4  1/2" in shown
    # Kept checks follow the phase's own, with their own hint and a link to their own phase.
    assert shown.index("Settings") < shown.index("Still holds") < shown.index("Server errors")
    assert "Register the handler once" in shown and "04-status-codes-and-errors/#one-error" in shown
    assert "2/3 checks passed (1/2 of them from earlier phases)" in shown

    data = json.loads(as_json.render(result))
    assert data["score"] == {"passed": 2, "total": 3}
    assert data["still_holds"] == {"passed": 1, "total": 2}
    kept = data["checks"][1]
    assert kept["id"] == "phase-4:one_error_shape" and kept["kept_from"] == 4
    assert kept["note"] == "still holds from Phase 4"
    assert data["checks"][0]["kept_from"] is None and data["checks"][0]["note"] == ""

    marked = json.loads(gradescope.render(result))
    assert (marked["score"], len(marked["tests"])) == (2, 3)
    assert marked["tests"][1]["name"] == "Every error answers one shape (still holds from Phase 4)"
    assert "04-status-codes-and-errors/#one-error-shape" in marked["tests"][1]["output"]


def test_the_phases_own_failures_come_before_what_only_kept_checks_found() -> None:
    # An own check fails for its own reason; a kept one is blocked by a cause only it found.
    own_url = "http://127.0.0.1:8008/phases/05-dependency-injection/#when-the-handler-raises"
    kept_url = "http://127.0.0.1:8008/phases/04-status-codes-and-errors/#404-not-found"
    checks = (
        CheckResult(
            id="session_rolls_back_on_error",
            name="Own rule",
            outcome=Outcome.FAILED,
            expected="e",
            seen="s",
            hint="Own hint.",
            docs_url=own_url,
        ),
        CheckResult(
            id="phase-4:missing_returns_404",
            name="Kept rule",
            outcome=Outcome.FAILED,
            hint="Kept hint.",
            docs_url=kept_url,
            blocked_by="missing-not-404",
            kept_from=4,
        ),
    )
    cause = CauseResult(
        "missing-not-404",
        "a 404",
        "a crash",
        "Kept hint.",
        kept_url,
        ("phase-4:missing_returns_404",),
    )
    result = PhaseResult(5, "phase-5", "DI", "x", checks, 1.0, causes=(cause,))
    assert result.own_causes == () and result.kept_causes == (cause,)
    assert result.first_link() == own_url
    stream = io.StringIO()
    terminal.render(make_console(stream), result)
    shown = stream.getvalue()
    assert (
        shown.index("Own rule")
        < shown.index("One problem blocks 1 check")
        < shown.index("Kept rule")
    )
    only_kept = PhaseResult(5, "phase-5", "DI", "x", checks[1:], 1.0, causes=(cause,))
    assert only_kept.first_link() == kept_url


def test_a_phase_reports_the_checks_it_keeps() -> None:
    phase = COURSE.find("2")
    assert phase is not None and phase.keeps
    run = grade("phase-2", "--solution")
    assert run.returncode == 0, run.stdout + run.stderr
    total = len(phase.check_keys)
    assert f"Still holds from Phase 1  {len(phase.keeps)}/{len(phase.keeps)}" in run.stdout
    assert f"{total}/{total} checks passed" in run.stdout
    data = json.loads(grade("phase-2", "--solution", "--json").stdout)
    assert [check["id"] for check in data["checks"]] == list(phase.check_keys)
    assert {c["note"] for c in data["checks"][len(phase.checks) :]} == {"still holds from Phase 1"}


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
    _wait_until_stuck(tag.encode(), process.pid)
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


def _wait_until_stuck(tag: bytes, grader: int, limit: float = 60.0) -> None:
    """Wait until a process of the run (not the grader itself) has spun for half a CPU second:
    the hidden suite is then stuck in the learner's endless import, however loaded the machine."""
    ticks = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        for line in processes_with(tag):
            pid = int(line.split(":", 1)[0])
            if pid == grader:
                continue
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if (int(fields[11]) + int(fields[12])) / ticks >= 0.5:  # utime + stime
                return
        time.sleep(0.1)
    raise AssertionError("the run never got stuck in the endless import")


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
            ["batch", "phase-3", "x"],
        )
    )


def test_a_kept_check_runs_in_its_own_suite_on_the_graded_phases_setting() -> None:
    # What `grader.pytest_plugin.kept_scene` makes of an earlier suite module for a later phase.
    def module(name: str, **fixtures: object) -> ModuleType:
        made = ModuleType(name)
        vars(made).update(fixtures)
        return made

    def autouse(name: str) -> object:
        def fixture() -> str:
            return name

        return pytest.fixture(fixture, autouse=True, name=name)

    def plain(name: str) -> object:
        def fixture() -> str:
            return name

        return pytest.fixture(fixture, name=name)

    def test_rule() -> None:
        pass

    earlier = module(
        "test_phase_05",
        environment=autouse("environment"),
        client=plain("client"),
        test_rule=test_rule,
    )
    graded = module(
        "test_phase_07", environment=autouse("environment"), database=autouse("database")
    )
    vars(graded).update(app=plain("app"), client=plain("client"))
    scene = kept_scene(earlier, [graded])
    marker = "_fixture_function_marker"
    assert scene.test_rule is test_rule and scene.__name__ == "test_phase_05"
    # The earlier suite's fixtures win by name; the graded phase's fill the gaps.
    assert scene.client is earlier.client and scene.app is graded.app
    # Every autouse fixture runs through one, in order: the graded phase's setting, then the
    # earlier suite's (which a check may still ask for by its name).
    assert getattr(scene.kept_setting, marker).autouse
    for name in ("environment", "graded_phase_environment", "database"):
        assert not getattr(getattr(scene, name), marker).autouse, name
    assert scene.environment.__wrapped__ is earlier.environment.__wrapped__
    assert scene.graded_phase_environment.__wrapped__ is graded.environment.__wrapped__
    # The originals are untouched: the graded phase's own checks use them as they are.
    assert getattr(graded.environment, marker).autouse and graded.environment.name == "environment"


@pytest.mark.parametrize(
    ("anchor", "suite", "qualified"),
    [
        ("timestamps", "phase_03", "phase-3#timestamps"),
        ("phase-2#path-parameters", "phase_03", "phase-2#path-parameters"),
        ("timestamps", None, "timestamps"),
        (None, "phase_03", None),
    ],
)
def test_a_relative_anchor_means_the_page_of_the_suite_that_wrote_it(
    anchor: str | None, suite: str | None, qualified: str | None
) -> None:
    assert _phase_anchor(anchor, suite) == qualified
