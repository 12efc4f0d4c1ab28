"""Shared fixtures: a small valid assessment built in code, writers and fault injection.

The assessment is a dict of DataFrames of Python objects (dtype ``object``),
so a test can put any value in any cell (text in a numeric column, a bad
date, ...) before writing it out as a workbook or a CSV folder.

Row numbers: data row ``i`` of a frame (0-based) is Excel row / CSV line
``i + 2`` (header on row 1) unless blank rows are inserted before it;
:func:`excel_row` computes it.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from cra_helpers import schema as S
from cra_helpers.config import Config, load_config

D = dt.datetime


def _frame(table: str, rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame([list(r) for r in rows], columns=S.TABLES[table].column_names, dtype=object)


def build_valid_tables() -> dict[str, pd.DataFrame]:
    """A small, valid assessment covering every table and every column kind."""
    t: dict[str, pd.DataFrame] = {}
    t[S.ACCOUNTS] = _frame(S.ACCOUNTS, [
        ("A001", "Acme Chemicals", "customer", "active", "Chemicals", "large", "North", "Pumps; Valves", "Trade fair",
         1_250_000.0, 350.5, 18.5, 2, 1, 300_000.0, True, "Quality", "Price", None),
        ("A002", "Beta Foods", "prospect", "active", "Food", "medium", "South", "Valves", None,
         0.0, None, -4.25, None, 0, None, False, None, None, None),
        ("A003", "Gamma & Sons <Ltd>", "sales partner", "inactive", None, None, None, None, "Referral",
         80_000.0, 12.0, None, 0, None, 5_000.0, True, "Delivery", None, None),
    ])
    t[S.SALES_HISTORY] = _frame(S.SALES_HISTORY, [
        ("A001", "2024", 1_100_000.0, 300.0, 1),
        ("A001", "2025", 1_250_000.0, 350.5, 2),
        ("A002", "2025-Q1", 0.0, None, None),
        ("A003", "2025-07", 7_000.0, 1.0, 0),
    ])
    t[S.LOCATIONS] = _frame(S.LOCATIONS, [
        ("L01", "A001", "Plant North", "Hamburg", "DE"),
        ("L02", "A001", "Plant South", "Munich", "DE"),
        ("L03", "A002", "Head office", None, "FR"),
        ("L04", "A003", "Depot", "Leeds", "UK"),
    ])
    t[S.CONTACTS] = _frame(S.CONTACTS, [
        ("C01", "A001", "L01", "Ann Archer", "CPO", "executive", "Purchasing", "decision-maker", "ann@example.com", None),
        ("C02", "A001", "L02", "Bob Baker", "Quality lead", "management", "Quality", "influencer", None, "+49 40 1"),
        ("C03", "A002", "L03", "Cleo Chen", None, "operational", "Engineering", "user", None, None),
        ("C04", "A002", None, "Dan Dorn", "Buyer", "management", "Purchasing", "decision-maker", None, None),
        ("C05", "A003", "L04", "Eve Evans", "MD", "executive", "Management", "decision-maker", None, None),
        ("C06", "A003", "L04", "Finn Ford", None, "operational", "Logistics", "user", None, None),
    ])
    t[S.COMPETITORS] = _frame(S.COMPETITORS, [("K1", "Rival One"), ("K2", "Rival Two")])
    t[S.NEEDS] = _frame(S.NEEDS, [
        ("N01", "On-time delivery", "Logistics", "Deliveries arrive on the agreed day."),
        ("N02", "Product quality", "Product", None),
        ("N03", "Technical support", "Service", "Help when something goes wrong."),
    ])
    t[S.INTERVIEWS] = _frame(S.INTERVIEWS, [
        ("I01", "C01", D(2026, 3, 2), "Pat", 45, "2026"),
        ("I02", "C02", D(2026, 3, 3), "Pat", 60, "2026"),
        ("I03", "C03", D(2026, 3, 9), None, None, "2026"),
        ("I04", "C05", D(2025, 11, 20), "Sam", 30, "2025"),
        ("I05", "C06", D(2025, 11, 21), "Sam", 35, "2025"),
    ])
    ratings = []
    for k, interview in enumerate(["I01", "I02", "I03", "I04", "I05"]):
        for j, need in enumerate(["N01", "N02", "N03"]):
            ratings.append((interview, need, float(1 + (k + 3 * j) % 10), float(10 - (k + j) % 9), None, None))
    ratings.insert(1, ("I01", "N01", 9.0, 7.0, "K1", 6.0))
    ratings.append(("I03", "N02", None, None, "K2", 8.5))
    t[S.RATINGS] = _frame(S.RATINGS, ratings)
    t[S.LOYALTY] = _frame(S.LOYALTY, [
        ("I01", 8.0, 9.0, 9.0, 7.0, 40.0),
        ("I02", 6.0, 5.0, 7.0, 5.0, None),
        ("I03", 7.5, 0.0, None, None, 10.0),
        ("I04", 9.0, 10.0, 10.0, 8.0, 100.0),
        ("I05", 3.0, 2.0, 4.0, 1.0, 0.0),
    ])
    t[S.VERBATIMS] = _frame(S.VERBATIMS, [
        ("V01", "I01", "delivery", "Deliveries are late,\noften by a week."),
        ("V02", "I01", None, 'They said "next week" three times.'),
        ("V03", "I02", "quality", "Quality is fine; paperwork isn't."),
        ("V04", "I03", "support", "<script>alert(1)</script> & support"),
        ("V05", "I04", None, "Très bon service, merci."),
        ("V06", "I05", "price", "Too expensive"),
    ])
    return t


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    """A fresh copy of the valid assessment for each test (mutate freely)."""
    return build_valid_tables()


@pytest.fixture(scope="session")
def config() -> Config:
    """The package default configuration."""
    return load_config()


# ----------------------------------------------------------------------
# Writers
# ----------------------------------------------------------------------
def _cell(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def excel_row(index: int, blank_rows_before: int = 0) -> int:
    """Excel row (or CSV line) of data row ``index`` when the header is row 1."""
    return index + 2 + blank_rows_before


def write_xlsx(
    tables: Mapping[str, pd.DataFrame],
    path: Path,
    blank_rows: Mapping[str, list[int]] | None = None,
    extra_sheets: Mapping[str, list[list[Any]]] | None = None,
) -> Path:
    """Write tables to a workbook with openpyxl (native number/date/bool cells).

    ``blank_rows[table]`` lists data indexes before which an empty row is inserted.
    """
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in tables.items():
        ws = wb.create_sheet(name)
        ws.append([str(c) for c in frame.columns])
        before = set((blank_rows or {}).get(name, []))
        for i, row in enumerate(frame.itertuples(index=False, name=None)):
            if i in before:
                ws.append([])
            ws.append([_cell(v) for v in row])
    for name, rows in (extra_sheets or {}).items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _csv_text(value: Any) -> str:
    value = _cell(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value)


def write_csv_folder(tables: Mapping[str, pd.DataFrame], folder: Path, bom: bool = True) -> Path:
    """Write each table to ``folder/<table>.csv`` (UTF-8, optionally with BOM), Excel-style quoting."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([str(c) for c in frame.columns])
            for row in frame.itertuples(index=False, name=None):
                writer.writerow([_csv_text(v) for v in row])
    return folder


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """``write(tables, fmt="xlsx"|"csv", name=None, **kw)`` → path of the written assessment."""

    def _write(tables: Mapping[str, pd.DataFrame], fmt: str = "xlsx", name: str | None = None, **kw: Any) -> Path:
        if fmt == "xlsx":
            return write_xlsx(tables, tmp_path / (name or "assessment.xlsx"), **kw)
        if fmt == "csv":
            return write_csv_folder(tables, tmp_path / (name or "assessment_csv"), **kw)
        raise ValueError(fmt)

    return _write


