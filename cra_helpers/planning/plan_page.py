"""The landing page of an interview plan (``cra plan``): what was planned, for whom, and where each file is.

One page in the report look (:func:`cra_helpers.report.page_shell`, no
script, opens offline): the plan at a glance, notes on what could not be
planned, the schedule by day, and one row per account with links to its
guides, letters and capture workbook. Every text from the data is escaped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import schema as S
from ..config import Config
from ..report import page_shell
from ..safe import escape_html
from .calendar import schedule_sheet
from .knowledge import date_words

PAGE_CSS = """
table.plan-table { width: 100%; table-layout: fixed; border-collapse: collapse; }
table.plan-table td, table.plan-table th { overflow-wrap: anywhere; vertical-align: top; }
table.plan-table td.num, table.plan-table th.num { text-align: right; font-variant-numeric: tabular-nums; }
ul.plan-files { margin: 0; padding-left: 18px; }
.plan-small { font-size: 13px; color: var(--cra-muted); }
section.plan-section h2 { font-size: 19px; margin: 24px 0 8px; }
table.plan-table tr.plan-day td { background: #eef1f5; padding-top: 10px; }
"""


@dataclass
class AccountPlan:
    """The files planned for one account.

    Attributes
    ----------
    account_id, name
        The account and its name.
    folder
        Its folder in the plan.
    guides
        Guide files (HTML, and PDF when written).
    interviews
        Interviews booked in the schedule.
    window
        First and last interview day, ``None`` when nothing is booked.
    interviewers
        Interviewers booked at the account.
    letters
        Letter files (HTML and DOCX per contact, in contact order).
    capture
        The pre-filled capture workbook, ``None`` when nothing is booked.
    notes
        What could not be planned, in plain words.
    """

    account_id: str
    name: str
    folder: Path
    guides: list[Path]
    interviews: int = 0
    window: tuple[dt.date, dt.date] | None = None
    interviewers: list[str] = field(default_factory=list)
    letters: list[Path] = field(default_factory=list)
    capture: Path | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line: interviews, days, guides, letters."""
        if not self.interviews:
            return f"{_n(self.guides, '.html', 'guide')}, nobody to interview yet (no contacts)"
        days = len(pd.bdate_range(*self.window)) if self.window else 0
        return (f"{self.interviews} interview(s) over {days} working day(s), {_n(self.guides, '.html', 'guide')}, "
                f"{_n(self.letters, '.html', 'letter')}, capture workbook")

    def relocate(self, old: Path, new: Path) -> None:
        """Point every path at the published folder ``new`` instead of the staging folder ``old``."""
        move = lambda p: new / p.relative_to(old)  # noqa: E731
        self.folder = move(self.folder)
        self.guides = [move(p) for p in self.guides]
        self.letters = [move(p) for p in self.letters]
        self.capture = move(self.capture) if self.capture else None


def _n(files: list[Path], suffix: str, word: str) -> str:
    k = sum(1 for p in files if p.suffix == suffix)
    return f"{k} {word}{'' if k == 1 else 's'}"


def _link(path: Path, root: Path, label: str) -> str:
    return f'<a href="{escape_html(path.relative_to(root).as_posix())}">{escape_html(label)}</a>'


def _role(plan: AccountPlan, guide_file: Path) -> str:
    """The interviewee role a guide file is for, from its name (``guide_<account>_<level>_<role>``)."""
    role = guide_file.stem.split(f"guide_{plan.folder.name}_", 1)[-1]
    return "every role" if role == "any" else role.replace("_", " · ")


def _guide_links(plan: AccountPlan, root: Path) -> str:
    items = []
    for html in (p for p in plan.guides if p.suffix == ".html"):
        role = _role(plan, html)
        pdf = html.with_suffix(".pdf")
        extra = f" ({_link(pdf, root, 'PDF')})" if pdf in plan.guides else ""
        items.append(f"<li>{_link(html, root, role)}{extra}</li>")
    return f'<ul class="plan-files">{"".join(items)}</ul>'


def _letter_links(plan: AccountPlan, root: Path, contacts: pd.DataFrame) -> str:
    if not plan.letters:
        return '<span class="plan-small">none</span>'
    mine = contacts[contacts[S.ACCOUNT_ID].astype(str) == plan.account_id] if contacts is not None else None
    names = [] if mine is None else mine[S.CONTACT_NAME].astype(str).tolist()
    items = []
    for k, html in enumerate(p for p in plan.letters if p.suffix == ".html"):
        label = names[k] if k < len(names) else html.stem
        items.append(f"<li>{_link(html, root, label)} ({_link(html.with_suffix('.docx'), root, 'DOCX')})</li>")
    return f'<ul class="plan-files">{"".join(items)}</ul>'


def _account_rows(plans: list[AccountPlan], root: Path, contacts: pd.DataFrame | None) -> str:
    rows = []
    for p in plans:
        when = (f"{date_words(p.window[0])} – {date_words(p.window[1])}" if p.window
                else '<span class="plan-small">not booked</span>')
        when = escape_html(when) if p.window else when
        cap = _link(p.capture, root, p.capture.name) if p.capture else '<span class="plan-small">none</span>'
        rows.append(f"<tr><td><b>{escape_html(p.name)}</b><br><span class=\"plan-small\">{escape_html(p.account_id)}</span></td>"
                    f'<td class="num">{p.interviews}</td><td>{when}<br><span class="plan-small">'
                    f"{escape_html(', '.join(p.interviewers))}</span></td><td>{_guide_links(p, root)}</td>"
                    f"<td>{_letter_links(p, root, contacts)}</td><td>{cap}</td></tr>")
    head = ('<tr><th style="width:18%">Account</th><th class="num" style="width:9%">Interviews</th>'
            '<th style="width:19%">Days and interviewers</th><th style="width:22%">Interview guides</th>'
            '<th style="width:19%">Executive letters</th><th style="width:13%">Capture workbook</th></tr>')
    return f'<table class="cra-table plan-table"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def schedule_html(sched: pd.DataFrame) -> str:
    """The schedule by day as an HTML table: a heading row per day, then each interview (time, site, who, interviewer).

    Parameters
    ----------
    sched
        Output of :func:`cra_helpers.planning.schedule.schedule_interviews` (at least one row).
    """
    sheet = schedule_sheet(sched)
    head = ('<tr><th style="width:12%">Time</th><th style="width:24%">Site</th><th style="width:22%">Account</th>'
            '<th style="width:26%">Interviewee</th><th style="width:16%">Interviewer</th></tr>')
    body = []
    for day, rows in sheet.groupby("Day", sort=True):
        body.append(f'<tr class="plan-day"><td colspan="5"><b>{escape_html(day.strftime("%A"))}, '
                    f"{escape_html(date_words(day))}</b> · {len(rows)} interview(s)</td></tr>")
        for r in rows.to_dict("records"):
            cells = [f"{r['Start']:%H:%M}–{r['End']:%H:%M}", f"{r['Site']}, {r['City']}" if r["City"] else r["Site"],
                     r["Account"], f"{r['Interviewee']} ({r['Level']})", r["Interviewer"]]
            body.append("<tr>" + "".join(f"<td>{escape_html(v)}</td>" for v in cells) + "</tr>")
    return f'<table class="cra-table plan-table"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'


def _kpis(plans: list[AccountPlan], sched: pd.DataFrame) -> str:
    days = pd.to_datetime(sched["start"]).dt.date.nunique() if len(sched) else 0
    cards = [(len(plans), "accounts planned"), (len(sched), "interviews booked"), (days, "interview days"),
             (sched[S.INTERVIEWER].nunique() if len(sched) else 0, "interviewers"),
             (sum(p.suffix == ".html" for q in plans for p in q.guides), "interview guides"),
             (sum(p.suffix == ".html" for q in plans for p in q.letters), "executive letters")]
    inner = "".join(f'<div class="cra-kpi"><div class="v">{v:,}</div><div class="l">{escape_html(l)}</div></div>'
                    for v, l in cards)
    return f'<div class="cra-kpis">{inner}</div>'


def plan_page(plans: list[AccountPlan], sched: pd.DataFrame, config: Config, as_of: dt.date, *, source: str,
              root: Path, notes: list[str], contacts: pd.DataFrame | None = None) -> str:
    """The plan's ``index.html`` (links relative to ``root``, the plan folder).

    Parameters
    ----------
    plans
        One :class:`AccountPlan` per account, in the order shown.
    sched
        The schedule of every account (:func:`cra_helpers.planning.schedule.schedule_interviews`).
    config
        Configuration (``client``).
    as_of
        Date of the plan.
    source
        The assessment it was made from (shown in the header).
    root
        The plan folder; every file of ``plans`` lies inside it.
    notes
        Sentences on what could not be planned.
    contacts
        The contacts table, for the letters' names (file names otherwise).
    """
    parts = [_kpis(plans, sched)]
    if notes:
        items = "".join(f"<li>{escape_html(n)}</li>" for n in notes)
        parts.append(f'<div class="cra-callout warn"><b>Not planned yet</b><ul>{items}</ul></div>')
    if len(sched):
        parts.append('<p>The schedule of every account together: '
                     f'{_link(root / "schedule.xlsx", root, "schedule.xlsx")} (by day and by interviewer) and '
                     f'{_link(root / "schedule.ics", root, "schedule.ics")} (import into any calendar).</p>')
    parts.append(f'<section class="plan-section"><h2>Accounts</h2>{_account_rows(plans, root, contacts)}</section>')
    if len(sched):
        parts.append(f'<section class="plan-section"><h2>Schedule by day</h2>{schedule_html(sched)}</section>')
    meta = f"{escape_html(date_words(as_of))}<br>{escape_html(Path(source).name)}"
    return page_shell("Interview plan", "".join(parts), client=config.client, meta_html=meta, extra_css=PAGE_CSS,
                      viewport=True)


def plan_links(plans: list[AccountPlan], index: Path, base: Path) -> str:
    """Links, relative to the folder ``base`` of the page showing them, to the plan and each account's files.

    Parameters
    ----------
    plans
        The accounts planned.
    index
        The plan's ``index.html``.
    base
        Folder of the page the links go on; ``index`` lies inside it.
    """
    root = index.parent
    rel = root.relative_to(base)
    items = [f"<li>{_link(index, base, 'The plan: every file at a glance')}</li>"]
    for p in plans:
        guides = ", ".join(_link(h, base, _role(p, h)) for h in p.guides if h.suffix == ".html")
        cap = f" · capture workbook {_link(p.capture, base, p.capture.name)}" if p.capture else ""
        items.append(f"<li><b>{escape_html(p.name)}</b>: {_n(p.letters, '.html', 'letter')} in "
                     f"{escape_html((rel / p.folder.relative_to(root) / 'letters').as_posix())}/ · guides {guides}{cap}</li>")
    return f'<ul class="plan-files">{"".join(items)}</ul>'
