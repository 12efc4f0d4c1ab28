"""Portfolio roll-ups with respondent weights, accounts as clusters, against independent computations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from cra_helpers import quantitative as Q
from cra_helpers import schema as S
from cra_helpers import stats
from tests.test_stats_cluster import cr2_full


def _data(seed):
    rng = np.random.default_rng(seed)
    cl = np.repeat(np.arange(9), rng.integers(4, 18, 9))
    y = np.clip(np.round(6 + rng.normal(0, 1.2, 9)[cl] + rng.normal(0, 2, len(cl))), 0, 10)
    return cl, y, rng.choice([1.0, 1.5, 2.0], len(cl))


@pytest.mark.parametrize("weighted", [False, True])
def test_weighted_cluster_mean_equals_full_matrix_cr2(weighted):
    cl, y, w = _data(21)
    w = w if weighted else np.ones(len(y))
    var, df = cr2_full(np.ones((len(y), 1)), y, cl, np.array([1.0]), w)
    r = stats.weighted_cluster_mean(y, w, cl)
    assert r["estimate"] == pytest.approx(np.sum(w * y) / w.sum(), abs=1e-12)
    assert r["se"] ** 2 == pytest.approx(var, abs=1e-9)
    assert r["df"] == pytest.approx(df, abs=1e-6)
    assert r["ci_high"] - r["estimate"] == pytest.approx(sps.t.ppf(0.975, df) * np.sqrt(var), abs=1e-6)
    naive = len(y) / (len(y) - 1) * np.sum(w**2 * (y - r["estimate"]) ** 2) / w.sum() ** 2
    assert r["design_effect"] == pytest.approx(var / naive, abs=1e-6)


def test_unweighted_nps_equals_cluster_nps():
    cl, y, _ = _data(22)
    a, b = stats.weighted_cluster_nps(y, None, cl), stats.cluster_nps(y, cl)
    for k in ("nps", "ci_low", "ci_high", "n_eff", "df"):
        assert a[k] == pytest.approx(b[k], abs=1e-6)


def test_weighted_nps_shares_and_one_account():
    cl, y, w = _data(23)
    r = stats.weighted_cluster_nps(y, w, cl)
    assert r["promoters"] == pytest.approx(np.sum(w * (y >= 9)) / w.sum(), abs=1e-12)
    assert r["ci_low"] <= r["nps"] <= r["ci_high"]
    one = stats.weighted_cluster_mean(y[cl == 0], w[cl == 0], cl[cl == 0])
    assert one["interval_basis"] == stats.BASIS_RESPONDENTS and one["df"] == (cl == 0).sum() - 1


def test_rollup_and_indicators_say_how_the_interval_was_computed(sample):
    roll = Q.rollup(sample)
    assert (roll[stats.INTERVAL_BASIS] == stats.BASIS_CLUSTERS).all() and (roll[stats.N_ACCOUNTS] == 12).all()
    resp = Q.respondent_loyalty(sample)
    allr = roll[(roll[Q.METRIC] == "NPS") & (roll[Q.METHOD] == Q.ALL_RESPONSES)].iloc[0]
    ref = stats.cluster_nps(resp[S.RECOMMEND], resp[S.ACCOUNT_ID])
    assert (allr[Q.CI_LOW], allr[Q.CI_HIGH]) == pytest.approx((ref["ci_low"], ref["ci_high"]), abs=1e-9)
    acc = Q.account_loyalty(sample)
    assert (acc[stats.INTERVAL_BASIS] == stats.BASIS_RESPONDENTS).all()
    ind = Q.loyalty_indicators(sample)
    assert (ind[stats.INTERVAL_BASIS] == stats.BASIS_CLUSTERS).all()
    seg = Q.segment_shares(sample, by=S.LEVEL)
    assert (seg[stats.INTERVAL_BASIS] == stats.BASIS_CLUSTERS).all()


def test_driver_bootstrap_resamples_whole_accounts():
    """The cluster bootstrap equals an independent loop that draws accounts with scipy's generator sequence."""
    from cra_helpers.drivers import _corr_weights, bootstrap_relative_weights

    rng = np.random.default_rng(31)
    cl = np.repeat(np.arange(8), 12)
    x = rng.normal(size=(len(cl), 3)) + rng.normal(size=(8, 3))[cl]
    y = x @ np.array([0.6, 0.3, 0.1]) + rng.normal(size=len(cl)) + rng.normal(size=8)[cl]
    import pandas as pd

    out = bootstrap_relative_weights(pd.DataFrame(x, columns=list("abc")), y, 199, 0.95, 5, cl)
    assert out.attrs["interval_basis"] == stats.BASIS_CLUSTERS and out.attrs["n_accounts"] == 8
    members = [np.flatnonzero(cl == c) for c in range(8)]
    draws = np.random.default_rng(5).integers(0, 8, (199, 8))  # scipy's percentile bootstrap index draws
    raw = np.array([_corr_weights(x[np.concatenate([members[c] for c in d])], y[np.concatenate([members[c] for c in d])])[0]
                    for d in draws])
    assert out["ci_low"].to_numpy() == pytest.approx(np.percentile(raw, 2.5, axis=0), abs=1e-6)
    plain = bootstrap_relative_weights(pd.DataFrame(x, columns=list("abc")), y, 199, 0.95, 5)
    assert plain.attrs["interval_basis"] == stats.BASIS_RESPONDENTS
    assert (out["ci_high"] - out["ci_low"]).mean() > (plain["ci_high"] - plain["ci_low"]).mean()


