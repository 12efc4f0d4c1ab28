"""Cluster-robust intervals and tests: respondents sit inside accounts (re-exported by :mod:`cra_helpers.stats`).

People at one account rate alike, so a portfolio of 12–16 accounts holds far
less information than its ~185 interviews suggest. Every portfolio figure is
therefore computed with **accounts as clusters** (sites are nested in
accounts; the account is the clustering level); a figure about one account
(one cluster) stays respondent based. The ``interval_basis`` column says
which: :data:`BASIS_CLUSTERS` or :data:`BASIS_RESPONDENTS`.

Method: CR2 with Bell–McCaffrey degrees of freedom
--------------------------------------------------
The estimate is a (weighted) least-squares fit of ``y = Xβ + e`` with
clusters ``g = 1 … G`` and the cluster-robust variance of Bell & McCaffrey
(*Survey Methodology* 28(2), 2002), "CR2":
``V = M Σ_g X_g' W_g A_g e_g e_g' A_g W_g X_g M``, ``M = (X'WX)⁻¹``,
``A_g = (I − H_gg)^(−1/2)`` in the weight-transformed space
(Pustejovsky & Tipton, *J. Business & Economic Statistics* 36(4), 2018,
eq. 5, working model ``Φ = W⁻¹``), with a *t* reference distribution whose
Satterthwaite degrees of freedom are those of Bell & McCaffrey (2002) under
the working model (Imbens & Kolesár, *Review of Economics and Statistics*
98(4), 2016, eq. 11; Pustejovsky & Tipton 2018, section 3):
``ν = (Σ_g p_g'p_g)² / Σ_g Σ_h (p_g'p_h)²`` with
``p_g = (I − H)_g' A_g W_g^(1/2) X_g M c`` for the contrast ``c``.

*Closed form for a (weighted) mean* — intercept-only model, weights ``w_i``,
``W = Σ w_i``, cluster weight ``W_g`` and share ``q_g = W_g / W``, residual
total ``E_g = Σ_{i∈g} w_i (y_i − ȳ_w)``. ``H_gg`` is ``s s'/W`` with
``s = √w_g``, whose only non-zero eigenvalue is ``q_g`` (eigenvector ``s``),
so ``A_g s = s / √(1 − q_g)`` and ::

    V_CR2 = Σ_g E_g² / (1 − q_g) / W²
    ν     = 1 / (Σ_g q_g² + (Σ_g r_g)² − Σ_g r_g²),   r_g = q_g² / (1 − q_g)

(``p_g'p_h = (δ_gh q_g − q_g q_h) / (W √((1 − q_g)(1 − q_h)))``·… reduces to
these sums). With equal clusters (``q_g = 1/G``) ``ν = G − 1`` and
``V_CR2 = G/(G − 1) · V_CR0``, which is Stata's / statsmodels' CR1 for an
intercept; with one weight per account (``w_i = 1/n_g``) it is exactly the
Student *t* interval of the account means. ``tests/test_stats_cluster.py``
checks the closed form against the full matrix computation and against
statsmodels' ``cov_type="cluster"`` to 1e-6.

*Difference of two means* — paired (gap = importance − performance within a
respondent; our performance − a competitor's): the mean of the differences,
as above. Independent groups spanning accounts (levels, departments, roles,
waves): ``y = β₀ + β₁·D`` fitted per row, CR2 and ``ν`` computed with the
push-through identity ``X_g' f(X_g M X_g') = f(X_g'X_g M) X_g'`` so that
only 2 × 2 matrices per cluster are needed (:func:`cluster_diff_ci`). One
account against the rest of the portfolio: the account's mean is respondent
based (its own interviews), the rest's is CR2 over the other accounts, and
the two variances combine with the Welch–Satterthwaite degrees of freedom
(:func:`account_vs_rest`).

*Shares* (top-2-box, segment shares): Wilson interval at the effective
sample size ``n / deff`` with the *t* quantile of ``ν`` (Korn & Graubard,
*Survey Methodology* 24(2), 1998, who use the same effective-n and
degrees-of-freedom adjustment for Clopper–Pearson).
*NPS*: the mean of +100 / 0 / −100 per respondent; the adjusted Wald
interval of Rocks (2016) at the effective sample size, *t* quantile of ``ν``.
Both intervals use the **untruncated** design effect (:func:`interval_n_eff`):
its estimate scatters around 1 when accounts hardly differ, and rounding
it up to 1 made them over-cover (NPS up to 98 % at 12–24 accounts and 99 %
at 6 accounts in ``benchmarks/coverage.py`` at ICC 0) because the interval
then no longer rests on an unbiased variance (``n_eff`` at ``n / deff``
reproduces the CR2 variance: ``p(1 − p) / n_eff = V_CR2``). The displayed
``n_eff`` column stays truncated at ``n`` (below).

*Why CR2 and not a wild cluster bootstrap.* Measured by
``benchmarks/coverage.py`` (table in the README): CR2 with these degrees of
freedom holds 93–97 % coverage from 12 accounts up, at 6 accounts stays
within a point or two of 95 %, and costs one vectorised pass (the explorer
recomputes every portfolio table on each filter change; a bootstrap of
999 draws would not). The wild cluster bootstrap with Rademacher weights has
only ``2^G`` distinct draws (64 at 6 accounts), and its test inversion for
intervals is costly (MacKinnon & Webb, *J. Applied Econometrics* 32, 2017).
Imbens & Kolesár (2016, tables 1–3) report CR2 + BM df near nominal with
as few as 6–10 clusters.

Design effect, effective sample size, ICC
    ``design_effect = V_CR2 / V_naive`` where ``V_naive`` is the variance of
    the same estimator treating respondents as a simple random sample;
    ``n_eff = n / design_effect`` (Kish 1965; a design effect below 1,
    sampling noise, counts as 1 in the displayed column so that ``n_eff ≤ n``;
    the share and NPS intervals use ``n / deff`` untruncated). ``icc`` is the one-way ANOVA
    estimator ``(MSB − MSW) / (MSB + (m₀ − 1) MSW)``,
    ``m₀ = (N − Σ n_g² / N) / (G − 1)`` (Donner, *Int. Statistical Review*
    54(1), 1986), truncated at 0.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

__all__ = [
    "BASIS_CLUSTERS", "BASIS_RESPONDENTS", "BASIS_ACCOUNT_VS_REST", "INTERVAL_BASIS", "N_ACCOUNTS", "N_EFF", "DESIGN_EFFECT", "ICC",
    "WEIGHTINGS", "cr2_mean", "cluster_mean_ci", "grouped_cluster_mean_ci", "cluster_share_ci", "cluster_nps",
    "grouped_cluster_nps", "weighted_cluster_mean", "weighted_cluster_nps",
    "icc_anova", "interval_n_eff", "dense_cluster_sums",
]

INTERVAL_BASIS = "interval_basis"
N_ACCOUNTS = "n_accounts"
N_EFF = "n_eff"
DESIGN_EFFECT = "design_effect"
ICC = "icc"
BASIS_CLUSTERS = "accounts as clusters"
BASIS_RESPONDENTS = "respondents (one account)"
BASIS_ACCOUNT_VS_REST = "account: respondents; rest: accounts as clusters"
WEIGHTINGS: tuple[str, ...] = ("respondents", "accounts", "revenue")
"""Portfolio weighting: every respondent once, every account once, or accounts by revenue."""

_NAN = float("nan")


def _bm_df(q: np.ndarray) -> np.ndarray:
    """Bell–McCaffrey degrees of freedom of a weighted mean from the cluster weight shares ``q`` (rows × clusters, 0 pads)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(q < 1, q**2 / (1 - q), np.inf)
        return 1.0 / (np.sum(q**2, axis=-1) + np.sum(r, axis=-1) ** 2 - np.sum(r**2, axis=-1))


