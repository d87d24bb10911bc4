"""The learner's tools: hint, reset, solution, all, doctor."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, copy_tree, course_copy_at, grade_cli

from grader import stubs
from grader.catalogue import load_course

pytestmark = pytest.mark.slow


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    return course_copy_at(tmp_path / "course", 1)


def _break_health(root: Path) -> None:
    main = root / "exercises" / "phase-01" / "bookapi" / "main.py"
    copy_tree(ROOT / "solutions" / "phase-01", root / "fresh")
    main.write_text((root / "fresh" / "bookapi" / "main.py").read_text().replace('"ok"', '"fine"'))


def test_hints_come_one_step_per_call(course_copy: Path) -> None:
    phase = load_course(course_copy).find("1")
    assert phase is not None
    steps = next(check for check in phase.checks if check.id == "health_route").steps
    total = len(steps) + 1  # the failed step's own hint comes first
    assert total >= 3
    _break_health(course_copy)

    first = grade_cli("hint", "phase-1", cwd=course_copy)
    assert first.returncode == 1
    assert "Grading phase-1 first" in first.stderr  # no run to read hints from yet
    assert f"hint 1/{total}" in first.stdout and "exactly" in first.stdout  # the step's own hint
    assert _flat(steps[0]) not in _flat(first.stdout)
    assert "again shows the next step" in first.stdout

    second = grade_cli("hint", "phase-1", cwd=course_copy)
    assert "Grading" not in second.stderr  # the last run is still fresh
    assert f"hint 2/{total}" in second.stdout and _flat(steps[0]) in _flat(second.stdout)
    assert _flat(steps[1]) not in _flat(second.stdout)

    for _ in range(total):
        last = grade_cli("hint", "1", "health_route", cwd=course_copy).stdout
    assert f"hint {total}/{total}" in last and "last hint" in last
    data = json.loads(grade_cli("hint", "phase-1", "--json", cwd=course_copy).stdout)
    assert data["hints"][1:] == list(steps) and data["steps"] == total

    named = grade_cli("hint", "phase-1", "docs_page", cwd=course_copy)
    assert named.returncode == 0 and "passes already" in named.stdout


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_reset_keeps_a_backup_and_restores_the_stub(course_copy: Path) -> None:
    exercise = course_copy / "exercises" / "phase-01"
    (exercise / "bookapi" / "main.py").write_text("# my own work\n")
    (exercise / "notes.txt").write_text("ideas")

    refused = grade_cli("reset", "phase-1", cwd=course_copy)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert (exercise / "notes.txt").exists()

    run = grade_cli("reset", "phase-1", "--yes", cwd=course_copy)
    assert run.returncode == 0, run.stderr
    backups = list((course_copy / ".grade-backups").iterdir())
    assert len(backups) == 1 and backups[0].name.startswith("phase-1-")
    assert (backups[0] / "notes.txt").read_text() == "ideas"
    assert (backups[0] / "bookapi" / "main.py").read_text() == "# my own work\n"
    assert str(backups[0].relative_to(course_copy)) in run.stdout
    phase = load_course(course_copy).find("1")
    assert phase is not None
    assert stubs.files_in(exercise) == stubs.stored(phase)


def _answer_at_a_terminal(command: list[str], answer: str, cwd: Path) -> str:
    """Run `command` on a pseudo-terminal (util-linux `script`), type `answer`, return what
    it printed."""
    script = shutil.which("script")
    if script is None:
        pytest.skip("needs util-linux `script` for a pseudo-terminal")
    process = subprocess.Popen(
        [script, "-qec", shlex.join(command), "/dev/null"],
        cwd=cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    time.sleep(2.0)  # let it ask first
    output, _ = process.communicate(answer + "\n", timeout=60)
    assert process.returncode == 0, output
    return output


def test_reset_asks_first_at_a_terminal(course_copy: Path) -> None:
    main = course_copy / "exercises" / "phase-01" / "bookapi" / "main.py"
    main.write_text("# my own work\n")
    command = [sys.executable, "-m", "grader", "reset", "phase-1"]
    kept = _answer_at_a_terminal(command, "n", course_copy)
    assert "[y/N]" in kept and "Nothing changed" in kept
    assert main.read_text() == "# my own work\n"
    done = _answer_at_a_terminal(command, "y", course_copy)
    assert "Restored the untouched stub" in done
    assert main.read_text() != "# my own work\n"


def test_the_solution_waits_until_the_phase_passes(course_copy: Path) -> None:
    early = grade_cli("solution", "phase-1", cwd=course_copy)
    assert early.returncode == 2
    assert "does not pass yet" in early.stderr and "--force" in early.stderr

    forced = grade_cli("solution", "phase-1", "--force", cwd=course_copy)
    assert forced.returncode == 0 and "warning" in forced.stderr
    assert '@app.get("/health")' in forced.stdout

    exercise = course_copy / "exercises" / "phase-01"
    (exercise).rename(course_copy / "old")
    copy_tree(ROOT / "solutions" / "phase-01", exercise)
    assert grade_cli("phase-1", cwd=course_copy).returncode == 0
    shown = grade_cli("solution", "phase-1", cwd=course_copy)
    assert shown.returncode == 0 and not shown.stderr and '@app.get("/health")' in shown.stdout
    copied = grade_cli("solution", "phase-1", "--copy", cwd=course_copy)
    assert copied.returncode == 0
    assert (course_copy / "exercises" / "phase-01-solution" / "bookapi" / "main.py").is_file()


# `grade all` on a course of the first three phases: what it does with each phase is the same
# for ten (and every solution and stub is graded on its own by tests/test_phases.py).
SMALL_COURSE = (1, 2, 3)


def test_grade_all_grades_every_ready_phase(tmp_path: Path) -> None:
    root = course_copy_at(tmp_path / "course", *SMALL_COURSE, catalogue_upto=len(SMALL_COURSE))
    run = grade_cli("all", "--solution", "--json", cwd=root, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:]
    data = json.loads(run.stdout)
    ready = [p.number for p in load_course(root).ready_phases]
    assert ready == list(SMALL_COURSE)
    assert [phase["phase"] for phase in data["phases"]] == ready
    assert all(phase["all_passed"] for phase in data["phases"])


def test_grade_all_exits_1_and_records_each_phase(tmp_path: Path) -> None:
    ready = list(SMALL_COURSE)
    root = course_copy_at(tmp_path / "course", *ready, catalogue_upto=len(ready))
    run = grade_cli("all", cwd=root, timeout=300)
    assert run.returncode == 1
    assert f"0 of {len(ready)} phases pass every check" in run.stdout
    saved = json.loads((root / ".grade-progress.json").read_text())
    assert set(saved["phases"]) == {f"phase-{n}" for n in ready}


def test_doctor_says_what_the_machine_has() -> None:
    data = json.loads(grade_cli("doctor", "--json").stdout)
    topics = {finding["topic"]: finding for finding in data["findings"]}
    assert data["ok"] is True
    for topic in (
        "Python",
        "Course folder",
        "Library fastapi",
        "Site built",
        "Site served",
        "Chromium",
    ):
        assert topic in topics
    assert topics["Python"]["level"] == "ok"


def test_doctor_names_the_fix_for_a_library_that_is_too_old(tmp_path: Path) -> None:
    root = course_copy_at(tmp_path / "course")
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert pyproject.count('"fastapi[standard]>=') == 1
    (root / "pyproject.toml").write_text(
        pyproject.replace('"fastapi[standard]>=', '"fastapi[standard]>=999,>=')
    )
    run = grade_cli("doctor", cwd=root)
    assert run.returncode == 1
    assert "Library fastapi" in run.stdout and ">=999" in run.stdout
    assert "pip install -e . --upgrade" in run.stdout


def test_a_failing_kept_check_has_hints_too(tmp_path: Path) -> None:
    # Phase 2's code answers /health wrongly: Phase 2's own checks pass, Phase 1's rule (kept
    # by Phase 2) fails, and `grade hint phase-2` speaks to it, linking to Phase 1's page.
    root = course_copy_at(tmp_path / "course", 2)
    exercise = root / "exercises" / "phase-02"
    shutil.rmtree(exercise)
    copy_tree(ROOT / "solutions" / "phase-02", exercise)
    main = exercise / "bookapi" / "main.py"
    main.write_text(main.read_text().replace('{"status": "ok"}', '{"status": "fine"}'))
    phase = load_course(root).find("2")
    assert phase is not None
    kept = next(k for k in phase.keeps if k.key == "phase-1:health_route")

    first = grade_cli("hint", "phase-2", cwd=root)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "(still holds from Phase 1)" in first.stdout
    assert f"hint 1/{len(kept.check.steps) + 1}" in first.stdout
    assert "/phases/01-hello-fastapi/#your-first-path-operation" in first.stdout
    saved = json.loads((root / ".grade-progress.json").read_text())["phases"]["phase-2"]
    assert not saved["checks"]["phase-1:health_route"]["passed"]
    assert saved["hints_shown"] == {"phase-1:health_route": 1}

    for name in ("phase-1:health_route", "health_route"):
        data = json.loads(grade_cli("hint", "phase-2", name, "--json", cwd=root).stdout)
        assert data["check"] == "phase-1:health_route" and data["kept_from"] == 1
    assert data["hints"][1:] == list(kept.check.steps[:2])
    passing = grade_cli("hint", "phase-2", "phase-1:docs_page", cwd=root)
    assert passing.returncode == 0 and "passes already" in passing.stdout
