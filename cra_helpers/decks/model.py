"""What a workshop slide holds, independent of the format it is written in.

A :class:`Slide` is plain data (title, short bullets, key figures, quotes, a
small table, at most one chart, speaker notes); the reveal.js and PowerPoint
writers lay the same slide out in their own way. Both formats share one
word budget per slide (:data:`MAX_WORDS`, counted by :func:`slide_words`
over the visible text, notes and chart labels excluded) so that a slide can
be read from the back of the room.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go

#: Most words of visible text on one slide (title included, notes and chart labels excluded).
MAX_WORDS = 40
_WORD = re.compile(r"[^\s–—·→•|/]+")


@dataclass
class Quote:
    """A customer's own words, attributed by role only (never by contact name)."""

    text: str
    who: str


@dataclass
class Slide:
    """One slide: every field but ``title`` and ``notes`` is optional.

    Attributes
    ----------
    title
        Slide title (every slide has one).
    notes
        Speaker notes: what to say, where the numbers come from.
    kind
        ``"title"`` (opening slide), ``"content"`` or ``"missing"`` (a step
        that did not run: the bullets say what could not be shown and why).
    subtitle
        Second line of a title slide.
    kpis
        Key figures as ``(value, label)`` pairs, value already formatted.
    bullets
        Short statements.
    quotes
        Customers' remarks with their role.
    table
        ``(header, rows)`` of already formatted cells.
    figure
        A plotly figure (drawn live in HTML, as a PNG in PowerPoint).
    chart_alt
        One sentence describing the chart (image alt text).
    """

    title: str
    notes: str
    kind: str = "content"
    subtitle: str = ""
    kpis: list[tuple[str, str]] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    table: tuple[list[str], list[list[str]]] | None = None
    figure: go.Figure | None = None
    chart_alt: str = ""


@dataclass
class Deck:
    """A named sequence of slides (``name`` is the file stem, e.g. ``leadership``)."""

    name: str
    title: str
    slides: list[Slide]


def count_words(text: str) -> int:
    """Words in ``text`` as a reader counts them (numbers count as words, dashes and arrows do not)."""
    return len(_WORD.findall(text or ""))


def slide_texts(slide: Slide) -> list[str]:
    """Every piece of visible text of a slide, in reading order (notes and chart labels excluded)."""
    out = [slide.title, slide.subtitle]
    for value, label in slide.kpis:
        out += [value, label]
    out += slide.bullets
    for q in slide.quotes:
        out += [q.text, q.who]
    if slide.table is not None:
        header, rows = slide.table
        out += header
        for row in rows:
            out += row
    return [t for t in out if t]


def slide_words(slide: Slide) -> int:
    """Words of visible text on ``slide`` (see :data:`MAX_WORDS`)."""
    return sum(count_words(t) for t in slide_texts(slide))


def chunk_items(items: list[str], title_words: int, budget: int = MAX_WORDS, per_slide: int = 4) -> list[list[str]]:
    """Split bullet items into groups that each fit one slide's word budget beside a title of ``title_words``."""
    groups: list[list[str]] = []
    cur: list[str] = []
    used = title_words + 1  # room for a "(1/3)" counter
    for item in items:
        w = count_words(item)
        if cur and (used + w > budget or len(cur) >= per_slide):
            groups.append(cur)
            cur, used = [], title_words + 1
        cur.append(item)
        used += w
    if cur:
        groups.append(cur)
    return groups


def shorten(text: str, max_words: int) -> str:
    """``text`` cut after ``max_words`` words at most, preferring a sentence end; an ellipsis marks a cut."""
    text = " ".join(str(text).split())
    words = text.split(" ")
    if len(words) <= max_words:
        return text
    head = " ".join(words[:max_words])
    end = max(head.rfind(". "), head.rfind("! "), head.rfind("? "))
    if end >= len(head) // 2:
        return head[: end + 1] + " …"
    return head.rstrip(",;:") + " …"


# ----------------------------------------------------------------------
# Number formatting for the room: thousands separators, units, % for shares
# ----------------------------------------------------------------------
def finite(x: Any) -> bool:
    """True for a real, finite number."""
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def fmt_int(x: Any) -> str:
    """A count with thousands separators (``12,345``); an en dash when unknown."""
    return f"{float(x):,.0f}" if finite(x) else "–"


def fmt_money(x: Any, currency: str = "") -> str:
    """A money amount with thousands separators and its currency (``13,219,500 EUR``)."""
    if not finite(x):
        return "–"
    return f"{float(x):,.0f} {currency}".strip()


def fmt_pct(x: Any, digits: int = 0) -> str:
    """A share given in percent (0–100) as ``71%``."""
    return f"{float(x):,.{digits}f}%" if finite(x) else "–"


def fmt_num(x: Any, digits: int = 1) -> str:
    """A rating or score with ``digits`` decimals; an en dash when unknown."""
    return f"{float(x):,.{digits}f}" if finite(x) else "–"


def fmt_signed(x: Any, digits: int = 1) -> str:
    """A difference with its sign (``+2.7``, ``−1.2``)."""
    if not finite(x):
        return "–"
    v = float(x)
    return f"{'+' if v > 0 else '−' if v < 0 else '±'}{abs(v):,.{digits}f}"