def cr2_mean(y_sum: np.ndarray, w_sum: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CR2 variance and Bell–McCaffrey df of a weighted mean from per-cluster totals (closed form, module docstring).

    Parameters
    ----------
    y_sum
        ``Σ_{i∈g} w_i y_i`` per row and cluster, shape ``(rows, clusters)``;
        a cluster without answers has 0 in both arrays.
    w_sum
        ``W_g = Σ_{i∈g} w_i`` in the same shape.

    Returns
    -------
    (mean, variance, df)
        Arrays of length ``rows``: ``ȳ_w``, ``V_CR2`` (squared units of
        ``y``) and ``ν``; NaN variance and df for fewer than two clusters.

    Examples
    --------
    >>> m, v, df = cr2_mean(np.array([[10.0, 20.0, 36.0]]), np.array([[2.0, 4.0, 6.0]]))
    >>> round(float(m[0]), 4), round(float(v[0]), 4), round(float(df[0]), 3)
    (5.5, 0.175, 1.667)
    """
    y_sum, w_sum = np.atleast_2d(np.asarray(y_sum, float)), np.atleast_2d(np.asarray(w_sum, float))
    total = w_sum.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = y_sum.sum(axis=1) / total
        q = w_sum / total[:, None]
        e = y_sum - mean[:, None] * w_sum
        var = np.sum(np.where(q < 1, e**2 / (1 - q), 0.0), axis=1) / total**2
    g = (w_sum > 0).sum(axis=1)
    var, df = np.where(g >= 2, var, np.nan), np.where(g >= 2, _bm_df(np.nan_to_num(q)), np.nan)
    return mean, var, df


def icc_anova(n: np.ndarray, s: np.ndarray, ss: np.ndarray) -> np.ndarray:
    """One-way ANOVA intraclass correlation per row from per-cluster counts, sums and sums of squares (Donner 1986).

    Parameters
    ----------
    n, s, ss
        ``(rows, clusters)`` arrays of answers, ``Σy`` and ``Σy²`` per cluster (0 pads).

    Returns
    -------
    ndarray
        ICC on 0–1 (negative estimates truncated at 0); NaN with fewer than two clusters.

    Examples
    --------
    >>> float(icc_anova(np.array([[3, 3]]), np.array([[3.0, 12.0]]), np.array([[5.0, 50.0]]))[0]).__round__(3)
    0.806
    """
    n, s, ss = (np.atleast_2d(np.asarray(x, float)) for x in (n, s, ss))
    big_n, g = n.sum(axis=1), (n > 0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        grand = s.sum(axis=1) / big_n
        ssb = np.sum(np.where(n > 0, s**2 / np.where(n > 0, n, 1), 0.0), axis=1) - big_n * grand**2
        ssw = ss.sum(axis=1) - np.sum(np.where(n > 0, s**2 / np.where(n > 0, n, 1), 0.0), axis=1)
        msb, msw = ssb / (g - 1), ssw / (big_n - g)
        m0 = (big_n - np.sum(n**2, axis=1) / big_n) / (g - 1)
        icc = (msb - msw) / (msb + (m0 - 1) * msw)
    return np.where((g >= 2) & (big_n > g), np.clip(icc, 0.0, 1.0), np.nan)


def _cluster_weights(weighting: str, clusters: np.ndarray, revenue: Mapping | None) -> np.ndarray:
    """Weight per cluster of the weighting (1 for respondents and accounts; revenue for revenue)."""
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {', '.join(WEIGHTINGS)}, got {weighting!r}")
    if weighting != "revenue":
        return np.ones(len(clusters))
    if revenue is None:
        raise ValueError("weighting 'revenue' needs the accounts' revenue")
    rev = pd.Series(revenue, dtype=float)
    return np.asarray([rev.get(c, np.nan) for c in clusters], dtype=float)


def grouped_cluster_mean_ci(
    frame: pd.DataFrame, by: list[str], value: str, cluster: str, level: float = 0.95,
    weighting: str = "respondents", revenue: Mapping | None = None,
) -> pd.DataFrame:
    """Per group of ``by``: the mean of ``value`` with a CR2 interval, accounts as clusters, in one vectorised pass.

    Parameters
    ----------
    frame
        One row per respondent (× item); NaN in ``value`` or ``cluster`` are ignored.
    by
        Grouping columns (observed combinations, sorted), e.g. ``["need_id"]``; may be empty.
    value
        Numeric column (any unit; results in the same unit).
    cluster
        Cluster column (the account id).
    level
        Confidence level (0.95 for a 95 % interval).
    weighting
        ``"respondents"`` (every answer once), ``"accounts"`` (every account
        once: weight ``1/n_g``) or ``"revenue"`` (account weight ``revenue_g / n_g``).
    revenue
        ``account → revenue`` (any currency) for ``weighting="revenue"``;
        accounts without revenue are left out.

    Returns
    -------
    DataFrame
        ``by`` plus ``n, n_accounts, estimate, ci_low, ci_high, se, df, t_p,
        design_effect, n_eff, icc, interval_basis``. With two or more
        accounts: CR2 standard error, *t* interval and two-sided *t*-test
        against 0 on ``ν`` degrees of freedom (module docstring). With one
        account: the Student interval of its respondents (``df = n − 1``,
        ``design_effect`` 1), basis :data:`BASIS_RESPONDENTS`.

    Examples
    --------
    >>> df = pd.DataFrame({"acc": list("aaabbbccc"), "x": [7, 8, 9, 5, 6, 5, 8, 8, 9]})
    >>> out = grouped_cluster_mean_ci(df, [], "x", "acc")
    >>> out[["n", "n_accounts", "estimate", "df"]].round(3).values.tolist()
    [[9.0, 3.0, 7.222, 2.0]]
    >>> out.loc[0, ["ci_low", "ci_high"]].astype(float).round(2).tolist()
    [3.14, 11.31]
    """
    rows, n, s, ss, col_keys = dense_cluster_sums(frame, by, value, cluster)
    cw = _cluster_weights(weighting, np.asarray(col_keys), revenue)
    return _mean_table(rows, n, s, ss, cw if weighting != "respondents" else None, level)


def dense_cluster_sums(frame: pd.DataFrame, by: list[str], value: str,
                       cluster: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, pd.Index]:
    """Per group of ``by`` (rows, sorted) and cluster (columns, sorted): answers, ``Σy`` and ``Σy²`` of ``value``.

    Parameters
    ----------
    frame
        One row per answer; NaN in ``value`` or ``cluster`` are ignored.
    by, value, cluster
        Grouping columns (may be empty), the numeric column (any unit) and the cluster (account) column.

    Returns
    -------
    (rows, n, s, ss, clusters)
        The groups' ``by`` values, three dense ``(rows, clusters)`` arrays (0 where a
        cluster gave no answer) and the cluster keys of the columns.

    Examples
    --------
    >>> rows, n, s, ss, keys = dense_cluster_sums(pd.DataFrame({"c": list("aab"), "y": [1.0, 2.0, 4.0]}), [], "y", "c")
    >>> n.tolist(), s.tolist(), ss.tolist(), list(keys)
    ([[2.0, 1.0]], [[3.0, 4.0]], [[5.0, 16.0]], ['a', 'b'])
    """
    keys = list(dict.fromkeys([*by, cluster]))
    f = frame[[*keys, value]].dropna(subset=[value, cluster])
    f = f.assign(_y2=np.square(f[value].to_numpy(float)))
    agg = f.groupby(keys, sort=True, observed=True).agg(_n=(value, "size"), _s=(value, "sum"), _ss=("_y2", "sum")).reset_index()
    if by:
        row = agg.groupby(by, sort=True, observed=True).ngroup().to_numpy()
        rows = agg.drop_duplicates(by)[by].reset_index(drop=True)
    else:
        row, rows = np.zeros(len(agg), int), pd.DataFrame(index=range(1 if len(agg) else 0))
    col_codes, col_keys = pd.factorize(agg[cluster], sort=True)
    shape = (len(rows), len(col_keys))
    n, s, ss = (np.zeros(shape) for _ in range(3))
    n[row, col_codes], s[row, col_codes], ss[row, col_codes] = agg["_n"], agg["_s"], agg["_ss"]
    return rows, n, s, ss, pd.Index(col_keys)


def interval_n_eff(n: np.ndarray, design_effect: np.ndarray) -> np.ndarray:
    """Effective sample size ``n / deff`` for the share and NPS intervals, the design effect **not** truncated at 1.

    Parameters
    ----------
    n
        Answers (or Kish's effective size of weighted answers) per row.
    design_effect
        CR2 variance over the simple-random-sample variance per row; NaN
        (one account, or a share of 0 or 1) or ≤ 0 (no spread between the
        accounts' totals) counts as 1.

    Returns
    -------
    ndarray
        ``n / deff``; may exceed ``n`` when the estimated design effect is
        below 1 (so that the interval's variance is the unbiased CR2 one).

    Examples
    --------
    >>> interval_n_eff(np.array([100.0, 100.0, 100.0]), np.array([0.8, 2.0, np.nan])).tolist()
    [125.0, 50.0, 100.0]
    """
    d = np.asarray(design_effect, float)
    return np.asarray(n, float) / np.where(np.isfinite(d) & (d > 0), d, 1.0)


def _mean_table(rows: pd.DataFrame, n: np.ndarray, s: np.ndarray, ss: np.ndarray, cw: np.ndarray | None,
                level: float) -> pd.DataFrame:
    """The columns of :func:`grouped_cluster_mean_ci` from dense per-row × cluster counts, sums, sums of squares."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if cw is None:  # every respondent weight 1
            w_i = np.where(n > 0, 1.0, 0.0)
        else:  # weight per respondent: cluster weight / cluster answers (accounts without a weight drop out)
            ok = np.isfinite(cw) & (cw > 0)
            n, s, ss = n * ok, s * ok, ss * ok
            w_i = np.where(n > 0, np.where(ok, cw, 0.0) / np.where(n > 0, n, 1), 0.0)
        w_sum, y_sum = w_i * n, w_i * s
        mean, var, df = cr2_mean(y_sum, w_sum)
        big_n, g = n.sum(axis=1), (n > 0).sum(axis=1)
        # naive (respondents as a simple random sample) linearisation variance of the same weighted mean
        dev2 = w_i**2 * (ss - 2 * mean[:, None] * s + mean[:, None] ** 2 * n)
        naive = big_n / (big_n - 1) * dev2.sum(axis=1) / w_sum.sum(axis=1) ** 2
        kish = w_sum.sum(axis=1) ** 2 / np.sum(w_i**2 * n, axis=1)
        # one account: its respondents' Student interval
        one = g < 2
        var = np.where(one, naive, var)
        df = np.where(one, big_n - 1, df)
        deff = np.where(one, 1.0, var / naive)
        se = np.sqrt(var)
        t = sps.t.ppf(0.5 + level / 2, np.where(df >= 1, df, 1.0))
        ok = (big_n >= 2) & np.isfinite(se)
        t_p = np.where(ok & (se > 0), 2 * sps.t.sf(np.abs(mean / se), np.where(df > 0, df, 1.0)), np.nan)
    out = rows.copy()
    out["n"], out[N_ACCOUNTS] = big_n.astype(int), g.astype(int)
    out["estimate"] = np.where(big_n > 0, mean, np.nan)
    out["ci_low"], out["ci_high"] = np.where(ok, mean - t * se, np.nan), np.where(ok, mean + t * se, np.nan)
    out["se"], out["df"], out["t_p"] = np.where(ok, se, np.nan), np.where(ok, df, np.nan), t_p
    out[DESIGN_EFFECT] = np.where(ok, deff, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[N_EFF] = np.where(ok & (deff > 0), kish / np.maximum(deff, 1.0), np.where(big_n > 0, kish, 0.0))
    out[ICC] = icc_anova(n, s, ss)
    out[INTERVAL_BASIS] = np.where(one, BASIS_RESPONDENTS, BASIS_CLUSTERS)
    return out


def cluster_mean_ci(values: Iterable[float], clusters: Iterable, level: float = 0.95,
                    weighting: str = "respondents", revenue: Mapping | None = None) -> dict[str, float | str]:
    """Mean of ``values`` with a CR2 interval, ``clusters`` (accounts) as clusters: one row of :func:`grouped_cluster_mean_ci`.

    Returns
    -------
    dict
        ``n, n_accounts, estimate, ci_low, ci_high, se, df, t_p, design_effect, n_eff, icc, interval_basis``.

    Examples
    --------
    >>> r = cluster_mean_ci([7, 8, 9, 5, 6, 5, 8, 8, 9], list("aaabbbccc"))
    >>> round(r["estimate"], 3), round(r["ci_low"], 2), r["interval_basis"]
    (7.222, 3.14, 'accounts as clusters')
    """
    frame = pd.DataFrame({"_c": list(clusters), "_y": pd.to_numeric(pd.Series(list(values)), errors="coerce")})
    out = grouped_cluster_mean_ci(frame, [], "_y", "_c", level, weighting, revenue)
    if out.empty:
        return {"n": 0, N_ACCOUNTS: 0, "estimate": _NAN, "ci_low": _NAN, "ci_high": _NAN, "se": _NAN, "df": _NAN,
                "t_p": _NAN, DESIGN_EFFECT: _NAN, N_EFF: 0.0, ICC: _NAN, INTERVAL_BASIS: BASIS_RESPONDENTS}
    return out.iloc[0].to_dict()


def _wilson_t(p: np.ndarray, n_eff: np.ndarray, df: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a share at an effective sample size, with the *t* quantile of ``df`` in place of z."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = sps.t.ppf(0.5 + level / 2, np.where(df >= 1, df, 1.0))
        z2 = z**2
        centre = (p + z2 / (2 * n_eff)) / (1 + z2 / n_eff)
        half = z / (1 + z2 / n_eff) * np.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff**2))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def cluster_share_ci(means: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Shares with a Wilson interval at ``n / deff`` and the *t* quantile of the CR2 df (Korn & Graubard 1998).

    Parameters
    ----------
    means
        :func:`grouped_cluster_mean_ci` of a 1/0 column.
    level
        Confidence level.

    Returns
    -------
    DataFrame
        ``means`` with ``ci_low, ci_high`` replaced (0–1 scale), the Wilson
        interval at ``n / deff`` with the design effect untruncated
        (:func:`interval_n_eff`), and ``n_eff`` set to ``n / max(deff, 1)``
        (displayed ``≤ n``). One-account rows get the plain Wilson interval of their respondents.

    Examples
    --------
    >>> df = pd.DataFrame({"acc": list("aaaabbbbcccc"), "f": [1, 1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 1]})
    >>> out = cluster_share_ci(grouped_cluster_mean_ci(df, [], "f", "acc"))
    >>> out[["estimate", "ci_low", "ci_high"]].round(3).values.tolist()
    [[0.667, 0.097, 0.974]]
    """
    out = means.copy()
    p, n = out["estimate"].to_numpy(float), out["n"].to_numpy(float)
    deff = out[DESIGN_EFFECT].to_numpy(float)
    one = out[INTERVAL_BASIS].to_numpy() == BASIS_RESPONDENTS
    n_eff = np.where(one, n, n / np.maximum(np.nan_to_num(deff, nan=1.0), 1.0))
    low, high = _wilson_t(p, np.where(one, n, interval_n_eff(n, deff)), out["df"].to_numpy(float), level)
    some = n > 0
    if (one & some).any():
        low[one & some], high[one & some] = proportion_confint(p[one & some] * n[one & some], n[one & some],
                                                               alpha=1 - level, method="wilson")
    out["ci_low"], out["ci_high"] = np.where(some, low, np.nan), np.where(some, high, np.nan)
    out[N_EFF] = np.where(some, n_eff, 0.0)
    return out


def grouped_cluster_nps(frame: pd.DataFrame, by: list[str], value: str, cluster: str, level: float = 0.95,
                        promoter_min: float = 9, detractor_max: float = 6) -> pd.DataFrame:
    """Per group of ``by``: the NPS of ``value`` (0–10 answers) with the interval of :func:`cluster_nps`, one pass.

    Returns
    -------
    DataFrame
        ``by`` plus ``n, n_accounts, nps, ci_low, ci_high`` (−100…100),
        ``promoters, detractors`` (0–1), ``n_eff, design_effect, icc, df, interval_basis``.

    Examples
    --------
    >>> df = pd.DataFrame({"acc": list("aaaabbbbcccc"), "r": [10, 9, 3, 10, 9, 9, 6, 5, 8, 10, 10, 9]})
    >>> grouped_cluster_nps(df, [], "r", "acc")[["nps", "ci_low", "ci_high"]].round(1).values.tolist()
    [[41.7, -47.5, 100.0]]
    """
    x = frame[value].to_numpy(float)
    f = frame[list(dict.fromkeys([*by, cluster]))].assign(
        _s=np.where(np.isnan(x), np.nan, np.where(x >= promoter_min, 100.0, np.where(x <= detractor_max, -100.0, 0.0))),
        _p=np.where(np.isnan(x), np.nan, (x >= promoter_min).astype(float)),
        _d=np.where(np.isnan(x), np.nan, (x <= detractor_max).astype(float)))
    out = grouped_cluster_mean_ci(f, by, "_s", cluster, level)
    p = grouped_cluster_mean_ci(f, by, "_p", cluster, level)["estimate"].to_numpy(float)
    d = grouped_cluster_mean_ci(f, by, "_d", cluster, level)["estimate"].to_numpy(float)
    n, deff = out["n"].to_numpy(float), out[DESIGN_EFFECT].to_numpy(float)
    n_eff = n / np.maximum(np.nan_to_num(deff, nan=1.0), 1.0)
    centre, half = _rocks(p, d, interval_n_eff(n, deff), out["df"].to_numpy(float), level)
    some = n > 0
    out["nps"] = np.where(some, 100 * (p - d), np.nan)
    out["ci_low"] = np.where(some, 100 * np.maximum(centre - half, -1.0), np.nan)
    out["ci_high"] = np.where(some, 100 * np.minimum(centre + half, 1.0), np.nan)
    out["promoters"], out["detractors"], out[N_EFF] = p, d, np.where(some, n_eff, 0.0)
    return out.drop(columns=["estimate", "se", "t_p"])


def _rocks(p: np.ndarray, d: np.ndarray, n_eff: np.ndarray, df: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Centre and half-width (−1…1) of the Rocks (2016) adjusted Wald NPS interval at ``n_eff``, *t* quantile of ``df``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        n_adj = n_eff + 3.0
        pa, da = (p * n_eff + 0.75) / n_adj, (d * n_eff + 0.75) / n_adj
        centre = pa - da
        tq = sps.t.ppf(0.5 + level / 2, np.maximum(np.nan_to_num(df, nan=1.0), 1.0))
        return centre, tq * np.sqrt(np.maximum((pa + da - centre**2) / n_adj, 0.0))


def cluster_nps(recommend: Iterable[float], clusters: Iterable, level: float = 0.95, promoter_min: float = 9,
                detractor_max: float = 6) -> dict[str, float | str]:
    """Net Promoter Score (−100…100) with the Rocks (2016) adjusted Wald interval at the effective sample size.

    The score is the mean of +100 (promoter, ≥ ``promoter_min`` on 0–10),
    0 (passive) and −100 (detractor, ≤ ``detractor_max``) per answer; its CR2
    design effect gives ``n_eff = n / deff`` (untruncated for the interval,
    :func:`interval_n_eff`; the displayed ``n_eff`` is at most ``n``) and the
    interval uses the *t* quantile of the Bell–McCaffrey df.

    Returns
    -------
    dict
        ``nps, ci_low, ci_high, promoters, detractors`` (shares 0–1), ``n, n_accounts, n_eff, design_effect, icc, df, interval_basis``.

    Examples
    --------
    >>> r = cluster_nps([10, 9, 3, 10, 9, 9, 6, 5, 8, 10, 10, 9], list("aaaabbbbcccc"))
    >>> round(r["nps"], 1), round(float(r["ci_low"]), 1), round(float(r["ci_high"]), 1), round(r["df"], 1)
    (41.7, -47.5, 100.0, 2.0)
    """
    frame = pd.DataFrame({"_c": list(clusters), "_r": pd.to_numeric(pd.Series(list(recommend)), errors="coerce")})
    out = grouped_cluster_nps(frame, [], "_r", "_c", level, promoter_min, detractor_max)
    if out.empty:
        return {"n": 0, N_ACCOUNTS: 0, "nps": _NAN, "ci_low": _NAN, "ci_high": _NAN, "promoters": _NAN, "detractors": _NAN,
                N_EFF: 0.0, DESIGN_EFFECT: _NAN, ICC: _NAN, "df": _NAN, INTERVAL_BASIS: BASIS_RESPONDENTS}
    return out.iloc[0].to_dict()


def weighted_cluster_mean(values: Iterable[float], weights: Iterable[float] | None, clusters: Iterable,
                          level: float = 0.95) -> dict[str, float | str]:
    """Mean of ``values`` with respondent weights (e.g. role weights) and a CR2 *t* interval, accounts as clusters.

    The weighted mean's CR2 variance and Bell–McCaffrey df come from the
    per-cluster totals ``Σ w_i y_i`` and ``Σ w_i`` (:func:`cr2_mean`, module
    docstring, working model ``Φ = W⁻¹``); ``design_effect`` is that variance
    over the linearisation variance of the same weighted mean treating
    respondents as a simple random sample, ``n_eff`` Kish's effective size
    ``(Σw)²/Σw²`` divided by it (truncated at 1). One account: its
    respondents' linearisation interval on ``n − 1`` df.

    Parameters
    ----------
    values
        One answer per respondent, any scale (NaN ignored).
    weights
        Positive weight per respondent, or None for 1.
    clusters
        Account per respondent.
    level
        Confidence level.

    Returns
    -------
    dict
        ``estimate, ci_low, ci_high, se, df`` (units of ``values``), ``n,
        n_accounts, n_eff, design_effect, interval_basis``.

    Examples
    --------
    >>> r = weighted_cluster_mean([7, 8, 9, 5, 6, 5, 8, 8, 9], None, list("aaabbbccc"))
    >>> round(r["estimate"], 3), round(r["ci_low"], 2), round(r["ci_high"], 2), r["n_accounts"]
    (7.222, 3.14, 11.31, 3)
    """
    f = pd.DataFrame({"y": pd.to_numeric(pd.Series(list(values)), errors="coerce"), "c": list(clusters)})
    f["w"] = 1.0 if weights is None else pd.to_numeric(pd.Series(list(weights)), errors="coerce").to_numpy()
    f = f.dropna()
    f = f[f["w"] > 0]
    codes, keys = pd.factorize(f["c"], sort=True)
    y, w, n, g = f["y"].to_numpy(float), f["w"].to_numpy(float), len(f), len(keys)
    out = {"estimate": _NAN, "ci_low": _NAN, "ci_high": _NAN, "se": _NAN, "df": _NAN, "n": n, N_ACCOUNTS: g,
           N_EFF: 0.0, DESIGN_EFFECT: _NAN, INTERVAL_BASIS: BASIS_RESPONDENTS if g < 2 else BASIS_CLUSTERS}
    if n == 0:
        return out
    mean, var, df = (float(v[0]) for v in cr2_mean(np.bincount(codes, w * y, g)[None, :], np.bincount(codes, w, g)[None, :]))
    naive = n / (n - 1) * np.sum(w**2 * (y - mean) ** 2) / w.sum() ** 2 if n > 1 else _NAN
    if g < 2:
        var, df = naive, n - 1.0
    deff = var / naive if g >= 2 and naive > 0 else 1.0
    half = sps.t.ppf(0.5 + level / 2, df) * np.sqrt(var) if np.isfinite(var) and df > 0 else _NAN
    out.update(estimate=mean, ci_low=float(mean - half), ci_high=float(mean + half), se=float(np.sqrt(var)), df=float(df),
               **{N_EFF: float(w.sum() ** 2 / np.sum(w**2) / max(deff, 1.0)), DESIGN_EFFECT: float(deff)})
    return out


def weighted_cluster_nps(recommend: Iterable[float], weights: Iterable[float] | None, clusters: Iterable,
                         level: float = 0.95, promoter_min: float = 9, detractor_max: float = 6) -> dict[str, float | str]:
    """NPS (−100…100) with respondent weights and the Rocks (2016) adjusted Wald interval at the clustered effective size.

    The score (+100 / 0 / −100 per answer on 0–10) is averaged with
    :func:`weighted_cluster_mean`, whose ``n_eff`` (Kish size over the CR2
    design effect) and Bell–McCaffrey df enter the adjusted Wald interval as
    in :func:`cluster_nps` (design effect untruncated for the interval);
    without weights the two agree.

    Returns
    -------
    dict
        ``nps, ci_low, ci_high`` (−100…100), ``promoters, detractors``
        (weighted shares 0–1), ``n, n_accounts, n_eff, design_effect, df, interval_basis``.

    Examples
    --------
    >>> r = weighted_cluster_nps([10, 9, 3, 10, 9, 9, 6, 5, 8, 10, 10, 9], None, list("aaaabbbbcccc"))
    >>> round(r["nps"], 1), round(float(r["ci_low"]), 1), round(float(r["ci_high"]), 1)
    (41.7, -47.5, 100.0)
    """
    x = pd.to_numeric(pd.Series(list(recommend)), errors="coerce").to_numpy(float)
    score = np.where(np.isnan(x), np.nan, np.where(x >= promoter_min, 100.0, np.where(x <= detractor_max, -100.0, 0.0)))
    w = np.ones(len(x)) if weights is None else pd.to_numeric(pd.Series(list(weights)), errors="coerce").to_numpy(float)
    r = weighted_cluster_mean(score, w, clusters, level)
    out = {k: r[k] for k in ("n", N_ACCOUNTS, N_EFF, DESIGN_EFFECT, "df", INTERVAL_BASIS)}
    ok = ~np.isnan(x) & np.isfinite(w) & (w > 0) & pd.notna(pd.Series(list(clusters))).to_numpy()
    if not ok.any():
        return {**out, "nps": _NAN, "ci_low": _NAN, "ci_high": _NAN, "promoters": _NAN, "detractors": _NAN}
    p, d = (float(np.sum(w[ok] * m[ok]) / np.sum(w[ok])) for m in (x >= promoter_min, x <= detractor_max))
    kish = np.sum(w[ok]) ** 2 / np.sum(w[ok] ** 2)
    one = r[INTERVAL_BASIS] == BASIS_RESPONDENTS
    centre, half = (float(v[0]) for v in _rocks(np.array([p]), np.array([d]), interval_n_eff(
        np.array([kish]), np.array([1.0 if one else r[DESIGN_EFFECT]])), np.array([r["df"]]), level))
    return {**out, "nps": 100 * (p - d), "ci_low": 100 * max(centre - half, -1.0), "ci_high": 100 * min(centre + half, 1.0),
            "promoters": p, "detractors": d}
