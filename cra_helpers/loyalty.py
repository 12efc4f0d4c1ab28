"""Loyalty per account and over all accounts, and current buying behaviour from the sales history.

:func:`account_loyalty` gives every interviewed account its NPS, satisfaction
and satisfaction index three ways (all responses, the account's average,
role-weighted) with its loyalty segment; :func:`rollup` gives the same
figures over all accounts; :func:`segment_shares` the respondents per
loyalty segment; :func:`sales_behaviour` the repeat purchase and revenue
trend of each account. Definitions and settings as in
:mod:`cra_helpers.quantitative`, whose per-respondent tables these build on;
every name here stays importable from there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from . import schema as S
from . import stats
from .assessment import ACCOUNT_NAME_LABEL, Assessment
from .quantitative import (ACCOUNT_AVERAGE, ALL_RESPONSES, CI_HIGH, CI_LOW, ESTIMATE, METHOD, METRIC, N, ROLE_WEIGHT,
                           ROLE_WEIGHTED, ROLLUP_METHODS, SATISFACTION_INDEX, SEGMENT, SEGMENT_ITEMS, SEGMENTS, UNIT,
                           _bounded, _q, _scale_bounds, loyalty_segment, respondent_loyalty)

__all__ = ["sales_behaviour", "account_loyalty", "rollup", "segment_shares"]


# ---------------------------------------------------------------------------
# Current behaviour from sales history
# ---------------------------------------------------------------------------
def _period_start(period: str) -> pd.Timestamp:
    p = str(period)
    if "-Q" in p:
        return pd.Period(p.replace("-", ""), freq="Q").start_time
    if len(p) == 7:
        return pd.Period(p, freq="M").start_time
    return pd.Period(p, freq="Y").start_time


def _period_kind(period: str) -> str:
    p = str(period)
    return "quarter" if "-Q" in p else ("month" if len(p) == 7 else "year")


def sales_behaviour(a: Assessment) -> pd.DataFrame:
    """Current buying behaviour of each account from ``sales_history``: repeat purchase and trend.

    Each account's periods of its most frequent granularity (years, quarters
    or months) are compared.

    Returns
    -------
    DataFrame
        ``account_id, periods`` (count), ``first_period, last_period``,
        ``revenue_first, revenue_last`` (client currency),
        ``revenue_change_pct`` (last versus first period, %; empty when the
        first is 0), ``repeat_pct`` (percent of periods with revenue > 0).
        Empty (with those columns) when the assessment has no sales history.
    """
    cols = [S.ACCOUNT_ID, "periods", "first_period", "last_period", "revenue_first", "revenue_last", "revenue_change_pct", "repeat_pct"]
    if not a.has(S.SALES_HISTORY) or a.sales_history.empty:
        return pd.DataFrame(columns=cols)
    sh = a.sales_history[[S.ACCOUNT_ID, S.PERIOD, S.REVENUE]].copy()
    sh["_kind"] = sh[S.PERIOD].map(_period_kind)
    sh["_start"] = sh[S.PERIOD].map(_period_start)
    rows = []
    for acc, g in sh.groupby(S.ACCOUNT_ID, sort=True):
        kind = g["_kind"].value_counts().idxmax()
        g = g[g["_kind"] == kind].sort_values("_start")
        first, last = g.iloc[0], g.iloc[-1]
        change = 100 * (last[S.REVENUE] - first[S.REVENUE]) / first[S.REVENUE] if first[S.REVENUE] > 0 else np.nan
        rows.append({S.ACCOUNT_ID: acc, "periods": len(g), "first_period": first[S.PERIOD], "last_period": last[S.PERIOD],
                     "revenue_first": first[S.REVENUE], "revenue_last": last[S.REVENUE], "revenue_change_pct": change,
                     "repeat_pct": 100 * float((g[S.REVENUE] > 0).mean())})
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------------------
# Per account and roll-up
# ---------------------------------------------------------------------------
def _account_nps_class(mean_recommend: float, a: Assessment) -> float:
    if pd.isna(mean_recommend):
        return np.nan
    rule = _q(a).nps
    return 100.0 if mean_recommend >= rule.promoter_min else (-100.0 if mean_recommend <= rule.detractor_max else 0.0)


def account_loyalty(a: Assessment) -> pd.DataFrame:
    """Loyalty and satisfaction of every interviewed account, three ways, with its loyalty segment.

    Returns
    -------
    DataFrame
        One row per account with interviews, most at-risk first:
        ``account_id, account_name, n_interviews, small_sample`` (fewer than
        ``small_account_interviews``),
        ``nps_all, nps_all_ci_low, nps_all_ci_high`` (every interview counts
        once; −100…100, adjusted Wald interval),
        ``nps_account_avg`` (the account's mean likelihood to recommend
        classified: +100 promoter account, 0 passive, −100 detractor),
        ``recommend_mean, recommend_ci_low, recommend_ci_high`` (0–10),
        ``nps_role_weighted, nps_role_weighted_ci_low, _ci_high``,
        ``satisfaction, satisfaction_ci_low, satisfaction_ci_high`` (mean
        overall satisfaction on its scale; the account average),
        ``satisfaction_role_weighted`` (+ interval),
        ``satisfaction_index`` (0–100, + interval), ``continue_mean,
        increase_mean, share_of_wallet_pct`` (means), ``loyalty_segment``
        (weakest-link rule on the role-weighted mean answers),
        ``secure_n, favorable_n, vulnerable_n, at_risk_n, unclassified_n``
        (respondents per segment), and, with a sales history,
        ``revenue_change_pct, repeat_pct`` (see :func:`sales_behaviour`);
        ``interval_basis``: the intervals are those of the account's respondents.
    """
    resp = respondent_loyalty(a)
    names = a.accounts.set_index(S.ACCOUNT_ID)[S.ACCOUNT_NAME] if S.ACCOUNT_NAME in a.accounts.columns else pd.Series(dtype="string")
    rows = [_account_row(a, acc, g, names) for acc, g in resp.groupby(S.ACCOUNT_ID, observed=True, sort=True)]
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out[SEGMENT] = pd.Categorical(out[SEGMENT], categories=list(SEGMENTS), ordered=True)
    sales = sales_behaviour(a)
    if not sales.empty:
        out = out.merge(sales[[S.ACCOUNT_ID, "revenue_change_pct", "repeat_pct"]], on=S.ACCOUNT_ID, how="left")
    order = out[SEGMENT].cat.codes.replace(-1, len(SEGMENTS))
    out = out.assign(_o=-order).sort_values(["_o", S.SATISFACTION], ascending=[True, True], kind="stable").drop(columns="_o")
    return out.reset_index(drop=True)


def _account_row(a: Assessment, acc: object, g: pd.DataFrame, names: pd.Series) -> dict[str, object]:
    """One row of :func:`account_loyalty`: the loyalty figures of one account's respondents ``g``."""
    q = _q(a)
    lvl = q.confidence_level
    w = g[ROLE_WEIGHT]
    allr = stats.nps(g[S.RECOMMEND], lvl, None, q.nps.promoter_min, q.nps.detractor_max)
    rw = stats.nps(g[S.RECOMMEND], lvl, w, q.nps.promoter_min, q.nps.detractor_max)
    rec = _bounded(stats.mean_ci(g[S.RECOMMEND], lvl), *_scale_bounds(a, S.RECOMMEND))
    sat = _bounded(stats.mean_ci(g[S.SATISFACTION], lvl), *_scale_bounds(a, S.SATISFACTION))
    sat_w = _bounded(stats.mean_ci(g[S.SATISFACTION], lvl, w), *_scale_bounds(a, S.SATISFACTION))
    si = _bounded(stats.mean_ci(g[SATISFACTION_INDEX], lvl), 0.0, 100.0)
    means_w = {c: stats.mean_ci(g[c], lvl, w).estimate for c in SEGMENT_ITEMS}
    seg = loyalty_segment(pd.Series([means_w[S.SATISFACTION]]), pd.Series([means_w[S.CONTINUE]]),
                          pd.Series([means_w[S.RECOMMEND]]), q.segments).iloc[0]
    counts = g[SEGMENT].value_counts()
    return {
        S.ACCOUNT_ID: acc, ACCOUNT_NAME_LABEL: names.get(acc, pd.NA), "n_interviews": len(g),
        "small_sample": len(g) < q.small_account_interviews,
        "nps_all": allr.nps, "nps_all_ci_low": allr.ci_low, "nps_all_ci_high": allr.ci_high,
        "nps_account_avg": _account_nps_class(rec.estimate, a),
        **rec.columns("recommend_mean"),
        "nps_role_weighted": rw.nps, "nps_role_weighted_ci_low": rw.ci_low, "nps_role_weighted_ci_high": rw.ci_high,
        **sat.columns(S.SATISFACTION), **sat_w.columns("satisfaction_role_weighted"), **si.columns(SATISFACTION_INDEX),
        "continue_mean": g[S.CONTINUE].mean(), "increase_mean": g[S.INCREASE].mean(),
        "share_of_wallet_pct": g[S.SHARE_OF_WALLET].mean(),
        SEGMENT: seg if pd.notna(seg) else pd.NA,
        **{f"{s.lower().replace(' ', '_')}_n": int(counts.get(s, 0)) for s in SEGMENTS},
        "unclassified_n": int(g[SEGMENT].isna().sum()),
        stats.INTERVAL_BASIS: stats.BASIS_RESPONDENTS,
    }


