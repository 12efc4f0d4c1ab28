"""Limits, wording of cell values and the cell tests shared by the loader's readers and checks.

Values are quoted in messages as the user sees them (:func:`_show`): numbers
bare, text quoted, dates in ISO form. Headers, sheet and file names are
matched against the contract through :func:`normalize_header`.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from typing import Any

import numpy as np
import pandas as pd

ACCEPTED = "an Excel workbook (.xlsx, one sheet per table) or a folder of CSV UTF-8 files named <table>.csv"
"""What ``load_assessment`` accepts, as worded in error messages."""

MAX_LISTED = 50
"""Problems listed in ``str(AssessmentError)``; all stay in ``.problems``."""

README_SHEET = "README"
"""Sheet of the template explaining the columns; ignored when loading."""

MAX_CELL_CHARS = 32_767
"""Longest text a cell may hold: Excel's own limit per cell. Longer cells are errors."""

MAX_EXACT_INTEGER = 2**53
"""Largest whole number (in size) an ``integer`` column accepts: floats hold whole numbers exactly up to 2**53."""

_CSV_SUFFIX = ".csv"
_UTF8_BOM = b"\xef\xbb\xbf"
_FLOAT_LIMIT = "1.8e308"  # the largest float, as worded in messages

_HEADER_RE = re.compile(r"[\s\-]+")
_NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _show(value: Any) -> str:
    """A cell value as quoted in a message: numbers bare, text quoted."""
    if isinstance(value, (float, np.floating)) and value != value:
        return "NaN"  # a NaN number cell of a workbook (elsewhere NaN means empty and is not shown)
    if _is_empty(value):
        return "empty"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, numbers.Integral) and abs(int(value)) >= 10**15:
        digits = str(int(value))
        return digits if len(digits) <= 60 else f"{digits[:12]}...({len(digits)} digits)"
    if isinstance(value, numbers.Real):
        f = float(value)
        return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    text = str(value).strip() if isinstance(value, str) else str(value)
    if len(text) <= 60 and _NUMBER_RE.fullmatch(text):
        return text  # a number typed as text (always so in CSV) reads like one
    if len(text) > 60:
        text = text[:57] + "..."
    return repr(text)


def _a(word: str) -> str:
    """``word`` with its indefinite article: "an interview_id", "a contact_id"."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def _num_text(x: float) -> str:
    return f"{x:g}"

def normalize_header(text: object) -> str:
    """Header (or sheet/file name) as matched against the contract.

    Strips, lower-cases and turns runs of spaces/hyphens into ``_``:
    ``"Account ID"`` → ``"account_id"``, ``"Sales-History"`` → ``"sales_history"``.
    """
    return _HEADER_RE.sub("_", str(text).replace("\ufeff", "").strip().lower())

def _is_empty(value: Any) -> bool:
    t = type(value)
    if t is str:
        return not value or value.isspace()
    if t is float:
        return value != value  # NaN
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return False


def _is_blank_workbook_cell(value: Any) -> bool:
    """Empty cell of a workbook grid: a NaN number there is a value of the file, not an empty cell."""
    return (not value or value.isspace()) if type(value) is str else value is None

def _col_letter(pos: int) -> str:
    """Excel column letters of a 0-based column position: 0 → "A", 26 → "AA"."""
    letters = ""
    pos += 1
    while pos:
        pos, rem = divmod(pos - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
