"""Every report opens in headless Chromium with the network off: all figures drawn, nothing fetched, no errors."""

from __future__ import annotations

import pandas as pd
import pytest

from cra_helpers import paths
from cra_helpers.pipeline import run_pipeline

from ._reports import open_offline

pytestmark = pytest.mark.browser


def test_every_page_opens_offline_with_figures(sample_run, browser, tmp_path):
    # Decks draw a chart when its slide is shown: tests/test_decks.py walks every slide.
    pages = sorted(p for p in sample_run.out_dir.rglob("*.html") if not {"_executed", "decks"} & set(p.parts))
    assert any(p.name == "index.html" for p in pages) and len(pages) >= 2
    total_figures = 0
    for html in pages:
        check = open_offline(browser, html, screenshot=tmp_path / f"{html.parent.name}_{html.stem}.png")
        assert check.failed_requests == [], f"{html.name}: {check.failed_requests}"
        assert check.network_requests == [], f"{html.name} asked the network for {check.network_requests}"
        assert check.page_errors == [], f"{html.name}: {check.page_errors}"
        assert check.console_errors == [], f"{html.name}: {check.console_errors}"
        assert check.figures == check.figures_rendered, f"{html.name}: {check.figures_rendered}/{check.figures} figures drawn"
        if html.parent == sample_run.out_dir and html.name[:2].isdigit():  # the notebook reports
            assert check.figures >= 1, f"{html.name} has no figure"
        total_figures += check.figures
    assert total_figures >= 4


def test_text_from_the_data_cannot_run_as_script(tmp_path, browser):
    hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    sheets = pd.read_excel(paths.sample_path(), sheet_name=None, engine="openpyxl")
    acc = sheets["accounts"]
    biggest = acc["revenue"].idxmax()
    acc.loc[biggest, "name"] = hostile
    workbook = tmp_path / "hostile.xlsx"
    with pd.ExcelWriter(workbook) as xw:
        for name, df in sheets.items():
            df.to_excel(xw, sheet_name=name, index=False)
    out = tmp_path / "out"
    result = run_pipeline(data=workbook, out=out, only=["00_overview"])
    assert result.ok
    from playwright.sync_api import Page  # noqa: F401  (imported for type clarity)

    context = browser.new_context(offline=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((out / "00_overview.html").as_uri(), wait_until="load")
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__pwned") is None
    assert hostile in page.inner_text("body")  # shown as text, literally
    assert errors == []
    context.close()
