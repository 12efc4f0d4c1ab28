"""Small-sample statistics: intervals, the Net Promoter Score, tests and effect sizes.

A key account may have only 5–20 interviews, so every figure of the
quantitative analysis carries an interval whose method holds at that size:

Means (ratings, indices)
    Student *t* interval, ``mean ± t(1 − α/2, n − 1) · s / √n``. With
    weights (role weighting), the weighted mean with the linearisation
    (sandwich) standard error ``√(n/(n−1) · Σ wᵢ²(xᵢ − x̄w)²) / Σ wᵢ`` and
    ``n_eff − 1`` degrees of freedom, where ``n_eff = (Σw)² / Σw²`` is Kish's
    effective sample size (Kish, *Survey Sampling*, 1965). With equal weights
    this is exactly the Student interval.
Proportions (top-2-box shares, segment shares)
    Wilson score interval (Wilson, JASA 22, 1927; recommended for small *n* by
    Brown, Cai & DasGupta, *Statistical Science* 16, 2001), computed by
    :func:`statsmodels.stats.proportion.proportion_confint`. Weighted shares
    use ``n_eff`` as the sample size.
Net Promoter Score
    ``NPS = 100 · (promoters − detractors) / n`` with promoters answering 9–10
    and detractors 0–6 on the 0–10 likelihood-to-recommend question
    (Reichheld, "The One Number You Need to Grow", *Harvard Business Review*,
    December 2003). Interval: the adjusted Wald interval for the difference of
    two multinomial proportions evaluated by Rocks ("Interval Estimation for
    the 'Net Promoter Score'", *The American Statistician* 70(4), 2016) as the
    best of six methods at small *n*: add 3/4 to the promoter and detractor
    counts and 3 to *n*, then ``NPS' ± z · √((p' + d' − (p' − d')²) / n')``
    (the trinomial variance), clipped to [−100, 100].
Group comparisons
    Two-sided Mann–Whitney *U* test; for small groups the *p*-value comes from
    permutations (exact in the limit, valid with ties and tiny groups), for
    larger ones from the normal approximation with tie correction; Cliff's δ as effect size
    (``δ = 2U / (n₁n₂) − 1``; |δ| < 0.147 negligible, < 0.33 small, < 0.474
    medium, else large: Romano et al., 2006), Kruskal–Wallis *H* with
    ε² = H / (n − 1) for several groups (Tomczak & Tomczak, 2014), and Holm's
    step-down correction for multiple comparisons (Holm, *Scand. J.
    Statistics* 6, 1979) from :func:`statsmodels.stats.multitest.multipletests`.
Portfolio figures (accounts as clusters)
    Respondents of one account rate alike, so every figure over several
    accounts uses the cluster-robust CR2 variance with Bell–McCaffrey
    degrees of freedom (means, paired and independent differences, shares,
    NPS; :mod:`cra_helpers.stats_cluster`, :mod:`cra_helpers.stats_cluster_diff`,
    where the method, its closed form for a mean and its sources are). The
    methods above remain those of figures about one account.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

# re-exported, so that every statistic is reached as cra_helpers.stats.<name>
from .stats_grouped import grouped_mean_ci, grouped_share_ci  # noqa: F401
from .stats_multiple import adjust_pvalues, holm  # noqa: F401
from .stats_cluster import (  # noqa: F401
    BASIS_ACCOUNT_VS_REST, BASIS_CLUSTERS, BASIS_RESPONDENTS, DESIGN_EFFECT, ICC, INTERVAL_BASIS, N_ACCOUNTS, N_EFF, WEIGHTINGS,
    cluster_mean_ci, cluster_nps, cluster_share_ci, grouped_cluster_mean_ci, grouped_cluster_nps, weighted_cluster_mean,
    weighted_cluster_nps,
)
from .stats_cluster_diff import account_vs_rest, cluster_diff_ci, cluster_wald_groups  # noqa: F401

# Effect-size bands of Cliff's delta (Romano, Kromrey, Coraggio & Skowronek, 2006).
CLIFF_BANDS: tuple[tuple[float, str], ...] = ((0.147, "negligible"), (0.33, "small"), (0.474, "medium"), (np.inf, "large"))

# Pseudo-counts of the adjusted Wald NPS interval (Rocks, 2016).
NPS_ADJUST_COUNT = 0.75
NPS_ADJUST_N = 3.0


def _clean(values: Iterable[float], weights: Iterable[float] | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    x = np.asarray(pd.to_numeric(pd.Series(list(values) if not isinstance(values, (pd.Series, np.ndarray)) else values), errors="coerce"), dtype=float)
    if weights is None:
        return x[~np.isnan(x)], None
    w = np.asarray(pd.Series(list(weights) if not isinstance(weights, (pd.Series, np.ndarray)) else weights), dtype=float)
    if w.shape != x.shape:
        raise ValueError(f"weights ({w.shape}) and values ({x.shape}) differ in length")
    keep = ~np.isnan(x) & ~np.isnan(w) & (w > 0)
    return x[keep], w[keep]


def effective_n(weights: Iterable[float]) -> float:
    """Kish's effective sample size ``(Σw)² / Σw²`` (equals *n* for equal weights).

    Examples
    --------
    >>> effective_n([1, 1, 1, 1])
    4.0
    >>> round(effective_n([3, 1, 1, 1]), 2)
    3.0
    """
    w = np.asarray(list(weights) if not isinstance(weights, np.ndarray) else weights, dtype=float)
    w = w[~np.isnan(w)]
    if w.size == 0 or not np.any(w):
        return 0.0
    return float(w.sum() ** 2 / np.square(w).sum())


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its confidence interval.

    Attributes
    ----------
    estimate
        The value (NaN when there is no data).
    ci_low, ci_high
        Interval bounds (NaN when the sample is too small for an interval).
    n
        Number of observations used.
    n_eff
        Effective sample size (equals ``n`` without weights).
    """

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    n_eff: float

    def columns(self, name: str, scale: float = 1.0) -> dict[str, float]:
        """``{name, name_ci_low, name_ci_high}``, values multiplied by ``scale`` (e.g. 100 for percent)."""
        return {name: self.estimate * scale, f"{name}_ci_low": self.ci_low * scale, f"{name}_ci_high": self.ci_high * scale}


