"""The synthetic sample: contract shape, determinism, committed files, planted truths."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cra_helpers import sample as sm
from cra_helpers import schema as S
from cra_helpers.config import load_config

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"
OTHER_SEEDS = (1, 7)


@pytest.fixture(scope="module")
def sample() -> sm.Sample:
    return sm.generate_sample()


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("sample")
    paths = sm.write_sample(out)
    return {p.name: p for p in paths}


# --------------------------------------------------------------------------
# Helpers: the simple computations an analyst would do
# --------------------------------------------------------------------------
def _interviews(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return t[S.INTERVIEWS].merge(t[S.CONTACTS], on=S.CONTACT_ID)


def _our_ratings(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per interview x need (ours), with the account and site of the interviewee."""
    iv = _interviews(t)[[S.INTERVIEW_ID, S.ACCOUNT_ID, S.LOCATION_ID]]
    return t[S.RATINGS].drop_duplicates([S.INTERVIEW_ID, S.NEED_ID]).merge(iv, on=S.INTERVIEW_ID)


def _satisfaction_by_account(t: dict[str, pd.DataFrame]) -> pd.Series:
    loy = t[S.LOYALTY].merge(_interviews(t)[[S.INTERVIEW_ID, S.ACCOUNT_ID]], on=S.INTERVIEW_ID)
    return loy.groupby(S.ACCOUNT_ID)[S.SATISFACTION].mean()


def _site_means(t: dict[str, pd.DataFrame], min_n: int = 5) -> pd.DataFrame:
    r = _our_ratings(t)
    g = r.groupby([S.ACCOUNT_ID, S.LOCATION_ID, S.NEED_ID])[S.PERFORMANCE].agg(["mean", "count"]).reset_index()
    return g[g["count"] >= min_n]


def _competitor_minus_us(t: dict[str, pd.DataFrame]) -> pd.Series:
    r = t[S.RATINGS].dropna(subset=[S.PERFORMANCE, S.COMPETITOR_PERFORMANCE])
    d = r[S.COMPETITOR_PERFORMANCE] - r[S.PERFORMANCE]
    return d.groupby([r[S.COMPETITOR_ID], r[S.NEED_ID]]).mean()


def _driver_correlations(t: dict[str, pd.DataFrame]) -> pd.Series:
    wide = _our_ratings(t).pivot(index=S.INTERVIEW_ID, columns=S.NEED_ID, values=S.PERFORMANCE)
    data = wide.join(t[S.LOYALTY].set_index(S.INTERVIEW_ID)[S.SATISFACTION]).dropna()
    return data.drop(columns=S.SATISFACTION).corrwith(data[S.SATISFACTION])


def _check_planted(smp: sm.Sample) -> None:
    """Every planted fact is recovered by the simple computation, with a margin."""
    t, truth = smp.tables, smp.truth
    # at-risk: the lowest mean satisfaction, clearly apart
    sat = _satisfaction_by_account(t)
    at_risk = truth[sm.TRUTH_AT_RISK]
    assert set(sat.nsmallest(len(at_risk)).index) == set(at_risk)
    assert sat.drop(at_risk).min() - sat[at_risk].max() >= 1.0
    # location gap: >= 3 points between the two named sites, nothing else close
    gap = truth[sm.TRUTH_LOCATION_GAP]
    sites = _site_means(t)
    this = sites[(sites[S.ACCOUNT_ID] == gap[S.ACCOUNT_ID]) & (sites[S.NEED_ID] == gap[S.NEED_ID])].set_index(S.LOCATION_ID)
    low, high = gap[sm.TRUTH_LOCATIONS]
    assert this.loc[high, "mean"] - this.loc[low, "mean"] >= 3.0
    spread = sites.groupby([S.ACCOUNT_ID, S.NEED_ID])["mean"].agg(lambda x: x.max() - x.min())
    assert spread.drop((gap[S.ACCOUNT_ID], gap[S.NEED_ID])).max() < 3.0
    # competitor gap: >= 2 points, the largest competitor-vs-us difference by far
    cg = truth[sm.TRUTH_COMPETITOR_GAP]
    diff = _competitor_minus_us(t)
    key = (cg[S.COMPETITOR_ID], cg[S.NEED_ID])
    assert diff[key] >= 2.0
    assert diff.drop(key).max() <= diff[key] - 1.0
    # top driver: strongest correlation with satisfaction, stated importance only mid-range
    corr = _driver_correlations(t)
    td = truth[sm.TRUTH_TOP_DRIVER][S.NEED_ID]
    assert corr.idxmax() == td
    assert corr[td] - corr.drop(td).max() >= 0.1
    importance = _our_ratings(t).groupby(S.NEED_ID)[S.IMPORTANCE].mean().rank(ascending=False)
    assert importance[td] > 5


