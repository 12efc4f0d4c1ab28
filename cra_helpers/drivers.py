"""Derived importance: relative weights of Johnson (2000) with bootstrap intervals.

Relative weights split the R² of a linear regression of an outcome (overall
satisfaction, likelihood to recommend) on correlated predictors (performance
on each need) into non-negative parts that add up to R² (Johnson, J. W., "A
heuristic method for estimating the relative weight of predictor variables in
multiple regression", *Multivariate Behavioral Research* 35(1), 1–19, 2000):

1. ``R_xx`` = correlation matrix of the predictors, ``r_xy`` = their
   correlations with the outcome.
2. ``Λ = R_xx^{1/2}`` (symmetric square root, from the eigen-decomposition
   ``R_xx = V diag(e) Vᵀ``); Λ holds the correlations of the predictors with
   their closest orthogonal counterparts ``Z``.
3. ``β = Λ⁻¹ r_xy``: regression of the outcome on ``Z``.
4. Raw weight of predictor *j*: ``ε_j = Σ_k Λ_jk² β_k²``; ``Σ_j ε_j = R²``.
   Rescaled: ``100 · ε_j / R²`` (percent of R²).

For two predictors the weights equal the Shapley decomposition of R²
(general dominance weights); with more they approximate it closely (Johnson
& LeBreton, 2004). Intervals: percentile bootstrap (:func:`scipy.stats.bootstrap`),
as recommended for relative weights by Tonidandel, LeBreton & Johnson
(*Psychological Methods* 14(4), 2009), resampling **whole accounts**
(cluster bootstrap: every draw takes accounts with replacement and all
their respondents; Cameron, Gelbach & Miller, *Review of Economics and
Statistics* 90(3), 2008; Field & Welsh, *JRSS B* 69(3), 2007) because
people of one account answer alike; respondents are resampled only when
the data hold a single account.

:func:`key_drivers` applies them to an assessment: performance on each need
(or primary group) as predictors of each loyalty outcome, with the stated
importance of the needs and their quadrant; :func:`driver_matrix` builds its
respondent × need matrix. Both are also importable from
:mod:`cra_helpers.quantitative`, whose per-respondent tables they use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from . import schema as S
from . import stats
from .assessment import Assessment
from .quantitative import _need_labels, _q, need_ratings, respondent_loyalty

# Eigenvalues below this (relative to the largest) count as zero: the
# predictors are then linearly dependent and a pseudo-inverse is used.
_EIG_TOL = 1e-10


@dataclass(frozen=True)
class RelativeWeights:
    """Result of :func:`relative_weights`.

    Attributes
    ----------
    raw
        Raw relative weight per predictor (share of outcome variance, 0–1);
        they add up to ``r2``. Constant predictors get 0.
    r2
        R² of the ordinary least-squares regression of the outcome on all
        predictors (with intercept).
    n
        Observations used.
    """

    raw: pd.Series
    r2: float
    n: int

    @property
    def pct(self) -> pd.Series:
        """Weights as percent of R² (sum 100; NaN when R² is 0)."""
        return 100 * self.raw / self.r2 if self.r2 > 0 else self.raw * np.nan


def _corr_weights(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Relative weights and R² from a data matrix (rows = observations); constant columns get 0."""
    p = x.shape[1]
    raw = np.zeros(p)
    sx = x.std(axis=0)
    sy = y.std()
    live = np.flatnonzero(sx > 0)
    if live.size == 0 or sy == 0:
        return raw, 0.0
    xs = (x[:, live] - x[:, live].mean(axis=0)) / sx[live]
    ys = (y - y.mean()) / sy
    n = x.shape[0]
    rxx = xs.T @ xs / n
    rxy = xs.T @ ys / n
    evals, evecs = np.linalg.eigh(rxx)
    evals = np.clip(evals, 0.0, None)
    root = evecs @ np.diag(np.sqrt(evals)) @ evecs.T
    # β = Λ⁻¹ r (pseudo-inverse on the non-null eigen-space)
    keep = evals > _EIG_TOL * max(evals.max(), 1e-300)
    inv_root = evecs[:, keep] @ np.diag(1 / np.sqrt(evals[keep])) @ evecs[:, keep].T
    beta = inv_root @ rxy
    eps = np.square(root) @ np.square(beta)
    raw[live] = eps
    return raw, float(eps.sum())


