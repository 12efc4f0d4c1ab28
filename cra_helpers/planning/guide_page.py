"""The printed interview guide: one list of blocks, rendered as an HTML page and as a PDF.

:func:`guide_blocks` turns a guide of :func:`cra_helpers.planning.guide.build_guide`
into the blocks of :mod:`cra_helpers.planning.pdf` (plus ``kpis`` and
``section``); :func:`guide_html` renders the same blocks as a page in the
report look (:func:`cra_helpers.report.page_shell`), so the HTML and the PDF
say the same thing. Every text from the data is escaped in the HTML.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .. import schema as S
from ..config import Config
from ..report import page_shell
from ..safe import escape_html
from .knowledge import date_words
from .pdf import Block

QUESTION_HEADERS = ("#", "Question", "Min.", "Elapsed", "Note")
QUESTION_WIDTHS = (5, 64, 7, 10, 14)
"""Relative widths of the question tables' columns (they add up to 100)."""
DROP_HEADERS = ("Drop", "Question", "Section", "Min.", "Then")
DROP_WIDTHS = (7, 57, 20, 7, 9)


def _num(x: float) -> str:
    return f"{float(x):g}"


def _note(row: pd.Series) -> str:
    parts = []
    if row["source"] == "gap":
        parts.append("gap")
    if pd.notna(row["drop_order"]):
        parts.append(f"drop {int(row['drop_order'])}")
    return "; ".join(parts)


def _people(people: pd.DataFrame) -> list[Block]:
    if people.empty:
        return [("h2", "Interviewees"), ("p", "No contact of this role is recorded at the account.")]
    rows = [[r[S.CONTACT_NAME], r.get(S.TITLE, ""), r[S.DEPARTMENT], r.get(S.SITE, "")]
            for _, r in people.fillna("").iterrows()]
    return [("h2", "Interviewees"), ("table", ("Name", "Title", "Department", "Site"), rows, (28, 28, 22, 22))]


def _gap_blocks(guide: pd.DataFrame, gaps: pd.DataFrame) -> list[Block]:
    asked = guide[(guide["source"] == "gap") & guide["kept"].astype(bool)]
    keys = set(zip(asked["gap_kind"], asked["detail"]))
    here = [d for k, d in zip(gaps["kind"], gaps["detail"]) if (k, d) in keys]
    elsewhere = [d for k, d in zip(gaps["kind"], gaps["detail"]) if (k, d) not in keys]
    out: list[Block] = [("h2", "Knowledge gaps this guide asks about")]
    out.append(("list", here, False) if here else ("p", "None: this guide confirms what is on record."))
    if elsewhere:
        out += [("small", "Other gaps of the account, asked in the guides of other roles or left out for time:"),
                ("list", elsewhere, False)]
    return out


def _drop_blocks(guide: pd.DataFrame) -> list[Block]:
    drops = guide[guide["drop_order"].notna()].sort_values("drop_order")
    total = float(guide.attrs["total_minutes"])
    if drops.empty:
        return [("section", "When time runs short"), ("p", "Every question of this guide is a core question: none to drop.")]
    rows = []
    for _, r in drops.iterrows():
        total -= float(r["minutes"])
        rows.append([str(int(r["drop_order"])), r["text"], r["section_title"], _num(r["minutes"]), _num(total)])
    return [("section", "When time runs short"),
            ("p", "Drop these questions in this order (each is marked “drop 1”, “drop 2” … in the question "
                  "tables); the last column gives the minutes the guide then takes."),
            ("table", DROP_HEADERS, rows, DROP_WIDTHS)]


def _section_blocks(guide: pd.DataFrame) -> list[Block]:
    out: list[Block] = []
    kept = guide[guide["kept"].astype(bool)]
    for section, part in kept.groupby("section", sort=False):
        rows = [[str(k), r["text"], _num(r["minutes"]), _num(r["cumulative_minutes"]), _note(r)]
                for k, (_, r) in enumerate(part.iterrows(), start=1)]
        title = f"{part['section_title'].iloc[0]} ({_num(part['minutes'].sum())} min)"
        out += [("section", title), ("table", QUESTION_HEADERS, rows, QUESTION_WIDTHS)]
    left = guide[~guide["kept"].astype(bool)]
    if len(left):
        out += [("h2", f"Left out for time ({_num(left['minutes'].sum())} min)"),
                ("list", [f"{r['text']} ({r['section_title']}, {_num(r['minutes'])} min)" for _, r in left.iterrows()], False)]
    return out


