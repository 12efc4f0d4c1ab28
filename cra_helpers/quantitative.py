"""Quantitative analysis: satisfaction per need, loyalty, NPS, loyalty segments, roll-ups, comparisons.

Every function takes a validated :class:`~cra_helpers.assessment.Assessment`
(filter it with ``a.filter(accounts=...)`` for one account) and returns a
tidy DataFrame whose columns are documented in its docstring. Settings come
from ``config.quantitative`` (``quantitative`` in ``resources/defaults.yaml``).
Intervals are computed by :mod:`cra_helpers.stats` (methods and sources
there). Key drivers (:func:`key_drivers`) live in :mod:`cra_helpers.drivers`
and group comparisons (:func:`compare_groups`, :func:`omnibus_tests`) in
:mod:`cra_helpers.comparisons`, account loyalty, roll-ups and sales behaviour
(:func:`account_loyalty`, :func:`rollup`, :func:`segment_shares`,
:func:`sales_behaviour`) in :mod:`cra_helpers.loyalty`; all stay importable
from here.

Definitions
-----------
Intervals
    As documented in :mod:`cra_helpers.stats`; intervals of means are clipped
    to the bounds of the rating scale (a *t* interval can overshoot 10).
Top-2-box share
    Percent of answers in the two highest points of the scale (9–10 on 1–10;
    ``top_box_points``), Wilson interval.
Satisfaction index (per respondent)
    ``SI = 100 · Σ_j I_j · (P_j − P_min) / (P_max − P_min) / Σ_j I_j`` over the
    needs *j* the respondent rated for both importance ``I`` and performance
    ``P``: the importance-weighted mean performance, rescaled so that the
    bottom of the performance scale is 0 and the top 100. Needs the
    respondent finds more important count more. Left empty when fewer than
    ``min_needs_for_index`` needs were rated. Per account: the mean of the
    respondents' indices with a *t* interval (and a role-weighted mean).
Net Promoter Score
    Reichheld (HBR, 2003): promoters 9–10, passives 7–8, detractors 0–6;
    NPS = % promoters − % detractors (−100…100); adjusted Wald interval
    (Rocks, 2016).
Loyalty segments
    After Burke, Inc.'s Secure Customer Index®, which combines three
    questions — overall satisfaction, likelihood to continue, likelihood to
    recommend — and calls "secure" the customers who give the most positive
    answer to all three (Burke, Inc., *Advances in Customer Loyalty
    Measurement*, Pub. No. 0702, 2007; Hair, Bush & Ortinau, *Marketing
    Research*, McGraw-Hill, "What can you learn from a customer loyalty
    index?"). Burke's segment definitions, on five-point verbal scales:
    **Secure** = very satisfied / definitely would continue / definitely
    would recommend; **Favorable** = at least the second-best answer on all
    three; **Vulnerable** = somewhat satisfied / might or might not continue /
    might or might not recommend; **At risk** = somewhat satisfied or
    dissatisfied / probably or definitely would not continue / probably or
    definitely would not recommend.

    *Operationalisation (ours).* The assessment asks on 10- and 11-point
    scales, so each answer is first mapped onto the verbal levels by the cut
    points in ``quantitative.segments`` (default on every scale: ≥ 9 best
    answer, ≥ 7 second best, ≥ 5 middle, below 5 negative), and the
    respondent is classified by the weakest of the three answers: all three
    best → Secure; all at least second best → Favorable; all at least middle
    → Vulnerable; any negative answer → At risk. A respondent missing one of
    the three answers is not classified. An **account's** segment applies the
    same rule to the account's role-weighted mean answers.
B2B roll-up ("three ways")
    *All responses*: every interview counts once. *Average per account*: each
    account's answers are averaged first and every account counts once — for
    NPS the account's mean likelihood to recommend is classified with the
    NPS cut points (a promoter, passive or detractor account: +100, 0, −100
    for the account itself; over several accounts the percent of promoter
    accounts minus the percent of detractor accounts); for satisfaction the
    mean of the account means. *Role-weighted*: every interview weighted by
    its decision role (``quantitative.role_weights``, default decision-maker
    3, influencer 2, user 1; respondents without a role count as users).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from . import headlines
from . import schema as S
from . import stats
from .assessment import ACCOUNT_NAME_LABEL, Assessment

# ---------------------------------------------------------------------------
# Output column names (shared with figures and later analyses)
# ---------------------------------------------------------------------------
MEASURE = "measure"
MEAN = "mean"
CI_LOW = "ci_low"
CI_HIGH = "ci_high"
TOP2 = "top2_pct"
TOP2_LOW = "top2_ci_low"
TOP2_HIGH = "top2_ci_high"
N = "n"
THIN = "thin"
"""Optional bool column of a result: the estimate rests on fewer answers than the minimum (figures grey it out)."""
SATISFACTION_INDEX = "satisfaction_index"
NEEDS_RATED = "needs_rated"
NPS_CATEGORY = "nps_category"
ROLE_WEIGHT = "role_weight"
SEGMENT = "loyalty_segment"
INDICATOR = "indicator"
KIND = "kind"
METRIC = "metric"
METHOD = "method"
ESTIMATE = "estimate"
UNIT = "unit"
RESPONDENT_MEAN = "respondent_mean"
"""Beside a portfolio mean weighted per account or by revenue: the mean with every respondent counted once."""
WEIGHTING_DIFFERS = "weighting_differs"
"""True where the respondent view lies outside the weighted mean's interval (the weighting changes the picture)."""
CLUSTER_COLUMNS: tuple[str, ...] = (stats.N_ACCOUNTS, stats.N_EFF, stats.DESIGN_EFFECT, stats.ICC, stats.INTERVAL_BASIS)
"""Per row of a portfolio table: accounts, effective sample size, design effect, ICC and how the interval was computed."""

