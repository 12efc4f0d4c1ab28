"""Numbers and labels for people: money, shares, p-values, counts and column headers.

Every page, summary and deck formats figures through these functions, so the
same figure reads the same everywhere: thousands separators, shares as
percentages, p-values below 0.001 as "< 0.001", money in the client's
currency with "million" for large amounts, and column names in words.
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Any

import pandas as pd

__all__ = [
    "money", "percent", "p_value", "count", "plural", "number", "header", "headers", "people_table",
    "NAMES", "column_header", "column_kind", "cell", "display_names", "count_axis",
]


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
    "r2": "R²", "p": "p", "top2": "top-2-box", "hhi": "HHI", "a": "A", "b": "B",
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


#: Headers of result columns where :func:`header` alone does not read well (column name → words).
NAMES: dict[str, str] = {
    "abc_class": "ABC class",
    "needed_by": "Needed by",
    "top_5pct_share": "Top 5% share",
    "top_10pct_share": "Top 10% share",
    "top_20pct_share": "Top 20% share",
    "hhi": "HHI (0–10,000)",
    "gini": "Gini",
    "rank_1": "Ranked first",
    "pct_of_r2": "% of R²",
    "pct_ci_low": "% of R², CI low",
    "pct_ci_high": "% of R², CI high",
    "top2_pct": "Top-2-box %",
    "top2_ci_low": "Top-2-box CI low (%)",
    "top2_ci_high": "Top-2-box CI high (%)",
    "n_interviews": "Interviews",
    "n_respondents": "Respondents",
    "n_group": "n (group)",
    "n_a": "n (A)",
    "n_b": "n (B)",
    "mean_a": "Mean (A)",
    "mean_b": "Mean (B)",
    "site_a": "Site A",
    "site_b": "Site B",
    "location_a": "Location A",
    "location_b": "Location B",
    "diff": "Difference",
    "cliffs_delta": "Cliff's delta",
    "h": "Kruskal–Wallis H",
    "epsilon_squared": "ε²",
    "p_holm": "p (Holm)",
    "p_adjusted": "p (adjusted)",
    "p_value": "p",
    "nps_all": "NPS (all responses)",
    "nps_account_avg": "NPS (account average)",
    "nps_role_weighted": "NPS (role-weighted)",
    "satisfaction_role_weighted": "Satisfaction (role-weighted)",
    "us": "Us",
    "them": "Them",
}

_P = re.compile(r"^(p|p_value|p_adjusted|p_holm|p_.+|.+_p)$")
_SHARE = re.compile(r"^(share|share_.+|.+_share)$")
_PCT = re.compile(r"^(pct|pct_.+|.+_pct|percent|percent_.+|.+_percent)$")
_COUNT = re.compile(
    r"^(n|n_.+|.+_n|count|count_.+|.+_count|rank|rank_.+|.+_rank"
    r"|rows|accounts|contacts|interviews|ratings|verbatims|locations|sites|groups|periods|gaps|points|remarks"
    r"|key_accounts|to_interview|needs_worse|needs_better|[a-z]+_(known|interviewed)|[abc]_accounts|contacts_per_.+)$",
    re.IGNORECASE,
)
#: Columns read on a 0–100 scale although their name does not say so.
_PCT_NAMES = {"top2_ci_low", "top2_ci_high", "pct_ci_low", "pct_ci_high"}


def column_header(column: Any, names: dict[str, str] | None = None) -> str:
    """The header people read for ``column``: ``names`` first, then :data:`NAMES`, then :func:`header`.

    >>> column_header("p_holm"), column_header("abc_class"), column_header("need_id")
    ('p (Holm)', 'ABC class', 'Need ID')
    """
    key = str(column)
    if names and key in names:
        return names[key]
    return NAMES.get(key) or header(key)


def column_kind(column: Any, values: pd.Series | None = None) -> str:
    """How a numeric column is shown, from its name (and values): ``"p"``, ``"fraction"``, ``"percent"``, ``"count"`` or ``"number"``.

    - ``"p"``: p-values (``p``, ``p_value``, ``p_adjusted``, ``p_holm``, ``p_*``), shown by :func:`p_value`;
    - ``"fraction"``: shares stored as 0–1 (``share``, ``share_*``, ``*_share``), shown as %;
      a share column with a value above 1 is read as 0–100 (``"percent"``);
    - ``"percent"``: 0–100 values (``*_pct``, ``pct_*``), shown as %;
    - ``"count"``: counts (``n``, ``n_*``, ``count*``, ``accounts``, ``interviews``, ``contacts_per_*``, …),
      shown without decimals and with thousands separators; a count-named column with fractional
      values stays a ``"number"``;
    - ``"number"``: everything else (means, scores, weights), shown with a fixed number of decimals
      (integer columns keep no decimals).

    >>> column_kind("p_holm"), column_kind("revenue_share"), column_kind("performance_top2_pct"), column_kind("n_interviews")
    ('p', 'fraction', 'percent', 'count')
    >>> column_kind("contacts_per_year", pd.Series([52.0, 12.0])), column_kind("contacts_per_month", pd.Series([4.33, 1.0]))
    ('count', 'number')
    >>> column_kind("nps_account_avg", pd.Series([-100.0, 20.0]))
    'number'
    """
    name = str(column).strip().lower()
    vals = None
    if values is not None:
        vals = pd.to_numeric(values, errors="coerce").dropna()
        vals = vals[vals.map(lambda v: math.isfinite(float(v)))]
    whole = vals is not None and len(vals) > 0 and bool((vals == vals.round()).all())
    if _P.match(name):
        return "p"
    if name in _PCT_NAMES:
        return "percent"
    if _SHARE.match(name):
        return "percent" if vals is not None and len(vals) and float(vals.abs().max()) > 1.0 + 1e-9 else "fraction"
    if _PCT.match(name):
        return "percent"
    if _COUNT.match(name):
        return "count" if vals is None or len(vals) == 0 or whole else "number"
    return "number"


def cell(value: Any, kind: str, digits: int = 2) -> str | None:
    """``value`` formatted as a column of ``kind`` (see :func:`column_kind`); ``None`` when it is not a number.

    >>> cell(1.7e-12, "p"), cell(0.2, "fraction"), cell(8.2, "percent"), cell(1234.0, "count"), cell(6.478, "number", 1)
    ('< 0.001', '20%', '8.2%', '1,234', '6.5')
    >>> cell(12, "number"), cell("A005", "count")
    ('12', None)
    """
    if isinstance(value, bool) or value is None:
        return None
    try:
        import numpy as np

        if isinstance(value, np.bool_):
            return None
    except ImportError:  # pragma: no cover - numpy comes with pandas
        pass
    if not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        return None
    if isinstance(value, str):
        return None
    if _missing(value):
        return "–"
    v = float(value)
    if not math.isfinite(v):
        return "–"
    if kind == "p":
        return p_value(v)
    if kind == "fraction":
        return percent(v, 1 if abs(v) < 0.1 and v != 0 else 0, fraction=True)
    if kind == "percent":
        return percent(v, 1 if abs(v) < 10 and not float(v).is_integer() else 0)
    if kind == "count" or isinstance(value, numbers.Integral):
        return count(v)
    return number(v, digits)


def display_names(ids: Any, names: dict[str, str] | None = None) -> list[str]:
    """People's labels for ``ids`` (account, need or competitor ids): the name where one is known, else the id.

    Two ids with the same name keep apart by their id in brackets, so a chart never merges them.

    >>> display_names(["A1", "A2", "A3"], {"A1": "Acme", "A2": "Acme", "A3": ""})
    ['Acme (A1)', 'Acme (A2)', 'A3']
    """
    names = names or {}
    keys = [str(i) for i in ids]
    raw = []
    for k in keys:
        n = names.get(k)
        raw.append(n.strip() if isinstance(n, str) and n.strip() else k)
    seen: dict[str, int] = {}
    for r in raw:
        seen[r] = seen.get(r, 0) + 1
    return [f"{r} ({k})" if seen[r] > 1 and r != k else r for r, k in zip(raw, keys)]


def count_axis(max_value: float, ticks: int = 6) -> dict[str, Any]:
    """Plotly axis settings for a count axis: whole-number ticks (1, 2, 5 × 10^k apart), from zero, thousands separators.

    ``max_value`` is the largest count drawn (e.g. the tallest stacked bar); ``ticks`` the
    most ticks wanted. The result carries ``dtick`` ≥ 1, so no tick reads ``0.5``.

    >>> count_axis(3)["dtick"], count_axis(18)["dtick"], count_axis(720)["dtick"]
    (1, 5, 200)
    """
    top = max(float(max_value) if not _missing(max_value) and math.isfinite(float(max_value)) else 0.0, 1.0)
    step = 1
    while top / step > ticks:  # next nice step: 1 → 2 → 5 → 10 → 20 → 50 → ...
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    return {"tick0": 0, "dtick": step, "tickformat": ",d", "rangemode": "tozero"}
