"""Prioritize (01_prioritize): ABC, concentration, value and potential classes, key accounts, diagonal slice.

Values are checked against independent computations (textbook formulas, scipy, plain
pandas), band boundaries one by one, and the sample's planted truth (key accounts,
at-risk accounts, diagonal-slice gaps) is recovered, also for another seed.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from scipy import stats

from cra_helpers import paths, steps
from cra_helpers import prioritize as P
from cra_helpers import sample as sm
from cra_helpers import schema as S
from cra_helpers.assessment import Assessment
from cra_helpers.config import ConfigError, Prioritize, load_config
from cra_helpers.figures import prioritize as F
from cra_helpers.loader import assessment_from_frames, load_assessment

VALUE_BOUNDARIES = {0: "Eliminate", 1: "Marginal", 24: "Marginal", 25: "Average", 75: "Average", 76: "Superior", 100: "Superior"}


# --------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_a() -> Assessment:
    return load_assessment(paths.sample_path())


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((paths.sample_path().parent / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def prioritized(sample_a) -> pd.DataFrame:
    return P.prioritize_accounts(sample_a.accounts, sample_a.sales_history, sample_a.config.prioritize)


def accounts_frame(rows: list[dict]) -> pd.DataFrame:
    """A contract-shaped accounts table (object dtype) from partial rows."""
    base = {S.ACCOUNT_NAME: "Co", S.RELATIONSHIP_TYPE: "customer", S.STATUS: "active", S.REVENUE: 0.0,
            S.KEY_ACCOUNT: "no"}
    out = []
    for i, r in enumerate(rows):
        rec = {c: None for c in S.TABLES[S.ACCOUNTS].column_names}
        rec.update(base)
        rec[S.ACCOUNT_ID] = f"X{i:03d}"
        rec.update(r)
        out.append(rec)
    return pd.DataFrame(out, columns=S.TABLES[S.ACCOUNTS].column_names, dtype=object)


def cfg(**over) -> Prioritize:
    return load_config(prioritize=over).prioritize


def bands(*spec) -> list[dict]:
    """Value bands from (name, min, max) triples."""
    out = []
    for name, lo, hi in spec:
        b = {"name": name, "max": hi, "relationship_plan": f"plan {name}", "contacts_per_year": 1}
        if lo is not None:
            b["min"] = lo
        out.append(b)
    return out


# --------------------------------------------------------------------------
# Configuration: defaults, and band sets that must be refused
# --------------------------------------------------------------------------
def test_yaml_defaults_match_the_model_defaults():
    assert load_config().prioritize == Prioritize()


def test_default_bands_are_the_seed_table():
    c = load_config().prioritize
    assert [(b.name, b.min, b.max, b.relationship_plan, b.contacts_per_year) for b in c.value_classes] == [
        ("Eliminate", None, 0, "recommend competitor", 0), ("Marginal", 1, 24, "quarterly contact", 4),
        ("Average", 25, 75, "monthly contact", 12), ("Superior", 76, 100, "weekly contact", 52)]
    assert [(b.name, b.interaction_method) for b in c.potential_classes] == [
        ("Low", "e-mail only"), ("Average", "telephone, e-mail"), ("High", "face to face, telephone, e-mail")]


@pytest.mark.parametrize("spec, message", [
    ((("A", None, 50), ("B", 51, 100)), "3 to 5 classes, got 2"),
    (tuple((f"C{i}", None if i == 0 else i * 10 + 1, 100 if i == 5 else i * 10 + 10) for i in range(6)), "3 to 5 classes, got 6"),
    ((("A", None, 0), ("B", 1, 30), ("C", 25, 100)), "overlap"),
    ((("A", None, 0), ("B", 1, 24), ("C", 30, 100)), "gap: 25–29%"),
    ((("A", None, 0), ("B", 50, 100), ("C", 1, 49)), "out of order"),
    ((("A", 0, 0), ("B", 1, 24), ("C", 25, 100)), "scores below 0%"),
    ((("A", None, 0), ("B", 1, 24), ("C", 25, 90)), "scores above 90%"),
    ((("A", None, 0), ("B", 1, 24), ("B", 25, 100)), "names must differ"),
    ((("A", None, 0), ("B", 30, 24), ("C", 25, 100)), "min is above max"),
])
def test_bad_value_band_sets_are_refused(spec, message):
    with pytest.raises(ConfigError) as err:
        load_config(prioritize={"value_classes": bands(*spec)})
    text = str(err.value)
    assert "prioritize.value_classes" in text and message in text, text


def test_bad_potential_band_sets_are_refused():
    good = [{"name": n, "min": lo, "max": hi, "interaction_method": "e-mail", "hours_per_contact": 1}
            for n, lo, hi in (("Low", 0, 9), ("Average", 10, 49), ("High", 50, 100))]
    assert len(load_config(prioritize={"potential_classes": good}).prioritize.potential_classes) == 3
    overlapping = [dict(b) for b in good]
    overlapping[2]["min"] = 40
    with pytest.raises(ConfigError, match=r"prioritize\.potential_classes.*overlap"):
        load_config(prioritize={"potential_classes": overlapping})
    with pytest.raises(ConfigError, match="3 to 5 classes"):
        load_config(prioritize={"potential_classes": good[:2]})


def test_three_and_five_classes_are_accepted_and_used():
    three = cfg(value_classes=bands(("Drop", None, 0), ("Keep", 1, 60), ("Grow", 61, 100)),
                key_accounts={"value_classes": ["Grow"]})
    five = cfg(value_classes=bands(("E", None, 0), ("M", 1, 20), ("A", 21, 50), ("G", 51, 80), ("S", 81, 100)),
               key_accounts={"value_classes": ["S"]})
    assert [str(c) for c in P.classify([0, 1, 60, 61, 100], three.value_classes)] == ["Drop", "Keep", "Keep", "Grow", "Grow"]
    assert [str(c) for c in P.classify([0, 20, 21, 50, 51, 80, 81], five.value_classes)] == ["E", "M", "A", "A", "G", "G", "S"]


def test_key_account_rule_must_name_existing_classes():
    with pytest.raises(ConfigError, match="unknown class"):
        load_config(prioritize={"key_accounts": {"value_classes": ["Gold"]}})
    with pytest.raises(ConfigError, match="unknown status"):
        load_config(prioritize={"key_accounts": {"statuses": ["dormant"]}})


@pytest.mark.parametrize("cuts", [[{"name": "A", "upto_pct": 80}, {"name": "B", "upto_pct": 70}, {"name": "C", "upto_pct": 100}],
                                  [{"name": "A", "upto_pct": 80}, {"name": "B", "upto_pct": 95}],
                                  [{"name": "A", "upto_pct": 100}]])
def test_bad_abc_cut_points_are_refused(cuts):
    with pytest.raises(ConfigError, match="abc_classes"):
        load_config(prioritize={"abc_classes": cuts})


# --------------------------------------------------------------------------
# Classes at every band boundary
# --------------------------------------------------------------------------
def test_value_classes_at_every_boundary():
    c = load_config().prioritize
    scores = list(VALUE_BOUNDARIES)
    assert [str(x) for x in P.classify(scores, c.value_classes)] == list(VALUE_BOUNDARIES.values())
    # between whole percents: rounded half up, as the bands are written
    got = [str(x) for x in P.classify([-100, -0.4, 0.49, 0.5, 24.49, 24.5, 75.49, 75.5, 99.9], c.value_classes)]
    assert got == ["Eliminate", "Eliminate", "Eliminate", "Marginal", "Marginal", "Average", "Average", "Superior", "Superior"]
    assert pd.isna(P.classify([np.nan], c.value_classes)[0])


def test_value_classes_at_every_boundary_end_to_end():
    """Accounts built so that their score is exactly 0, 1, 24, 25, 75, 76 and 100 %."""
    c = cfg(value={"trend_weight": 0, "cost_per_returned_order": 0, "value_per_referral": 0, "cost_to_serve": 0,
                   "reference_quantile": 1.0})
    # margin 100 %: net value = revenue; the largest (100,000) is the reference
    rows = [{S.REVENUE: 1000.0 * s if s else 5000.0, S.GROSS_MARGIN: 100.0 if s else 0.0} for s in VALUE_BOUNDARIES]
    a = assessment_from_frames({S.ACCOUNTS: accounts_frame(rows)})
    p = P.prioritize_accounts(a.accounts, None, c).set_index(S.ACCOUNT_ID)
    for i, (score, name) in enumerate(VALUE_BOUNDARIES.items()):
        row = p.loc[f"X{i:03d}"]
        assert row[P.VALUE_SCORE] == pytest.approx(score)
        assert row[P.VALUE_CLASS] == name
    plan = {b.name: (b.relationship_plan, b.contacts_per_year) for b in c.value_classes}
    assert all((r[P.RELATIONSHIP_PLAN], r[P.CONTACTS_PER_YEAR]) == plan[r[P.VALUE_CLASS]] for _, r in p.iterrows())


def test_potential_classes_at_every_boundary():
    c = cfg(potential_reference_quantile=1.0)
    pots = [100_000.0, 9_000.0, 10_000.0, 49_000.0, 50_000.0, 0.0, None, 9_499.0, 9_500.0]
    expect = ["High", "Low", "Average", "Average", "High", "Low", "Low", "Low", "Average"]
    a = assessment_from_frames({S.ACCOUNTS: accounts_frame([{S.POTENTIAL_REVENUE: v} for v in pots])})
    p = P.potential_scores(a.accounts, c)
    assert p[P.POTENTIAL_CLASS].astype(str).tolist() == expect
    assert p[P.POTENTIAL_SCORE].iloc[:5].tolist() == pytest.approx([100, 9, 10, 49, 50])
    methods = {b.name: b.interaction_method for b in c.potential_classes}
    assert p[P.INTERACTION_METHOD].tolist() == [methods[e] for e in expect]


def test_abc_classes_at_the_cut_points():
    c = load_config().prioritize
    # cumulative shares .50 .80 | .95 | 1.00: the account reaching exactly 80 % is A, the one starting at 80 % is B
    got = P.abc_classes(pd.Series([30.0, 50.0, 5.0, 15.0]), c, ids=pd.Series(["b", "a", "d", "c"]))
    assert got[P.CLASS].astype(str).tolist() == ["A", "A", "C", "B"]
    assert got[P.CUMULATIVE].tolist() == pytest.approx([0.80, 0.50, 1.00, 0.95])
    assert got[P.RANK].tolist() == [2, 1, 4, 3]
    # the account crossing a cut point belongs to the class it starts in; zero revenue is C
    # sorted: 79 (0 → 79 %), 14 (79 → 93 %, crosses 80 %), 5 (93 → 98 %, crosses 95 %), 2, 0
    got = P.abc_classes(pd.Series([79.0, 2.0, 14.0, 5.0, 0.0]), c)
    assert got[P.CLASS].astype(str).tolist() == ["A", "C", "A", "B", "C"]
    # ties: the smaller id first
    got = P.abc_classes(pd.Series([10.0, 10.0]), c, ids=pd.Series(["z", "y"]))
    assert got[P.RANK].tolist() == [2, 1]
    # unknown measure: no class; nothing sold at all: everyone in the last class
    got = P.abc_classes(pd.Series([np.nan, 5.0]), c)
    assert pd.isna(got[P.CLASS].iloc[0]) and got[P.CLASS].iloc[1] == "A"
    assert P.abc_classes(pd.Series([0.0, 0.0]), c)[P.CLASS].astype(str).tolist() == ["C", "C"]


def test_abc_cut_points_are_configurable():
    c = cfg(abc_classes=[{"name": "Top", "upto_pct": 50}, {"name": "Rest", "upto_pct": 100}],
            key_accounts={"abc_classes": ["Top"]})
    got = P.abc_classes(pd.Series([50.0, 30.0, 20.0]), c)
    assert got[P.CLASS].astype(str).tolist() == ["Top", "Rest", "Rest"]


# --------------------------------------------------------------------------
# Concentration against textbook definitions
# --------------------------------------------------------------------------
def test_gini_hhi_top_share_and_lorenz_against_definitions():
    rng = np.random.default_rng(3)
    x = np.exp(rng.normal(10, 1.5, 400))
    mad = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())  # mean absolute difference form
    assert P.gini(x) == pytest.approx(mad, rel=1e-9)
    curve = P.lorenz_curve(x, max_points=None)
    area = np.trapezoid(curve[P.VALUE_SHARE], curve[P.ACCOUNTS_SHARE])
    assert P.gini(x) == pytest.approx(1 - 2 * area, rel=1e-9)
    assert P.gini(np.full(7, 3.0)) == pytest.approx(0.0, abs=1e-12)
    assert P.herfindahl(np.full(8, 5.0)) == pytest.approx(10_000 / 8)
    assert P.herfindahl([42.0]) == pytest.approx(10_000)
    assert P.herfindahl([1.0, 3.0]) == pytest.approx(25 ** 2 + 75 ** 2)
    s = np.sort(x)[::-1]
    assert P.top_share(x, 10) == pytest.approx(s[:40].sum() / s.sum())
    assert P.top_share(x, 0.1) == pytest.approx(s[0] / s.sum())  # at least one account
    assert P.top_share([5.0, 0.0, 0.0], 50) == 1.0  # zeros are not accounts that buy
    small = P.lorenz_curve(x, max_points=50)
    assert len(small) <= 50 and small.iloc[0].tolist() == [0, 0] and small.iloc[-1].tolist() == [1, 1]
    assert small[P.VALUE_SHARE].is_monotonic_increasing
    assert math.isnan(P.gini([0.0, 0.0])) and P.lorenz_curve([0.0]).empty


def test_concentration_of_the_sample(prioritized, sample_a):
    conc = P.concentration(prioritized, sample_a.config.prioritize).set_index("measure")
    rev = sample_a.accounts[S.REVENUE]
    rev = rev[rev > 0]
    assert conc.at[S.REVENUE, P.ACCOUNTS_COL] == len(rev)
    assert conc.at[S.REVENUE, "hhi"] == pytest.approx(((rev / rev.sum() * 100) ** 2).sum())
    k = math.ceil(0.2 * len(rev))
    assert conc.at[S.REVENUE, P.top_share_column(20)] == pytest.approx(rev.nlargest(k).sum() / rev.sum())
    # the sample is documented as long-tailed: the top 20 % of accounts with revenue carry about 75 %
    assert 0.65 < conc.at[S.REVENUE, P.top_share_column(20)] < 0.85


def test_segment_breakdown_against_plain_pandas(prioritized, sample_a):
    c = sample_a.config.prioritize
    b = P.segment_breakdown(prioritized, c)
    assert set(b["dimension"]) == set(P.BREAKDOWN_DIMENSIONS)
    reg = b[b["dimension"] == S.REGION].set_index("group")
    expect = prioritized.groupby(prioritized[S.REGION].astype(str))[S.REVENUE].sum()
    assert reg[S.REVENUE].to_dict() == pytest.approx(expect.to_dict())
    for region, grp in prioritized.groupby(prioritized[S.REGION].astype(str)):
        assert reg.at[region, "gini"] == pytest.approx(P.gini(grp[S.REVENUE]))
        assert reg.at[region, "hhi"] == pytest.approx(P.herfindahl(grp[S.REVENUE]))
        assert reg.at[region, "A_accounts"] == int((grp[P.ABC_CLASS] == "A").sum())
        assert reg.at[region, "A_revenue"] == pytest.approx(grp.loc[grp[P.ABC_CLASS] == "A", S.REVENUE].sum())
    # products: an account counts under each product it uses
    prod = b[b["dimension"] == S.PRODUCTS].set_index("group")
    for product in sm.PRODUCTS:
        uses = prioritized[S.PRODUCTS].fillna("").map(lambda v, p=product: p in [x.strip() for x in v.split(";")])
        assert prod.at[product, P.ACCOUNTS_COL] == int(uses.sum())
        assert prod.at[product, S.REVENUE] == pytest.approx(prioritized.loc[uses, S.REVENUE].sum())
    # a missing marketing source is a group of its own
    src = b[b["dimension"] == S.MARKETING_SOURCE].set_index("group")
    assert src.at[P.NOT_GIVEN, P.ACCOUNTS_COL] == int(prioritized[S.MARKETING_SOURCE].isna().sum())


def test_breakdown_trims_and_merges_spellings():
    a = assessment_from_frames({S.ACCOUNTS: accounts_frame([
        {S.REGION: "North", S.REVENUE: 10.0, S.PRODUCTS: "Pumps; Valves"},
        {S.REGION: " North ", S.REVENUE: 20.0, S.PRODUCTS: "Pumps;Pumps"},
        {S.REGION: None, S.REVENUE: 5.0, S.PRODUCTS: None},
    ])})
    p = P.prioritize_accounts(a.accounts)
    b = P.segment_breakdown(p, dimensions=(S.REGION, S.PRODUCTS)).set_index(["dimension", "group"])
    assert b.loc[(S.REGION, "North"), S.REVENUE] == 30.0 and b.loc[(S.REGION, P.NOT_GIVEN), P.ACCOUNTS_COL] == 1
    assert b.loc[(S.PRODUCTS, "Pumps"), P.ACCOUNTS_COL] == 2  # named twice by one account: counted once
    assert b.loc[(S.PRODUCTS, "Pumps"), S.REVENUE] == 30.0 and b.loc[(S.PRODUCTS, P.NOT_GIVEN), S.REVENUE] == 5.0


# --------------------------------------------------------------------------
# Value score
# --------------------------------------------------------------------------
def test_sales_trend_matches_a_least_squares_fit(sample_a):
    sh = sample_a.sales_history
    got = P.sales_trend(sh)
    for acc in ("A005", "A028", "A066", "A012"):
        d = sh[sh[S.ACCOUNT_ID] == acc]
        fit = stats.linregress(d[S.PERIOD].astype(int) + 0.5, d[S.REVENUE])
        assert got.at[acc, P.SALES_TREND] == pytest.approx(fit.slope / d[S.REVENUE].mean())
    # the planted at-risk accounts lost about a third of their revenue in two years
    assert got.loc[["A028", "A066"], P.SALES_TREND].max() < -0.1


def test_sales_trend_annualises_quarters_and_months():
    sh = pd.DataFrame({
        S.ACCOUNT_ID: ["Q"] * 5 + ["M"] * 3 + ["One"],
        S.PERIOD: ["2024", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2025-01", "2025-02", "2025-03", "2025"],
        S.REVENUE: [400.0, 100.0, 100.0, 100.0, 100.0, 10.0, 11.0, 12.0, 7.0],
    })
    got = P.sales_trend(sh, max_abs_trend=5.0)
    assert got.at["Q", P.SALES_TREND] == pytest.approx(0.0, abs=1e-12)  # 400 a year throughout
    fit = stats.linregress([2025 + 0.5 / 12, 2025 + 1.5 / 12, 2025 + 2.5 / 12], [120.0, 132.0, 144.0])
    assert got.at["M", P.SALES_TREND] == pytest.approx(fit.slope / 132.0)  # +109 % a year
    assert P.sales_trend(sh).at["M", P.SALES_TREND] == 1.0  # limited to max_abs_trend
    assert math.isnan(got.at["One", P.SALES_TREND])
    assert P.period_midpoint("2025-Q3") == (2025.625, 0.25)
    with pytest.raises(ValueError):
        P.period_midpoint("2025-13")


def test_value_score_formula_by_hand():
    c = cfg(value={"trend_weight": 0.5, "cost_per_returned_order": 100, "value_per_referral": 1000, "cost_to_serve": 500,
                   "reference_quantile": 1.0})
    rows = [
        {S.REVENUE: 100_000.0, S.GROSS_MARGIN: 30.0, S.RETURNED_ORDERS: 4, S.REFERRALS: 2},
        {S.REVENUE: 10_000.0, S.GROSS_MARGIN: None, S.RETURNED_ORDERS: None, S.REFERRALS: 0},
        {S.REVENUE: 20_000.0, S.GROSS_MARGIN: -10.0, S.RETURNED_ORDERS: 1, S.REFERRALS: 0},
        {S.REVENUE: 50_000.0, S.GROSS_MARGIN: 20.0, S.RETURNED_ORDERS: 0, S.REFERRALS: 0},
        {S.RELATIONSHIP_TYPE: "lead", S.REVENUE: 0.0, S.POTENTIAL_REVENUE: 9000.0},
    ]
    a = assessment_from_frames({S.ACCOUNTS: accounts_frame(rows)})
    sales = pd.DataFrame({S.ACCOUNT_ID: ["X000", "X000"], S.PERIOD: ["2024", "2025"], S.REVENUE: [80_000.0, 100_000.0]})
    v = P.value_scores(a.accounts, sales, c)
    trend = 20_000 / 90_000
    nets = [30_000 * (1 + 0.5 * trend) - 400 + 2000 - 500,
            10_000 * np.median([30.0, -10.0, 20.0]) / 100 - 500,
            -2000 - 100 - 500,
            10_000 - 500]
    assert v[P.NET_VALUE].iloc[:4].tolist() == pytest.approx(nets)
    assert v[P.VALUE_SCORE].iloc[:4].tolist() == pytest.approx([100 * n / max(nets) for n in nets])
    assert v[P.VALUE_CLASS].astype(str).tolist()[2] == "Eliminate"
    assert v[P.RELATIONSHIP_PLAN].iloc[2] == "recommend competitor" and v[P.CONTACTS_PER_YEAR].iloc[2] == 0
    # no revenue anywhere: no score, the no-business class and plan
    assert math.isnan(v[P.VALUE_SCORE].iloc[4])
    assert v[P.VALUE_CLASS].iloc[4] == c.no_business.value_class
    assert v[P.RELATIONSHIP_PLAN].iloc[4] == c.no_business.relationship_plan


def test_value_score_reference_is_the_configured_quantile(prioritized, sample_a):
    q = sample_a.config.prioritize.value.reference_quantile
    scored = prioritized[prioritized[P.VALUE_SCORE].notna()]
    ref = np.quantile(scored.loc[scored[P.NET_VALUE] > 0, P.NET_VALUE], q)
    assert scored[P.VALUE_SCORE].to_numpy() == pytest.approx(np.clip(100 * scored[P.NET_VALUE] / ref, -100, 100).to_numpy())
    share_at_100 = (scored.loc[scored[P.NET_VALUE] > 0, P.VALUE_SCORE] >= 100 - 1e-9).mean()
    assert share_at_100 == pytest.approx(1 - q, abs=0.05)
    assert (scored.loc[scored[P.NET_VALUE] <= 0, P.VALUE_CLASS] == "Eliminate").all()


def test_no_profitable_relationship_at_all():
    a = assessment_from_frames({S.ACCOUNTS: accounts_frame([{S.REVENUE: 1000.0, S.GROSS_MARGIN: -5.0},
                                                           {S.REVENUE: 2000.0, S.GROSS_MARGIN: 1.0}])})
    v = P.value_scores(a.accounts, None, load_config().prioritize)
    assert (v[P.VALUE_SCORE] < 0).all() and (v[P.VALUE_SCORE] >= -100).all()
    assert (v[P.VALUE_CLASS] == "Eliminate").all()


# --------------------------------------------------------------------------
# The sample's planted truth
# --------------------------------------------------------------------------
def test_planted_key_accounts_are_selected(prioritized, truth):
    reason = prioritized.set_index(S.ACCOUNT_ID)[P.KEY_REASON]
    planted, at_risk = set(truth["key_accounts"]), set(truth["at_risk_accounts"])
    # the rule (not only the manual flag) selects every planted key account but the two whose value fell
    assert all("rule" in reason[acc] for acc in planted - at_risk)
    assert all(reason[acc] == "flagged" for acc in at_risk)
    # what the rule adds beyond the planted accounts is rule-only, never flagged
    selected = set(prioritized.loc[prioritized[S.KEY_ACCOUNT], S.ACCOUNT_ID])
    assert all(reason[acc] == "rule" for acc in selected - planted)
    # not only through the manual flag: the ABC rule alone finds them (the 12 largest active customers)
    rule = cfg(key_accounts={"value_classes": [], "include_flagged": False}).key_accounts
    by_abc = P.select_key_accounts(prioritized, rule)
    assert set(truth["key_accounts"]) <= set(prioritized.loc[by_abc[S.KEY_ACCOUNT], S.ACCOUNT_ID])
    assert prioritized.loc[prioritized[S.ACCOUNT_ID].isin(truth["key_accounts"]), P.ABC_CLASS].eq("A").all()


def test_planted_at_risk_accounts_have_the_lowest_value_of_the_key_accounts(prioritized, truth):
    keys = prioritized[prioritized[S.ACCOUNT_ID].isin(truth["key_accounts"])].set_index(S.ACCOUNT_ID)
    at_risk = keys.loc[truth["at_risk_accounts"], P.VALUE_SCORE]
    others = keys.drop(index=truth["at_risk_accounts"])[P.VALUE_SCORE]
    assert at_risk.max() < others.min()
    # flagged, but the rule would not have chosen them: they earn less than their size suggests
    assert set(keys.index[keys[P.KEY_REASON] == "flagged"]) == set(truth["at_risk_accounts"])


def test_planted_slice_gaps_are_flagged(sample_a, prioritized, truth):
    gaps = P.slice_gaps(sample_a, prioritized, sample_a.config.prioritize)
    kinds = {(g, k) for g, k in zip(gaps[S.ACCOUNT_ID], gaps["gap"])}
    no_exec, no_quality = (g["account_id"] for g in truth["slice_gaps"])
    assert (no_exec, P.GAP_NO_EXEC_DM) in kinds
    quality = gaps[(gaps[S.ACCOUNT_ID] == no_quality) & (gaps["gap"] == P.GAP_DEPT_NOT_INTERVIEWED)]
    assert quality["detail"].str.startswith("Quality").any()
    # and nowhere else among the planted key accounts
    planted = gaps[gaps[S.ACCOUNT_ID].isin(truth["key_accounts"])]
    assert set(planted.loc[planted["gap"] == P.GAP_NO_EXEC_DM, S.ACCOUNT_ID]) == {no_exec}
    q = planted[(planted["gap"] == P.GAP_DEPT_NOT_INTERVIEWED) & planted["detail"].str.startswith("Quality")]
    assert set(q[S.ACCOUNT_ID]) == {no_quality}


def test_planted_truth_of_another_seed():
    s = sm.generate_sample(seed=7)
    a = assessment_from_frames(s.tables)
    p = P.prioritize_accounts(a.accounts, a.sales_history, a.config.prioritize)
    assert set(s.truth[sm.TRUTH_KEY_ACCOUNTS]) <= set(p.loc[p[S.KEY_ACCOUNT], S.ACCOUNT_ID])
    gaps = P.slice_gaps(a, p, a.config.prioritize)
    no_exec, no_quality = (g["account_id"] for g in s.truth[sm.TRUTH_SLICE_GAPS])
    assert ((gaps[S.ACCOUNT_ID] == no_exec) & (gaps["gap"] == P.GAP_NO_EXEC_DM)).any()
    assert ((gaps[S.ACCOUNT_ID] == no_quality) & (gaps["gap"] == P.GAP_DEPT_NOT_INTERVIEWED)
            & gaps["detail"].str.startswith("Quality")).any()


def test_recommended_interviews_close_the_gaps(sample_a, prioritized, truth):
    c = sample_a.config.prioritize
    plan = P.recommended_interviews(sample_a, prioritized, c)
    todo = plan[plan["status"] == P.STATUS_TO_INTERVIEW]
    no_quality = truth["slice_gaps"][1]["account_id"]
    assert ((todo[S.ACCOUNT_ID] == no_quality) & (todo[S.DEPARTMENT] == "Quality")).any()
    interviewed = set(sample_a.interviews[S.CONTACT_ID])
    assert set(plan.loc[plan["status"] == P.STATUS_INTERVIEWED, S.CONTACT_ID]) <= interviewed
    assert not set(todo[S.CONTACT_ID]) & interviewed
    # interview the recommended people: every "not interviewed" gap disappears
    extra = pd.DataFrame({S.INTERVIEW_ID: [f"NEW{i}" for i in range(len(todo))], S.CONTACT_ID: todo[S.CONTACT_ID].tolist(),
                          S.DATE: pd.Timestamp("2026-04-01")})
    tables = dict(sample_a.tables)
    tables[S.INTERVIEWS] = pd.concat([sample_a.interviews, extra], ignore_index=True)
    after = P.slice_gaps(Assessment(tables, sample_a.config, sample_a.source), prioritized, c)
    closable = {P.GAP_DEPT_NOT_INTERVIEWED, P.GAP_LEVEL_NOT_INTERVIEWED, P.GAP_SITE_NOT_INTERVIEWED,
                P.GAP_EXEC_DM_NOT_INTERVIEWED, P.GAP_NO_DM_INTERVIEWED}
    assert not after["gap"].isin(closable).any()
    assert P.recommended_interviews(Assessment(tables, sample_a.config, sample_a.source), prioritized, c)["status"].eq(
        P.STATUS_INTERVIEWED).all()


def test_diagonal_slice_counts(sample_a, prioritized):
    keys = prioritized.loc[prioritized[S.KEY_ACCOUNT], S.ACCOUNT_ID]
    sl = P.diagonal_slice(sample_a, prioritized)
    con = sample_a.contacts[sample_a.contacts[S.ACCOUNT_ID].isin(keys)]
    assert sl[P.KNOWN].sum() == len(con)
    assert sl[P.INTERVIEWED].sum() == con[S.CONTACT_ID].isin(sample_a.interviews[S.CONTACT_ID]).sum()
    a059 = sl[sl[S.ACCOUNT_ID] == "A059"]
    assert not ((a059[S.LEVEL] == "executive") & (a059[S.DECISION_ROLE] == "decision-maker")).any()
    cov = P.slice_coverage(sl, prioritized)
    assert cov[P.KNOWN].sum() == len(con) and set(cov[S.ACCOUNT_ID]) == set(keys)


# --------------------------------------------------------------------------
# Matrix, contact plan, top elements
# --------------------------------------------------------------------------
def test_matrix_plan_and_workload(prioritized, sample_a):
    c = sample_a.config.prioritize
    m = P.value_potential_matrix(prioritized, c)
    assert len(m) == (len(c.value_classes) + 1) * len(c.potential_classes)
    cross = pd.crosstab(prioritized[P.VALUE_CLASS].astype(str), prioritized[P.POTENTIAL_CLASS].astype(str))
    for r in m.itertuples():
        expect = cross.at[r.value_class, r.potential_class] if (r.value_class in cross.index and r.potential_class in cross.columns) else 0
        assert r.accounts == expect
    assert m[S.REVENUE].sum() == pytest.approx(prioritized[S.REVENUE].sum())
    plan = P.contact_plan(prioritized)
    assert len(plan) == len(prioritized)
    work = P.contact_workload(plan).set_index(P.VALUE_CLASS)
    assert work.at["Total", "contacts_per_month"] == pytest.approx(prioritized[P.CONTACTS_PER_YEAR].sum() / 12)
    assert work.at["Total", "hours_per_month"] == pytest.approx(
        (prioritized[P.CONTACTS_PER_YEAR] * prioritized[P.HOURS_PER_CONTACT]).sum() / 12)


def test_top_elements_against_plain_counting(prioritized):
    top = P.top_elements(prioritized).set_index("element")
    cells = prioritized[list(S.TOP_ELEMENTS)].astype(object).where(prioritized[list(S.TOP_ELEMENTS)].notna(), "")
    for element in ("Price", "On-time delivery", "Sustainability"):
        names = cells.apply(lambda r, e=element: e in r.tolist(), axis=1)
        assert top.at[element, P.ACCOUNTS_COL] == int(names.sum())
        assert top.at[element, "rank_1"] == int((cells[S.TOP_ELEMENTS[0]] == element).sum())
        assert top.at[element, "key_accounts"] == int((names & prioritized[S.KEY_ACCOUNT]).sum())
        pts = sum(3 - i for i, col in enumerate(S.TOP_ELEMENTS) for v in cells[col] if v == element)
        assert top.at[element, "points"] == pts
    assert top["points"].is_monotonic_decreasing


def test_top_elements_merge_spellings_and_count_an_account_once():
    a = assessment_from_frames({S.ACCOUNTS: accounts_frame([
        {S.TOP_ELEMENTS[0]: "Price", S.TOP_ELEMENTS[1]: " price ", S.TOP_ELEMENTS[2]: "Quality", S.REVENUE: 10.0},
        {S.TOP_ELEMENTS[0]: "quality", S.TOP_ELEMENTS[1]: "Price", S.REVENUE: 30.0},
        {S.TOP_ELEMENTS[0]: "Quality", S.REVENUE: 60.0},
        {S.REVENUE: 0.0},
    ])})
    top = P.top_elements(P.prioritize_accounts(a.accounts)).set_index("element")
    assert top.index.tolist() == ["Quality", "Price"]  # most points first, in the most frequent spelling
    assert top.at["Price", P.ACCOUNTS_COL] == 2 and top.at["Price", "points"] == 3 + 2
    assert top.at["Quality", P.ACCOUNTS_COL] == 3 and top.at["Quality", "points"] == 1 + 3 + 3
    assert top.at["Quality", "rank_1"] == 2
    assert top.at["Price", P.ACCOUNTS_SHARE] == pytest.approx(2 / 3)  # of the three accounts that name anything
    assert top.at["Price", P.REVENUE_SHARE] == pytest.approx(0.4)


def test_key_account_rule_and_or_status_and_flag():
    a = assessment_from_frames({S.ACCOUNTS: accounts_frame([
        {S.REVENUE: 1000.0, S.GROSS_MARGIN: 30.0},                       # A, net 300 = 100 %: Superior
        {S.REVENUE: 500.0, S.GROSS_MARGIN: -50.0},                       # A (crosses 80 %), net -250: Eliminate
        {S.REVENUE: 100.0, S.GROSS_MARGIN: 100.0, S.STATUS: "inactive"},  # B, net 100 = 33 %: Average
        {S.REVENUE: 10.0, S.GROSS_MARGIN: 30.0, S.KEY_ACCOUNT: "yes"},    # C, net 3 = 1 %: Marginal, flagged
    ])})
    base = {"value": {"cost_to_serve": 0, "reference_quantile": 1.0}}
    p = P.prioritize_accounts(a.accounts, None, cfg(**base))
    assert p[P.ABC_CLASS].astype(str).tolist() == ["A", "A", "B", "C"]
    assert p[P.VALUE_CLASS].astype(str).tolist() == ["Superior", "Eliminate", "Average", "Marginal"]
    assert p[S.KEY_ACCOUNT].tolist() == [True, False, False, True]
    assert p[P.KEY_REASON].tolist() == ["rule", "", "", "flagged"]
    c_or = cfg(**base, key_accounts={"combine": "or", "include_flagged": False, "statuses": []})
    assert P.prioritize_accounts(a.accounts, None, c_or)[S.KEY_ACCOUNT].tolist() == [True, True, True, False]
    c_status = cfg(**base, key_accounts={"combine": "or", "include_flagged": False, "statuses": ["active"]})
    assert P.prioritize_accounts(a.accounts, None, c_status)[S.KEY_ACCOUNT].tolist() == [True, True, False, False]
    c_none = cfg(**base, key_accounts={"abc_classes": [], "value_classes": []})
    assert P.prioritize_accounts(a.accounts, None, c_none)[S.KEY_ACCOUNT].tolist() == [False, False, False, True]


# --------------------------------------------------------------------------
# Step 1: an accounts table alone
# --------------------------------------------------------------------------
def test_runs_on_an_accounts_table_alone(sample_a, truth):
    acc = pd.read_excel(paths.sample_path(), sheet_name=S.ACCOUNTS, engine="openpyxl")
    a = assessment_from_frames({S.ACCOUNTS: acc})
    assert list(a.tables) == [S.ACCOUNTS]
    c = a.config.prioritize
    p = P.prioritize_accounts(a.accounts, a.sales_history, c)
    assert len(p) == len(acc) and set(truth["key_accounts"]) <= set(p.loc[p[S.KEY_ACCOUNT], S.ACCOUNT_ID])
    assert p[P.SALES_TREND].isna().all()
    # same ABC and potential as with the whole assessment; value differs only by the missing trend
    full = P.prioritize_accounts(sample_a.accounts, sample_a.sales_history, c).set_index(S.ACCOUNT_ID)
    mine = p.set_index(S.ACCOUNT_ID)
    assert (mine[P.ABC_CLASS] == full.loc[mine.index, P.ABC_CLASS]).all()
    assert (mine[P.POTENTIAL_CLASS] == full.loc[mine.index, P.POTENTIAL_CLASS]).all()
    assert P.diagonal_slice(a, p).empty and P.recommended_interviews(a, p, c).empty
    gaps = P.slice_gaps(a, p, c)
    assert (gaps["gap"] == P.GAP_NO_CONTACTS).all() and len(gaps) == int(p[S.KEY_ACCOUNT].sum())
    notes = " ".join(P.input_notes(a))
    assert "sales_history" in notes and "contacts" in notes
    later = P.later_steps(a)
    expect = {s.name for s in steps.STEPS.values() if set(s.requires) - {S.ACCOUNTS}}
    assert set(later["step"]) == expect
    for fig in (F.value_potential_chart(P.value_potential_matrix(p, c)), F.pareto_chart(p, ["A", "B", "C"], [80, 95, 100])):
        assert fig.data


def _dummy_later_notebook(path: Path) -> None:
    nb = new_notebook(cells=[
        new_markdown_cell("# Later\n\n## Needs ratings"),
        new_code_cell('data_path = ""\nout_dir = ""\nconfig_path = ""', metadata={"tags": ["parameters"]}),
        new_code_cell("raise RuntimeError('must not run without ratings')"),
    ])
    nb.metadata["kernelspec"] = {"name": "cra-workbench", "display_name": "CRA Workbench", "language": "python"}
    nbformat.write(nb, str(path))


@pytest.mark.slow
def test_pipeline_on_an_accounts_only_workbook(tmp_path, monkeypatch):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    shutil.copy(paths.notebooks_dir() / "01_prioritize.ipynb", nbs / "01_prioritize.ipynb")
    _dummy_later_notebook(nbs / "02_later.ipynb")
    monkeypatch.setitem(steps.STEPS, "02_later", steps.Step("02_later", "Later", requires=(S.ACCOUNTS, S.RATINGS)))
    accounts_only = tmp_path / "accounts_only.xlsx"
    acc = pd.read_excel(paths.sample_path(), sheet_name=S.ACCOUNTS, engine="openpyxl")
    acc.to_excel(accounts_only, sheet_name=S.ACCOUNTS, index=False)
    from cra_helpers.pipeline import run_pipeline

    lines: list[str] = []
    out = tmp_path / "out"
    result = run_pipeline(data=accounts_only, out=out, notebooks_dir=nbs, only=["01_prioritize", "02_later"], echo=lines.append)
    status = {n.name: n for n in result.notebooks}
    assert result.ok, [n.error for n in result.failed]
    assert status["01_prioritize"].status == "ok"
    assert status["02_later"].status == "skipped" and "ratings" in status["02_later"].reason
    assert any("skipped" in ln and "02_later" in ln for ln in lines)
    table = pd.read_csv(out / "tables" / "accounts_prioritized.csv")
    required = ["account_id", "revenue", "revenue_share", "cumulative_share", "abc_class", "value_score", "value_class",
                "relationship_plan", "potential_class", "interaction_method", "key_account"]
    assert set(required) <= set(table.columns) and len(table) == len(acc)
    assert (out / "tables" / "contact_plan.csv").is_file() and (out / "tables" / "diagonal_slice.csv").is_file()
    # the report says what the data lacks and which registered steps cannot run (the kernel sees the real registry)
    html = (out / "01_prioritize.html").read_text(encoding="utf-8")
    assert "No sales_history" in html and "No contacts" in html
    for name, step in steps.STEPS.items():
        if name != "02_later" and set(step.requires) - {S.ACCOUNTS}:
            assert name in html


# --------------------------------------------------------------------------
# Figures: escaped text, every class coloured
# --------------------------------------------------------------------------
def test_figures_escape_text_from_the_data(sample_a):
    hostile = '<img src=x onerror="alert(1)">'
    acc = sample_a.accounts.copy()
    acc.loc[acc[S.REVENUE].idxmax(), S.ACCOUNT_NAME] = hostile
    c = sample_a.config.prioritize
    p = P.prioritize_accounts(acc, sample_a.sales_history, c)
    tables = dict(sample_a.tables)
    tables[S.ACCOUNTS] = acc
    a = Assessment(tables, sample_a.config, sample_a.source)
    cov = P.slice_coverage(P.diagonal_slice(a, p), p)
    figs = [
        F.pareto_chart(p, [x.name for x in c.abc_classes], [x.upto_pct for x in c.abc_classes], S.REVENUE, "EUR"),
        F.value_revenue_chart(p, c.value_classes, "EUR"),
        F.slice_coverage_chart(cov, p, P.slice_gaps(a, p, c)),
        F.abc_segments_chart(P.segment_breakdown(p, c), [x.name for x in c.abc_classes]),
    ]
    for fig in figs:
        text = fig.to_json()
        assert "<img" not in text and "onerror=\\\"" not in text
    assert "&lt;img" in figs[0].to_json() and "&lt;img" in figs[2].to_json()
    assert len(F.class_colours(["a", "b", "c", "d", "e"])) == 5 and len(set(F.abc_colours(["A", "B", "C"]).values())) == 3
