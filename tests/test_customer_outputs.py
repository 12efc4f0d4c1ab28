"""Customer-facing files: no contact data, no internal figures, quotes whose tone fits the section."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from cra_helpers import customer, redact
from cra_helpers import schema as S
from cra_helpers.config import load_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run_dir(sample_run) -> Path:
    return Path(sample_run.out_dir)


def _customer_files(run_dir: Path) -> list[Path]:
    return sorted(p for p in (run_dir / customer.CUSTOMER_DIR).rglob("*") if p.is_file())


def test_the_customer_folder_holds_the_portfolio_report_and_a_page_per_key_account(run_dir, sample):
    files = {p.relative_to(run_dir / "customer").as_posix() for p in _customer_files(run_dir)}
    assert {"report.html", "index.html"} <= files
    pages = [f for f in files if f.startswith("one_pagers/")]
    interviewed = sample.respondents()[S.ACCOUNT_ID].nunique()
    assert len(pages) == interviewed
    index = (run_dir / "customer" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{p}"' in index for p in pages)


def test_pii_scan_finds_no_contact_name_email_or_phone(run_dir, sample):
    terms = redact.pii_terms(sample)
    assert len(terms["names"]) >= 100 and len(terms["emails"]) >= 100 and len(terms["phones"]) >= 100
    hits = redact.scan_for_pii(run_dir / "customer", terms)
    assert hits.empty, hits.head(20).to_string()


def test_no_internal_figures_reach_the_customer(run_dir, sample):
    revenues = {f"{v:,.0f}" for v in sample.accounts[S.REVENUE].dropna() if v >= 10_000}
    for path in _customer_files(run_dir):
        text = path.read_text(encoding="utf-8", errors="ignore")
        words = re.sub(r"<[^>]+>", " ", text)
        for internal in ("risk score", "Risk level", "revenue", "Return on resources", "value class", r"Owner \(role\)",
                         "Internal communication"):
            assert not re.search(rf"\b{internal}", words, re.IGNORECASE), (path.name, internal)
        assert not any(r in words for r in revenues), path.name
        if path.name == "report.html":  # the portfolio report names no competitor
            assert not any(c in words for c in sample.competitors[S.COMPETITOR_NAME]), path.name


def test_portfolio_quotes_fit_their_section(run_dir, sample):
    content = customer.portfolio_content(run_dir, sample, load_config())
    tone = pd.read_csv(run_dir / "tables" / "verbatim_needs.csv").set_index(S.TEXT)["sentiment"].to_dict()
    assert content["short"] and content["strong"]
    for key, wanted in (("short", "negative"), ("strong", "positive")):
        for need in content[key]:
            for text, role in need["quotes"]:
                assert tone.get(text) == wanted, (need["need"], text)
                assert role and "@" not in role
            if key == "short":
                assert need["importance"] > need["performance"]


@pytest.mark.parametrize("switched_off", [False, True])
def test_a_planted_name_email_and_phone_are_redacted(tmp_path, run_dir, sample, monkeypatch, switched_off):
    words = pd.read_csv(run_dir / "tables" / "gap_words.csv")
    tone = pd.read_csv(run_dir / "tables" / "verbatim_needs.csv").set_index(S.VERBATIM_ID)["sentiment"]
    first = str(words.loc[words["stance"] == "gap", "quote_ids"].dropna().iloc[0]).split(";")
    vid = next(x for x in first if tone.get(x) == "negative")  # a remark the report shows
    contact = sample.contacts.iloc[0]
    planted = f" Ask {contact[S.CONTACT_NAME]} ({contact[S.EMAIL]}, {contact[S.PHONE]})."
    tables = {k: v.copy() for k, v in sample.tables.items()}
    v = tables[S.VERBATIMS]
    v.loc[v[S.VERBATIM_ID] == vid, S.TEXT] += planted
    a2 = sample.__class__(tables, sample.config, sample.source, list(sample.notes), list(sample.absent))
    if switched_off:
        monkeypatch.setattr(customer, "redact_text", lambda text, *args, **kw: str(text))
    # The run's tables, with the planted remark's tone kept under its new text.
    (tmp_path / "tables").mkdir()
    for name in ("gap_needs", "gap_words", "action_plan", "verbatim_needs"):
        (tmp_path / "tables" / f"{name}.csv").write_bytes((run_dir / "tables" / f"{name}.csv").read_bytes())
    html = customer.portfolio_html(customer.portfolio_content(tmp_path, a2, load_config()), load_config(), "2026-12-02")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.html").write_text(html, encoding="utf-8")
    hits = redact.scan_for_pii(tmp_path / "out", redact.pii_terms(a2))
    if switched_off:
        assert {"name", "email", "phone"} <= set(hits["kind"]), hits.to_string()
    else:
        assert hits.empty, hits.to_string()
        assert "Ask [name] ([e-mail], [phone])." in html