_NAN = float("nan")


def mean_ci(values: Iterable[float], level: float = 0.95, weights: Iterable[float] | None = None) -> Estimate:
    """Mean with a small-sample confidence interval.

    Parameters
    ----------
    values
        Ratings or scores; NaN are ignored.
    level
        Confidence level (0.95 for a 95 % interval).
    weights
        Optional positive weights (e.g. role weights); observations with a
        missing or non-positive weight are ignored.

    Returns
    -------
    Estimate
        Unweighted: Student *t* interval with ``n − 1`` degrees of freedom.
        Weighted: weighted mean, linearisation standard error and ``n_eff − 1``
        degrees of freedom (see the module docstring). The interval is NaN for
        fewer than two observations; a sample without spread gives a
        zero-width interval.

    Examples
    --------
    >>> e = mean_ci([7, 8, 6, 9, 8])
    >>> round(e.estimate, 2), round(e.ci_low, 2), round(e.ci_high, 2), e.n
    (7.6, 6.18, 9.02, 5)
    """
    x, w = _clean(values, weights)
    n = int(x.size)
    if n == 0:
        return Estimate(_NAN, _NAN, _NAN, 0, 0.0)
    if w is None:
        w = np.ones(n)
    mean = float(np.sum(w * x) / w.sum())
    n_eff = effective_n(w)
    if n < 2:
        return Estimate(mean, _NAN, _NAN, n, n_eff)
    se = float(np.sqrt(n / (n - 1) * np.sum(np.square(w) * np.square(x - mean))) / w.sum())
    df = max(n_eff - 1.0, 1.0)
    t = float(sps.t.ppf(0.5 + level / 2, df))
    return Estimate(mean, mean - t * se, mean + t * se, n, n_eff)


def proportion_ci(successes: float, n: float, level: float = 0.95) -> tuple[float, float, float]:
    """Share with its Wilson score interval.

    Parameters
    ----------
    successes
        Count of "yes" (may be fractional for weighted shares: ``p · n_eff``).
    n
        Sample size (or effective sample size).
    level
        Confidence level.

    Returns
    -------
    (share, ci_low, ci_high)
        On the 0–1 scale; all NaN when ``n`` is 0.

    Examples
    --------
    >>> [round(float(x), 3) for x in proportion_ci(8, 10)]
    [0.8, 0.49, 0.943]
    """
    if not n or n <= 0:
        return (_NAN, _NAN, _NAN)
    low, high = proportion_confint(successes, n, alpha=1 - level, method="wilson")
    return (float(successes / n), float(low), float(high))


