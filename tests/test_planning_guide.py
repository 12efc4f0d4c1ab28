"""Interview guides: the questions of a role, the account's needs and competitors, timed to the interview's
length (core kept, drop order, honest warnings), written as HTML and PDF per role; opened offline in Chromium."""

from __future__ import annotations

import datetime as dt
import pytest

from cra_helpers import schema as S
from cra_helpers.config import load_config
from cra_helpers.loader import assessment_from_frames
from cra_helpers.planning import guide as G
from cra_helpers.planning.knowledge import knowledge_gaps
from cra_helpers.planning.questions import load_question_bank

from ._reports import guarded_page
from .conftest import build_valid_tables

AS_OF = dt.date(2026, 12, 2)


@pytest.fixture(scope="module")
def bank(sample):
    return load_question_bank(sample.config)


def _guide(a, account, level, role, bank=None, config=None):
    config = config or a.config
    return G.build_guide(a, account, config, level, role, bank=bank, as_of=AS_OF, sentiment="vader")


def _competitors_rated(a, account) -> set[str]:
    c = a.contacts[a.contacts[S.ACCOUNT_ID] == account]
    ids = set(a.interviews[a.interviews[S.CONTACT_ID].isin(c[S.CONTACT_ID])][S.INTERVIEW_ID])
    r = a.ratings[a.ratings[S.INTERVIEW_ID].isin(ids)]
    return set(r[S.COMPETITOR_ID].dropna())


def test_the_guide_is_timed_and_its_arithmetic_holds(sample, bank):
    g = _guide(sample, "A012", "executive", "decision-maker", bank)
    at = g.attrs
    kept = g[g["kept"]]
    assert (at["min_minutes"], at["max_minutes"]) == (45, 60)
    assert kept["minutes"].sum() == pytest.approx(at["total_minutes"])
    assert at["min_minutes"] <= at["total_minutes"] <= at["max_minutes"]
    assert kept["cumulative_minutes"].tolist() == pytest.approx(kept["minutes"].cumsum().tolist())
    assert g.loc[~g["kept"], "cumulative_minutes"].isna().all()
    # every core question stays; what was left out did not fit (greedy: nothing left out fits in the time left)
    assert g[g["priority"] == "core"]["kept"].all()
    left = g[~g["kept"]]
    assert (left["minutes"] > at["max_minutes"] - at["total_minutes"]).all()
    # drop order: every added question numbered 1..k; optional ones go before important ones
    drops = kept[kept["priority"] != "core"]["drop_order"]
    assert sorted(drops.astype(int)) == list(range(1, len(drops) + 1))
    opt = kept[kept["priority"] == "optional"]["drop_order"]
    imp = kept[kept["priority"] == "important"]["drop_order"]
    if len(opt) and len(imp):
        assert opt.max() < imp.min()
    assert at["warnings"] == []


def test_needs_and_competitors_are_the_accounts(sample, bank):
    g = _guide(sample, "A012", "executive", "decision-maker", bank)
    need_ids = sample.needs[S.NEED_ID].tolist()
    imp = g[g["question_id"] == "need_importance"]
    assert imp["need_id"].tolist() == need_ids  # needs-table order
    rivals = _competitors_rated(sample, "A012")
    comp = g[g["question_id"] == "need_competitor"]
    assert len(comp) == len(need_ids) * len(rivals)
    assert set(comp["competitor_id"]) == rivals
    names = sample.competitor_names()
    for _, r in comp.iterrows():
        assert names[r["competitor_id"]] in r["text"]
    # one need at a time: importance, performance, then each competitor
    first = g[g["need_id"] == need_ids[0]]["question_id"].tolist()
    assert first == ["need_importance", "need_performance"] + ["need_competitor"] * len(rivals)
    # the competitor ratings kept are those of the needs most important to the account
    kept = comp[comp["kept"]]
    if 0 < len(kept) < len(comp):
        c = sample.contacts[sample.contacts[S.ACCOUNT_ID] == "A012"]
        ids = set(sample.interviews[sample.interviews[S.CONTACT_ID].isin(c[S.CONTACT_ID])][S.INTERVIEW_ID])
        r = sample.ratings[sample.ratings[S.INTERVIEW_ID].isin(ids)]
        importance = r.groupby(S.NEED_ID)[S.IMPORTANCE].mean()
        assert importance[kept["need_id"]].min() >= importance[comp[~comp["kept"]]["need_id"]].max()
    assert not g["text"].str.contains(r"[{}]").any()


