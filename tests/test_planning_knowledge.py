"""Knowledge gaps per account: each kind appears exactly when its planted cause is there (small hand-made
assessments), and on the sample they match an independent count from the tables."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cra_helpers import headlines
from cra_helpers import schema as S
from cra_helpers.config import load_config
from cra_helpers.loader import assessment_from_frames
from cra_helpers.planning.knowledge import (GAP_COLUMNS, UnknownAccountError, current_knowledge,
                                            knowledge_gaps)

from .conftest import append_row, build_valid_tables

AS_OF = dt.date(2026, 6, 1)


def _gaps(tables, account="A001", as_of=AS_OF, sentiment="vader", config=None):
    a = assessment_from_frames(tables, config)
    return knowledge_gaps(a, account, a.config, as_of=as_of, sentiment=sentiment)


def _kinds(gaps: pd.DataFrame) -> set[str]:
    return set(gaps["kind"])


def _drop_interviews(t: dict, ids: set[str]) -> None:
    for name in (S.INTERVIEWS, S.RATINGS, S.LOYALTY, S.VERBATIMS):
        t[name] = t[name][~t[name][S.INTERVIEW_ID].isin(ids)].reset_index(drop=True)


def test_the_frame_is_tidy_and_every_question_is_filled_in():
    g = _gaps(build_valid_tables(), "A002")
    assert list(g.columns) == list(GAP_COLUMNS)
    assert g["question"].str.contains("Beta Foods").any()
    assert not g["question"].str.contains(r"[{}]").any()
    assert (g["minutes"] > 0).all() and set(g["priority"]) <= {"core", "important", "optional"}


def test_top_elements_gap_appears_when_empty_and_disappears_when_filled():
    t = build_valid_tables()
    g = _gaps(t)
    row = g[g["kind"] == "top_elements"]
    assert len(row) == 1 and "Only 2 of the three" in row["detail"].iloc[0] and "Quality and Price" in row["detail"].iloc[0]
    assert row["fills"].iloc[0] == f"{S.ACCOUNTS}.{S.TOP_ELEMENTS[0]}"
    t[S.ACCOUNTS].loc[0, S.TOP_ELEMENTS[2]] = "Delivery"
    assert "top_elements" not in _kinds(_gaps(t))
    assert "are not recorded" in _gaps(t, "A002").query("kind == 'top_elements'")["detail"].iloc[0]


def test_removing_the_executive_interviews_makes_the_executive_gap_appear():
    t = build_valid_tables()
    assert "executive_unheard" not in _kinds(_gaps(t))
    _drop_interviews(t, {"I01"})  # Ann Archer, CPO, the executive decision-maker of A001
    g = _gaps(t)
    row = g[g["kind"] == "executive_unheard"]
    assert len(row) == 1
    assert "Ann Archer (CPO, Purchasing)" in row["detail"].iloc[0] and "C01" not in row["detail"].iloc[0]


def test_removing_the_executive_interviews_on_the_sample(sample):
    account = "A005"
    frames = {n: df.reset_index(drop=True) for n, df in sample.tables.items()}
    c = frames[S.CONTACTS]
    execs = set(c[(c[S.ACCOUNT_ID] == account) & (c[S.LEVEL] == "executive")
                  & (c[S.DECISION_ROLE] == "decision-maker")][S.CONTACT_ID])
    before = knowledge_gaps(sample, account, sample.config, as_of=AS_OF, sentiment="vader")
    assert "executive_unheard" not in _kinds(before)
    iv = frames[S.INTERVIEWS]
    _drop_interviews(frames, set(iv[iv[S.CONTACT_ID].isin(execs)][S.INTERVIEW_ID]))
    a = assessment_from_frames(frames, sample.config)
    after = knowledge_gaps(a, account, a.config, as_of=AS_OF, sentiment="vader")
    assert "executive_unheard" in _kinds(after)
    names = c[c[S.CONTACT_ID].isin(execs)][S.CONTACT_NAME]
    assert all(n in after.query("kind == 'executive_unheard'")["detail"].iloc[0] for n in names)


def test_stale_after_the_configured_months_not_before():
    t = build_valid_tables()  # A003's last interview: 2025-11-21
    assert "stale" not in _kinds(_gaps(t, "A003", as_of=dt.date(2026, 11, 20)))
    g = _gaps(t, "A003", as_of=dt.date(2026, 11, 21))
    row = g[g["kind"] == "stale"]
    assert "21 November 2025, 12 months" in row["detail"].iloc[0]
    assert "November 2025" in row["question"].iloc[0]
    cfg = load_config(planning={"guide": {"stale_after_months": 6}})
    assert "stale" in _kinds(_gaps(t, "A003", as_of=dt.date(2026, 5, 21), config=cfg))


def test_an_account_nobody_was_interviewed_at():
    t = build_valid_tables()
    append_row(t, S.ACCOUNTS, like=1, **{S.ACCOUNT_ID: "A004", S.ACCOUNT_NAME: "Delta Ltd"})
    g = _gaps(t, "A004")
    assert _kinds(g) == {"top_elements", "not_interviewed", "competitors", "share_of_wallet", "decision_process",
                         "executive_unheard"}
    assert "Nobody at Delta Ltd has been interviewed yet." in set(g["detail"])


def test_competitors_unknown_when_nobody_rated_one():
    t = build_valid_tables()
    assert "competitors" not in _kinds(_gaps(t))
    r = t[S.RATINGS]
    t[S.RATINGS] = r[~(r[S.INTERVIEW_ID].isin(["I01", "I02"]) & r[S.COMPETITOR_ID].notna())].reset_index(drop=True)
    g = _gaps(t)
    assert "competitors" in _kinds(g)
    assert g.query("kind == 'competitors'")["fills"].iloc[0] == f"{S.RATINGS}.{S.COMPETITOR_ID}"


def test_share_of_wallet_never_answered():
    t = build_valid_tables()
    assert "share_of_wallet" not in _kinds(_gaps(t))  # I01 gave 40 %
    t[S.LOYALTY].loc[t[S.LOYALTY][S.INTERVIEW_ID] == "I01", S.SHARE_OF_WALLET] = None
    assert "share_of_wallet" in _kinds(_gaps(t))


def test_complaints_are_the_most_negative_remarks_of_the_last_wave():
    t = build_valid_tables()
    # an older wave at A001 with the most negative remark of all: it must not be asked about
    append_row(t, S.INTERVIEWS, like=0, **{S.INTERVIEW_ID: "I06", S.DATE: dt.datetime(2024, 3, 1), S.WAVE: "2024"})
    append_row(t, S.VERBATIMS, **{S.VERBATIM_ID: "V07", S.INTERVIEW_ID: "I06", S.TOPIC: None,
                                  S.TEXT: "Old grudge about invoices."})
    planted = pd.DataFrame({S.VERBATIM_ID: ["V01", "V02", "V03", "V07"],
                            "sentiment": ["negative", "positive", "negative", "negative"],
                            "sentiment_score": [-0.5, 0.6, -0.9, -1.0]})
    g = _gaps(t, sentiment=planted).query("kind == 'complaints'")
    assert list(g["subject"]) == ["V03", "V01"]  # most negative first, wave 2026 only
    assert "Quality is fine; paperwork isn't." in g["question"].iloc[0]
    assert "Bob Baker (Quality lead, Quality)" in g["detail"].iloc[0] and "2 of 2" in g["detail"].iloc[1]
    cfg = load_config(planning={"guide": {"complaints": 1}})
    assert list(_gaps(t, sentiment=planted, config=cfg).query("kind == 'complaints'")["subject"]) == ["V03"]
    calm = planted.assign(sentiment="neutral")
    assert "complaints" not in _kinds(_gaps(t, sentiment=calm))


def test_decision_process_unknown_without_a_decision_maker():
    t = build_valid_tables()
    assert "decision_process" not in _kinds(_gaps(t, "A002"))  # Dan Dorn decides
    t[S.CONTACTS].loc[t[S.CONTACTS][S.CONTACT_ID] == "C04", S.DECISION_ROLE] = "influencer"
    g = _gaps(t, "A002")
    assert "none among its 2 contacts" in g.query("kind == 'decision_process'")["detail"].iloc[0]


def test_departments_and_sites_without_a_voice():
    t = build_valid_tables()
    assert not {"department_unheard", "site_unheard"} & _kinds(_gaps(t))
    g = _gaps(t, "A002")  # Dan Dorn (Purchasing) was not interviewed
    dept = g.query("kind == 'department_unheard'")
    assert list(dept["subject"]) == ["Purchasing"] and "Dan Dorn (Buyer, Purchasing)" in dept["detail"].iloc[0]
    append_row(t, S.LOCATIONS, **{S.LOCATION_ID: "L05", S.ACCOUNT_ID: "A001", S.SITE: "Warehouse East",
                                  S.CITY: "Berlin", S.COUNTRY: "DE"})
    _drop_interviews(t, {"I02"})  # Bob Baker: Quality, Plant South
    g = _gaps(t)
    assert list(g.query("kind == 'department_unheard'")["subject"]) == ["Quality"]
    sites = g.query("kind == 'site_unheard'")
    assert list(sites["subject"]) == ["Plant South", "Warehouse East"]
    assert "no contact there is known" in sites["detail"].iloc[1] and "(Berlin, DE)" in sites["detail"].iloc[1]
    assert "Plant South" in sites["question"].iloc[0]


def _independent(sample, account: str) -> dict[str, object]:
    c = sample.contacts[sample.contacts[S.ACCOUNT_ID] == account]
    iv = sample.interviews.merge(c, on=S.CONTACT_ID)
    ids = set(iv[S.INTERVIEW_ID])
    r = sample.ratings[sample.ratings[S.INTERVIEW_ID].isin(ids)]
    loy = sample.loyalty[sample.loyalty[S.INTERVIEW_ID].isin(ids)]
    return {
        "interviewed": len(iv) > 0,
        "competitors": r[S.COMPETITOR_ID].notna().any(),
        "share": loy[S.SHARE_OF_WALLET].notna().any(),
        "exec_dm": ((iv[S.LEVEL] == "executive") & (iv[S.DECISION_ROLE] == "decision-maker")).any(),
        "unheard": sorted(set(c[S.DEPARTMENT]) - set(iv[S.DEPARTMENT])) if len(iv) else [],
    }


def test_gaps_of_every_sample_key_account_match_the_tables(sample):
    names = sample.account_names()
    for account in headlines.key_account_ids(sample):
        g = knowledge_gaps(sample, account, sample.config, as_of=AS_OF, sentiment="vader")
        want = _independent(sample, account)
        kinds = _kinds(g)
        assert ("not_interviewed" in kinds) == (not want["interviewed"]), account
        assert ("competitors" in kinds) == (not want["competitors"]), account
        assert ("share_of_wallet" in kinds) == (not want["share"]), account
        assert ("executive_unheard" in kinds) == (not want["exec_dm"]), account
        assert sorted(g.query("kind == 'department_unheard'")["subject"]) == want["unheard"], account
        assert len(g.query("kind == 'complaints'")) <= sample.config.planning.guide.complaints
        # plain words: the account's name, no ids of accounts or contacts
        assert g["detail"].str.contains(names[account], regex=False).all(), account
        assert not g["detail"].str.contains(r"\b(?:A\d{3}|C\d{4})\b").any(), account
    # the four key accounts nobody was interviewed at
    silent = [k for k in headlines.key_account_ids(sample) if not _independent(sample, k)["interviewed"]]
    assert len(silent) == 4


def test_current_knowledge_reads_the_record(sample):
    facts = current_knowledge(sample, "A012").set_index("fact")["value"]
    acc = sample.accounts.set_index(S.ACCOUNT_ID).loc["A012"]
    assert facts["Elements that matter most"].startswith(str(acc[S.TOP_ELEMENTS[0]]))
    assert "about 61%" in facts["Share of wallet"]


def test_an_unknown_account_is_a_clear_error(sample):
    with pytest.raises(UnknownAccountError, match="'A999' is not in the accounts table"):
        knowledge_gaps(sample, "A999", sample.config, sentiment="vader")
