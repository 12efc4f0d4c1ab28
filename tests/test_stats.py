"""Small-sample statistics: intervals against scipy and published formulas, NPS rules at their edges, tests."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from cra_helpers import stats


# ---------------------------------------------------------------------------
# Means and shares
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("values", [[1, 2, 3, 4, 5], [7, 7, 8], [2.5, 9, 9, 10, 1, 6, 7, 7]])
def test_mean_ci_is_the_student_t_interval(values):
    est = stats.mean_ci(values, 0.95)
    low, high = sps.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=sps.sem(values))
    assert est.estimate == pytest.approx(np.mean(values))
    assert (est.ci_low, est.ci_high) == (pytest.approx(low), pytest.approx(high))
    assert est.n == len(values)


def test_mean_ci_edges():
    one = stats.mean_ci([7.0])
    assert one.estimate == 7 and math.isnan(one.ci_low) and math.isnan(one.ci_high)
    none = stats.mean_ci([np.nan, np.nan])
    assert none.n == 0 and math.isnan(none.estimate)
    flat = stats.mean_ci([6, 6, 6, 6])
    assert flat.ci_low == flat.ci_high == 6
    assert stats.mean_ci([1, np.nan, 3]).n == 2


def test_weighted_mean_ci():
    x = [3, 5, 9, 8, 6]
    equal = stats.mean_ci(x, weights=[2.5] * 5)
    plain = stats.mean_ci(x)
    assert (equal.estimate, equal.ci_low, equal.ci_high) == (pytest.approx(plain.estimate), pytest.approx(plain.ci_low), pytest.approx(plain.ci_high))
    w = [3, 1, 1, 2, 1]
    est = stats.mean_ci(x, weights=w)
    assert est.estimate == pytest.approx(np.average(x, weights=w))
    scaled = stats.mean_ci(x, weights=[10 * v for v in w])  # only relative weights matter
    assert (scaled.ci_low, scaled.ci_high) == (pytest.approx(est.ci_low), pytest.approx(est.ci_high))
    # Kish's effective sample size: (sum w)^2 / sum w^2 = 64 / 16
    assert est.n_eff == pytest.approx(4.0)
    assert stats.effective_n([1, 1, 2]) == pytest.approx(16 / 6)


@pytest.mark.parametrize("k,n", [(0, 5), (5, 5), (1, 8), (3, 10), (17, 20)])
def test_proportion_ci_is_wilson(k, n):
    share, low, high = stats.proportion_ci(k, n, 0.95)
    ref = sps.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert share == pytest.approx(k / n)
    assert (low, high) == (pytest.approx(ref.low), pytest.approx(ref.high))
    assert 0 <= low <= share <= high <= 1


def test_top_box_edges():
    flags = stats.top_box(pd.Series([8, 8.99, 9, 10, np.nan, 1]), scale_max=10, points=2)
    assert flags.iloc[:4].tolist() == [0.0, 0.0, 1.0, 1.0]
    assert math.isnan(flags.iloc[4]) and flags.iloc[5] == 0.0
    assert stats.top_box(pd.Series([9, 10]), 10, points=1).tolist() == [0.0, 1.0]
    share = stats.share_ci(stats.top_box(pd.Series([8, 9, 10]), 10))
    assert share.estimate == pytest.approx(2 / 3) and share.n == 3


# ---------------------------------------------------------------------------
# Net Promoter Score (Reichheld 2003; adjusted Wald interval, Rocks 2016)
# ---------------------------------------------------------------------------
def test_nps_categories_at_their_edges():
    answers = pd.Series([0, 6, 6.5, 7, 8, 8.99, 9, 10, np.nan])
    cats = stats.nps_category(answers)
    assert cats.iloc[:8].tolist() == ["detractor", "detractor", "passive", "passive", "passive", "passive", "promoter", "promoter"]
    assert pd.isna(cats.iloc[8])


def test_nps_value_and_extremes():
    assert stats.nps([10, 9, 9, 10]).nps == 100
    assert stats.nps([0, 6, 3]).nps == -100
    assert stats.nps([7, 8, 7]).nps == 0
    r = stats.nps([10, 9, 8, 7, 6, 0, 10, 10])  # 4 promoters, 2 passives, 2 detractors
    assert r.nps == pytest.approx(25.0)
    assert (r.promoters, r.passives, r.detractors) == (pytest.approx(0.5), pytest.approx(0.25), pytest.approx(0.25))
    assert -100 <= stats.nps([10] * 3).ci_low <= stats.nps([10] * 3).ci_high <= 100
    assert math.isnan(stats.nps([]).nps)


def test_nps_interval_worked_example():
    # 5 promoters, 3 passives, 2 detractors, n = 10. By hand (Rocks 2016):
    # n' = 13, p' = 5.75/13, d' = 2.75/13, NPS' = 3/13,
    # var = (8.5/13 - (3/13)^2) / 13, half width = 1.959964 * sqrt(var).
    r = stats.nps([9] * 5 + [7] * 3 + [3] * 2)
    centre = 3 / 13
    half = 1.959963984540054 * math.sqrt((8.5 / 13 - centre**2) / 13)
    assert r.nps == pytest.approx(30.0)
    assert r.ci_low == pytest.approx(100 * (centre - half))
    assert r.ci_high == pytest.approx(100 * (centre + half))
    assert r.ci_low == pytest.approx(-19.05, abs=0.01) and r.ci_high == pytest.approx(65.20, abs=0.01)


@pytest.mark.parametrize("n,probs", [(8, (0.3, 0.4, 0.3)), (12, (0.6, 0.3, 0.1)), (20, (0.2, 0.3, 0.5)), (8, (0.7, 0.2, 0.1))])
def test_nps_interval_covers_at_small_n(n, probs):
    """Simulated coverage of the 95% interval stays near 95% with 8-20 answers (the plain Wald interval
    covers only 81-93% in these cases)."""
    rng = np.random.default_rng(2026)
    truth = 100 * (probs[0] - probs[2])
    hits = 0
    trials = 3000
    for counts in rng.multinomial(n, probs, size=trials):
        _, low, high = stats.nps_from_shares(counts[0] / n, counts[2] / n, n)
        hits += low <= truth <= high
    assert hits / trials >= 0.925
    # the interval stats.nps reports is this one
    r = stats.nps([10] * 3 + [7] * 4 + [2] * 1)
    assert (r.ci_low, r.ci_high) == stats.nps_from_shares(3 / 8, 1 / 8, 8)[1:]


def test_weighted_nps_equals_replicated_sample():
    answers = [10, 9, 7, 6, 3, 8]
    weights = [3, 1, 2, 3, 1, 2]
    replicated = [a for a, w in zip(answers, weights) for _ in range(w)]
    assert stats.nps(answers, weights=weights).nps == pytest.approx(stats.nps(replicated).nps)
    assert stats.nps(answers, weights=[2] * 6).ci_low == pytest.approx(stats.nps(answers).ci_low)


# ---------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------
def test_cliffs_delta_against_pairwise_count():
    x = [1, 2, 2, 5, 7, 7]
    y = [2, 2, 3, 4]
    gt = sum(a > b for a in x for b in y)
    lt = sum(a < b for a in x for b in y)
    assert stats.cliffs_delta(x, y) == pytest.approx((gt - lt) / (len(x) * len(y)))
    assert stats.cliffs_delta([9, 10], [1, 2]) == 1.0
    assert stats.cliffs_band(0.1) == "negligible" and stats.cliffs_band(-0.2) == "small"
    assert stats.cliffs_band(0.4) == "medium" and stats.cliffs_band(0.5) == "large"


def test_mann_whitney_p_matches_scipy():
    rng = np.random.default_rng(5)
    small_x, small_y = rng.integers(1, 11, 6).astype(float), rng.integers(1, 11, 9).astype(float)
    ref = sps.mannwhitneyu(small_x, small_y, method=sps.PermutationMethod(n_resamples=9999, rng=np.random.default_rng(3))).pvalue
    assert stats.mann_whitney_p(small_x, small_y, seed=3) == pytest.approx(ref)  # exact: all 5005 splits
    big_x, big_y = rng.integers(1, 11, 15).astype(float), rng.integers(1, 11, 170).astype(float)
    ref = sps.mannwhitneyu(big_x, big_y, method=sps.PermutationMethod(n_resamples=9999, rng=np.random.default_rng(1))).pvalue
    assert stats.mann_whitney_p(big_x, big_y, seed=1) == pytest.approx(ref)
    asym = sps.mannwhitneyu(big_x, big_y, method="asymptotic").pvalue
    assert stats.mann_whitney_p(big_x, big_y, permutation_below=10) == pytest.approx(asym)
    assert math.isnan(stats.mann_whitney_p([5, 5], [5, 5, 5]))


def test_holm_by_hand():
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> monotone 0.06
    adj = stats.holm([0.01, 0.04, 0.03, 0.005])
    assert adj.tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    with_nan = stats.holm([0.01, np.nan, 0.04])
    assert with_nan[0] == pytest.approx(0.02) and math.isnan(with_nan[1]) and with_nan[2] == pytest.approx(0.04)


def test_holm_matches_statsmodels_on_random_families():
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(3)
    for m in (1, 2, 5, 40, 300):
        p = rng.uniform(0, 1, m) ** 3
        p[rng.integers(0, m, max(1, m // 10))] = p[0]  # ties
        assert np.allclose(stats.holm(p), multipletests(p, method="holm")[1], rtol=0, atol=1e-12)


def test_grouped_intervals_equal_one_call_per_group():
    rng = np.random.default_rng(5)
    n = 400
    df = pd.DataFrame({"g": rng.choice(list("abcdefg"), n), "h": rng.choice(["x", "y"], n),
                       "v": np.where(rng.random(n) < 0.2, np.nan, rng.integers(1, 11, n).astype(float))})
    df.loc[df["g"] == "g", "v"] = 4.0  # a group without spread
    df.loc[(df["g"] == "f") & (df["h"] == "x"), "v"] = np.nan  # a group with no value
    got = stats.grouped_mean_ci(df, ["g", "h"], "v").set_index(["g", "h"])
    shares = stats.grouped_share_ci(df.assign(f=stats.top_box(df["v"], 10).to_numpy()), ["g", "h"], "f").set_index(["g", "h"])
    for key, grp in df.groupby(["g", "h"]):
        ref, row = stats.mean_ci(grp["v"]), got.loc[key]
        assert row["n"] == ref.n
        for a_, b_ in ((row["estimate"], ref.estimate), (row["ci_low"], ref.ci_low), (row["ci_high"], ref.ci_high)):
            assert (math.isnan(a_) and math.isnan(b_)) or a_ == pytest.approx(b_, abs=1e-12)
        vals = grp["v"].dropna()
        if len(vals) >= 2 and np.ptp(vals) > 0:
            assert row["t_p"] == pytest.approx(sps.ttest_1samp(vals, 0.0).pvalue, rel=1e-9)
        else:
            assert math.isnan(row["t_p"])
        share = stats.share_ci(stats.top_box(grp["v"], 10))
        for a_, b_ in zip(shares.loc[key, ["estimate", "ci_low", "ci_high"]], (share.estimate, share.ci_low, share.ci_high)):
            assert (math.isnan(a_) and math.isnan(b_)) or a_ == pytest.approx(b_, abs=1e-12)


def test_kruskal_epsilon_squared():
    groups = [np.array([1, 2, 3, 4.0]), np.array([5, 6, 7, 8.0]), np.array([2, 9, 9, 10.0])]
    h, p, eps = stats.kruskal(groups)
    ref = sps.kruskal(*groups)
    assert h == pytest.approx(ref.statistic) and p == pytest.approx(ref.pvalue)
    assert eps == pytest.approx(h / (12 - 1))
    assert math.isnan(stats.kruskal([np.array([1.0, 2.0])])[0])


def test_welch_interval():
    x, y = [5, 6, 7, 9, 4.0], [2, 3, 3, 6.0]
    diff, low, high = stats.welch_diff_ci(x, y)
    vx, vy = np.var(x, ddof=1) / 5, np.var(y, ddof=1) / 4
    df = (vx + vy) ** 2 / (vx**2 / 4 + vy**2 / 3)
    half = sps.t.ppf(0.975, df) * math.sqrt(vx + vy)
    assert diff == pytest.approx(np.mean(x) - np.mean(y))
    assert (low, high) == (pytest.approx(diff - half), pytest.approx(diff + half))
