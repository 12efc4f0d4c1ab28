"""Charts for the workshop room: the reports' figure functions, few rows, large type, names not ids.

Each function takes a run table and returns a plotly figure sized for the
chart area of a 16:9 slide (:data:`CHART_W` × :data:`CHART_H` px, which is
also 7.9 × 5.4 inches at 96 px per inch in PowerPoint), with at least
:data:`FONT_PX` px type (18 pt on a 1280 × 720 slide).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .. import schema as S
from .. import style
from ..figures.gap import competitor_differences, gap_dumbbell
from ..figures.quantitative import drivers_chart
from ..safe import escape_html

CHART_W, CHART_H = 760, 520
FONT_PX = 20


def _wrap(label: object, width: int = 22) -> str:
    return "<br>".join(textwrap.wrap(escape_html(str(label)), width)[:2]) or escape_html(str(label))


def for_room(fig: go.Figure, width: int = CHART_W, height: int = CHART_H) -> go.Figure:
    """Restyle a report figure for a slide: no title (the slide has one), large type, fixed size, no toolbar."""
    fig.update_layout(
        title=None, width=width, height=height, autosize=False, font=dict(size=FONT_PX),
        margin=dict(l=10, r=30, t=50, b=10), legend=dict(font=dict(size=FONT_PX), orientation="h", yanchor="bottom", y=1.0, x=0),
        hoverlabel=dict(font=dict(size=FONT_PX)),
    )
    fig.update_xaxes(tickfont=dict(size=FONT_PX), title_font=dict(size=FONT_PX), automargin=True)
    fig.update_yaxes(tickfont=dict(size=FONT_PX), title_font=dict(size=FONT_PX), automargin=True)
    for trace in fig.data:
        if hasattr(trace, "textfont"):
            trace.textfont.size = FONT_PX
    for ann in fig.layout.annotations or ():
        ann.font.size = FONT_PX
    return fig


def importance_bars(scores: pd.DataFrame, top: int = 8, scale_max: float = 10) -> go.Figure:
    """Stated importance (mean) of the ``top`` most important needs, most important on top."""
    d = scores.dropna(subset=["importance_mean"]).sort_values("importance_mean", ascending=False).head(top).iloc[::-1]
    fig = go.Figure(go.Bar(
        x=d["importance_mean"], y=[_wrap(n) for n in d["need_name"]], orientation="h", marker_color=style.US,
        text=[f"{v:.1f}" for v in d["importance_mean"]], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x:.2f}<extra></extra>",
    ))
    fig.update_layout(xaxis=dict(title=f"Stated importance (mean, 1–{scale_max:g})", range=[0, scale_max * 1.08]), showlegend=False)
    return for_room(fig)


def driver_bars(drivers: pd.DataFrame, outcome: str, top: int = 6) -> go.Figure:
    """Derived importance of the ``top`` drivers of one outcome (the reports' drivers chart, need names only)."""
    d = drivers[drivers["outcome"] == outcome].sort_values("raw_weight", ascending=False).head(top).copy()
    d["driver"] = [str(n) if isinstance(n, str) and n else str(k) for k, n in zip(d["driver"], d["need_name"])]
    d["need_name"] = None
    fig = drivers_chart(d)
    fig.layout.annotations = ()  # the subplot title repeats the slide title
    fig.update_yaxes(ticktext=None)
    for trace in fig.data:  # labels are escaped by drivers_chart already: wrap them without escaping again
        trace.y = ["<br>".join(textwrap.wrap(str(y), 22)[:2]) or str(y) for y in trace.y]
    return for_room(fig)


def gap_chart(gaps: pd.DataFrame, top: int = 6) -> go.Figure:
    """Importance versus our performance for the ``top`` largest gaps (the reports' dumbbell chart)."""
    d = gaps.dropna(subset=["gap"]).sort_values("gap", ascending=False).head(top).copy()
    d["need"] = [textwrap.shorten(str(n), 28, placeholder="…") for n in d["need"]]
    fig = gap_dumbbell(d)
    return for_room(fig)


def competitor_chart(comp: pd.DataFrame, names: dict[str, str], need_names: dict[str, str], top: int = 6) -> go.Figure:
    """Our performance minus each competitor's on the ``top`` needs where a competitor leads most."""
    order = comp.groupby(S.NEED_ID)["difference"].min().sort_values().head(top).index
    d = comp[comp[S.NEED_ID].isin(order)]
    needs = pd.DataFrame({S.NEED_ID: list(order), "need": [textwrap.shorten(need_names.get(str(n), str(n)), 26, placeholder="…") for n in order]})
    ids = list(dict.fromkeys(d[S.COMPETITOR_ID].astype(str)))
    competitors = pd.DataFrame({S.COMPETITOR_ID: ids, S.COMPETITOR_NAME: [names.get(i, f"Competitor {k + 1}") for k, i in enumerate(ids)]})
    fig = competitor_differences(d, needs, competitors)
    fig.update_layout(xaxis_title="Us − competitor (performance points)")
    return for_room(fig)


def risk_bars(risk: pd.DataFrame, currency: str = "", top: int = 8) -> go.Figure:
    """Revenue at stake per account at high or medium risk, largest on top."""
    d = risk[risk["revenue_at_stake"].fillna(0) > 0].sort_values("revenue_at_stake", ascending=False).head(top).iloc[::-1]
    colours = [style.BAD if lv == "High" else style.WARN for lv in d["risk_level"]]
    fig = go.Figure(go.Bar(
        x=d["revenue_at_stake"], y=[_wrap(n, 24) for n in d["account_name"]], orientation="h", marker_color=colours,
        text=[f"{v:,.0f}" for v in d["revenue_at_stake"]], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x:,.0f} " + escape_html(currency) + "<extra></extra>",
    ))
    xmax = float(np.nanmax(d["revenue_at_stake"])) if len(d) else 1.0
    fig.update_layout(xaxis=dict(title=f"Revenue at stake ({escape_html(currency)}); red = high risk", range=[0, xmax * 1.35],
                                 tickformat=",.0f"), showlegend=False)
    fig = for_room(fig)
    fig.update_xaxes(nticks=4)
    return fig
