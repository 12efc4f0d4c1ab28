"""Figures and one-page summaries of 05_actions: risk, return on resources, key-account one-pagers."""

from __future__ import annotations

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
        x=df["return_on_resources"], y=[escape_html(f"{r} · {a}") for r, a in zip(df["action_id"], df["owner"])], orientation="h",
        marker_color=[style.US if r <= 3 else style.NEUTRAL for r in df["rank"]],
        customdata=np.stack([[escape_html(x) for x in df["action"]], df["impact"], df["resources"]], axis=-1),
        hovertemplate="%{customdata[0]}<br>impact %{customdata[1]:,.0f} / resources %{customdata[2]:,.0f} "
        + escape_html(currency) + " = %{x:,.1f}<extra></extra>",
    ))
    fig.update_layout(title="Recommendations ranked by expected return on resources (impact per " + escape_html(currency or "currency unit") + ")",
                      xaxis_title="Return on resources", height=max(360, 30 * len(df) + 150))
    return fig


def one_pager_html(page: dict, currency: str = "") -> str:
    """One key account on one page: status, risk and reasons, top gaps, its own words, the actions that concern it."""
    level = page.get("risk_level") or "not scored"
    colour = LEVEL_COLOURS.get(level, style.NEUTRAL)
    reasons = "".join(f"<li>{escape_html(r)}</li>" for r in page["reasons"])
    quotes = "".join(f'<blockquote>“{escape_html(q)}”<footer>{escape_html(lv)}, {escape_html(dep)}</footer></blockquote>'
                     for q, lv, dep in zip(page["quotes"]["text"], page["quotes"]["level"], page["quotes"]["department"]))
    score = "–" if page.get("risk_score") is None else f"{page['risk_score']:.0f}"
    return f"""
<section class="cra-onepager" id="onepager-{escape_html(page['account_id'])}" style="border:1px solid #e4e7eb;border-radius:10px;padding:14px 18px;margin:18px 0;page-break-inside:avoid">
  <div style="display:flex;justify-content:space-between;align-items:baseline;gap:12px;flex-wrap:wrap">
    <h3 style="margin:0">{escape_html(page['account_id'])} · {escape_html(page['name'])}</h3>
    <div><span class="cra-status" style="background:{colour};color:white">{escape_html(level)} risk · {score}</span>
      <span style="color:#6b7785;font-size:13px;margin-left:8px">{escape_html(page['status'])} · revenue {page['revenue']:,.0f} {escape_html(currency)}</span></div>
  </div>
  <div style="display:grid;grid-template-columns:1fr 1fr;gap:18px;margin-top:8px">
    <div><strong>Why</strong><ul style="margin:4px 0 8px">{reasons}</ul>
      <strong>Largest gaps</strong>{html_table(page['top_gaps'], max_rows=None, digits=1)}</div>
    <div><strong>In their words</strong>{quotes or '<p>No remarks recorded.</p>'}
      <strong>Actions that concern it</strong>{html_table(page['actions'], max_rows=None) if len(page['actions']) else '<p>None of the recommended actions targets this account.</p>'}</div>
  </div>
</section>"""
