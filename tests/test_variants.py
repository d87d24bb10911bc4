"""Fairness and sharpness: wrong variants of a solution fail, other correct variants pass.

Each tests/variants/phase_NN/<name>/ holds a variant.toml, which may list `[[edit]]`s (a text
replaced in one file of the solution), and any whole files that differ from the phase's
solution; see AUTHORING.md. A wrong variant's `fails` names the phase's own checks by id and the
checks it keeps from earlier phases as `phase-M:id`.
"""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from conftest import COURSE, ROOT, copy_tree, solution_of

from grader.catalogue import Phase
from grader.runner import docs_url, grade

VARIANTS = Path(__file__).parent / "variants"


@dataclass(frozen=True)
class Variant:
    phase: Phase
    name: str
    folder: Path
    description: str
    expect: str
    fails: tuple[str, ...]
    edits: tuple[dict[str, str], ...]
    # The section the learner is sent to first (a heading id on the phase's page, or
    # `phase-N#heading-id`): the hint must speak to what failed, not to some other check.
    reads: str | None


def _variants() -> list[Variant]:
    found = []
    for phase in COURSE.ready_phases:
        for folder in sorted((VARIANTS / phase.suite).glob("*/")):
            spec = tomllib.loads((folder / "variant.toml").read_text())
            found.append(
                Variant(
                    phase=phase,
                    name=folder.name,
                    folder=folder,
                    description=spec["description"],
                    expect=spec["expect"],
                    fails=tuple(spec.get("fails", ())),
                    edits=tuple(spec.get("edit", ())),
                    reads=spec.get("reads"),
                )
            )
    return found


ALL = _variants()


def _build(variant: Variant, tmp_path: Path) -> Path:
    target = copy_tree(solution_of(variant.phase), tmp_path / "submission")
    for source in variant.folder.rglob("*"):
        if source.is_file() and source.name != "variant.toml" and "__pycache__" not in source.parts:
            destination = target / source.relative_to(variant.folder)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
    for edit in variant.edits:
        path = target / edit["file"]
        text = path.read_text()
        # An edit names text that occurs exactly once, so a change to the solution that moves
        # it makes the variant fail loudly instead of silently testing nothing.
        assert text.count(edit["old"]) == 1, f"{variant.name}: the edit's `old` text in {path}"
        path.write_text(text.replace(edit["old"], edit["new"]))
    assert variant.edits or any(variant.folder.rglob("*.py")), "a variant changes something"
    return target


@pytest.mark.parametrize("variant", ALL, ids=[f"{v.phase.suite}-{v.name}" for v in ALL])
def test_variant_is_graded_as_declared(variant: Variant, tmp_path: Path) -> None:
    assert variant.description.strip()
    result = grade(COURSE, _graded_as(variant), _build(variant, tmp_path))
    failing = {check.id for check in result.checks if not check.passed}
    if variant.expect == "pass":
        assert not failing, f"a correct variant fails {failing}: {result.checks}"
    else:
        assert variant.expect == "fail", "expect is 'pass' or 'fail'"
        assert variant.fails, "a wrong variant lists the checks that must catch it"
        # A check the phase keeps from an earlier one is named as it is reported:
        # `phase-4:one_error_shape` (a wrong variant may break only an earlier phase's rule).
        known = set(variant.phase.check_keys)
        assert set(variant.fails) <= known, f"unknown check ids {set(variant.fails) - known}"
        missed = set(variant.fails) - failing
        assert not missed, f"the wrong variant was not caught by {missed}"
        if not set(variant.fails) & {check.id for check in variant.phase.checks}:
            # It breaks only an earlier phase's rule: the phase's own checks all pass, so only
            # keeping the earlier check catches it.
            own = [check.id for check in result.own if not check.passed]
            assert not own, f"a variant caught by kept checks alone fails own checks {own}"
        assert variant.reads, "a wrong variant declares the section its first failure links to"
        assert result.first_link() == _link(variant.phase, variant.reads), (
            f"the first failure sends the learner to {result.first_link()}, not to "
            f"#{variant.reads}: {result.causes or next(c for c in result.checks if not c.passed)}"
        )


def _graded_as(variant: Variant) -> Phase:
    """The phase as this variant needs it graded, to prove what it declares and no more.

    - A correct variant proves that the phase's own checks accept another right answer: it is
      graded on them. (The kept checks are proven fair by the earlier phases' correct variants,
      and hold on this phase's solution: tests/test_phases.py.)
    - A wrong variant is graded on the phase's own checks up to the last one it names, in the
      catalogue's order, and on the kept checks it names. Every failure it declares is then
      seen, and so is its first failing check: it comes no later than the first one named. A
      variant caught by kept checks alone gets all the phase's own checks (they must all pass).
    """
    own = variant.phase.checks
    if variant.expect == "pass":
        return replace(variant.phase, keeps=())
    named = set(variant.fails)
    keeps = tuple(kept for kept in variant.phase.keeps if kept.key in named)
    positions = [index for index, check in enumerate(own) if check.id in named]
    if positions:
        own = own[: max(positions) + 1]
    return replace(variant.phase, checks=own, keeps=keeps)


def _link(phase: Phase, reads: str) -> str:
    """The address `reads` stands for, built the way the grader builds its links."""
    return docs_url(COURSE, phase, reads)


@pytest.mark.parametrize(
    "phase", [p for p in COURSE.ready_phases if p.number >= 2], ids=lambda p: p.suite
)
def test_each_phase_has_two_wrong_and_two_correct_variants(phase: Phase) -> None:
    kinds = [v.expect for v in ALL if v.phase == phase]
    assert kinds.count("fail") >= 2 and kinds.count("pass") >= 2


def test_variants_only_name_ready_phases() -> None:
    ready = {p.suite for p in COURSE.ready_phases}
    on_disk = {folder.name for folder in VARIANTS.glob("phase_*") if any(folder.iterdir())}
    assert on_disk <= ready, f"variants for phases not ready: {on_disk - ready}"


def test_variants_overlay_the_solution(tmp_path: Path) -> None:
    # The overlay really replaces files: a variant's file wins over the solution's.
    variant = ALL[0]
    target = _build(variant, tmp_path)
    for source in variant.folder.rglob("*.py"):
        assert (target / source.relative_to(variant.folder)).read_text() == source.read_text()
    assert ROOT in solution_of(variant.phase).parents
