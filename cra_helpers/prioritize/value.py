"""Relationship value and potential: scores, classes in the configured bands, and the dominant-class warning.

The value score weighs gross profit, the sales trend, returned orders, referrals and the
cost to serve against a reference quantile of the profitable relationships; the
potential score is ``potential_revenue`` in % of a reference quantile. Both are put in
bands of whole percent (``config.prioritize.value_classes`` / ``potential_classes``,
validated when the configuration is loaded). Formulas: :mod:`cra_helpers.prioritize`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import schema as S
from ..config import MONEY_WEIGHTS, ClassBand, Prioritize, ValueScore
from .common import (CONTACTS_PER_YEAR, GROSS_PROFIT, HOURS_PER_CONTACT, INTERACTION_METHOD, MARGIN_USED, NET_VALUE,
                     POTENTIAL_CLASS, POTENTIAL_SCORE, RELATIONSHIP_PLAN, SALES_TREND, VALUE_CLASS, VALUE_SCORE, _cfg)
from .scaling import _labels, _pow2_scale, _scaled, _show_ids, check_finite, median_revenue
from .trend import sales_trend


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
    """Relationship value score of every account (formula in :mod:`cra_helpers.prioritize`).

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
    trend, hist = _trend_and_history(accounts, sales_history, w.max_abs_trend)
    scored = (np.nan_to_num(rev) > 0) | (np.nan_to_num(hist) > 0)
    margin_used = _margin_used(accounts, rev, w.default_margin_pct, ids)
    # Work in units of a power of two near the largest amount: exact, and no overflow.
    scale = _pow2_scale(np.concatenate([rev, list(money.values())]))
    gross = np.nan_to_num(rev / scale) * margin_used / 100.0
    net = _scaled_net_value(accounts, gross, trend, money, scale, w.trend_weight, ids)
    net_money = _net_money(net, scale, scored, ids)
    reference = _value_reference(net, scored, w.reference_quantile, scale)
    score = np.where(scored, np.clip(100.0 * net / reference, -100.0, 100.0), np.nan)
    return pd.DataFrame({
        MARGIN_USED: np.where(scored, margin_used, np.nan),
        GROSS_PROFIT: np.where(scored, gross * scale, np.nan),
        SALES_TREND: trend,
        NET_VALUE: net_money,
        VALUE_SCORE: score,
        **_value_class_columns(score, scored, cfg),
    }, index=accounts.index)


def _trend_and_history(accounts: pd.DataFrame, sales_history: pd.DataFrame | None,
                       max_abs_trend: float) -> tuple[np.ndarray, np.ndarray]:
    """Sales trend (fraction per year, NaN = none) and history revenue (currency, 0 = none) aligned with ``accounts``."""
    trend_tab = sales_trend(sales_history, max_abs_trend)
    at = trend_tab.index.get_indexer(accounts[S.ACCOUNT_ID].astype("string")) if len(trend_tab) else np.full(len(accounts), -1)
    found = at >= 0
    trend = np.where(found, trend_tab[SALES_TREND].to_numpy(dtype=float)[np.where(found, at, 0)] if len(trend_tab) else np.nan, np.nan)
    hist = np.where(found, trend_tab["history_revenue"].to_numpy(dtype=float)[np.where(found, at, 0)] if len(trend_tab) else 0.0, 0.0)
    return trend, hist


def _margin_used(accounts: pd.DataFrame, rev: np.ndarray, default: float | None, ids: np.ndarray) -> np.ndarray:
    """Gross margin in % per account.

    A missing margin is ``default``, or when that is ``None`` the median margin of the
    accounts with revenue.

    Raises
    ------
    ValueError
        When a margin is infinite.
    """
    margin = accounts[S.GROSS_MARGIN].to_numpy(dtype=float) if S.GROSS_MARGIN in accounts else np.full(len(accounts), np.nan)
    if default is None:
        known = margin[np.isfinite(margin) & (np.nan_to_num(rev) > 0)]
        default = float(np.median(known)) if len(known) else 0.0
    check_finite(margin, S.GROSS_MARGIN, ids)
    return np.where(np.isfinite(margin), margin, default)


def _count(accounts: pd.DataFrame, col: str, ids: np.ndarray) -> np.ndarray:
    """A count column as floats, missing = 0 (zeros when the column is absent); an infinite count raises ``ValueError``."""
    c = accounts[col].astype("Float64").fillna(0).to_numpy(dtype=float) if col in accounts else np.zeros(len(accounts))
    check_finite(c, col, ids)
    return c


def _scaled_net_value(accounts: pd.DataFrame, gross: np.ndarray, trend: np.ndarray, money: dict[str, float],
                      scale: float, trend_weight: float, ids: np.ndarray) -> np.ndarray:
    """Net value per account in units of ``scale``.

    Gross profit with the trend, less returned orders and the cost to serve, plus referrals.
    """
    return (gross * (1.0 + trend_weight * np.nan_to_num(trend))
            - money["cost_per_returned_order"] / scale * _count(accounts, S.RETURNED_ORDERS, ids)
            + money["value_per_referral"] / scale * _count(accounts, S.REFERRALS, ids)
            - money["cost_to_serve"] / scale)