def share_ci(flags: Iterable[float], level: float = 0.95, weights: Iterable[float] | None = None) -> Estimate:
    """Share of true values (1/0; NaN ignored) with a Wilson interval, optionally weighted.

    Returns
    -------
    Estimate
        Share on the 0–1 scale; weighted shares use Kish's ``n_eff``.

    Examples
    --------
    >>> e = share_ci([1, 1, 0, 1, 0, 1, 1, 1])
    >>> round(e.estimate, 3), round(e.ci_low, 3), round(e.ci_high, 3)
    (0.75, 0.409, 0.929)
    """
    x, w = _clean(flags, weights)
    n = int(x.size)
    if n == 0:
        return Estimate(_NAN, _NAN, _NAN, 0, 0.0)
    if w is None:
        w = np.ones(n)
    p = float(np.sum(w * x) / w.sum())
    n_eff = effective_n(w)
    _, low, high = proportion_ci(p * n_eff, n_eff, level)
    return Estimate(p, low, high, n, n_eff)


def top_box(values: pd.Series | np.ndarray, scale_max: float, points: int = 2) -> pd.Series:
    """Flag ratings in the top ``points`` points of a scale (1.0 / 0.0; NaN stays NaN).

    Parameters
    ----------
    values
        Ratings on a scale whose highest point is ``scale_max``.
    scale_max
        Highest point of the scale (10 on a 1–10 scale).
    points
        How many top points count: 2 → "top-2-box", ratings ≥ ``scale_max − 1``
        (9 and 10 on a 1–10 scale).

    Examples
    --------
    >>> top_box(pd.Series([10, 9, 8, 5]), scale_max=10).tolist()
    [1.0, 1.0, 0.0, 0.0]
    """
    s = pd.Series(values, dtype=float)
    out = (s >= scale_max - (points - 1)).astype(float)
    return out.where(s.notna())


# ---------------------------------------------------------------------------
# Net Promoter Score
# ---------------------------------------------------------------------------
PROMOTER = "promoter"
PASSIVE = "passive"
DETRACTOR = "detractor"
NPS_CATEGORIES: tuple[str, ...] = (PROMOTER, PASSIVE, DETRACTOR)


def nps_category(recommend: pd.Series | np.ndarray, promoter_min: float = 9, detractor_max: float = 6) -> pd.Series:
    """Promoter / passive / detractor of each likelihood-to-recommend answer (Reichheld, 2003).

    Parameters
    ----------
    recommend
        Answers on the 0–10 scale.
    promoter_min
        Lowest answer of a promoter (9).
    detractor_max
        Highest answer of a detractor (6). Answers strictly between the two
        (7–8, or e.g. 6.5) are passives.

    Returns
    -------
    Series
        ``"promoter"``, ``"passive"``, ``"detractor"`` or ``<NA>`` (no answer).

    Examples
    --------
    >>> nps_category(pd.Series([10, 9, 8, 7, 6, 0])).tolist()
    ['promoter', 'promoter', 'passive', 'passive', 'detractor', 'detractor']
    """
    s = pd.Series(recommend, dtype=float)
    out = pd.Series(pd.NA, index=s.index, dtype="string")
    out[s >= promoter_min] = PROMOTER
    out[(s > detractor_max) & (s < promoter_min)] = PASSIVE
    out[s <= detractor_max] = DETRACTOR
    return out


@dataclass(frozen=True)
class NPS:
    """A Net Promoter Score with its interval.

    Attributes
    ----------
    nps
        −100…100: percent promoters minus percent detractors (NaN without answers).
    ci_low, ci_high
        Adjusted Wald interval (Rocks, 2016), −100…100.
    promoters, passives, detractors
        Shares, 0–1 (weighted when weights are given).
    n
        Answers used; ``n_eff`` their effective number under weighting.
    """

    nps: float
    ci_low: float
    ci_high: float
    promoters: float
    passives: float
    detractors: float
    n: int
    n_eff: float


def nps_from_shares(promoters: float, detractors: float, n: float, level: float = 0.95) -> tuple[float, float, float]:
    """NPS and its adjusted Wald interval from shares and a (possibly effective) sample size.

    Parameters
    ----------
    promoters, detractors
        Shares on 0–1.
    n
        Sample size (or Kish's effective sample size for weighted shares).
    level
        Confidence level.

    Returns
    -------
    (nps, ci_low, ci_high)
        On −100…100. The point estimate is the plain ``100 (p − d)``; the
        interval is centred on the adjusted estimate (Rocks, 2016).

    Examples
    --------
    >>> [round(float(x), 1) for x in nps_from_shares(0.5, 0.2, 40)]
    [30.0, 4.6, 51.2]
    """
    if not n or n <= 0:
        return (_NAN, _NAN, _NAN)
    n_adj = n + NPS_ADJUST_N
    p_adj = (promoters * n + NPS_ADJUST_COUNT) / n_adj
    d_adj = (detractors * n + NPS_ADJUST_COUNT) / n_adj
    centre = p_adj - d_adj
    var = (p_adj + d_adj - centre**2) / n_adj
    z = float(sps.norm.ppf(0.5 + level / 2))
    half = z * np.sqrt(max(var, 0.0))
    low, high = max(centre - half, -1.0), min(centre + half, 1.0)
    return (100 * (promoters - detractors), 100 * low, 100 * high)


