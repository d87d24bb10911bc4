"""Instructor-held checks (`--extra-checks DIR`): the format is validated with clear errors, and
the checks run after the phase's own, marked as held, and count in the score."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import COURSE, ROOT, copy_tree, grade_cli

from grader import runner
from grader.extra import ExtraChecksError, load_extra

EXAMPLE = ROOT / "examples" / "extra-checks"
PHASE_1 = COURSE.find("1")
assert PHASE_1 is not None
OWN = len(PHASE_1.check_keys)

TOML = """
[[phase]]
number = {number}

[[phase.check]]
id = "{check_id}"
name = "A check of my own"
hint = "Do the thing."
{link}
"""
TEST = "def test_{name}(client):\n    pass\n"


def _extra(
    folder: Path,
    *,
    number: int = 1,
    check_id: str = "my_check",
    link: str = 'anchor = "your-first-path-operation"',
    tests: dict[str, str] | None = None,
) -> Path:
    """A checks.toml with one check, and its phase folder holding `tests` (file: function)."""
    folder.mkdir()
    (folder / "checks.toml").write_text(TOML.format(number=number, check_id=check_id, link=link))
    suite = folder / f"phase_{number:02d}"
    suite.mkdir()
    for file, name in (tests if tests is not None else {"test_mine.py": check_id}).items():
        (suite / file).write_text(TEST.format(name=name))
    return folder


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"number": 99}, "there is no ready phase 99"),
        ({"check_id": "health_route"}, "'health_route' is already its own check's id"),
        ({"tests": {"test_mine.py": "other"}}, "needs exactly one function test_my_check"),
        (
            {"tests": {"test_a.py": "my_check", "test_b.py": "my_check"}},
            "needs exactly one function test_my_check in",
        ),
        (
            {"tests": {"test_a.py": "my_check", "test_b.py": "stray"}},
            "test_stray in",
        ),
        ({"tests": {"test_phase_01.py": "my_check"}}, "named like a hidden suite's module"),
        ({"link": "steps = []"}, "give either `anchor`"),
        ({"link": 'url = "https://x.example/"\nvisibility = "later"'}, "visibility must be one"),
        ({"link": 'anchor = "a"\nurl = "https://x.example/"'}, "not both"),
    ],
)
def test_the_format_is_checked_with_a_clear_error(
    tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    folder = _extra(tmp_path / "extra", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ExtraChecksError, match=message.replace("(", r"\(")):
        load_extra(folder, COURSE, PHASE_1)


def test_checks_for_another_phase_only_are_refused(tmp_path: Path) -> None:
    phase_2 = COURSE.find("2")
    assert phase_2 is not None
    with pytest.raises(ExtraChecksError, match="holds no checks for phase 2"):
        load_extra(EXAMPLE, COURSE, phase_2)


def test_the_cli_refuses_a_broken_folder_and_names_the_problem(tmp_path: Path) -> None:
    folder = _extra(tmp_path / "extra", check_id="health_route")
    run = grade_cli("phase-1", "--solution", "--extra-checks", str(folder))
    assert run.returncode == 2
    assert "--extra-checks" in run.stderr and "health_route" in run.stderr


def test_the_example_passes_the_solution_and_fails_the_stub() -> None:
    extra = load_extra(EXAMPLE, COURSE, PHASE_1)
    assert [held.check.id for held in extra.checks] == ["health_is_json", "wrong_method_405"]
    run = grade_cli("phase-1", "--solution", "--json", "--extra-checks", str(EXAMPLE))
    assert run.returncode == 0, run.stdout + run.stderr
    data = json.loads(run.stdout)
    assert data["score"] == {"passed": OWN + 2, "total": OWN + 2}
    assert data["held"] == {"passed": 2, "total": 2}
    held = data["checks"][-2:]
    assert [c["id"] for c in held] == ["health_is_json", "wrong_method_405"]
    assert all(c["held"] and c["note"] == "held by your instructor" for c in held)
    assert [c["visibility"] for c in held] == ["after_due_date", "after_published"]
    assert not any(c["held"] for c in data["checks"][:-2])

    stub = runner.grade(COURSE, PHASE_1, ROOT / "exercises" / "phase-01", extra=extra)
    assert stub.passed == 0 and [c.passed for c in stub.held] == [False, False]
    # The same one cause (no app) blocks the instructor's checks too, reported once.
    assert [cause.id for cause in stub.causes] == ["app-missing"]
    assert {c.blocked_by for c in stub.held} == {"app-missing"}


def test_failing_an_extra_check_loses_that_point(tmp_path: Path) -> None:
    # The solution, plus a POST /health: the course's checks all pass, one held check fails.
    target = copy_tree(ROOT / "solutions" / "phase-01", tmp_path / "submission")
    main = target / "bookapi" / "main.py"
    main.write_text(
        main.read_text() + '\n\n@app.post("/health")\ndef poke() -> dict[str, str]:\n'
        '    return {"status": "poked"}\n'
    )
    extra = load_extra(EXAMPLE, COURSE, PHASE_1)
    result = runner.grade(COURSE, PHASE_1, target, extra=extra)
    assert (result.passed, result.total) == (OWN + 1, OWN + 2)
    assert all(check.passed for check in result.own)
    failed = [check for check in result.checks if not check.passed]
    assert [check.id for check in failed] == ["wrong_method_405"]
    assert failed[0].held and "405" in failed[0].expected and "200" in failed[0].seen
    # Its link is the instructor's own page, its hint the instructor's.
    assert failed[0].docs_url.startswith("https://developer.mozilla.org/")
    assert result.first_link() == failed[0].docs_url


def test_extra_checks_do_not_touch_the_progress_file(tmp_path: Path) -> None:
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "course.toml", course / "course.toml")
    copy_tree(ROOT / "exercises" / "phase-01", course / "exercises" / "phase-01")
    run = grade_cli("phase-1", "--extra-checks", str(EXAMPLE), cwd=course)
    assert run.returncode == 1 and "Held by your instructor  0/2" in run.stdout
    assert not any(path.name.startswith(".grade") for path in course.iterdir())