# --------------------------------------------------------------------------
# Contract shape and determinism
# --------------------------------------------------------------------------
def test_tables_follow_the_contract(sample):
    assert list(sample.tables) == list(S.TABLE_ORDER)
    for name, frame in sample.tables.items():
        assert list(frame.columns) == S.TABLES[name].column_names, name
        key = list(S.TABLES[name].key)
        assert not frame.duplicated(key).any(), name


def test_same_seed_same_sample():
    a, b = sm.generate_sample(), sm.generate_sample()
    for name in S.TABLE_ORDER:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    assert a.truth == b.truth
    pd.testing.assert_frame_equal(a.verbatim_truth, b.verbatim_truth)


def test_other_seed_other_sample(sample):
    other = sm.generate_sample(seed=sm.DEFAULT_SEED + 1)
    assert not other.tables[S.VERBATIMS].equals(sample.tables[S.VERBATIMS])
    assert other.truth[sm.TRUTH_SEED] == sm.DEFAULT_SEED + 1


def test_truth_keys(sample):
    assert set(sample.truth) == {
        sm.TRUTH_KEY_ACCOUNTS, sm.TRUTH_AT_RISK, sm.TRUTH_LOCATION_GAP, sm.TRUTH_COMPETITOR_GAP,
        sm.TRUTH_TOP_DRIVER, sm.TRUTH_LATENT, sm.TRUTH_SLICE_GAPS, sm.TRUTH_SEED,
    }
    assert sample.truth[sm.TRUTH_SEED] == sm.DEFAULT_SEED
    json.dumps(sample.truth)  # serialisable


def test_ratings_within_configured_scales(sample):
    config = load_config()
    for name, frame in sample.tables.items():
        for col in S.TABLES[name].columns:
            if col.scale:
                scale = config.scale(col.scale)
                values = frame[col.name].dropna()
                assert values.between(scale.min, scale.max).all(), (name, col.name)
            if col.choices:
                assert set(frame[col.name].dropna()) <= set(col.choices), (name, col.name)
            if not col.nullable:
                assert frame[col.name].notna().all(), (name, col.name)


def test_references_resolve(sample):
    t = sample.tables
    for name, table in S.TABLES.items():
        for col in table.columns:
            if col.kind == "ref":
                target = t[col.ref][S.TABLES[col.ref].id_column]
                assert set(t[name][col.name].dropna()) <= set(target), (name, col.name)


# --------------------------------------------------------------------------
# Committed files
# --------------------------------------------------------------------------
def test_committed_workbook_matches_a_fresh_one(written):
    fresh = pd.read_excel(written[sm.XLSX_NAME], sheet_name=None, dtype=object, engine="calamine")
    committed = pd.read_excel(SAMPLE_DIR / sm.XLSX_NAME, sheet_name=None, dtype=object, engine="calamine")
    assert list(committed) == list(S.TABLE_ORDER) == list(fresh)
    for name in S.TABLE_ORDER:
        pd.testing.assert_frame_equal(fresh[name], committed[name], obj=name)


def test_committed_truth_files_are_byte_identical(written):
    for name in (sm.TRUTH_NAME, sm.VERBATIM_TRUTH_NAME):
        assert written[name].read_bytes() == (SAMPLE_DIR / name).read_bytes(), name


def test_workbook_reads_back_as_generated(sample, written):
    back = pd.read_excel(written[sm.XLSX_NAME], sheet_name=S.VERBATIMS, dtype=object, engine="calamine")
    assert back[S.TEXT].tolist() == sample.tables[S.VERBATIMS][S.TEXT].tolist()
    ratings = pd.read_excel(written[sm.XLSX_NAME], sheet_name=S.RATINGS, engine="calamine")
    assert np.allclose(ratings[S.PERFORMANCE], sample.tables[S.RATINGS][S.PERFORMANCE], equal_nan=True)


def test_truth_json_is_sorted_and_indented(written):
    text = written[sm.TRUTH_NAME].read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# Row counts of the sample at DEFAULT_SEED: accounts and verbatims as in data/sample/README.md,
# interviews and rating rows as in the benchmark table of the top-level README (one copy).
SAMPLE_COUNTS = {S.ACCOUNTS: 80, S.INTERVIEWS: 185, S.RATINGS: 6060, S.VERBATIMS: 1987}


