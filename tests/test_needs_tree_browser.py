"""The needs-tree report opens offline with the tree drawn and interactive: clicking a branch zooms into it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._reports import CHROMIUM_ARGS, chromium_path

pytestmark = pytest.mark.browser

SLICES_JS = """() => {
  const gd = Array.from(document.querySelectorAll('.js-plotly-plot')).find(g => g.data && g.data[0].type === 'sunburst');
  if (!gd) return null;
  const slices = Array.from(gd.querySelectorAll('g.slice'));
  return {slices: slices.length, level: gd._fullData[0].level || '', ids: gd.data[0].ids.length};
}"""


@pytest.fixture(scope="module")
def browser():
    exe = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


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
    # The largest primary need is the first slice of the inner ring: click its middle.
    box = page.locator("g.slice path.surface").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
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
