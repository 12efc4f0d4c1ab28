"""Group comparisons: each group of respondents against the rest, and Kruskal–Wallis tests per factor.

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
    """Each group against the rest of the respondents, with small-sample tests and effect sizes.

    For every factor (account, location, level, department, decision role,
    wave) and measure, each group's answers are compared with everybody
    else's — for locations, with the other sites of the same account — by a
    two-sided Mann–Whitney *U* test (permutation *p*-value when the smaller
    side has fewer than ``comparisons.permutation_below`` answers, normal
    approximation with tie correction otherwise); *p*-values are Holm-corrected within each factor (all its groups × measures). A
    difference is called only when the corrected *p* is below
    ``comparisons.alpha`` **and** |Cliff's δ| reaches ``comparisons.min_effect``.

    Returns
    -------
    DataFrame
        ``factor, within`` (account id for locations, else empty), ``group,
        group_label, measure, n_group, n_rest, mean_group, mean_rest,
        diff`` (group − rest, on the measure's scale), ``diff_ci_low,
        diff_ci_high`` (Welch interval), ``cliffs_delta`` (−1…1), ``effect``
        (negligible / small / medium / large), ``p_value, p_holm, verdict``
        (higher than the rest / lower than the rest / no difference shown /
        too few answers). ``attrs["notes"]`` lists factors not compared and why.
    """
    cfg = _q(a).comparisons
    level = _q(a).confidence_level
    resp = respondent_loyalty(a)
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
        frames.append(f)
    out = _with_verdicts(frames, cfg)
    out.attrs["notes"] = notes
    return out


_COMPARISON_COLUMNS = ["factor", "within", "group", "group_label", MEASURE, "n_group", "n_rest", "mean_group", "mean_rest", "diff",
                       "diff_ci_low", "diff_ci_high", "cliffs_delta", "effect", "p_value", "p_holm", "verdict"]
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
    row["p_value"] = np.nan if small else stats.mann_whitney_p(
        x, rest, cfg.permutation_resamples, cfg.seed, cfg.permutation_below)
    return row


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
    """Kruskal–Wallis test of every factor × measure, Holm-corrected over the whole table.

    Groups with fewer than ``comparisons.min_group_size`` answers are left
    out. Sites are not in the default factors: across accounts they differ
    mostly because their accounts do (:func:`compare_groups` compares sites
    within their account).

    Returns
    -------
    DataFrame
        ``factor, measure, groups`` (compared), ``n``, ``h, p_value, p_holm,
        epsilon_squared`` (ε² = H / (n − 1), 0–1), ``differs`` (True when
        ``p_holm < alpha``).
    """
    cfg = _q(a).comparisons
    resp = respondent_loyalty(a)
    rows = []
    for factor in factors:
        if factor not in resp.columns:
            continue
        for m in measures:
            if m not in resp.columns:
                continue
            sub = resp[[factor, m]].dropna()
            groups = [g[m].to_numpy(float) for _, g in sub.groupby(factor, observed=True) if len(g) >= cfg.min_group_size]
            if len(groups) < 2:
                continue
            h, p, eps = stats.kruskal(groups)
            rows.append({"factor": factor, MEASURE: m, "groups": len(groups), N: int(sum(len(g) for g in groups)),
                         "h": h, "p_value": p, "epsilon_squared": eps})
    out = pd.DataFrame(rows, columns=["factor", MEASURE, "groups", N, "h", "p_value", "epsilon_squared"])
    out["p_holm"] = stats.holm(out["p_value"]) if len(out) else pd.Series(dtype=float)
    out["differs"] = out["p_holm"] < cfg.alpha
    return out[["factor", MEASURE, "groups", N, "h", "p_value", "p_holm", "epsilon_squared", "differs"]]