@pytest.mark.parametrize("which", ["generated", "committed"])
def test_loader_reads_the_sample_with_its_documented_counts(which, written):
    from cra_helpers.loader import load_assessment

    path = written[sm.XLSX_NAME] if which == "generated" else SAMPLE_DIR / sm.XLSX_NAME
    assessment = load_assessment(path)  # raises AssessmentError on any problem
    t = assessment.tables
    assert list(t) == list(S.TABLE_ORDER) and assessment.absent == []
    assert {name: len(t[name]) for name in SAMPLE_COUNTS} == SAMPLE_COUNTS
    truth = json.loads((SAMPLE_DIR / sm.TRUTH_NAME).read_text(encoding="utf-8"))
    acc = t[S.ACCOUNTS]
    assert sorted(acc.loc[acc[S.KEY_ACCOUNT].fillna(False).astype(bool), S.ACCOUNT_ID]) == truth[sm.TRUTH_KEY_ACCOUNTS]
    assert len(pd.read_csv(SAMPLE_DIR / sm.VERBATIM_TRUTH_NAME)) == SAMPLE_COUNTS[S.VERBATIMS]
    assert len(t[S.LOYALTY]) == SAMPLE_COUNTS[S.INTERVIEWS]
    # every interviewee rates every need once per active competitor (1 or 2)
    per_interview = t[S.RATINGS].groupby(S.INTERVIEW_ID).size()
    assert len(per_interview) == SAMPLE_COUNTS[S.INTERVIEWS]
    assert set(per_interview) <= {len(t[S.NEEDS]), 2 * len(t[S.NEEDS])}


def test_cli_writes_the_sample(tmp_path, capsys):
    from cra_helpers.cli import main

    main(["sample", "--out", str(tmp_path / "s"), "--seed", "3"])
    printed = capsys.readouterr().out.split()
    assert [Path(p).name for p in printed] == [sm.XLSX_NAME, sm.TRUTH_NAME, sm.VERBATIM_TRUTH_NAME, sm.XLSX_NAME,
                                               "truth_waves.json"]
    assert Path(printed[3]).parent.parent == tmp_path / "s" / "waves"
    assert json.loads((tmp_path / "s" / sm.TRUTH_NAME).read_text())[sm.TRUTH_SEED] == 3


# --------------------------------------------------------------------------
# Accounts, slice, interviews
# --------------------------------------------------------------------------
def test_accounts(sample):
    acc = sample.tables[S.ACCOUNTS]
    assert 75 <= len(acc) <= 85
    assert set(acc[S.RELATIONSHIP_TYPE]) == set(S.RELATIONSHIP_TYPES)
    assert 5 <= acc[S.INDUSTRY].nunique() <= 7
    assert 4 <= acc[S.REGION].nunique() <= 5
    assert (acc[S.GROSS_MARGIN] < 0).sum() >= 1
    assert (acc.loc[acc[S.RELATIONSHIP_TYPE].isin(["lead", "prospect"]), S.REVENUE] == 0).all()
    rev = acc.loc[acc[S.REVENUE] > 0, S.REVENUE].sort_values(ascending=False)
    top = rev.iloc[: round(0.2 * len(rev))].sum() / rev.sum()
    assert 0.65 <= top <= 0.9
    choices = {e for e, _ in sm.TOP_ELEMENT_CHOICES}
    for col in S.TOP_ELEMENTS:
        assert set(acc[col].dropna()) <= choices
    products = acc[S.PRODUCTS].dropna().str.split(S.LIST_SEPARATOR).explode()
    assert set(products) <= set(sm.PRODUCTS)


def test_key_accounts_are_the_largest(sample):
    acc = sample.tables[S.ACCOUNTS]
    key = acc[acc[S.KEY_ACCOUNT] == "yes"]
    assert len(key) == sm.N_KEY_ACCOUNTS
    assert sorted(key[S.ACCOUNT_ID]) == sample.truth[sm.TRUTH_KEY_ACCOUNTS]
    largest = set(acc.nlargest(15, S.REVENUE)[S.ACCOUNT_ID])
    assert set(key[S.ACCOUNT_ID]) <= largest
    assert (key[S.STATUS] == "active").all() and (key[S.RELATIONSHIP_TYPE] == "customer").all()


def test_sales_history_matches_latest_revenue(sample):
    acc = sample.tables[S.ACCOUNTS].set_index(S.ACCOUNT_ID)
    sales = sample.tables[S.SALES_HISTORY]
    assert set(sales[S.PERIOD]) == set(sm.PERIODS)
    latest = sales[sales[S.PERIOD] == sm.PERIODS[-1]].set_index(S.ACCOUNT_ID)
    assert np.allclose(latest[S.REVENUE], acc.loc[latest.index, S.REVENUE])
    assert (latest[S.RETURNS] == acc.loc[latest.index, S.RETURNED_ORDERS]).all()
    assert set(latest.index) == set(acc.index[acc[S.REVENUE] > 0])


