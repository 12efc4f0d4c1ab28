"""Cluster sign-flip randomization test of a (weighted) mean against 0, accounts as clusters.

Under "no difference" the paired differences of an account (our − a
competitor's performance, rated by the same respondent) are symmetric about
0, so flipping the sign of a whole account leaves their joint distribution
unchanged (Canay, Romano & Shaikh, "Randomization tests under an
approximate symmetry assumption", *Econometrica* 85(3), 2017; for this
model it is the wild cluster restricted bootstrap with Rademacher weights,
MacKinnon & Webb, *J. Applied Econometrics* 32, 2017). The statistic is the
CR2 *t* of :func:`cra_helpers.stats_cluster.cr2_mean`, which for an
intercept depends only on the cluster totals ``Y_g = Σ w_i d_i`` and
``W_g = Σ w_i``: flipping account ``g`` replaces ``Y_g`` by ``−Y_g``. With
``a_g = 1 / (1 − q_g)``, ``m = Σ s_g Y_g / W`` and signs ``s_g = ±1``::

    t(s) = m W / √(Σ a_g Y_g² − 2 m Σ a_g s_g Y_g W_g + m² Σ a_g W_g²)

so every sign vector costs two matrix products over the rows.

The two-sided *p* is the share of sign vectors with ``|t(s)| ≥ |t_obs|``:
all ``2^G`` vectors exactly when the row has ``G ≤ 12`` accounts, else the
observed one plus 9,999 fixed-seed random ones. The identity and the full
flip always count, so **p ≥ 2 / 2^G**: 1/32 at 6 accounts, 1/1024 at 11,
1/2048 at 12. After Holm over ``k`` cells a flag needs ``p < α / k``, so with
6 accounts nothing can be flagged, and with 11 accounts a family of more
than 25 cells at α = 5 % cannot flag anything either. That limit is why
:func:`cra_helpers.gap.competitor_gaps` keeps the CR2 *t* test
(``benchmarks/coverage.py`` measures both side by side).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from .stats_cluster import _cluster_weights, dense_cluster_sums

__all__ = ["EXACT_MAX", "FLIP_DRAWS", "sign_flip_p", "grouped_sign_flip_p", "sign_vectors"]

EXACT_MAX = 12
"""Up to this many accounts every sign vector is enumerated (2^12 = 4,096)."""
FLIP_DRAWS = 9_999
"""Random sign vectors (besides the observed one) beyond :data:`EXACT_MAX` accounts."""
_TIE = 1e-9  # relative tolerance for |t*| = |t_obs| (rounding in the expanded variance)


def sign_vectors(g: int, draws: int = FLIP_DRAWS, seed: int = 20240) -> np.ndarray:
    """The ±1 sign vectors of ``g`` clusters: all ``2^g`` for ``g ≤ EXACT_MAX``, else the identity plus ``draws`` random.

    Examples
    --------
    >>> sign_vectors(2).tolist()
    [[1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]]
    >>> sign_vectors(20, draws=5).shape
    (6, 20)
    """
    if g <= EXACT_MAX:
        return 1.0 - 2.0 * ((np.arange(2**g)[:, None] >> np.arange(g)) & 1)
    rand = np.random.default_rng(seed).choice([-1.0, 1.0], size=(draws, g))
    return np.vstack([np.ones((1, g)), rand])


def _flip_t(y: np.ndarray, w: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """CR2 *t* of the weighted mean for every row (``y, w``: rows × clusters) and sign vector (B × clusters)."""
    total = w.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = 1.0 / (1.0 - w / total)
        m = (y @ signs.T) / total
        var = np.sum(a * y**2, axis=1, keepdims=True) - 2 * m * ((a * y * w) @ signs.T) + m**2 * np.sum(a * w**2, axis=1, keepdims=True)
        t = m * total / np.sqrt(np.maximum(var, 0.0))
    return np.where(np.isnan(t), 0.0, t)


def sign_flip_p(y_sum: np.ndarray, w_sum: np.ndarray, draws: int = FLIP_DRAWS, seed: int = 20240,
                chunk: int = 2_000_000) -> np.ndarray:
    """Two-sided cluster sign-flip *p* of the CR2 *t* of a weighted mean against 0, for many rows at once.

    Parameters
    ----------
    y_sum
        ``Y_g = Σ_{i∈g} w_i d_i`` per row and cluster, shape ``(rows, clusters)``
        (``d`` in any unit, e.g. performance points); 0 where the cluster gave no answer.
    w_sum
        ``W_g = Σ_{i∈g} w_i`` in the same shape (answers for every respondent
        once; 1 per account for account weighting; revenue for revenue weighting).
    draws, seed
        Random sign vectors for rows with more than :data:`EXACT_MAX`
        accounts (the observed vector is added), and their seed.
    chunk
        Rows × sign vectors evaluated at once (memory bound).

    Returns
    -------
    ndarray
        *p* on 0–1 per row: the share of sign vectors (of the row's accounts
        with an answer) whose ``|t|`` reaches the observed one; at least
        ``2 / 2^G`` when enumerated; NaN with fewer than two accounts.

    Examples
    --------
    >>> float(sign_flip_p(np.array([[3.0, 2.5, 4.0, 3.5]]), np.array([[2.0, 2.0, 2.0, 2.0]]))[0])
    0.125
    """
    y, w = np.atleast_2d(np.asarray(y_sum, float)), np.atleast_2d(np.asarray(w_sum, float))
    active = w > 0
    g = active.sum(axis=1)
    out = np.full(len(y), np.nan)
    order = np.argsort(~active, axis=1, kind="stable")  # each row's accounts with answers first
    y, w = np.take_along_axis(y, order, 1), np.take_along_axis(w, order, 1)
    for k in np.unique(g[g >= 2]):
        idx = np.flatnonzero(g == k)
        signs = sign_vectors(int(k), draws, seed)
        step = max(1, chunk // len(signs))
        for start in range(0, len(idx), step):
            part = idx[start:start + step]
            t = _flip_t(y[part, :k], w[part, :k], signs)
            obs = np.abs(t[:, :1])  # the identity comes first
            out[part] = np.mean(np.abs(t) >= obs * (1 - _TIE), axis=1)
    return out


def grouped_sign_flip_p(frame: pd.DataFrame, by: list[str], value: str, cluster: str, weighting: str = "respondents",
                        revenue: Mapping | None = None, draws: int = FLIP_DRAWS, seed: int = 20240) -> np.ndarray:
    """Per group of ``by``: the sign-flip *p* of :func:`sign_flip_p` for the mean of ``value`` against 0.

    Parameters
    ----------
    frame
        One row per respondent (× item), e.g. the paired difference us − them
        in performance points; NaN in ``value`` or ``cluster`` ignored.
    by, value, cluster
        Grouping columns, the difference column, the account column.
    weighting, revenue
        Portfolio weighting as in :func:`cra_helpers.stats_cluster.grouped_cluster_mean_ci`
        (respondent weight 1, ``1/n_g`` per account, or ``revenue_g / n_g``).
    draws, seed
        As in :func:`sign_flip_p`.

    Returns
    -------
    ndarray
        *p* (0–1) in the row order of :func:`cra_helpers.stats_cluster.grouped_cluster_mean_ci`.

    Examples
    --------
    >>> df = pd.DataFrame({"acc": list("aabbccdd"), "d": [1, 2, 2, 3, 0, 2, 2, 2]})
    >>> grouped_sign_flip_p(df, [], "d", "acc").tolist()
    [0.125]
    """
    _, n, s, _, keys = dense_cluster_sums(frame, by, value, cluster)
    cw = _cluster_weights(weighting, np.asarray(keys), revenue)
    if weighting == "respondents":
        return sign_flip_p(s, n, draws, seed)
    ok = (np.isfinite(cw) & (cw > 0))[None, :] & (n > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        w_i = np.where(ok, np.nan_to_num(cw)[None, :] / np.where(n > 0, n, 1), 0.0)
    return sign_flip_p(w_i * s, w_i * n, draws, seed)
