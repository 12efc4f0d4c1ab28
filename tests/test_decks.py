"""Workshop decks: offline reveal.js HTML and PowerPoint from a run folder, made for the room."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from cra_helpers.config import load_config
from cra_helpers.decks import MAX_WORDS, build_decks, slide_words, write_decks
from cra_helpers.decks.html import RevealMissing, reveal_assets
from cra_helpers.errors import EXIT_ENVIRONMENT, CraError

pytestmark = pytest.mark.slow
IDS = re.compile(r"\b(?:N\d{2}|A\d{3}|CMP\d|V\d{4}|I\d{3})\b")


@pytest.fixture(scope="module")
def run(sample_run, tmp_path_factory):
    """The session's sample run copied aside, with a planted finding whose text a customer could have typed."""
    folder = tmp_path_factory.mktemp("decks") / "run"
    shutil.copytree(sample_run.out_dir, folder)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary["findings"] = [{"text": "Delivery <b>dates</b> are not trusted & cost us orders", "evidence": "gap 2.6",
                            "action": "ACT-DEL-1", "link": "04_gap_analysis.html"}]
    paths = write_decks(folder, summary, load_config())
    return folder, summary, paths


def test_files_written(run):
    folder, _, paths = run
    assert sorted(p.name for p in paths) == ["business_team.html", "business_team.pptx", "leadership.html", "leadership.pptx"]
    assert all(p.stat().st_size > 10_000 for p in paths)


def test_content_from_tables(run):
    folder, summary, _ = run
    lead, team = build_decks(folder, summary, load_config())
    risk = pd.read_csv(folder / "tables" / "at_risk.csv")
    stake = risk.loc[risk.revenue_at_stake > 0, "revenue_at_stake"].sum()
    text = {s.title: " ".join(s.bullets) for s in lead.slides}
    assert f"{stake:,.0f}" in text["Revenue at risk"]
    assert lead.slides[1].title == "Key findings"  # findings open the deck after the title
    ov = pd.read_csv(folder / "tables" / "overview_accounts.csv")
    share = 100 * ov.loc[ov.interviews > 0, "revenue"].sum() / ov.revenue.sum()
    kpis = dict((label, value) for s in lead.slides for value, label in s.kpis)
    assert kpis["of revenue covered"] == f"{share:.0f}%"
    words = pd.read_csv(folder / "tables" / "gap_words.csv")
    conc = words.loc[words.quadrant == "Concentrate here", "need"].tolist()
    titles = [s.title for s in team.slides]
    assert conc and all(n in titles for n in conc)
    for s in lead.slides + team.slides:
        visible = " ".join([s.title] + s.bullets + [v + " " + l for v, l in s.kpis] + [q.text + " " + q.who for q in s.quotes])
        assert not IDS.search(visible), (s.title, IDS.search(visible))
        assert slide_words(s) <= MAX_WORDS, (s.title, slide_words(s))
        assert s.notes.strip(), s.title


def test_quotes_by_role_only(run, sample):
    folder, summary, _ = run
    _, team = build_decks(folder, summary, load_config())
    names = set(sample.tables["contacts"]["name"].astype(str))
    quotes = [q for s in team.slides for q in s.quotes]
    assert quotes
    for q in quotes:
        assert q.who and q.who not in names and not any(n in q.who for n in names)


def test_html_offline_every_slide(run, browser):
    folder, _, _ = run
    for name in ("leadership", "business_team"):
        html = folder / "decks" / f"{name}.html"
        text = html.read_text(encoding="utf-8")
        assert "<b>dates</b>" not in text and "&lt;b&gt;dates&lt;/b&gt;" in text or name != "leadership"
        assert "cdn" not in re.sub(r"<script>.*?</script>", "", text, flags=re.S).lower()
        ctx = browser.new_context(viewport={"width": 1280, "height": 720})
        page = ctx.new_page()
        outside, errors = [], []
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "blob:", "about:"))
                   else (outside.append(r.request.url), r.abort()))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(html.as_uri())
        page.wait_for_function("window.Reveal && Reveal.isReady()")
        n = page.evaluate("Reveal.getTotalSlides()")
        assert n >= 8
        for i in range(n):
            page.wait_for_function("() => { const s = Reveal.getCurrentSlide(); const f = s.querySelector('.cra-figure');"
                                   " return !f || f.querySelector('svg.main-svg'); }", timeout=10000)
            info = page.evaluate("""() => {
              const s = Reveal.getCurrentSlide(), box = s.getBoundingClientRect();
              const clone = s.cloneNode(true); clone.querySelectorAll('aside.notes, .cra-figure').forEach(e => e.remove());
              const out = Array.from(s.querySelectorAll('h1, h2, li, blockquote, .cra-kpi, .cra-chart')).filter(e => {
                const r = e.getBoundingClientRect(); return r.bottom > box.bottom + 1 || r.right > box.right + 1; }).length;
              const sizes = Array.from(s.querySelectorAll('li, blockquote, .cra-kpi .l, .cra-subtitle'))
                               .map(e => parseFloat(getComputedStyle(e).fontSize));
              return {title: (s.querySelector('h1, h2') || {}).textContent || '', text: clone.textContent,
                      figures: s.querySelectorAll('.cra-figure').length,
                      drawn: Array.from(s.querySelectorAll('.cra-figure')).filter(f => f.querySelector('svg.main-svg')).length,
                      notes: (s.querySelector('aside.notes') || {}).textContent || '', clipped: out,
                      minFont: sizes.length ? Math.min(...sizes) : 99, idx: Reveal.getIndices().h};
            }""")
            assert info["idx"] == i
            assert info["title"].strip(), i
            assert info["figures"] == info["drawn"], info["title"]
            assert info["notes"].strip(), info["title"]
            assert info["clipped"] == 0, info["title"]
            assert info["minFont"] >= 24, (info["title"], info["minFont"])  # 24 px = 18 pt on the 1280 × 720 slide
            words = len(re.findall(r"[^\s–—·→•|/]+", info["text"]))
            assert 0 < words <= MAX_WORDS, (info["title"], words)
            page.keyboard.press("ArrowRight")
        assert outside == [] and errors == []
        ctx.close()