def test_key_accounts_sites_and_slice(sample):
    t = sample.tables
    key = sample.truth[sm.TRUTH_KEY_ACCOUNTS]
    locs = t[S.LOCATIONS].groupby(S.ACCOUNT_ID).size()
    assert (locs[key] >= 2).all() and (locs[key] <= 4).all()
    assert (locs.drop(key) == 1).all()
    contacts = t[S.CONTACTS]
    assert set(contacts[S.ACCOUNT_ID]) == set(key)
    interviewed = set(t[S.INTERVIEWS][S.CONTACT_ID])
    per = contacts.assign(iv=contacts[S.CONTACT_ID].isin(interviewed)).groupby(S.ACCOUNT_ID)["iv"]
    assert per.sum().between(10, 20).all()
    assert (per.size() - per.sum()).between(1, 4).all()
    assert 160 <= len(t[S.INTERVIEWS]) <= 200
    iv = contacts[contacts[S.CONTACT_ID].isin(interviewed)]
    gaps = {g[S.ACCOUNT_ID] for g in sample.truth[sm.TRUTH_SLICE_GAPS]}
    for account, people in iv.groupby(S.ACCOUNT_ID):
        assert people[S.LOCATION_ID].nunique() >= 2, account
        if account not in gaps:
            assert set(people[S.LEVEL]) == set(S.LEVELS), account
            assert {sm.PURCHASING, sm.ENGINEERING, sm.QUALITY, sm.OPERATIONS, sm.LOGISTICS} <= set(people[S.DEPARTMENT])


def test_slice_gaps(sample):
    contacts = sample.tables[S.CONTACTS]
    interviewed = contacts[S.CONTACT_ID].isin(sample.tables[S.INTERVIEWS][S.CONTACT_ID])
    no_exec, no_quality = sample.truth[sm.TRUTH_SLICE_GAPS]
    people = contacts[contacts[S.ACCOUNT_ID] == no_exec[S.ACCOUNT_ID]]
    assert not ((people[S.LEVEL] == sm.EXECUTIVE) & (people[S.DECISION_ROLE] == sm.DECISION_MAKER)).any()
    at = contacts[S.ACCOUNT_ID] == no_quality[S.ACCOUNT_ID]
    quality = contacts[S.DEPARTMENT] == sm.QUALITY
    assert not (at & quality & interviewed).any()
    assert (at & quality & ~interviewed).any()
    others = contacts[interviewed & ~contacts[S.ACCOUNT_ID].isin([no_exec[S.ACCOUNT_ID], no_quality[S.ACCOUNT_ID]])]
    dm_exec = others[(others[S.LEVEL] == sm.EXECUTIVE) & (others[S.DECISION_ROLE] == sm.DECISION_MAKER)]
    assert set(dm_exec[S.ACCOUNT_ID]) == set(others[S.ACCOUNT_ID])


def test_interviews(sample):
    iv = sample.tables[S.INTERVIEWS]
    span = (iv[S.DATE].max() - iv[S.DATE].min()).days
    assert 28 <= span <= 45
    assert iv[S.INTERVIEWER].nunique() == 3
    assert iv[S.DURATION_MIN].between(45, 60).all()
    assert (iv[S.WAVE] == sm.WAVE_LABEL).all()
    assert len(sample.tables[S.LOYALTY]) == len(iv)


def test_ratings_long_format(sample):
    t = sample.tables
    r = t[S.RATINGS]
    assert len(t[S.NEEDS]) == 20 and t[S.NEEDS][S.PRIMARY_GROUP].nunique() == 6
    assert len(t[S.COMPETITORS]) == 3
    iv = _interviews(t)
    n_comp = r.groupby(S.INTERVIEW_ID)[S.COMPETITOR_ID].nunique()
    assert n_comp.between(1, 2).all()
    per_account = r.merge(iv[[S.INTERVIEW_ID, S.ACCOUNT_ID]], on=S.INTERVIEW_ID).groupby(S.ACCOUNT_ID)[S.COMPETITOR_ID].nunique()
    assert per_account.between(1, 2).all()
    counts = r.groupby([S.INTERVIEW_ID, S.COMPETITOR_ID]).size()
    assert (counts == len(t[S.NEEDS])).all()  # every need rated for every competitor
    ours = r.drop_duplicates([S.INTERVIEW_ID, S.NEED_ID])
    assert 0.002 <= ours[S.PERFORMANCE].isna().mean() <= 0.03
    assert 0.002 <= ours[S.IMPORTANCE].isna().mean() <= 0.03


