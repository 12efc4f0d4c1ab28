"""Numbers: infinite inputs are refused, sums are taken on scaled values.

Shares, Gini, HHI and the scores are scale-invariant, so they are computed on the
values divided by one power of two near the largest value (exact, and finite for
values up to the largest float); an amount that itself overflows raises
``ValueError`` naming the column and the accounts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .. import schema as S

_SHOW_IDS = 5


def _labels(frame: pd.DataFrame | pd.Series | None, n: int) -> np.ndarray:
    """Account ids of the rows of ``frame`` (its ``account_id`` column, else its index), for messages."""
    if isinstance(frame, pd.DataFrame) and S.ACCOUNT_ID in frame.columns:
        return frame[S.ACCOUNT_ID].astype(str).to_numpy()
    if frame is not None:
        return np.asarray(frame.index.astype(str))
    return np.array([f"position {i}" for i in range(n)], dtype=object)


def _show_ids(ids: np.ndarray, positions: np.ndarray) -> str:
    shown = ", ".join(str(ids[i]) for i in positions[:_SHOW_IDS])
    return shown + (f" and {len(positions) - _SHOW_IDS} more" if len(positions) > _SHOW_IDS else "")


def check_finite(x: np.ndarray, column: str, ids: np.ndarray | Sequence[str] | None = None) -> None:
    """Refuse infinite values (``inf``, ``-inf``); NaN stays allowed and means "not known".

    Parameters
    ----------
    x
        The values (any unit).
    column
        Column name used in the message, e.g. ``revenue``.
    ids
        Account ids aligned with ``x``, named in the message (positions when ``None``).

    Raises
    ------
    ValueError
        Naming the column, how many values are infinite and the accounts holding them.
    """
    bad = np.flatnonzero(np.isinf(np.asarray(x, dtype=float)))
    if len(bad):
        labels = np.asarray(ids, dtype=object) if ids is not None else _labels(None, len(x))
        raise ValueError(f"{column}: {len(bad)} value(s) are infinite, at {_show_ids(labels, bad)}; "
                         f"every {column} must be a finite number (empty = not known)")


def _pow2_scale(x: np.ndarray) -> float:
    """The power of two just at or below the largest finite |value| (1 when there is none).

    Every value divided by it lies below 2. Dividing by a power of two is exact in
    floating point, so sums, shares, Gini and HHI computed on ``x / scale`` are bit for
    bit those of ``x`` whenever ``x`` itself does not overflow, and stay finite (below
    twice the number of values) when it would.
    """
    finite = np.abs(np.asarray(x, dtype=float))
    finite = finite[np.isfinite(finite)]
    m = float(finite.max()) if len(finite) else 0.0
    return math.ldexp(1.0, math.frexp(m)[1] - 1) if m > 0 else 1.0


def _scaled(x: np.ndarray) -> tuple[np.ndarray, float]:
    """``(x / scale, scale)`` with :func:`_pow2_scale`."""
    scale = _pow2_scale(x)
    return np.asarray(x, dtype=float) / scale, scale


def safe_total(x: np.ndarray, column: str, ids: np.ndarray | Sequence[str] | None = None) -> float:
    """Sum of the known values (NaN skipped), in their unit, refusing a total too large for a float.

    Raises
    ------
    ValueError
        When a value is infinite, or when the total exceeds the largest float (about
        1.8e308): the message names the column and the largest accounts.
    """
    x = np.asarray(x, dtype=float)
    check_finite(x, column, ids)
    xs, scale = _scaled(x)
    total = float(np.nansum(xs)) * scale
    if not math.isfinite(total):
        labels = np.asarray(ids, dtype=object) if ids is not None else _labels(None, len(x))
        top = np.argsort(-np.nan_to_num(x, nan=-np.inf), kind="stable")[:_SHOW_IDS]
        largest = ", ".join(f"{labels[i]} = {x[i]:.4g}" for i in top)
        raise ValueError(f"{column}: the total of the {int(np.isfinite(x).sum())} values exceeds the largest number a "
                         f"float holds (about 1.8e308); largest: {largest}. Check the unit of the column.")
    return total


def _as_array(values: Iterable[float]) -> tuple[np.ndarray, str, np.ndarray | None]:
    """Values as floats, with a name and labels for messages."""
    if isinstance(values, pd.Series):
        return values.to_numpy(dtype=float), str(values.name or "values"), np.asarray(values.index.astype(str))
    x = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=float)
    return x, "values", None


def _positive(values: Iterable[float]) -> np.ndarray:
    """The positive values (NaN and ≤ 0 left out), divided by a power of two near the largest.

    Raises
    ------
    ValueError
        When a value is infinite (it would otherwise be dropped silently).
    """
    x, name, labels = _as_array(values)
    check_finite(x, name, labels)
    x = x[np.isfinite(x) & (x > 0)]
    return _scaled(x)[0]


def median_revenue(accounts: pd.DataFrame) -> float:
    """Median revenue of the accounts with revenue (> 0), in the configured currency; NaN when none has any.

    Computed on scaled values, so it stays finite for revenues near the largest float.
    """
    if S.REVENUE not in accounts.columns:
        return float("nan")
    x = accounts[S.REVENUE].to_numpy(dtype=float)
    check_finite(x, S.REVENUE, _labels(accounts, len(x)))
    x = x[np.isfinite(x) & (x > 0)]
    if not len(x):
        return float("nan")
    xs, scale = _scaled(x)
    return float(np.median(xs)) * scale
