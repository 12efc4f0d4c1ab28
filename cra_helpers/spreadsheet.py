"""Excel workbooks written safely: text from the data can never run as a formula.

Every string is stored as a string cell (openpyxl would otherwise turn text
starting with ``=`` into a formula), and strings starting with a formula
prefix (``=``, ``+``, ``-``, ``@``, tab, carriage return; OWASP "CSV
Injection") also get Excel's *quote prefix* style, so that editing the cell
later keeps it text. The value itself is unchanged: a verbatim reads back
exactly as the customer said it.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .safe import FORMULA_PREFIXES

HEADER_FILL = PatternFill("solid", fgColor="E8EEF5")
MAX_WIDTH = 60


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
    if isinstance(v, (dt.date, dt.datetime, int, str)):
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
    return cell


def write_workbook(path: str | Path, sheets: Mapping[str, pd.DataFrame], wrap: Mapping[str, list[str]] | None = None,
                   title: str | None = None) -> Path:
    """Write DataFrames to an .xlsx workbook, one sheet each, header styled and frozen.

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
    """
    wb = Workbook()
    wb.remove(wb.active)
    if title:
        wb.properties.title = title
    for name, df in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        for j, col in enumerate(df.columns, start=1):
            c = write_text_safe(ws, 1, j, str(col))
            c.font = Font(bold=True)
            c.fill = HEADER_FILL
        for i, rec in enumerate(df.itertuples(index=False, name=None), start=2):
            for j, v in enumerate(rec, start=1):
                write_text_safe(ws, i, j, v)
        wrapped = set((wrap or {}).get(name, []))
        for j, col in enumerate(df.columns, start=1):
            lengths = [len(str(col))] + [len(str(v)) for v in df[col].head(200) if v is not None]
            width = min(MAX_WIDTH, max(10, max(lengths) + 2))
            ws.column_dimensions[get_column_letter(j)].width = width
            if col in wrapped:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        if len(df.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{max(1, len(df) + 1)}"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
