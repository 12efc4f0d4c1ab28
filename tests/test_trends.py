"""Wave-over-wave trends on the two-wave sample: the planted changes are found, little else is."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from cra_helpers import schema as S
from cra_helpers import sample_waves as sw
from cra_helpers import trends as T
from cra_helpers.config import load_config
from cra_helpers.loader import load_assessment

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"
TRUTH = json.loads((SAMPLE_DIR / sw.WAVES_DIR / sw.TRUTH_WAVES_NAME).read_text(encoding="utf-8"))
WAVE2 = SAMPLE_DIR / sw.WAVES_DIR / TRUTH[sw.TRUTH_CURRENT] / "assessment.xlsx"
CHANGED = {c[S.ACCOUNT_ID] for c in TRUTH[sw.TRUTH_CHANGES]}


@pytest.fixture(scope="module")
def waves():
    return load_assessment(SAMPLE_DIR / "assessment.xlsx"), load_assessment(WAVE2)


@pytest.fixture(scope="module")
def table(waves):
    first, second = waves
    return T.wave_changes(second, first)


def _row(t, metric, scope, account="", need="", location="", competitor="", segment=""):
    m = ((t[T.METRIC] == metric) & (t[T.SCOPE] == scope) & (t[S.ACCOUNT_ID] == account) & (t[S.NEED_ID] == need)
         & (t[S.LOCATION_ID] == location) & (t[S.COMPETITOR_ID] == competitor) & (t[T.SEGMENT_COL] == segment))
    assert m.sum() == 1
    return t[m].iloc[0]


def test_columns(table):
    assert list(table.columns) == list(T.TREND_COLUMNS)
    assert set(table[T.TEST]) == {T.PAIRED, T.INDEPENDENT, T.NOT_ENOUGH}
    assert set(table[T.SCOPE]) == {T.PORTFOLIO, T.ACCOUNT, T.SITE}


@pytest.mark.parametrize("kind", [sw.IMPROVED, sw.WORSENED])
def test_planted_need_changes_are_significant(table, kind):
    c = next(c for c in TRUTH[sw.TRUTH_CHANGES] if c[sw.TRUTH_KIND] == kind)
    r = _row(table, T.PERFORMANCE, T.ACCOUNT, c[S.ACCOUNT_ID], c[S.NEED_ID])
    assert r[T.SIGNIFICANT] and np.sign(r[T.CHANGE]) == np.sign(c[sw.TRUTH_SIZE])
    assert r[T.CI_LOW] <= c[sw.TRUTH_SIZE] <= r[T.CI_HIGH]  # the interval covers the planted size
    assert (" up " if kind == sw.IMPROVED else " down ") in r[T.FINDING]
    assert f"{abs(r[T.CHANGE]):.1f} points" in r[T.FINDING]


def test_turned_account_falls_on_most_needs_and_satisfaction(table):
    c = next(c for c in TRUTH[sw.TRUTH_CHANGES] if c[sw.TRUTH_KIND] == sw.TURNED_AT_RISK)
    perf = table[(table[T.METRIC] == T.PERFORMANCE) & (table[T.SCOPE] == T.ACCOUNT)
                 & (table[S.ACCOUNT_ID] == c[S.ACCOUNT_ID])]
    assert (perf[T.SIGNIFICANT] & (perf[T.CHANGE] < 0)).sum() >= 0.75 * len(perf)
    sat = _row(table, T.SATISFACTION, T.ACCOUNT, c[S.ACCOUNT_ID])
    assert sat[T.SIGNIFICANT] and sat[T.CHANGE] < -1


def test_unchanged_need_at_unchanged_account_not_flagged(table):
    r = _row(table, T.PERFORMANCE, T.ACCOUNT, "A005", "N01")
    assert not r[T.SIGNIFICANT] and "no clear change" in r[T.FINDING]


def test_false_flags_within_the_bound(table):
    """Unchanged in expectation: every row at an account (or its sites) with no planted change, and importance
    everywhere. Benjamini–Hochberg at q = alpha bounds the expected share of false flags among the flagged
    rows by q, so we allow at most k = ceil(q x all flagged rows) false flags; testing each row at the
    nominal alpha instead would flag about alpha x N of the N unchanged rows."""
    q = load_config().trends.alpha
    tested = table[table[T.TEST] != T.NOT_ENOUGH]
    unchanged = tested[((tested[T.SCOPE] != T.PORTFOLIO) & ~tested[S.ACCOUNT_ID].isin(CHANGED))
                       | (tested[T.METRIC] == T.IMPORTANCE)]
    k = int(np.ceil(q * tested[T.SIGNIFICANT].sum()))
    false_flags = int(unchanged[T.SIGNIFICANT].sum())
    assert len(unchanged) > 1000
    assert false_flags <= k < q * len(unchanged)


def test_paired_when_the_same_contacts_answered(waves, table):
    first, second = waves
    both = set(first.interviews[S.CONTACT_ID]) & set(second.interviews[S.CONTACT_ID])
    acc = second.contacts.set_index(S.CONTACT_ID)[S.ACCOUNT_ID]
    per_account = pd.Series([acc[c] for c in both]).value_counts()
    nps = table[(table[T.METRIC] == T.NPS) & (table[T.SCOPE] == T.ACCOUNT)].set_index(S.ACCOUNT_ID)
    # n_paired counts contacts in both waves with an answer in both (at most the contacts in both waves)
    assert (nps[T.N_PAIRED] <= per_account.reindex(nps.index).fillna(0)).all()
    assert (nps[T.N_PAIRED] >= per_account.reindex(nps.index).fillna(0) - 2).all()
    perf = _row(table, T.PERFORMANCE, T.PORTFOLIO, need="N01")
    assert perf[T.TEST] == T.PAIRED and len(both) - 3 <= perf[T.N_PAIRED] <= len(both)
    cfg = load_config()
    assert ((table[T.TEST] == T.PAIRED) == (table[T.N_PAIRED] >= cfg.trends.min_paired)).all()


def _tiny(rows_prev, rows_cur):
    """Two one-account assessments with performance ratings of need N01 by contacts C1…"""
    from cra_helpers.assessment import Assessment

    def build(rows, wave):
        ivs = [f"I{wave}{k}" for k in range(len(rows))]
        tables = {
            S.ACCOUNTS: pd.DataFrame({S.ACCOUNT_ID: ["A1"], S.ACCOUNT_NAME: ["Acme"], S.KEY_ACCOUNT: [True]}),
            S.CONTACTS: pd.DataFrame({S.CONTACT_ID: [c for c, _ in rows], S.ACCOUNT_ID: "A1", S.LOCATION_ID: None}),
            S.NEEDS: pd.DataFrame({S.NEED_ID: ["N01"], S.NEED_NAME: ["Delivery"]}),
            S.INTERVIEWS: pd.DataFrame({S.INTERVIEW_ID: ivs, S.CONTACT_ID: [c for c, _ in rows], S.WAVE: wave}),
            S.RATINGS: pd.DataFrame({S.INTERVIEW_ID: ivs, S.NEED_ID: "N01", S.IMPORTANCE: 8.0,
                                     S.PERFORMANCE: [float(v) for _, v in rows]}),
        }
        return Assessment(tables, load_config(), f"tiny-{wave}")
    return build(rows_prev, "2026"), build(rows_cur, "2027")


def test_paired_t_interval_by_hand():
    prev = [("C1", 5), ("C2", 6), ("C3", 4), ("C4", 7), ("C5", 5), ("C6", 6)]
    cur = [("C1", 7), ("C2", 6), ("C3", 6), ("C4", 8), ("C5", 8), ("C6", 6)]
    a1, a2 = _tiny(prev, cur)
    r = _row(T.wave_changes(a2, a1), T.PERFORMANCE, T.ACCOUNT, "A1", "N01")
    d = np.array([c[1] - p[1] for p, c in zip(prev, cur)], dtype=float)
    half = sps.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    ci = sps.ttest_rel([c[1] for c in cur], [p[1] for p in prev]).confidence_interval(0.95)
    assert r[T.TEST] == T.PAIRED and r[T.N_PAIRED] == 6
    assert r[T.CHANGE] == pytest.approx(d.mean(), abs=1e-12)
    assert r[T.CI_LOW] == pytest.approx(d.mean() - half, abs=1e-9) == pytest.approx(ci.low, abs=1e-9)
    assert r[T.CI_HIGH] == pytest.approx(ci.high, abs=1e-9)
    assert r[T.P_VALUE] == pytest.approx(sps.ttest_rel([c[1] for c in cur], [p[1] for p in prev]).pvalue, abs=1e-12)


def test_welch_when_contacts_differ():
    prev = [(f"C{k}", v) for k, v in enumerate([5, 6, 4, 7, 5, 6])]
    cur = [(f"D{k}", v) for k, v in enumerate([7, 6, 6, 8, 8, 6, 7])]
    a1, a2 = _tiny(prev, cur)
    r = _row(T.wave_changes(a2, a1), T.PERFORMANCE, T.ACCOUNT, "A1", "N01")
    res = sps.ttest_ind([v for _, v in cur], [v for _, v in prev], equal_var=False)
    assert r[T.TEST] == T.INDEPENDENT and r[T.N_PAIRED] == 0
    assert r[T.P_VALUE] == pytest.approx(res.pvalue, abs=1e-12)
    assert r[T.CI_LOW] == pytest.approx(res.confidence_interval(0.95).low, abs=1e-9)


def test_too_few_answers_say_not_enough_data():
    a1, a2 = _tiny([("C1", 5), ("C2", 6), ("C3", 4)], [("C1", 9), ("C2", 9), ("C4", 8)])
    r = _row(T.wave_changes(a2, a1), T.PERFORMANCE, T.ACCOUNT, "A1", "N01")
    assert r[T.TEST] == T.NOT_ENOUGH and np.isnan(r[T.P_VALUE]) and np.isnan(r[T.CI_LOW])
    assert not r[T.SIGNIFICANT] and "not enough data" in r[T.FINDING]


def test_minimum_is_configuration(waves):
    first, second = waves
    cfg = load_config()
    strict = cfg.model_copy(update={"trends": cfg.trends.model_copy(update={"min_paired": 1000, "min_answers": 1000})})
    assert set(T.wave_changes(second, first, strict)[T.TEST]) == {T.NOT_ENOUGH}


@pytest.mark.slow
def test_pipeline_page_names_the_planted_changes(tmp_path):
    from cra_helpers.pipeline import run_pipeline

    out = tmp_path / "run"
    run_pipeline(data=WAVE2, compare=SAMPLE_DIR / "assessment.xlsx", only=["07_trends"], out=out)
    html = next(out.rglob("07_trends*.html")).read_text(encoding="utf-8")
    first = load_assessment(SAMPLE_DIR / "assessment.xlsx")
    for c in TRUTH[sw.TRUTH_CHANGES][:2]:
        assert first.account_names()[c[S.ACCOUNT_ID]] in html
        assert first.need_names()[c[S.NEED_ID]] in html