# ----------------------------------------------------------------------
# Fault injection
# ----------------------------------------------------------------------
def set_cell(tables: dict[str, pd.DataFrame], table: str, index: int, column: str, value: Any) -> int:
    """Put ``value`` in data row ``index`` of ``table``; return its Excel row."""
    tables[table].at[index, column] = value
    return excel_row(index)


def append_row(tables: dict[str, pd.DataFrame], table: str, like: int | None = None, **values: Any) -> int:
    """Append a row (a copy of row ``like``, or empty) with ``values``; return its Excel row."""
    frame = tables[table]
    row = frame.iloc[like].to_dict() if like is not None else {c: None for c in frame.columns}
    row.update(values)
    tables[table] = pd.concat([frame, pd.DataFrame([row], columns=frame.columns, dtype=object)], ignore_index=True)
    return excel_row(len(tables[table]) - 1)


def rename_column(tables: dict[str, pd.DataFrame], table: str, old: str, new: str) -> None:
    """Give a column another header."""
    tables[table] = tables[table].rename(columns={old: new})


# ---------------------------------------------------------------------------
# One pipeline run on the bundled sample, shared by the pipeline and browser tests.
# ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """Run every notebook on ``data/sample`` once per test session."""
    from cra_helpers import paths
    from cra_helpers.pipeline import run_pipeline

    out = tmp_path_factory.mktemp("sample_run")
    return run_pipeline(data=paths.sample_path(), out=out, echo=lambda _line: None)


# ---------------------------------------------------------------------------
# The bundled sample and its planted truth; a Chromium browser for offline checks.
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample():
    """The bundled sample assessment, loaded and validated (one per test module)."""
    from cra_helpers import paths
    from cra_helpers.loader import load_assessment

    return load_assessment(paths.sample_path())


@pytest.fixture(scope="module")
def truth() -> dict:
    """The sample's planted facts (``data/sample/truth.json``)."""
    import json

    from cra_helpers import paths

    return json.loads((paths.sample_dir() / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (fails in CI when it is missing, skips elsewhere)."""
    from playwright.sync_api import sync_playwright

    from ._reports import CHROMIUM_ARGS, chromium_path

    exe = chromium_path()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
