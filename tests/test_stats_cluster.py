"""The cluster-robust estimators against independent computations.

The full-matrix CR2 below follows Pustejovsky & Tipton (2018) literally —
hat matrix, ``(I − H_gg)^(−1/2)`` by eigendecomposition, the Satterthwaite
degrees of freedom from the ``p_g`` vectors — for any design matrix and
weights; the package's closed forms must agree with it to 1e-6. The CR0 /
CR1 relation is checked against statsmodels' ``cov_type="cluster"``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as sps

from cra_helpers import stats
from cra_helpers.stats_cluster import cr2_mean, icc_anova
from cra_helpers.stats_cluster_diff import cr2_two_group


def _inv_sqrt(m: np.ndarray) -> np.ndarray:
    lam, vec = np.linalg.eigh(m)
    return vec @ np.diag(lam**-0.5) @ vec.T


def cr2_full(x: np.ndarray, y: np.ndarray, cl: np.ndarray, c: np.ndarray, w: np.ndarray | None = None):
    """CR2 variance of c'β and its Bell–McCaffrey df, working model Φ = W⁻¹, by full matrices."""
    w = np.ones(len(y)) if w is None else w
    xt, yt = np.sqrt(w)[:, None] * x, np.sqrt(w) * y
    m = np.linalg.inv(xt.T @ xt)
    e = yt - xt @ (m @ xt.T @ yt)
    h = xt @ m @ xt.T
    i_h = np.eye(len(y)) - h
    meat, ps = np.zeros((x.shape[1], x.shape[1])), []
    for g in np.unique(cl):
        idx = np.flatnonzero(cl == g)
        a = _inv_sqrt(np.eye(len(idx)) - h[np.ix_(idx, idx)])
        u = xt[idx].T @ a @ e[idx]
        meat += np.outer(u, u)
        ps.append(i_h[:, idx] @ a @ xt[idx] @ m @ c)
    p = np.array(ps)
    gram = p @ p.T
    return float(c @ m @ meat @ m @ c), float(np.trace(gram) ** 2 / np.sum(gram**2))


def _clustered(rng, sizes, icc=0.3):
    cl = np.repeat(np.arange(len(sizes)), sizes)
    y = 6 + rng.normal(0, np.sqrt(icc), len(sizes))[cl] + rng.normal(0, np.sqrt(1 - icc), len(cl))
    return cl, y


@pytest.mark.parametrize("weighted", [False, True])
def test_closed_form_mean_equals_full_matrix_cr2(weighted):
    rng = np.random.default_rng(1)
    cl, y = _clustered(rng, [3, 7, 4, 12, 5, 2])
    w = rng.uniform(0.5, 3, len(y)) if weighted else np.ones(len(y))
    var_full, df_full = cr2_full(np.ones((len(y), 1)), y, cl, np.array([1.0]), w)
    ys = np.bincount(cl, w * y)[None, :]
    ws = np.bincount(cl, w)[None, :]
    mean, var, df = cr2_mean(ys, ws)
    assert mean[0] == pytest.approx(np.sum(w * y) / w.sum(), abs=1e-12)
    assert var[0] == pytest.approx(var_full, abs=1e-9)
    assert df[0] == pytest.approx(df_full, abs=1e-6)


def test_equal_clusters_give_g_minus_one_df_and_cr1_of_statsmodels():
    rng = np.random.default_rng(2)
    cl, y = _clustered(rng, [6] * 8)
    fit = sm.OLS(y, np.ones((len(y), 1))).fit(cov_type="cluster", cov_kwds={"groups": cl})
    _, var, df = cr2_mean(np.bincount(cl, y)[None, :], np.bincount(cl)[None, :].astype(float))
    assert df[0] == pytest.approx(7.0, abs=1e-9)
    assert np.sqrt(var[0]) == pytest.approx(float(fit.bse[0]), abs=1e-9)  # CR2 = G/(G−1)·CR0 = CR1 here