def relative_weights(x: pd.DataFrame, y: pd.Series | np.ndarray) -> RelativeWeights:
    """Johnson's (2000) relative weights of the columns of ``x`` in predicting ``y``.

    Parameters
    ----------
    x
        Predictors, one column each (e.g. performance on each need, 1–10), no
        missing values.
    y
        Outcome (e.g. overall satisfaction), same rows.

    Returns
    -------
    RelativeWeights
        Raw weights (summing to R²), R² and n.

    Raises
    ------
    ValueError
        On missing values or mismatched lengths.
    """
    xv = np.asarray(x, dtype=float)
    yv = np.asarray(y, dtype=float)
    if xv.ndim != 2 or xv.shape[0] != yv.shape[0]:
        raise ValueError(f"x has shape {xv.shape}, y has {yv.shape}: one row per observation expected")
    if np.isnan(xv).any() or np.isnan(yv).any():
        raise ValueError("relative_weights: missing values; impute or drop them first")
    raw, r2 = _corr_weights(xv, yv)
    return RelativeWeights(pd.Series(raw, index=list(x.columns), name="raw_weight"), r2, int(xv.shape[0]))


def bootstrap_relative_weights(
    x: pd.DataFrame,
    y: pd.Series | np.ndarray,
    resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    clusters: pd.Series | np.ndarray | None = None,
) -> pd.DataFrame:
    """Relative weights with percentile bootstrap intervals (whole accounts resampled when ``clusters`` are given).

    Parameters
    ----------
    x, y
        As for :func:`relative_weights`.
    resamples
        Bootstrap resamples.
    level
        Confidence level.
    seed
        Random seed (reports are reproducible).
    clusters
        Account of each row of ``x``; with two or more accounts the bootstrap
        draws accounts with replacement, each with all its respondents
        (cluster bootstrap). None or one account: respondents are drawn.

    Returns
    -------
    DataFrame
        Index = predictors; columns ``raw_weight, ci_low, ci_high`` (0–1 share
        of outcome variance), ``pct_of_r2, pct_ci_low, pct_ci_high`` (percent
        of R²), ``rank`` (1 = largest raw weight). ``DataFrame.attrs`` holds
        ``r2, r2_ci_low, r2_ci_high, n``, ``n_accounts`` and ``interval_basis``.
    """
    xv = np.asarray(x, dtype=float)
    yv = np.asarray(y, dtype=float)
    point = relative_weights(x, y)
    p = xv.shape[1]

    def statistic(idx: np.ndarray) -> np.ndarray:
        raw, r2 = _corr_weights(xv[idx], yv[idx])
        pct = 100 * raw / r2 if r2 > 0 else np.full(p, np.nan)
        return np.concatenate([raw, pct, [r2]])

    low, high, members = _bootstrap(statistic, xv.shape[0], clusters, resamples, level, seed)
    by_cluster = len(members) >= 2
    out = pd.DataFrame(
        {
            "raw_weight": point.raw.to_numpy(),
            "ci_low": low[:p],
            "ci_high": high[:p],
            "pct_of_r2": point.pct.to_numpy(),
            "pct_ci_low": low[p : 2 * p],
            "pct_ci_high": high[p : 2 * p],
        },
        index=point.raw.index,
    )
    out["rank"] = out["raw_weight"].rank(ascending=False, method="min").astype(int)
    out.attrs.update(r2=point.r2, r2_ci_low=float(low[-1]), r2_ci_high=float(high[-1]), n=point.n,
                     n_accounts=len(members), interval_basis=stats.BASIS_CLUSTERS if by_cluster else stats.BASIS_RESPONDENTS)
    return out


