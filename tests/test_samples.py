"""Prose, runnable samples and their tests are three parallel trees, so no sample can rot.

Every Python block on a phase page is included from docs_src/, every sample there is shown on
its page, and every sample is imported by its tests in tests/docs_src/.
"""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, phase_params

from grader.catalogue import Phase

PYTHON_BLOCK = re.compile(r"^( *)```(?:python|py)\b[^\n]*\n(.*?)^\1```", re.DOTALL | re.MULTILINE)
INCLUDE = re.compile(r'--8<-- "(docs_src/[^":]+)(?::[\w-]+)?"')


def _samples(phase: Phase) -> list[str]:
    folder = ROOT / "docs_src" / phase.suite
    return sorted(
        str(path.relative_to(ROOT)) for path in folder.glob("*.py") if path.name != "__init__.py"
    )


@pytest.mark.parametrize("phase", phase_params())
def test_every_python_block_on_the_page_is_a_tested_file(phase: Phase) -> None:
    assert phase.page is not None
    page = (ROOT / "docs" / phase.page).read_text()
    inline = [body for _indent, body in PYTHON_BLOCK.findall(page) if "--8<--" not in body]
    assert not inline, "Python shown on the page must be included from docs_src/"


@pytest.mark.parametrize("phase", phase_params())
def test_every_sample_is_shown_and_tested(phase: Phase) -> None:
    assert phase.page is not None
    samples = _samples(phase)
    assert samples, f"docs_src/{phase.suite}/ has no samples"
    shown = set(INCLUDE.findall((ROOT / "docs" / phase.page).read_text()))
    assert shown <= {*samples}, f"the page includes files that do not exist: {shown - {*samples}}"
    assert set(samples) <= shown, f"samples the page never shows: {set(samples) - shown}"
    tests = (ROOT / "tests" / "docs_src" / f"test_{phase.suite}.py").read_text()
    untested = [
        sample
        for sample in samples
        if not re.search(rf"\b{re.escape(sample.removesuffix('.py').split('/')[-1])}\b", tests)
    ]
    assert not untested, f"samples no test imports: {untested}"