def test_competitor_differences_follow_the_portfolio_weighting():
    from cra_helpers import gap, paths
    from cra_helpers.loader import load_assessment

    a = load_assessment(paths.sample_path())
    a.config = a.config.model_copy(update={"quantitative": a.config.quantitative.model_copy(update={"portfolio_weighting": "accounts"})})
    out = gap.competitor_gaps(a).set_index([S.NEED_ID, S.COMPETITOR_ID])
    r = a.ratings_by_respondent()
    r = r[r[S.COMPETITOR_ID].notna() & r[S.PERFORMANCE].notna() & r[S.COMPETITOR_PERFORMANCE].notna()]
    r = r.assign(d=r[S.PERFORMANCE] - r[S.COMPETITOR_PERFORMANCE])
    per_account = r.groupby([S.NEED_ID, S.COMPETITOR_ID, S.ACCOUNT_ID], observed=True)["d"].mean()
    every_account = per_account.groupby(level=[0, 1], observed=True).mean()
    every_account.index = every_account.index.set_levels([lv.astype(str) for lv in every_account.index.levels])
    assert out["difference"].to_numpy() == pytest.approx(every_account.reindex(out.index).to_numpy(), abs=1e-9)
    plain = r.groupby([S.NEED_ID, S.COMPETITOR_ID], observed=True)["d"].mean()
    plain.index = plain.index.set_levels([lv.astype(str) for lv in plain.index.levels])
    assert out["difference_respondent_mean"].to_numpy() == pytest.approx(plain.reindex(out.index).to_numpy(), abs=1e-9)
    assert "weighting_differs" in out.columns


def test_nps_follows_the_portfolio_weighting_with_the_respondent_view_beside():
    from cra_helpers import paths
    from cra_helpers.loader import load_assessment

    a = load_assessment(paths.sample_path())
    a.config = a.config.model_copy(update={"quantitative": a.config.quantitative.model_copy(update={"portfolio_weighting": "accounts"})})
    roll = Q.rollup(a)
    row = roll[roll[Q.METHOD] == "Portfolio-weighted (accounts)"].iloc[0]
    resp = Q.respondent_loyalty(a)
    score = np.where(resp[S.RECOMMEND] >= 9, 100.0, np.where(resp[S.RECOMMEND] <= 6, -100.0, 0.0))
    per_account = resp.assign(s=score)[resp[S.RECOMMEND].notna()].groupby(S.ACCOUNT_ID)["s"].mean()
    assert row[Q.ESTIMATE] == pytest.approx(per_account.mean(), abs=1e-9)
    allr = roll[(roll[Q.METRIC] == "NPS") & (roll[Q.METHOD] == Q.ALL_RESPONSES)].iloc[0]
    assert row["respondent_mean"] == pytest.approx(allr[Q.ESTIMATE])
    assert row["weighting_differs"] == (not row[Q.CI_LOW] <= allr[Q.ESTIMATE] <= row[Q.CI_HIGH])


def test_satisfaction_and_role_weighted_rows_follow_the_portfolio_weighting():
    from cra_helpers import paths
    from cra_helpers.loader import load_assessment

    a = load_assessment(paths.sample_path())
    a.config = a.config.model_copy(update={"quantitative": a.config.quantitative.model_copy(update={"portfolio_weighting": "accounts"})})
    roll = Q.rollup(a).set_index([Q.METRIC, Q.METHOD])
    resp = Q.respondent_loyalty(a)
    sat = resp[resp[S.SATISFACTION].notna()]
    # every account once: the mean of the account means; role-weighted: the mean of the accounts' role-weighted means
    plain = sat.groupby(S.ACCOUNT_ID)[S.SATISFACTION].mean().mean()
    by_role = sat.groupby(S.ACCOUNT_ID).apply(lambda g: np.average(g[S.SATISFACTION], weights=g[Q.ROLE_WEIGHT])).mean()
    row = roll.loc[("Satisfaction", "Portfolio-weighted (accounts)")]
    assert row[Q.ESTIMATE] == pytest.approx(plain, abs=1e-9)
    assert row["respondent_mean"] == pytest.approx(roll.loc[("Satisfaction", Q.ALL_RESPONSES), Q.ESTIMATE])
    role_row = roll.loc[("Satisfaction", "Role-weighted, portfolio-weighted (accounts)")]
    assert role_row[Q.ESTIMATE] == pytest.approx(by_role, abs=1e-9)
    assert role_row["respondent_mean"] == pytest.approx(roll.loc[("Satisfaction", Q.ROLE_WEIGHTED), Q.ESTIMATE])
    assert abs(by_role - plain) > 1e-6  # the role weights change the figure on the sample
    for metric in ("NPS", "Satisfaction", "Satisfaction index"):
        r = roll.loc[(metric, "Role-weighted, portfolio-weighted (accounts)")]
        assert r[Q.CI_LOW] <= r[Q.ESTIMATE] <= r[Q.CI_HIGH] and r[stats.N_ACCOUNTS] > 1