SECURE, FAVORABLE, VULNERABLE, AT_RISK = "Secure", "Favorable", "Vulnerable", "At risk"
SEGMENTS: tuple[str, ...] = (SECURE, FAVORABLE, VULNERABLE, AT_RISK)
"""Loyalty segments, best first."""
SEGMENT_ITEMS: tuple[str, ...] = (S.SATISFACTION, S.CONTINUE, S.RECOMMEND)
"""The three questions of the Secure Customer Index."""
_LEVEL_TO_SEGMENT = {4: SECURE, 3: FAVORABLE, 2: VULNERABLE, 1: AT_RISK}

ALL_RESPONSES, ACCOUNT_AVERAGE, ROLE_WEIGHTED = "All responses", "Average per account", "Role-weighted"
ROLLUP_METHODS: tuple[str, ...] = (ALL_RESPONSES, ACCOUNT_AVERAGE, ROLE_WEIGHTED)

LOYALTY_INDICATORS: tuple[tuple[str, str], ...] = (
    (S.SATISFACTION, "satisfaction"),
    (S.SHARE_OF_WALLET, "current behaviour"),
    (S.RECOMMEND, "future behaviour"),
    (S.CONTINUE, "future behaviour"),
    (S.INCREASE, "future behaviour"),
)
"""Loyalty columns and the kind of indicator each is (satisfaction, current or future behaviour)."""

_ATTRS = (S.ACCOUNT_ID, S.LOCATION_ID, S.LEVEL, S.DEPARTMENT, S.DECISION_ROLE, S.WAVE, ACCOUNT_NAME_LABEL, S.SITE)


def _q(a: Assessment):
    return a.config.quantitative


def _bounded(est: stats.Estimate, low: float, high: float) -> stats.Estimate:
    """The interval of ``est`` clipped to the scale's bounds (a t interval can overshoot a bounded scale)."""
    return replace(est, ci_low=float(np.clip(est.ci_low, low, high)) if not np.isnan(est.ci_low) else est.ci_low,
                   ci_high=float(np.clip(est.ci_high, low, high)) if not np.isnan(est.ci_high) else est.ci_high)


def _scale_bounds(a: Assessment, column: str) -> tuple[float, float]:
    """Bounds of the scale of a loyalty column (0–100 for the satisfaction index)."""
    if column == SATISFACTION_INDEX:
        return (0.0, 100.0)
    scale = {c.name: c.scale for c in S.TABLES[S.LOYALTY].columns}[column]
    sc = a.config.scale(scale)
    return (sc.min, sc.max)