def rollup(a: Assessment) -> pd.DataFrame:
    """NPS, satisfaction and satisfaction index over all interviewed accounts, three ways, accounts as clusters.

    *All responses* and *role-weighted* average every interview (role
    weights for the latter) with a cluster-robust interval, accounts as
    clusters (:func:`cra_helpers.stats.weighted_cluster_mean`: CR2 *t* on
    Bell–McCaffrey df; NPS: Rocks' adjusted Wald interval at the clustered
    effective sample size, :func:`cra_helpers.stats.weighted_cluster_nps`).
    *Average per account* gives every account one value (the Student
    interval of the account means; NPS from the shares of promoter and
    detractor accounts), which treats accounts as independent too.

    Returns
    -------
    DataFrame
        ``metric`` (``"NPS"``, ``"Satisfaction"``, ``"Satisfaction index"``),
        ``method`` (All responses / Average per account / Role-weighted),
        ``estimate, ci_low, ci_high`` (NPS −100…100; satisfaction on its
        scale; index 0–100), ``n`` and ``unit`` (interviews or accounts
        counted in ``n``), ``n_accounts``, ``interval_basis``. With
        ``quantitative.portfolio_weighting`` set to accounts or revenue, two
        more rows per metric, methods ``Portfolio-weighted (<weighting>)``
        and ``Role-weighted, portfolio-weighted (<weighting>)`` (every account
        once, or by revenue; within an account equally or by decision role),
        carry ``respondent_mean`` (the all-responses or role-weighted figure)
        and ``weighting_differs`` (it lies outside the weighted interval), as
        the need scores do.
    """
    q = _q(a)
    lvl = q.confidence_level
    resp = respondent_loyalty(a)
    acc = account_loyalty(a)
    rows = []

    def add(metric: str, method: str, est: float, low: float, high: float, n: int, unit: str, g: int, basis: str) -> None:
        rows.append({METRIC: metric, METHOD: method, ESTIMATE: est, CI_LOW: low, CI_HIGH: high, N: n, UNIT: unit,
                     stats.N_ACCOUNTS: g, stats.INTERVAL_BASIS: basis})

    for label, w in ((ALL_RESPONSES, None), (ROLE_WEIGHTED, resp[ROLE_WEIGHT])):
        r = stats.weighted_cluster_nps(resp[S.RECOMMEND], w, resp[S.ACCOUNT_ID], lvl, q.nps.promoter_min, q.nps.detractor_max)
        add("NPS", label, r["nps"], r["ci_low"], r["ci_high"], r["n"], "interviews", r[stats.N_ACCOUNTS], r[stats.INTERVAL_BASIS])
        for metric, col in (("Satisfaction", S.SATISFACTION), ("Satisfaction index", SATISFACTION_INDEX)):
            e = stats.weighted_cluster_mean(resp[col], w, resp[S.ACCOUNT_ID], lvl)
            lo, hi = (float(np.clip(v, *_scale_bounds(a, col))) if pd.notna(v) else v for v in (e["ci_low"], e["ci_high"]))
            add(metric, label, e["estimate"], lo, hi, e["n"], "interviews", e[stats.N_ACCOUNTS], e[stats.INTERVAL_BASIS])
    rows += _portfolio_weighted_rows(a, resp, rows)
    if not acc.empty:
        cls = acc["nps_account_avg"].dropna()
        n_acc = len(cls)
        p, d = (float((cls > 0).mean()), float((cls < 0).mean())) if n_acc else (np.nan, np.nan)
        v, lo, hi = stats.nps_from_shares(p, d, n_acc, lvl)
        add("NPS", ACCOUNT_AVERAGE, v, lo, hi, n_acc, "accounts", n_acc, stats.BASIS_CLUSTERS)
        for metric, col in (("Satisfaction", S.SATISFACTION), ("Satisfaction index", SATISFACTION_INDEX)):
            e = _bounded(stats.mean_ci(acc[col], lvl), *_scale_bounds(a, col))
            add(metric, ACCOUNT_AVERAGE, e.estimate, e.ci_low, e.ci_high, e.n, "accounts", e.n, stats.BASIS_CLUSTERS)
    out = pd.DataFrame(rows)
    out["_m"] = out[METHOD].map({m: i for i, m in enumerate(ROLLUP_METHODS)})
    out["_k"] = out[METRIC].map({"NPS": 0, "Satisfaction": 1, "Satisfaction index": 2})
    return out.sort_values(["_k", "_m"]).drop(columns=["_m", "_k"]).reset_index(drop=True)