def test_unequal_clusters_cr2_relates_to_statsmodels_cr0_cluster_by_cluster():
    rng = np.random.default_rng(3)
    sizes = np.array([2, 9, 4, 15, 3, 6, 11])
    cl, y = _clustered(rng, sizes)
    cr0 = sm.OLS(y, np.ones((len(y), 1))).fit(cov_type="cluster", cov_kwds={"groups": cl, "use_correction": False})
    e = np.bincount(cl, y - y.mean())
    n = len(y)
    assert float(cr0.bse[0]) ** 2 == pytest.approx(np.sum(e**2) / n**2, abs=1e-12)
    _, var, _ = cr2_mean(np.bincount(cl, y)[None, :], sizes[None, :].astype(float))
    assert var[0] == pytest.approx(np.sum(e**2 / (1 - sizes / n)) / n**2, abs=1e-12)
    assert var[0] > float(cr0.bse[0]) ** 2


def test_one_weight_per_account_is_the_t_interval_of_account_means():
    rng = np.random.default_rng(4)
    cl, y = _clustered(rng, [3, 8, 5, 10, 4])
    frame = pd.DataFrame({"acc": cl, "y": y})
    out = stats.grouped_cluster_mean_ci(frame, [], "y", "acc", weighting="accounts")
    means = frame.groupby("acc")["y"].mean()
    ci = sps.ttest_1samp(means, 0).confidence_interval(0.95)
    assert out.loc[0, "estimate"] == pytest.approx(means.mean(), abs=1e-9)
    assert (out.loc[0, "ci_low"], out.loc[0, "ci_high"]) == pytest.approx((ci.low, ci.high), abs=1e-6)
    assert out.loc[0, "df"] == pytest.approx(4.0, abs=1e-9)


def test_two_group_difference_equals_full_matrix_cr2():
    rng = np.random.default_rng(5)
    cl, y = _clustered(rng, [5, 8, 4, 9, 6, 7])
    d = (rng.uniform(size=len(y)) < 0.4).astype(float)
    var_full, df_full = cr2_full(np.column_stack([np.ones(len(y)), d]), y, cl, np.array([0.0, 1.0]))
    r = stats.cluster_diff_ci(y, d.astype(bool), cl)
    assert r["diff"] == pytest.approx(y[d == 1].mean() - y[d == 0].mean(), abs=1e-12)
    assert r["se"] ** 2 == pytest.approx(var_full, abs=1e-9)
    assert r["df"] == pytest.approx(df_full, abs=1e-6)
    t = sps.t.ppf(0.975, df_full)
    assert r["ci_low"] == pytest.approx(r["diff"] - t * np.sqrt(var_full), abs=1e-6)


def test_two_group_with_an_account_holding_only_one_side():
    rng = np.random.default_rng(6)
    cl, y = _clustered(rng, [5, 8, 4, 9, 6])
    d = np.where(cl == 0, 1.0, np.where(cl == 1, 0.0, (rng.uniform(size=len(y)) < 0.5).astype(float)))
    var_full, df_full = cr2_full(np.column_stack([np.ones(len(y)), d]), y, cl, np.array([0.0, 1.0]))
    n0 = np.bincount(cl, 1 - d)[None, :]
    n1 = np.bincount(cl, d)[None, :]
    e = y - np.where(d == 1, y[d == 1].mean(), y[d == 0].mean())
    var, df = cr2_two_group(n0, n1, np.bincount(cl, e * (1 - d))[None, :], np.bincount(cl, e * d)[None, :])
    assert var[0] == pytest.approx(var_full, abs=1e-9)
    assert df[0] == pytest.approx(df_full, abs=1e-6)


