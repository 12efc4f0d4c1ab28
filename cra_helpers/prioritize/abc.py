"""Pareto / ABC classes and concentration: Lorenz curve, Gini, HHI, top shares and breakdowns by attribute.

Accounts are sorted by the measure (revenue, or volume), largest first, ties by account
id; an account belongs to the first ABC class whose cut point lies above the cumulative
share before it. Concentration is taken over the accounts with a positive measure (see
:mod:`cra_helpers.prioritize` for the formulas).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .. import schema as S
from ..config import Prioritize
from .common import (ABC_CLASS, ABC_CLASS_VOLUME, ACCOUNTS_COL, ACCOUNTS_SHARE, BREAKDOWN_DIMENSIONS, CLASS, CUMULATIVE,
                     NOT_GIVEN, RANK, REVENUE_SHARE, SHARE, VALUE_SHARE, VOLUME_SHARE, _cfg)
from .scaling import _labels, _positive, _scaled, check_finite, safe_total


def abc_classes(values: pd.Series, config: Prioritize | None = None, ids: pd.Series | None = None) -> pd.DataFrame:
    """ABC class of every account on one measure (revenue or volume).

    Parameters
    ----------
    values
        The measure per account (currency or volume unit, ≥ 0); NaN = not known.
    config
        ``abc_classes`` cut points (percent of the cumulative total).
    ids
        Account ids aligned with ``values``, to break ties (smaller id first).

    Returns
    -------
    DataFrame
        Same index as ``values``: ``rank`` (1 = largest), ``share`` and ``cumulative``
        (fractions 0–1 of the total, cumulative including the account) and ``class``
        (ordered categorical of the class names). Accounts with an unknown measure get
        NA in every column; with a total of 0 every known account is in the last class.
        Shares are computed on the values divided by a power of two near the largest,
        so they are exact for values up to the largest float even when their total
        would overflow.

    Raises
    ------
    ValueError
        When a value is infinite, naming the column (``values.name``) and the accounts.
    """
    cfg = _cfg(config)
    names = [c.name for c in cfg.abc_classes]
    cuts = np.array([c.upto_pct for c in cfg.abc_classes]) / 100.0
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    check_finite(x, str(values.name or "measure"),
                 ids.astype(str).to_numpy() if ids is not None else np.asarray(values.index.astype(str)))
    n = len(x)
    out_rank, share, cum = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    codes = np.full(n, -1, dtype=np.int64)
    pos = np.flatnonzero(~np.isnan(x))
    if len(pos):
        tie = (ids.to_numpy()[pos].astype(str) if ids is not None else np.arange(len(pos)))
        out_rank[pos], share[pos], cum[pos], codes[pos] = _rank_and_class(x[pos], tie, cuts)
    cls = pd.Categorical.from_codes(codes, categories=names, ordered=True)
    return pd.DataFrame(
        {RANK: pd.array(out_rank, dtype="Int64") if n else pd.array([], dtype="Int64"), SHARE: share, CUMULATIVE: cum, CLASS: cls},
        index=values.index,
    )


def _rank_and_class(xs: np.ndarray, tie: np.ndarray, cuts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Rank (1 = largest), share, cumulative share (0–1) and class code of known values, in their order.

    Parameters
    ----------
    xs
        The known values (no NaN).
    tie
        Tie-breakers aligned with ``xs`` (smaller first among equal values).
    cuts
        Class cut points as fractions, ascending; the last class takes the rest.
    """
    m = len(xs)
    order = np.lexsort((tie, -xs))
    sorted_x = _scaled(xs)[0][order]
    total = sorted_x.sum()
    ranks = np.empty(m)
    ranks[order] = np.arange(1, m + 1)
    if total > 0:
        c = np.cumsum(sorted_x) / total
        before = np.round(c - sorted_x / total, 12)
        k = np.minimum(np.searchsorted(np.round(cuts, 12), before, side="right"), len(cuts) - 1)
        s_sorted = sorted_x / total
    else:
        c = np.zeros(m)
        k = np.full(m, len(cuts) - 1)
        s_sorted = np.zeros(m)
    share, cum, codes = np.empty(m), np.empty(m), np.empty(m, dtype=np.int64)
    share[order], cum[order], codes[order] = s_sorted, np.minimum(c, 1.0), k
    return ranks, share, cum, codes