# --------------------------------------------------------------------------
# Planted truths
# --------------------------------------------------------------------------
def test_at_risk_accounts(sample):
    t = sample.tables
    at_risk = sample.truth[sm.TRUTH_AT_RISK]
    assert len(at_risk) == 2 and set(at_risk) <= set(sample.truth[sm.TRUTH_KEY_ACCOUNTS])
    sat = _satisfaction_by_account(t)
    assert set(sat.nsmallest(2).index) == set(at_risk)
    loy = t[S.LOYALTY].merge(_interviews(t), on=S.INTERVIEW_ID)
    risky = loy[S.ACCOUNT_ID].isin(at_risk)
    dm = loy[S.DECISION_ROLE] == sm.DECISION_MAKER
    assert (loy.loc[risky & dm, S.RECOMMEND].dropna() <= 6).all()
    assert loy.loc[risky, S.CONTINUE].mean() < loy.loc[~risky, S.CONTINUE].mean() - 2
    assert loy.loc[risky, S.SHARE_OF_WALLET].mean() < loy.loc[~risky, S.SHARE_OF_WALLET].mean() - 15
    sales = t[S.SALES_HISTORY].pivot(index=S.ACCOUNT_ID, columns=S.PERIOD, values=S.REVENUE)
    for a in at_risk:
        assert sales.loc[a, "2023"] > sales.loc[a, "2024"] > sales.loc[a, "2025"]
    acc = t[S.ACCOUNTS].set_index(S.ACCOUNT_ID).loc[sample.truth[sm.TRUTH_KEY_ACCOUNTS]]
    rate = acc[S.RETURNED_ORDERS] / acc[S.VOLUME]
    assert rate[at_risk].min() > rate.drop(at_risk).max()
    # a competitor is rated better than us there
    diff = t[S.RATINGS].merge(_interviews(t)[[S.INTERVIEW_ID, S.ACCOUNT_ID]], on=S.INTERVIEW_ID)
    diff = (diff[S.COMPETITOR_PERFORMANCE] - diff[S.PERFORMANCE]).groupby([diff[S.ACCOUNT_ID], diff[S.COMPETITOR_ID]]).mean()
    for a in at_risk:
        assert diff.loc[a].max() >= 1.0


def test_location_gap(sample):
    gap = sample.truth[sm.TRUTH_LOCATION_GAP]
    assert gap[S.ACCOUNT_ID] in sample.truth[sm.TRUTH_KEY_ACCOUNTS]
    assert gap[S.ACCOUNT_ID] not in sample.truth[sm.TRUTH_AT_RISK]
    sites = _site_means(sample.tables)
    this = sites[(sites[S.ACCOUNT_ID] == gap[S.ACCOUNT_ID]) & (sites[S.NEED_ID] == gap[S.NEED_ID])].set_index(S.LOCATION_ID)
    low, high = gap[sm.TRUTH_LOCATIONS]
    assert {low, high} <= set(this.index)  # both sites have >= 5 interviews
    assert this.loc[high, "mean"] - this.loc[low, "mean"] >= 3.0


def test_competitor_gap(sample):
    cg = sample.truth[sm.TRUTH_COMPETITOR_GAP]
    diff = _competitor_minus_us(sample.tables)
    assert diff[(cg[S.COMPETITOR_ID], cg[S.NEED_ID])] >= 2.0
    r = sample.tables[S.RATINGS]
    rows = r[(r[S.COMPETITOR_ID] == cg[S.COMPETITOR_ID]) & (r[S.NEED_ID] == cg[S.NEED_ID])].dropna(
        subset=[S.PERFORMANCE, S.COMPETITOR_PERFORMANCE])
    assert len(rows) >= 30
    assert (rows[S.COMPETITOR_PERFORMANCE] > rows[S.PERFORMANCE]).all()


def test_top_driver(sample):
    td = sample.truth[sm.TRUTH_TOP_DRIVER][S.NEED_ID]
    corr = _driver_correlations(sample.tables)
    assert corr.idxmax() == td
    perf = _our_ratings(sample.tables).groupby(S.NEED_ID)[S.PERFORMANCE].std()
    assert perf[td] >= 1.5  # real spread across respondents


@pytest.mark.parametrize("seed", [sm.DEFAULT_SEED, *OTHER_SEEDS])
def test_planted_facts_recovered_with_margin(seed, sample):
    _check_planted(sample if seed == sm.DEFAULT_SEED else sm.generate_sample(seed))


