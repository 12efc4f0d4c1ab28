"""Group comparisons with accounts as clusters, against independent computations.

The omnibus test (CR2 Wald with the HTZ reference of Pustejovsky & Tipton
2018) is rebuilt here from full matrices in a different parametrisation
(intercept + dummies, :func:`tests.test_stats_cluster.cr2_full` for the
variance by polarisation, the Wishart degrees of freedom from the variance
of the quadratic forms), and must agree to 1e-6.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from cra_helpers import schema as S
from cra_helpers import stats
from cra_helpers.comparisons import HIGHER, LOWER, compare_frame, omnibus_frame
from cra_helpers.config.quantitative import Comparisons
from tests.test_stats_cluster import _inv_sqrt, cr2_full


def _design(rng, sizes, k, icc=0.3):
    cl = np.repeat(np.arange(len(sizes)), sizes)
    y = 6 + rng.normal(0, np.sqrt(icc), len(sizes))[cl] + rng.normal(0, np.sqrt(1 - icc), len(cl))
    grp = rng.integers(0, k, len(cl))
    return cl, y, grp


def _htz_full(y, grp, cl):
    """Wald Q and HTZ η from full matrices, model y = β₀ + Σ_{j≥1} β_j D_j (contrasts β_j)."""
    k = grp.max() + 1
    x = np.column_stack([np.ones(len(y))] + [(grp == j).astype(float) for j in range(1, k)])
    q = k - 1
    cs = np.eye(k)[1:]
    var = np.zeros((q, q))
    for s in range(q):
        for t in range(q):
            if s == t:
                var[s, t] = cr2_full(x, y, cl, cs[s])[0]
            else:  # polarisation: c_s'Vc_t from the variances of c_s ± c_t
                var[s, t] = (cr2_full(x, y, cl, cs[s] + cs[t])[0] - cr2_full(x, y, cl, cs[s] - cs[t])[0]) / 4
    m = np.linalg.inv(x.T @ x)
    beta = m @ x.T @ y
    wald = float(beta[1:] @ np.linalg.inv(var) @ beta[1:])
    h = x @ m @ x.T
    i_h = np.eye(len(y)) - h
    right = m @ cs.T @ _inv_sqrt(cs @ m @ cs.T)
    vecs = []
    for g in np.unique(cl):
        idx = np.flatnonzero(cl == g)
        a = _inv_sqrt(np.eye(len(idx)) - h[np.ix_(idx, idx)])
        vecs.append(i_h[:, idx] @ a @ x[idx] @ right)
    total = 0.0
    for s in range(q):
        for t in range(q):
            b = sum(np.outer(v[:, s], v[:, t]) for v in vecs)  # B_st = Σ_g p_sg p_tg'
            total += np.trace(b @ b) + np.trace(b @ b.T)  # Var(ε'Bε) for ε ~ N(0, I)
    return wald, q * (q + 1) / total


@pytest.mark.parametrize("k,seed", [(3, 11), (4, 12)])
def test_wald_and_htz_df_equal_full_matrix_computation(k, seed):
    rng = np.random.default_rng(seed)
    cl, y, grp = _design(rng, [7, 12, 5, 9, 14, 6, 8, 10, 11, 4], k)
    wald, eta = _htz_full(y, grp, cl)
    r = stats.cluster_wald_groups(y, grp, cl)
    q = k - 1
    assert r["wald"] == pytest.approx(wald, abs=1e-6)
    assert r["df_den"] == pytest.approx(eta - q + 1, abs=1e-6)
    f = (eta - q + 1) / (eta * q) * wald
    assert r["f"] == pytest.approx(f, abs=1e-6)
    assert r["p_value"] == pytest.approx(sps.f.sf(f, q, eta - q + 1), abs=1e-6)


def test_two_group_wald_is_the_cr2_t_test():
    rng = np.random.default_rng(13)
    cl, y, grp = _design(rng, [6, 9, 4, 12, 7, 5, 10, 8], 2)
    r = stats.cluster_wald_groups(y, grp, cl)
    d = stats.cluster_diff_ci(y, grp == 1, cl)
    assert r["f"] == pytest.approx((d["diff"] / d["se"]) ** 2, abs=1e-6)
    assert r["df_den"] == pytest.approx(d["df"], abs=1e-6)
    assert r["p_value"] == pytest.approx(d["p_value"], abs=1e-6)


def test_group_within_one_account_is_not_tested():
    rng = np.random.default_rng(14)
    cl, y, grp = _design(rng, [6, 9, 4, 12], 2)
    grp = np.where(cl == 0, 2, grp)
    grp[cl == 0] = 2
    grp[(cl != 0) & (grp == 2)] = 0
    assert np.isnan(stats.cluster_wald_groups(y, grp, cl)["p_value"])


def _respondents(rng, g=12, m=15, icc=0.3, concentrated=True):
    cl = np.repeat([f"A{i:02d}" for i in range(g)], m)
    eff = np.repeat(rng.normal(0, np.sqrt(icc), g), m)
    probs = rng.dirichlet([0.4] * 3, g) if concentrated else np.full((g, 3), 1 / 3)
    lv = np.concatenate([rng.choice(["L1", "L2", "L3"], m, p=p) for p in probs])
    return pd.DataFrame({S.ACCOUNT_ID: cl, S.LEVEL: lv, S.SATISFACTION: 6 + eff + rng.normal(0, np.sqrt(1 - icc), g * m)})


def test_compare_rows_use_the_cluster_robust_difference():
    rng = np.random.default_rng(15)
    resp = _respondents(rng)
    cfg = Comparisons()
    out = compare_frame(resp, [S.LEVEL, S.ACCOUNT_ID], [S.SATISFACTION], cfg, 0.95)
    assert {stats.N_ACCOUNTS, stats.INTERVAL_BASIS, "p_rank"} <= set(out.columns)
    lv = out[out["factor"] == S.LEVEL]
    for _, row in lv.iterrows():
        r = stats.cluster_diff_ci(resp[S.SATISFACTION], resp[S.LEVEL] == row["group"], resp[S.ACCOUNT_ID])
        assert row["p_value"] == pytest.approx(r["p_value"], abs=1e-12)
        assert (row["diff_ci_low"], row["diff_ci_high"]) == pytest.approx((r["ci_low"], r["ci_high"]), abs=1e-12)
    assert (lv[stats.INTERVAL_BASIS] == stats.BASIS_CLUSTERS).all() and (lv[stats.N_ACCOUNTS] == 12).all()
    acc = out[out["factor"] == S.ACCOUNT_ID].set_index("group")
    agg = resp.groupby(S.ACCOUNT_ID)[S.SATISFACTION].agg(["size", "sum", lambda v: np.sum(v**2)])
    ref = stats.account_vs_rest(*(agg.iloc[:, i].to_numpy(float)[None, :] for i in range(3)))
    assert acc["p_value"].to_numpy() == pytest.approx(ref["p_value"][0], abs=1e-12)
    assert (acc[stats.INTERVAL_BASIS] == stats.BASIS_ACCOUNT_VS_REST).all()


def test_no_flags_where_accounts_alone_differ():
    """Levels concentrated in accounts with strong account effects: the rank test flags, the cluster test does not."""
    cfg = Comparisons()
    rank_flags = cluster_flags = 0
    for seed in range(20):
        resp = _respondents(np.random.default_rng(100 + seed), icc=0.4)
        out = compare_frame(resp, [S.LEVEL], [S.SATISFACTION], cfg, 0.95)
        cluster_flags += out["verdict"].isin([HIGHER, LOWER]).any()
        rank_flags += ((stats.holm(out["p_rank"]) < cfg.alpha) & (out["cliffs_delta"].abs() >= cfg.min_effect)).any()
        om = omnibus_frame(resp, [S.LEVEL], [S.SATISFACTION], cfg)
        assert om.loc[0, stats.INTERVAL_BASIS] == stats.BASIS_CLUSTERS and om.loc[0, stats.N_ACCOUNTS] == 12
    assert cluster_flags <= 3 < rank_flags
