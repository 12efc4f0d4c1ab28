"""Quantitative analysis: per-need scores, loyalty rules, roll-ups, drivers and comparisons.

Values are checked against independent pandas/scipy computations, the rules at
their edges, the planted truth of the sample (``data/sample/truth.json``) and a
thin assessment (an account with 5 interviews, a need nobody rated).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from cra_helpers import paths, quantitative as Q
from cra_helpers import schema as S
from cra_helpers import stats
from cra_helpers.config import ConfigError, load_config
from cra_helpers.loader import load_assessment

THIN_ACCOUNT = "A050"
UNRATED_NEED = "N07"


@pytest.fixture(scope="module")
def sample():
    return load_assessment(paths.sample_path(), load_config())


@pytest.fixture(scope="module")
def truth():
    return json.loads((paths.sample_dir() / "truth.json").read_text())


@pytest.fixture(scope="module")
def drivers(sample):
    return Q.key_drivers(sample)


@pytest.fixture(scope="module")
def accounts(sample):
    return Q.account_loyalty(sample)


def _thin_workbook(folder: Path) -> Path:
    """The sample with account A050 cut to 5 interviews and need N07 never rated."""
    sheets = pd.read_excel(paths.sample_path(), sheet_name=None, engine="openpyxl")
    contacts = sheets[S.CONTACTS]
    interviews = sheets[S.INTERVIEWS].merge(contacts[[S.CONTACT_ID, S.ACCOUNT_ID]], on=S.CONTACT_ID)
    thin = interviews.loc[interviews[S.ACCOUNT_ID] == THIN_ACCOUNT, S.INTERVIEW_ID]
    dropped = set(thin.iloc[5:])
    for name in (S.INTERVIEWS, S.RATINGS, S.LOYALTY, S.VERBATIMS):
        sheets[name] = sheets[name][~sheets[name][S.INTERVIEW_ID].isin(dropped)]
    sheets[S.RATINGS] = sheets[S.RATINGS][sheets[S.RATINGS][S.NEED_ID] != UNRATED_NEED]
    path = folder / "thin.xlsx"
    with pd.ExcelWriter(path) as xw:
        for name, df in sheets.items():
            df.to_excel(xw, sheet_name=name, index=False)
    return path


@pytest.fixture(scope="module")
def thin_path(tmp_path_factory):
    return _thin_workbook(tmp_path_factory.mktemp("thin"))


@pytest.fixture(scope="module")
def thin(thin_path):
    return load_assessment(thin_path, load_config())


# ---------------------------------------------------------------------------
# Per need
# ---------------------------------------------------------------------------
def test_need_ratings_count_each_interview_once(sample):
    r = Q.need_ratings(sample)
    raw = sample.ratings.drop_duplicates([S.INTERVIEW_ID, S.NEED_ID])
    assert len(r) == len(raw)
    assert not r.duplicated([S.INTERVIEW_ID, S.NEED_ID]).any()


def test_need_scores_against_independent_computation(sample):
    """Portfolio intervals: CR2 with accounts as clusters (full-matrix computation of tests/test_stats_cluster.py)."""
    from tests.test_stats_cluster import cr2_full

    scores = Q.need_scores(sample)
    perf = scores[scores[Q.MEASURE] == S.PERFORMANCE].set_index(S.NEED_ID)
    rated = Q.need_ratings(sample).dropna(subset=[S.PERFORMANCE])
    for need in ("N01", "N09", "N18"):
        sub = rated[rated[S.NEED_ID] == need]
        v, cl = sub[S.PERFORMANCE].to_numpy(float), pd.factorize(sub[S.ACCOUNT_ID].astype(str))[0]
        var, df = cr2_full(np.ones((len(v), 1)), v, cl, np.array([1.0]))
        half = sps.t.ppf(0.975, df) * np.sqrt(var)
        naive_low, naive_high = sps.t.interval(0.95, len(v) - 1, loc=v.mean(), scale=sps.sem(v))
        row = perf.loc[need]
        assert row[Q.N] == len(v) and row["n_accounts"] == len(set(cl))
        assert row[Q.MEAN] == pytest.approx(v.mean())
        assert (row[Q.CI_LOW], row[Q.CI_HIGH]) == (pytest.approx(max(v.mean() - half, 1)), pytest.approx(min(v.mean() + half, 10)))
        assert row["design_effect"] == pytest.approx(var / sps.sem(v) ** 2)
        assert row["interval_basis"] == "accounts as clusters"
        top = int((v >= 9).sum())
        wilson = sps.binomtest(top, len(v)).proportion_ci(method="wilson")
        assert row[Q.TOP2] == pytest.approx(100 * top / len(v))
        assert row[Q.TOP2_LOW] <= 100 * wilson.low + 1e-9 and row[Q.TOP2_HIGH] >= 100 * wilson.high - 1e-9
    wide = Q.need_scores_wide(scores)
    assert len(wide) == len(sample.needs)
    for col in ("importance_mean", "importance_ci_low", "importance_ci_high", "importance_top2_pct", "importance_n",
                "performance_mean", "performance_ci_low", "performance_ci_high", "performance_top2_pct", "performance_n"):
        assert col in wide.columns


def test_need_scores_by_account(sample, truth):
    by = Q.need_scores(sample, by=S.ACCOUNT_ID)
    perf = by[by[Q.MEASURE] == S.PERFORMANCE].groupby(S.ACCOUNT_ID)[Q.MEAN].mean()
    assert set(perf.nsmallest(2).index) == set(truth["at_risk_accounts"])


# ---------------------------------------------------------------------------
# Satisfaction index, segments, NPS classes
# ---------------------------------------------------------------------------
def test_satisfaction_index_by_hand(tables, write, config):
    a = load_assessment(write(tables), config)
    si = Q.satisfaction_index(a).set_index(S.INTERVIEW_ID)
    r = Q.need_ratings(a)
    one = r[r[S.INTERVIEW_ID] == "I02"]
    imp, perf = one[S.IMPORTANCE].to_numpy(), one[S.PERFORMANCE].to_numpy()
    expected = 100 * np.sum(imp * (perf - 1) / 9) / np.sum(imp)
    assert si.loc["I02", Q.SATISFACTION_INDEX] == pytest.approx(expected)
    assert si.loc["I02", Q.NEEDS_RATED] == 3
    # I03 rated all three needs for importance and performance too (its competitor row has none)
    assert si.loc["I03", Q.NEEDS_RATED] == 3
    strict = Q.satisfaction_index(load_assessment(write(tables, name="b.xlsx"), load_config(quantitative={"min_needs_for_index": 4})))
    assert strict[Q.SATISFACTION_INDEX].isna().all()


@pytest.mark.parametrize(
    "sat,cont,rec,segment",
    [
        (9, 9, 9, Q.SECURE),
        (10, 10, 10, Q.SECURE),
        (10, 9, 8.99, Q.FAVORABLE),
        (7, 7, 7, Q.FAVORABLE),
        (9, 9, 6.99, Q.VULNERABLE),
        (5, 5, 5, Q.VULNERABLE),
        (4.99, 10, 10, Q.AT_RISK),
        (9, 9, 0, Q.AT_RISK),
        (1, 1, 1, Q.AT_RISK),
    ],
)
def test_segment_rule_at_its_edges(config, sat, cont, rec, segment):
    seg = Q.loyalty_segment(pd.Series([sat]), pd.Series([cont]), pd.Series([rec]), config.quantitative.segments)
    assert seg.iloc[0] == segment


def test_segment_needs_all_three_answers(config):
    seg = Q.loyalty_segment(pd.Series([np.nan, 9.0]), pd.Series([9.0, np.nan]), pd.Series([9.0, 9.0]), config.quantitative.segments)
    assert seg.isna().all()
    assert list(seg.cat.categories) == list(Q.SEGMENTS)


def test_segment_cut_points_are_configurable():
    cfg = load_config(quantitative={"segments": {"satisfaction": {"top": 10, "second": 8, "middle": 6}}})
    seg = Q.loyalty_segment(pd.Series([9.0]), pd.Series([9.0]), pd.Series([9.0]), cfg.quantitative.segments)
    assert seg.iloc[0] == Q.FAVORABLE


@pytest.mark.parametrize("mean,expected", [(9, 100), (10, 100), (8.99, 0), (6.01, 0), (6, -100), (0, -100)])
def test_account_average_nps_class(sample, mean, expected):
    assert Q._account_nps_class(mean, sample) == expected


def test_invalid_quantitative_settings_are_refused():
    with pytest.raises(ConfigError, match="role_weights"):
        load_config(quantitative={"role_weights": {"buyer": 2}})  # not a decision role of the contract
    with pytest.raises(ConfigError, match="positive"):
        load_config(quantitative={"role_weights": {"user": 0}})
    with pytest.raises(ConfigError, match="detractor_max"):
        load_config(quantitative={"nps": {"promoter_min": 6, "detractor_max": 6}})
    with pytest.raises(ConfigError, match="middle < second < top"):
        load_config(quantitative={"segments": {"recommend": {"top": 7, "second": 8, "middle": 5}}})
    with pytest.raises(ConfigError, match="outcomes"):
        load_config(quantitative={"drivers": {"outcomes": ["share_of_wallet"]}})


# ---------------------------------------------------------------------------
# Loyalty per account and the roll-up
# ---------------------------------------------------------------------------
def test_planted_at_risk_accounts_are_at_risk(accounts, truth):
    seg = accounts.set_index(S.ACCOUNT_ID)[Q.SEGMENT].astype(str)
    for acc in truth["at_risk_accounts"]:
        assert seg[acc] in (Q.AT_RISK, Q.VULNERABLE)
    assert set(accounts.head(2)[S.ACCOUNT_ID]) == set(truth["at_risk_accounts"])  # listed first
    assert set(accounts.nsmallest(2, "nps_all")[S.ACCOUNT_ID]) == set(truth["at_risk_accounts"])
    assert {"account_id", "nps_all", "nps_account_avg", "nps_role_weighted", "satisfaction", "loyalty_segment",
            "n_interviews"} <= set(accounts.columns)


def test_account_figures_against_independent_computation(sample, accounts):
    resp = sample.loyalty_by_respondent()
    row = accounts.set_index(S.ACCOUNT_ID).loc["A005"]
    g = resp[resp[S.ACCOUNT_ID] == "A005"]
    rec = g[S.RECOMMEND].dropna()
    assert row["n_interviews"] == len(g)
    assert row["nps_all"] == pytest.approx(100 * ((rec >= 9).mean() - (rec <= 6).mean()))
    assert row["satisfaction"] == pytest.approx(g[S.SATISFACTION].mean())
    weights = g[S.DECISION_ROLE].astype(str).map({"decision-maker": 3, "influencer": 2, "user": 1})
    replicated = np.repeat(g[S.RECOMMEND].to_numpy(), weights.to_numpy())
    assert row["nps_role_weighted"] == pytest.approx(stats.nps(replicated).nps)
    assert row["nps_account_avg"] == Q._account_nps_class(rec.mean(), sample)
    counted = row[["secure_n", "favorable_n", "vulnerable_n", "at_risk_n", "unclassified_n"]].sum()
    assert counted == len(g)


def test_rollup_three_ways(sample, accounts):
    roll = Q.rollup(sample).set_index([Q.METRIC, Q.METHOD])
    resp = sample.loyalty_by_respondent()
    assert roll.loc[("NPS", Q.ALL_RESPONSES), Q.ESTIMATE] == pytest.approx(stats.nps(resp[S.RECOMMEND]).nps)
    per_account = resp.groupby(S.ACCOUNT_ID)[S.SATISFACTION].mean()
    assert roll.loc[("Satisfaction", Q.ACCOUNT_AVERAGE), Q.ESTIMATE] == pytest.approx(per_account.mean())
    assert roll.loc[("Satisfaction", Q.ACCOUNT_AVERAGE), Q.N] == len(per_account)
    cls = accounts["nps_account_avg"]
    assert roll.loc[("NPS", Q.ACCOUNT_AVERAGE), Q.ESTIMATE] == pytest.approx(100 * ((cls > 0).mean() - (cls < 0).mean()))
    assert set(roll.index.get_level_values(Q.METHOD)) == set(Q.ROLLUP_METHODS)
    assert (roll[Q.CI_LOW] <= roll[Q.ESTIMATE]).all() and (roll[Q.ESTIMATE] <= roll[Q.CI_HIGH]).all()


def test_role_weights_follow_configuration(sample):
    cfg = load_config(quantitative={"role_weights": {"decision-maker": 1, "influencer": 1, "user": 1}})
    flat = load_assessment(paths.sample_path(), cfg)
    roll = Q.rollup(flat).set_index([Q.METRIC, Q.METHOD])[Q.ESTIMATE]
    assert roll[("NPS", Q.ROLE_WEIGHTED)] == pytest.approx(roll[("NPS", Q.ALL_RESPONSES)])
    table = Q.role_weights_table(sample)
    assert table["relative_weight_pct"].sum() == pytest.approx(100)


def test_sales_behaviour(sample, truth):
    sales = Q.sales_behaviour(sample).set_index(S.ACCOUNT_ID)
    sh = sample.sales_history
    a028 = sh[sh[S.ACCOUNT_ID] == "A028"].set_index(S.PERIOD)[S.REVENUE]
    assert sales.loc["A028", "revenue_change_pct"] == pytest.approx(100 * (a028["2025"] - a028["2023"]) / a028["2023"])
    for acc in truth["at_risk_accounts"]:
        assert sales.loc[acc, "revenue_change_pct"] < -25  # revenue down about a third


# ---------------------------------------------------------------------------
# Key drivers
# ---------------------------------------------------------------------------
def test_planted_top_driver_ranks_first(drivers, truth):
    sat = drivers[drivers["outcome"] == S.SATISFACTION]
    assert (sat["level"] == Q.LEVEL_NEED).all()
    top = sat.sort_values("rank").iloc[0]
    assert top[S.NEED_ID] == truth["top_driver"]["need_id"]
    assert top["ci_low"] > sat.sort_values("rank").iloc[1]["ci_high"]  # clearly first, not by chance
    assert top["quadrant"] == Q.HIDDEN_DRIVER  # mid-range stated importance


def test_driver_weights_add_up(drivers):
    for outcome, g in drivers.groupby("outcome"):
        assert g["raw_weight"].sum() == pytest.approx(g["r2"].iloc[0], abs=1e-9)
        assert g["pct_of_r2"].sum() == pytest.approx(100)
    assert {"need_id", "raw_weight", "pct_of_r2", "ci_low", "ci_high", "stated_importance", "outcome"} <= set(drivers.columns)


def test_too_few_respondents_fall_back_to_groups_then_correlations(sample):
    one = Q.key_drivers(sample.filter(accounts="A068"))  # 19 interviews: too few for 20 needs or 6 groups
    assert (one["level"] == Q.LEVEL_CORRELATION).all()
    assert any("too few" in n for n in one.attrs["notes"])
    assert one["pct_of_r2"].isna().all()
    two = Q.key_drivers(sample.filter(accounts=["A068", "A014"]))  # 38 respondents: six groups need 30
    assert (two["level"] == Q.LEVEL_GROUP).all()
    assert set(two["driver"]) == set(sample.needs[S.PRIMARY_GROUP])
    assert any("primary groups" in n for n in two.attrs["notes"])


# ---------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------
def test_comparisons_find_the_planted_accounts_and_nothing_by_role(sample, truth):
    comp = Q.compare_groups(sample, factors=(S.ACCOUNT_ID, S.DECISION_ROLE), measures=(S.SATISFACTION, S.CONTINUE))
    lower = comp[(comp["factor"] == S.ACCOUNT_ID) & (comp["verdict"] == Q.LOWER)]
    assert set(lower["group"]) == set(truth["at_risk_accounts"])
    assert (comp.loc[comp["factor"] == S.DECISION_ROLE, "verdict"] == Q.NO_DIFFERENCE).all()
    tested = comp["p_value"].notna()
    assert (comp.loc[tested, "p_holm"] >= comp.loc[tested, "p_value"]).all()
    # Holm within the factor: the adjusted p of the smallest p is p * (tests in the family)
    fam = comp[(comp["factor"] == S.ACCOUNT_ID) & tested]
    smallest = fam.loc[fam["p_value"].idxmin()]
    assert smallest["p_holm"] == pytest.approx(min(1.0, smallest["p_value"] * len(fam)))


def test_omnibus_tests(sample):
    om = Q.omnibus_tests(sample, measures=(S.SATISFACTION,)).set_index("factor")
    assert bool(om.loc[S.ACCOUNT_ID, "differs"]) and not bool(om.loc[S.DECISION_ROLE, "differs"])
    assert S.WAVE not in om.index  # one wave only


# ---------------------------------------------------------------------------
# A thin assessment: 5 interviews in one account, a need nobody rated
# ---------------------------------------------------------------------------
def test_thin_assessment_is_reported_not_crashed(thin):
    notes = Q.sample_notes(thin)
    assert any(THIN_ACCOUNT in n and "(5)" in n for n in notes)
    assert any(UNRATED_NEED in n for n in notes)
    scores = Q.need_scores(thin)
    unrated = scores[scores[S.NEED_ID] == UNRATED_NEED]
    assert (unrated[Q.N] == 0).all() and unrated[Q.MEAN].isna().all()
    acc = Q.account_loyalty(thin).set_index(S.ACCOUNT_ID)
    assert acc.loc[THIN_ACCOUNT, "n_interviews"] == 5 and bool(acc.loc[THIN_ACCOUNT, "small_sample"])
    assert not math.isnan(acc.loc[THIN_ACCOUNT, "nps_all_ci_low"])
    drivers = Q.key_drivers(thin)
    assert UNRATED_NEED not in set(drivers["driver"])
    assert any(UNRATED_NEED in n for n in drivers.attrs["notes"])
    # the account alone: 5 respondents are too few for any driver model
    alone = thin.filter(accounts=THIN_ACCOUNT)
    assert Q.key_drivers(alone).empty
    comp = Q.compare_groups(alone, measures=(S.SATISFACTION,))
    assert len(comp) > 0 and comp["n_group"].max() <= 2  # groups of 0-2 answers out of 4
    assert comp["p_value"].isna().all() and (comp["verdict"] == "too few answers").all()
    assert any(n.startswith("account_id: fewer than two groups") for n in comp.attrs["notes"])
    assert len(Q.rollup(alone)) == 9


@pytest.mark.slow
def test_thin_assessment_notebook_runs(thin_path, tmp_path):
    import papermill as pm

    out = tmp_path / "out"
    pm.execute_notebook(
        str(paths.notebooks_dir() / "02_quantitative.ipynb"), str(tmp_path / "executed.ipynb"),
        parameters={"data_path": str(thin_path), "out_dir": str(out), "config_path": "", "account": THIN_ACCOUNT},
        kernel_name=load_config().pipeline.kernel_name, progress_bar=False, cwd=str(paths.notebooks_dir()),
    )
    result = json.loads((out / "results" / "02_quantitative.json").read_text())
    texts = " ".join(n["text"] for n in result["notes"])
    assert "Fewer than 8 interviews" in texts and UNRATED_NEED in texts
    assert "none is shown" in texts  # no driver model on 5 respondents, and the report says so
    assert {"need_scores", "loyalty_accounts"} <= set(result["tables"])
    accounts = pd.read_csv(out / "tables" / "loyalty_accounts.csv")
    assert accounts[S.ACCOUNT_ID].tolist() == [THIN_ACCOUNT]