def nps(
    recommend: Iterable[float],
    level: float = 0.95,
    weights: Iterable[float] | None = None,
    promoter_min: float = 9,
    detractor_max: float = 6,
) -> NPS:
    """Net Promoter Score of likelihood-to-recommend answers, with its interval.

    Parameters
    ----------
    recommend
        Answers on the 0–10 scale; NaN ignored.
    level
        Confidence level.
    weights
        Optional positive weights (role weighting); shares are weighted and the
        interval uses Kish's effective sample size.
    promoter_min, detractor_max
        Category bounds (Reichheld, 2003: 9 and 6).

    Examples
    --------
    >>> r = nps(pd.Series([10, 9, 9, 8, 7, 6, 3, 10, 9, 5]))
    >>> r.nps, round(float(r.ci_low), 1), round(float(r.ci_high), 1), r.promoters, r.detractors
    (20.0, -30.3, 61.1, 0.5, 0.3)
    """
    x, w = _clean(recommend, weights)
    n = int(x.size)
    if n == 0:
        return NPS(_NAN, _NAN, _NAN, _NAN, _NAN, _NAN, 0, 0.0)
    if w is None:
        w = np.ones(n)
    cat = nps_category(x, promoter_min, detractor_max).to_numpy()
    total = w.sum()
    p = float(w[cat == PROMOTER].sum() / total)
    d = float(w[cat == DETRACTOR].sum() / total)
    n_eff = effective_n(w)
    value, low, high = nps_from_shares(p, d, n_eff, level)
    return NPS(value, low, high, p, 1.0 - p - d, d, n, n_eff)


# ---------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------
def cliffs_delta(x: Iterable[float], y: Iterable[float]) -> float:
    """Cliff's δ = P(X > Y) − P(X < Y), from −1 to 1 (NaN ignored; NaN if a side is empty).

    Computed from the Mann–Whitney statistic: ``δ = 2U / (n_x n_y) − 1``.

    Examples
    --------
    >>> round(cliffs_delta([3, 4, 5], [1, 2, 3]), 3)
    0.889
    """
    a, _ = _clean(x)
    b, _ = _clean(y)
    if a.size == 0 or b.size == 0:
        return _NAN
    u = sps.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic").statistic
    return float(2 * u / (a.size * b.size) - 1)


def cliffs_band(delta: float) -> str:
    """Verbal size of Cliff's δ (Romano et al., 2006): negligible, small, medium, large.

    Examples
    --------
    >>> cliffs_band(0.2), cliffs_band(0.5)
    ('small', 'large')
    """
    if np.isnan(delta):
        return ""
    for bound, name in CLIFF_BANDS:
        if abs(delta) < bound:
            return name
    return "large"


