"""Prioritize (Step 1 of an assessment): which relationships carry the business, what each is
worth and could become, how often and how to contact it, and whom to hear at each key account.

Everything here runs on the ``accounts`` table alone; ``sales_history`` adds the sales
trend to the value score, and ``contacts`` / ``interviews`` / ``locations`` add the
diagonal slice of the key accounts. Settings come from ``config.prioritize``
(:class:`cra_helpers.config.Prioritize`, ``prioritize:`` in ``resources/defaults.yaml``).

Pareto / ABC
    Accounts are sorted by the measure (revenue, or volume), largest first, ties by
    account id. An account's *cumulative share* is the share of the total held by it and
    every larger account (a fraction, 0–1). It belongs to the first class whose cut point
    lies above the cumulative share *before* it: with the default cut points 80 / 95 / 100 %
    the accounts that make the first 80 % are A (the account that crosses 80 % included,
    so A always holds at least 80 % of the total), the next 15 % B, the rest C. Accounts
    without revenue are C.

Concentration
    Over the accounts with a positive measure: the share of the total held by the top
    x % of accounts (``ceil(x% · n)`` accounts, at least one), the Lorenz curve, the Gini
    coefficient ``G = 2·Σ i·x(i) / (n·Σx) − (n + 1)/n`` (values ascending, ``i`` = 1..n;
    0 = all equal, → 1 = one account holds everything) and the Herfindahl–Hirschman
    index ``HHI = Σ (100·sᵢ)²`` on the usual 0–10,000 scale (``sᵢ`` = share of account i;
    10,000 = a single account, 10,000/n = n equal accounts).

Relationship value score (0–100 %, ≤ 0 = the relationship costs more than it earns)
    For every account with revenue (in ``accounts`` or ``sales_history``)::

        gross profit = revenue × gross margin % / 100
        net value    = gross profit × (1 + w_trend × trend)
                       − cost_per_returned_order × returned orders
                       + value_per_referral × referrals
                       − cost_to_serve
        value score  = 100 × net value / reference,   clipped to −100 … 100 %

    ``trend`` is the yearly relative change of revenue in ``sales_history``: the
    least-squares slope of revenue per period (annualised: a quarter's revenue × 4) over
    the period mid-points in years, divided by the mean annualised revenue, limited to
    ± ``max_abs_trend`` (0 when the account has fewer than two periods). The
    ``reference`` is the ``reference_quantile`` (default 0.9) of the net value of the
    profitable relationships, so the top 10 % score 100 % and the score does not depend
    on the currency. A missing margin is taken as ``default_margin_pct`` (default: the
    median margin of the accounts that have one); missing counts as 0. Default weights:
    ``w_trend`` = 1 (an account growing 10 % a year is worth 10 % more).

    The three money amounts follow the size of the client's accounts
    (:func:`money_weights`): unless the client sets an amount (``cost_to_serve``,
    ``cost_per_returned_order``, ``value_per_referral`` in the configured currency, used
    as is), each is its ``*_share`` of the median revenue ``m`` of the accounts with
    revenue — by default cost to serve 0.04·m a year, 0.02·m per returned order, 0.10·m
    per referral (the data has no order counts, so the returned-order cost is tied to
    the median account too). Fixed amounts misfire on other data: the former defaults
    (5,000 / 2,000 / 10,000) put every account of a base of small accounts (median
    revenue about 40 a year) in the lowest class. On the bundled sample (m = 118,700)
    the shares give 4,748 / 2,374 / 11,870 and the same class for every account as the
    former amounts. With derived amounts the score does not change when every revenue
    is multiplied by the same factor. :func:`settings_table` shows the amounts used
    and where each comes from.

    Accounts without any revenue (leads, prospects, vendors) get no score and the class
    ``no_business.value_class``.

Value classes and potential classes
    Both are bands of whole percent (inclusive), lowest first: a score is rounded half up
    to a whole percent and falls in the band whose ``min``–``max`` holds it. Defaults:
    value — Eliminate ≤ 0 % (recommend competitor), Marginal 1–24 % (quarterly contact),
    Average 25–75 % (monthly), Superior 76–100 % (weekly). The *potential score* is
    ``potential_revenue`` (a currency amount) in % of the ``potential_reference_quantile``
    (0.9) of ``potential_revenue`` over the accounts with an estimate, capped at 100 %;
    defaults Low 0–9 % (e-mail only), Average 10–49 % (telephone, e-mail), High 50–100 %
    (face to face, telephone, e-mail). An account without an estimate is in the lowest
    class. A band set with fewer than 3 or more than 5 classes, overlaps, gaps or out of
    order is refused when the configuration is loaded.

A class that holds (nearly) everyone
    When one value class holds more than ``dominant_class_share`` (default 0.9) of the
    accounts with a score, or one potential class of all accounts,
    :func:`dominant_class_warning` returns a warning naming the class, its share, the
    likely cause and the settings to change (YAML key paths).

Key accounts
    Accounts whose status is in ``key_accounts.statuses`` and that satisfy the ABC-class
    and/or value-class conditions (``combine``: ``and`` / ``or``; an empty list sets no
    condition), plus — with ``include_flagged`` — every account flagged ``key_account``.

Diagonal slice
    At each key account: known contacts (the ``contacts`` table) and interviewed contacts
    (those with an interview) by site × organization level × department × decision role;
    gaps such as no executive decision-maker, a level, core department or site with no
    voice; and a greedy recommended interview list that covers every level, department,
    site, decision role and level × department cell of the known contacts.

Numbers
    An infinite measure (revenue, volume, potential revenue, margin, counts, sales
    history) raises ``ValueError`` naming the column and the account ids; NaN means
    "not known", as before. Shares, cumulative shares, Gini, HHI, top shares, the
    Lorenz curve, the sales trend and the value and potential scores are all
    scale-invariant, so they are computed on the values divided by one power of two
    near the largest value: exact (bit for bit the same for ordinary data) and
    right for values up to the largest float (1.8e308) whose plain sum would overflow.
    An amount in currency that itself exceeds the largest float (the total of a
    measure, a net value) cannot be reported and raises ``ValueError`` naming the
    column and the largest accounts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import headlines
from . import schema as S
from . import steps
from .assessment import Assessment
from .config import MONEY_WEIGHTS, ClassBand, KeyAccountRule, Prioritize, SliceChecks, ValueScore

# ----------------------------------------------------------------------
# Output column names
# ----------------------------------------------------------------------
RANK = "rank"
REVENUE_SHARE = "revenue_share"
CUMULATIVE_SHARE = "cumulative_share"
ABC_CLASS = "abc_class"
VOLUME_SHARE = "volume_share"
CUMULATIVE_VOLUME_SHARE = "cumulative_volume_share"
ABC_CLASS_VOLUME = "abc_class_volume"
MARGIN_USED = "margin_used_pct"
GROSS_PROFIT = "gross_profit"
SALES_TREND = "sales_trend"
NET_VALUE = "net_value"
VALUE_SCORE = "value_score"
VALUE_CLASS = "value_class"
RELATIONSHIP_PLAN = "relationship_plan"
CONTACTS_PER_YEAR = "contacts_per_year"
POTENTIAL_SCORE = "potential_score"
POTENTIAL_CLASS = "potential_class"
INTERACTION_METHOD = "interaction_method"
HOURS_PER_CONTACT = "hours_per_contact"
KEY_FLAGGED = "key_account_flagged"
KEY_BY_RULE = "key_account_by_rule"
KEY_REASON = "key_account_reason"

SHARE = "share"
CUMULATIVE = "cumulative"
CLASS = "class"
ACCOUNTS_COL = "accounts"
ACCOUNTS_SHARE = "accounts_share"
VALUE_SHARE = "value_share"
KNOWN = "known_contacts"
INTERVIEWED = "interviewed_contacts"
NOT_GIVEN = "(not given)"
NO_SITE = "(no site)"

BREAKDOWN_DIMENSIONS: tuple[str, ...] = (
    S.RELATIONSHIP_TYPE, S.STATUS, S.INDUSTRY, S.COMPANY_SIZE, S.REGION, S.PRODUCTS, S.MARKETING_SOURCE,
)
"""Account attributes the ABC and concentration figures are broken down by (``products`` is a list:
an account using several products counts in each of them)."""

SUMMARY_COLUMNS: tuple[str, ...] = (
    RANK, S.ACCOUNT_ID, S.ACCOUNT_NAME, S.REVENUE, REVENUE_SHARE, CUMULATIVE_SHARE, ABC_CLASS, VALUE_SCORE, VALUE_CLASS,
    RELATIONSHIP_PLAN, POTENTIAL_CLASS, INTERACTION_METHOD, S.KEY_ACCOUNT,
)
"""Columns of :func:`prioritize_accounts` shown in the report (the CSV has them all)."""
PLAN_COLUMNS: tuple[str, ...] = (
    S.ACCOUNT_ID, S.ACCOUNT_NAME, VALUE_CLASS, RELATIONSHIP_PLAN, POTENTIAL_CLASS, INTERACTION_METHOD, CONTACTS_PER_YEAR,
    "hours_per_month", S.KEY_ACCOUNT,
)
"""Columns of :func:`contact_plan` shown in the report."""
MATRIX_COLUMNS: tuple[str, ...] = (
    VALUE_CLASS, POTENTIAL_CLASS, ACCOUNTS_COL, ACCOUNTS_SHARE, S.REVENUE, REVENUE_SHARE, S.POTENTIAL_REVENUE, "key_accounts",
    CONTACTS_PER_YEAR,
)
"""Columns of :func:`value_potential_matrix` shown in the report (plan and method are on the chart)."""
SEGMENT_COLUMNS: tuple[str, ...] = ("dimension", "group", ACCOUNTS_COL, S.REVENUE, REVENUE_SHARE, "gini")
"""Columns of :func:`segment_breakdown` shown in the report (plus the accounts per ABC class)."""

# Gap kinds of :func:`slice_gaps`.
GAP_NO_CONTACTS = "no known contacts"
GAP_NO_EXEC_DM = "no executive decision-maker"
GAP_EXEC_DM_NOT_INTERVIEWED = "executive decision-maker not interviewed"
GAP_NO_DM_INTERVIEWED = "no decision-maker interviewed"
GAP_LEVEL_UNKNOWN = "level without contacts"
GAP_LEVEL_NOT_INTERVIEWED = "level not interviewed"
GAP_DEPT_UNKNOWN = "core department without contacts"
GAP_DEPT_NOT_INTERVIEWED = "department with no voice"
GAP_SITE_UNKNOWN = "site without contacts"
GAP_SITE_NOT_INTERVIEWED = "site not interviewed"

STATUS_INTERVIEWED = "interviewed"
STATUS_TO_INTERVIEW = "to interview"

_EXEC, _DM = S.LEVELS[0], S.DECISION_ROLES[0]


def _cfg(config: Prioritize | None) -> Prioritize:
    return config if config is not None else Prioritize()


# ----------------------------------------------------------------------
# Numbers: infinite inputs are refused, sums are taken on scaled values
# ----------------------------------------------------------------------
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


# ----------------------------------------------------------------------
# Pareto / ABC and concentration
# ----------------------------------------------------------------------
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
    known = ~np.isnan(x)
    n = len(x)
    out_rank = np.full(n, np.nan)
    share = np.full(n, np.nan)
    cum = np.full(n, np.nan)
    codes = np.full(n, -1, dtype=np.int64)
    pos = np.flatnonzero(known)
    if len(pos):
        xs = x[pos]
        tie = (ids.to_numpy()[pos].astype(str) if ids is not None else np.arange(len(pos)))
        order = np.lexsort((tie, -xs))
        sorted_x = _scaled(xs)[0][order]
        total = sorted_x.sum()
        ranks = np.empty(len(pos))
        ranks[order] = np.arange(1, len(pos) + 1)
        out_rank[pos] = ranks
        if total > 0:
            c = np.cumsum(sorted_x) / total
            before = np.round(c - sorted_x / total, 12)
            k = np.minimum(np.searchsorted(np.round(cuts, 12), before, side="right"), len(cuts) - 1)
            s_sorted = sorted_x / total
        else:
            c = np.zeros(len(pos))
            k = np.full(len(pos), len(cuts) - 1)
            s_sorted = np.zeros(len(pos))
        tmp_share, tmp_cum, tmp_k = np.empty(len(pos)), np.empty(len(pos)), np.empty(len(pos), dtype=np.int64)
        tmp_share[order], tmp_cum[order], tmp_k[order] = s_sorted, np.minimum(c, 1.0), k
        share[pos], cum[pos], codes[pos] = tmp_share, tmp_cum, tmp_k
    cls = pd.Categorical.from_codes(codes, categories=names, ordered=True)
    return pd.DataFrame(
        {RANK: pd.array(out_rank, dtype="Int64") if n else pd.array([], dtype="Int64"), SHARE: share, CUMULATIVE: cum, CLASS: cls},
        index=values.index,
    )


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
    total_rev, total_vol = safe_total(rev, S.REVENUE, ids), safe_total(vol, S.VOLUME, ids)
    rev_scaled = _scaled(rev)[0]  # Gini and HHI per group are scale-invariant
    abc = pd.Categorical(prioritized[ABC_CLASS], categories=names).codes
    frames = []
    for dim in dimensions:
        if dim not in prioritized.columns:
            continue
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
        frames.append(part.sort_values([S.REVENUE, ACCOUNTS_COL, "group"], ascending=[False, False, True], kind="stable"))
    if not frames:
        return pd.DataFrame(columns=["dimension", "group", ACCOUNTS_COL, S.REVENUE, S.VOLUME, REVENUE_SHARE, VOLUME_SHARE])
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------------
# Relationship value and potential
# ----------------------------------------------------------------------
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
    codes, uniq = pd.factorize(sales_history[S.PERIOD].astype("string"))
    table = np.array([period_midpoint(p) for p in uniq], dtype=float).reshape(-1, 2)
    t_all, length = table[codes, 0], table[codes, 1]
    t = t_all - (np.mean(table[:, 0]) if len(table) else 0.0)
    rev = sales_history[S.REVENUE].to_numpy(dtype=float)
    column = f"{S.SALES_HISTORY}.{S.REVENUE}"
    check_finite(rev, column, _labels(sales_history, len(rev)))
    rev, scale = _scaled(rev)
    y = rev / length
    ok = np.isfinite(y)
    acc_codes, acc_ids = pd.factorize(sales_history[S.ACCOUNT_ID].astype("string"))
    g, t, y = acc_codes[ok], t[ok], y[ok]
    k = len(acc_ids)
    n = np.bincount(g, minlength=k).astype(float)
    st, sy = np.bincount(g, t, k), np.bincount(g, y, k)
    stt, sty = np.bincount(g, t * t, k), np.bincount(g, t * y, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        den = n * stt - st * st
        slope = (n * sty - st * sy) / den
        mean_y = sy / n
        trend = slope / mean_y
    valid = (n >= 2) & (den > 1e-12 * np.maximum(n * n, 1)) & (mean_y > 0)
    trend = np.where(valid, np.clip(trend, -max_abs_trend, max_abs_trend), np.nan)
    with np.errstate(over="ignore"):
        history = np.bincount(acc_codes, np.nan_to_num(rev), k) * scale
    if not np.isfinite(history).all():
        bad = np.flatnonzero(~np.isfinite(history))
        raise ValueError(f"{column}: the history total of {_show_ids(np.asarray(acc_ids, dtype=object), bad)} exceeds "
                         "the largest number a float holds (about 1.8e308). Check the unit of the column.")
    out = pd.DataFrame({"periods": n.astype(int), "history_revenue": history,
                        SALES_TREND: trend}, index=pd.Index(acc_ids, name=S.ACCOUNT_ID))
    return out


def round_percent(scores: pd.Series | np.ndarray) -> np.ndarray:
    """Scores rounded half up to whole percent (24.5 → 25, −0.5 → 0), as the class bands are written."""
    return np.floor(np.asarray(scores, dtype=float) + 0.5)


def classify(scores: pd.Series | np.ndarray | Sequence[float], bands: Sequence[ClassBand]) -> pd.Categorical:
    """Class of each score (percent) in a validated band set.

    Parameters
    ----------
    scores
        Scores in percent; NaN stays NA.
    bands
        Bands lowest first (``config.prioritize.value_classes`` or ``potential_classes``),
        already checked to be contiguous in whole percent.

    Returns
    -------
    Categorical
        Ordered by the bands; a score is rounded half up to a whole percent and falls in
        the band whose ``min``–``max`` (inclusive) holds it (the first band is open below).
    """
    r = round_percent(np.asarray(scores, dtype=float))
    maxes = np.array([b.max for b in bands], dtype=float)
    idx = np.searchsorted(maxes, r, side="left")
    idx = np.where(np.isnan(r) | (idx >= len(bands)), -1, idx)
    return pd.Categorical.from_codes(idx, categories=[b.name for b in bands], ordered=True)


MONEY_LABELS: dict[str, str] = {
    "cost_to_serve": "Cost to serve per account and year",
    "cost_per_returned_order": "Cost per returned order",
    "value_per_referral": "Value per referral",
}
"""Report wording of the value score's money amounts (keys of :data:`cra_helpers.config.MONEY_WEIGHTS`)."""