def test_operational_guides_fit_the_scheduled_45_minutes(sample, bank):
    g = _guide(sample, "A012", "operational", "user", bank)
    assert g.attrs["max_minutes"] == 45 and g.attrs["total_minutes"] <= 45
    assert "coming_years" not in set(g["question_id"])  # meant for executives and management


def test_gap_questions_follow_the_roles_they_are_for(sample, bank):
    gaps = knowledge_gaps(sample, "A059", sample.config, bank=bank, as_of=AS_OF, sentiment="vader")
    assert "executive_unheard" in set(gaps["kind"])
    mgmt = G.build_guide(sample, "A059", sample.config, "management", "decision-maker", bank=bank, gaps=gaps)
    execs = G.build_guide(sample, "A059", sample.config, "executive", "influencer", bank=bank, gaps=gaps)
    assert "leadership_access" in set(mgmt["question_id"])
    assert "leadership_access" not in set(execs["question_id"])
    complaints = gaps[gaps["kind"] == "complaints"]["question"].tolist()
    assert complaints and set(complaints) <= set(mgmt.loc[mgmt["kept"], "text"])


def test_confirm_questions_give_way_to_the_gap(bank):
    a = assessment_from_frames(build_valid_tables())
    g = G.build_guide(a, "A001", a.config, "executive", "decision-maker", bank=bank, as_of=AS_OF, sentiment="vader")
    ids = set(g["question_id"])
    assert "top_elements_ask" in ids and "top_elements_confirm" not in ids  # rank 3 is empty
    assert "competitors_confirm" in ids and "competitors_ask" not in ids  # Rival One was rated
    confirm = g[g["question_id"] == "competitors_confirm"]["text"].iloc[0]
    assert "Rival One" in confirm and "Rival Two" not in confirm
    share = g[g["question_id"] == "share_confirm"]["text"].iloc[0]
    assert "about 40%" in share  # I01's answer, the only one at A001


def test_core_over_the_maximum_is_a_warning_not_a_cut(sample, bank):
    cfg = load_config(planning={"guide": {"min_minutes": 20, "max_minutes": 30}})
    g = _guide(sample, "A012", "executive", "decision-maker", bank, cfg)
    assert g.attrs["total_minutes"] == g.attrs["core_minutes"] > 30
    assert g[g["priority"] == "core"]["kept"].all()
    assert any("core questions alone take" in w and "30 minutes" in w for w in g.attrs["warnings"])


def test_a_short_guide_says_so(bank):
    a = assessment_from_frames(build_valid_tables())  # three needs only
    g = G.build_guide(a, "A003", a.config, "operational", "user", bank=bank, as_of=AS_OF, sentiment="vader")
    assert g.attrs["total_minutes"] < 45
    assert any("less than the 45-minute minimum" in w for w in g.attrs["warnings"])


def test_roles_are_those_of_the_accounts_contacts(sample):
    c = sample.contacts[sample.contacts[S.ACCOUNT_ID] == "A005"]
    want = {(str(l), str(r)) for l, r in zip(c[S.LEVEL], c[S.DECISION_ROLE])}
    assert set(G.roles_of(sample, "A005")) == want
    assert G.roles_of(sample, "A020") == [(None, None)]  # no contacts recorded