def test_account_vs_rest_combines_respondent_and_cluster_variances():
    rng = np.random.default_rng(7)
    cl, y = _clustered(rng, [6, 9, 5, 8, 7])
    n, s, ss = (np.bincount(cl, v)[None, :] for v in (np.ones(len(y)), y, y**2))
    r = stats.account_vs_rest(n, s, ss)
    own = y[cl == 2]
    rest_cl, rest_y = cl[cl != 2], y[cl != 2]
    var_r, df_r = cr2_full(np.ones((len(rest_y), 1)), rest_y, rest_cl, np.array([1.0]))
    va = own.var(ddof=1) / len(own)
    df = (va + var_r) ** 2 / (va**2 / (len(own) - 1) + var_r**2 / df_r)
    assert r["difference"][0, 2] == pytest.approx(own.mean() - rest_y.mean(), abs=1e-12)
    assert r["df"][0, 2] == pytest.approx(df, abs=1e-6)
    half = sps.t.ppf(0.975, df) * np.sqrt(va + var_r)
    assert r["ci_high"][0, 2] == pytest.approx(own.mean() - rest_y.mean() + half, abs=1e-6)


def test_icc_matches_the_anova_formula_and_design_effect_is_reported():
    rng = np.random.default_rng(8)
    cl, y = _clustered(rng, [15] * 12, icc=0.3)
    frame = pd.DataFrame({"acc": cl, "y": y})
    g = frame.groupby("acc")["y"]
    msb = 15 * np.sum((g.mean() - y.mean()) ** 2) / 11
    msw = np.sum((y - g.transform("mean")) ** 2) / (180 - 12)
    expected = (msb - msw) / (msb + 14 * msw)
    n, s, ss = (np.bincount(cl, v)[None, :] for v in (np.ones(len(y)), y, y**2))
    assert icc_anova(n, s, ss)[0] == pytest.approx(expected, abs=1e-9)
    out = stats.grouped_cluster_mean_ci(frame, [], "y", "acc")
    naive = y.var(ddof=1) / len(y)
    assert out.loc[0, "design_effect"] == pytest.approx(out.loc[0, "se"] ** 2 / naive, abs=1e-9)
    assert out.loc[0, "n_eff"] == pytest.approx(180 / out.loc[0, "design_effect"], abs=1e-6)
    assert out.loc[0, "design_effect"] > 2  # 1 + (m − 1)·ICC ≈ 5 at ICC 0.3 with 15 per account


def test_one_account_falls_back_to_the_student_interval_of_its_respondents():
    frame = pd.DataFrame({"acc": ["a"] * 5 + ["b"] * 4 + ["c"] * 6, "y": [7, 8, 6, 9, 8, 5, 6, 5, 7, 8, 8, 9, 7, 9, 8]})
    out = stats.grouped_cluster_mean_ci(frame, ["acc"], "y", "acc")
    ref = stats.grouped_mean_ci(frame, ["acc"], "y")
    assert (out["interval_basis"] == stats.BASIS_RESPONDENTS).all()
    np.testing.assert_allclose(out[["ci_low", "ci_high"]].to_numpy(float), ref[["ci_low", "ci_high"]].to_numpy(float), atol=1e-9)
    whole = stats.grouped_cluster_mean_ci(frame, [], "y", "acc")
    assert whole.loc[0, "interval_basis"] == stats.BASIS_CLUSTERS and whole.loc[0, "n_accounts"] == 3


def test_grouped_equals_one_call_per_group():
    rng = np.random.default_rng(9)
    cl, y = _clustered(rng, [6, 9, 5, 8])
    frame = pd.DataFrame({"acc": cl, "y": y, "need": rng.choice(["N1", "N2", "N3"], len(y))})
    out = stats.grouped_cluster_mean_ci(frame, ["need"], "y", "acc").set_index("need")
    for need, sub in frame.groupby("need"):
        one = stats.cluster_mean_ci(sub["y"], sub["acc"])
        assert out.loc[need, "ci_low"] == pytest.approx(one["ci_low"], abs=1e-12)
        assert out.loc[need, "df"] == pytest.approx(one["df"], abs=1e-12)


def test_nps_and_share_reduce_to_the_respondent_methods_without_clustering_effect():
    # identical accounts: no between-account variation, design effect ≤ 1 → the Rocks / Wilson interval at n (t quantile)
    rec = [10, 9, 7, 3] * 6
    r = stats.cluster_nps(rec, np.repeat(np.arange(6), 4))
    assert r["nps"] == pytest.approx(25.0)
    assert r["n_eff"] == pytest.approx(24.0)
    wide = stats.nps(rec)
    assert r["ci_low"] < wide.ci_low and r["ci_high"] > wide.ci_high  # t with 5 df is wider than z


