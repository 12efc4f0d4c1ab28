"""Where things are: the project checkout, the bundled sample, the notebooks."""

from __future__ import annotations

import os
from pathlib import Path

SAMPLE_WORKBOOK = "assessment.xlsx"


def project_root() -> Path:
    """The checkout that holds ``cra_helpers/`` (the package is installed editable)."""
    return Path(__file__).resolve().parent.parent


def sample_dir() -> Path:
    """Folder of the bundled sample assessment (``data/sample``)."""
    return project_root() / "data" / "sample"


def sample_path() -> Path:
    """The bundled sample assessment workbook."""
    return sample_dir() / SAMPLE_WORKBOOK


def notebooks_dir() -> Path:
    """Folder of the analysis notebooks run by the pipeline."""
    return project_root() / "notebooks"


REPORTS_DIR_ENV = "CRA_REPORTS_DIR"
"""Environment variable that moves the default parent folder of runs (and its ``latest`` link)."""


def reports_dir() -> Path:
    """Default parent folder of report runs: ``$CRA_REPORTS_DIR`` when set, else ``reports/`` in the project."""
    env = os.environ.get(REPORTS_DIR_ENV)
    return Path(env).expanduser().absolute() if env else project_root() / "reports"
