"""Cluster-robust differences of two independent means (re-exported by :mod:`cra_helpers.stats`).

The method (CR2 with Bell–McCaffrey degrees of freedom, accounts as
clusters) and its sources are in :mod:`cra_helpers.stats_cluster`. Here:

:func:`cluster_diff_ci`
    Two groups of respondents that both span accounts (a level, a
    department, a decision role against the rest): ``y = β₀ + β₁ D`` with
    ``D = 1`` in the group, CR2 variance of ``β₁`` and its Satterthwaite df.
    With ``M = (X'X)⁻¹``, ``T_g = M^(1/2) X_g'X_g M^(1/2)`` and
    ``a = M^(1/2) c`` the push-through identity gives
    ``c'V c = Σ_g (a' (I − T_g)^(−1/2) M^(1/2) X_g'e_g)²`` and
    ``p_g'p_h = δ_gh a'(I − T_g)⁻¹T_g a − y_g'y_h`` with
    ``y_g = (I − T_g)^(−1/2) T_g a``: 2 × 2 matrices per cluster only.
:func:`account_vs_rest`
    One account against the rest of the portfolio: the account's mean is
    respondent based (Student, ``n − 1`` df), the rest's is CR2 over the
    other accounts (:func:`cra_helpers.stats_cluster.cr2_mean`), and the
    two variances add with Welch–Satterthwaite degrees of freedom
    (Satterthwaite, *Biometrics Bulletin* 2(6), 1946).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd
from scipy import stats as sps

from .stats_cluster import BASIS_CLUSTERS, DESIGN_EFFECT, N_ACCOUNTS, cr2_mean

__all__ = ["cluster_diff_ci", "cr2_two_group", "account_vs_rest"]

_NAN = float("nan")


def _sym_power(m: np.ndarray, power: float) -> np.ndarray:
    """``m^power`` of stacked symmetric positive semi-definite matrices (eigenvalues clipped at 0)."""
    lam, vec = np.linalg.eigh(m)
    lam = np.clip(lam, 0.0, None)
    with np.errstate(divide="ignore"):
        f = np.where(lam > 0, lam**power, 0.0) if power < 0 else lam**power
    return np.einsum("...ij,...j,...kj->...ik", vec, f, vec)


def cr2_two_group(n0: np.ndarray, n1: np.ndarray, e0: np.ndarray, e1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CR2 variance and Bell–McCaffrey df of ``β₁`` (group mean − rest mean) from per-cluster summaries.

    Parameters
    ----------
    n0, n1
        Answers of the rest (``D = 0``) and of the group (``D = 1``) per row
        and cluster, shape ``(rows, clusters)``, 0 for none.
    e0, e1
        Residual totals ``Σ (y − group mean)`` of the rest and of the group
        per row and cluster.

    Returns
    -------
    (variance, df)
        Arrays of length ``rows`` (squared units of ``y``); NaN where a
        group lies within one cluster (the variance is then not estimable).

    Examples
    --------
    >>> v, df = cr2_two_group(np.array([[2., 2., 3.]]), np.array([[2., 1., 1.]]),
    ...                       np.array([[0.5, -1., 0.5]]), np.array([[1., -0.5, -0.5]]))
    >>> round(float(v[0]), 4), round(float(df[0]), 3)
    (0.13, 1.941)
    """
    n0, n1, e0, e1 = (np.atleast_2d(np.asarray(x, float)) for x in (n0, n1, e0, e1))
    b = np.stack([np.stack([n0 + n1, n1], -1), np.stack([n1, n1], -1)], -2)  # (R, G, 2, 2)
    total = b.sum(axis=1)
    ok = (np.count_nonzero(n1, axis=1) >= 2) & (np.count_nonzero(n0, axis=1) >= 2)
    total = np.where(ok[:, None, None], total, np.eye(2))
    m_half = _sym_power(np.linalg.inv(total), 0.5)  # (R, 2, 2)
    t = np.einsum("rij,rgjk,rkl->rgil", m_half, b, m_half)
    lam, vec = np.linalg.eigh(t)
    lam = np.clip(lam, 0.0, 1 - 1e-12)
    f_half = np.einsum("...ij,...j,...kj->...ik", vec, (1 - lam) ** -0.5, vec)
    f_inv = np.einsum("...ij,...j,...kj->...ik", vec, 1 / (1 - lam), vec)
    a = m_half[:, :, 1]  # M^(1/2) c with c = (0, 1)
    x = np.stack([e0 + e1, e1], -1)  # X_g' e_g
    u = np.einsum("ri,rgij,rjk,rgk->rg", a, f_half, m_half, x)
    var = np.sum(u**2, axis=1)
    d = np.einsum("ri,rgij,rgjk,rk->rg", a, f_inv, t, a)
    y = np.einsum("rgij,rgjk,rk->rgi", f_half, t, a)
    p = np.einsum("rg,gh->rgh", d, np.eye(d.shape[1])) - np.einsum("rgi,rhi->rgh", y, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.trace(p, axis1=1, axis2=2) ** 2 / np.sum(p**2, axis=(1, 2))
    return np.where(ok, var, np.nan), np.where(ok, df, np.nan)


def _t_result(diff: np.ndarray, var: np.ndarray, df: np.ndarray, level: float) -> tuple[np.ndarray, ...]:
    """Interval bounds and two-sided *p* of ``diff`` with variance ``var`` on ``df`` degrees of freedom."""
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(var)
        good = np.isfinite(se) & np.isfinite(df) & (df > 0)
        dd = np.where(good, df, 1.0)
        half = np.where(good, sps.t.ppf(0.5 + level / 2, dd) * se, np.nan)
        p = np.where(good & (se > 0), 2 * sps.t.sf(np.abs(diff / np.where(se > 0, se, 1)), dd), np.nan)
    return diff - half, diff + half, p


def cluster_diff_ci(values: Iterable[float], in_group: Iterable[bool], clusters: Iterable,
                    level: float = 0.95) -> dict[str, float | str]:
    """Group mean − rest mean with a CR2 interval and *t*-test, accounts as clusters (both sides spanning accounts).

    Parameters
    ----------
    values
        One answer per respondent (NaN ignored), on any scale.
    in_group
        True for the group's respondents, False for the rest.
    clusters
        Account of each respondent.
    level
        Confidence level.

    Returns
    -------
    dict
        ``diff, ci_low, ci_high, p_value, df, se, n_accounts, design_effect``
        (CR2 variance over the Welch variance), ``interval_basis``. NaN
        interval and *p* when either side lies within fewer than two accounts.

    Examples
    --------
    >>> r = cluster_diff_ci([7, 8, 6, 5, 9, 8, 7, 6, 8, 9, 5, 6], [1, 1, 0, 0] * 3, list("aaaabbbbcccc"))
    >>> round(r["diff"], 3), round(r["ci_low"], 3), round(r["df"], 2), r["n_accounts"]
    (2.333, 0.899, 2.0, 3)
    """
    f = pd.DataFrame({"y": pd.to_numeric(pd.Series(list(values)), errors="coerce"), "d": [bool(v) for v in in_group],
                      "c": list(clusters)}).dropna(subset=["y", "c"])
    y1, y0 = f.loc[f["d"], "y"], f.loc[~f["d"], "y"]
    diff = float(y1.mean() - y0.mean()) if len(y1) and len(y0) else _NAN
    f["e"] = f["y"] - np.where(f["d"], y1.mean(), y0.mean())
    g = f.groupby(["c", "d"]).agg(n=("y", "size"), e=("e", "sum")).unstack("d", fill_value=0)
    for side in (False, True):
        if ("n", side) not in g:
            g[("n", side)], g[("e", side)] = 0, 0.0
    var, df = cr2_two_group(*(g[(k, s)].to_numpy(float)[None, :] for k, s in (("n", False), ("n", True), ("e", False), ("e", True))))
    lo, hi, p = _t_result(np.array([diff]), var, df, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        naive = y1.var(ddof=1) / len(y1) + y0.var(ddof=1) / len(y0) if len(y1) > 1 and len(y0) > 1 else _NAN
    return {"diff": diff, "ci_low": float(lo[0]), "ci_high": float(hi[0]), "p_value": float(p[0]), "df": float(df[0]),
            "se": float(np.sqrt(var[0])), N_ACCOUNTS: int(f["c"].nunique()), DESIGN_EFFECT: float(var[0] / naive) if naive else _NAN,
            "interval_basis": BASIS_CLUSTERS}


def account_vs_rest(n: np.ndarray, s: np.ndarray, ss: np.ndarray, level: float = 0.95) -> dict[str, np.ndarray]:
    """Every account's mean against the rest of the portfolio's (CR2 over the other accounts), for many rows at once.

    Parameters
    ----------
    n, s, ss
        ``(rows, accounts)`` arrays of answers, sums and sums of squares per
        row (e.g. need) and account, 0 where the account gave no answer.
    level
        Confidence level.

    Returns
    -------
    dict of ``(rows, accounts)`` arrays
        ``rest_mean, difference`` (account − rest), ``ci_low, ci_high,
        p_value, df`` (Welch–Satterthwaite of the account's respondent-based
        variance and the rest's CR2 variance), ``rest_accounts`` (accounts in
        the rest), ``design_effect`` (variance over the all-respondent Welch variance).

    Examples
    --------
    >>> n = np.array([[5., 5., 5., 5.]]); s = np.array([[40., 30., 35., 30.]]); ss = np.array([[330., 190., 255., 186.]])
    >>> r = account_vs_rest(n, s, ss)
    >>> np.round(r["difference"], 3).tolist(), np.round(r["df"], 2).tolist()[0][0]
    ([[1.667, -1.0, 0.333, -1.0]], 5.44)
    """
    n, s, ss = (np.atleast_2d(np.asarray(x, float)) for x in (n, s, ss))
    out = {k: np.full(n.shape, np.nan) for k in ("rest_mean", "difference", "ci_low", "ci_high", "p_value", "df",
                                                  "rest_accounts", DESIGN_EFFECT)}
    with np.errstate(divide="ignore", invalid="ignore"):
        own = s / n
        own_var = (ss - s**2 / n) / (n - 1) / n
        for j in range(n.shape[1]):
            keep = np.ones(n.shape[1], bool)
            keep[j] = False
            rn, rs, rss = n[:, keep], s[:, keep], ss[:, keep]
            mean, var, df_r = cr2_mean(rs, rn)
            big = rn.sum(axis=1)
            naive_r = (rss.sum(axis=1) - big * mean**2) / (big - 1) / big
            va, dfa = own_var[:, j], n[:, j] - 1
            v = va + var
            df = v**2 / (va**2 / dfa + var**2 / df_r)
            diff = own[:, j] - mean
            lo, hi, p = _t_result(diff, v, df, level)
            out["rest_mean"][:, j], out["difference"][:, j], out["df"][:, j] = mean, diff, df
            out["ci_low"][:, j], out["ci_high"][:, j], out["p_value"][:, j] = lo, hi, p
            out["rest_accounts"][:, j] = (rn > 0).sum(axis=1)
            out[DESIGN_EFFECT][:, j] = v / (va + naive_r)
    return out