def test_print_pdf_view(run, browser):
    folder, _, _ = run
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto((folder / "decks" / "leadership.html").as_uri() + "?print-pdf")
    page.wait_for_function("window.Reveal && Reveal.isReady()")
    assert page.evaluate("Reveal.isPrintView()")
    page.wait_for_function("Array.from(document.querySelectorAll('.cra-figure')).every(f => f.querySelector('svg.main-svg'))")
    # Reveal lays the print pages out asynchronously (its "pdf-ready" event); printing before that gives blank pages.
    page.wait_for_function(
        "document.querySelectorAll('.pdf-page').length === Reveal.getTotalSlides()"
        " && !document.querySelector('.loading-scroll-mode')"
    )
    assert page.evaluate("document.querySelectorAll('.pdf-page .cra-figure svg.main-svg').length") > 0
    assert len(page.pdf(width="1280px", height="720px")) > 10_000
    ctx.close()


def test_pptx(run):
    from pptx import Presentation
    from pptx.util import Pt

    folder, summary, _ = run
    decks = {d.name: d for d in build_decks(folder, summary, load_config())}
    for name, deck in decks.items():
        prs = Presentation(str(folder / "decks" / f"{name}.pptx"))
        assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.01
        slides = list(prs.slides)
        assert len(slides) == len(deck.slides)
        for ps, ds in zip(slides, deck.slides):
            assert ps.shapes.title is not None and ps.shapes.title.text_frame.text.strip() == ds.title
            pictures = [sh for sh in ps.shapes if sh.shape_type == 13]
            assert len(pictures) == (1 if ds.figure is not None else 0), ds.title
            assert ps.has_notes_slide and ps.notes_slide.notes_text_frame.text.strip(), ds.title
            words = 0
            for sh in ps.shapes:
                if sh.has_text_frame:
                    for p in sh.text_frame.paragraphs:
                        for r in p.runs:
                            assert r.font.size is None or r.font.size >= Pt(18), (ds.title, r.text)
                        words += len(re.findall(r"[^\s–—·→•|/]+", "".join(r.text for r in p.runs)))
            assert words <= MAX_WORDS, (ds.title, words)


def test_partial_run(run, tmp_path):
    """An accounts-only run: the sections without tables become 'not available' slides, nothing crashes."""
    folder, summary, _ = run
    part = tmp_path / "partial"
    (part / "tables").mkdir(parents=True)
    for keep in ("overview_accounts", "accounts_prioritized"):
        shutil.copy(folder / "tables" / f"{keep}.csv", part / "tables")
    s = dict(summary, findings=None)
    s["notebooks"] = [dict(n, status="skipped", reason="the assessment has no ratings table", headlines=[])
                      if n["name"] not in ("00_overview", "01_prioritize") else n for n in summary["notebooks"]]
    lead, team = build_decks(part, s, load_config())
    missing = [x for x in lead.slides + team.slides if x.kind == "missing"]
    assert len(missing) >= 8
    assert any("skipped: the assessment has no ratings table" in " ".join(x.bullets) for x in missing)
    assert lead.slides[1].title.startswith("Where we stand")
    paths = write_decks(part, s, load_config())
    assert len(paths) == 4 and all(p.exists() for p in paths)


def test_reveal_missing_is_clear(tmp_path):
    with pytest.raises(RevealMissing) as err:
        reveal_assets(tmp_path)
    assert isinstance(err.value, CraError) and err.value.exit_code == EXIT_ENVIRONMENT
    assert "make env" in str(err.value)


def test_full_run_fills_every_slide_and_opens_with_the_real_findings(sample_run):
    """On the full sample no slide is a "not available" one, and the findings slides show each finding's short form."""
    summary = json.loads((sample_run.out_dir / "summary.json").read_text(encoding="utf-8"))
    lead, team = build_decks(sample_run.out_dir, summary, load_config())
    missing = [s.title for s in lead.slides + team.slides if s.kind == "missing"]
    assert missing == []
    shown = " ".join(" ".join(s.bullets) for s in lead.slides if s.title.startswith("Key findings"))
    assert summary["findings"] and all(f["short"] in shown for f in summary["findings"])
    assert {"Action plan", "Metrics: customers' ratings (1–10)", "Owners", "Telling the customer"} <= {
        re.sub(r" \(\d+/\d+\)$", "", s.title) for s in team.slides}