def _need_labels(a: Assessment) -> pd.DataFrame:
    """need_id, need_name, primary_group of every need (from ``needs`` or from the ratings)."""
    if a.has(S.NEEDS):
        n = a.needs[[S.NEED_ID, S.NEED_NAME, S.PRIMARY_GROUP]].rename(columns={S.NEED_NAME: "need_name"})
        return n.reset_index(drop=True)
    ids = pd.Series(sorted(a.ratings[S.NEED_ID].dropna().unique()), dtype="string") if a.has(S.RATINGS) else pd.Series([], dtype="string")
    return pd.DataFrame({S.NEED_ID: ids, "need_name": pd.Series(pd.NA, index=ids.index, dtype="string"),
                         S.PRIMARY_GROUP: pd.Series(pd.NA, index=ids.index, dtype="string")})


# ---------------------------------------------------------------------------
# Per need
# ---------------------------------------------------------------------------
def need_ratings(a: Assessment) -> pd.DataFrame:
    """One row per interview × need with its importance and performance rating.

    The ``ratings`` table repeats importance and performance on every
    competitor row of a need; this keeps the first non-empty value of each.

    Returns
    -------
    DataFrame
        ``interview_id, need_id, importance, performance`` (on their
        configured scales, NaN when not given) plus the respondent's
        ``account_id, location_id, level, department, decision_role, wave``
        (and ``account_name``, ``site`` when known).
    """
    a.require(S.RATINGS, S.INTERVIEWS, S.CONTACTS, step="need ratings")
    r = a.ratings_by_respondent()
    attrs = [c for c in _ATTRS if c in r.columns]
    agg = {S.IMPORTANCE: "first", S.PERFORMANCE: "first", **{c: "first" for c in attrs}}
    out = r.groupby([S.INTERVIEW_ID, S.NEED_ID], sort=False, observed=True).agg(agg).reset_index()
    for c in attrs:  # keep category dtypes
        if isinstance(r[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(r[c].dtype)
    return out


def _score_one(values: pd.Series, clusters: pd.Series, scale_min: float, scale_max: float, points: int,
               level: float) -> dict[str, Any]:
    """Mean (clipped CR2 interval) and top-box share (clustered Wilson) of one column, accounts as clusters."""
    frame = pd.DataFrame({"_c": clusters.to_numpy(), "_v": values.to_numpy(float),
                          "_top": stats.top_box(values.to_numpy(float), scale_max, points).to_numpy()})
    est = stats.grouped_cluster_mean_ci(frame, [], "_v", "_c", level)
    top = stats.cluster_share_ci(stats.grouped_cluster_mean_ci(frame, [], "_top", "_c", level), level)
    if est.empty:
        return {MEAN: np.nan, CI_LOW: np.nan, CI_HIGH: np.nan, TOP2: np.nan, TOP2_LOW: np.nan, TOP2_HIGH: np.nan, N: 0,
                stats.N_ACCOUNTS: 0, stats.INTERVAL_BASIS: stats.BASIS_RESPONDENTS}
    e, t = est.iloc[0], top.iloc[0]
    clip = (lambda v: float(np.clip(v, scale_min, scale_max)) if pd.notna(v) else np.nan)
    return {MEAN: e["estimate"], CI_LOW: clip(e["ci_low"]), CI_HIGH: clip(e["ci_high"]), TOP2: 100 * t["estimate"],
            TOP2_LOW: 100 * t["ci_low"], TOP2_HIGH: 100 * t["ci_high"], N: int(e["n"]),
            stats.N_ACCOUNTS: int(e[stats.N_ACCOUNTS]), stats.INTERVAL_BASIS: e[stats.INTERVAL_BASIS]}


def _scores_of(ratings: pd.DataFrame, groups: list[str], measure: str, scale: tuple[float, float], points: int,
               level: float, weighting: str = "respondents", revenue: pd.Series | None = None) -> pd.DataFrame:
    """Mean (interval clipped to the scale) and top-box share of ``measure`` per ``groups`` × need, accounts as clusters, one pass."""
    smin, smax = scale
    keys = [*groups, S.NEED_ID]
    frame = ratings[list(dict.fromkeys([*keys, S.ACCOUNT_ID]))].assign(
        _v=ratings[measure].to_numpy(float), _top=stats.top_box(ratings[measure].to_numpy(float), smax, points).to_numpy())
    est = stats.grouped_cluster_mean_ci(frame, keys, "_v", S.ACCOUNT_ID, level, weighting, revenue)
    top = stats.cluster_share_ci(stats.grouped_cluster_mean_ci(frame, keys, "_top", S.ACCOUNT_ID, level, weighting, revenue), level)
    out = est[keys].copy()
    out[MEAN] = est["estimate"].to_numpy()
    out[CI_LOW], out[CI_HIGH] = np.clip(est["ci_low"], smin, smax).to_numpy(), np.clip(est["ci_high"], smin, smax).to_numpy()
    out[TOP2], out[TOP2_LOW], out[TOP2_HIGH] = (100 * top[c].to_numpy() for c in ("estimate", "ci_low", "ci_high"))
    out[N] = est["n"].to_numpy()
    for c in CLUSTER_COLUMNS:
        out[c] = est[c].to_numpy()
    if weighting != "respondents":  # the respondent view beside the weighted one
        plain = stats.grouped_cluster_mean_ci(frame, keys, "_v", S.ACCOUNT_ID, level)
        out[RESPONDENT_MEAN] = plain["estimate"].to_numpy()
        out[WEIGHTING_DIFFERS] = (out[RESPONDENT_MEAN] < out[CI_LOW]) | (out[RESPONDENT_MEAN] > out[CI_HIGH])
    return out


def portfolio_weighting(a: Assessment) -> tuple[str, pd.Series | None]:
    """``quantitative.portfolio_weighting`` and, for ``revenue``, each account's revenue (``accounts.revenue``, currency)."""
    weighting = _q(a).portfolio_weighting
    if weighting != "revenue":
        return weighting, None
    a.require(S.ACCOUNTS, step="revenue weighting")
    acc = a.accounts
    return weighting, pd.Series(acc[S.REVENUE].astype(float).to_numpy(), index=acc[S.ACCOUNT_ID].astype(object).to_numpy())


def need_scores(a: Assessment, by: str | None = None) -> pd.DataFrame:
    """Importance and performance of each need: mean and top-2-box share with intervals, and n.

    Parameters
    ----------
    a
        The assessment (filter it first for one account).
    by
        Optional respondent attribute (e.g. ``"account_id"``, ``"location_id"``,
        ``"level"``) to score each group separately.

    Returns
    -------
    DataFrame
        Long format, one row per need × measure (× group): ``[by,] need_id,
        need_name, primary_group, measure`` (``"importance"`` /
        ``"performance"``), ``mean, ci_low, ci_high`` (on the rating scale,
        1–10 by default), ``top2_pct, top2_ci_low, top2_ci_high`` (percent of
        answers in the top two points), ``n`` (answers), ``n_accounts,
        n_eff, design_effect, icc, interval_basis``. Over several accounts the
        intervals are cluster-robust (CR2 *t*; Wilson at the effective
        sample size for the shares; :mod:`cra_helpers.stats_cluster`) and
        the mean is weighted by ``quantitative.portfolio_weighting``; a group
        within one account (an account, a site) keeps the Student and Wilson
        intervals of its respondents. With a weighting other than
        ``respondents``, ``respondent_mean`` and ``weighting_differs`` keep
        the respondent view beside it. Needs nobody rated appear with ``n = 0``
        and empty values.
    """
    q = _q(a)
    ratings = need_ratings(a)
    labels = _need_labels(a)
    groups = [by] if by else []
    if by and by not in ratings.columns:
        raise KeyError(f"need_scores: no respondent attribute {by!r}")
    keys = ratings[by].drop_duplicates().dropna().tolist() if by else [0]
    need_ids = labels[S.NEED_ID].tolist()
    full = pd.MultiIndex.from_product([keys, need_ids], names=["_key", S.NEED_ID])
    parts, (weighting, revenue) = [], portfolio_weighting(a)
    for m, (measure, scale) in enumerate(((S.IMPORTANCE, S.SCALE_IMPORTANCE), (S.PERFORMANCE, S.SCALE_PERFORMANCE))):
        sc = a.config.scale(scale)
        got = _scores_of(ratings, groups, measure, (sc.min, sc.max), q.top_box_points, q.confidence_level, weighting, revenue)
        got = got.rename(columns={by: "_key"}) if by else got.assign(_key=0)
        got = got.set_index(["_key", S.NEED_ID]).reindex(full).reset_index()
        parts.append(got.assign(**{MEASURE: measure, "_m": m, "_k": np.repeat(np.arange(len(keys)), len(need_ids)),
                                   "_n": np.tile(np.arange(len(need_ids)), len(keys))}))
    out = pd.concat(parts, ignore_index=True) if keys and need_ids else pd.DataFrame()
    cols = [*groups, S.NEED_ID, "need_name", S.PRIMARY_GROUP, MEASURE, MEAN, CI_LOW, CI_HIGH, TOP2, TOP2_LOW, TOP2_HIGH, N,
            *CLUSTER_COLUMNS, *(c for c in (RESPONDENT_MEAN, WEIGHTING_DIFFERS) if c in out.columns)]
    if out.empty:
        return pd.DataFrame(columns=cols)
    out = out.sort_values(["_k", "_m", "_n"], kind="stable").rename(columns={"_key": by} if by else {})
    out[N] = out[N].fillna(0)
    out[S.NEED_ID] = out[S.NEED_ID].astype(object)
    if by:  # plain values, as the group keys were found (not the column's category or string dtype)
        out[by] = pd.Series(out[by].tolist(), index=out.index)
    out = out.merge(labels, on=S.NEED_ID, how="left")
    out[N] = out[N].astype("int64")
    out[stats.N_ACCOUNTS] = out[stats.N_ACCOUNTS].fillna(0).astype("int64")
    return out[cols].reset_index(drop=True)


def need_scores_wide(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per need (× group): ``importance_mean, importance_ci_low, …, performance_n``.

    Parameters
    ----------
    scores
        Output of :func:`need_scores`.

    Returns
    -------
    DataFrame
        ``[group,] need_id, need_name, primary_group`` then, for importance and
        then performance, ``<measure>_mean, _ci_low, _ci_high, _top2_pct,
        _top2_ci_low, _top2_ci_high, _n`` — the layout of ``need_scores.csv``.
    """
    per_measure = (MEASURE, MEAN, CI_LOW, CI_HIGH, TOP2, TOP2_LOW, TOP2_HIGH, N, *CLUSTER_COLUMNS, RESPONDENT_MEAN, WEIGHTING_DIFFERS)
    ids = [c for c in scores.columns if c not in per_measure]
    parts = []
    for measure in (S.IMPORTANCE, S.PERFORMANCE):
        part = scores[scores[MEASURE] == measure].drop(columns=MEASURE).set_index(ids)
        parts.append(part.add_prefix(f"{measure}_"))
    return pd.concat(parts, axis=1).reset_index()


# ---------------------------------------------------------------------------
# Per respondent: satisfaction index, NPS category, role weight, segment
# ---------------------------------------------------------------------------
def satisfaction_index(a: Assessment) -> pd.DataFrame:
    """Importance-weighted satisfaction index of every interviewee, 0–100.

    Returns
    -------
    DataFrame
        ``interview_id, satisfaction_index`` (0 = bottom of the performance
        scale on every need, 100 = top; formula in the module docstring),
        ``needs_rated`` (needs with both importance and performance).
    """
    r = need_ratings(a)
    perf = a.config.scale(S.SCALE_PERFORMANCE)
    both = r[r[S.IMPORTANCE].notna() & r[S.PERFORMANCE].notna()].copy()
    both["_w"] = both[S.IMPORTANCE].clip(lower=0)
    both["_wp"] = both["_w"] * perf.to_unit(both[S.PERFORMANCE])
    both["_p"] = perf.to_unit(both[S.PERFORMANCE])
    g = both.groupby(S.INTERVIEW_ID, sort=False).agg(w=("_w", "sum"), wp=("_wp", "sum"), p=("_p", "mean"), k=("_p", "size"))
    index = np.where(g["w"] > 0, 100 * g["wp"] / g["w"].where(g["w"] > 0), 100 * g["p"])
    out = pd.DataFrame({S.INTERVIEW_ID: g.index, SATISFACTION_INDEX: index, NEEDS_RATED: g["k"].to_numpy()})
    out.loc[out[NEEDS_RATED] < _q(a).min_needs_for_index, SATISFACTION_INDEX] = np.nan
    ids = r[[S.INTERVIEW_ID]].drop_duplicates()
    out = ids.merge(out, on=S.INTERVIEW_ID, how="left")
    out[NEEDS_RATED] = out[NEEDS_RATED].fillna(0).astype("int64")
    return out.reset_index(drop=True)


def answer_level(values: pd.Series | np.ndarray, top: float, second: float, middle: float) -> pd.Series:
    """Verbal answer level of ratings: 4 best, 3 second best, 2 middle, 1 negative (``<NA>`` if missing).

    Parameters
    ----------
    values
        Ratings on their own scale.
    top, second, middle
        Lowest rating of the best, second-best and middle answer.
    """
    s = pd.Series(values, dtype=float)
    lvl = np.select([s >= top, s >= second, s >= middle], [4, 3, 2], default=1)
    return pd.Series(lvl, index=s.index, dtype="Int64").where(s.notna())


def loyalty_segment(satisfaction: pd.Series, continue_: pd.Series, recommend: pd.Series, cuts: dict) -> pd.Series:
    """Loyalty segment of each answer triple by the weakest-link rule (module docstring).

    Parameters
    ----------
    satisfaction, continue_, recommend
        The three answers on their own scales, aligned.
    cuts
        ``{column: SegmentCuts}`` as in ``config.quantitative.segments``.

    Returns
    -------
    Series
        Ordered categorical with categories :data:`SEGMENTS` (best first);
        ``NaN`` when any of the three answers is missing.
    """
    levels = []
    for name, values in ((S.SATISFACTION, satisfaction), (S.CONTINUE, continue_), (S.RECOMMEND, recommend)):
        c = cuts[name]
        levels.append(answer_level(values, c.top, c.second, c.middle).reset_index(drop=True))
    frame = pd.concat(levels, axis=1)
    weakest = frame.min(axis=1, skipna=False)
    seg = weakest.map(lambda v: _LEVEL_TO_SEGMENT.get(int(v)) if pd.notna(v) else None)
    out = pd.Categorical(seg, categories=list(SEGMENTS), ordered=True)
    return pd.Series(out, index=pd.Series(satisfaction).index)


def role_weights(a: Assessment, roles: pd.Series) -> pd.Series:
    """Weight of each respondent by decision role (``quantitative.role_weights``; no role → user's weight)."""
    w = _q(a).role_weights
    return roles.astype("string").map(w).astype(float).fillna(w[S.DECISION_ROLES[-1]])


def role_weights_table(a: Assessment) -> pd.DataFrame:
    """The configured role weights: ``decision_role, weight, relative_weight`` (share of the total, %)."""
    w = _q(a).role_weights
    out = pd.DataFrame({S.DECISION_ROLE: list(S.DECISION_ROLES), "weight": [w[r] for r in S.DECISION_ROLES]})
    out["relative_weight_pct"] = 100 * out["weight"] / out["weight"].sum()
    return out


def respondent_loyalty(a: Assessment) -> pd.DataFrame:
    """One row per interview: loyalty answers, satisfaction index, NPS category, role weight, segment.

    Returns
    -------
    DataFrame
        ``interview_id, account_id, location_id, level, department,
        decision_role, wave[, account_name, site]``, the loyalty answers
        ``satisfaction, recommend, continue, increase, share_of_wallet_pct``
        (on their scales), ``satisfaction_index`` (0–100, NaN without
        ratings), ``needs_rated``, ``nps_category`` (promoter / passive /
        detractor), ``role_weight`` and ``loyalty_segment`` (Secure /
        Favorable / Vulnerable / At risk). Interviews without a loyalty row
        are included with empty answers.
    """
    a.require(S.LOYALTY, S.INTERVIEWS, S.CONTACTS, step="loyalty")
    q = _q(a)
    resp = a.respondents()
    keep = [S.INTERVIEW_ID, *(c for c in _ATTRS if c in resp.columns)]
    out = resp[keep].merge(a.loyalty, on=S.INTERVIEW_ID, how="left", suffixes=("", "_loyalty"))
    if a.has(S.RATINGS):
        out = out.merge(satisfaction_index(a), on=S.INTERVIEW_ID, how="left")
        out[NEEDS_RATED] = out[NEEDS_RATED].fillna(0).astype("int64")
    else:
        out[SATISFACTION_INDEX] = np.nan
        out[NEEDS_RATED] = 0
    out[NPS_CATEGORY] = stats.nps_category(out[S.RECOMMEND], q.nps.promoter_min, q.nps.detractor_max).to_numpy()
    out[ROLE_WEIGHT] = role_weights(a, out[S.DECISION_ROLE]).to_numpy()
    out[SEGMENT] = loyalty_segment(out[S.SATISFACTION], out[S.CONTINUE], out[S.RECOMMEND], q.segments).to_numpy()
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------
# Loyalty indicators (current behaviour from sales history: cra_helpers.loyalty)
# ---------------------------------------------------------------------------
def loyalty_indicators(a: Assessment, by: str | None = None) -> pd.DataFrame:
    """Mean and top-2-box share of every loyalty indicator, with intervals.

    Parameters
    ----------
    by
        Optional respondent attribute to break down by (e.g. ``"account_id"``).

    Returns
    -------
    DataFrame
        ``[by,] indicator, kind`` (satisfaction / current behaviour / future
        behaviour), ``mean, ci_low, ci_high`` (on the indicator's scale; share
        of wallet in %), ``top2_pct, top2_ci_low, top2_ci_high`` (percent in the
        top two points; empty for share of wallet), ``n``, ``n_accounts``,
        ``interval_basis``. Over several accounts the intervals treat
        accounts as clusters (CR2 *t* for the mean, Wilson at the effective
        sample size for the share; :mod:`cra_helpers.stats_cluster`); a
        group within one account gets its respondents' intervals.
    """
    q = _q(a)
    resp = respondent_loyalty(a)
    scales = {c.name: c.scale for c in S.TABLES[S.LOYALTY].columns}
    groups = [(None, resp)] if not by else [(k, g) for k, g in resp.groupby(by, observed=True, sort=True)]
    rows = []
    for key, sub in groups:
        for col, kind in LOYALTY_INDICATORS:
            if col not in sub.columns:
                continue
            row = {**({by: key} if by else {}), INDICATOR: col, KIND: kind}
            if scales[col] == S.SCALE_PERCENT:
                r = _score_one(sub[col], sub[S.ACCOUNT_ID], *_scale_bounds(a, col), 1, q.confidence_level)
                row.update({**r, TOP2: np.nan, TOP2_LOW: np.nan, TOP2_HIGH: np.nan})
            else:
                row.update(_score_one(sub[col], sub[S.ACCOUNT_ID], *_scale_bounds(a, col), q.top_box_points, q.confidence_level))
            rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# Key drivers, group comparisons and account loyalty: in cra_helpers.drivers,
# cra_helpers.comparisons and cra_helpers.loyalty
# ---------------------------------------------------------------------------
_DRIVER_NAMES = frozenset({
    "LEVEL_NEED", "LEVEL_GROUP", "LEVEL_CORRELATION", "KEY_DRIVER", "HIDDEN_DRIVER", "BASIC", "LOW_PRIORITY", "QUADRANTS",
    "driver_matrix", "key_drivers",
})
_COMPARISON_NAMES = frozenset({
    "COMPARISON_FACTORS", "COMPARISON_MEASURES", "HIGHER", "LOWER", "NO_DIFFERENCE", "TOO_FEW", "OMNIBUS_FACTORS",
    "compare_groups", "omnibus_tests",
})
_LOYALTY_NAMES = frozenset({
    "sales_behaviour", "account_loyalty", "rollup", "segment_shares",
    "_period_start", "_period_kind", "_account_nps_class", "_account_row",
})


def __getattr__(name: str) -> Any:
    """The key-driver, comparison and account-loyalty names, importable from here as before they moved to their own modules.

    Those modules build on the per-respondent tables above, so they are
    imported on first use rather than at the top of this module.
    """
    if name in _DRIVER_NAMES:
        from . import drivers as module
    elif name in _COMPARISON_NAMES:
        from . import comparisons as module
    elif name in _LOYALTY_NAMES:
        from . import loyalty as module
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | _DRIVER_NAMES | _COMPARISON_NAMES | _LOYALTY_NAMES)


# ---------------------------------------------------------------------------
# What the report should warn about
# ---------------------------------------------------------------------------
def sample_notes(a: Assessment) -> list[str]:
    """Plain-language warnings about sample sizes: small accounts, needs never rated, missing answers.

    Returns
    -------
    list of str
        Empty when there is nothing to warn about.
    """
    q = _q(a)
    notes = []
    if a.has(S.INTERVIEWS, S.CONTACTS):
        per = a.respondents().groupby(S.ACCOUNT_ID, observed=True).size()
        small = per[per < q.small_account_interviews]
        if len(small):
            listed = ", ".join(f"{k} ({v})" for k, v in small.items())
            notes.append(f"Fewer than {q.small_account_interviews} interviews: {listed}. Their figures carry wide intervals; "
                         f"read them as indications, not measurements.")
    if a.has(S.RATINGS):
        scores = need_scores(a)
        never = scores.loc[(scores[MEASURE] == S.PERFORMANCE) & (scores[N] == 0), S.NEED_ID].tolist()
        if never:
            notes.append(f"Never rated for performance: {', '.join(map(str, never))}. These needs have no scores and take no "
                         f"part in the satisfaction index or the driver analysis.")
    if a.has(S.LOYALTY, S.INTERVIEWS, S.CONTACTS):
        resp = respondent_loyalty(a)
        unclassified = int(resp[SEGMENT].isna().sum())
        if unclassified:
            notes.append(f"{unclassified} interview(s) lack satisfaction, continue or recommend and have no loyalty segment.")
    return notes


def headline_figures(resp: pd.DataFrame, accounts: pd.DataFrame, roll: pd.DataFrame) -> list[tuple[str, float]]:
    """Key figures for the report header and the landing page.

    Parameters
    ----------
    resp, accounts, roll
        Outputs of :func:`respondent_loyalty`, :func:`account_loyalty` and :func:`rollup`.

    Returns
    -------
    list of (label, value)
        Interviews, accounts interviewed, NPS (all responses, −100…100), mean
        overall satisfaction, mean satisfaction index (0–100), accounts in the
        At risk and Vulnerable segments.
    """
    r = roll.set_index([METRIC, METHOD])[ESTIMATE]
    seg = accounts[SEGMENT].astype("string") if not accounts.empty else pd.Series(dtype="string")
    return [
        (headlines.INTERVIEWS.label, int(len(resp))),
        (headlines.ACCOUNTS_INTERVIEWED.label, int(resp[S.ACCOUNT_ID].nunique())),
        ("NPS, all responses", float(r.get(("NPS", ALL_RESPONSES), np.nan))),
        ("Mean satisfaction", float(r.get(("Satisfaction", ALL_RESPONSES), np.nan))),
        ("Satisfaction index (0-100)", float(r.get(("Satisfaction index", ALL_RESPONSES), np.nan))),
        (headlines.SEGMENT_AT_RISK.label, int((seg == AT_RISK).sum())),
        (headlines.SEGMENT_VULNERABLE.label, int((seg == VULNERABLE).sum())),
    ]
