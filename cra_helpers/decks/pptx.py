"""A deck as a 16:9 PowerPoint file (python-pptx): the same slides, charts as PNG images, notes on every slide.

Charts are rendered offline by kaleido 1 through the system Chromium
(``BROWSER_PATH``, default ``/usr/bin/chromium``); nothing is downloaded.
Sizes follow the HTML deck: a 1280 × 720 px slide is 13.33 × 7.5 in at
96 px per inch, so 24 px text there is 18 pt here.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import plotly.graph_objects as go
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from ..errors import EXIT_ENVIRONMENT, CraError
from .charts import CHART_H, CHART_W
from .model import Deck, Slide

INK = RGBColor(0x1F, 0x29, 0x33)
TITLE = RGBColor(0x17, 0x3F, 0x6D)
ACCENT = RGBColor(0x1F, 0x5F, 0xA8)
MUTED = RGBColor(0x52, 0x60, 0x6D)
TILE = RGBColor(0xEE, 0xF3, 0xFA)
QUOTE_BG = RGBColor(0xF7, 0xF7, 0xF2)
BODY_PT, QUOTE_PT, WHO_PT, TITLE_PT, KPI_PT = 20, 20, 18, 32, 36
SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
PX = Emu(9525)  # one CSS pixel at 96 px per inch


class ChartImageError(CraError):
    """Chart images for PowerPoint could not be rendered (kaleido needs a Chromium-family browser)."""

    exit_code = EXIT_ENVIRONMENT


def _browser() -> None:
    if not os.environ.get("BROWSER_PATH"):
        path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
        if path:
            os.environ["BROWSER_PATH"] = path


def render_pngs(figures: list[go.Figure], folder: Path) -> list[Path]:
    """Render ``figures`` to PNG files in ``folder`` in one browser session (2× pixel density)."""
    if not figures:
        return []
    import plotly.io as pio

    _browser()
    paths = [folder / f"chart-{i}.png" for i in range(len(figures))]
    problem = ""
    try:
        pio.write_images(figures, paths, format="png", width=CHART_W, height=CHART_H, scale=2)
    except Exception as exc:  # noqa: BLE001 - kaleido raises many kinds; the user needs one sentence
        problem = f"{type(exc).__name__}: {exc}"
    for fig, path in zip(figures, paths):  # a browser that started slowly can leave images unwritten: try those once more
        if not path.is_file() or path.stat().st_size == 0:
            try:
                pio.write_image(fig, path, format="png", width=CHART_W, height=CHART_H, scale=2)
            except Exception as exc:  # noqa: BLE001
                problem = f"{type(exc).__name__}: {exc}"
    missing = [p.name for p in paths if not p.is_file() or p.stat().st_size == 0]
    if missing:
        raise ChartImageError(
            f"Chart images for the PowerPoint decks could not be rendered ({problem or ', '.join(missing) + ' not written'}). "
            "kaleido needs Chromium: install Debian's chromium (apt-get install chromium) or set BROWSER_PATH.")
    return paths


def _para(tf, text: str, size: int, colour: RGBColor = INK, bold: bool = False, italic: bool = False, first: bool = False,
          space_after: int = 10, bullet: bool = False):
    p = tf.paragraphs[0] if first else tf.add_paragraph()
    run = p.add_run()
    run.text = ("• " if bullet else "") + text
    f = run.font
    f.size, f.bold, f.italic = Pt(size), bold, italic
    f.color.rgb = colour
    p.space_after = Pt(space_after)
    return p


def _box(slide, left, top, width, height, fill: RGBColor | None = None):
    shape = slide.shapes.add_textbox(left, top, width, height) if fill is None else slide.shapes.add_shape(1, left, top, width, height)
    if fill is not None:
        shape.fill.solid()
        shape.fill.fore_color.rgb = fill
        shape.line.fill.background()
    tf = shape.text_frame
    tf.word_wrap = True
    tf.margin_left = tf.margin_right = Inches(0.12)
    tf.margin_top = tf.margin_bottom = Inches(0.06)
    return tf


def _title(slide, text: str, top, size: int, height):
    t = slide.shapes.title
    t.left, t.top, t.width, t.height = Inches(0.5), top, SLIDE_W - Inches(1.0), height
    tf = t.text_frame
    tf.word_wrap = True
    tf.text = text
    tf.vertical_anchor = MSO_ANCHOR.TOP
    for p in tf.paragraphs:
        p.alignment = PP_ALIGN.LEFT
        for r in p.runs:
            r.font.size, r.font.bold = Pt(size), True
            r.font.color.rgb = TITLE


def _content(prs, s: Slide, image: Path | None):
    slide = prs.slides.add_slide(prs.slide_layouts[5])  # "Title Only"
    _title(slide, s.title, Inches(0.3), TITLE_PT, Inches(1.0))
    line = slide.shapes.add_connector(1, Inches(0.5), Inches(1.3), SLIDE_W - Inches(0.5), Inches(1.3))
    line.line.color.rgb = ACCENT
    line.line.width = Pt(3)
    top = Inches(1.5)
    left = Inches(0.5)
    width = SLIDE_W - Inches(1.0)
    if image is not None:
        pic = slide.shapes.add_picture(str(image), Inches(0.4), top, width=PX * CHART_W, height=PX * CHART_H)
        pic._element.nvPicPr.cNvPr.set("descr", s.chart_alt or s.title)
        left = Inches(0.4) + PX * CHART_W + Inches(0.3)
        width = SLIDE_W - left - Inches(0.4)
    if s.kpis:
        n = len(s.kpis)
        per_row = n if image is None else 2
        gap = Inches(0.2)
        w = int((width - gap * (per_row - 1)) / per_row)
        for i, (value, label) in enumerate(s.kpis):
            r, c = divmod(i, per_row)
            tf = _box(slide, left + c * (w + gap), top + r * Inches(1.5), w, Inches(1.35), fill=TILE)
            _para(tf, value, KPI_PT, ACCENT, bold=True, first=True, space_after=2)
            _para(tf, label, BODY_PT, MUTED, space_after=0)
        top = top + Inches(1.5) * ((n + per_row - 1) // per_row) + Inches(0.2)
    height = SLIDE_H - top - Inches(0.4)
    tf = _box(slide, left, top, width, height)
    first = True
    for b in s.bullets:
        _para(tf, b, BODY_PT, bullet=True, first=first, space_after=12)
        first = False
    for q in s.quotes:
        _para(tf, f"“{q.text}”", QUOTE_PT, INK, italic=True, first=first, space_after=2)
        _para(tf, f"— {q.who}", WHO_PT, MUTED, space_after=14)
        first = False
    return slide


def write_pptx(deck: Deck, path: Path) -> Path:
    """Write ``deck`` as a 16:9 PowerPoint file at ``path``; chart slides carry their chart as a PNG."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    with tempfile.TemporaryDirectory(prefix="cra-deck-") as tmp:
        figs = [s.figure for s in deck.slides if s.figure is not None]
        pngs = iter(render_pngs(figs, Path(tmp)))
        for s in deck.slides:
            if s.kind == "title":
                slide = prs.slides.add_slide(prs.slide_layouts[0])
                _title(slide, s.title, Inches(1.6), 44, Inches(2.6))
                sub = slide.placeholders[1]
                sub.left, sub.top, sub.width, sub.height = Inches(0.5), Inches(4.6), SLIDE_W - Inches(1.0), Inches(1.0)
                sub.text_frame.text = s.subtitle
                for p in sub.text_frame.paragraphs:
                    p.alignment = PP_ALIGN.LEFT
                    for r in p.runs:
                        r.font.size = Pt(24)
                        r.font.color.rgb = MUTED
            else:
                slide = _content(prs, s, next(pngs) if s.figure is not None else None)
            slide.notes_slide.notes_text_frame.text = s.notes
        path.parent.mkdir(parents=True, exist_ok=True)
        prs.save(str(path))
    return path