def mann_whitney_p(
    x: Iterable[float], y: Iterable[float], resamples: int = 9999, seed: int = 0, permutation_below: int | None = None
) -> float:
    """Two-sided Mann–Whitney *U* test *p*-value.

    Parameters
    ----------
    x, y
        The two samples (NaN ignored).
    resamples
        Random permutations; when the number of distinct splits is smaller,
        scipy enumerates them all (exact test).
    seed
        Random seed (deterministic reports).
    permutation_below
        ``None``: always by permutation (valid with ties and tiny groups).
        A number *k*: by permutation when the smaller sample has fewer than
        *k* values, else by the normal approximation with tie correction
        (whose precision is not limited by the number of permutations).

    Returns
    -------
    float
        *p*-value; NaN when a sample is empty or all values are equal.

    Examples
    --------
    >>> round(mann_whitney_p([7, 8, 9, 9, 10], [3, 4, 5, 5, 6]), 4)
    0.0079
    """
    a, _ = _clean(x)
    b, _ = _clean(y)
    if a.size == 0 or b.size == 0 or np.ptp(np.concatenate([a, b])) == 0:
        return _NAN
    if permutation_below is not None and min(a.size, b.size) >= permutation_below:
        return float(sps.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic").pvalue)
    # U = (rank sum of x) − n_x(n_x + 1)/2 with pooled mid-ranks, and the ranks
    # do not change under permutation: permuting the ranks once computed gives
    # scipy's Mann–Whitney permutation p-value at a fraction of the cost.
    ranks = sps.rankdata(np.concatenate([a, b]))
    res = sps.permutation_test(
        (ranks[: a.size], ranks[a.size :]), _rank_sum, permutation_type="independent", vectorized=True,
        n_resamples=resamples, alternative="two-sided", rng=np.random.default_rng(seed),
    )
    return float(res.pvalue)


def _rank_sum(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.sum(x, axis=axis)


def kruskal(groups: list[np.ndarray]) -> tuple[float, float, float]:
    """Kruskal–Wallis *H* test over several groups, with ε² = H / (n − 1).

    Returns
    -------
    (H, p, epsilon_squared)
        NaN when fewer than two non-empty groups or no spread.

    Examples
    --------
    >>> [round(x, 3) for x in kruskal([np.array([1, 2, 3]), np.array([4, 5, 6]), np.array([7, 8, 9])])]
    [7.2, 0.027, 0.9]
    """
    gs = [g[~np.isnan(g)] for g in (np.asarray(g, dtype=float) for g in groups)]
    gs = [g for g in gs if g.size]
    n = sum(g.size for g in gs)
    if len(gs) < 2 or np.ptp(np.concatenate(gs)) == 0:
        return (_NAN, _NAN, _NAN)
    h, p = sps.kruskal(*gs)
    return (float(h), float(p), float(h / (n - 1)))


def welch_from_summaries(
    mean_a: np.ndarray, var_a: np.ndarray, n_a: np.ndarray,
    mean_b: np.ndarray, var_b: np.ndarray, n_b: np.ndarray, level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Welch's *t* test and interval of ``mean_a − mean_b`` from group summaries, many at once.

    Parameters
    ----------
    mean_a, var_a, n_a, mean_b, var_b, n_b
        Arrays of group means, sample variances (ddof = 1) and sizes.
    level
        Confidence level of the interval.

    Returns
    -------
    (difference, ci_low, ci_high, p_value)
        Arrays; the interval uses the Welch–Satterthwaite degrees of freedom
        and the *p*-value comes from :func:`scipy.stats.ttest_ind_from_stats`.
        NaN where a group has fewer than two values or both have no spread.

    Examples
    --------
    >>> d, lo, hi, p = welch_from_summaries([7.0], [1.0], [20], [6.0], [2.0], [25])
    >>> [round(float(x[0]), 4) for x in (d, lo, hi, p)]
    [1.0, 0.2726, 1.7274, 0.0082]
    """
    mean_a, var_a, n_a, mean_b, var_b, n_b = (np.asarray(x, dtype=float) for x in (mean_a, var_a, n_a, mean_b, var_b, n_b))
    diff = mean_a - mean_b
    with np.errstate(divide="ignore", invalid="ignore"):
        qa, qb = var_a / n_a, var_b / n_b
        se = np.sqrt(qa + qb)
        dof = (qa + qb) ** 2 / (qa**2 / (n_a - 1) + qb**2 / (n_b - 1))
        ok = (n_a >= 2) & (n_b >= 2) & (se > 0)
        half = np.where(ok, sps.t.ppf(0.5 + level / 2, np.where(ok, dof, 1.0)) * se, np.nan)
        p = np.full(diff.shape, np.nan)
        if ok.any():
            p[ok] = sps.ttest_ind_from_stats(
                mean_a[ok], np.sqrt(var_a[ok]), n_a[ok], mean_b[ok], np.sqrt(var_b[ok]), n_b[ok], equal_var=False
            ).pvalue
    return diff, diff - half, diff + half, p




def welch_diff_ci(x: Iterable[float], y: Iterable[float], level: float = 0.95) -> tuple[float, float, float]:
    """Difference of means ``mean(x) − mean(y)`` with a Welch *t* interval (NaN when a side has < 2 values).

    Examples
    --------
    >>> [round(x, 3) for x in welch_diff_ci([7, 8, 9, 8], [5, 6, 7, 6])]
    [2.0, 0.587, 3.413]
    """
    a, _ = _clean(x)
    b, _ = _clean(y)
    if a.size == 0 or b.size == 0:
        return (_NAN, _NAN, _NAN)
    diff = float(a.mean() - b.mean())
    if a.size < 2 or b.size < 2 or (a.var() == 0 and b.var() == 0):
        return (diff, _NAN, _NAN)
    with warnings.catch_warnings():  # one constant side: scipy warns about precision, the interval stays valid
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = sps.ttest_ind(a, b, equal_var=False).confidence_interval(confidence_level=level)
    return (diff, float(ci.low), float(ci.high))
