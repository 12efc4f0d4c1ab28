"""Assessment id → name lookups and the one set of key accounts (headlines.key_account_selection)."""

from __future__ import annotations

import pandas as pd

from cra_helpers import headlines, overview
from cra_helpers import prioritize as P
from cra_helpers import schema as S
from cra_helpers.loader import load_assessment


def test_names_by_id(write, tables):
    a = load_assessment(write(tables))
    accounts = a.account_names()
    assert accounts.index.name == S.ACCOUNT_ID
    assert accounts.to_dict() == {"A001": "Acme Chemicals", "A002": "Beta Foods", "A003": "Gamma & Sons <Ltd>"}
    assert a.need_names().to_dict() == {"N01": "On-time delivery", "N02": "Product quality", "N03": "Technical support"}
    assert a.location_names().to_dict() == {"L01": "Plant North", "L02": "Plant South", "L03": "Head office",
                                            "L04": "Depot"}
    assert a.competitor_names().to_dict() == {"K1": "Rival One", "K2": "Rival Two"}
    assert a.location_names().index.name == S.LOCATION_ID


def test_names_follow_filter_and_absent_tables(write, tables):
    a = load_assessment(write(tables))
    sub = a.filter(accounts="A001")
    assert sub.account_names().to_dict() == {"A001": "Acme Chemicals"}
    assert list(sub.location_names().index) == ["L01", "L02"]
    assert len(sub.need_names()) == 3  # reference tables are kept whole
    del tables[S.COMPETITORS], tables[S.LOCATIONS]
    tables[S.CONTACTS][S.LOCATION_ID] = None
    tables[S.RATINGS] = tables[S.RATINGS][tables[S.RATINGS][S.COMPETITOR_ID].isna()]
    b = load_assessment(write(tables))
    assert b.competitor_names().empty and b.location_names().empty
    assert isinstance(b.location_names(), pd.Series)
    assert pd.Series(["L01"]).map(b.location_names()).isna().all()


def test_filter_keeps_references_consistent(write, tables):
    a = load_assessment(write(tables))
    sub = a.filter(locations="L01")
    assert sub.accounts[S.ACCOUNT_ID].tolist() == ["A001"]
    assert sub.contacts[S.CONTACT_ID].tolist() == ["C01"]
    assert set(sub.interviews[S.INTERVIEW_ID]) == {"I01"}
    assert set(sub.ratings[S.INTERVIEW_ID]) == {"I01"}
    assert "filtered to locations L01" in sub.notes[-1]
    waves = a.filter(waves="2025")
    assert set(waves.interviews[S.INTERVIEW_ID]) == {"I04", "I05"}
    assert len(waves.accounts) == 3


def test_key_account_selection_is_rule_plus_flag(sample):
    p = P.prioritize_accounts(sample.accounts, sample.sales_history, sample.config.prioritize)
    expected = set(p.loc[p[S.KEY_ACCOUNT].astype(bool), S.ACCOUNT_ID].astype(str))
    ids = headlines.key_account_ids(sample)
    assert set(ids) == expected
    assert ids == [i for i in sample.accounts[S.ACCOUNT_ID].astype(str) if i in expected]
    flagged = set(sample.accounts.loc[headlines.key_account_flags(sample.accounts).to_numpy(bool), S.ACCOUNT_ID])
    assert flagged <= set(ids)
    assert headlines.n_key_accounts_prioritized(sample) == len(ids) >= headlines.n_key_accounts(sample)


def test_overview_uses_the_key_account_set(sample):
    coverage = overview.account_coverage(sample)
    assert set(coverage.loc[coverage[S.KEY_ACCOUNT], S.ACCOUNT_ID]) == set(headlines.key_account_ids(sample))
    counts = dict(overview.headline_counts(sample))
    assert counts[headlines.KEY_ACCOUNTS.label] == headlines.n_key_accounts(sample)
    assert counts[headlines.KEY_ACCOUNTS_PRIORITIZED.label] == len(headlines.key_account_ids(sample))


def test_one_pager_of_a_key_account_nobody_rated(sample):
    from cra_helpers import actions, gap

    rated = set(sample.respondents()[S.ACCOUNT_ID].astype(str))
    quiet = [k for k in headlines.key_account_ids(sample) if k not in rated]
    assert quiet, "the sample has key accounts by the rule alone without interviews"
    library, sentiment = actions.load_library(sample.config), actions.verbatim_sentiment(sample)
    risk = actions.account_risk(sample, sentiment=sentiment)
    impact = actions.need_impact(sample)
    recs = actions.recommendations(library, impact, sample.needs, sample.config)
    page = actions.one_pager(sample, quiet[0], risk, gap.account_gaps(sample), recs, impact=impact,
                             sentiment=sentiment, library=library)
    assert page["top_gaps"].empty and page["name"] == sample.account_names()[quiet[0]]
    mine = actions.customer_one_pager(page, {})
    assert mine["actions"].empty and list(mine["actions"].columns) == ["action", "needs", "measured_by", "due"]
