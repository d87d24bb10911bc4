"""Gradescope: `grade phase-N --format gradescope --output FILE` always writes a results file
that Gradescope's specification accepts, held checks follow the instructor's visibility, a
submission limit keeps the last graded score, and the bundle's `run_autograder` grades a
simulated `/autograder` layout."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
from conftest import COURSE, ROOT, copy_tree, grade_cli, run_in_group
from pydantic import BaseModel, ConfigDict

from grader import runner
from grader.commands import grade_phase
from grader.extra import load_extra
from grader.gradescope.bundle import BundleSettings, build
from grader.gradescope.limit import Limit, judge, over_limit_results
from grader.gradescope.results_file import Request, results
from grader.gradescope.submission import locate

SOLUTION = ROOT / "solutions" / "phase-01"
STUB = ROOT / "exercises" / "phase-01"
EXAMPLE = ROOT / "examples" / "extra-checks"
PHASE_1 = COURSE.find("1")
assert PHASE_1 is not None
OWN = len(PHASE_1.check_keys)

Visibility = Literal["hidden", "after_due_date", "after_published", "visible"]
Format = Literal["text", "html", "simple_format", "md", "ansi"]


class GradescopeTest(BaseModel):
    """One entry of `tests` in Gradescope's results.json (its autograder specification)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    score: float
    max_score: float
    status: Literal["passed", "failed"]
    name: str
    number: str
    output: str
    visibility: Visibility
    name_format: Format | None = None
    output_format: Format | None = None
    tags: list[str] | None = None
    extra_data: dict[str, Any] | None = None


class GradescopeResults(BaseModel):
    """Gradescope's results.json, top level."""

    model_config = ConfigDict(extra="forbid", strict=True)
    score: float
    execution_time: int | None = None
    output: str
    output_format: Format | None = None
    test_output_format: Format | None = None
    test_name_format: Format | None = None
    visibility: Visibility | None = None
    stdout_visibility: Visibility | None = None
    extra_data: dict[str, Any] | None = None
    tests: list[GradescopeTest]


def valid(path: Path) -> GradescopeResults:
    results = GradescopeResults.model_validate(json.loads(path.read_text()))
    assert sum(test.score for test in results.tests) == results.score
    return results