def guide_blocks(guide: pd.DataFrame, gaps: pd.DataFrame, facts: pd.DataFrame, people: pd.DataFrame,
                 config: Config, as_of: dt.date) -> list[Block]:
    """The content of one printed guide, as blocks (see :mod:`cra_helpers.planning.pdf`).

    Parameters
    ----------
    guide
        A guide of :func:`~cra_helpers.planning.guide.build_guide` (with its ``attrs``).
    gaps, facts
        The account's knowledge gaps and current knowledge (:mod:`cra_helpers.planning.knowledge`).
    people
        The account's contacts of the guide's role.
    config
        Configuration (``client``).
    as_of
        The day the guide is made.

    Returns
    -------
    list of tuple
        Title, key figures (total minutes first), warnings, interviewees, what
        we know, the rating scales, the gaps asked about, then one ``section``
        block and question table per section, the questions left out for time
        and, last, what to drop when time runs short, in order.
    """
    at = guide.attrs
    kept = guide[guide["kept"].astype(bool)]
    blocks: list[Block] = [
        ("h1", f"Interview guide: {at['account']}"),
        ("p", f"{at['role']} · {date_words(as_of)}"),
        ("kpis", [(f"{_num(at['total_minutes'])} min", "Total minutes"), (str(len(kept)), "Questions"),
                  (f"{_num(at['core_minutes'])} min", "Core questions"),
                  (f"{at['min_minutes']}–{at['max_minutes']} min", "Interview length")]),
    ]
    blocks += [("warn", w) for w in at["warnings"]]
    blocks += _people(people)
    blocks += [("h2", "What we know"), ("table", ("Fact", "On record"), facts.values.tolist(), (30, 70))]
    if at.get("scales"):
        blocks += [("h2", "Rating scales"), ("list", list(at["scales"]), False)]
    how = ("Minutes are per question; “Elapsed” is the time at the end of it. “gap” marks a question asked for "
           "one of the account's knowledge gaps.")
    if guide["drop_order"].notna().any():
        how += (" When time runs short, drop the questions marked “drop 1”, “drop 2” … in that order (the list is "
                "on the last page).")
    blocks.append(("p", how))
    blocks += _gap_blocks(guide, gaps) + _section_blocks(guide) + _drop_blocks(guide)
    return blocks


def _table_html(headers: tuple, rows: list, widths: tuple) -> str:
    total = float(sum(widths))
    cols = "".join(f'<col style="width:{100 * w / total:.1f}%">' for w in widths)
    head = "".join(f"<th>{escape_html(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape_html(v)}</td>" for v in r) + "</tr>" for r in rows)
    kind = " guide-questions" if tuple(headers) == QUESTION_HEADERS else ""
    return (f'<table class="cra-table guide-table{kind}"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _block_html(block: Block) -> str:
    kind = block[0]
    if kind == "h2":
        return f"<h2>{escape_html(block[1])}</h2>"
    if kind in ("p", "small"):
        return f'<p class="guide-{kind}">{escape_html(block[1])}</p>'
    if kind == "warn":
        return f'<div class="cra-callout warn guide-warning"><b>Warning:</b> {escape_html(block[1])}</div>'
    if kind == "list":
        tag = "ol" if len(block) > 2 and block[2] else "ul"
        return f"<{tag}>" + "".join(f"<li>{escape_html(i)}</li>" for i in block[1]) + f"</{tag}>"
    if kind == "table":
        return _table_html(block[1], block[2], block[3])
    if kind == "kpis":
        cards = "".join(f'<div class="cra-kpi"><div class="v">{escape_html(v)}</div><div class="l">{escape_html(l)}</div></div>'
                        for v, l in block[1])
        return f'<div class="cra-kpis">{cards}</div>'
    if kind == "page":
        return ""
    raise ValueError(f"unknown block kind {kind!r}")


def guide_html(guide: pd.DataFrame, gaps: pd.DataFrame, facts: pd.DataFrame, people: pd.DataFrame,
               config: Config, as_of: dt.date, css: str = "") -> str:
    """The guide as a standalone, printable HTML page (the blocks of :func:`guide_blocks`).

    Parameters
    ----------
    guide, gaps, facts, people, config, as_of
        As for :func:`guide_blocks`.
    css
        Print styles added to the report look (A4, a page per section).

    Returns
    -------
    str
        The page; the title and the first paragraph go into its header.
    """
    blocks = guide_blocks(guide, gaps, facts, people, config, as_of)
    title, meta = blocks[0][1], blocks[1][1]
    parts, open_section = ['<section class="guide-intro">'], True
    for block in blocks[2:]:
        if block[0] == "section":
            parts.append("</section>" if open_section else "")
            parts.append(f'<section class="guide-section"><h2>{escape_html(block[1])}</h2>')
            open_section = True
        else:
            parts.append(_block_html(block))
    parts.append("</section>")
    return page_shell(title, "".join(parts), client=config.client, meta_html=escape_html(meta), extra_css=css,
                      viewport=True)
