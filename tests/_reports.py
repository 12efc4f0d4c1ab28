"""Shared helpers for tests that run the pipeline and open its HTML in Chromium."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Debian's Chromium; in CI its absence fails the test instead of skipping it."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed; .ci/run installs Debian's chromium and browser tests must run in CI")
        pytest.skip("Chromium not installed (make test installs it as root)")
    return path


@dataclass
class PageCheck:
    """What a page did when opened offline."""

    url: str
    failed_requests: list[str] = field(default_factory=list)
    network_requests: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    figures: int = 0
    figures_rendered: int = 0
    title: str = ""


FIGURES_JS = """() => {
  const figs = Array.from(document.querySelectorAll('.cra-figure'));
  return [figs.length, figs.filter(f => f.querySelector('svg.main-svg')).length];
}"""


def open_offline(browser, html: Path, screenshot: Path | None = None, width: int = 1280) -> PageCheck:
    """Open ``html`` in a context with the network off; record every failure."""
    context = browser.new_context(offline=True, viewport={"width": width, "height": 900})
    page = context.new_page()
    check = PageCheck(url=html.as_uri())
    page.on("requestfailed", lambda r: check.failed_requests.append(f"{r.url} ({r.failure})"))
    page.on("request", lambda r: check.network_requests.append(r.url) if not r.url.startswith(("file:", "data:", "blob:", "about:")) else None)
    page.on("pageerror", lambda e: check.page_errors.append(str(e)))
    page.on("console", lambda m: check.console_errors.append(m.text) if m.type == "error" else None)
    page.goto(check.url, wait_until="load")
    try:
        page.wait_for_function(
            "() => { const f = document.querySelectorAll('.cra-figure');"
            " return Array.from(f).every(x => x.querySelector('svg.main-svg') || x.classList.contains('cra-figure-missing')); }",
            timeout=20000,
        )
    except Exception:
        pass
    check.figures, check.figures_rendered = page.evaluate(FIGURES_JS)
    check.title = page.title()
    if screenshot is not None:
        page.screenshot(path=str(screenshot), full_page=True)
    context.close()
    return check


@dataclass
class GuardedPage:
    """A page whose every request outside ``file:`` is blocked and recorded (:func:`guarded_page`)."""

    context: object
    page: object
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def guarded_page(browser, width: int = 1280, height: int = 900) -> GuardedPage:
    """A new page that blocks and records every request outside ``file:`` and records page errors."""
    context = browser.new_context(viewport={"width": width, "height": height})
    guard = GuardedPage(context, None)

    def block(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            guard.outside.append(route.request.url)
            route.abort()

    context.route("**/*", block)
    guard.page = context.new_page()
    guard.page.on("pageerror", lambda e: guard.errors.append(str(e)))
    return guard
