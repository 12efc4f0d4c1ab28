"""Key-account one-pagers: one A4 page each in Chromium, names not ids, and a customer version with no personal data."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from cra_helpers import actions as A
from cra_helpers import headlines
from cra_helpers import gap
from cra_helpers import redact
from cra_helpers import schema as S
from cra_helpers import report as F

from ._reports import CHROMIUM_ARGS, chromium_path


def _pages(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.html"))


@pytest.fixture(scope="module")
def run_dir(sample_run) -> Path:
    return Path(sample_run.out_dir)


def test_every_one_pager_prints_on_one_a4_page(run_dir, sample, truth):
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    internal, customer = _pages(run_dir / "one_pagers"), _pages(run_dir / "customer" / "one_pagers")
    keys = sorted(headlines.key_account_ids(sample))  # rule + flag: 16 on the sample, 4 of them not yet interviewed
    heard = sorted(set(keys) & set(sample.respondents()[S.ACCOUNT_ID].astype(str)))
    assert len(keys) == 16 and len(heard) == 12
    assert [p.stem for p in internal] == keys and [p.stem for p in customer] == heard
    for p in internal:
        says_not_heard = "Not interviewed yet" in p.read_text(encoding="utf-8")
        assert says_not_heard == (p.stem not in heard), p.stem
    counts = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        for html in internal + customer:
            page.goto(html.as_uri())
            counts[str(html.relative_to(run_dir))] = len(PdfReader(io.BytesIO(page.pdf(format="A4"))).pages)
            # nothing is cut at the right edge on screen either
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), html
        browser.close()
    assert set(counts.values()) == {1}, counts


def test_pages_show_names_not_ids(run_dir, sample, library_ids):
    needs = set(sample.needs[S.NEED_NAME])
    for html in _pages(run_dir / "one_pagers") + _pages(run_dir / "customer" / "one_pagers"):
        text = html.read_text(encoding="utf-8")
        assert not [m for m in library_ids if f">{m}<" in text], html
        assert any(n in text for n in needs) or "Not interviewed yet" in text, html
        name = sample.accounts.set_index(S.ACCOUNT_ID).loc[html.stem, S.ACCOUNT_NAME]
        assert redact.html.escape(name) in text or name in text


@pytest.fixture(scope="module")
def library_ids(sample):
    lib = A.load_library(sample.config)
    return sorted(lib.metrics) + [f"{n}" for n in sample.needs[S.NEED_ID]]


def test_customer_pages_hold_nothing_internal(run_dir, sample):
    terms = redact.pii_terms(sample)
    folder = run_dir / "customer"
    hits = redact.scan_for_pii(folder, terms)
    assert hits.empty, hits.to_string()
    acc = sample.accounts.set_index(S.ACCOUNT_ID)
    for html in _pages(folder / "one_pagers"):
        text = html.read_text(encoding="utf-8").lower()
        for word in ("risk", "revenue", "value class", "abc class", "at stake", "detractor"):
            assert word not in text, (html.name, word)
        assert f"{acc.loc[html.stem, S.REVENUE]:,.0f}" not in text
        assert "../index.html" not in text  # no way into the internal report


def test_quotes_are_distinct_and_fit_the_gaps(run_dir, sample):
    sent = A.verbatim_sentiment(sample, run_dir)
    assert sent.attrs["source"] == "needs tree"
    lib = A.load_library(sample.config)
    impact = A.need_impact(sample)
    recs = A.recommendations(lib, impact, sample.needs, sample.config)
    risk = A.account_risk(sample, sentiment=sent)
    for acc in sample.accounts.loc[sample.accounts[S.KEY_ACCOUNT].astype(bool), S.ACCOUNT_ID].astype(str):
        page = A.one_pager(sample, acc, risk, gap.account_gaps(sample), recs, impact=impact, sentiment=sent, library=lib)
        q = page["quotes"]
        texts = q[S.TEXT].tolist()
        assert len(set(texts)) == len(texts)
        for i in range(len(texts)):
            for j in range(i):
                a, b = A._tokens(texts[i]), A._tokens(texts[j])
                assert len(a & b) / min(len(a), len(b)) < 0.7, (acc, texts[i], texts[j])
        # the tone follows the need's stance: never a positive quote beside a gap, nor a negative one beside a strength
        assert not ((q["stance"] == gap.STANCE_GAP) & (q["sentiment"] != "negative")).any(), acc
        assert not ((q["stance"] == gap.STANCE_STRENGTH) & (q["sentiment"] != "positive")).any(), acc
        assert set(q["need"]) <= set(page["top_gaps"]["need"]), acc  # beside the gaps the page shows
        # actions ranked for this account: return here, best first, each addressing a gap it has
        acts = page["actions_all"]
        assert acts["return_here"].is_monotonic_decreasing and (acts["impact_here"] > 0).all()


def test_near_duplicates_are_dropped():
    texts = ["Your on-time delivery to Porto is terrible.", "your on time delivery to porto is terrible!!",
             "On-time delivery to Porto is terrible, again.", "Invoices are always right."]
    assert A.distinct_texts(texts) == [0, 3]


def _planted(sample, run_dir):
    """A copy of the sample whose first customer quote of an at-risk account names a contact and an e-mail."""
    sent = A.verbatim_sentiment(sample, run_dir)
    lib = A.load_library(sample.config)
    impact = A.need_impact(sample)
    recs = A.recommendations(lib, impact, sample.needs, sample.config)
    risk = A.account_risk(sample, sentiment=sent)
    acc = "A066"
    page = A.one_pager(sample, acc, risk, gap.account_gaps(sample), recs, impact=impact, sentiment=sent, library=lib)
    vid = page["quotes"][S.VERBATIM_ID].iloc[0]
    contact = sample.contacts.iloc[0]
    planted = f" Ask {contact[S.CONTACT_NAME]} ({contact[S.EMAIL]}, {contact[S.PHONE]})."
    tables = {k: v.copy() for k, v in sample.tables.items()}
    v = tables[S.VERBATIMS]
    v.loc[v[S.VERBATIM_ID] == vid, S.TEXT] = v.loc[v[S.VERBATIM_ID] == vid, S.TEXT] + planted
    a2 = sample.__class__(tables, sample.config, sample.source, list(sample.notes), list(sample.absent))
    sent2 = sent.copy()
    sent2.loc[sent2[S.VERBATIM_ID] == vid, S.TEXT] = sent2.loc[sent2[S.VERBATIM_ID] == vid, S.TEXT] + planted
    page2 = A.one_pager(a2, acc, risk, gap.account_gaps(a2), recs, impact=impact, sentiment=sent2, library=lib)
    assert page2["quotes"][S.VERBATIM_ID].iloc[0] == vid and planted in page2["quotes"][S.TEXT].iloc[0]
    return a2, page2, contact


@pytest.mark.parametrize("switched_off", [False, True])
def test_redaction_removes_a_planted_name_and_email(tmp_path, sample, run_dir, monkeypatch, switched_off):
    a2, page, contact = _planted(sample, run_dir)
    if switched_off:
        monkeypatch.setattr(redact, "redact_text", lambda text, *args, **kw: str(text))
    terms = redact.pii_terms(a2)
    mine = A.customer_one_pager(page, terms)
    F.write_customer_page(tmp_path, "A066.html", "t", F.customer_one_pager_html(mine, "1–10", "Us"), "Us")
    hits = redact.scan_for_pii(tmp_path, terms)
    if switched_off:
        assert set(hits["kind"]) >= {"name", "email", "phone"}  # the scan sees what redaction would have removed
        assert contact[S.CONTACT_NAME] in set(hits["term"])
    else:
        assert hits.empty, hits.to_string()
        text = (tmp_path / "customer" / "one_pagers" / "A066.html").read_text(encoding="utf-8")
        assert "Ask [name] ([e-mail], [phone])." in text
