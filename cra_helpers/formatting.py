"""Numbers and labels for people: money, shares, p-values, counts and column headers.

Every page, summary and deck formats figures through these functions, so the
same figure reads the same everywhere: thousands separators, shares as
percentages, p-values below 0.001 as "< 0.001", money in the client's
currency with "million" for large amounts, and column names in words.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

__all__ = ["money", "percent", "p_value", "count", "plural", "number", "header", "headers", "people_table"]


def _missing(x: Any) -> bool:
    try:
        return x is None or (isinstance(x, float) and math.isnan(x)) or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def money(x: float | None, currency: str = "") -> str:
    """An amount for a sentence: ``"13.2 million EUR"``, ``"603,700 EUR"``; ``"–"`` when missing.

    >>> money(13_219_500, "EUR")
    '13.2 million EUR'
    >>> money(603_700.4, "EUR")
    '603,700 EUR'
    """
    if _missing(x):
        return "–"
    v = float(x)
    unit = f" {currency}" if currency else ""
    if abs(v) >= 1e9:
        return f"{v / 1e9:,.1f} billion{unit}"
    if abs(v) >= 1e6:
        return f"{v / 1e6:,.1f} million{unit}"
    return f"{v:,.0f}{unit}"


def percent(x: float | None, digits: int = 0, fraction: bool = False) -> str:
    """A share as a percentage: ``percent(41.2) == "41%"``; ``fraction=True`` reads 0.412 as 41%.

    >>> percent(0.412, fraction=True)
    '41%'
    >>> percent(80.26, 1)
    '80.3%'
    """
    if _missing(x):
        return "–"
    v = float(x) * (100.0 if fraction else 1.0)
    return f"{v:,.{digits}f}%"


def p_value(p: float | None) -> str:
    """A p-value as people read it: ``"< 0.001"`` below 0.001, else three decimals.

    >>> p_value(1.7e-91)
    '< 0.001'
    >>> p_value(0.0412)
    '0.041'
    """
    if _missing(p):
        return "–"
    v = float(p)
    return "< 0.001" if v < 0.001 else f"{v:.3f}"


def count(x: float | int | None) -> str:
    """A count with thousands separators and no decimals: ``count(52.0) == "52"``."""
    if _missing(x):
        return "–"
    return f"{int(round(float(x))):,}"


def plural(n: float | int, word: str, words: str | None = None) -> str:
    """``n`` with its noun: ``plural(1, "account") == "1 account"``, ``plural(12, "account") == "12 accounts"``.

    >>> plural(1, "account"), plural(12, "account"), plural(2, "key account")
    ('1 account', '12 accounts', '2 key accounts')
    """
    k = int(round(float(n)))
    return f"{k:,} {word if k == 1 else (words or word + 's')}"


def number(x: float | None, digits: int = 1) -> str:
    """A measured value with ``digits`` decimals and thousands separators: ``number(6.478) == "6.5"``."""
    if _missing(x):
        return "–"
    return f"{float(x):,.{digits}f}"


_WORDS = {
    "id": "ID", "nps": "NPS", "ci": "CI", "pct": "%", "n": "n", "abc": "ABC", "otif": "OTIF", "ppm": "ppm",
    "r2": "R²", "p": "p",
}


def header(column: str) -> str:
    """A snake_case column name in words: ``"revenue_at_stake"`` → ``"Revenue at stake"``.

    >>> header("nps_all_ci_low")
    'NPS all CI low'
    >>> header("gross_margin_pct")
    'Gross margin %'
    """
    parts = [p for p in re.split(r"[_\s]+", str(column)) if p]
    if not parts:
        return str(column)
    words = [_WORDS.get(p.lower(), p) for p in parts]
    first = words[0]
    words[0] = first if first in _WORDS.values() else first[:1].upper() + first[1:]
    return " ".join(words)


def headers(frame: pd.DataFrame, names: dict[str, str] | None = None) -> pd.DataFrame:
    """``frame`` with its columns renamed for people (``names`` first, then :func:`header`)."""
    names = names or {}
    return frame.rename(columns={c: names.get(c, header(c)) for c in frame.columns})


def people_table(frame: pd.DataFrame, names: dict[str, str] | None = None, shares: tuple[str, ...] = (),
                 counts: tuple[str, ...] = (), digits: int = 1) -> pd.DataFrame:
    """A copy of ``frame`` ready to show: counts as whole numbers, shares as %, headers in words.

    Parameters
    ----------
    frame
        A result table.
    names
        Column headers to use instead of the generated ones.
    shares
        Columns holding percentages (0–100) to show as ``"41%"``.
    counts
        Columns holding counts to show without decimals.
    digits
        Decimals of the other numeric columns.

    Returns
    -------
    DataFrame
        Text cells (the numbers formatted), columns renamed.
    """
    out = frame.copy()
    for c in out.columns:
        if c in shares:
            out[c] = out[c].map(lambda v: percent(v))
        elif c in counts:
            out[c] = out[c].map(count)
        elif pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].map(lambda v: number(v, digits))
    return headers(out, names)