def format_money(x: float, currency: str = "") -> str:
    """An amount as text: whole units from 100 up (``4,748``), two decimals below (``1.60``)."""
    unit = f" {currency}" if currency else ""
    if not math.isfinite(x):
        return f"–{unit}"
    return f"{x:,.0f}{unit}" if abs(x) >= 100 else f"{x:,.2f}{unit}"


@dataclass(frozen=True)
class MoneyWeight:
    """One money amount of the value score as used on this data.

    Attributes
    ----------
    key
        Setting name under ``prioritize.value`` (``cost_to_serve``, ...).
    amount
        The amount used, in the configured currency (per account and year, per
        returned order or per referral).
    share
        Fraction (0–1) of the median revenue it was derived from; ``None`` when the
        amount was set in the configuration.
    median_revenue
        Median revenue of the accounts with revenue (currency; NaN when none has any).
    """

    key: str
    amount: float
    share: float | None
    median_revenue: float

    @property
    def setting(self) -> str:
        """YAML key path of the amount, e.g. ``prioritize.value.cost_to_serve``."""
        return f"prioritize.value.{self.key}"

    @property
    def derived(self) -> bool:
        """True when the amount follows the data (not set in the configuration)."""
        return self.share is not None

    def explain(self, currency: str = "", source: str = "the configuration") -> str:
        """Where the amount comes from, e.g. ``4.0% of the median revenue 118,700 EUR = 4,748 EUR``."""
        if not self.derived:
            return f"{format_money(self.amount, currency)} (set in {source})"
        if not math.isfinite(self.median_revenue):
            return f"{format_money(0.0, currency)} ({self.share:.1%} of the median revenue; no account has revenue)"
        return (f"{self.share:.1%} of the median revenue {format_money(self.median_revenue, currency)} = "
                f"{format_money(self.amount, currency)}")