def gini(values: Iterable[float]) -> float:
    """Gini coefficient of the positive values (0 = all equal, → 1 = one holds all).

    ``G = 2·Σ i·x(i) / (n·Σx) − (n + 1)/n`` with the values ascending; NaN when no value
    is positive. Scale-invariant, so computed on the values divided by a power of two
    near the largest (exact, and finite for values up to the largest float).

    Raises
    ------
    ValueError
        When a value is infinite.
    """
    x = np.sort(_positive(values))
    n = len(x)
    if n == 0:
        return float("nan")
    i = np.arange(1, n + 1)
    return float(2.0 * np.sum(i * x) / (n * x.sum()) - (n + 1.0) / n)


def herfindahl(values: Iterable[float]) -> float:
    """Herfindahl–Hirschman index of the positive values, ``Σ (100·share)²`` on 0–10,000; NaN if none.

    Shares are taken on scaled values (see :func:`gini`); an infinite value raises ``ValueError``.
    """
    x = _positive(values)
    if not len(x):
        return float("nan")
    s = 100.0 * x / x.sum()
    return float(np.sum(s * s))


def top_share(values: Iterable[float], pct: float) -> float:
    """Share (0–1) of the total held by the largest ``ceil(pct% · n)`` of the n positive values (at least one).

    Taken on scaled values (see :func:`gini`); an infinite value raises ``ValueError``.
    """
    x = np.sort(_positive(values))[::-1]
    if not len(x):
        return float("nan")
    k = max(1, math.ceil(round(pct / 100.0 * len(x), 9)))
    return float(x[:k].sum() / x.sum())


def lorenz_curve(values: Iterable[float], max_points: int | None = 1001) -> pd.DataFrame:
    """Lorenz curve of the positive values.

    Parameters
    ----------
    values
        The measure per account.
    max_points
        Keep at most this many points (evenly spaced along the accounts, ends kept);
        ``None`` keeps all ``n + 1``.

    Returns
    -------
    DataFrame
        ``accounts_share`` (fraction of accounts, smallest first, 0–1) and ``value_share``
        (fraction of the total they hold, 0–1), starting at (0, 0) and ending at (1, 1).

    Raises
    ------
    ValueError
        When a value is infinite.
    """
    x = np.sort(_positive(values))
    n = len(x)
    if n == 0:
        return pd.DataFrame({ACCOUNTS_SHARE: [0.0, 1.0], VALUE_SHARE: [0.0, 1.0]}).iloc[:0]
    cum = np.concatenate([[0.0], np.cumsum(x) / x.sum()])
    frac = np.arange(n + 1) / n
    if max_points is not None and n + 1 > max_points:
        keep = np.unique(np.round(np.linspace(0, n, max_points)).astype(int))
        cum, frac = cum[keep], frac[keep]
    return pd.DataFrame({ACCOUNTS_SHARE: frac, VALUE_SHARE: np.minimum(cum, 1.0)})


def concentration(accounts: pd.DataFrame, config: Prioritize | None = None) -> pd.DataFrame:
    """Concentration of revenue and of volume over the accounts.

    Parameters
    ----------
    accounts
        The ``accounts`` table (or :func:`prioritize_accounts` output).
    config
        ``top_shares_pct``: the top x % of accounts whose share is reported.

    Returns
    -------
    DataFrame
        One row per measure (``revenue``, and ``volume`` when given): ``measure``,
        ``accounts`` (with a positive measure), ``total`` (currency / volume unit),
        ``gini`` (0–1), ``hhi`` (0–10,000), ``top_<x>pct_share`` (fractions 0–1). Shares,
        Gini and HHI are computed on scaled values (exact, see :func:`gini`).

    Raises
    ------
    ValueError
        When a value is infinite, or the total of a measure exceeds the largest float
        (about 1.8e308): the message names the column and the accounts.
    """
    cfg = _cfg(config)
    rows = []
    for measure in (S.REVENUE, S.VOLUME):
        if measure not in accounts.columns or accounts[measure].notna().sum() == 0:
            continue
        x = accounts[measure].to_numpy(dtype=float)
        ids = _labels(accounts, len(x))
        check_finite(x, measure, ids)
        ok = np.isfinite(x) & (x > 0)
        total = safe_total(np.where(ok, x, np.nan), measure, ids)
        pos = _scaled(x[ok])[0]
        row: dict[str, object] = {"measure": measure, ACCOUNTS_COL: int(len(pos)), "total": total,
                                  "gini": gini(pos), "hhi": herfindahl(pos)}
        for p in cfg.top_shares_pct:
            row[top_share_column(p)] = top_share(pos, p)
        rows.append(row)
    return pd.DataFrame(rows)


