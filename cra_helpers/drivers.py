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
& LeBreton, 2004). Intervals: percentile bootstrap over respondents
(:func:`scipy.stats.bootstrap`), as recommended for relative weights by
Tonidandel, LeBreton & Johnson (*Psychological Methods* 14(4), 2009).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

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
) -> pd.DataFrame:
    """Relative weights with percentile bootstrap intervals (respondents resampled).

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

    Returns
    -------
    DataFrame
        Index = predictors; columns ``raw_weight, ci_low, ci_high`` (0–1 share
        of outcome variance), ``pct_of_r2, pct_ci_low, pct_ci_high`` (percent
        of R²), ``rank`` (1 = largest raw weight). ``DataFrame.attrs`` holds
        ``r2, r2_ci_low, r2_ci_high, n``.
    """
    xv = np.asarray(x, dtype=float)
    yv = np.asarray(y, dtype=float)
    point = relative_weights(x, y)
    p = xv.shape[1]

    def statistic(idx: np.ndarray) -> np.ndarray:
        raw, r2 = _corr_weights(xv[idx], yv[idx])
        pct = 100 * raw / r2 if r2 > 0 else np.full(p, np.nan)
        return np.concatenate([raw, pct, [r2]])

    idx = np.arange(xv.shape[0])
    res = sps.bootstrap(
        (idx,), statistic, n_resamples=resamples, confidence_level=level, method="percentile",
        vectorized=False, rng=np.random.default_rng(seed),
    )
    low, high = np.asarray(res.confidence_interval.low), np.asarray(res.confidence_interval.high)
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
    out.attrs.update(r2=point.r2, r2_ci_low=float(low[-1]), r2_ci_high=float(high[-1]), n=point.n)
    return out
