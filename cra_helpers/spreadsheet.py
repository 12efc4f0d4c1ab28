"""Excel workbooks written safely: text from the data can never run as a formula.

Every string is stored as a string cell (openpyxl would otherwise turn text
starting with ``=`` into a formula), and strings starting with a formula
prefix (``=``, ``+``, ``-``, ``@``, tab, carriage return; OWASP "CSV
Injection") also get Excel's *quote prefix* style, so that editing the cell
later keeps it text. The value itself is unchanged: a verbatim reads back
exactly as the customer said it.

Every sheet is set up to print: landscape, fitted to the page width, the
header row repeated on every page; the header row is frozen and filtered.
:class:`SheetSetup` adds, per sheet, number formats, drop-down lists and
range checks (Excel data validations, which LibreOffice honours too) and
column widths. Dates are written as date cells (``yyyy-mm-dd``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .safe import FORMULA_PREFIXES

HEADER_FILL = PatternFill("solid", fgColor="E8EEF5")
INPUT_FILL = PatternFill("solid", fgColor="FFF8E1")
MAX_WIDTH = 60
DATE_FORMAT = "yyyy-mm-dd"


@dataclass
class SheetSetup:
    """How one sheet of :func:`write_workbook` is laid out and checked (columns named by their header).

    Attributes
    ----------
    wrap
        Columns whose text wraps.
    number_formats
        Column → Excel number format (e.g. ``"0.0"``, ``"#,##0"``).
    choices
        Column → allowed values: a drop-down list; anything else is refused.
    ranges
        Column → (minimum, maximum): decimals only, within the range.
    dates
        Columns that must hold dates (date validation, ``yyyy-mm-dd``).
    inputs
        Columns people fill in (tinted).
    widths
        Column → width in characters (otherwise from the content, 10–60).
    extra_rows
        Rows below the data that get the same checks (for rows people add).
    """

    wrap: Sequence[str] = ()
    number_formats: Mapping[str, str] = field(default_factory=dict)
    choices: Mapping[str, Sequence[str]] = field(default_factory=dict)
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    dates: Sequence[str] = ()
    inputs: Sequence[str] = ()
    widths: Mapping[str, float] = field(default_factory=dict)
    extra_rows: int = 100


def _cell_value(v: object) -> object:
    if v is None:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(float(v)) else float(v)
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, dt.datetime) or isinstance(v, (dt.date, int, str)):
        return v
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return str(v)


def write_text_safe(ws, row: int, col: int, value: object):
    """Write one value; strings are stored as text, never as formulas."""
    v = _cell_value(value)
    cell = ws.cell(row=row, column=col, value=v)
    if isinstance(v, str):
        cell.data_type = "s"
        if v.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    elif isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        cell.number_format = DATE_FORMAT
    return cell


def _validations(ws, df: pd.DataFrame, setup: SheetSetup) -> None:
    last = len(df) + 1 + max(0, setup.extra_rows)
    cols = {str(c): j for j, c in enumerate(df.columns, start=1)}
    for col, allowed in setup.choices.items():
        if col not in cols:
            continue
        letter = get_column_letter(cols[col])
        dv = DataValidation(type="list", formula1='"' + ",".join(allowed) + '"', allow_blank=True, showDropDown=False,
                            showErrorMessage=True, errorTitle=col, error=f"Choose one of: {', '.join(allowed)}.",
                            promptTitle=col, prompt=f"One of: {', '.join(allowed)}", showInputMessage=True)
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
    for col, (lo, hi) in setup.ranges.items():
        if col not in cols:
            continue
        letter = get_column_letter(cols[col])
        dv = DataValidation(type="decimal", operator="between", formula1=f"{lo:g}", formula2=f"{hi:g}", allow_blank=True,
                            showErrorMessage=True, errorTitle=col, error=f"A number from {lo:g} to {hi:g}.")
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
    for col in setup.dates:
        if col not in cols:
            continue
        letter = get_column_letter(cols[col])
        dv = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True,
                            showErrorMessage=True, errorTitle=col, error="A date (yyyy-mm-dd).")
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
        for (cell,) in ws.iter_rows(min_row=2, max_row=last, min_col=cols[col], max_col=cols[col]):
            cell.number_format = DATE_FORMAT


def _write_cells(ws, df: pd.DataFrame) -> None:
    """Header (bold, filled, wrapped) in row 1, then every row of ``df``, each text made safe."""
    for j, col in enumerate(df.columns, start=1):
        c = write_text_safe(ws, 1, j, str(col))
        c.font = Font(bold=True)
        c.fill = HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="top")
    for i, rec in enumerate(df.itertuples(index=False, name=None), start=2):
        for j, v in enumerate(rec, start=1):
            write_text_safe(ws, i, j, v)


def _format_column(ws, df: pd.DataFrame, j: int, col: object, opts: SheetSetup, wrapped: set) -> None:
    """Width of column ``j`` (``col``), and its cells' wrapping, number format and input tint (plus the input rows)."""
    lengths = [min(len(str(col)), 24)] + [len(str(v)) for v in df[col].head(200) if v is not None]
    width = opts.widths.get(str(col)) or min(MAX_WIDTH, max(10, max(lengths) + 2))
    ws.column_dimensions[get_column_letter(j)].width = width
    fmt = opts.number_formats.get(str(col))
    tint = str(col) in set(opts.inputs)
    last = len(df) + 1 + (max(0, opts.extra_rows) if tint else 0)
    if col in wrapped or fmt or tint:
        for (cell,) in ws.iter_rows(min_row=2, max_row=max(2, last), min_col=j, max_col=j):
            if col in wrapped:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if fmt:
                cell.number_format = fmt
            if tint:
                cell.fill = INPUT_FILL


def _print_setup(ws, df: pd.DataFrame) -> None:
    """Frozen header, a filter over the table, A4 landscape one page wide, the header repeated on every page."""
    ws.freeze_panes = "A2"
    if len(df.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{max(1, len(df) + 1)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def write_workbook(path: str | Path, sheets: Mapping[str, pd.DataFrame], wrap: Mapping[str, list[str]] | None = None,
                   title: str | None = None, setup: Mapping[str, SheetSetup] | None = None) -> Path:
    """Write DataFrames to an .xlsx workbook, one sheet each, header styled and frozen, ready to print.

    Parameters
    ----------
    path
        Workbook to write.
    sheets
        Sheet name (≤ 31 characters) → table.
    wrap
        Sheet name → columns whose text wraps (long sentences).
    title
        Stored as the workbook's title property.
    setup
        Sheet name → :class:`SheetSetup` (formats, drop-downs, checks, widths).
    """
    wb = Workbook()
    wb.remove(wb.active)
    if title:
        wb.properties.title = title
    for name, df in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        opts = (setup or {}).get(name) or SheetSetup()
        _write_cells(ws, df)
        wrapped = set((wrap or {}).get(name, [])) | set(opts.wrap)
        for j, col in enumerate(df.columns, start=1):
            _format_column(ws, df, j, col, opts, wrapped)
        _validations(ws, df, opts)
        _print_setup(ws, df)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
