"""Figures of 05_actions: risk contributions and return on resources.

The key-account one-pagers (internal and the customer's) are pages, not
figures: :func:`cra_helpers.report.one_pager_html`,
:func:`cra_helpers.report.customer_one_pager_html` and
:func:`cra_helpers.report.write_customer_page` build and write them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .. import actions as A
from .. import style
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
