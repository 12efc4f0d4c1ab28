"""What a notebook calls to narrate its results: tables, figures, headlines, notes.

A notebook starts with ``rep = Report.start("00_overview", data_path, out_dir,
config_path)`` and ends with ``rep.finish()``. In between it shows figures and
tables through ``rep``; every table shown with a name is also written to
``<out_dir>/tables/<name>.csv`` (text neutralised against spreadsheet
formulas), and every headline figure goes into
``<out_dir>/results/<step>.json`` which the pipeline gathers into the landing
page and ``summary.json``. All text from the data is HTML-escaped here.

The key-account one-pagers of ``05_actions`` are built here too
(:func:`one_pager_html`, :func:`customer_one_pager_html`), and
:func:`write_customer_page` writes the customer's as a page of its own.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from . import headlines, paths, style
from .config import Config, load_config
from .outputs import inside, safe_name
from .safe import escape_html, neutralize_frame

RESULTS_DIR = "results"
TABLES_DIR = "tables"
DEFAULT_MAX_ROWS = 60


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        if math.isnan(float(value)):
            return "–"
        v = float(value)
        if v.is_integer() and abs(v) >= 1000:
            return f"{v:,.0f}"
        return f"{v:,.{digits}f}"
    if pd.isna(value) if not isinstance(value, (list, tuple, dict)) else False:
        return "–"
    return str(value)


def html_table(
    df: pd.DataFrame,
    max_rows: int | None = DEFAULT_MAX_ROWS,
    digits: int = 2,
    index: bool = False,
    people: bool = False,
    names: dict[str, str] | None = None,
) -> str:
    """Render ``df`` as an escaped, readable HTML table (numbers right-aligned).

    Parameters
    ----------
    df
        The table. Every cell and header is HTML-escaped.
    max_rows
        Show at most this many rows and say how many were left out (``None``: all).
    digits
        Decimals for non-integer numbers.
    index
        Include the index as leading column(s).
    people
        Format for people: headers in words (:func:`cra_helpers.formatting.column_header`),
        p-values as ``"< 0.001"``, shares (0–1) and ``*_pct`` columns (0–100) as %, counts
        as whole numbers with thousands separators (:func:`cra_helpers.formatting.column_kind`).
        Text cells (ids such as ``A005``) are shown as they are. Only the display changes.
    names
        With ``people``: headers to use instead of the generated ones (column name → header).

    Returns
    -------
    str
        ``<div class="cra-table-wrap">`` (scrolls sideways when the table is wider than the page)
        holding the table, then a caption when rows were left out.
    """
    frame = df.reset_index() if index else df
    shown = frame if max_rows is None or len(frame) <= max_rows else frame.head(max_rows)
    numeric, kinds, titles = _columns(frame, people, names)
    head = "".join(f'<th class="{"num" if n else ""}">{escape_html(t)}</th>' for t, n in zip(titles, numeric))
    rows = []
    for rec in shown.itertuples(index=False, name=None):
        cells = "".join(
            f'<td class="{"num" if n else ""}">{escape_html(_cell(v, k, digits))}</td>' for v, n, k in zip(rec, numeric, kinds)
        )
        rows.append(f"<tr>{cells}</tr>")
    more = ""
    if len(shown) < len(frame):
        more = f'<div class="cra-caption">Showing {len(shown):,} of {len(frame):,} rows; the full table is in the CSV.</div>'
    return (
        f'<div class="cra-table-wrap"><table class="cra-table"><thead><tr>{head}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div>{more}'
    )


def _columns(frame: pd.DataFrame, people: bool, names: dict[str, str] | None) -> tuple[list[bool], list[str | None], list[str]]:
    """Per column of :func:`html_table`: numeric or not, its kind for people (``None``: as it is) and its header."""
    from . import formatting

    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c]) for c in frame.columns]
    if people:
        kinds = [formatting.column_kind(c, frame.iloc[:, i]) if n else None for i, (c, n) in enumerate(zip(frame.columns, numeric))]
        titles = [formatting.column_header(c, names) for c in frame.columns]
    else:
        kinds = [None] * len(frame.columns)
        titles = [str(c) for c in frame.columns]
    return numeric, kinds, titles


def _cell(v: Any, kind: str | None, digits: int) -> str:
    """One cell of :func:`html_table` as text (before escaping): by its kind for people, else :func:`_fmt`."""
    from . import formatting

    if kind is not None:
        text = formatting.cell(v, kind, digits)
        if text is not None:
            return text
    return _fmt(v, digits)


class _HTML:
    """Minimal rich-display object (avoids importing IPython outside a kernel)."""

    def __init__(self, html: str) -> None:
        self.html = html

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.html


def page_shell(title: str, body_html: str, *, client: str = "", meta_html: str = "", heading: str | None = None,
               extra_css: str = "", viewport: bool = False) -> str:
    """A standalone HTML page in the report look (``cra.css`` inlined, no script): header, then ``body_html``.

    Parameters
    ----------
    title
        The page title (escaped here); also the heading unless ``heading`` is given.
    body_html
        Markup from a package function that escaped every text from the data.
    client
        Our company name above the heading (none when empty; escaped here).
    meta_html
        Markup for the right-hand side of the header (date, links), already escaped.
    extra_css, viewport
        Styles added after ``cra.css``; a viewport meta tag for phones.
    """
    from .export import template_dir

    css = (template_dir() / "cra" / "cra.css").read_text(encoding="utf-8")
    vp = '<meta name="viewport" content="width=device-width, initial-scale=1.0">' if viewport else ""
    who = f'<div class="cra-client">{escape_html(client)}</div>' if client else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{vp}<title>{escape_html(title)}</title>'
            f'<style>{css}{extra_css}</style></head><body class="cra-report"><main><header class="cra-header"><div>'
            f'{who}<h1 class="cra-title">{escape_html(title if heading is None else heading)}</h1></div>'
            f'<div class="cra-meta">{meta_html}</div></header>{body_html}</main></body></html>')


def _display(obj: Any) -> None:
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        print(obj)
        return
    display(obj)


@dataclass
class Report:
    """Collects what one notebook shows and writes its result files.

    Attributes
    ----------
    step
        Step name (notebook stem).
    out_dir
        Report folder; tables go to ``out_dir/tables``, headlines to ``out_dir/results``.
    config
        Validated configuration.
    data_path
        The assessment read by the notebook.
    """

    step: str
    out_dir: Path
    config: Config
    data_path: Path
    headlines: list[dict[str, Any]] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)
    page_names: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def start(
        cls,
        step: str,
        data_path: str | Path | None = None,
        out_dir: str | Path | None = None,
        config_path: str | Path | None = None,
    ) -> "Report":
        """Begin a notebook's report.

        Parameters
        ----------
        step
            Notebook stem, e.g. ``"00_overview"``.
        data_path
            Assessment workbook or CSV folder; ``None`` or ``""`` → the bundled sample.
        out_dir
            Report folder; ``None`` or ``""`` → ``reports/interactive`` in the project.
        config_path
            Client configuration YAML; ``None`` or ``""`` → package defaults.
        """
        style.register()
        pio.renderers.default = "plotly_mimetype"
        data = Path(data_path) if data_path else paths.sample_path()
        out = Path(out_dir) if out_dir else paths.project_root() / "reports" / "interactive"
        (out / TABLES_DIR).mkdir(parents=True, exist_ok=True)
        (out / RESULTS_DIR).mkdir(parents=True, exist_ok=True)
        config = load_config(config_path or None)
        return cls(step=step, out_dir=out, config=config, data_path=data)

    # ------------------------------------------------------------------ output
    def markdown_safe(self, text: str) -> None:
        """Show a paragraph of plain text (escaped; no markup is interpreted)."""
        _display(_HTML(f"<p>{escape_html(text)}</p>"))

    def kpis(self, items: Iterable[tuple[Any, ...]], headline: bool = True) -> None:
        """Show a row of key figures ``(label, value)`` or ``(label, value, unit)``; with ``headline`` they also go to the landing page."""
        cards = []
        for item in items:
            label, value, unit = (tuple(item) + ("",))[:3]
            tip = headlines.definition(label)
            title = f' title="{escape_html(tip)}"' if tip else ""
            cards.append(f'<div class="cra-kpi"{title}><div class="v">{escape_html(_fmt(value, 1))}</div>'
                         f'<div class="l">{escape_html(label)}</div></div>')
            if headline:
                self.headline(label, value, unit)
        _display(_HTML(f'<div class="cra-kpis">{"".join(cards)}</div>'))

    def headline(self, label: str, value: Any, unit: str = "") -> None:
        """Record a headline figure for the landing page and ``summary.json``."""
        if isinstance(value, numbers.Integral):
            value = int(value)
        elif isinstance(value, numbers.Real):
            value = None if math.isnan(float(value)) else round(float(value), 4)
        h = headlines.BY_LABEL.get(label)
        self.headlines.append({"label": label, "value": value, "unit": unit,
                               "definition": h.definition if h else ""})

    def note(self, text: str, kind: str = "info", items: Iterable[str] = ()) -> None:
        """Show a call-out (``kind``: ``info``, ``warn`` or ``bad``), optionally with a bullet list."""
        cls = {"info": "", "warn": "warn", "bad": "bad"}.get(kind, "")
        lis = "".join(f"<li>{escape_html(i)}</li>" for i in items)
        body = escape_html(text) + (f"<ul>{lis}</ul>" if lis else "")
        _display(_HTML(f'<div class="cra-callout {cls}">{body}</div>'))
        self.notes.append({"kind": kind, "text": text, "items": "; ".join(items)})

    def table(
        self,
        df: pd.DataFrame,
        name: str | None = None,
        caption: str = "",
        max_rows: int | None = DEFAULT_MAX_ROWS,
        digits: int = 2,
        show: bool = True,
        people: bool = True,
        names: dict[str, str] | None = None,
    ) -> None:
        """Show ``df`` as an escaped HTML table; with ``name``, also write ``tables/<name>.csv``.

        The CSV keeps the machine column names and raw values; only the shown table is
        formatted for people (``people=True``: headers in words, shares as %, p-values as
        ``"< 0.001"``, whole-number counts; ``names`` overrides headers). See :func:`html_table`.
        """
        if name:
            self.save_table(df, name)
        if show:
            cap = f'<div class="cra-caption">{escape_html(caption)}</div>' if caption else ""
            src = f'<div class="cra-caption">Full table: tables/{escape_html(name)}.csv</div>' if name else ""
            _display(_HTML(html_table(df, max_rows=max_rows, digits=digits, people=people, names=names) + cap + src))

    def save_table(self, df: pd.DataFrame, name: str) -> None:
        """Write ``df`` to ``tables/<name>.csv`` (UTF-8, text neutralised against formulas).

        Returns nothing, so a notebook cell ending with it shows no path
        (:meth:`table_path` gives the file's path).
        """
        path = self.table_path(name)
        neutralize_frame(df).to_csv(path, index=False, encoding="utf-8")
        if name not in self.tables:
            self.tables.append(name)

    def table_path(self, name: str) -> Path:
        """Path of ``tables/<name>.csv`` in the report folder (always inside it)."""
        return inside(self.out_dir, self.out_dir / TABLES_DIR / f"{safe_name(name)}.csv")

    def html(self, markup: str) -> None:
        """Show HTML built by a package function (which has escaped every text from the data)."""
        _display(_HTML(markup))

    def file_path(self, name: str) -> Path:
        """Path for a file the notebook writes next to its tables (``tables/<name>``), listed on the landing page."""
        stem, dot, suffix = name.rpartition(".")
        safe = f"{safe_name(stem)}.{safe_name(suffix)}" if dot and stem else safe_name(name)
        return inside(self.out_dir, self.out_dir / TABLES_DIR / safe)

    def page_name(self, folder: str, key: str) -> str:
        """File name (``<slug>.html``) of the page for ``key`` (e.g. an account id) in ``folder``.

        Names derived from data are made safe with :func:`cra_helpers.outputs.safe_name`
        and unique within the folder; the same key always gets the same name in a run.
        """
        names = self.page_names.setdefault(folder, {})
        if key not in names:
            names[key] = safe_name(key, taken=set(names.values())) + ".html"
        return names[key]

    def write_page(self, folder: str, name: str, title: str, body_html: str) -> Path:
        """Write a standalone, printable HTML page (the report look, no script) to ``<out_dir>/<folder>/<file>``.

        ``name`` may come from data (an account id): the file is
        :meth:`page_name` of it, always inside ``out_dir``. ``body_html``
        must come from a package function that escaped every text from the
        data. Returns the path written.
        """
        page = page_shell(title, body_html, client=self.config.client,
                          meta_html=f'{dt.date.today().isoformat()}<br><a href="../index.html">All reports</a>')
        path = inside(self.out_dir, self.out_dir / safe_name(folder) / self.page_name(folder, name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
        return path

    def figure(self, fig: go.Figure, caption: str = "") -> None:
        """Show a plotly figure (interactive in JupyterLab and in the HTML report)."""
        _display(fig)
        if caption:
            _display(_HTML(f'<div class="cra-caption">{escape_html(caption)}</div>'))

    # ------------------------------------------------------------------ end
    def finish(self) -> Path:
        """Write ``results/<step>.json`` (headlines, tables, notes) and return its path."""
        path = self.out_dir / RESULTS_DIR / f"{self.step}.json"
        payload = {"step": self.step, "headlines": self.headlines, "tables": self.tables, "notes": self.notes}
        path.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
        return path


# ---------------------------------------------------------------------------
# Key-account one-pagers of 05_actions: the internal page and the customer's.
# Each prints on one A4 portrait page (:data:`ONE_PAGER_CSS`: ``@page`` A4,
# compact print layout, content capped by :func:`cra_helpers.actions.one_pager`).
# :func:`one_pager_html` is the internal page; :func:`customer_one_pager_html`
# the customer's, built only from :func:`cra_helpers.actions.customer_one_pager`;
# :func:`write_customer_page` writes it as a standalone file with no link to
# the internal report.
# ---------------------------------------------------------------------------

QUOTE_CHARS = 230
"""Longest quote on a one-pager (characters; longer remarks are cut at a word, with …)."""

ONE_PAGER_CSS = """
<style>
.cra-onepager{border:1px solid #e4e7eb;border-radius:10px;padding:14px 18px;margin:18px 0;break-inside:avoid;page-break-inside:avoid}
.cra-onepager h3{margin:0;font-size:18px}
.cra-onepager .op-head{display:flex;justify-content:space-between;align-items:baseline;gap:12px;flex-wrap:wrap}
.cra-onepager .op-meta{color:#5b6775;font-size:13px}
.cra-onepager .op-grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.25fr);gap:18px;margin-top:8px}
.cra-onepager .op-block{margin-top:10px}
.cra-onepager strong.op-h{display:block;font-size:14px;margin:4px 0 2px}
.cra-onepager ul{margin:2px 0 6px;padding-left:18px}
.cra-onepager table.cra-table{width:100%;table-layout:auto;font-size:12.5px;margin:4px 0}
.cra-onepager table.cra-table td,.cra-onepager table.cra-table th{padding:3px 6px;overflow-wrap:anywhere}
.cra-onepager table.cra-table th{overflow-wrap:normal;word-break:normal}
.cra-onepager blockquote{margin:6px 0;padding:4px 10px;border-left:3px solid #c9d3de;font-size:13px;line-height:1.4}
.cra-onepager blockquote footer{font-style:normal;font-size:11.5px;color:#5b6775;margin-top:2px}
.cra-onepager .op-note{font-size:12px;color:#5b6775;margin:2px 0}
@page{size:A4 portrait;margin:12mm}
@media print{
  body.cra-report main{max-width:none;min-height:0;padding:0;margin:0;box-shadow:none}
  body.cra-report .cra-header{padding:0 0 6px;margin-bottom:4px}
  body.cra-report .cra-header h1.cra-title{font-size:20px}
  .cra-onepager{border:none;padding:0;margin:0}
  .cra-onepager h3{font-size:16px}
  .cra-onepager .op-grid{gap:12px}
  .cra-onepager table.cra-table{font-size:11px}
  .cra-onepager blockquote{font-size:11.5px;margin:4px 0}
  .cra-onepager,.cra-onepager li{font-size:12px}
  a[href]{color:inherit;text-decoration:none}
}
</style>"""
"""Styles of the one-pagers (screen and print); included once per page."""


def _quotes_html(quotes: pd.DataFrame, internal: bool) -> str:
    from .figures.actions import _short  # one rule for cutting a text at a word

    out = []
    for r in quotes.to_dict("records"):
        if internal:
            who = ", ".join(str(x) for x in (r.get("department"), f"{r.get('level')} level") if x and str(x) not in ("nan", "None level"))
            about = f" · about {r['need']}" if r.get("need") else ""
            foot = f"{who}{about} · {r.get('verbatim_id', '')}"
        else:
            foot = str(r.get("role", "")) + (f" · about {r['need']}" if r.get("need") else "")
        out.append(f"<blockquote>“{escape_html(_short(r['text'], QUOTE_CHARS))}”<footer>{escape_html(foot)}</footer></blockquote>")
    return "".join(out)


def _reads_as(stance: str, quadrant: str) -> str:
    """How the numbers read for a need at the account, named as the quote rule uses it."""
    word = {"gap": "a gap", "strength": "a strength"}.get(str(stance), "neither")
    return f"{word} ({quadrant})" if quadrant else word


NOT_HEARD_HTML = ('<div class="op-block"><strong class="op-h">Not interviewed yet</strong><p>A key account by the '
                  "prioritization rule, but nobody at it has been interviewed: there are no ratings, remarks or risk "
                  "score to show. The diagonal slice of the Prioritize report lists whom to interview.</p></div>")
"""What the page of a key account without interviews says instead of risk, gaps, words and actions."""


def one_pager_html(page: dict, currency: str = "", scale: str = "") -> str:
    """The internal page of one key account: status, risk and reasons, largest gaps, its own words, its actions.

    Parameters
    ----------
    page
        :func:`cra_helpers.actions.one_pager` output.
    currency
        Currency of the revenue.
    scale
        The performance scale as written in headers (e.g. ``"1–10"``).

    Returns
    -------
    str
        A ``<section>`` (with :data:`ONE_PAGER_CSS`), every text escaped.
    """
    from .figures.actions import LEVEL_COLOURS

    level = page.get("risk_level") or "not scored"
    colour = LEVEL_COLOURS.get(level, style.NEUTRAL)
    reasons = "".join(f"<li>{escape_html(r)}</li>" for r in page["reasons"])
    score = "–" if page.get("risk_score") is None else f"{page['risk_score']:.0f}"
    badge = "not interviewed" if page.get("interviews", 1) == 0 else f"{level} risk · {score}"
    sc = f" ({scale})" if scale else ""
    g = page["top_gaps"]
    gaps = pd.DataFrame({"Need": g["need"], f"Importance{sc}": g["importance"], f"Performance{sc}": g["performance"],
                         "Gap": g["gap"], "Rated by": g["n"],
                         "Reads as": [_reads_as(st, q) for st, q in zip(g["stance"], g.get("quadrant", [""] * len(g)))],
                         "Remarks: what hurts / works": [f"{h} / {w}" for h, w in zip(g["what_hurts"], g["what_works"])]})
    notes = "".join(f'<p class="op-note">{escape_html(n)}: {escape_html(t)}</p>'
                    for n, t in zip(g["need"], g["words_note"]) if t)
    quotes = _quotes_html(page["quotes"], internal=True)
    rule = str(page.get("quote_rule") or "")
    rule_note = f'<p class="op-note">{escape_html(rule[0].upper() + rule[1:])}.</p>' if rule.startswith("remarks not matched") else ""
    acts = page["actions"]
    total = int(page.get("actions_total", len(acts)))
    act_table = pd.DataFrame({"#": acts["rank_here"], "Action": acts["action"], "Owner (role)": acts["owner"],
                              "Gaps it closes here (points)": acts["why_here"], "Measured by": acts["metric"]})
    more = f'<p class="op-note">{len(acts)} of {total} actions that concern this account, ranked by their return here.</p>' if total else ""
    actions_html = html_table(act_table, max_rows=None) + more if len(acts) else "<p>None of the recommended actions addresses a gap of this account.</p>"
    body = (NOT_HEARD_HTML if page.get("interviews", 1) == 0 else
            f"""<div class="op-block"><strong class="op-h">Why this risk level</strong><ul>{reasons}</ul></div>
  <div class="op-block"><strong class="op-h">Largest gaps at this account (importance − performance, points)</strong>{html_table(gaps, max_rows=None, digits=1)}{notes}</div>
  <div class="op-block"><strong class="op-h">In their words</strong>{quotes or '<p>No remarks recorded.</p>'}{rule_note}</div>
  <div class="op-block"><strong class="op-h">Actions that concern it</strong>{actions_html}</div>""")
    return f"""{ONE_PAGER_CSS}
<section class="cra-onepager" id="onepager-{escape_html(page['account_id'])}">
  <div class="op-head">
    <h3>{escape_html(page['name'])} <span class="op-meta">{escape_html(page['account_id'])}</span></h3>
    <div><span class="cra-status" style="background:{colour};color:white">{escape_html(badge)}</span>
      <span class="op-meta" style="margin-left:8px">{escape_html(page['status'])} · revenue {page['revenue']:,.0f} {escape_html(currency)}</span></div>
  </div>
  {body}
</section>"""


def customer_one_pager_html(page: dict, scale: str = "", client: str = "") -> str:
    """The customer's page: what they told us and what we are doing about it; nothing internal.

    Parameters
    ----------
    page
        :func:`cra_helpers.actions.customer_one_pager` output (redacted
        remarks, role attribution, no risk, revenue or contact data).
    scale
        The rating scale as written in headers (e.g. ``"1–10"``).
    client
        Our company name, as the customer knows it.
    """
    sc = f" ({scale})" if scale else ""
    g = page["top_gaps"]
    gaps = pd.DataFrame({"What matters to you": g["need"], f"Importance to you{sc}": g["importance"],
                         f"How you rate us{sc}": g["performance"], "People who rated it": g["n"]})
    quotes = _quotes_html(page["quotes"], internal=False)
    acts = page["actions"]
    items = "".join(
        f"<li><strong>{escape_html(r['action'])}</strong><br><span class=\"op-meta\">For: {escape_html(r['needs'])}"
        + (f" · measured by: {escape_html(r['measured_by'])}" if r.get("measured_by") else "")
        + (f" · by {escape_html(r['due'].isoformat() if isinstance(r['due'], dt.date) else r['due'])}" if r.get("due") is not None and not pd.isna(r.get("due")) else "")
        + "</span></li>"
        for r in acts.to_dict("records"))
    who = escape_html(client) if client else "we"
    return f"""{ONE_PAGER_CSS}
<section class="cra-onepager cra-customer" id="customer-{escape_html(page['account_id'])}">
  <div class="op-head"><h3>{escape_html(page['name'])}: what you told us and what we are doing</h3></div>
  <p class="op-note">From the interviews with your colleagues: where our performance falls furthest below the importance you give to a need.</p>
  <div class="op-block"><strong class="op-h">Where we fall short of what matters to you</strong>{html_table(gaps, max_rows=None, digits=1)}</div>
  <div class="op-block"><strong class="op-h">In your words</strong>{quotes or '<p>No remarks recorded.</p>'}</div>
  <div class="op-block"><strong class="op-h">What {who} will do</strong>{'<ul>' + items + '</ul>' if items else '<p>No action is planned on these needs yet.</p>'}</div>
</section>"""


def write_customer_page(out_dir: str | Path, file_name: str, title: str, body_html: str, client: str = "") -> Path:
    """Write a customer page to ``<out_dir>/customer/one_pagers/<file_name>``: the report look, no script, no internal link.

    ``file_name`` must come from :meth:`cra_helpers.report.Report.page_name`
    (safe, unique); the path is checked to stay inside ``out_dir``.
    """
    stem = file_name[:-5] if file_name.endswith(".html") else file_name
    page = page_shell(title, body_html, client=client, meta_html=dt.date.today().isoformat())
    out = Path(out_dir)
    path = inside(out, out / "customer" / "one_pagers" / f"{safe_name(stem)}.html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