def top_share_column(pct: float) -> str:
    """Column name of the top-``pct`` % share in :func:`concentration` (e.g. ``top_10pct_share``)."""
    return f"top_{pct:g}pct_share"


def abc_summary(prioritized: pd.DataFrame, config: Prioritize | None = None) -> pd.DataFrame:
    """Accounts, revenue and volume per ABC class (revenue classes, and volume classes).

    Parameters
    ----------
    prioritized
        Output of :func:`prioritize_accounts`.

    Returns
    -------
    DataFrame
        ``measure`` (revenue / volume), ``abc_class``, ``accounts``, ``accounts_share``
        (0–1), ``total`` (currency / volume unit) and ``share`` (0–1 of the measure).
    """
    cfg = _cfg(config)
    rows = []
    for measure, col in ((S.REVENUE, ABC_CLASS), (S.VOLUME, ABC_CLASS_VOLUME)):
        if col not in prioritized.columns or prioritized[col].notna().sum() == 0:
            continue
        known = prioritized[prioritized[col].notna()]
        x = known[measure].to_numpy(dtype=float)
        total = safe_total(x, measure, _labels(known, len(x)))
        xs, scale = _scaled(x)
        for c in cfg.abc_classes:
            sel = (known[col] == c.name).to_numpy(bool)
            part = float(np.nansum(xs[sel]))
            rows.append({"measure": measure, ABC_CLASS: c.name, ACCOUNTS_COL: int(sel.sum()),
                         ACCOUNTS_SHARE: sel.sum() / len(known) if len(known) else np.nan,
                         "total": part * scale, SHARE: part * scale / total if total > 0 else np.nan})
    return pd.DataFrame(rows, columns=["measure", ABC_CLASS, ACCOUNTS_COL, ACCOUNTS_SHARE, "total", SHARE])