def _bootstrap(statistic, n: int, clusters: pd.Series | np.ndarray | None, resamples: int, level: float,
               seed: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Percentile bootstrap bounds of ``statistic(rows)``: whole accounts drawn when there are two or more, else rows."""
    codes = pd.factorize(np.asarray(clusters))[0] if clusters is not None else np.zeros(n, int)
    members = [np.flatnonzero(codes == c) for c in range(codes.max() + 1)] if len(codes) else []
    by_cluster = len(members) >= 2
    draw = (lambda cl: statistic(np.concatenate([members[int(c)] for c in cl]))) if by_cluster else statistic
    res = sps.bootstrap(
        (np.arange(len(members)) if by_cluster else np.arange(n),), draw, n_resamples=resamples,
        confidence_level=level, method="percentile", vectorized=False, rng=np.random.default_rng(seed),
    )
    return np.asarray(res.confidence_interval.low), np.asarray(res.confidence_interval.high), members


# ---------------------------------------------------------------------------
# Key drivers of an assessment
# ---------------------------------------------------------------------------
LEVEL_NEED, LEVEL_GROUP, LEVEL_CORRELATION = "need", "primary group", "correlation only"
KEY_DRIVER, HIDDEN_DRIVER, BASIC, LOW_PRIORITY = "Key driver", "Hidden driver", "Basic expectation", "Low priority"
QUADRANTS: tuple[str, ...] = (KEY_DRIVER, HIDDEN_DRIVER, BASIC, LOW_PRIORITY)


def driver_matrix(a: Assessment, outcome: str) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """Respondent × need performance matrix and the outcome, ready for relative weights.

    Needs rated by fewer than ``drivers.min_share_rated`` of the respondents
    who answered ``outcome`` are left out; respondents missing more than
    ``drivers.max_missing_share`` of the remaining needs are left out; the
    remaining gaps are filled with the need's mean (mean imputation, noted).

    Returns
    -------
    (x, y, notes)
        ``x`` indexed by interview id, one column per need (performance on its
        scale); ``y`` the outcome; ``notes`` what was left out or filled in.
    """
    cfg = _q(a).drivers
    notes: list[str] = []
    resp = respondent_loyalty(a)
    y = resp.set_index(S.INTERVIEW_ID)[outcome].dropna()
    r = need_ratings(a)
    wide = r.pivot_table(index=S.INTERVIEW_ID, columns=S.NEED_ID, values=S.PERFORMANCE, aggfunc="first", observed=True)
    all_needs = list(_need_labels(a)[S.NEED_ID])
    wide = wide.reindex(index=y.index, columns=all_needs)
    rated = wide.notna().mean()
    dropped = [c for c in wide.columns if rated[c] < cfg.min_share_rated]
    if dropped:
        notes.append(f"Left out of the driver model, rated by fewer than {cfg.min_share_rated:.0%} of respondents: {', '.join(map(str, dropped))}.")
    wide = wide.drop(columns=dropped)
    if wide.shape[1]:
        missing = wide.isna().mean(axis=1)
        gone = missing[missing > cfg.max_missing_share].index
        if len(gone):
            notes.append(f"{len(gone)} respondent(s) left out: they rated fewer than {1 - cfg.max_missing_share:.0%} of the needs.")
        wide = wide.drop(index=gone)
        filled = int(wide.isna().sum().sum())
        if filled:
            notes.append(f"{filled} missing performance rating(s) ({filled / wide.size:.1%}) filled with the need's mean.")
        wide = wide.fillna(wide.mean())
    return wide, y.loc[wide.index], notes


def _group_matrix(x: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    groups = labels.set_index(S.NEED_ID)[S.PRIMARY_GROUP].reindex(x.columns)
    return x.T.groupby(groups.to_numpy(), sort=False).mean().T


def _quadrants(stated: pd.Series, derived: pd.Series, derived_cut: float) -> pd.Series:
    stated_cut = stated.median()
    hi_s = stated >= stated_cut
    hi_d = derived >= derived_cut
    out = np.select([hi_s & hi_d, ~hi_s & hi_d, hi_s & ~hi_d], [KEY_DRIVER, HIDDEN_DRIVER, BASIC], default=LOW_PRIORITY)
    return pd.Series(out, index=stated.index).where(stated.notna() & derived.notna())


def key_drivers(a: Assessment, outcomes: Iterable[str] | None = None) -> pd.DataFrame:
    """Derived importance of each need for each outcome (relative weights, Johnson 2000).

    What is modelled depends on the respondents available (``n``) for the
    number of predictors ``p``: with ``n ≥ min_respondents_per_predictor · p``
    every need is a predictor; otherwise, when the needs table gives primary
    groups and there are enough respondents for them, the group means are the
    predictors; otherwise only each need's squared correlation with the
    outcome is shown (``raw_weight`` = r², no shares of R²). Below
    ``min_respondents`` nothing is computed. ``DataFrame.attrs["notes"]``
    says which case applied and why.

    Parameters
    ----------
    outcomes
        Loyalty columns to explain (default ``drivers.outcomes``).

    Returns
    -------
    DataFrame
        One row per outcome × driver: ``outcome, level`` (need / primary
        group / correlation only), ``driver`` (need id or group name),
        ``need_id`` (empty at group level), ``need_name, primary_group,
        raw_weight, ci_low, ci_high`` (share of the outcome's variance, 0–1,
        percentile bootstrap over whole accounts), ``pct_of_r2, pct_ci_low, pct_ci_high``
        (percent of R²), ``rank`` (1 = strongest), ``stated_importance`` (mean
        importance rating), ``performance_mean``, ``quadrant`` (Key driver /
        Hidden driver / Basic expectation / Low priority: stated importance at
        or above the median of the drivers, derived importance at or above an
        equal share of R²), ``r2, r2_ci_low, r2_ci_high, n``, ``interval_basis``.
    """
    q = _q(a)
    labels = _need_labels(a)
    stated_need = need_ratings(a).groupby(S.NEED_ID, observed=True)[S.IMPORTANCE].mean()
    notes: list[str] = []
    frames = []
    outcomes = list(outcomes or q.drivers.outcomes)
    for outcome in outcomes:
        table = _outcome_drivers(a, outcome, labels, stated_need, notes)
        if table is not None:
            frames.append(table)
    out = pd.concat(frames, ignore_index=True)[_DRIVER_COLUMNS] if frames else pd.DataFrame(columns=_DRIVER_COLUMNS)
    order = {o: i for i, o in enumerate(outcomes)}
    out = out.sort_values("rank", kind="stable").sort_values("outcome", key=lambda s: s.map(order), kind="stable")
    out = out.reset_index(drop=True)
    out.attrs["notes"] = notes
    return out


_DRIVER_COLUMNS = ["outcome", "level", "driver", S.NEED_ID, "need_name", S.PRIMARY_GROUP, "raw_weight", "ci_low", "ci_high",
                   "pct_of_r2", "pct_ci_low", "pct_ci_high", "rank", "stated_importance", "performance_mean", "quadrant",
                   "r2", "r2_ci_low", "r2_ci_high", "n"]
"""Columns of :func:`key_drivers`, in order."""


def _outcome_drivers(a: Assessment, outcome: str, labels: pd.DataFrame, stated_need: pd.Series, notes: list[str]) -> pd.DataFrame | None:
    """The drivers of one outcome (rows of :func:`key_drivers`); ``None`` when there are too few respondents or needs.

    What was left out, combined or not computed is appended to ``notes``.
    """
    q = _q(a)
    cfg = q.drivers
    x, y, why = driver_matrix(a, outcome)
    notes += [f"{outcome}: {w}" for w in why]
    n, p = len(y), x.shape[1]
    if n < cfg.min_respondents or p == 0:
        notes.append(f"{outcome}: only {n} respondents with the answer and {p} rated needs; at least "
                     f"{cfg.min_respondents} respondents are needed for a driver analysis, so none is shown.")
        return None
    perf_need = x.mean()
    level, x = _driver_level(a, outcome, x, labels, n, notes)
    if level == LEVEL_CORRELATION:
        table = _correlation_table(x, y, q.confidence_level)
    else:
        accounts = respondent_loyalty(a).set_index(S.INTERVIEW_ID)[S.ACCOUNT_ID].reindex(x.index)
        table = bootstrap_relative_weights(x, y, cfg.bootstrap_resamples, q.confidence_level, cfg.seed, accounts.to_numpy())
    out = _describe_drivers(table, outcome, level, x, labels, stated_need, perf_need, n)
    out[stats.INTERVAL_BASIS] = table.attrs.get(stats.INTERVAL_BASIS, stats.BASIS_RESPONDENTS)
    return out


def _driver_level(a: Assessment, outcome: str, x: pd.DataFrame, labels: pd.DataFrame, n: int, notes: list[str]) -> tuple[str, pd.DataFrame]:
    """What the ``n`` respondents allow to model, and its predictors: every need, the primary groups, or correlations only.

    Every need is a predictor with at least ``min_respondents_per_predictor``
    respondents per need; otherwise the primary groups' mean performance, when
    the needs table gives groups and there are enough respondents for them;
    otherwise each need's correlation alone. The reason is appended to ``notes``.
    """
    cfg = _q(a).drivers
    p = x.shape[1]
    if n >= cfg.min_respondents_per_predictor * p:
        return LEVEL_NEED, x
    groups_known = labels[S.PRIMARY_GROUP].notna().all() and a.has(S.NEEDS)
    gx = _group_matrix(x, labels) if groups_known else None
    if gx is not None and gx.shape[1] >= 2 and n >= cfg.min_respondents_per_predictor * gx.shape[1]:
        notes.append(f"{outcome}: {n} respondents are too few for {p} needs (at least {cfg.min_respondents_per_predictor:g} per "
                     f"need, {cfg.min_respondents_per_predictor * p:g} in all), so the needs are combined into their "
                     f"{gx.shape[1]} primary groups (mean performance of the group's needs).")
        return LEVEL_GROUP, gx
    notes.append(f"{outcome}: {n} respondents are too few for a multivariate model of {p} needs (at least "
                 f"{cfg.min_respondents_per_predictor * p:g} needed), so each need's squared correlation with "
                 f"{outcome} is shown instead; these overlap and do not add up to an R².")
    return LEVEL_CORRELATION, x


def _describe_drivers(
    table: pd.DataFrame, outcome: str, level: str, x: pd.DataFrame, labels: pd.DataFrame,
    stated_need: pd.Series, perf_need: pd.Series, n: int,
) -> pd.DataFrame:
    """The weights of one outcome's drivers with their names, stated importance, performance, quadrant and fit."""
    fit = dict(table.attrs)
    table.index.name = "driver"
    table = table.reset_index()
    table.insert(0, "level", level)
    table.insert(0, "outcome", outcome)
    if level == LEVEL_GROUP:
        table[S.NEED_ID] = pd.NA
        table["need_name"] = pd.NA
        table[S.PRIMARY_GROUP] = table["driver"]
        need_group = labels.set_index(S.NEED_ID)[S.PRIMARY_GROUP]
        table["stated_importance"] = table["driver"].map(stated_need.groupby(need_group.reindex(stated_need.index).to_numpy()).mean())
        table["performance_mean"] = table["driver"].map(x.mean())
    else:
        table[S.NEED_ID] = table["driver"]
        table = table.merge(labels, on=S.NEED_ID, how="left")
        table["stated_importance"] = table[S.NEED_ID].map(stated_need)
        table["performance_mean"] = table[S.NEED_ID].map(perf_need)
    derived = table["pct_of_r2"] if level != LEVEL_CORRELATION else table["raw_weight"]
    cut = 100 / len(table) if level != LEVEL_CORRELATION else table["raw_weight"].mean()
    table["quadrant"] = _quadrants(table["stated_importance"], derived, cut).to_numpy()
    for k in ("r2", "r2_ci_low", "r2_ci_high"):
        table[k] = fit.get(k, np.nan)
    table["n"] = n
    return table


def _correlation_table(x: pd.DataFrame, y: pd.Series, level: float) -> pd.DataFrame:
    """Each predictor's squared correlation with ``y`` (``raw_weight``) and its Fisher-z interval, in the columns of relative weights."""
    rows = {}
    z = sps.norm.ppf(0.5 + level / 2)
    n = len(y)
    for c in x.columns:
        if x[c].std() == 0 or y.std() == 0 or n < 4:
            rows[c] = (0.0, np.nan, np.nan)
            continue
        r = float(np.corrcoef(x[c], y)[0, 1])
        zr, se = np.arctanh(np.clip(r, -0.999999, 0.999999)), 1 / np.sqrt(n - 3)
        lo, hi = np.tanh(zr - z * se), np.tanh(zr + z * se)
        lo2 = 0.0 if lo <= 0 <= hi else min(lo * lo, hi * hi)
        rows[c] = (r * r, lo2, max(lo * lo, hi * hi))
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["raw_weight", "ci_low", "ci_high"])
    for c in ("pct_of_r2", "pct_ci_low", "pct_ci_high"):
        out[c] = np.nan
    out["rank"] = out["raw_weight"].rank(ascending=False, method="min").astype(int)
    return out