def gradescope(target: Path, output: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return grade_cli(
        "phase-1", "--path", str(target), "--format", "gradescope", "--output", str(output), *extra
    )


def test_a_passing_submission(tmp_path: Path) -> None:
    run = gradescope(SOLUTION, tmp_path / "results.json")
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""  # the results go to the file only
    results = valid(tmp_path / "results.json")
    assert results.score == OWN and len(results.tests) == OWN
    assert {t.status for t in results.tests} == {"passed"}
    assert {t.visibility for t in results.tests} == {"visible"}
    assert results.output_format == "md" and results.stdout_visibility == "hidden"
    assert f"{OWN}/{OWN} checks passed" in results.output


def test_a_failing_submission_explains_each_failure(tmp_path: Path) -> None:
    target = copy_tree(SOLUTION, tmp_path / "submission")
    main = target / "bookapi" / "main.py"
    main.write_text(main.read_text().replace('{"status": "ok"}', '{"status": "fine"}'))
    run = gradescope(target, tmp_path / "results.json")
    assert run.returncode == 1, run.stderr
    results = valid(tmp_path / "results.json")
    assert results.score == OWN - 1
    failed = [t for t in results.tests if t.status == "failed"]
    assert [t.number for t in failed] == ["1.2"]
    assert "**Expected:**" in failed[0].output and "**Hint:**" in failed[0].output
    assert "](http://127.0.0.1:8008/phases/01-hello-fastapi/#" in failed[0].output


def test_an_unimportable_submission(tmp_path: Path) -> None:
    target = copy_tree(SOLUTION, tmp_path / "submission")
    (target / "bookapi" / "main.py").write_text("def broken(:\n")
    run = gradescope(target, tmp_path / "results.json")
    assert run.returncode == 1, run.stderr
    results = valid(tmp_path / "results.json")
    assert results.score == 0 and len(results.tests) == OWN
    assert "One problem blocks" in results.output and "syntax error" in results.output


def test_what_the_submission_prints_cannot_corrupt_the_file(tmp_path: Path) -> None:
    target = copy_tree(SOLUTION, tmp_path / "submission")
    main = target / "bookapi" / "main.py"
    main.write_text('print("{not json")\nprint("\\x00", end="")\n' + main.read_text())
    run = gradescope(target, tmp_path / "results.json")
    results = valid(tmp_path / "results.json")
    assert results.score == OWN and run.returncode == 0
    assert "{not json" not in run.stdout


def test_a_grader_failure_still_writes_a_valid_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the grader broke")

    monkeypatch.setattr(runner, "grade", broken)
    output = tmp_path / "out" / "results.json"
    code = grade_phase.run(
        spec="phase-1",
        solution=False,
        path=SOLUTION,
        as_json=False,
        timeout=None,
        verbose=False,
        fmt="gradescope",
        output=output,
    )
    assert code == 2
    results = valid(output)
    assert results.score == 0 and results.tests == []
    assert "RuntimeError: the grader broke" in results.output
    # A run that could not grade does not use up one of the learner's submissions.
    assert results.extra_data == {"graded": False, "error": True}
    # An unknown phase is written the same way.
    code = grade_phase.run("phase-99", False, SOLUTION, False, None, False, "gradescope", output)
    assert code == 2 and "There is no phase" in valid(output).output
    # And so is a wrong option in the autograder's script.
    code = grade_phase.run(
        "phase-1", False, SOLUTION, False, None, False, "gradescope", output, None, 0
    )
    assert code == 2 and "--max-submissions" in valid(output).output


def test_held_checks_follow_the_instructors_visibility(tmp_path: Path) -> None:
    run = gradescope(SOLUTION, tmp_path / "results.json", "--extra-checks", str(EXAMPLE))
    assert run.returncode == 0, run.stderr
    results = valid(tmp_path / "results.json")
    assert results.score == OWN + 2
    assert [t.visibility for t in results.tests] == [
        *["visible"] * OWN,
        "after_due_date",
        "after_published",
    ]
    assert "2 more checks held by your instructor ran; they count in your score" in results.output
    # The summary names no held check.
    assert not any(name in results.output for name in ("JSON", "405"))


def test_a_cause_found_only_by_held_checks_stays_out_of_the_summary(tmp_path: Path) -> None:
    run = gradescope(STUB, tmp_path / "results.json", "--extra-checks", str(EXAMPLE))
    results = valid(tmp_path / "results.json")
    assert run.returncode == 1 and results.score == 0
    assert f"One problem blocks {OWN} checks" in results.output
    assert "Blocked by one problem that fails" in results.tests[-1].output


def _metadata(now: datetime, *earlier: tuple[float, dict[str, Any] | None]) -> dict[str, Any]:
    """Gradescope's submission_metadata.json: submissions `hours` before `now`, with results."""
    return {
        "id": 1,
        "created_at": now.isoformat(),
        "previous_submissions": [
            {
                "submission_time": (now - timedelta(hours=hours)).isoformat(),
                "score": (results or {}).get("score", 0.0),
                "results": results,
            }
            for hours, results in earlier
        ],
    }


def test_over_the_limit_the_last_graded_score_stands(tmp_path: Path) -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    graded = {"score": 5.0, "tests": [], "output": "five", "extra_data": {"graded": True}}
    not_graded = {"score": 5.0, "tests": [], "extra_data": {"graded": False}}
    limit = Limit(submissions=2, hours=24)
    # Two graded in the window (and one over the limit, which does not count): over.
    metadata = _metadata(now, (30, {**graded, "score": 1.0}), (10, graded), (2, graded))
    metadata["previous_submissions"] += _metadata(now, (1, not_graded))["previous_submissions"]
    verdict = judge(limit, metadata)
    assert verdict.over and verdict.counted == 2
    assert verdict.next_counts_at == now + timedelta(hours=14)

    data = over_limit_results(limit, verdict)
    checked = GradescopeResults.model_validate(data)
    assert checked.score == 5.0 and data["extra_data"]["graded"] is False
    assert "2026-03-02 02:00 UTC" in checked.output and "five" in checked.output

    # One graded submission in the window: under the limit.
    assert not judge(limit, _metadata(now, (30, graded), (3, graded), (1, not_graded))).over

    def never() -> Any:
        raise AssertionError("a submission over the limit is not graded")

    path = tmp_path / "submission_metadata.json"
    path.write_text(json.dumps(metadata))
    data, code = results(Request(grade=never, limit=limit, metadata=path))
    assert code == 0 and data["score"] == 5.0 and data["extra_data"]["graded"] is False


def test_the_limit_is_applied_from_the_metadata_file(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    passed = {"name": "A check", "number": "1.1", "score": 1.0, "max_score": 1.0}
    tests = [{**passed, "status": "passed", "output": "", "visibility": "visible"}] * 4
    earlier = {"score": 4.0, "tests": tests, "output": "Four.", "extra_data": {"graded": True}}
    metadata = tmp_path / "submission_metadata.json"
    metadata.write_text(json.dumps(_metadata(now, (1, earlier))))
    limits = ("--max-submissions", "1", "--window", "2", "--metadata", str(metadata))
    run = gradescope(SOLUTION, tmp_path / "results.json", *limits)
    results = valid(tmp_path / "results.json")
    assert run.returncode == 0 and results.score == 4.0
    assert "This submission was not graded" in results.output
    metadata.write_text(json.dumps(_metadata(now, (3, earlier))))
    gradescope(SOLUTION, tmp_path / "results.json", *limits)
    results = valid(tmp_path / "results.json")
    assert results.score == OWN and "graded submission 1 of the 1 graded" in results.output


def test_a_submission_is_the_package_or_the_exercise_folder(tmp_path: Path) -> None:
    package = copy_tree(SOLUTION / "bookapi", tmp_path / "a" / "bookapi").parent
    assert locate(package, PHASE_1, tmp_path) == package
    loose = copy_tree(SOLUTION / "bookapi", tmp_path / "b")
    assert (locate(loose, PHASE_1, tmp_path / "scratch") / "bookapi" / "main.py").is_file()
    repository = tmp_path / "c"
    copy_tree(SOLUTION, repository / "exercises" / "phase-01")
    copy_tree(SOLUTION, repository / "solutions" / "phase-01")
    assert locate(repository, PHASE_1, tmp_path) == repository / "exercises" / "phase-01"
    (tmp_path / "d").mkdir()
    with pytest.raises(Exception, match="holds no `bookapi/` folder"):
        locate(tmp_path / "d", PHASE_1, tmp_path)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings = BundleSettings(
        phase=PHASE_1,
        extra=load_extra(EXAMPLE, COURSE, PHASE_1),
        max_submissions=3,
        window_hours=24.0,
        site_url="https://course.example.edu/",
    )
    return build(COURSE, settings, tmp_path_factory.mktemp("bundle") / "autograder.zip")


def _run_autograder(layout: Path, env: dict[str, str]) -> None:
    """`run_autograder` in its own process group, which is gone when it returns."""
    command = ["bash", str(layout / "source" / "run_autograder")]
    done = run_in_group(command, env={**os.environ, "AUTOGRADER_ROOT": str(layout), **env})
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_bundle_grades_a_simulated_autograder(bundle: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        archive.extractall(tmp_path / "autograder" / "source")
    assert {"setup.sh", "run_autograder", "course/course.toml", "settings.json"} <= names
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
    wheels = [name for name in names if name.startswith("dist/") and name.endswith(".whl")]
    assert len(wheels) == 1
    layout = tmp_path / "autograder"
    source = layout / "source"
    # setup.sh installs the grader from the zip's wheel: install it the same way, without the
    # network (its dependencies are this environment's), and grade with that grader.
    installed = tmp_path / "installed"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps"]
    subprocess.run(
        [*pip, "--target", str(installed), str(source / wheels[0])],
        check=True,
        timeout=120,
        start_new_session=True,
    )
    assert (installed / "grader" / "suites" / "phase_01" / "test_phase_01.py").is_file()
    assert '"$SOURCE"/dist/*.whl' in (source / "setup.sh").read_text()
    for script in ("setup.sh", "run_autograder"):
        subprocess.run(["bash", "-n", str(source / script)], check=True, timeout=30)
    env = {"GRADER_PYTHON": sys.executable, "PYTHONPATH": str(installed)}
    where = subprocess.run(  # from where run_autograder runs it (it changes to the layout)
        [sys.executable, "-c", "import grader; print(grader.__file__)"],
        cwd=layout,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert Path(where.stdout.strip()).is_relative_to(installed)  # the zip's grader, not ours

    # The learner submits the whole exercise folder, which prints at import.
    submission = copy_tree(SOLUTION, layout / "submission" / "phase-01")
    main = submission / "bookapi" / "main.py"
    main.write_text('print("{not json")\n' + main.read_text())
    (layout / "results").mkdir()
    now = datetime.now(UTC)
    (layout / "submission_metadata.json").write_text(json.dumps(_metadata(now)))
    _run_autograder(layout, env)
    results = valid(layout / "results" / "results.json")
    assert results.score == OWN + 2
    assert "graded submission 1 of the 3 graded submissions per 24 hours" in results.output

    # A submission without the package, and a Python without the grader: still a valid file.
    copy_tree(STUB, layout / "submission" / "second")
    _run_autograder(layout, env)
    assert "several `bookapi/` folders" in valid(layout / "results" / "results.json").output
    _run_autograder(layout, {"GRADER_PYTHON": str(tmp_path / "no-python")})
    assert valid(layout / "results" / "results.json").score == 0


def test_what_a_submission_answered_adds_no_html() -> None:
    from grader.render.gradescope import as_data
    from grader.results import CheckResult, Outcome, PhaseResult

    check = CheckResult(
        id="x",
        name="X",
        outcome=Outcome.FAILED,
        expected="a list, as in `def f() -> list[int]`",
        seen="the body <script>alert(1)</script>",
        hint="h",
    )
    data = as_data(PhaseResult(1, "phase-1", "T", "x", (check,), 1.0))
    output = GradescopeResults.model_validate(data).tests[0].output
    assert "&lt;script&gt;" in output and "<script>" not in output
    assert "`def f() -> list[int]`" in output  # code spans are shown as written