def _portfolio_weighted_rows(a: Assessment, resp: pd.DataFrame, rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Rows of :func:`rollup` under ``quantitative.portfolio_weighting`` (none for respondents).

    For each metric two rows: every account's interviews together weigh the
    account's share (one per account, or its revenue), split equally among
    them (``Portfolio-weighted``) or by decision role within the account
    (``Role-weighted, portfolio-weighted``); ``respondent_mean`` is the
    all-responses or role-weighted figure of the same metric beside.
    """
    from .quantitative import RESPONDENT_MEAN, WEIGHTING_DIFFERS, portfolio_weighting

    weighting, revenue = portfolio_weighting(a)
    if weighting == "respondents":
        return []
    q = _q(a)
    per_account = pd.Series(1.0, index=resp.index) if revenue is None else resp[S.ACCOUNT_ID].map(revenue).astype(float)
    beside = {(r[METRIC], r[METHOD]): r[ESTIMATE] for r in rows}
    out = []
    for method, base, role in ((f"Portfolio-weighted ({weighting})", ALL_RESPONSES, None),
                               (f"Role-weighted, portfolio-weighted ({weighting})", ROLE_WEIGHTED, resp[ROLE_WEIGHT])):
        for metric, col in (("NPS", S.RECOMMEND), ("Satisfaction", S.SATISFACTION), ("Satisfaction index", SATISFACTION_INDEX)):
            within = (pd.Series(1.0, index=resp.index) if role is None else role.astype(float)).where(resp[col].notna())
            share = within / within.groupby(resp[S.ACCOUNT_ID], observed=True).transform("sum")
            w = (per_account * share).to_numpy(float)
            if metric == "NPS":
                r = stats.weighted_cluster_nps(resp[col], w, resp[S.ACCOUNT_ID], q.confidence_level,
                                               q.nps.promoter_min, q.nps.detractor_max)
                est, lo, hi = r["nps"], r["ci_low"], r["ci_high"]
            else:
                r = stats.weighted_cluster_mean(resp[col], w, resp[S.ACCOUNT_ID], q.confidence_level)
                est, (lo, hi) = r["estimate"], (float(np.clip(v, *_scale_bounds(a, col))) if pd.notna(v) else v
                                                for v in (r["ci_low"], r["ci_high"]))
            ref = beside.get((metric, base), np.nan)
            out.append({METRIC: metric, METHOD: method, ESTIMATE: est, CI_LOW: lo, CI_HIGH: hi, N: r["n"],
                        UNIT: "interviews", stats.N_ACCOUNTS: r[stats.N_ACCOUNTS],
                        stats.INTERVAL_BASIS: r[stats.INTERVAL_BASIS], RESPONDENT_MEAN: ref,
                        WEIGHTING_DIFFERS: bool(pd.notna(ref) and pd.notna(lo) and not lo <= ref <= hi)})
    return out


def segment_shares(a: Assessment, by: str = S.ACCOUNT_ID, respondents: pd.DataFrame | None = None) -> pd.DataFrame:
    """Respondents per loyalty segment, per group, with Wilson intervals (accounts as clusters when a group spans accounts).

    Per account (``by="account_id"``) the interval is the Wilson interval of
    its respondents. For a group of another attribute (level, department,
    wave, …) that spans two or more accounts it is the Wilson interval at the
    effective sample size ``n / deff`` with the *t* quantile of the CR2
    degrees of freedom, accounts as clusters (Korn & Graubard 1998;
    :func:`cra_helpers.stats.cluster_share_ci`).

    ``respondents`` is :func:`cra_helpers.quantitative.respondent_loyalty`
    of ``a`` when the caller already has it (e.g. sliced from the whole
    assessment's, as the explorer does: each row depends on its own
    interview only).

    Returns
    -------
    DataFrame
        ``<by>, loyalty_segment, n`` (respondents in the segment), ``total``
        (classified respondents of the group), ``share_pct, ci_low, ci_high``
        (percent), ``n_accounts``, ``interval_basis``; every segment listed for every group.
    """
    q = _q(a)
    resp = respondent_loyalty(a) if respondents is None else respondents
    resp = resp[resp[SEGMENT].notna()]
    cols = [by, SEGMENT, N, "total", "share_pct", CI_LOW, CI_HIGH, stats.N_ACCOUNTS, stats.INTERVAL_BASIS]
    groups = [key for key, _ in resp.groupby(by, observed=True, sort=True)]
    if not groups:
        return pd.DataFrame(columns=cols)
    counts = (resp.groupby([by, SEGMENT], observed=True).size().unstack(SEGMENT)
              .reindex(index=groups, columns=list(SEGMENTS)).fillna(0).astype(int))
    k = counts.to_numpy().ravel()
    total = np.repeat(counts.sum(axis=1).to_numpy(), len(SEGMENTS))
    low, high = proportion_confint(k, total, alpha=1 - q.confidence_level, method="wilson")
    out = pd.DataFrame({by: np.repeat(np.asarray(groups, dtype=object), len(SEGMENTS)),
                        SEGMENT: np.tile(np.asarray(SEGMENTS, dtype=object), len(groups)), N: k, "total": total,
                        "share_pct": 100 * (k / total), CI_LOW: 100 * low, CI_HIGH: 100 * high,
                        stats.N_ACCOUNTS: 1, stats.INTERVAL_BASIS: stats.BASIS_RESPONDENTS}, columns=cols)
    if by != S.ACCOUNT_ID and S.ACCOUNT_ID in resp.columns:
        out = _clustered_segment_intervals(resp, by, out, q.confidence_level)
    return out


def _clustered_segment_intervals(resp: pd.DataFrame, by: str, out: pd.DataFrame, level: float) -> pd.DataFrame:
    """:func:`segment_shares` rows of groups spanning accounts with the cluster-robust share interval (percent)."""
    frame = resp[[by, S.ACCOUNT_ID]].assign(**{f"_s{i}": (resp[SEGMENT] == seg).astype(float) for i, seg in enumerate(SEGMENTS)})
    for i, seg in enumerate(SEGMENTS):
        est = stats.cluster_share_ci(stats.grouped_cluster_mean_ci(frame, [by], f"_s{i}", S.ACCOUNT_ID, level), level)
        est = est.set_index(by)
        rows = (out[SEGMENT] == seg).to_numpy()
        keys = out.loc[rows, by]
        many = (est[stats.N_ACCOUNTS].reindex(keys).to_numpy() >= 2)
        idx = np.flatnonzero(rows)[many]
        out.loc[idx, CI_LOW] = 100 * est["ci_low"].reindex(keys).to_numpy()[many]
        out.loc[idx, CI_HIGH] = 100 * est["ci_high"].reindex(keys).to_numpy()[many]
        out.loc[np.flatnonzero(rows), stats.N_ACCOUNTS] = est[stats.N_ACCOUNTS].reindex(keys).to_numpy()
        out.loc[idx, stats.INTERVAL_BASIS] = stats.BASIS_CLUSTERS
    return out