def test_revenue_weighting_needs_revenue_and_weights_accounts():
    frame = pd.DataFrame({"acc": list("aabbcc"), "y": [8, 8, 4, 4, 6, 6]})
    out = stats.grouped_cluster_mean_ci(frame, [], "y", "acc", weighting="revenue", revenue={"a": 3, "b": 1, "c": 0})
    assert out.loc[0, "estimate"] == pytest.approx(7.0)  # c has no revenue and drops out
    with pytest.raises(ValueError):
        stats.grouped_cluster_mean_ci(frame, [], "y", "acc", weighting="revenue")


def _hand_deff(score: np.ndarray, cl: np.ndarray) -> tuple[float, float, float]:
    """Mean, CR2 design effect and BM df of an unweighted mean, by hand (closed form of the module docstring)."""
    n, mean = len(score), score.mean()
    groups = np.unique(cl)
    q = np.array([np.mean(cl == g) for g in groups])
    e = np.array([np.sum(score[cl == g] - mean) for g in groups])
    v_cr2 = np.sum(e**2 / (1 - q)) / n**2
    naive = np.sum((score - mean) ** 2) / (n - 1) / n
    r = q**2 / (1 - q)
    return mean, v_cr2 / naive, 1 / (np.sum(q**2) + r.sum() ** 2 - np.sum(r**2))


def test_nps_interval_uses_the_untruncated_design_effect():
    # accounts more alike than chance: the design effect is below 1, the interval rests on n / deff > n
    rec = np.array([10, 9, 3, 10, 9, 9, 6, 5, 8, 10, 10, 9, 10, 4, 9, 10])
    cl = np.repeat(np.arange(4), 4)
    score = np.where(rec >= 9, 1.0, np.where(rec <= 6, -1.0, 0.0))
    _, deff, df = _hand_deff(score, cl)
    assert deff < 1
    n_eff = len(rec) / deff
    p, d = np.mean(rec >= 9), np.mean(rec <= 6)
    pa, da = (p * n_eff + 0.75) / (n_eff + 3), (d * n_eff + 0.75) / (n_eff + 3)
    half = sps.t.ppf(0.975, df) * np.sqrt((pa + da - (pa - da) ** 2) / (n_eff + 3))
    for r in (stats.cluster_nps(rec, cl), stats.weighted_cluster_nps(rec, None, cl)):
        assert r["ci_low"] == pytest.approx(100 * (pa - da - half), abs=1e-9)
        assert r["ci_high"] == pytest.approx(100 * min(pa - da + half, 1.0), abs=1e-9)
        assert r["n_eff"] == pytest.approx(len(rec))  # the displayed effective size stays ≤ n
        assert r["design_effect"] == pytest.approx(deff, rel=1e-9)


def test_share_interval_uses_the_untruncated_design_effect():
    flag = np.array([1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0], float)
    cl = np.repeat(np.arange(5), 4)
    p, deff, df = _hand_deff(flag, cl)
    assert deff < 1
    n_eff, z = len(flag) / deff, sps.t.ppf(0.975, df)
    centre = (p + z**2 / (2 * n_eff)) / (1 + z**2 / n_eff)
    half = z / (1 + z**2 / n_eff) * np.sqrt(p * (1 - p) / n_eff + z**2 / (4 * n_eff**2))
    out = stats.cluster_share_ci(stats.grouped_cluster_mean_ci(pd.DataFrame({"acc": cl, "f": flag}), [], "f", "acc"))
    assert out.loc[0, "ci_low"] == pytest.approx(centre - half, abs=1e-12)
    assert out.loc[0, "ci_high"] == pytest.approx(centre + half, abs=1e-12)
    assert out.loc[0, "n_eff"] == pytest.approx(len(flag))