def money_weights(accounts: pd.DataFrame, config: Prioritize | None = None) -> dict[str, MoneyWeight]:
    """The cost to serve, cost per returned order and value per referral used on these accounts.

    An amount set in the configuration (``prioritize.value.<key>``) is used as is; one
    left empty (the default) is its ``<key>_share`` of the median revenue of the
    accounts with revenue, so the value score follows the size of the client's
    accounts (a base of 40-a-year accounts is not charged a 5,000 cost to serve).

    Parameters
    ----------
    accounts
        The ``accounts`` table or :func:`prioritize_accounts` output (``revenue``, currency).
    config
        ``config.prioritize``.

    Returns
    -------
    dict of str to MoneyWeight
        In the order of :data:`cra_helpers.config.MONEY_WEIGHTS`.
    """
    w = _cfg(config).value
    median = median_revenue(accounts)
    out = {}
    for key in MONEY_WEIGHTS:
        set_amount = getattr(w, key)
        if set_amount is not None:
            out[key] = MoneyWeight(key, float(set_amount), None, median)
        else:
            share = float(getattr(w, f"{key}_share"))
            out[key] = MoneyWeight(key, share * median if math.isfinite(median) else 0.0, share, median)
    return out


def value_scores(accounts: pd.DataFrame, sales_history: pd.DataFrame | None = None,
                 config: Prioritize | None = None) -> pd.DataFrame:
    """Relationship value score of every account (formula in the module docstring).

    Parameters
    ----------
    accounts
        The ``accounts`` table.
    sales_history
        The ``sales_history`` table, or ``None`` (then the trend is 0 for everyone).
    config
        ``value`` weights, ``value_classes``, ``no_business``.

    Returns
    -------
    DataFrame
        Same index as ``accounts``: ``margin_used_pct`` (% of revenue), ``gross_profit``
        and ``net_value`` (currency per year), ``sales_trend`` (fraction per year; NaN =
        no trend known, counted as 0), ``value_score`` (percent, −100…100; NaN for
        accounts without any revenue), ``value_class``, ``relationship_plan`` and
        ``contacts_per_year``. The money amounts come from :func:`money_weights`. The
        score is computed on revenue and amounts divided by one power of two (exact), so
        it stays right for revenues near the largest float.

    Raises
    ------
    ValueError
        When a revenue, margin or count is infinite, or a net value in currency exceeds
        the largest float; the message names the column and the accounts.
    """
    cfg = _cfg(config)
    w: ValueScore = cfg.value
    rev = accounts[S.REVENUE].to_numpy(dtype=float)
    ids = _labels(accounts, len(accounts))
    check_finite(rev, S.REVENUE, ids)
    money = {k: m.amount for k, m in money_weights(accounts, cfg).items()}
    trend_tab = sales_trend(sales_history, w.max_abs_trend)
    at = trend_tab.index.get_indexer(accounts[S.ACCOUNT_ID].astype("string")) if len(trend_tab) else np.full(len(accounts), -1)
    found = at >= 0
    trend = np.where(found, trend_tab[SALES_TREND].to_numpy(dtype=float)[np.where(found, at, 0)] if len(trend_tab) else np.nan, np.nan)
    hist = np.where(found, trend_tab["history_revenue"].to_numpy(dtype=float)[np.where(found, at, 0)] if len(trend_tab) else 0.0, 0.0)
    scored = (np.nan_to_num(rev) > 0) | (np.nan_to_num(hist) > 0)
    margin = accounts[S.GROSS_MARGIN].to_numpy(dtype=float) if S.GROSS_MARGIN in accounts else np.full(len(accounts), np.nan)
    default = w.default_margin_pct
    if default is None:
        known = margin[np.isfinite(margin) & (np.nan_to_num(rev) > 0)]
        default = float(np.median(known)) if len(known) else 0.0
    check_finite(margin, S.GROSS_MARGIN, ids)
    margin_used = np.where(np.isfinite(margin), margin, default)

    def count(col: str) -> np.ndarray:
        c = accounts[col].astype("Float64").fillna(0).to_numpy(dtype=float) if col in accounts else np.zeros(len(accounts))
        check_finite(c, col, ids)
        return c

    # Work in units of a power of two near the largest amount: exact, and no overflow.
    scale = _pow2_scale(np.concatenate([rev, list(money.values())]))
    gross = np.nan_to_num(rev / scale) * margin_used / 100.0
    net = (gross * (1.0 + w.trend_weight * np.nan_to_num(trend))
           - money["cost_per_returned_order"] / scale * count(S.RETURNED_ORDERS)
           + money["value_per_referral"] / scale * count(S.REFERRALS)
           - money["cost_to_serve"] / scale)
    with np.errstate(over="ignore"):
        net_money = np.where(scored, net * scale, np.nan)
    if np.isinf(net_money).any():
        bad = np.flatnonzero(np.isinf(net_money))
        raise ValueError(f"{NET_VALUE}: the net value of {_show_ids(ids, bad)} exceeds the largest number a float holds "
                         f"(about 1.8e308); check {S.REVENUE}, {S.RETURNED_ORDERS} and {S.REFERRALS} of these accounts.")
    positive = net[scored & (net > 0)]
    if len(positive):
        reference = float(np.quantile(positive, w.reference_quantile))
    else:
        reference = float(np.max(np.abs(net[scored]))) if scored.any() else 1.0
    reference = reference if reference > 0 else 1.0 / scale
    score = np.where(scored, np.clip(100.0 * net / reference, -100.0, 100.0), np.nan)
    bands = cfg.value_classes
    cls = classify(score, bands)
    names = [b.name for b in bands] + [cfg.no_business.value_class]
    codes = np.where(scored, cls.codes, len(bands))
    plans = np.array([b.relationship_plan for b in bands] + [cfg.no_business.relationship_plan], dtype=object)
    per_year = np.array([b.contacts_per_year for b in bands] + [cfg.no_business.contacts_per_year])
    return pd.DataFrame({
        MARGIN_USED: np.where(scored, margin_used, np.nan),
        GROSS_PROFIT: np.where(scored, gross * scale, np.nan),
        SALES_TREND: trend,
        NET_VALUE: net_money,
        VALUE_SCORE: score,
        VALUE_CLASS: pd.Categorical.from_codes(codes, categories=names, ordered=True),
        RELATIONSHIP_PLAN: plans[codes],
        CONTACTS_PER_YEAR: per_year[codes],
    }, index=accounts.index)


def potential_scores(accounts: pd.DataFrame, config: Prioritize | None = None) -> pd.DataFrame:
    """Potential score and class of every account.

    Parameters
    ----------
    accounts
        The ``accounts`` table (``potential_revenue``: estimated additional yearly revenue,
        currency).
    config
        ``potential_reference_quantile`` and ``potential_classes``.

    Returns
    -------
    DataFrame
        Same index: ``potential_score`` (percent 0–100: potential revenue in % of the
        reference quantile of the accounts with an estimate, capped at 100; NaN without an
        estimate), ``potential_class`` (lowest class without an estimate),
        ``interaction_method`` and ``hours_per_contact``. Computed on values divided by
        a power of two near the largest (exact; finite near the largest float).

    Raises
    ------
    ValueError
        When a potential revenue is infinite, naming the accounts.
    """
    cfg = _cfg(config)
    p = accounts[S.POTENTIAL_REVENUE].to_numpy(dtype=float) if S.POTENTIAL_REVENUE in accounts else np.full(len(accounts), np.nan)
    check_finite(p, S.POTENTIAL_REVENUE, _labels(accounts, len(p)))
    p = _scaled(p)[0]
    pos = p[np.isfinite(p) & (p > 0)]
    reference = float(np.quantile(pos, cfg.potential_reference_quantile)) if len(pos) else 1.0
    with np.errstate(invalid="ignore"):
        score = np.clip(100.0 * p / reference, 0.0, 100.0)
    bands = cfg.potential_classes
    codes = classify(score, bands).codes
    codes = np.where(codes < 0, 0, codes)
    methods = np.array([b.interaction_method for b in bands], dtype=object)
    hours = np.array([b.hours_per_contact for b in bands])
    return pd.DataFrame({
        POTENTIAL_SCORE: score,
        POTENTIAL_CLASS: pd.Categorical.from_codes(codes, categories=[b.name for b in bands], ordered=True),
        INTERACTION_METHOD: methods[codes],
        HOURS_PER_CONTACT: hours[codes],
    }, index=accounts.index)