def _clean_labels(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Factorize text cells after trimming (empty → not given): (code per row, label per code)."""
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    cleaned = [str(u).strip() or NOT_GIVEN for u in uniq] + [NOT_GIVEN]
    final, labels = pd.factorize(np.array(cleaned, dtype=object))
    return final[np.where(codes < 0, len(uniq), codes)], np.asarray(labels, dtype=object)


def _dimension_groups(frame: pd.DataFrame, dim: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row position, group code, group labels) for one breakdown dimension; list columns exploded.

    Works on the distinct cell values only, so it stays fast for large account bases.
    """
    col = frame[dim]
    if dim != S.PRODUCTS:
        codes, labels = _clean_labels(col.astype(object))
        return np.arange(len(frame)), codes, labels
    codes, uniq = pd.factorize(col.astype(object), use_na_sentinel=True)
    lists = [list(dict.fromkeys(i.strip() for i in str(u).split(S.LIST_SEPARATOR) if i.strip())) or [NOT_GIVEN]
             for u in uniq] + [[NOT_GIVEN]]
    item_codes, labels = pd.factorize(np.array([i for lst in lists for i in lst], dtype=object))
    lengths = np.array([len(lst) for lst in lists])
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    codes = np.where(codes < 0, len(uniq), codes)
    row_len = lengths[codes]
    pos = np.repeat(np.arange(len(frame)), row_len)
    within = np.arange(row_len.sum()) - np.repeat(np.cumsum(row_len) - row_len, row_len)
    return pos, item_codes[np.repeat(offsets[codes], row_len) + within], np.asarray(labels, dtype=object)


def _grouped_concentration(codes: np.ndarray, x: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Gini and HHI per group over the positive values (vectorised)."""
    ok = np.isfinite(x) & (x > 0)
    g, v = codes[ok], x[ok]
    order = np.lexsort((v, g))
    g, v = g[order], v[order]
    n = np.bincount(g, minlength=n_groups).astype(float)
    tot = np.bincount(g, weights=v, minlength=n_groups)
    start = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(int)
    rank = np.arange(len(g)) - start[g] + 1  # 1-based rank within group, ascending
    s_ix = np.bincount(g, weights=rank * v, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        gi = np.where(n > 0, 2.0 * s_ix / (n * tot) - (n + 1.0) / n, np.nan)
        share = v / tot[g]
        hhi = np.where(n > 0, np.bincount(g, weights=(100 * share) ** 2, minlength=n_groups), np.nan)
    return gi, hhi


def _dimension_breakdown(prioritized: pd.DataFrame, dim: str, rev: np.ndarray, rev_scaled: np.ndarray, vol: np.ndarray,
                         totals: tuple[float, float], abc: np.ndarray, names: list[str]) -> pd.DataFrame:
    """The rows of :func:`segment_breakdown` for one dimension, largest revenue first.

    Parameters
    ----------
    prioritized
        Output of :func:`prioritize_accounts`.
    dim
        The account column to break down by.
    rev, vol
        Revenue and volume per account (currency / volume unit; NaN = not known).
    rev_scaled
        Revenue divided by a power of two near the largest (for Gini and HHI).
    totals
        Total revenue and total volume of all accounts.
    abc
        ABC (revenue) class code per account (-1 = none).
    names
        ABC class names, in code order.
    """
    total_rev, total_vol = totals
    pos, codes, groups = _dimension_groups(prioritized, dim)
    k = len(groups)
    r, v = rev[pos], vol[pos]
    part = pd.DataFrame({
        "dimension": dim,
        "group": groups.astype(str),
        ACCOUNTS_COL: np.bincount(codes, minlength=k),
        S.REVENUE: np.bincount(codes, weights=np.nan_to_num(r), minlength=k),
        S.VOLUME: np.bincount(codes, weights=np.nan_to_num(v), minlength=k),
    })
    part[REVENUE_SHARE] = part[S.REVENUE] / total_rev if total_rev > 0 else np.nan
    part[VOLUME_SHARE] = part[S.VOLUME] / total_vol if total_vol > 0 else np.nan
    a = abc[pos]
    for j, name in enumerate(names):
        m = a == j
        part[f"{name}_accounts"] = np.bincount(codes[m], minlength=k)
    for j, name in enumerate(names):
        m = a == j
        part[f"{name}_revenue"] = np.bincount(codes[m], weights=np.nan_to_num(r[m]), minlength=k)
    part["gini"], part["hhi"] = _grouped_concentration(codes, rev_scaled[pos], k)
    part = part[part[ACCOUNTS_COL] > 0]
    return part.sort_values([S.REVENUE, ACCOUNTS_COL, "group"], ascending=[False, False, True], kind="stable")


def segment_breakdown(
    prioritized: pd.DataFrame,
    config: Prioritize | None = None,
    dimensions: Sequence[str] = BREAKDOWN_DIMENSIONS,
) -> pd.DataFrame:
    """ABC and concentration broken down by account attributes.

    Parameters
    ----------
    prioritized
        Output of :func:`prioritize_accounts` (must hold the dimension columns).
    config
        ABC class names.
    dimensions
        Account columns to break down by; ``products`` is exploded, so an account using
        several products counts in each (product shares add up to more than 100 %).

    Returns
    -------
    DataFrame
        One row per dimension × group: ``dimension``, ``group`` (``(not given)`` for an
        empty cell), ``accounts``, ``revenue`` (currency), ``revenue_share`` (0–1 of all
        accounts' revenue), ``volume``, ``volume_share``, ``<class>_accounts`` and
        ``<class>_revenue`` (currency) per ABC (revenue) class, ``gini`` and ``hhi`` of
        revenue within the group (positive revenues only; NaN without any). Groups
        largest revenue first; groups without accounts are left out.
    """
    cfg = _cfg(config)
    names = [c.name for c in cfg.abc_classes]
    rev = prioritized[S.REVENUE].to_numpy(dtype=float)
    vol = prioritized[S.VOLUME].to_numpy(dtype=float) if S.VOLUME in prioritized else np.full(len(prioritized), np.nan)
    ids = _labels(prioritized, len(prioritized))
    totals = safe_total(rev, S.REVENUE, ids), safe_total(vol, S.VOLUME, ids)
    rev_scaled = _scaled(rev)[0]  # Gini and HHI per group are scale-invariant
    abc = pd.Categorical(prioritized[ABC_CLASS], categories=names).codes
    frames = [_dimension_breakdown(prioritized, dim, rev, rev_scaled, vol, totals, abc, names)
              for dim in dimensions if dim in prioritized.columns]
    if not frames:
        return pd.DataFrame(columns=["dimension", "group", ACCOUNTS_COL, S.REVENUE, S.VOLUME, REVENUE_SHARE, VOLUME_SHARE])
    return pd.concat(frames, ignore_index=True)
