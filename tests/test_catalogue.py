"""The catalogue (course.toml) agrees with the files, the hidden suites and the site's nav."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml
from conftest import COURSE, READY, ROOT, phase_params

from course_site.nav_check import phase_pages_in_nav
from grader import stubs
from grader.catalogue import CatalogueError, Phase, load_course
from grader.runner import SUITES


def _mkdocs_nav() -> object:
    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml uses !ENV and !!python/name tags; the nav needs neither.
    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    return yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=Loader)["nav"]


def test_the_course_lists_ten_phases_in_order() -> None:
    assert [p.number for p in COURSE.phases] == list(range(1, 11))
    assert len({p.slug for p in COURSE.phases}) == 10


def test_nav_lists_exactly_the_ready_phases_in_order() -> None:
    assert phase_pages_in_nav(_mkdocs_nav()) == [p.page for p in COURSE.ready_phases]


@pytest.mark.parametrize("phase", phase_params())
def test_ready_phase_files_exist(phase: Phase) -> None:
    assert phase.page and (ROOT / "docs" / phase.page).is_file()
    assert phase.notebook and (ROOT / phase.notebook).is_file()
    for folder in (phase.exercise, phase.solution):
        assert folder and (ROOT / folder / "bookapi" / "main.py").is_file()
        assert (ROOT / folder / "README.md").is_file()
    assert phase.page == f"phases/{phase.number:02d}-{phase.slug}.md"


@pytest.mark.parametrize("phase", phase_params())
def test_checks_match_the_hidden_suite_one_to_one(phase: Phase) -> None:
    suite = SUITES / phase.suite
    names: list[str] = []
    for module in sorted(suite.glob("test_*.py")):
        tree = ast.parse(module.read_text())
        names += [
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test_")
        ]
    assert names == [check.test_name for check in phase.checks]


@pytest.mark.parametrize("phase", phase_params())
def test_check_texts_are_written(phase: Phase) -> None:
    ids = [check.id for check in phase.checks]
    assert len(ids) == len(set(ids)), "check ids repeat"
    for check in phase.checks:
        assert check.name.strip() and check.hint.strip() and check.anchor.strip()
        assert "#" not in check.anchor, "anchor is the heading id alone"


@pytest.mark.parametrize("phase", phase_params())
def test_every_check_has_hint_steps(phase: Phase) -> None:
    # `grade hint` shows the failure's own hint, then these, one per call.
    for check in phase.checks:
        assert len(check.steps) >= 2, f"{check.id} needs at least two hint steps"
        assert all(step.strip() and step != check.hint for step in check.steps)
        assert len(set(check.steps)) == len(check.steps)


def test_a_broken_catalogue_is_reported_clearly(tmp_path: Path) -> None:
    (tmp_path / "course.toml").write_text(
        '[course]\ntitle = "x"\nsite_url = "http://h/"\ncheck_timeout = 1.0\n'
        '[[phase]]\nnumber = 1\nslug = "a"\ntitle = "A"\nstatus = "ready"\n'
    )
    with pytest.raises(CatalogueError, match="phase 1"):
        load_course(tmp_path)


@pytest.mark.parametrize("value", ["0", "-5", '"slow"', "true"])
def test_a_phase_check_timeout_must_be_positive_seconds(tmp_path: Path, value: str) -> None:
    (tmp_path / "course.toml").write_text(
        '[course]\ntitle = "x"\nsite_url = "http://h/"\ncheck_timeout = 1.0\n'
        f'[[phase]]\nnumber = 1\nslug = "a"\ntitle = "A"\nstatus = "planned"\n'
        f"check_timeout = {value}\n"
    )
    with pytest.raises(CatalogueError, match="check_timeout"):
        load_course(tmp_path)


def test_a_phase_may_give_its_checks_more_time(tmp_path: Path) -> None:
    (tmp_path / "course.toml").write_text(
        '[course]\ntitle = "x"\nsite_url = "http://h/"\ncheck_timeout = 1.0\n'
        '[[phase]]\nnumber = 1\nslug = "a"\ntitle = "A"\nstatus = "planned"\n'
        "check_timeout = 30\n"
        '[[phase]]\nnumber = 2\nslug = "b"\ntitle = "B"\nstatus = "planned"\n'
    )
    first, second = load_course(tmp_path).phases
    assert (first.check_timeout, second.check_timeout) == (30.0, None)


@pytest.mark.parametrize(
    ("spec", "number"),
    [("phase-1", 1), ("phase-01", 1), ("1", 1), ("PHASE_10", 10), ("hello-fastapi", 1)],
)
def test_phases_are_found_by_any_reasonable_name(spec: str, number: int) -> None:
    found = COURSE.find(spec)
    assert found is not None and found.number == number


@pytest.mark.parametrize("spec", ["phase-99", "0", "hello", ""])
def test_unknown_phases_are_not_found(spec: str) -> None:
    assert COURSE.find(spec) is None


def test_home_page_links_exactly_the_ready_phases() -> None:
    home = (ROOT / "docs" / "index.md").read_text()
    for phase in COURSE.phases:
        row = next(line for line in home.splitlines() if line.startswith(f"| {phase.number} |"))
        assert phase.title in row.replace("`", "")
        assert (f"]({phase.page})" in row) == phase.ready, row


@pytest.mark.parametrize("phase", phase_params())
def test_the_stub_archive_matches_the_exercise(phase: Phase) -> None:
    # `grade reset` restores this archive: it must be the exercise as shipped.
    assert phase.exercise is not None
    assert stubs.archive_of(phase).is_file(), "run `python -m grader.stubs`"
    shipped = stubs.files_in(ROOT / phase.exercise)
    assert stubs.stored(phase) == shipped, "the stub changed: run `python -m grader.stubs`"


# --- [phase.keeps]: the earlier checks a later phase still holds --------------------------------


def _phase_toml(number: int, status: str = "ready", keeps: str = "") -> str:
    return (
        f'[[phase]]\nnumber = {number}\nslug = "p{number}"\ntitle = "P{number}"\n'
        f'status = "{status}"\npage = "p{number}.md"\nexercise = "e{number}"\n'
        f'solution = "s{number}"\nnotebook = "n{number}.ipynb"\n'
        + (f"[phase.keeps]\n{keeps}\n" if keeps else "")
        + "".join(
            f'[[phase.check]]\nid = "{check}"\nname = "N"\nhint = "H"\nanchor = "a"\n'
            for check in ("first", "second")
        )
    )


def _course_toml(tmp_path: Path, *phases: str) -> Path:
    (tmp_path / "course.toml").write_text(
        '[course]\ntitle = "x"\nsite_url = "http://h/"\ncheck_timeout = 1.0\n' + "".join(phases)
    )
    return tmp_path


def test_a_phase_keeps_earlier_checks_in_their_phases_order(tmp_path: Path) -> None:
    course = load_course(
        _course_toml(
            tmp_path,
            _phase_toml(1),
            _phase_toml(2),
            _phase_toml(3, keeps='phase-2 = ["second"]\nphase-1 = ["second", "first"]'),
        )
    )
    first, second, third = course.phases
    assert first.keeps == second.keeps == ()
    assert [kept.key for kept in third.keeps] == [
        "phase-1:first",
        "phase-1:second",
        "phase-2:second",
    ]
    assert third.keeps[0].check is first.checks[0]
    assert third.check_keys == (
        "first",
        "second",
        "phase-1:first",
        "phase-1:second",
        "phase-2:second",
    )


@pytest.mark.parametrize(
    ("keeps", "message"),
    [
        ('phase-1 = ["third"]', "phase 1 has no check 'third' \\(its checks: first, second\\)"),
        ('phase-3 = ["first"]', "phase-3 is not an earlier ready phase"),
        ('phase-2 = ["first"]', "phase-2 is not an earlier ready phase"),
        ('phase-9 = ["first"]', "phase-9 is not an earlier ready phase"),
        ('first = ["first"]', "'first' is not a phase"),
        ('phase-01 = ["first"]', "'phase-01' is not a phase"),
        ('phase-1 = "first"', "phase-1 must list check ids"),
        ("phase-1 = []", "phase-1 must list check ids"),
        ('phase-1 = ["first", "first"]', "phase-1:first is listed twice"),
    ],
)
def test_a_wrong_keeps_table_is_reported_clearly(tmp_path: Path, keeps: str, message: str) -> None:
    _course_toml(tmp_path, _phase_toml(1), _phase_toml(2, keeps=keeps), _phase_toml(3))
    with pytest.raises(CatalogueError, match=f"phase 2, \\[phase.keeps\\]: {message}"):
        load_course(tmp_path)


def test_only_ready_phases_can_be_kept(tmp_path: Path) -> None:
    _course_toml(
        tmp_path, _phase_toml(1, status="planned"), _phase_toml(2, keeps='phase-1 = ["a"]')
    )
    with pytest.raises(CatalogueError, match="phase-1 is not an earlier ready phase"):
        load_course(tmp_path)


def test_keeps_must_be_a_table(tmp_path: Path) -> None:
    phase = _phase_toml(2).replace('notebook = "n2.ipynb"\n', 'notebook = "n2.ipynb"\nkeeps = 3\n')
    _course_toml(tmp_path, _phase_toml(1), phase)
    with pytest.raises(CatalogueError, match="must be a table"):
        load_course(tmp_path)


def test_a_check_id_holds_no_colon(tmp_path: Path) -> None:
    # Kept checks are reported as `phase-M:id`: an own id with a colon could collide.
    _course_toml(tmp_path, _phase_toml(1).replace('id = "first"', 'id = "phase-1:x"'))
    with pytest.raises(CatalogueError, match="must not hold a colon"):
        load_course(tmp_path)


@pytest.mark.parametrize("phase", [pytest.param(p, id=p.suite) for p in READY if p.number >= 2])
def test_every_later_phase_keeps_earlier_checks(phase: Phase) -> None:
    # Each README from Phase 2 on says that what came before still holds: the catalogue says
    # which checks prove it (tests/test_phases.py runs them on the solution).
    assert phase.keeps, f"{phase.key} keeps no earlier check"
    assert all(kept.phase < phase.number for kept in phase.keeps)
    assert len(set(phase.check_keys)) == len(phase.check_keys)