def select_key_accounts(prioritized: pd.DataFrame, rule: KeyAccountRule | None = None,
                        flagged: pd.Series | None = None) -> pd.DataFrame:
    """Apply the key-account rule.

    Parameters
    ----------
    prioritized
        Frame with ``status``, ``abc_class`` and ``value_class``.
    rule
        ``config.prioritize.key_accounts``.
    flagged
        The manual ``key_account`` flag aligned with ``prioritized`` (NA = not flagged).

    Returns
    -------
    DataFrame
        Same index: ``key_account_flagged``, ``key_account_by_rule``, ``key_account``
        (bool) and ``key_account_reason`` (``"flagged and rule"``, ``"rule"``,
        ``"flagged"`` or empty).
    """
    rule = rule or KeyAccountRule()
    n = len(prioritized)
    conds = []
    if rule.abc_classes:
        conds.append(prioritized[ABC_CLASS].astype("string").isin(rule.abc_classes).fillna(False).to_numpy(bool))
    if rule.value_classes:
        conds.append(prioritized[VALUE_CLASS].astype("string").isin(rule.value_classes).fillna(False).to_numpy(bool))
    if conds:
        by_rule = np.logical_and.reduce(conds) if rule.combine == "and" else np.logical_or.reduce(conds)
    else:
        by_rule = np.zeros(n, dtype=bool)
    if rule.statuses:
        by_rule &= prioritized[S.STATUS].astype("string").isin(rule.statuses).fillna(False).to_numpy(bool)
    flag = (flagged.astype("boolean").fillna(False).to_numpy(bool) if flagged is not None else np.zeros(n, dtype=bool))
    key = by_rule | (flag if rule.include_flagged else False)
    reason = np.where(flag & by_rule, "flagged and rule", np.where(by_rule, "rule", np.where(flag, "flagged", "")))
    reason = np.where(key, reason, "")
    return pd.DataFrame({KEY_FLAGGED: flag, KEY_BY_RULE: by_rule, S.KEY_ACCOUNT: key, KEY_REASON: reason},
                        index=prioritized.index)


def prioritize_accounts(accounts: pd.DataFrame, sales_history: pd.DataFrame | None = None,
                        config: Prioritize | None = None) -> pd.DataFrame:
    """Every account with its ABC classes, value and potential classes, plan and key-account status.

    Parameters
    ----------
    accounts
        The ``accounts`` table (all that Step 1 needs).
    sales_history
        Optional ``sales_history`` (gives the sales trend of the value score).
    config
        ``config.prioritize``; package defaults when ``None``.

    Returns
    -------
    DataFrame
        One row per account, largest revenue first (ties by id), fresh index: ``rank``,
        ``account_id``, ``name``, ``relationship_type``, ``status``, the breakdown
        attributes, ``revenue`` (currency), ``revenue_share`` and ``cumulative_share``
        (fractions 0–1), ``abc_class``; ``volume``, ``volume_share``,
        ``cumulative_volume_share``, ``abc_class_volume``; ``gross_margin_pct``,
        ``returned_orders``, ``referrals`` and the columns of :func:`value_scores`;
        ``potential_revenue`` and the columns of :func:`potential_scores`; the columns of
        :func:`select_key_accounts` (``key_account`` = selected); the top elements when
        the table has them.
    """
    cfg = _cfg(config)
    acc = accounts.reset_index(drop=True)
    ids = acc[S.ACCOUNT_ID].astype("string")
    rev = abc_classes(acc[S.REVENUE], cfg, ids)
    base_cols = [S.ACCOUNT_ID, S.ACCOUNT_NAME, S.RELATIONSHIP_TYPE, S.STATUS, S.INDUSTRY, S.COMPANY_SIZE, S.REGION,
                 S.PRODUCTS, S.MARKETING_SOURCE]
    out = acc[[c for c in base_cols if c in acc.columns]].copy()
    out.insert(0, RANK, rev[RANK])
    out[S.REVENUE] = acc[S.REVENUE].astype(float)
    out[REVENUE_SHARE], out[CUMULATIVE_SHARE], out[ABC_CLASS] = rev[SHARE], rev[CUMULATIVE], rev[CLASS]
    if S.VOLUME in acc.columns:
        vol = abc_classes(acc[S.VOLUME], cfg, ids)
        out[S.VOLUME] = acc[S.VOLUME].astype(float)
        out[VOLUME_SHARE], out[CUMULATIVE_VOLUME_SHARE], out[ABC_CLASS_VOLUME] = vol[SHARE], vol[CUMULATIVE], vol[CLASS]
    for col in (S.GROSS_MARGIN, S.RETURNED_ORDERS, S.REFERRALS):
        if col in acc.columns:
            out[col] = acc[col]
    val = value_scores(acc, sales_history, cfg)
    out = pd.concat([out, val], axis=1)
    if S.POTENTIAL_REVENUE in acc.columns:
        out[S.POTENTIAL_REVENUE] = acc[S.POTENTIAL_REVENUE].astype(float)
    out = pd.concat([out, potential_scores(acc, cfg)], axis=1)
    flagged = acc[S.KEY_ACCOUNT] if S.KEY_ACCOUNT in acc.columns else None
    out = pd.concat([out, select_key_accounts(out, cfg.key_accounts, flagged)], axis=1)
    for col in S.TOP_ELEMENTS:
        if col in acc.columns:
            out[col] = acc[col]
    out = out.sort_values(RANK, kind="stable").reset_index(drop=True)
    return out


# ----------------------------------------------------------------------
# Value × potential, contact plan and workload
# ----------------------------------------------------------------------
def value_potential_matrix(prioritized: pd.DataFrame, config: Prioritize | None = None) -> pd.DataFrame:
    """Accounts and revenue in every value class × potential class cell.

    Returns
    -------
    DataFrame
        One row per cell (every combination, empty ones with 0): ``value_class``,
        ``potential_class``, ``accounts``, ``accounts_share`` (0–1), ``revenue``
        (currency), ``revenue_share`` (0–1), ``potential_revenue`` (currency),
        ``key_accounts``, ``relationship_plan``, ``interaction_method``,
        ``contacts_per_year`` (per account). Value classes include the no-business class.
    """
    cfg = _cfg(config)
    v_names = [b.name for b in cfg.value_classes] + [cfg.no_business.value_class]
    p_names = [b.name for b in cfg.potential_classes]
    plans = {b.name: (b.relationship_plan, b.contacts_per_year) for b in cfg.value_classes}
    plans[cfg.no_business.value_class] = (cfg.no_business.relationship_plan, cfg.no_business.contacts_per_year)
    methods = {b.name: b.interaction_method for b in cfg.potential_classes}
    df = pd.DataFrame({
        VALUE_CLASS: pd.Categorical(prioritized[VALUE_CLASS].astype("string"), categories=v_names, ordered=True),
        POTENTIAL_CLASS: pd.Categorical(prioritized[POTENTIAL_CLASS].astype("string"), categories=p_names, ordered=True),
        S.REVENUE: prioritized[S.REVENUE].astype(float),
        S.POTENTIAL_REVENUE: prioritized[S.POTENTIAL_REVENUE].astype(float) if S.POTENTIAL_REVENUE in prioritized else np.nan,
        S.KEY_ACCOUNT: prioritized[S.KEY_ACCOUNT].astype(bool),
    })
    g = df.groupby([VALUE_CLASS, POTENTIAL_CLASS], observed=False)
    out = pd.DataFrame({
        ACCOUNTS_COL: g.size(),
        S.REVENUE: g[S.REVENUE].sum(),
        S.POTENTIAL_REVENUE: g[S.POTENTIAL_REVENUE].sum(min_count=0),
        "key_accounts": g[S.KEY_ACCOUNT].sum(),
    }).reset_index()
    n, ids = len(df), _labels(prioritized, len(df))
    total = safe_total(df[S.REVENUE].to_numpy(dtype=float), S.REVENUE, ids)
    if S.POTENTIAL_REVENUE in prioritized:
        safe_total(df[S.POTENTIAL_REVENUE].to_numpy(dtype=float), S.POTENTIAL_REVENUE, ids)
    out.insert(3, ACCOUNTS_SHARE, out[ACCOUNTS_COL] / n if n else np.nan)
    out.insert(5, REVENUE_SHARE, out[S.REVENUE] / total if total > 0 else np.nan)
    out[ACCOUNTS_COL] = out[ACCOUNTS_COL].astype("int64")
    out["key_accounts"] = out["key_accounts"].astype("int64")
    out[RELATIONSHIP_PLAN] = out[VALUE_CLASS].astype(str).map(lambda c: plans[c][0])
    out[INTERACTION_METHOD] = out[POTENTIAL_CLASS].astype(str).map(methods)
    out[CONTACTS_PER_YEAR] = out[VALUE_CLASS].astype(str).map(lambda c: plans[c][1]).astype(float)
    return out