def _net_money(net: np.ndarray, scale: float, scored: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Net value in currency (NaN for accounts without revenue).

    Raises
    ------
    ValueError
        When a net value exceeds the largest float, naming the accounts.
    """
    with np.errstate(over="ignore"):
        net_money = np.where(scored, net * scale, np.nan)
    if np.isinf(net_money).any():
        bad = np.flatnonzero(np.isinf(net_money))
        raise ValueError(f"{NET_VALUE}: the net value of {_show_ids(ids, bad)} exceeds the largest number a float holds "
                         f"(about 1.8e308); check {S.REVENUE}, {S.RETURNED_ORDERS} and {S.REFERRALS} of these accounts.")
    return net_money


def _value_reference(net: np.ndarray, scored: np.ndarray, quantile: float, scale: float) -> float:
    """The net value (in units of ``scale``) that scores 100 %: the ``quantile`` of the profitable relationships.

    Without a profitable one, the largest absolute net value; never 0 or less.
    """
    positive = net[scored & (net > 0)]
    if len(positive):
        reference = float(np.quantile(positive, quantile))
    else:
        reference = float(np.max(np.abs(net[scored]))) if scored.any() else 1.0
    return reference if reference > 0 else 1.0 / scale


def _value_class_columns(score: np.ndarray, scored: np.ndarray, cfg: Prioritize) -> dict[str, object]:
    """``value_class``, ``relationship_plan`` and ``contacts_per_year`` per account (no-business class when unscored)."""
    bands = cfg.value_classes
    cls = classify(score, bands)
    names = [b.name for b in bands] + [cfg.no_business.value_class]
    codes = np.where(scored, cls.codes, len(bands))
    plans = np.array([b.relationship_plan for b in bands] + [cfg.no_business.relationship_plan], dtype=object)
    per_year = np.array([b.contacts_per_year for b in bands] + [cfg.no_business.contacts_per_year])
    return {
        VALUE_CLASS: pd.Categorical.from_codes(codes, categories=names, ordered=True),
        RELATIONSHIP_PLAN: plans[codes],
        CONTACTS_PER_YEAR: per_year[codes],
    }


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
    col, bands, sel, whom = _class_set(prioritized, cfg, which)
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
        return _costs_exceed_profit(prioritized, cfg, sel, head, currency, source)
    if which == "potential" and band is bands[0]:
        text = _potential_not_estimated(prioritized, n, head)
        if text is not None:
            return text
    return _scores_in_one_band(cfg, which, head)


def _class_set(prioritized: pd.DataFrame, cfg: Prioritize, which: str) -> tuple[str, list[ClassBand], np.ndarray, str]:
    """Class column, bands, the accounts counted and how they are called, for ``which`` (``value`` / ``potential``).

    Raises
    ------
    ValueError
        For any other ``which``.
    """
    if which == "value":
        return VALUE_CLASS, list(cfg.value_classes), prioritized[VALUE_SCORE].notna().to_numpy(bool), "accounts with revenue"
    if which == "potential":
        return POTENTIAL_CLASS, list(cfg.potential_classes), np.ones(len(prioritized), dtype=bool), "accounts"
    raise ValueError(f"which must be 'value' or 'potential', got {which!r}")


def _costs_exceed_profit(prioritized: pd.DataFrame, cfg: Prioritize, sel: np.ndarray, head: str, currency: str,
                         source: str) -> str:
    """The warning when the lowest value class dominates: the costs of the score, largest first, to lower."""
    n = int(sel.sum())
    used = money_weights(prioritized, cfg)
    rows = prioritized.loc[sel]
    returns = rows[S.RETURNED_ORDERS].astype("Float64").fillna(0).sum() if S.RETURNED_ORDERS in rows else 0.0
    costs = {"cost_to_serve": used["cost_to_serve"].amount * n,
             "cost_per_returned_order": used["cost_per_returned_order"].amount * float(returns)}
    order = sorted(costs, key=lambda key: -costs[key])
    gross = float(np.nanmedian(rows[GROSS_PROFIT].to_numpy(dtype=float))) if GROSS_PROFIT in rows else float("nan")
    settings = " or ".join(f"{used[key].setting} (now {_now(used[key], currency, source)})" for key in order)
    return (f"{head} Their net value is 0 or less: the costs in the value score exceed their gross profit "
            f"(median {format_money(gross, currency)} a year). Lower {settings} — left empty, an amount follows "
            f"the median revenue through its *_share setting — and check the gross margins in the data "
            f"(prioritize.value.default_margin_pct where none is given).")


def _now(m: MoneyWeight, currency: str, source: str) -> str:
    """The amount in use and where it comes from, for the warning."""
    return m.explain(currency) if m.derived else f"{format_money(m.amount, currency)}, set in {source}"


def _potential_not_estimated(prioritized: pd.DataFrame, n: int, head: str) -> str | None:
    """The warning when most accounts lack a potential estimate (more than half of ``n``); ``None`` otherwise."""
    p = prioritized[S.POTENTIAL_REVENUE].to_numpy(dtype=float) if S.POTENTIAL_REVENUE in prioritized else np.full(n, np.nan)
    missing = int((~(np.isfinite(p) & (p > 0))).sum())
    if missing > n / 2:
        return (f"{head} {missing:,} accounts have no potential_revenue estimate (they are put in the lowest class): "
                "fill potential_revenue in the accounts table, or change the bands prioritize.potential_classes.")
    return None


def _scores_in_one_band(cfg: Prioritize, which: str, head: str) -> str:
    """The warning when the scores themselves fall in one band: the bands or the reference quantile to change."""
    key = "value" if which == "value" else "potential"
    quantile = cfg.value.reference_quantile if which == "value" else cfg.potential_reference_quantile
    q_key = "prioritize.value.reference_quantile" if which == "value" else "prioritize.potential_reference_quantile"
    return (f"{head} The scores of most accounts fall in one band: change the bands prioritize.{key}_classes, or the "
            f"reference {q_key} (now {quantile:g}).")