# --------------------------------------------------------------------------
# Verbatims and the needs bank
# --------------------------------------------------------------------------
def test_verbatims_and_truth(sample):
    v = sample.tables[S.VERBATIMS]
    vt = sample.verbatim_truth
    assert 1800 <= len(v) <= 2300
    assert list(vt.columns) == [S.VERBATIM_ID, sm.TERTIARY, sm.SECONDARY, sm.PRIMARY, sm.POLARITY]
    assert vt[S.VERBATIM_ID].tolist() == v[S.VERBATIM_ID].tolist()
    assert vt.notna().all().all()
    per_interview = v.groupby(S.INTERVIEW_ID).size()
    assert 9 <= per_interview.mean() <= 13
    off = (vt[sm.TERTIARY] == sm.OFF_TOPIC).mean()
    assert 0.02 <= off <= 0.09
    assert ((vt[sm.TERTIARY] == sm.OFF_TOPIC) == (vt[sm.PRIMARY] == sm.OFF_TOPIC)).all()
    assert v[S.TOPIC].nunique() >= 4
    assert v[S.TEXT].nunique() >= 0.8 * len(v)  # varied, not templated
    assert not v[S.TEXT].str.contains(r"[{}]").any()  # every slot filled
    assert not v[S.TEXT].str.match(r"^[=+\-@]").any()


def test_latent_needs_only_in_verbatims(sample):
    latent = sample.truth[sm.TRUTH_LATENT]
    assert len(latent) == 3
    secondaries = set(sample.verbatim_truth[sm.SECONDARY])
    assert set(latent) <= secondaries
    names = set(sample.tables[S.NEEDS][S.NEED_NAME])
    assert not set(latent) & names
    counts = sample.verbatim_truth[sm.SECONDARY].value_counts()
    assert (counts[latent] >= 20).all()


def test_verbatim_hierarchy_matches_bank(sample):
    tree = sm.needs_tree()
    known = set(map(tuple, tree[[sm.TERTIARY, sm.SECONDARY, sm.PRIMARY]].to_numpy()))
    known.add((sm.OFF_TOPIC,) * 3)
    used = set(map(tuple, sample.verbatim_truth[[sm.TERTIARY, sm.SECONDARY, sm.PRIMARY]].to_numpy()))
    assert used <= known
    assert len(used) >= 0.95 * len(known)
    rated = tree[~tree[sm.LATENT]]
    needs = sample.tables[S.NEEDS].set_index(S.NEED_ID)
    for row in rated.itertuples():
        assert needs.loc[getattr(row, S.NEED_ID), S.NEED_NAME] == row.secondary
        assert needs.loc[getattr(row, S.NEED_ID), S.PRIMARY_GROUP] == row.primary


def test_needs_bank_shape():
    bank = sm.load_needs_bank()
    tree = sm.needs_tree()
    assert tree[sm.PRIMARY].nunique() == 6
    assert tree.loc[~tree[sm.LATENT], S.NEED_ID].nunique() == 20
    assert 45 <= len(tree) <= 60
    assert tree.groupby(sm.SECONDARY).size().between(2, 3).all()
    assert not tree[sm.TERTIARY].duplicated().any()
    for group in bank["primary_groups"]:
        for need in group["needs"]:
            for tert in need["tertiary"]:
                # one phrasing list per planted polarity: praise, complaint, and neutral (wish for latent needs)
                for kind in ("positive", "negative", "request" if need.get("latent") else "neutral"):
                    assert len(set(tert[kind])) >= 8, (tert["name"], kind)
    for kind in ("positive", "negative", "neutral", "request", "general"):
        assert bank["topics"][kind], kind
    for key in ("openers", "closers", "connectors", "off_topic"):
        assert bank[key]


# --------------------------------------------------------------------------
# Polarity of the verbatims
# --------------------------------------------------------------------------
def _verbatims_with_ratings(smp: sm.Sample) -> pd.DataFrame:
    """Verbatims with their planted truth, the respondent's account, rating of the need and mean performance."""
    t = smp.tables
    tree = sm.needs_tree()
    v = t[S.VERBATIMS].merge(smp.verbatim_truth, on=S.VERBATIM_ID)
    v[S.NEED_ID] = v[sm.TERTIARY].map(dict(zip(tree[sm.TERTIARY], tree[S.NEED_ID])))
    ours = t[S.RATINGS].drop_duplicates([S.INTERVIEW_ID, S.NEED_ID])
    v = v.merge(ours[[S.INTERVIEW_ID, S.NEED_ID, S.IMPORTANCE, S.PERFORMANCE]], on=[S.INTERVIEW_ID, S.NEED_ID], how="left")
    mean_perf = ours.groupby(S.INTERVIEW_ID)[S.PERFORMANCE].mean().rename("mean_performance")
    v = v.merge(mean_perf, on=S.INTERVIEW_ID)
    v = v.merge(_interviews(t)[[S.INTERVIEW_ID, S.ACCOUNT_ID]], on=S.INTERVIEW_ID)
    assert len(v) == len(t[S.VERBATIMS])
    return v


