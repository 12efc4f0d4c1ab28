"""The needs-tree report opens offline with the tree drawn and interactive: clicking a branch zooms into it."""

from __future__ import annotations

from pathlib import Path

import pytest


pytestmark = pytest.mark.browser

SLICES_JS = """() => {
  const gd = Array.from(document.querySelectorAll('.js-plotly-plot')).find(g => g.data && g.data[0].type === 'sunburst');
  if (!gd) return null;
  const slices = Array.from(gd.querySelectorAll('g.slice'));
  return {slices: slices.length, level: gd._fullData[0].level || '', ids: gd.data[0].ids.length};
}"""


INSIDE_FIRST_SLICE_JS = """() => {
  const gd = Array.from(document.querySelectorAll('.js-plotly-plot')).find(g => g.data && g.data[0].type === 'sunburst');
  gd.scrollIntoView();
  const p = gd.querySelector('g.slice path.surface');
  const bb = p.getBBox(), m = p.getScreenCTM();
  const cx = bb.x + bb.width / 2, cy = bb.y + bb.height / 2;
  let best = null, bestD = Infinity;
  for (let i = 1; i < 40; i++) for (let j = 1; j < 40; j++) {
    const x = bb.x + bb.width * i / 40, y = bb.y + bb.height * j / 40;
    if (!p.isPointInFill(new DOMPoint(x, y))) continue;
    const d = (x - cx) ** 2 + (y - cy) ** 2;
    if (d < bestD) { bestD = d; best = [x, y]; }
  }
  if (!best) return null;
  const pt = new DOMPoint(best[0], best[1]).matrixTransform(m);
  return [pt.x, pt.y];
}"""


def _open(browser, html: Path):
    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(html.as_uri(), wait_until="load")
    page.wait_for_function("() => document.querySelectorAll('g.slice').length > 0", timeout=20000)
    return context, page, errors


def _zoom_into_a_branch(page) -> None:
    before = page.evaluate(SLICES_JS)
    assert before["slices"] > 10, before
    # The largest primary need is the first slice of the inner ring. Its bounding box's
    # centre may lie outside the wedge, so click the point inside the wedge nearest to it.
    page.locator(".js-plotly-plot:has(g.slice)").first.scroll_into_view_if_needed()  # clicks land in the viewport
    point = page.evaluate(INSIDE_FIRST_SLICE_JS)
    assert point is not None, "no point inside the first slice"
    page.mouse.click(point[0], point[1])
    page.wait_for_timeout(1500)
    after = page.evaluate(SLICES_JS)
    assert after["level"] != before["level"], "clicking a branch should zoom into it"
    assert after["slices"] < before["slices"]


def test_notebook_report_tree_zooms(sample_run, browser):
    html = sample_run.out_dir / "03_needs_tree.html"
    assert html.exists(), [n.name + ":" + n.status for n in sample_run.notebooks]
    context, page, errors = _open(browser, html)
    _zoom_into_a_branch(page)
    assert errors == []
    context.close()


def test_command_page_tree_zooms(browser, tmp_path):
    from cra_helpers.needs_tree.command import run
    import pandas as pd

    from cra_helpers import paths

    v = pd.read_excel(paths.sample_path(), sheet_name="verbatims", engine="calamine").head(400)
    src = tmp_path / "v.csv"
    v.rename(columns={"verbatim_id": "id"}).to_csv(src, index=False)
    result = run(src, tmp_path / "out", backend="lexical")
    context, page, errors = _open(browser, result.html)
    _zoom_into_a_branch(page)
    assert errors == [] and page.evaluate("() => window.Plotly !== undefined")
    context.close()
