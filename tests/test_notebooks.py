"""Every phase's companion notebook runs top to bottom, with deprecation warnings as errors."""

from __future__ import annotations

import json
from pathlib import Path

import nbclient
import nbformat
import pytest
from conftest import ROOT, phase_params

from grader.catalogue import Phase


@pytest.mark.parametrize("phase", phase_params())
def test_notebook_executes(phase: Phase, monkeypatch: pytest.MonkeyPatch) -> None:
    assert phase.notebook is not None
    path = ROOT / phase.notebook
    notebook = nbformat.read(path, as_version=4)
    # The kernel is a child process: it inherits this, so a deprecated call fails the cell.
    monkeypatch.setenv(
        "PYTHONWARNINGS", "error::DeprecationWarning,error::PendingDeprecationWarning"
    )
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code_cells) >= 5
    errors = [o for c in code_cells for o in c.outputs if o.output_type == "error"]
    assert not errors
    # It really ran the phase's code: some cell shows a result.
    assert any(c.outputs for c in code_cells)


@pytest.mark.parametrize("phase", phase_params())
def test_notebook_is_committed_without_outputs(phase: Phase) -> None:
    assert phase.notebook is not None
    data = json.loads(Path(ROOT / phase.notebook).read_text())
    for cell in data["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    assert phase.solution is not None
    assert f"phase-{phase.number:02d}" in Path(ROOT / phase.notebook).read_text()
