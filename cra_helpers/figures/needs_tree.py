"""Figures of the needs tree (03_needs_tree, ``cra needs-tree``): the tree, painful needs, latent needs, saturation.

They take the tables of :mod:`cra_helpers.needs_tree.results`, compute nothing
beyond ordering and labelling, colour sentiment with the GOOD/BAD scale of
:mod:`cra_helpers.style`, and escape every text that comes from the data.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .. import schema as S
from .. import style
from ..safe import escape_html

SENTIMENT_RANGE = 0.6
"""Sentiment colour scale runs from -0.6 (red) to +0.6 (green): node means rarely go further."""


def _lines(text: object, width: int = 16) -> str:
    """The whole label, wrapped onto lines of about ``width`` characters (never cut)."""
    return "<br>".join(escape_html(x) for x in textwrap.wrap(str(text), width=width, break_long_words=False)) or escape_html(text)


def _wrap(text: object, width: int = 70, max_lines: int = 4) -> str:
    lines = textwrap.wrap(str(text), width=width)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] += " …"
    return "<br>".join(escape_html(x) for x in lines)


def _first_quote(quotes: object) -> str:
    return str(quotes).split(" | ")[0] if isinstance(quotes, str) and quotes else ""


def tree_sunburst(nodes: pd.DataFrame, title: str = "Needs tree", max_depth: int = 2) -> go.Figure:
    """The needs tree as a sunburst: rings primary → secondary → tertiary, sized by mentions, coloured by sentiment.

    Click a segment to zoom into that branch, click the centre to go back up.

    Parameters
    ----------
    nodes
        :func:`cra_helpers.needs_tree.node_table` (``node_id, level,
        parent_id, label, verbatims, sentiment, share_negative``, optional
        ``need_name, latent, match, quotes``).
    title
        Figure title.
    max_depth
        Rings shown at once (default 2: primary and secondary, so that labels
        stay legible); the tertiary ring appears when a branch is clicked.
    """
    n = nodes
    need = n["need_name"] if "need_name" in n else pd.Series([None] * len(n), index=n.index)
    latent = n["latent"].astype(bool) if "latent" in n else pd.Series(False, index=n.index)
    unsure = n["match"].eq("unsure") if "match" in n else pd.Series(False, index=n.index)
    covered = [
        "latent need (no rated need covers it)" if lat else (f"rated need: {escape_html(nm)}" if isinstance(nm, str) and nm else
                                                              "no rated need: the closest is too far to be sure" if un else "")
        for lat, nm, un in zip(latent, need, unsure)
    ]
    hover = [
        f"<b>{escape_html(lbl)}</b> ({escape_html(nid)}, {escape_html(lv)})<br>{cnt:,} verbatims · sentiment {sen:+.2f}"
        f" · {neg:.0%} negative<br>{cov}<br><i>{_wrap(_first_quote(q))}</i>"
        for lbl, nid, lv, cnt, sen, neg, cov, q in zip(
            n["label"], n["node_id"], n["level"], n["verbatims"], n["sentiment"], n["share_negative"], covered,
            n["quotes"] if "quotes" in n else [""] * len(n))
    ]
    text = [("✦ " if lat else "") + _lines(lbl, 14 if lv == "tertiary" else 18) for lbl, lv, lat in zip(n["label"], n["level"], latent)]
    fig = go.Figure(go.Sunburst(
        ids=n["node_id"].astype(str).tolist(), labels=text, parents=n["parent_id"].fillna("").astype(str).tolist(),
        values=n["verbatims"].astype(int).tolist(), branchvalues="total", hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
        marker=dict(colors=n["sentiment"], colorscale=style.DIVERGING, cmid=0, cmin=-SENTIMENT_RANGE, cmax=SENTIMENT_RANGE,
                    line=dict(color="white", width=1),
                    colorbar=dict(title="Mean<br>sentiment", tickvals=[-0.6, -0.3, 0, 0.3, 0.6], thickness=14)),
        maxdepth=max_depth, insidetextorientation="radial", sort=False,
    ))
    fig.update_layout(title=f"{escape_html(title)} — sized by mentions, red = painful, ✦ = latent; click a branch for its tertiary needs",
                      height=760, margin=dict(l=10, r=10, t=60, b=10))
    return fig


def painful_needs(nodes: pd.DataFrame, level: str = "tertiary", top: int = 15) -> go.Figure:
    """The nodes with the most negative verbatims: where customers hurt.

    Parameters
    ----------
    nodes
        :func:`cra_helpers.needs_tree.node_table`.
    level
        Level shown.
    top
        Number of nodes.
    """
    d = nodes[nodes["level"] == level].copy()
    d["negative"] = (d["share_negative"] * d["verbatims"]).round().astype(int)
    d["positive"] = (d["share_positive"] * d["verbatims"]).round().astype(int) if "share_positive" in d else 0
    d = d.sort_values(["negative", "node_id"], ascending=[False, True]).head(top).iloc[::-1]
    y = [escape_html(lbl) for lbl in d["label"]]
    fig = go.Figure()
    fig.add_bar(y=y, x=d["negative"], orientation="h", name="negative verbatims", marker_color=style.BAD,
                customdata=[_wrap(_first_quote(q), 60) for q in d["quotes"]] if "quotes" in d else None,
                hovertemplate="%{y}<br>%{x} negative verbatims<br><i>%{customdata}</i><extra></extra>")
    fig.add_bar(y=y, x=d["positive"], orientation="h", name="positive verbatims", marker_color=style.GOOD,
                hovertemplate="%{y}<br>%{x} positive verbatims<extra></extra>")
    fig.update_layout(barmode="group", title=f"Painful needs: the {len(d)} {level} needs with the most negative verbatims",
                      xaxis_title="Verbatims", height=max(360, 34 * len(d) + 140), legend=dict(orientation="h", y=-0.12),
                      margin=dict(l=20, r=20, t=60, b=60))
    return fig


def latent_needs_chart(latent: pd.DataFrame) -> go.Figure:
    """Latent needs by mentions: what customers raised that no rated need covers.

    Parameters
    ----------
    latent
        :func:`cra_helpers.needs_tree.latent_needs`.
    """
    d = latent.iloc[::-1]
    asked = d["reason"].astype(str).str.contains("asked", regex=False)
    y = [escape_html(lbl) for lbl in d["label"]]
    fig = go.Figure(go.Bar(
        y=y, x=d["verbatims"], orientation="h",
        marker_color=[style.US if a else style.NEUTRAL for a in asked],
        text=[f"{int(i)} interviews" if pd.notna(i) else "" for i in d["interviews"]], textposition="auto",
        customdata=np.stack([[escape_html(r) for r in d["reason"]], [_wrap(_first_quote(q), 60) for q in d["quotes"]],
                             [escape_html(a) for a in d["raised_by_account"]]], axis=-1) if len(d) else None,
        hovertemplate="%{y}<br>%{x} verbatims · %{customdata[0]}<br>raised at: %{customdata[2]}<br><i>%{customdata[1]}</i><extra></extra>",
    ))
    fig.update_layout(title="Latent needs — blue: customers ask for it; grey: far from every rated need (check for small talk)",
                      xaxis_title="Verbatims", height=max(300, 40 * len(d) + 140), margin=dict(l=20, r=20, t=60, b=50))
    return fig


def saturation_chart(curves: pd.DataFrame, summary: pd.DataFrame, scope: str = "all") -> go.Figure:
    """Needs discovered versus interviews (mean over random orders, 90 % band), with the Chao2 estimate of all needs.

    Parameters
    ----------
    curves, summary
        :func:`cra_helpers.needs_tree.saturation_tables`.
    scope
        ``"all"`` or one group (account id).
    """
    c = curves[curves["scope"] == scope]
    s = summary[summary["scope"] == scope].iloc[0]
    fig = go.Figure()
    fig.add_vrect(x0=20, x1=30, fillcolor=style.NEUTRAL, opacity=0.25, line_width=0,
                  annotation_text="20–30 interviews:<br>~90–95 % of needs<br>(Griffin & Hauser)", annotation_position="bottom right",
                  annotation=dict(font=dict(size=11, color=style.MUTED), align="left"))
    fig.add_scatter(x=c["interviews"], y=c["needs_found_p95"], mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip")
    fig.add_scatter(x=c["interviews"], y=c["needs_found_p05"], mode="lines", line=dict(width=0), fill="tonexty",
                    fillcolor="rgba(31,95,168,0.15)", name="90 % of random orders", hoverinfo="skip")
    fig.add_scatter(x=c["interviews"], y=c["needs_found"], mode="lines", line=dict(color=style.US, width=3),
                    name="needs found (mean over orders)", hovertemplate="%{x} interviews: %{y:.1f} needs<extra></extra>")
    est = float(s["needs_estimated"])
    fig.add_hline(y=est, line=dict(color=style.BAD, dash="dash"),
                  annotation_text=f"Chao2 estimate of all needs: {est:.0f} ({s['share_undiscovered']:.0%} not yet heard)",
                  annotation_position="top right")
    fig.update_layout(title=f"Saturation: needs discovered as interviews accumulate ({escape_html(scope)})",
                      xaxis_title="Interviews", yaxis_title="Distinct needs mentioned", height=450,
                      yaxis=dict(rangemode="tozero", range=[0, est * 1.15]), legend=dict(orientation="h", y=-0.2))
    return fig


def saturation_by_group(curves: pd.DataFrame, summary: pd.DataFrame, names: dict[str, str] | None = None) -> go.Figure:
    """Share of each group's estimated needs found after h interviews, one line per group (e.g. key account).

    Parameters
    ----------
    curves, summary
        :func:`cra_helpers.needs_tree.saturation_tables` with groups.
    names
        Display name per group (e.g. account names).
    """
    names = names or {}
    fig = go.Figure()
    groups = [g for g in summary["scope"] if g != "all"]
    for i, g in enumerate(groups):
        c = curves[curves["scope"] == g]
        s = summary[summary["scope"] == g].iloc[0]
        label = f"{escape_html(g)} {escape_html(names.get(g, ''))} ({s['share_undiscovered']:.0%} unheard)"
        fig.add_scatter(x=c["interviews"], y=c["share_of_estimated"], mode="lines", name=label,
                        line=dict(color=style.QUALITATIVE[i % len(style.QUALITATIVE)], width=2),
                        hovertemplate=escape_html(g) + ": %{x} interviews → %{y:.0%} of its estimated needs<extra></extra>")
    fig.add_hline(y=0.9, line=dict(color=style.MUTED, dash="dot"), annotation_text="90 %", annotation_position="top left")
    fig.update_layout(title="Saturation per key account: share of the account's estimated needs heard",
                      xaxis_title="Interviews at the account", yaxis_title="Share of estimated needs",
                      yaxis=dict(tickformat=".0%", range=[0, 1.02]), height=460, legend=dict(font=dict(size=11)))
    return fig


def breakdown_heatmap(breakdown: pd.DataFrame, dimension: str = S.ACCOUNT_ID, top: int = 25) -> go.Figure:
    """Verbatims per node × value of one dimension (account, level, department, role …).

    Parameters
    ----------
    breakdown
        :func:`cra_helpers.needs_tree.breakdown`.
    dimension
        Which dimension to show.
    top
        Nodes with the most verbatims shown.
    """
    d = breakdown[breakdown["dimension"] == dimension]
    pivot = d.pivot_table(index=["node_id", "label"], columns="value", values="verbatims", aggfunc="sum", fill_value=0)
    pivot = pivot.loc[pivot.sum(axis=1).sort_values(ascending=False).index[:top]]
    y = [escape_html(lbl) for _nid, lbl in pivot.index]
    fig = go.Figure(go.Heatmap(
        z=pivot.values, x=[escape_html(c) for c in pivot.columns], y=y, colorscale=style.SEQUENTIAL,
        text=pivot.values, texttemplate="%{text}", hovertemplate="%{y}<br>%{x}: %{z} verbatims<extra></extra>",
        colorbar=dict(title="Verbatims"),
    ))
    fig.update_layout(title=f"Who raised which need: verbatims by {escape_html(dimension.replace('_', ' '))}",
                      height=max(380, 24 * len(y) + 160), margin=dict(l=20, r=20, t=60, b=80))
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=11))
    fig.update_xaxes(tickangle=-45)
    return fig
