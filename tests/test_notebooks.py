"""Notebooks are stored clean, declare their kernel, take explicit parameters and hold no logic."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from cra_helpers import paths, steps

NOTEBOOKS = sorted(paths.notebooks_dir().glob("*.ipynb"))
MAX_CODE_LINES = 15


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ is empty"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_without_outputs(path: Path):
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a cell has outputs"
            assert cell.execution_count is None, f"{path.name}: a cell has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_kernel_metadata_and_parameters(path: Path):
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "cra-workbench"
    assert nb.metadata["language_info"]["name"] == "python"
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    for name in ("data_path", "out_dir", "config_path"):
        assert f"{name} =" in tagged[0].source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_cells_are_short(path: Path):
    nb = nbformat.read(str(path), as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            lines = [ln for ln in cell.source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
            assert len(lines) <= MAX_CODE_LINES, f"{path.name} cell {i}: {len(lines)} lines of code belong in cra_helpers"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_registered_as_a_step(path: Path):
    assert path.stem in steps.STEPS, f"{path.stem} is not in cra_helpers.steps.STEPS"