def contact_plan(prioritized: pd.DataFrame) -> pd.DataFrame:
    """The contact plan per account.

    Returns
    -------
    DataFrame
        One row per account, largest revenue first: ``account_id``, ``name``,
        ``abc_class``, ``value_class``, ``relationship_plan``, ``potential_class``,
        ``interaction_method``, ``contacts_per_year``, ``contacts_per_month``
        (= per year / 12), ``hours_per_contact``, ``hours_per_month`` (staff hours) and
        ``key_account``.
    """
    cols = [S.ACCOUNT_ID, S.ACCOUNT_NAME, ABC_CLASS, S.REVENUE, VALUE_CLASS, VALUE_SCORE, RELATIONSHIP_PLAN, POTENTIAL_CLASS,
            INTERACTION_METHOD, CONTACTS_PER_YEAR, HOURS_PER_CONTACT, S.KEY_ACCOUNT]
    plan = prioritized[[c for c in cols if c in prioritized.columns]].copy()
    plan.insert(plan.columns.get_loc(CONTACTS_PER_YEAR) + 1, "contacts_per_month", plan[CONTACTS_PER_YEAR] / 12.0)
    plan["hours_per_month"] = plan["contacts_per_month"] * plan[HOURS_PER_CONTACT]
    return plan


def contact_workload(plan: pd.DataFrame) -> pd.DataFrame:
    """Workload per month of a contact plan, by relationship plan and interaction method.

    Parameters
    ----------
    plan
        Output of :func:`contact_plan`.

    Returns
    -------
    DataFrame
        ``value_class``, ``relationship_plan``, ``interaction_method``, ``accounts``,
        ``contacts_per_month`` and ``hours_per_month`` (staff hours), only combinations
        that hold accounts, then a ``Total`` row.
    """
    keys = [VALUE_CLASS, RELATIONSHIP_PLAN, INTERACTION_METHOD]
    g = plan.groupby(keys, observed=True, sort=True)
    out = pd.DataFrame({ACCOUNTS_COL: g.size(), "contacts_per_month": g["contacts_per_month"].sum(),
                        "hours_per_month": g["hours_per_month"].sum()}).reset_index()
    out = out[out[ACCOUNTS_COL] > 0]
    out[VALUE_CLASS] = out[VALUE_CLASS].astype(str)
    total = pd.DataFrame([{VALUE_CLASS: "Total", RELATIONSHIP_PLAN: "", INTERACTION_METHOD: "",
                           ACCOUNTS_COL: int(out[ACCOUNTS_COL].sum()),
                           "contacts_per_month": float(out["contacts_per_month"].sum()),
                           "hours_per_month": float(out["hours_per_month"].sum())}])
    return pd.concat([out, total], ignore_index=True)


