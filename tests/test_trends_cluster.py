"""Portfolio trends treat accounts as clusters: CR2 intervals checked by hand, against the two-group function and
the naive tests they replace; account and site rows stay respondent based; p-values read "< 0.001"."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from cra_helpers import schema as S
from cra_helpers import stats
from cra_helpers import trends as T
from cra_helpers import trends_words as W
from cra_helpers.assessment import Assessment
from cra_helpers.config import load_config
from cra_helpers.loader import load_assessment

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"


def _wave(rows, wave):
    """One wave: ``rows`` of (contact, account, performance of need N01)."""
    ivs = [f"I{wave}{k}" for k in range(len(rows))]
    accounts = sorted({a for _, a, _ in rows})
    tables = {
        S.ACCOUNTS: pd.DataFrame({S.ACCOUNT_ID: accounts, S.ACCOUNT_NAME: [f"Account {a}" for a in accounts],
                                  S.KEY_ACCOUNT: True}),
        S.CONTACTS: pd.DataFrame({S.CONTACT_ID: [c for c, _, _ in rows], S.ACCOUNT_ID: [a for _, a, _ in rows],
                                  S.LOCATION_ID: None}),
        S.NEEDS: pd.DataFrame({S.NEED_ID: ["N01"], S.NEED_NAME: ["Delivery"]}),
        S.INTERVIEWS: pd.DataFrame({S.INTERVIEW_ID: ivs, S.CONTACT_ID: [c for c, _, _ in rows], S.WAVE: wave}),
        S.RATINGS: pd.DataFrame({S.INTERVIEW_ID: ivs, S.NEED_ID: "N01", S.IMPORTANCE: 8.0,
                                 S.PERFORMANCE: [float(v) for _, _, v in rows]}),
    }
    return Assessment(tables, load_config(), f"tiny-{wave}")


def _portfolio(t, metric=T.PERFORMANCE):
    r = t[(t[T.METRIC] == metric) & (t[T.SCOPE] == T.PORTFOLIO) & (t[S.NEED_ID] == "N01")]
    assert len(r) == 1
    return r.iloc[0]


def _cr2_intercept_by_hand(y, clusters, level=0.95):
    """CR2 interval of a mean with full matrices: A_g = (I − H_gg)^(−1/2), Bell–McCaffrey df from the p_g vectors."""
    y, clusters = np.asarray(y, float), np.asarray(clusters)
    n = len(y)
    x = np.ones((n, 1))
    m = np.linalg.inv(x.T @ x)
    i_h = np.eye(n) - x @ m @ x.T
    e = i_h @ y
    meat, ps = np.zeros((1, 1)), []
    for g in np.unique(clusters):
        idx = np.flatnonzero(clusters == g)
        lam, vec = np.linalg.eigh(i_h[np.ix_(idx, idx)])
        a = vec @ np.diag(lam**-0.5) @ vec.T
        u = x[idx].T @ a @ e[idx]
        meat += np.outer(u, u)
        ps.append(i_h[:, idx] @ a @ x[idx] @ m[:, 0])
    var = float((m @ meat @ m)[0, 0])
    gram = np.array(ps) @ np.array(ps).T
    df = np.trace(gram) ** 2 / np.sum(gram**2)
    half = sps.t.ppf(0.5 + level / 2, df) * np.sqrt(var)
    return y.mean() - half, y.mean() + half, 2 * sps.t.sf(abs(y.mean()) / np.sqrt(var), df)


# Paired contacts at three accounts whose changes differ: A1 up a lot, A2 a little, A3 down.
PAIRS = {"A1": [(5, 8), (6, 8), (4, 7), (7, 9), (5, 8)], "A2": [(6, 6), (7, 8), (5, 5), (6, 7)],
         "A3": [(8, 7), (7, 7), (9, 7), (8, 8), (6, 6), (7, 6)]}


def _paired_waves(pairs=PAIRS):
    prev = [(f"C{a}{k}", a, p) for a, rows in pairs.items() for k, (p, _) in enumerate(rows)]
    cur = [(f"C{a}{k}", a, c) for a, rows in pairs.items() for k, (_, c) in enumerate(rows)]
    return _wave(prev, "2026"), _wave(cur, "2027")


def test_portfolio_paired_row_is_cr2_of_the_differences_by_hand():
    first, second = _paired_waves()
    r = _portfolio(T.wave_changes(second, first))
    d = np.array([c - p for rows in PAIRS.values() for p, c in rows], float)
    acc = [a for a, rows in PAIRS.items() for _ in rows]
    lo, hi, p = _cr2_intercept_by_hand(d, acc)
    assert r[T.TEST] == T.PAIRED and r[T.N_PAIRED] == len(d) and r[T.N_ACCOUNTS] == 3
    assert r[T.INTERVAL_BASIS] == stats.BASIS_CLUSTERS
    assert r[T.CHANGE] == pytest.approx(d.mean(), abs=1e-12)
    assert r[T.CI_LOW] == pytest.approx(lo, abs=1e-6) and r[T.CI_HIGH] == pytest.approx(hi, abs=1e-6)
    assert r[T.P_VALUE] == pytest.approx(p, abs=1e-6)
    # ... and is not the respondent-level paired t these accounts would have got before
    n_lo, n_hi, n_p = T.paired_t([d.mean()], [d.var(ddof=1)], [len(d)])
    assert abs(r[T.CI_LOW] - n_lo[0]) > 0.1 and (r[T.CI_HIGH] - r[T.CI_LOW]) > 1.5 * (n_hi[0] - n_lo[0])
    assert r[T.P_VALUE] > 2 * n_p[0]
    assert "at 3 accounts, accounts as clusters" in r[T.FINDING]


def test_account_rows_stay_respondent_based():
    first, second = _paired_waves()
    t = T.wave_changes(second, first)
    r = t[(t[T.SCOPE] == T.ACCOUNT) & (t[S.ACCOUNT_ID] == "A1") & (t[T.METRIC] == T.PERFORMANCE)].iloc[0]
    d = np.array([c - p for p, c in PAIRS["A1"]], float)
    ci = sps.ttest_1samp(d, 0.0).confidence_interval(0.95)
    assert r[T.TEST] == T.PAIRED and r[T.N_ACCOUNTS] == 1 and r[T.INTERVAL_BASIS] == stats.BASIS_RESPONDENTS
    assert r[T.CI_LOW] == pytest.approx(ci.low, abs=1e-9) and r[T.CI_HIGH] == pytest.approx(ci.high, abs=1e-9)
    assert "accounts as clusters" not in r[T.FINDING]
    thin = t[(t[S.ACCOUNT_ID] == "A2") & (t[T.METRIC] == T.PERFORMANCE)].iloc[0]  # 4 pairs, 4 answers per wave
    assert thin[T.TEST] == T.NOT_ENOUGH and thin[T.INTERVAL_BASIS] == ""


def _independent_waves():
    prev = {"A1": [5, 6, 4, 7], "A2": [6, 7, 5], "A3": [8, 7, 9, 8]}
    cur = {"A1": [8, 8, 7], "A2": [6, 8, 5, 7], "A3": [7, 7, 8]}
    p_rows = [(f"P{a}{k}", a, v) for a, vals in prev.items() for k, v in enumerate(vals)]
    c_rows = [(f"N{a}{k}", a, v) for a, vals in cur.items() for k, v in enumerate(vals)]
    return _wave(p_rows, "2026"), _wave(c_rows, "2027"), p_rows, c_rows


def test_portfolio_independent_row_is_cluster_diff_ci_on_the_stacked_waves():
    first, second, p_rows, c_rows = _independent_waves()
    r = _portfolio(T.wave_changes(second, first))
    stacked = [*p_rows, *c_rows]
    want = stats.cluster_diff_ci([v for _, _, v in stacked], [False] * len(p_rows) + [True] * len(c_rows),
                                 [a for _, a, _ in stacked])
    assert r[T.TEST] == T.INDEPENDENT and r[T.N_PAIRED] == 0 and r[T.N_ACCOUNTS] == want[T.N_ACCOUNTS] == 3
    assert r[T.INTERVAL_BASIS] == stats.BASIS_CLUSTERS
    assert r[T.CHANGE] == pytest.approx(want["diff"], abs=1e-12)
    assert r[T.CI_LOW] == pytest.approx(want["ci_low"], abs=1e-9) and r[T.CI_HIGH] == pytest.approx(want["ci_high"], abs=1e-9)
    assert r[T.P_VALUE] == pytest.approx(want["p_value"], abs=1e-9)
    welch = sps.ttest_ind([v for _, _, v in c_rows], [v for _, _, v in p_rows], equal_var=False)
    assert r[T.P_VALUE] != pytest.approx(welch.pvalue, abs=1e-3)


def _simulated(paired: bool, seed: int = 7, accounts: int = 8, people: int = 10):
    """Two waves with a strong account effect on the level and on the change (sd 1.5), little noise (sd 0.5)."""
    rng = np.random.default_rng(seed)
    prev, cur = [], []
    for j in range(accounts):
        level, move = rng.normal(6, 1.5), rng.normal(0.3, 1.5)
        for k in range(people):
            person = rng.normal(0, 0.5)
            prev.append((f"C{j}-{k}", f"A{j}", level + person + rng.normal(0, 0.5)))
            cur.append((f"C{j}-{k}" if paired else f"D{j}-{k}", f"A{j}", level + move + person + rng.normal(0, 0.5)))
    return _wave(prev, "2026"), _wave(cur, "2027"), prev, cur


@pytest.mark.parametrize("paired", [True, False])
def test_strong_account_effect_widens_the_portfolio_interval(paired):
    first, second, prev, cur = _simulated(paired)
    r = _portfolio(T.wave_changes(second, first))
    if paired:
        d = np.array([c[2] - p[2] for p, c in zip(prev, cur)])
        lo, hi, _ = T.paired_t([d.mean()], [d.var(ddof=1)], [len(d)])
        naive = float(hi[0] - lo[0])
    else:
        ci = sps.ttest_ind([v for *_, v in cur], [v for *_, v in prev], equal_var=False).confidence_interval(0.95)
        naive = ci.high - ci.low
    assert r[T.TEST] == (T.PAIRED if paired else T.INDEPENDENT) and r[T.N_ACCOUNTS] == 8
    assert r[T.CI_HIGH] - r[T.CI_LOW] > 1.5 * naive


@pytest.fixture(scope="module")
def sample_table():
    first = load_assessment(SAMPLE_DIR / "assessment.xlsx")
    second = load_assessment(SAMPLE_DIR / "waves" / "2027" / "assessment.xlsx")
    return first, second, T.wave_changes(second, first)


def test_sample_portfolio_rows_use_accounts_as_clusters(sample_table):
    *_, t = sample_table
    port, local = t[t[T.SCOPE] == T.PORTFOLIO], t[(t[T.SCOPE] != T.PORTFOLIO) & (t[T.TEST] != T.NOT_ENOUGH)]
    assert (port[T.INTERVAL_BASIS] == stats.BASIS_CLUSTERS).all() and (port[T.N_ACCOUNTS] >= 4).all()
    assert (port[T.N_ACCOUNTS] == 12).sum() >= 40
    assert (local[T.INTERVAL_BASIS] == stats.BASIS_RESPONDENTS).all() and (local[T.N_ACCOUNTS] == 1).all()


def test_portfolio_shares_and_nps_use_the_cluster_test_accounts_keep_the_exact_one(sample_table):
    first, second, t = sample_table
    wide = T._per_contact(first, second)
    rows = t[t[T.METRIC].isin([T.SEGMENT_SHARE, T.NPS]) & (t[T.SCOPE] == T.PORTFOLIO)]
    assert len(rows) == 5
    exact_gap = []
    for _, r in rows.iterrows():
        sub = wide[(wide[T.METRIC] == r[T.METRIC]) & (wide[T.SCOPE] == T.PORTFOLIO) & (wide[T.SEGMENT_COL] == r[T.SEGMENT_COL])]
        pairs = sub.dropna(subset=["_prev", "_cur"])
        want = stats.cluster_mean_ci(pairs["_cur"] - pairs["_prev"], pairs["_cluster"])
        bound = 100 if r[T.METRIC] == T.SEGMENT_SHARE else 200
        assert r[T.TEST] == T.PAIRED and r[T.P_VALUE] == pytest.approx(want["t_p"], abs=1e-9)
        assert r[T.CI_LOW] == pytest.approx(max(want["ci_low"], -bound), abs=1e-9)
        if r[T.METRIC] == T.SEGMENT_SHARE:
            exact_gap.append(abs(r[T.P_VALUE] - T._exact_share_p(sub, T.PAIRED)))
    assert max(exact_gap) > 0.05  # not McNemar's exact p, which treats the respondents as independent
    acc = t[(t[T.METRIC] == T.SEGMENT_SHARE) & (t[T.SCOPE] == T.ACCOUNT) & (t[T.TEST] == T.PAIRED)
            & (t[T.CHANGE] != 0)].iloc[0]
    sub = wide[(wide[T.METRIC] == T.SEGMENT_SHARE) & (wide[T.SCOPE] == T.ACCOUNT)
               & (wide[S.ACCOUNT_ID] == acc[S.ACCOUNT_ID]) & (wide[T.SEGMENT_COL] == acc[T.SEGMENT_COL])]
    assert acc[T.P_VALUE] == pytest.approx(T._exact_share_p(sub, T.PAIRED), abs=1e-12)


def test_adjusted_p_below_a_thousandth_reads_as_such(sample_table):
    *_, t = sample_table
    tiny = t[t[T.P_ADJUSTED] < 0.001]
    assert len(tiny) >= 1
    shown = W.display_table(tiny)
    assert (shown["Adjusted p"] == "< 0.001").all()
    assert all("adjusted p < 0.001" in f for f in tiny[T.FINDING])
    other = W.display_table(t[(t[T.P_ADJUSTED] >= 0.001)].head(20))
    assert other["Adjusted p"].str.fullmatch(r"\d\.\d{3}").all()
    assert list(shown["Accounts"]) == list(tiny[T.N_ACCOUNTS]) and "Interval basis" in shown


def test_a_wave_inside_one_account_gives_no_cluster_interval():
    """CR2 of a difference is not estimable when one wave's answers come from a single account: no interval, no p."""
    first = _wave([(f"P{k}", "A1", v) for k, v in enumerate([5, 6, 7, 5, 6])], "2026")
    second = _wave([(f"N{k}", "A1" if k < 3 else "A2", v) for k, v in enumerate([7, 8, 7, 6, 8, 7])], "2027")
    r = _portfolio(T.wave_changes(second, first))
    assert r[T.TEST] == T.INDEPENDENT and r[T.N_ACCOUNTS] == 2 and r[T.INTERVAL_BASIS] == stats.BASIS_CLUSTERS
    assert np.isnan(r[T.CI_LOW]) and np.isnan(r[T.P_VALUE]) and not r[T.SIGNIFICANT]
    assert "no 95 % interval" in r[T.FINDING] and "adjusted p not computed" in r[T.FINDING]