def _pdf_text(path) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(str(path)).pages)


def test_write_guides_one_html_and_pdf_per_role(sample, bank, tmp_path):
    paths = G.write_guides(sample, "A012", tmp_path, sample.config, bank=bank, as_of=AS_OF, sentiment="vader")
    roles = G.roles_of(sample, "A012")
    assert len(paths) == 2 * len(roles)
    assert {p.suffix for p in paths} == {".html", ".pdf"}
    html = [p for p in paths if p.suffix == ".html"]
    assert html[0].name == f"guide_A012_{roles[0][0]}_{roles[0][1]}.html"
    for (level, role), page in zip(roles, html):
        g = _guide(sample, "A012", level, role, bank)
        total = f"{g.attrs['total_minutes']:g} min"
        text = page.read_text(encoding="utf-8")
        assert "Thornbury Turbines SE" in text and total in text
        assert "break-before: page" in text and "size: A4" in text
        pdf = _pdf_text(page.with_suffix(".pdf"))
        assert "Thornbury Turbines SE" in pdf and f"Total minutes: {total}" in pdf
        assert "When time runs short" in pdf


def test_guides_escape_the_data_and_stay_in_the_folder(tmp_path, bank):
    t = build_valid_tables()
    t[S.ACCOUNTS].loc[0, S.ACCOUNT_ID] = "../evil"
    for name in (S.CONTACTS, S.LOCATIONS, S.SALES_HISTORY):
        t[name].loc[t[name][S.ACCOUNT_ID] == "A001", S.ACCOUNT_ID] = "../evil"
    t[S.ACCOUNTS].loc[0, S.ACCOUNT_NAME] = "<script>alert(1)</script> Acme"
    a = assessment_from_frames(t)
    out = tmp_path / "out"
    paths = G.write_guides(a, "../evil", out, a.config, bank=bank, as_of=AS_OF, sentiment="vader")
    assert paths and all(p.parent == out.resolve() for p in paths)
    assert not list(tmp_path.glob("*.html"))
    page = paths[0].read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; Acme" in page
    assert "<script>alert(1)</script> Acme" in _pdf_text(paths[1])


def test_an_account_without_contacts_gets_one_guide_for_every_role(sample, bank, tmp_path):
    paths = G.write_guides(sample, "A020", tmp_path, sample.config, bank=bank, as_of=AS_OF, sentiment="vader", pdf=False)
    assert [p.name for p in paths] == ["guide_A020_any.html"]
    text = paths[0].read_text(encoding="utf-8")
    assert "Every role" in text and "No contact of this role is recorded" in text
    assert "Nobody at Rheinfeld Automation GmbH has been interviewed yet." in text


@pytest.mark.browser
def test_a_guide_opens_offline_and_fits_the_page(sample, bank, browser, tmp_path):
    paths = G.write_guides(sample, "A012", tmp_path, sample.config, bank=bank, as_of=AS_OF, sentiment="vader", pdf=False)
    g = _guide(sample, "A012", "executive", "decision-maker", bank)
    total = f"{g.attrs['total_minutes']:g} min"
    guard = guarded_page(browser, 1280, 900)
    context, page, outside, errors = guard.context, guard.page, guard.outside, guard.errors
    page.goto(paths[0].as_uri(), wait_until="load")
    body = page.inner_text("body")
    assert "Thornbury Turbines SE" in body and total in body
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
                           " Math.max(...Array.from(document.querySelectorAll('table')).map(t => t.getBoundingClientRect().right))]")
    assert widths[0] == widths[1] == 1280 and widths[2] <= 1280, widths
    page.screenshot(path="/tmp/guide.png", full_page=False)
    page.set_viewport_size({"width": 600, "height": 900})  # a narrow window: tables wrap, nothing runs off
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    pdf = page.pdf(format="A4")
    assert pdf[:4] == b"%PDF"
    assert outside == [] and errors == []
    context.close()