# ----------------------------------------------------------------------
# The three most important elements
# ----------------------------------------------------------------------
def top_elements(prioritized: pd.DataFrame) -> pd.DataFrame:
    """The elements that matter most to customers, across accounts and across key accounts.

    Elements are compared after trimming and ignoring case (shown in their most frequent
    spelling). Points: 3 for rank 1, 2 for rank 2, 1 for rank 3.

    Parameters
    ----------
    prioritized
        Output of :func:`prioritize_accounts` (``top_element_1..3`` and ``key_account``).

    Returns
    -------
    DataFrame
        ``element``, ``accounts`` (naming it in any rank), ``accounts_share`` (0–1 of the
        accounts that name at least one element), ``rank_1`` (accounts naming it first),
        ``points``, ``key_accounts``, ``key_accounts_share`` (0–1 of the key accounts that
        name one), ``revenue_share`` (0–1 of total revenue held by the accounts naming
        it). Most points first; empty when the table has no top elements.
    """
    cols = [c for c in S.TOP_ELEMENTS if c in prioritized.columns]
    out_cols = ["element", ACCOUNTS_COL, ACCOUNTS_SHARE, "rank_1", "points", "key_accounts", "key_accounts_share", REVENUE_SHARE]
    if not cols:
        return pd.DataFrame(columns=out_cols)
    # Work on the distinct spellings only: code every cell by its trimmed, case-folded text.
    raw_codes, spellings = pd.factorize(pd.concat([prioritized[c].astype(object) for c in cols], ignore_index=True),
                                        use_na_sentinel=True)
    folded = [str(s).strip().casefold() for s in spellings]
    key_codes, keys = pd.factorize(np.array(folded + [""], dtype=object))
    empty = key_codes[-1]
    n = len(prioritized)
    cell = np.where(raw_codes < 0, -1, key_codes[np.where(raw_codes < 0, len(spellings), raw_codes)])
    cell = np.where(cell == empty, -1, cell).reshape(len(cols), n).T.copy()
    for j in range(1, len(cols)):  # an account naming an element twice counts once, at its best rank
        for i in range(j):
            cell[cell[:, j] == cell[:, i], j] = -1
    named = (cell >= 0).any(axis=1)
    if not named.any():
        return pd.DataFrame(columns=out_cols)
    k = len(keys)
    key = prioritized[S.KEY_ACCOUNT].astype(bool).to_numpy()
    rev = prioritized[S.REVENUE].to_numpy(dtype=float)
    rows = np.repeat(np.arange(n)[:, None], len(cols), axis=1)
    points = np.repeat((3 - np.arange(len(cols)))[None, :], n, axis=0)
    ok = cell >= 0
    c, r, pts = cell[ok], rows[ok], points[ok]
    accounts = np.bincount(c, minlength=k)
    spelled = np.bincount(raw_codes[raw_codes >= 0], minlength=len(spellings))
    best: dict[int, str] = {}  # most frequent spelling of each element
    for i in np.argsort(-spelled, kind="stable"):
        kc = int(key_codes[i])
        if kc != empty and kc not in best:
            best[kc] = str(spellings[i]).strip()
    total_rev = safe_total(rev, S.REVENUE, _labels(prioritized, n))
    out = pd.DataFrame({
        "element": [best.get(i, "") for i in range(k)],
        ACCOUNTS_COL: accounts,
        "rank_1": np.bincount(c[pts == 3], minlength=k),
        "points": np.bincount(c, weights=pts, minlength=k).astype("int64"),
        "key_accounts": np.bincount(c[key[r]], minlength=k),
        REVENUE_SHARE: np.bincount(c, weights=np.nan_to_num(rev[r]), minlength=k) / total_rev if total_rev > 0 else np.nan,
    })
    out = out[out[ACCOUNTS_COL] > 0]
    out[ACCOUNTS_SHARE] = out[ACCOUNTS_COL] / int(named.sum())
    n_key = int((named & key).sum())
    out["key_accounts_share"] = out["key_accounts"] / n_key if n_key else np.nan
    out = out.sort_values(["points", "element"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return out[out_cols]


# ----------------------------------------------------------------------
# Diagonal slice at key accounts
# ----------------------------------------------------------------------
def _key_ids(key_accounts: Iterable[str] | pd.DataFrame) -> list[str]:
    if isinstance(key_accounts, pd.DataFrame):
        frame = key_accounts[key_accounts[S.KEY_ACCOUNT].astype(bool)]
        return frame[S.ACCOUNT_ID].astype(str).tolist()
    return [str(k) for k in key_accounts]


def key_contacts(a: Assessment, key_accounts: Iterable[str] | pd.DataFrame) -> pd.DataFrame:
    """Known contacts at the key accounts, with site and whether they were interviewed.

    Parameters
    ----------
    a
        The assessment (``contacts``; ``interviews`` and ``locations`` when present).
    key_accounts
        Key account ids, or :func:`prioritize_accounts` output (rows with ``key_account``).

    Returns
    -------
    DataFrame
        ``contact_id, account_id, location_id, site, name, title, level, department,
        decision_role, interviewed`` (bool) plus ``interviews`` (count), with
        ``department`` trimmed and spelled as its most frequent spelling (compared
        ignoring case) and ``site`` = ``(no site)`` when the contact has none. Empty
        without ``contacts``.
    """
    ids = _key_ids(key_accounts)
    cols = [S.CONTACT_ID, S.ACCOUNT_ID, S.LOCATION_ID, S.SITE, S.CONTACT_NAME, S.TITLE, S.LEVEL, S.DEPARTMENT,
            S.DECISION_ROLE, STATUS_INTERVIEWED, "interviews"]
    if not a.has(S.CONTACTS):
        return pd.DataFrame(columns=cols)
    con = a.contacts
    con = con[con[S.ACCOUNT_ID].astype("string").isin(ids).fillna(False).to_numpy(bool)].copy()
    dept = con[S.DEPARTMENT].astype("string").str.strip()
    key = dept.str.casefold()
    all_dept = a.contacts[S.DEPARTMENT].astype("string").str.strip()
    spelling = all_dept.groupby(all_dept.str.casefold()).agg(lambda s: s.value_counts().index[0])
    con[S.DEPARTMENT] = key.map(spelling).astype("string")
    if a.has(S.INTERVIEWS):
        per = a.interviews.groupby(S.CONTACT_ID, observed=True).size()
        con["interviews"] = con[S.CONTACT_ID].map(per).fillna(0).astype("int64")
    else:
        con["interviews"] = 0
    con[STATUS_INTERVIEWED] = con["interviews"] > 0
    if a.has(S.LOCATIONS):
        sites = a.locations.set_index(S.LOCATION_ID)[S.SITE]
        con[S.SITE] = con[S.LOCATION_ID].map(sites)
    else:
        con[S.SITE] = pd.NA
    con[S.SITE] = con[S.SITE].astype("string").fillna(NO_SITE)
    for c in (S.TITLE,):
        if c not in con.columns:
            con[c] = pd.NA
    return con[cols].reset_index(drop=True)


def diagonal_slice(a: Assessment, key_accounts: Iterable[str] | pd.DataFrame) -> pd.DataFrame:
    """Known and interviewed contacts per key account × site × level × department × decision role.

    Returns
    -------
    DataFrame
        ``account_id, location_id, site, level, department, decision_role,
        known_contacts, interviewed_contacts`` (counts; known includes interviewed), one
        row per combination that has a known contact; levels and roles in contract order.
    """
    con = key_contacts(a, key_accounts)
    keys = [S.ACCOUNT_ID, S.LOCATION_ID, S.SITE, S.LEVEL, S.DEPARTMENT, S.DECISION_ROLE]
    if con.empty:
        return pd.DataFrame(columns=[*keys, KNOWN, INTERVIEWED])
    con = con.assign(**{S.LOCATION_ID: con[S.LOCATION_ID].astype("string").fillna("")})
    g = con.groupby(keys, observed=True, dropna=False, sort=True)
    out = pd.DataFrame({KNOWN: g.size(), INTERVIEWED: g[STATUS_INTERVIEWED].sum()}).reset_index()
    out[S.LOCATION_ID] = out[S.LOCATION_ID].replace("", pd.NA)
    out[KNOWN] = out[KNOWN].astype("int64")
    out[INTERVIEWED] = out[INTERVIEWED].astype("int64")
    return out


def slice_coverage(slice_table: pd.DataFrame, key_accounts: Iterable[str] | pd.DataFrame) -> pd.DataFrame:
    """Level × department coverage of every key account (sites and roles summed).

    Parameters
    ----------
    slice_table
        Output of :func:`diagonal_slice`.
    key_accounts
        Key account ids (or :func:`prioritize_accounts` output), in display order.

    Returns
    -------
    DataFrame
        One row per key account × (level, department) pair seen at any key account:
        ``account_id, level, department, known_contacts, interviewed_contacts``
        (0 where nobody is known), levels in contract order, departments by how many
        key accounts know someone there.
    """
    ids = _key_ids(key_accounts)
    cols = [S.ACCOUNT_ID, S.LEVEL, S.DEPARTMENT, KNOWN, INTERVIEWED]
    if slice_table.empty or not ids:
        return pd.DataFrame(columns=cols)
    per = slice_table.groupby([S.ACCOUNT_ID, S.LEVEL, S.DEPARTMENT], observed=True)[[KNOWN, INTERVIEWED]].sum()
    pairs = per.reset_index()[[S.LEVEL, S.DEPARTMENT]].drop_duplicates()
    spread = per.reset_index().groupby(S.DEPARTMENT)[S.ACCOUNT_ID].nunique()
    pairs = pairs.assign(_l=pairs[S.LEVEL].astype(str).map({lv: i for i, lv in enumerate(S.LEVELS)}),
                         _d=-pairs[S.DEPARTMENT].map(spread)).sort_values(["_l", "_d", S.DEPARTMENT])
    grid = pd.MultiIndex.from_tuples(
        [(acc, lv, d) for acc in ids for lv, d in zip(pairs[S.LEVEL].astype(str), pairs[S.DEPARTMENT].astype(str))],
        names=[S.ACCOUNT_ID, S.LEVEL, S.DEPARTMENT])
    per.index = per.index.set_levels([lv.astype(str) for lv in per.index.levels])
    out = per.reindex(grid, fill_value=0).reset_index()
    out[KNOWN] = out[KNOWN].astype("int64")
    out[INTERVIEWED] = out[INTERVIEWED].astype("int64")
    return out


def slice_gaps(a: Assessment, key_accounts: Iterable[str] | pd.DataFrame,
               config: Prioritize | None = None) -> pd.DataFrame:
    """Holes in the diagonal slice of every key account.

    Checks, per key account: no known contact at all; no executive decision-maker known
    (or known but not interviewed); a level with no contact (or none interviewed); a core
    department (``diagonal_slice.core_departments``) with no contact; a department with
    known contacts none of whom was interviewed; a site (``locations``) with no contact
    (or none interviewed); no decision-maker interviewed. "Not interviewed" checks run
    only when the assessment has interviews.

    Returns
    -------
    DataFrame
        ``account_id, gap, detail, severity`` (``bad`` or ``warn``), one row per gap, in
        key-account order.
    """
    cfg = _cfg(config)
    checks: SliceChecks = cfg.diagonal_slice
    ids = _key_ids(key_accounts)
    con = key_contacts(a, ids)
    interviewed_known = a.has(S.INTERVIEWS)
    core = {d.strip().casefold(): d.strip() for d in checks.core_departments}
    rows: list[dict[str, str]] = []

    def add(acc: str, gap: str, detail: str, severity: str = "warn") -> None:
        rows.append({S.ACCOUNT_ID: acc, "gap": gap, "detail": detail, "severity": severity})

    sites = a.locations if a.has(S.LOCATIONS) else None
    for acc in ids:
        c = con[con[S.ACCOUNT_ID].astype(str) == acc]
        if c.empty:
            add(acc, GAP_NO_CONTACTS, "no contact is known at this key account: the slice cannot be planned", "bad")
            continue
        lvl, role = c[S.LEVEL].astype(str), c[S.DECISION_ROLE].astype(str)
        iv = c[STATUS_INTERVIEWED].to_numpy(bool)
        execs = lvl == _EXEC
        exec_dm = (execs & (role == _DM)).to_numpy(bool)
        if not exec_dm.any():
            what = "no executive contact at all" if not execs.any() else "executives known, none a decision-maker"
            add(acc, GAP_NO_EXEC_DM, f"no executive decision-maker among the contacts ({what})", "bad")
        elif interviewed_known and not (exec_dm & iv).any():
            add(acc, GAP_EXEC_DM_NOT_INTERVIEWED, f"{int(exec_dm.sum())} executive decision-maker(s) known, none interviewed", "bad")
        for level in S.LEVELS:
            at = (lvl == level).to_numpy(bool)
            if not at.any():
                if level != _EXEC:  # a missing executive level is reported as the missing decision-maker
                    add(acc, GAP_LEVEL_UNKNOWN, f"no {level} contact known")
            elif interviewed_known and not (at & iv).any():
                add(acc, GAP_LEVEL_NOT_INTERVIEWED, f"{level} level: {int(at.sum())} known, none interviewed")
        dkey = c[S.DEPARTMENT].astype(str).str.casefold()
        for k, name in core.items():
            if not (dkey == k).any():
                add(acc, GAP_DEPT_UNKNOWN, f"{name}: no contact known")
        if interviewed_known:
            for k in sorted(dkey.unique()):
                at = (dkey == k).to_numpy(bool)
                if not (at & iv).any():
                    shown = c.loc[at, S.DEPARTMENT].iloc[0]
                    add(acc, GAP_DEPT_NOT_INTERVIEWED, f"{shown} department not interviewed ({int(at.sum())} known)")
        if sites is not None:
            acc_sites = sites[sites[S.ACCOUNT_ID].astype(str) == acc]
            for loc_id, site in zip(acc_sites[S.LOCATION_ID].astype(str), acc_sites[S.SITE].astype(str)):
                at = (c[S.LOCATION_ID].astype("string") == loc_id).fillna(False).to_numpy(bool)
                if not at.any():
                    add(acc, GAP_SITE_UNKNOWN, f"site {site} ({loc_id}): no contact known")
                elif interviewed_known and not (at & iv).any():
                    add(acc, GAP_SITE_NOT_INTERVIEWED, f"site {site} ({loc_id}): {int(at.sum())} known, none interviewed")
        if interviewed_known and iv.any() and not ((role == _DM).to_numpy(bool) & iv).any():
            add(acc, GAP_NO_DM_INTERVIEWED, "no decision-maker was interviewed", "bad")
    return pd.DataFrame(rows, columns=[S.ACCOUNT_ID, "gap", "detail", "severity"])


def recommended_interviews(a: Assessment, key_accounts: Iterable[str] | pd.DataFrame,
                           config: Prioritize | None = None) -> pd.DataFrame:
    """An interview list that covers the diagonal slice of every key account.

    Greedy set cover over the known contacts of each key account: the contacts already
    interviewed count first; then, one at a time, the contact who adds most of what is not
    yet heard is added — an executive decision-maker (weight 4), a level (3), a core
    department (3), another department (2), a site (2), a decision role (1), a level ×
    department cell (1) — ties going to the higher level, the decision-maker, then the
    contact id, until nobody adds anything.

    Returns
    -------
    DataFrame
        ``account_id, contact_id, name, title, level, department, decision_role,
        location_id, site, status`` (``interviewed`` or ``to interview``), ``covers``
        (what the contact adds, for those to interview), in key-account order,
        interviewed first.
    """
    cfg = _cfg(config)
    ids = _key_ids(key_accounts)
    con = key_contacts(a, ids)
    cols = [S.ACCOUNT_ID, S.CONTACT_ID, S.CONTACT_NAME, S.TITLE, S.LEVEL, S.DEPARTMENT, S.DECISION_ROLE,
            S.LOCATION_ID, S.SITE, "status", "covers"]
    if con.empty:
        return pd.DataFrame(columns=cols)
    core = {d.strip().casefold() for d in cfg.diagonal_slice.core_departments}
    level_rank = {lv: i for i, lv in enumerate(S.LEVELS)}
    role_rank = {r: i for i, r in enumerate(S.DECISION_ROLES)}
    out = []
    for acc in ids:
        c = con[con[S.ACCOUNT_ID].astype(str) == acc]
        if c.empty:
            continue
        facets: dict[str, dict[tuple, tuple[float, str]]] = {}
        for rec in c.itertuples(index=False):
            r = rec._asdict()
            lv, dept, role = str(r[S.LEVEL]), str(r[S.DEPARTMENT]), str(r[S.DECISION_ROLE])
            dk = dept.casefold()
            f: dict[tuple, tuple[float, str]] = {
                ("level", lv): (3.0, f"{lv} level"),
                ("dept", dk): (3.0 if dk in core else 2.0, dept),
                ("role", role): (1.0, role),
                ("cell", lv, dk): (1.0, f"{lv} {dept}"),
                ("site", str(r[S.SITE])): (2.0, f"site {r[S.SITE]}"),
            }
            if lv == _EXEC and role == _DM:
                f[("exec_dm",)] = (4.0, "executive decision-maker")
            facets[str(r[S.CONTACT_ID])] = f
        covered: set[tuple] = set()
        rec_by_id = {str(k): v for k, v in zip(c[S.CONTACT_ID].astype(str), c.to_dict("records"))}
        chosen: list[tuple[str, str, str]] = []
        for cid, row in rec_by_id.items():
            if row[STATUS_INTERVIEWED]:
                covered |= set(facets[cid])
                chosen.append((cid, STATUS_INTERVIEWED, ""))
        pool = [cid for cid, row in rec_by_id.items() if not row[STATUS_INTERVIEWED]]
        while pool:
            def gain(cid: str) -> tuple:
                row = rec_by_id[cid]
                g = sum(w for k, (w, _) in facets[cid].items() if k not in covered)
                return (g, -level_rank.get(str(row[S.LEVEL]), 9), -role_rank.get(str(row[S.DECISION_ROLE]), 9), [-ord(ch) for ch in cid])
            best = max(pool, key=gain)
            if gain(best)[0] <= 0:
                break
            new = [label for k, (_, label) in facets[best].items() if k not in covered and k[0] != "cell"]
            new = new or [label for k, (_, label) in facets[best].items() if k not in covered]
            covered |= set(facets[best])
            chosen.append((best, STATUS_TO_INTERVIEW, "; ".join(new)))
            pool.remove(best)
        for cid, status, covers in chosen:
            row = rec_by_id[cid]
            out.append({**{k: row[k] for k in cols if k in row}, "status": status, "covers": covers})
    return pd.DataFrame(out, columns=cols)


def slice_summary(a: Assessment, key_accounts: Iterable[str] | pd.DataFrame,
                  config: Prioritize | None = None) -> pd.DataFrame:
    """Per key account: sites, known and interviewed contacts, levels and departments heard, gaps, interviews to add.

    Returns
    -------
    DataFrame
        ``account_id, sites, known_contacts, interviewed_contacts, levels_known,
        levels_interviewed, departments_known, departments_interviewed, gaps,
        to_interview`` (counts).
    """
    ids = _key_ids(key_accounts)
    con = key_contacts(a, ids)
    gaps = slice_gaps(a, ids, config)
    plan = recommended_interviews(a, ids, config)
    rows = []
    for acc in ids:
        c = con[con[S.ACCOUNT_ID].astype(str) == acc]
        iv = c[c[STATUS_INTERVIEWED].astype(bool)]
        n_sites = int((a.locations[S.ACCOUNT_ID].astype(str) == acc).sum()) if a.has(S.LOCATIONS) else int(c[S.SITE].nunique())
        rows.append({
            S.ACCOUNT_ID: acc, "sites": n_sites, KNOWN: len(c), INTERVIEWED: len(iv),
            "levels_known": c[S.LEVEL].nunique(), "levels_interviewed": iv[S.LEVEL].nunique(),
            "departments_known": c[S.DEPARTMENT].str.casefold().nunique(),
            "departments_interviewed": iv[S.DEPARTMENT].str.casefold().nunique(),
            "gaps": int((gaps[S.ACCOUNT_ID] == acc).sum()),
            "to_interview": int(((plan[S.ACCOUNT_ID].astype(str) == acc) & (plan["status"] == STATUS_TO_INTERVIEW)).sum()) if len(plan) else 0,
        })
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------
# What the data allows next
# ----------------------------------------------------------------------
def later_steps(a: Assessment) -> pd.DataFrame:
    """Registered analysis steps that this assessment cannot run, and the tables they lack.

    Returns
    -------
    DataFrame
        ``step, title, missing`` (comma-separated table names); empty when every step
        can run.
    """
    rows = []
    for step in sorted(steps.STEPS.values(), key=lambda s: s.name):
        missing = a.missing(*step.requires)
        if missing:
            rows.append({"step": step.name, "title": step.title, "missing": ", ".join(missing)})
    return pd.DataFrame(rows, columns=["step", "title", "missing"])


# ----------------------------------------------------------------------
# Notebook helpers: headline figures, settings in use, what the data lacks
# ----------------------------------------------------------------------
def headline_figures(prioritized: pd.DataFrame, concentration_table: pd.DataFrame, plan: pd.DataFrame,
                     config: Prioritize | None = None) -> list[tuple[str, float | int]]:
    """Key figures of the step: accounts, top class, concentration, key accounts, contact workload.

    Returns
    -------
    list of (label, value)
        Counts, shares and the Gini coefficient in percent (0–100), contacts and staff hours per month.
    """
    cfg = _cfg(config)
    first = cfg.abc_classes[0].name
    top = prioritized[prioritized[ABC_CLASS].astype("string") == first]
    total = safe_total(prioritized[S.REVENUE].to_numpy(dtype=float), S.REVENUE, _labels(prioritized, len(prioritized)))
    out: list[tuple[str, float | int]] = [
        ("Accounts", len(prioritized)),
        ("Accounts with revenue", int((prioritized[S.REVENUE] > 0).sum())),
        (f"Class {first} accounts", len(top)),
        (f"Revenue share of class {first} (%)", round(100 * top[S.REVENUE].sum() / total, 1) if total > 0 else float("nan")),
    ]
    conc = concentration_table.set_index("measure") if len(concentration_table) else None
    if conc is not None and S.REVENUE in conc.index:
        out.append(("Gini of revenue (%)", round(100 * float(conc.at[S.REVENUE, "gini"]), 1)))
    out += [
        (headlines.KEY_ACCOUNTS.label, int(prioritized[KEY_FLAGGED].sum()) if KEY_FLAGGED in prioritized.columns
         else int(headlines.key_account_flags(prioritized).sum())),
        (headlines.KEY_ACCOUNTS_PRIORITIZED.label, int(prioritized[S.KEY_ACCOUNT].sum())),
        (f"{cfg.value_classes[0].name} (value ≤ {cfg.value_classes[0].max}%)",
         int((prioritized[VALUE_CLASS].astype("string") == cfg.value_classes[0].name).sum())),
        ("Contacts per month", round(float(plan["contacts_per_month"].sum()), 1)),
        ("Staff hours per month", round(float(plan["hours_per_month"].sum()), 1)),
    ]
    return out


def settings_table(config: Prioritize | None = None, currency: str = "", accounts: pd.DataFrame | None = None,
                   source: str = "the configuration") -> pd.DataFrame:
    """The value-score weights, class bands and key-account rule in use, for the report.

    Parameters
    ----------
    config
        ``config.prioritize``.
    currency
        Currency label of the amounts.
    accounts
        The accounts (or :func:`prioritize_accounts` output): with them, each money
        amount is shown as used on this data and where it comes from, e.g. ``4.0% of
        the median revenue 118,700 EUR = 4,748 EUR``; without, only the rule.
    source
        Where an amount set by the client comes from (e.g. the client file's path).

    Returns
    -------
    DataFrame
        ``setting, value`` rows (text).
    """
    cfg = _cfg(config)
    w = cfg.value
    margin = "median of the known margins" if w.default_margin_pct is None else f"{w.default_margin_pct:g}%"
    money_rows = []
    used = money_weights(accounts, cfg) if accounts is not None else None
    for key in MONEY_WEIGHTS:
        label = f"{MONEY_LABELS[key]} (prioritize.value.{key})"
        if used is not None:
            text = used[key].explain(currency, source)
        elif getattr(w, key) is not None:
            text = f"{format_money(float(getattr(w, key)), currency)} (set in {source})"
        else:
            text = f"{getattr(w, f'{key}_share'):.1%} of the median revenue of the accounts with revenue"
        money_rows.append((label, text))
    rows = [
        ("ABC cut points", ", ".join(f"{c.name} up to {c.upto_pct:g}%" for c in cfg.abc_classes)),
        ("Trend weight (w_trend)", f"{w.trend_weight:g} (trend limited to ±{w.max_abs_trend:.0%} a year)"),
        *money_rows,
        ("Margin where none is given", margin),
        ("Reference (100%)", f"quantile {w.reference_quantile:g} of the net value of profitable relationships"),
        ("Value classes", "; ".join(f"{b.name} {'≤ ' if b.min is None else f'{b.min}–'}{b.max}% → {b.relationship_plan} "
                                     f"({b.contacts_per_year:g}/year)" for b in cfg.value_classes)),
        ("Without revenue", f"{cfg.no_business.value_class} → {cfg.no_business.relationship_plan} ({cfg.no_business.contacts_per_year:g}/year)"),
        ("Potential reference (100%)", f"quantile {cfg.potential_reference_quantile:g} of potential_revenue"),
        ("Potential classes", "; ".join(f"{b.name} {'≤ ' if b.min is None else f'{b.min}–'}{b.max}% → {b.interaction_method} "
                                         f"({b.hours_per_contact:g} h/contact)" for b in cfg.potential_classes)),
    ]
    k = cfg.key_accounts
    conds = [f"ABC class in {', '.join(k.abc_classes)}"] if k.abc_classes else []
    conds += [f"value class in {', '.join(k.value_classes)}"] if k.value_classes else []
    rule = f" {k.combine} ".join(conds) or "no condition"
    rule += f", status {', '.join(k.statuses)}" if k.statuses else ""
    rule += "; plus the accounts flagged key_account" if k.include_flagged else ""
    rows.append(("Key-account rule", rule))
    rows.append(("Warning when one class holds more than", f"{cfg.dominant_class_share:.0%} of the accounts"))
    return pd.DataFrame(rows, columns=["setting", "value"])


def dominant_class_warning(prioritized: pd.DataFrame, config: Prioritize | None = None, which: str = "value",
                           currency: str = "", source: str = "the configuration") -> str | None:
    """A warning when one value class (or potential class) holds most of the accounts.

    A class set that puts nearly every account in one class tells nothing apart —
    typically settings that do not fit the client's data (a cost to serve above what
    most accounts earn puts them all in the lowest class). The threshold is
    ``prioritize.dominant_class_share`` (default 0.9 = 90 %).

    Parameters
    ----------
    prioritized
        Output of :func:`prioritize_accounts`.
    config
        ``config.prioritize``.
    which
        ``"value"`` (over the accounts with a value score) or ``"potential"`` (over all
        accounts).
    currency
        Currency label of the amounts in the text.
    source
        Where an amount set by the client comes from (e.g. the client file's path).

    Returns
    -------
    str or None
        The warning, naming the class, its share of the accounts, why it probably
        happens and the setting(s) to change as YAML key paths (e.g.
        ``prioritize.value.cost_to_serve``); ``None`` when no class holds more than
        the threshold.
    """
    cfg = _cfg(config)
    if which == "value":
        col, bands = VALUE_CLASS, list(cfg.value_classes)
        sel = prioritized[VALUE_SCORE].notna().to_numpy(bool)
        whom = "accounts with revenue"
    elif which == "potential":
        col, bands = POTENTIAL_CLASS, list(cfg.potential_classes)
        sel = np.ones(len(prioritized), dtype=bool)
        whom = "accounts"
    else:
        raise ValueError(f"which must be 'value' or 'potential', got {which!r}")
    n = int(sel.sum())
    if n == 0:
        return None
    counts = prioritized.loc[sel, col].astype("string").value_counts()
    name, k = str(counts.index[0]), int(counts.iloc[0])
    share = k / n
    if share <= cfg.dominant_class_share:
        return None
    band = next((b for b in bands if b.name == name), None)
    where = "" if band is None else f" ({'≤ ' if band.min is None else f'{band.min}–'}{band.max}%)"
    head = (f"{share:.0%} of the {n:,} {whom} ({k:,}) are in the {which} class {name}{where}, more than the "
            f"{cfg.dominant_class_share:.0%} of prioritize.dominant_class_share, so the classes tell few accounts apart.")
    if which == "value" and band is bands[0]:
        used = money_weights(prioritized, cfg)
        rows = prioritized.loc[sel]
        returns = rows[S.RETURNED_ORDERS].astype("Float64").fillna(0).sum() if S.RETURNED_ORDERS in rows else 0.0
        costs = {"cost_to_serve": used["cost_to_serve"].amount * n,
                 "cost_per_returned_order": used["cost_per_returned_order"].amount * float(returns)}
        order = sorted(costs, key=lambda key: -costs[key])
        gross = float(np.nanmedian(rows[GROSS_PROFIT].to_numpy(dtype=float))) if GROSS_PROFIT in rows else float("nan")
        def now(m: MoneyWeight) -> str:
            return m.explain(currency) if m.derived else f"{format_money(m.amount, currency)}, set in {source}"

        settings = " or ".join(f"{used[key].setting} (now {now(used[key])})" for key in order)
        return (f"{head} Their net value is 0 or less: the costs in the value score exceed their gross profit "
                f"(median {format_money(gross, currency)} a year). Lower {settings} — left empty, an amount follows "
                f"the median revenue through its *_share setting — and check the gross margins in the data "
                f"(prioritize.value.default_margin_pct where none is given).")
    if which == "potential" and band is bands[0]:
        p = prioritized[S.POTENTIAL_REVENUE].to_numpy(dtype=float) if S.POTENTIAL_REVENUE in prioritized else np.full(n, np.nan)
        missing = int((~(np.isfinite(p) & (p > 0))).sum())
        if missing > n / 2:
            return (f"{head} {missing:,} accounts have no potential_revenue estimate (they are put in the lowest class): "
                    "fill potential_revenue in the accounts table, or change the bands prioritize.potential_classes.")
    key = "value" if which == "value" else "potential"
    quantile = cfg.value.reference_quantile if which == "value" else cfg.potential_reference_quantile
    q_key = "prioritize.value.reference_quantile" if which == "value" else "prioritize.potential_reference_quantile"
    return (f"{head} The scores of most accounts fall in one band: change the bands prioritize.{key}_classes, or the "
            f"reference {q_key} (now {quantile:g}).")


def input_notes(a: Assessment) -> list[str]:
    """What the optional tables this step benefits from would add, for those the assessment lacks."""
    notes = []
    if not a.has(S.SALES_HISTORY):
        notes.append("No sales_history: the value score has no trend component (taken as 0 for every account).")
    if not a.has(S.CONTACTS):
        notes.append("No contacts: the diagonal slice of the key accounts cannot be shown; list the people you know at "
                     "each key account in a contacts sheet to plan the interviews.")
    elif not a.has(S.INTERVIEWS):
        notes.append("No interviews yet: the slice shows the known contacts and the recommended interview list is the plan.")
    if not a.has(S.LOCATIONS):
        notes.append("No locations: sites without any contact cannot be detected.")
    if S.VOLUME not in a.accounts.columns or a.accounts[S.VOLUME].notna().sum() == 0:
        notes.append("No volume in accounts: the ABC analysis is by revenue only.")
    if not any(c in a.accounts.columns for c in S.TOP_ELEMENTS):
        notes.append("No top_element columns in accounts: the three most important elements cannot be summarized.")
    return notes


def key_account_table(prioritized: pd.DataFrame) -> pd.DataFrame:
    """The selected key accounts with why they were selected, largest revenue first.

    Returns
    -------
    DataFrame
        ``account_id, name, revenue, revenue_share, abc_class, value_score,
        value_class, potential_class, key_account_flagged, key_account_by_rule,
        key_account_reason`` for every account that is a key account, flagged or
        selected by the rule.
    """
    cols = [S.ACCOUNT_ID, S.ACCOUNT_NAME, S.REVENUE, REVENUE_SHARE, ABC_CLASS, VALUE_SCORE, VALUE_CLASS, POTENTIAL_CLASS,
            KEY_FLAGGED, KEY_BY_RULE, KEY_REASON]
    return prioritized.loc[prioritized[S.KEY_ACCOUNT], [c for c in cols if c in prioritized.columns]].reset_index(drop=True)


def account_profile(prioritized: pd.DataFrame, account_id: str) -> pd.DataFrame:
    """Everything the step says about one account, as ``field, value`` rows.

    Raises
    ------
    ValueError
        When the account id is unknown.
    """
    row = prioritized[prioritized[S.ACCOUNT_ID].astype(str) == str(account_id).strip()]
    if row.empty:
        raise ValueError(f"account {account_id!r} is not in the accounts table")
    rec = row.iloc[0]
    return pd.DataFrame({"field": list(rec.index), "value": [None if pd.isna(v) else str(v) for v in rec.to_numpy()]})
