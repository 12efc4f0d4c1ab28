"""The analyst reports read well for people at 1280 and 1440 px: nothing runs off the page, headers in words,
p-values as "< 0.001", whole-number ticks on count axes and names instead of ids on the charts."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ._reports import open_offline

pytestmark = pytest.mark.browser

NOTEBOOKS = ["00_overview", "01_prioritize", "02_quantitative", "04_gap_analysis"]
VIEWPORTS = [(1280, 720), (1440, 900)]
ID = re.compile(r"^[A-Z]{1,4}\d+$")  # account, need, competitor ids of the sample: A005, N09, CMP2

PAGE_JS = r"""() => {
  const vw = document.documentElement.clientWidth;
  const out = {scroll: document.documentElement.scrollWidth, client: vw, overflow: [], headers: [], cells: [], figures: []};
  const nav = document.querySelector('nav.cra-contents');
  out.nav = nav ? [nav.getBoundingClientRect().right, nav.querySelectorAll('a').length] : null;
  document.querySelectorAll('.cra-table-wrap').forEach(w => {
    const r = w.getBoundingClientRect();
    if (r.right > vw + 1) out.overflow.push('table box ends at ' + Math.round(r.right));
  });
  document.querySelectorAll('table.cra-table').forEach(t => {
    const heads = Array.from(t.querySelectorAll('thead th')).map(th => th.textContent);
    out.headers.push(heads);
    t.querySelectorAll('tbody tr').forEach(tr => out.cells.push(
      Array.from(tr.querySelectorAll('td')).map((td, i) => [heads[i], td.textContent])));
  });
  document.querySelectorAll('.js-plotly-plot').forEach(g => {
    const fl = g._fullLayout || {};
    const axes = {};
    Object.keys(fl).filter(k => /^[xy]axis\d*$/.test(k)).forEach(k => {
      axes[k] = {type: fl[k].type, ticks: (fl[k]._vals || []).map(v => String(v.text))};
    });
    out.figures.push({title: ((g.layout || {}).title || {}).text || '', meta: (g.layout || {}).meta || {}, axes: axes,
                      traces: (g.data || []).map(d => d.name || '')});
  });
  return out;
}"""


def _inspect(browser, html, width, height, screenshot):
    check = open_offline(browser, html, screenshot=screenshot, width=width)
    assert check.figures == check.figures_rendered, f"{html.name}: {check.figures_rendered}/{check.figures} figures drawn"
    context = browser.new_context(offline=True, viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(html.as_uri(), wait_until="load")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.cra-figure')).every(x => x.querySelector('svg.main-svg'))", timeout=20000
    )
    info = page.evaluate(PAGE_JS)
    context.close()
    return info


def test_analyst_reports_fit_the_page_and_read_for_people(sample_run, browser, tmp_path):
    count_axes_seen = 0
    for nb in NOTEBOOKS:
        html = sample_run.out_dir / f"{nb}.html"
        for width, height in VIEWPORTS:
            info = _inspect(browser, html, width, height, tmp_path / f"{nb}_{width}.png")
            where = f"{nb} at {width} px"
            # nothing widens the page: contents bar wraps, wide tables scroll inside their own box
            assert info["scroll"] == info["client"] == width, f"{where}: page is {info['scroll']} px wide"
            assert info["overflow"] == [], f"{where}: {info['overflow']}"
            assert info["nav"] is None or info["nav"][0] <= width, f"{where}: contents bar ends at {info['nav'][0]}"
            # headers in words, p-values for people
            assert info["headers"], f"{where}: no table"
            for heads in info["headers"]:
                assert not [h for h in heads if "_" in h], f"{where}: header with an underscore in {heads}"
            for row in info["cells"]:
                for head, text in row:
                    assert text.strip() != "0.0000", f"{where}: {head} shows 0.0000"
                    if head and re.match(r"^p( \(|$)", head):
                        assert text == "< 0.001" or text == "–" or re.fullmatch(r"[01]\.\d{3}", text), f"{where}: {head} = {text!r}"
                        assert text not in ("0.000", "0.00"), f"{where}: {head} = {text!r}"
            for fig in info["figures"]:
                name = f"{where}, figure {fig['title'][:60]!r}"
                # whole-number ticks on the axes that count things
                for ax in fig["meta"].get("cra_count_axes", []):
                    ticks = fig["axes"][ax]["ticks"]
                    assert ticks, f"{name}: count axis {ax} without ticks"
                    bad = [t for t in ticks if not re.fullmatch(r"\d{1,3}(,\d{3})*", t)]
                    assert bad == [], f"{name}: count axis {ax} has ticks {bad}"
                    count_axes_seen += 1
                # names, not ids, on category axes and in legends
                for ax, a in fig["axes"].items():
                    if a["type"] == "category":
                        ids = [t for t in a["ticks"] if ID.match(re.sub(r"<[^>]+>", "", t).strip())]
                        assert ids == [], f"{name}: {ax} labelled with ids {ids[:5]}"
                ids = [t for t in fig["traces"] if ID.match(t)]
                assert ids == [], f"{name}: legend shows ids {ids}"
    assert count_axes_seen >= 4  # the overview's interviews and ratings charts at both widths


def test_csv_tables_keep_machine_names_and_raw_values(sample_run):
    # the shown tables are formatted; the files other code reads are not
    conc = pd.read_csv(sample_run.out_dir / "tables" / "prioritize_concentration.csv")
    assert "top_5pct_share" in conc.columns and conc["top_5pct_share"].between(0, 1).all()
    omni = pd.read_csv(sample_run.out_dir / "tables" / "comparisons_omnibus.csv")
    assert "p_holm" in omni.columns and (omni["p_holm"] < 0.001).any()  # shown as "< 0.001", stored as the number
    page = (sample_run.out_dir / "02_quantitative.html").read_text(encoding="utf-8")
    assert "&lt; 0.001" in page and "p (Holm)" in page
