"""Neutralising text from customers before it reaches HTML or a spreadsheet.

Anything an interviewee or an analyst typed may start with ``=`` (a formula in
Excel or LibreOffice) or contain ``<script>``. Reports escape it; exported
tables neutralise it (OWASP, "CSV Injection": prefix a single quote to cells
starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return).
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def escape_html(value: Any) -> str:
    """Return ``value`` as text safe to place inside HTML elements and attributes."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def neutralize_formula(value: Any) -> Any:
    """Prefix ``'`` to a string a spreadsheet would read as a formula; other values pass.

    Parameters
    ----------
    value
        A cell value. Only ``str`` values are changed.

    Returns
    -------
    Any
        ``"'" + value`` when ``value`` is a string starting with one of
        :data:`FORMULA_PREFIXES`, else ``value`` unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralize_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` whose text cells (and column names) cannot run as formulas."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_string_dtype(s) or s.dtype == object or isinstance(s.dtype, pd.CategoricalDtype):
            out[col] = s.astype(object).map(neutralize_formula)
    out.columns = [neutralize_formula(c) if isinstance(c, str) else c for c in out.columns]
    return out
