"""Figures and one-page summaries of 05_actions: risk, return on resources, key-account one-pagers.

Each key-account page prints on one A4 portrait page (:data:`ONE_PAGER_CSS`:
``@page`` A4, compact print layout, content capped by :func:`cra_helpers.actions.one_pager`).
:func:`one_pager_html` is the internal page; :func:`customer_one_pager_html`
the customer's, built only from :func:`cra_helpers.actions.customer_one_pager`;
:func:`write_customer_page` writes it as a standalone file with no link to
the internal report.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .. import actions as A
from .. import style
from ..report import html_table
from ..safe import escape_html

COMPONENT_COLOURS = {
    "segment": "#7b1f1f", "nps": "#c0392b", "satisfaction": "#e06c5a", "trend": "#f0a38f", "decision_makers": "#8e5aa8",
    "concentrate": "#d9822b", "negative_verbatims": "#e0a526", "competitor": "#7a8795", "sales": "#4c9a8a",
}
LEVEL_COLOURS = {A.HIGH: style.BAD, A.MEDIUM: style.WARN, A.LOW: style.GOOD}


def risk_contributions(risk: pd.DataFrame, weights: dict[str, float], high: float, medium: float) -> go.Figure:
    """Risk score per account as stacked contributions of its components (points of the 0–100 score)."""
    df = risk.iloc[::-1]
    cols = [f"c_{k}" for k in A.COMPONENTS]
    vals = df[cols].to_numpy(float)
    w = np.array([weights[k] for k in A.COMPONENTS], dtype=float)
    avail = ~np.isnan(vals) & (w > 0)
    den = np.where(avail, w, 0).sum(axis=1, keepdims=True)
    contrib = 100 * np.where(avail, np.nan_to_num(vals) * w, 0) / np.where(den > 0, den, 1)
    labels = [escape_html(f"{a} {n}") for a, n in zip(df["account_id"], df["account_name"])]
    fig = go.Figure()
    for j, k in enumerate(A.COMPONENTS):
        if not avail[:, j].any():
            continue
        fig.add_bar(x=contrib[:, j], y=labels, orientation="h", name=k.replace("_", " "), marker_color=COMPONENT_COLOURS[k],
                    hovertemplate="%{y}<br>" + k.replace("_", " ") + ": %{x:.1f} points<extra></extra>")
    fig.add_vline(x=high, line=dict(color=style.BAD, dash="dash"), annotation_text="High", annotation_position="top")
    fig.add_vline(x=medium, line=dict(color=style.WARN, dash="dash"), annotation_text="Medium", annotation_position="top")
    fig.update_layout(barmode="stack", title="Risk score per account: what it is made of (weighted components, 0–100)",
                      xaxis_title="Risk score", xaxis_range=[0, 100], height=max(380, 32 * len(df) + 150), legend_title_text="Component")
    return fig


def return_on_resources(recs: pd.DataFrame, currency: str = "") -> go.Figure:
    """Actions by expected return on resources (impact per unit of money), best at the top."""
    df = recs.iloc[::-1]
    fig = go.Figure(go.Bar(
        x=df["return_on_resources"], y=[escape_html(_short(a, 60)) for a in df["action"]], orientation="h",
        marker_color=[style.US if pd.notna(r) and r <= 3 else style.NEUTRAL for r in df["rank"]],
        customdata=np.stack([[escape_html(f"{x} ({o})") for x, o in zip(df["action"], df["owner"])], df["impact"], df["resources"]], axis=-1),
        hovertemplate="%{customdata[0]}<br>impact %{customdata[1]:,.0f} / resources %{customdata[2]:,.0f} "
        + escape_html(currency) + " = %{x:,.1f}<extra></extra>",
    ))
    fig.update_layout(title="Recommendations ranked by expected return on resources (impact per " + escape_html(currency or "currency unit") + ")",
                      xaxis_title="Return on resources", height=max(360, 30 * len(df) + 150))
    return fig


def _short(text: object, n: int) -> str:
    """``text`` cut at a word boundary to at most ``n`` characters (``…`` when cut)."""
    t = " ".join(str(text).split())
    if len(t) <= n:
        return t
    cut = t[: n - 1].rsplit(" ", 1)[0].rstrip(",;:.-")
    return cut + "…"


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
    level = page.get("risk_level") or "not scored"
    colour = LEVEL_COLOURS.get(level, style.NEUTRAL)
    reasons = "".join(f"<li>{escape_html(r)}</li>" for r in page["reasons"])
    score = "–" if page.get("risk_score") is None else f"{page['risk_score']:.0f}"
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
    return f"""{ONE_PAGER_CSS}
<section class="cra-onepager" id="onepager-{escape_html(page['account_id'])}">
  <div class="op-head">
    <h3>{escape_html(page['name'])} <span class="op-meta">{escape_html(page['account_id'])}</span></h3>
    <div><span class="cra-status" style="background:{colour};color:white">{escape_html(level)} risk · {score}</span>
      <span class="op-meta" style="margin-left:8px">{escape_html(page['status'])} · revenue {page['revenue']:,.0f} {escape_html(currency)}</span></div>
  </div>
  <div class="op-block"><strong class="op-h">Why this risk level</strong><ul>{reasons}</ul></div>
  <div class="op-block"><strong class="op-h">Largest gaps at this account (importance − performance, points)</strong>{html_table(gaps, max_rows=None, digits=1)}{notes}</div>
  <div class="op-block"><strong class="op-h">In their words</strong>{quotes or '<p>No remarks recorded.</p>'}{rule_note}</div>
  <div class="op-block"><strong class="op-h">Actions that concern it</strong>{actions_html}</div>
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
    from ..export import template_dir
    from ..outputs import inside, safe_name

    stem = file_name[:-5] if file_name.endswith(".html") else file_name
    css = (template_dir() / "cra" / "cra.css").read_text(encoding="utf-8")
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape_html(title)}</title>'
        f'<style>{css}</style></head><body class="cra-report"><main><header class="cra-header"><div>'
        f'<div class="cra-client">{escape_html(client)}</div><h1 class="cra-title">{escape_html(title)}</h1></div>'
        f'<div class="cra-meta">{dt.date.today().isoformat()}</div></header>{body_html}</main></body></html>'
    )
    out = Path(out_dir)
    path = inside(out, out / "customer" / "one_pagers" / f"{safe_name(stem)}.html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
