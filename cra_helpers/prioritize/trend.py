"""Sales trend of the value score: the yearly relative change of revenue in ``sales_history``.

The revenue of each period is annualised, a least-squares line is fitted over the period
mid-points (years) and its slope is divided by the account's mean annualised revenue.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .. import schema as S
from .common import SALES_TREND
from .scaling import _labels, _scaled, _show_ids, check_finite

_PERIOD_RE = re.compile(r"^(\d{4})(?:-(?:[Qq]([1-4])|(\d{1,2})))?$")


def period_midpoint(period: str) -> tuple[float, float]:
    """Mid-point (in years, e.g. 2025.5) and length (years) of a sales period ``YYYY``, ``YYYY-Qn`` or ``YYYY-MM``.

    Raises
    ------
    ValueError
        For text that is not a period.
    """
    m = _PERIOD_RE.match(str(period).strip())
    if not m:
        raise ValueError(f"not a sales period (YYYY, YYYY-Qn or YYYY-MM): {period!r}")
    year = int(m.group(1))
    if m.group(2):
        q = int(m.group(2))
        return year + (q - 0.5) / 4.0, 0.25
    if m.group(3):
        month = int(m.group(3))
        if not 1 <= month <= 12:
            raise ValueError(f"not a sales period (YYYY, YYYY-Qn or YYYY-MM): {period!r}")
        return year + (month - 0.5) / 12.0, 1.0 / 12.0
    return year + 0.5, 1.0


def sales_trend(sales_history: pd.DataFrame | None, max_abs_trend: float = 1.0) -> pd.DataFrame:
    """Yearly relative change of revenue per account, from the sales history.

    The revenue of each period is annualised (divided by the period's length in years),
    a least-squares line is fitted over the period mid-points (years) and its slope is
    divided by the account's mean annualised revenue.

    Parameters
    ----------
    sales_history
        The ``sales_history`` table (``account_id, period, revenue``); ``None`` → empty.
    max_abs_trend
        Limit of the result (1.0 = ±100 % a year).

    Returns
    -------
    DataFrame
        Indexed by ``account_id``: ``periods`` (count), ``history_revenue`` (sum, currency)
        and ``sales_trend`` (fraction per year, e.g. 0.05 = +5 %/year; NaN with fewer than
        two periods or no revenue). The fit runs on revenue divided by a power of two
        near the largest (the trend is scale-invariant; exact for ordinary values).

    Raises
    ------
    ValueError
        When a revenue is infinite, or an account's history total exceeds the largest
        float; the message names ``sales_history.revenue`` and the accounts.
    """
    cols = ["periods", "history_revenue", SALES_TREND]
    if sales_history is None or sales_history.empty:
        return pd.DataFrame(columns=cols, index=pd.Index([], name=S.ACCOUNT_ID, dtype="string"))
    t, length = _centred_period_times(sales_history[S.PERIOD])
    rev = sales_history[S.REVENUE].to_numpy(dtype=float)
    column = f"{S.SALES_HISTORY}.{S.REVENUE}"
    check_finite(rev, column, _labels(sales_history, len(rev)))
    rev, scale = _scaled(rev)
    y = rev / length
    ok = np.isfinite(y)
    acc_codes, acc_ids = pd.factorize(sales_history[S.ACCOUNT_ID].astype("string"))
    n, trend = _fitted_trend(acc_codes[ok], t[ok], y[ok], len(acc_ids), max_abs_trend)
    with np.errstate(over="ignore"):
        history = np.bincount(acc_codes, np.nan_to_num(rev), len(acc_ids)) * scale
    if not np.isfinite(history).all():
        bad = np.flatnonzero(~np.isfinite(history))
        raise ValueError(f"{column}: the history total of {_show_ids(np.asarray(acc_ids, dtype=object), bad)} exceeds "
                         "the largest number a float holds (about 1.8e308). Check the unit of the column.")
    out = pd.DataFrame({"periods": n.astype(int), "history_revenue": history,
                        SALES_TREND: trend}, index=pd.Index(acc_ids, name=S.ACCOUNT_ID))
    return out


def _centred_period_times(periods: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the period mid-point in years minus the mean mid-point of the distinct periods, and the length in years."""
    codes, uniq = pd.factorize(periods.astype("string"))
    table = np.array([period_midpoint(p) for p in uniq], dtype=float).reshape(-1, 2)
    t_all, length = table[codes, 0], table[codes, 1]
    return t_all - (np.mean(table[:, 0]) if len(table) else 0.0), length


def _fitted_trend(g: np.ndarray, t: np.ndarray, y: np.ndarray, k: int,
                  max_abs_trend: float) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares slope of ``y`` over ``t`` per group, relative to the group mean, limited to ± ``max_abs_trend``.

    Parameters
    ----------
    g
        Group (account) code per point, 0 … k − 1.
    t, y
        Centred time (years) and annualised revenue (scaled) per point.
    k
        Number of groups.
    max_abs_trend
        Limit of the result.

    Returns
    -------
    (n, trend)
        Points per group (float) and the trend (fraction per year; NaN with fewer than
        two points, no spread in time or no positive mean).
    """
    n = np.bincount(g, minlength=k).astype(float)
    st, sy = np.bincount(g, t, k), np.bincount(g, y, k)
    stt, sty = np.bincount(g, t * t, k), np.bincount(g, t * y, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        den = n * stt - st * st
        slope = (n * sty - st * sy) / den
        mean_y = sy / n
        trend = slope / mean_y
    valid = (n >= 2) & (den > 1e-12 * np.maximum(n * n, 1)) & (mean_y > 0)
    return n, np.where(valid, np.clip(trend, -max_abs_trend, max_abs_trend), np.nan)
