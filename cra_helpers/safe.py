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


def _one_line_break(value: Any) -> Any:
    """``\\r\\n`` and a lone ``\\r`` inside text become ``\\n``.

    A CSV writer quotes a field that holds ``\\n`` but writes a carriage
    return as it is, and a spreadsheet then starts a new row there: the rest
    of the text would become a cell of its own, formula prefix included.
    """
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def neutralize_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` whose text cells (and column names) cannot run as formulas.

    Carriage returns inside text become line feeds, so that a CSV writer
    quotes the cell instead of ending the row in the middle of it.

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> neutralize_frame(pd.DataFrame({"remark": ["=1+1", "late\\r+again"]})).to_csv(buf, index=False)
    >>> print(buf.getvalue(), end="")
    remark
    '=1+1
    "late
    +again"
    """
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_string_dtype(s) or s.dtype == object or isinstance(s.dtype, pd.CategoricalDtype):
            out[col] = s.astype(object).map(_one_line_break).map(neutralize_formula)
    out.columns = [neutralize_formula(c) if isinstance(c, str) else c for c in out.columns]
    return out