def _scale() -> tuple[float, float]:
    """The configured performance scale; the rule compares importance with it (same bounds)."""
    config = load_config()
    perf = config.scale(S.TABLES[S.RATINGS].column(S.PERFORMANCE).scale)
    imp = config.scale(S.TABLES[S.RATINGS].column(S.IMPORTANCE).scale)
    assert (imp.min, imp.max) == (perf.min, perf.max)
    assert (perf.min, perf.max) == sm.PERFORMANCE_SCALE
    return perf.min, perf.max


def test_polarity_rule_on_the_configured_scale():
    lo, hi = _scale()
    ratings = np.arange(lo, hi + 1)
    got = sm.polarity(ratings, lo=lo, hi=hi).tolist()
    # 1-10: 1-4 negative, 5-7 neutral, 8-10 positive
    assert got == [sm.NEGATIVE] * 4 + [sm.NEUTRAL] * 3 + [sm.POSITIVE] * 3
    # in the middle band, importance three or more points above performance makes it a complaint
    assert sm.polarity(6, 9, lo, hi) == sm.NEGATIVE
    assert sm.polarity(7, 10, lo, hi) == sm.NEGATIVE
    assert sm.polarity(6, 8, lo, hi) == sm.NEUTRAL
    assert sm.polarity(8, 10, lo, hi) == sm.POSITIVE and sm.polarity(4, 1, lo, hi) == sm.NEGATIVE
    assert sm.polarity(6, np.nan, lo, hi) == sm.NEUTRAL
    assert sm.polarity(np.nan, 5, lo, hi) is None
    # the cut points are shares of the scale's range: 0-10 and 1-5 scales work the same way
    assert sm.polarity(np.arange(0, 11), lo=0, hi=10).tolist() == [sm.NEGATIVE] * 4 + [sm.NEUTRAL] * 4 + [sm.POSITIVE] * 3
    assert sm.polarity(np.arange(1, 6), lo=1, hi=5).tolist() == [sm.NEGATIVE] * 2 + [sm.NEUTRAL] + [sm.POSITIVE] * 2


@pytest.mark.parametrize("seed", [sm.DEFAULT_SEED, *OTHER_SEEDS])
def test_every_verbatim_has_the_polarity_of_its_speakers_ratings(seed, sample):
    """The documented rule, checked verbatim by verbatim against the tables an analyst sees."""
    smp = sample if seed == sm.DEFAULT_SEED else sm.generate_sample(seed)
    lo, hi = _scale()
    v = _verbatims_with_ratings(smp)
    assert set(v[sm.POLARITY]) == set(sm.POLARITIES)
    off = v[sm.TERTIARY] == sm.OFF_TOPIC
    latent = v[sm.SECONDARY].isin(smp.truth[sm.TRUTH_LATENT])
    rated = ~off & ~latent
    assert v.loc[rated, S.NEED_ID].notna().all()
    # rated need: the recorded performance (and importance) of that need; the mean performance if it is missing
    r = v[rated]
    missing = r[S.PERFORMANCE].isna()
    assert 1 <= missing.sum() <= 0.05 * len(r)  # the fallback is exercised
    expected = np.where(missing, sm.polarity(r["mean_performance"], None, lo, hi),
                        sm.polarity(r[S.PERFORMANCE], r[S.IMPORTANCE], lo, hi))
    assert (r[sm.POLARITY].to_numpy() == expected).all()
    # latent need: the respondent's mean performance, mostly a wish (neutral); small talk: neutral
    lv = v[latent]
    assert (lv[sm.POLARITY].to_numpy() == sm.polarity(lv["mean_performance"], None, lo, hi)).all()
    assert (lv[sm.POLARITY] == sm.NEUTRAL).mean() >= 0.7
    assert (lv[sm.POLARITY] == sm.NEGATIVE).any()
    assert (v.loc[off, sm.POLARITY] == sm.NEUTRAL).all()
    # every kind of remark and polarity is present in a useful amount
    shares = v[sm.POLARITY].value_counts(normalize=True)
    assert (shares >= 0.15).all(), shares.to_dict()


