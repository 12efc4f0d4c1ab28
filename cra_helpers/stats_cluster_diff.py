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

__all__ = ["cluster_diff_ci", "cr2_two_group", "account_vs_rest", "cluster_wald_groups"]

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


def cluster_wald_groups(values: Iterable[float], groups: Iterable, clusters: Iterable) -> dict[str, float | int]:
    """Cluster-robust Wald test that ``k`` group means are equal: CR2, accounts as clusters, HTZ small-sample *F*.

    The cell-means model ``y = Σ_k β_k D_k`` is fitted by least squares; its
    CR2 variance ``V`` (Bell & McCaffrey 2002; full matrices per cluster,
    ``A_g = (I − H_gg)^(−1/2)`` by eigendecomposition, generalised inverse)
    gives the Wald statistic of the ``q = k − 1`` contrasts ``β_k − β_1``,
    ``Q = (Cβ)'(CVC')⁻¹(Cβ)``. Its reference is the approximate Hotelling
    *T²* ("HTZ") of Pustejovsky & Tipton (*J. Business & Economic
    Statistics* 36(4), 2018, section 3.2): ``CVC'`` is matched to a Wishart
    with ``η`` degrees of freedom, ``η = q(q + 1) / Σ_{g,h} [tr(Q_gh)² +
    tr(Q_gh²)]`` with ``Q_gh = P_g'P_h`` and ``P_g = (I − H)_g' A_g X_g M C'
    Ω^(−1/2)``, ``Ω = C M C'`` (working model: independent errors), and
    ``F = (η − q + 1) / (η q) · Q ~ F(q, η − q + 1)``. With two groups this
    is exactly the CR2 *t*-test of :func:`cluster_diff_ci` on Bell–McCaffrey
    degrees of freedom (``F = t²``, ``η = ν``). Plain ``F(q, G − 1)``
    rejected far too often with several groups and 12 accounts (Pustejovsky
    & Tipton 2018, section 4), which is why it is not used.

    Parameters
    ----------
    values
        One answer per respondent (NaN ignored), on any scale.
    groups
        Group of each respondent (NaN ignored).
    clusters
        Account of each respondent.

    Returns
    -------
    dict
        ``f`` (the HTZ statistic), ``df_num`` (``q``), ``df_den`` (``η − q + 1``),
        ``wald`` (``Q``), ``p_value``, ``n_accounts`` (``G``), ``groups``
        (``k``). NaN statistic and ``p_value`` when a group lies within one
        account, with fewer than two groups or when ``η < q``.

    Examples
    --------
    >>> r = cluster_wald_groups([7, 8, 6, 5, 9, 8, 7, 6, 8, 9, 5, 6], [1, 1, 0, 0] * 3, list("aaaabbbbcccc"))
    >>> round(r["f"], 3), r["df_num"], round(r["df_den"], 3), round(r["p_value"], 4)
    (49.0, 1, 2.0, 0.0198)
    """
    f = pd.DataFrame({"y": pd.to_numeric(pd.Series(list(values)), errors="coerce"), "k": list(groups),
                      "c": list(clusters)}).dropna()
    k_codes, _ = pd.factorize(f["k"], sort=True)
    c_codes, c_keys = pd.factorize(f["c"], sort=True)
    k, g, y = int(k_codes.max() + 1) if len(f) else 0, len(c_keys), f["y"].to_numpy(float)
    out: dict[str, float | int] = {"f": _NAN, "df_num": max(k - 1, 0), "df_den": _NAN, "wald": _NAN, "p_value": _NAN,
                                   N_ACCOUNTS: g, "groups": k}
    spans = pd.Series(c_codes).groupby(k_codes).nunique() if k else pd.Series(dtype=int)
    if k < 2 or (spans < 2).any():
        return out
    wald, eta = _wald_htz(y, k_codes, c_codes, k, g)
    q = k - 1
    if eta < q:
        return {**out, "wald": wald}
    stat = (eta - q + 1) / (eta * q) * wald
    return {**out, "f": float(stat), "df_den": float(eta - q + 1), "wald": wald, "p_value": float(sps.f.sf(stat, q, eta - q + 1))}


def _wald_htz(y: np.ndarray, k_codes: np.ndarray, c_codes: np.ndarray, k: int, g: int) -> tuple[float, float]:
    """Wald statistic ``Q`` of the contrasts ``β_k − β_1`` (CR2) and the HTZ Wishart df ``η`` (:func:`cluster_wald_groups`)."""
    q, x = k - 1, np.eye(k)[k_codes]
    m = np.diag(1 / x.sum(axis=0))
    beta = m @ x.T @ y
    e = y - x @ beta
    i_h = np.eye(len(y)) - x @ m @ x.T
    c = np.hstack([-np.ones((q, 1)), np.eye(q)])
    right = m @ c.T @ _sym_power(c @ m @ c.T, -0.5)  # M C' Ω^(−1/2)
    meat, ps = np.zeros((k, k)), []
    for j in range(g):
        idx = np.flatnonzero(c_codes == j)
        a = _sym_power(i_h[np.ix_(idx, idx)], -0.5)
        u = x[idx].T @ (a @ e[idx])
        meat += np.outer(u, u)
        ps.append(i_h[:, idx] @ a @ x[idx] @ right)  # (N, q)
    v = m @ meat @ m
    d = c @ beta
    wald = float(d @ np.linalg.pinv(c @ v @ c.T) @ d)
    qgh = np.einsum("gnq,hnr->ghqr", np.array(ps), np.array(ps))
    denom = np.sum(np.trace(qgh, axis1=2, axis2=3) ** 2) + np.sum(np.einsum("ghqr,ghrq->gh", qgh, qgh))
    return wald, float(q * (q + 1) / denom)
