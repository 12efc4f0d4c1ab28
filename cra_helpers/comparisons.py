"""Group comparisons: each group of respondents against the rest, and one test per factor, accounts as clusters.

The groups are those of a respondent attribute (account, location, level,
department, decision role, wave); the measures are the per-respondent
columns of :func:`cra_helpers.quantitative.respondent_loyalty`. The tests and
effect sizes come from :mod:`cra_helpers.stats`. Everything here is also
importable from :mod:`cra_helpers.quantitative`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from . import schema as S
from . import stats
from .assessment import ACCOUNT_NAME_LABEL, Assessment
from .config import Comparisons
from .quantitative import MEASURE, N, SATISFACTION_INDEX, _q, respondent_loyalty

COMPARISON_FACTORS: tuple[str, ...] = (S.ACCOUNT_ID, S.LOCATION_ID, S.LEVEL, S.DEPARTMENT, S.DECISION_ROLE, S.WAVE)
"""Respondent attributes compared (locations within their account)."""
COMPARISON_MEASURES: tuple[str, ...] = (S.SATISFACTION, SATISFACTION_INDEX, S.RECOMMEND, S.CONTINUE, S.INCREASE, S.SHARE_OF_WALLET)
"""Per-respondent measures compared."""
HIGHER, LOWER, NO_DIFFERENCE, TOO_FEW = "higher than the rest", "lower than the rest", "no difference shown", "too few answers"


def compare_groups(
    a: Assessment,
    factors: Iterable[str] = COMPARISON_FACTORS,
    measures: Iterable[str] = COMPARISON_MEASURES,
) -> pd.DataFrame:
    """Each group against the rest of the respondents, with cluster-aware small-sample tests and effect sizes.

    For every factor (account, location, level, department, decision role,
    wave) and measure, each group's answers are compared with everybody
    else's — for locations, with the other sites of the same account. The
    difference, its interval and the *p*-value that decides significance
    respect that respondents sit inside accounts (:mod:`cra_helpers.stats_cluster`):

    * groups spanning accounts (level, department, decision role, wave):
      group mean − rest mean with the CR2 interval and *t*-test on
      Bell–McCaffrey degrees of freedom, accounts as clusters
      (:func:`cra_helpers.stats.cluster_diff_ci`; Bell & McCaffrey 2002,
      Pustejovsky & Tipton 2018). A group (or rest) that lies within one
      account is not tested (its difference cannot be told from its account's);
    * an account against the rest: the account's mean is respondent based,
      the rest's CR2 over the other accounts, Welch–Satterthwaite df
      (:func:`cra_helpers.stats.account_vs_rest`);
    * a site against the other sites of its account (one cluster): Welch
      interval and two-sided Mann–Whitney *U* test of the respondents
      (permutation *p*-value when the smaller side has fewer than
      ``comparisons.permutation_below`` answers).

    ``p_rank`` keeps the respondent-level Mann–Whitney *p* for reference.
    *p*-values are Holm-corrected within each factor (all its groups ×
    measures). A difference is called only when the corrected *p* is below
    ``comparisons.alpha`` **and** |Cliff's δ| (the rank effect size, kept)
    reaches ``comparisons.min_effect``.

    Returns
    -------
    DataFrame
        ``factor, within`` (account id for locations, else empty), ``group,
        group_label, measure, n_group, n_rest, mean_group, mean_rest,
        diff`` (group − rest, on the measure's scale), ``diff_ci_low,
        diff_ci_high`` (interval of ``interval_basis``), ``cliffs_delta``
        (−1…1), ``effect`` (negligible / small / medium / large),
        ``p_value`` (the test above), ``p_holm, p_rank, verdict`` (higher
        than the rest / lower than the rest / no difference shown / too few
        answers), ``n_accounts`` (accounts behind the comparison),
        ``interval_basis``. ``attrs["notes"]`` lists factors not compared and why.
    """
    q = _q(a)
    return compare_frame(respondent_loyalty(a), factors, measures, q.comparisons, q.confidence_level)


def compare_frame(resp: pd.DataFrame, factors: Iterable[str], measures: Iterable[str], cfg: Comparisons,
                  level: float) -> pd.DataFrame:
    """:func:`compare_groups` of a per-respondent frame (one row per interview, ``account_id`` and the factors as columns).

    Parameters
    ----------
    resp
        One row per respondent with :data:`cra_helpers.schema.ACCOUNT_ID`,
        the factor columns and the measure columns (any scale).
    factors, measures
        Columns compared.
    cfg
        The comparison settings (alpha, minimum group size and effect, permutations).
    level
        Confidence level of the intervals (0.95 for 95 %).

    Returns
    -------
    DataFrame
        As :func:`compare_groups`.
    """
    measures = [m for m in measures if m in resp.columns]
    notes: list[str] = []
    frames = []
    for factor in factors:
        if factor not in resp.columns or (resp[factor].dropna().nunique() < 2 and factor != S.LOCATION_ID):
            notes.append(f"{factor}: fewer than two groups, nothing to compare.")
            continue
        rows = _factor_rows(resp, factor, measures, cfg, level)
        if not rows:
            notes.append(f"{factor}: no account has two groups to compare.")
            continue
        f = pd.DataFrame(rows)
        f["p_holm"] = stats.holm(f["p_value"])
        one = f.loc[(f[N_ACCOUNTS_GROUP] < 2) & (f[["n_group", "n_rest"]].min(axis=1) >= cfg.min_group_size), "group"]
        if factor not in (S.ACCOUNT_ID, S.LOCATION_ID) and len(one):
            notes.append(f"{factor}: {', '.join(sorted(set(one)))} within one account, not tested.")
        frames.append(f.drop(columns=N_ACCOUNTS_GROUP))
    out = _with_verdicts(frames, cfg)
    out.attrs["notes"] = notes
    return out


N_ACCOUNTS_GROUP = "_group_accounts"
_COMPARISON_COLUMNS = ["factor", "within", "group", "group_label", MEASURE, "n_group", "n_rest", "mean_group", "mean_rest", "diff",
                       "diff_ci_low", "diff_ci_high", "cliffs_delta", "effect", "p_value", "p_holm", "p_rank", "verdict",
                       stats.N_ACCOUNTS, stats.INTERVAL_BASIS]
"""Columns of :func:`compare_groups`, in order."""


def _factor_rows(resp: pd.DataFrame, factor: str, measures: list[str], cfg: Comparisons, level: float) -> list[dict[str, Any]]:
    """One row per group × measure of one factor: the group against the rest (for locations, the rest of their account)."""
    rows = []
    blocks = resp.groupby(S.ACCOUNT_ID, observed=True) if factor == S.LOCATION_ID else [(None, resp)]
    for within, block in blocks:
        groups = block[factor].dropna().unique()
        if len(groups) < 2:
            continue
        for grp in sorted(groups, key=str):
            mask = (block[factor] == grp).fillna(False).to_numpy(bool)
            label = _group_label(block[mask], factor, grp)
            for m in measures:
                x, rest = block.loc[mask, m].dropna(), block.loc[~mask, m].dropna()
                row = {"factor": factor, "within": within if within is not None else pd.NA, "group": str(grp),
                       "group_label": label, MEASURE: m}
                row.update(_compare_one(x, rest, cfg, level))
                row.update(_cluster_test(block, factor, m, mask, grp, row, level))
                rows.append(row)
    return rows


def _compare_one(x: pd.Series, rest: pd.Series, cfg: Comparisons, level: float) -> dict[str, Any]:
    """Sizes, means, Welch difference, Cliff's δ and Mann–Whitney *p* of one group's answers against the rest's."""
    row = {"n_group": len(x), "n_rest": len(rest),
           "mean_group": x.mean() if len(x) else np.nan, "mean_rest": rest.mean() if len(rest) else np.nan}
    diff, lo, hi = stats.welch_diff_ci(x, rest, level)
    row.update(diff=diff, diff_ci_low=lo, diff_ci_high=hi)
    small = len(x) < cfg.min_group_size or len(rest) < cfg.min_group_size
    row["cliffs_delta"] = np.nan if small else stats.cliffs_delta(x, rest)
    row["effect"] = stats.cliffs_band(row["cliffs_delta"])
    row["p_rank"] = np.nan if small else stats.mann_whitney_p(
        x, rest, cfg.permutation_resamples, cfg.seed, cfg.permutation_below)
    row["p_value"] = row["p_rank"]
    return row


def _cluster_test(block: pd.DataFrame, factor: str, m: str, mask: np.ndarray, grp: object, row: dict[str, Any],
                  level: float) -> dict[str, Any]:
    """Interval, *p*, accounts and basis of one group against the rest, accounts as clusters where they are several."""
    if factor == S.LOCATION_ID:  # one account: its respondents
        return {stats.N_ACCOUNTS: 1, N_ACCOUNTS_GROUP: 1, stats.INTERVAL_BASIS: stats.BASIS_RESPONDENTS}
    ok = block[m].notna().to_numpy(bool)
    small = np.isnan(row["p_value"])
    if factor == S.ACCOUNT_ID:
        agg = block[ok].groupby(S.ACCOUNT_ID, observed=True)[m].agg(["size", "sum", lambda v: float(np.sum(np.square(v)))])
        r = stats.account_vs_rest(*(agg.iloc[:, i].to_numpy(float)[None, :] for i in range(3)), level)
        j = list(agg.index).index(grp) if grp in agg.index else None
        get = (lambda k: float(r[k][0, j])) if j is not None else (lambda k: np.nan)
        return {"diff_ci_low": get("ci_low"), "diff_ci_high": get("ci_high"), "p_value": np.nan if small else get("p_value"),
                stats.N_ACCOUNTS: len(agg), N_ACCOUNTS_GROUP: 1, stats.INTERVAL_BASIS: stats.BASIS_ACCOUNT_VS_REST}
    r = stats.cluster_diff_ci(block[m], mask, block[S.ACCOUNT_ID], level)
    spans = min(block.loc[mask & ok, S.ACCOUNT_ID].nunique(), block.loc[~mask & ok, S.ACCOUNT_ID].nunique())
    return {"diff_ci_low": r["ci_low"], "diff_ci_high": r["ci_high"], "p_value": np.nan if small else r["p_value"],
            stats.N_ACCOUNTS: r[stats.N_ACCOUNTS] if ok.any() else 0, N_ACCOUNTS_GROUP: spans,
            stats.INTERVAL_BASIS: stats.BASIS_CLUSTERS}


def _with_verdicts(frames: list[pd.DataFrame], cfg: Comparisons) -> pd.DataFrame:
    """The factors' comparisons in one table, each with its verdict (a difference needs both significance and effect size)."""
    if not frames:
        return pd.DataFrame(columns=_COMPARISON_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    holds = (out["p_holm"] < cfg.alpha) & (out["cliffs_delta"].abs() >= cfg.min_effect)
    out["verdict"] = np.select(
        [out["p_value"].isna() & (out[["n_group", "n_rest"]].min(axis=1) < cfg.min_group_size), holds & (out["diff"] > 0), holds & (out["diff"] < 0)],
        [TOO_FEW, HIGHER, LOWER], default=NO_DIFFERENCE,
    )
    return out[_COMPARISON_COLUMNS]


def _group_label(rows: pd.DataFrame, factor: str, group: object) -> str:
    """A group as labelled in the table: an account or site id with its name when known."""
    if factor == S.ACCOUNT_ID and ACCOUNT_NAME_LABEL in rows.columns and rows[ACCOUNT_NAME_LABEL].notna().any():
        return f"{group} {rows[ACCOUNT_NAME_LABEL].dropna().iloc[0]}"
    if factor == S.LOCATION_ID and S.SITE in rows.columns and rows[S.SITE].notna().any():
        return f"{group} {rows[S.SITE].dropna().iloc[0]}"
    return str(group)


OMNIBUS_FACTORS: tuple[str, ...] = (S.ACCOUNT_ID, S.LEVEL, S.DEPARTMENT, S.DECISION_ROLE, S.WAVE)
"""Factors of :func:`omnibus_tests` (sites differ mostly because their accounts do; see :func:`compare_groups`)."""


def omnibus_tests(
    a: Assessment,
    factors: Iterable[str] = OMNIBUS_FACTORS,
    measures: Iterable[str] = COMPARISON_MEASURES,
) -> pd.DataFrame:
    """Do the groups of a factor differ? One cluster-aware test per factor × measure, Holm-corrected over the table.

    Groups with fewer than ``comparisons.min_group_size`` answers are left
    out. The test respects that respondents sit inside accounts:

    * factors whose groups span accounts (level, department, decision role,
      wave): the cluster-robust Wald test that the group means are equal —
      CR2 variance of the cell means, accounts as clusters, *F* reference on
      ``(k − 1, G − 1)`` degrees of freedom (Cameron & Miller 2015;
      :func:`cra_helpers.stats.cluster_wald_groups`). A group within one
      account is left out (its mean cannot be told from its account's);
    * the account factor (the groups are the clusters): the Kruskal–Wallis
      test of the respondents — under "accounts do not differ" the
      respondents are exchangeable across accounts.

    The effect size stays the rank one, ε² = H / (n − 1) of Kruskal–Wallis,
    and ``p_rank`` its respondent-level *p*. Sites are not in the default
    factors: across accounts they differ mostly because their accounts do
    (:func:`compare_groups` compares sites within their account).

    Returns
    -------
    DataFrame
        ``factor, measure, groups`` (compared), ``n``, ``h`` (Kruskal–Wallis
        statistic), ``f`` (the Wald *F*; NaN for the account factor),
        ``p_value`` (the test above), ``p_holm, p_rank, epsilon_squared``
        (0–1), ``differs`` (True when ``p_holm < alpha``), ``n_accounts``,
        ``interval_basis``.
    """
    cfg = _q(a).comparisons
    return omnibus_frame(respondent_loyalty(a), factors, measures, cfg)


_OMNIBUS_COLUMNS = ["factor", MEASURE, "groups", N, "h", "f", "p_value", "p_holm", "p_rank", "epsilon_squared", "differs",
                    stats.N_ACCOUNTS, stats.INTERVAL_BASIS]


def omnibus_frame(resp: pd.DataFrame, factors: Iterable[str], measures: Iterable[str], cfg: Comparisons) -> pd.DataFrame:
    """:func:`omnibus_tests` of a per-respondent frame (``account_id``, the factors and the measures as columns).

    Returns
    -------
    DataFrame
        As :func:`omnibus_tests`.
    """
    rows = []
    for factor in factors:
        for m in measures:
            if factor in resp.columns and m in resp.columns:
                row = _omnibus_one(resp, factor, m, cfg)
                if row is not None:
                    rows.append(row)
    out = pd.DataFrame(rows, columns=[c for c in _OMNIBUS_COLUMNS if c not in ("p_holm", "differs")])
    out["p_holm"] = stats.holm(out["p_value"]) if len(out) else pd.Series(dtype=float)
    out["differs"] = out["p_holm"] < cfg.alpha
    return out[_OMNIBUS_COLUMNS]


def _omnibus_one(resp: pd.DataFrame, factor: str, m: str, cfg: Comparisons) -> dict[str, Any] | None:
    """One row of :func:`omnibus_frame`, or None when fewer than two groups are large enough (and span accounts)."""
    cols = list(dict.fromkeys([factor, m, S.ACCOUNT_ID]))
    sub = resp[cols].dropna()
    size = sub.groupby(factor, observed=True)[m].transform("size")
    sub = sub[size >= cfg.min_group_size]
    if factor != S.ACCOUNT_ID:
        spans = sub.groupby(factor, observed=True)[S.ACCOUNT_ID].transform("nunique")
        sub = sub[spans >= 2]
    groups = [g[m].to_numpy(float) for _, g in sub.groupby(factor, observed=True)]
    if len(groups) < 2:
        return None
    h, p_rank, eps = stats.kruskal(groups)
    row = {"factor": factor, MEASURE: m, "groups": len(groups), N: int(sum(len(g) for g in groups)), "h": h,
           "p_rank": p_rank, "epsilon_squared": eps, stats.N_ACCOUNTS: int(sub[S.ACCOUNT_ID].nunique())}
    if factor == S.ACCOUNT_ID:
        return {**row, "f": np.nan, "p_value": p_rank, stats.INTERVAL_BASIS: stats.BASIS_RESPONDENTS}
    w = stats.cluster_wald_groups(sub[m], sub[factor], sub[S.ACCOUNT_ID])
    return {**row, "f": w["f"], "p_value": w["p_value"], stats.INTERVAL_BASIS: stats.BASIS_CLUSTERS}