def test_remarks_about_the_worst_rated_need_are_complaints(sample):
    v = _verbatims_with_ratings(sample)
    ours = _our_ratings(sample.tables)
    low = ours[S.PERFORMANCE] == ours.groupby(S.INTERVIEW_ID)[S.PERFORMANCE].transform("min")
    high = ours[S.PERFORMANCE] == ours.groupby(S.INTERVIEW_ID)[S.PERFORMANCE].transform("max")
    key = [S.INTERVIEW_ID, S.NEED_ID]
    worst = v.merge(ours.loc[low, key], on=key)
    best = v.merge(ours.loc[high, key], on=key)
    assert len(worst) >= 100 and len(best) >= 100
    # what a respondent says about the need they rated worst is mostly a complaint, never praise ...
    assert (worst[sm.POLARITY] == sm.NEGATIVE).mean() >= 0.5
    assert not (worst[sm.POLARITY] == sm.POSITIVE).any()
    # ... and about the need they rated best mostly praise
    assert (best[sm.POLARITY] == sm.POSITIVE).mean() >= 0.6
    # across needs: the worst-rated need draws many complaints; complaints follow the importance-performance
    # gap and praise follows performance (rank correlations over the 20 needs)
    means = ours.groupby(S.NEED_ID)[S.PERFORMANCE].mean()
    gap = (ours[S.IMPORTANCE] - ours[S.PERFORMANCE]).groupby(ours[S.NEED_ID]).mean()
    pol = v.dropna(subset=[S.NEED_ID]).groupby(S.NEED_ID)[sm.POLARITY]
    neg = pol.apply(lambda p: (p == sm.NEGATIVE).mean())
    pos = pol.apply(lambda p: (p == sm.POSITIVE).mean())
    assert neg[means.idxmin()] >= 0.3
    assert gap.corr(neg, method="spearman") >= 0.7
    assert means.corr(pos, method="spearman") >= 0.7
    # whoever rates price (N12) in the bottom band complains about price, every time
    price = v[(v[S.NEED_ID] == "N12") & (v[S.PERFORMANCE] <= 4)]
    assert len(price) >= 5 and (price[sm.POLARITY] == sm.NEGATIVE).all()


def test_at_risk_accounts_speak_mostly_negatively(sample):
    v = _verbatims_with_ratings(sample)
    share = (v[sm.POLARITY] == sm.NEGATIVE).groupby(v[S.ACCOUNT_ID]).mean()
    at_risk = sample.truth[sm.TRUTH_AT_RISK]
    assert share[at_risk].min() > 0.5
    assert share[at_risk].min() > share.drop(at_risk).max() + 0.2


def test_wording_follows_the_planted_polarity(sample):
    """A general-purpose sentiment lexicon (VADER) orders the three polarities as planted."""
    vader = pytest.importorskip("vaderSentiment.vaderSentiment")
    analyzer = vader.SentimentIntensityAnalyzer()
    score = sample.tables[S.VERBATIMS][S.TEXT].map(lambda x: analyzer.polarity_scores(x)["compound"])
    mean = score.groupby(sample.verbatim_truth[sm.POLARITY].to_numpy()).mean()
    assert mean[sm.NEGATIVE] < mean[sm.NEUTRAL] - 0.05 < mean[sm.POSITIVE] - 0.1


def test_sentiment_follows_performance(sample):
    """Negative-question remarks are far more frequent at the at-risk accounts."""
    t = sample.tables
    negative_topics = set(sm.load_needs_bank()["topics"]["negative"])
    v = t[S.VERBATIMS].merge(_interviews(t)[[S.INTERVIEW_ID, S.ACCOUNT_ID]], on=S.INTERVIEW_ID)
    share = v[S.TOPIC].isin(negative_topics).groupby(v[S.ACCOUNT_ID]).mean()
    at_risk = sample.truth[sm.TRUTH_AT_RISK]
    assert share[at_risk].min() > share.drop(at_risk).max()


# --------------------------------------------------------------------------
# Accounts at benchmark scale
# --------------------------------------------------------------------------
def test_generate_accounts_scales():
    out = sm.generate_accounts(20_000, seed=11)
    acc, sales = out[S.ACCOUNTS], out[S.SALES_HISTORY]
    assert list(acc.columns) == S.TABLES[S.ACCOUNTS].column_names
    assert list(sales.columns) == S.TABLES[S.SALES_HISTORY].column_names
    assert len(acc) == 20_000 and acc[S.ACCOUNT_ID].is_unique and acc[S.ACCOUNT_NAME].is_unique
    assert (acc[S.KEY_ACCOUNT] == "yes").mean() == pytest.approx(sm.KEY_ACCOUNT_SHARE, abs=0.01)
    latest = sales[sales[S.PERIOD] == sm.PERIODS[-1]]
    assert np.allclose(latest[S.REVENUE].to_numpy(), acc.set_index(S.ACCOUNT_ID).loc[latest[S.ACCOUNT_ID], S.REVENUE])
    again = sm.generate_accounts(20_000, seed=11)
    pd.testing.assert_frame_equal(acc, again[S.ACCOUNTS])
