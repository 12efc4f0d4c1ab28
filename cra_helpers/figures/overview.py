"""Figures of the overview (00_overview): accounts, interviews, the diagonal slice.

They never compute statistics of their own beyond ordering and labelling, and
they take every colour from :mod:`cra_helpers.style` so that a colour keeps
its meaning across reports. Text from the data is HTML-escaped because plotly
interprets a subset of HTML in labels.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .. import schema as S
from .. import style
from ..formatting import count_axis, display_names
from ..safe import escape_html

#: Layout ``meta`` key listing the axes of a figure that count things (whole-number ticks).
COUNT_AXES = "cra_count_axes"


def _labels(values: pd.Series) -> list[str]:
    return [escape_html(v) for v in values]


def _names(ids: pd.Series | list, frame: pd.DataFrame | None) -> list[str]:
    """Escaped account names for ``ids`` (the id where ``frame`` has no name for it)."""
    known = {}
    if frame is not None and S.ACCOUNT_ID in frame and S.ACCOUNT_NAME in frame:
        known = dict(zip(frame[S.ACCOUNT_ID].astype(str), frame[S.ACCOUNT_NAME]))
    return _labels(pd.Series(display_names(list(ids), known), dtype=object))


def revenue_by_account(coverage: pd.DataFrame, currency: str = "", top: int = 40) -> go.Figure:
    """Revenue per account, largest first, key accounts highlighted.

    Parameters
    ----------
    coverage
        Output of :func:`cra_helpers.overview.account_coverage`.
    currency
        Unit shown on the axis.
    top
        Show the largest ``top`` accounts (the rest are summed in the title).
    """
    df = coverage.head(top)
    rest = coverage.iloc[top:][S.REVENUE].sum()
    key = df[S.KEY_ACCOUNT].fillna(False).astype(bool)
    fig = go.Figure(
        go.Bar(
            x=_names(df[S.ACCOUNT_ID], df),
            y=df[S.REVENUE],
            marker_color=[style.US if k else style.NEUTRAL for k in key],
            customdata=list(zip(_labels(df[S.ACCOUNT_ID]), ["key account" if k else "" for k in key])),
            hovertemplate="%{x} %{customdata[0]}<br>%{y:,.0f} " + escape_html(currency) + "<br>%{customdata[1]}<extra></extra>",
        )
    )
    title = f"Revenue by account (largest {len(df)}; blue = key account)"
    if rest > 0:
        title += f" — the other {len(coverage) - len(df)} accounts: {rest:,.0f} {escape_html(currency)}"
    fig.update_layout(title=title, yaxis_title=f"Revenue, latest year ({escape_html(currency)})", xaxis_title=None, height=420)
    fig.update_layout(height=520, margin=dict(b=170))
    fig.update_xaxes(tickangle=-60, tickfont=dict(size=10), automargin=True)
    return fig


def interviews_per_account(slices: pd.DataFrame, accounts: pd.DataFrame | None = None) -> go.Figure:
    """Interviews per account, stacked by organization level.

    Parameters
    ----------
    slices
        Output of :func:`cra_helpers.overview.interviews_by_slice`.
    accounts
        Optional ``accounts`` table (``account_id``, ``name``): accounts are labelled by name.
    """
    per = slices.groupby([S.ACCOUNT_ID, S.LEVEL], observed=True)["interviews"].sum().reset_index()
    order = per.groupby(S.ACCOUNT_ID)["interviews"].sum().sort_values(ascending=False).index.tolist()
    fig = go.Figure()
    for level in S.LEVELS:
        d = per[per[S.LEVEL].astype(str) == level].set_index(S.ACCOUNT_ID).reindex(order)
        fig.add_bar(
            x=_names(order, accounts), y=d["interviews"].fillna(0), name=level,
            marker_color=style.LEVEL_COLOURS[level],
            hovertemplate="%{x}<br>" + level + ": %{y}<extra></extra>",
        )
    tallest = per.groupby(S.ACCOUNT_ID)["interviews"].sum().max() if len(per) else 0
    fig.update_layout(barmode="stack", title="Interviews per account, by organization level", yaxis_title="Interviews",
                      legend_title_text="Level", height=480, meta={COUNT_AXES: ["yaxis"]})
    fig.update_yaxes(**count_axis(tallest))
    fig.update_xaxes(tickangle=-45, automargin=True)
    return fig


def level_department_heatmap(slices: pd.DataFrame) -> go.Figure:
    """Interviews per organization level × department, all accounts together (the diagonal slice)."""
    pivot = (
        slices.groupby([S.LEVEL, S.DEPARTMENT], observed=True)["interviews"].sum().unstack(fill_value=0)
        .reindex(list(S.LEVELS)).fillna(0)
    )
    pivot = pivot[pivot.sum().sort_values(ascending=False).index]
    fig = go.Figure(
        go.Heatmap(
            z=pivot.values, x=_labels(pd.Series(pivot.columns)), y=list(pivot.index),
            colorscale=style.SEQUENTIAL, text=pivot.values.astype(int), texttemplate="%{text}",
            hovertemplate="%{y} · %{x}: %{z} interviews<extra></extra>", colorbar=dict(title="Interviews"),
        )
    )
    fig.update_layout(title="Diagonal slice: interviews by level × department", height=330)
    fig.update_yaxes(autorange="reversed")
    return fig


def ratings_and_verbatims(coverage: pd.DataFrame) -> go.Figure:
    """Rating rows and verbatims per interviewed account (accounts by name; whole-number count axis)."""
    df = coverage[coverage["interviews"] > 0].sort_values("interviews", ascending=False)
    labels = _names(df[S.ACCOUNT_ID], df)
    fig = go.Figure()
    fig.add_bar(x=labels, y=df["ratings"], name="Rating rows", marker_color=style.US)
    fig.add_bar(x=labels, y=df["verbatims"], name="Verbatims", marker_color=style.COMPETITOR_COLOURS[0])
    top = max(df["ratings"].max(), df["verbatims"].max()) if len(df) else 0
    fig.update_layout(barmode="group", title="Ratings and verbatims per interviewed account", yaxis_title="Count",
                      height=460, meta={COUNT_AXES: ["yaxis"]})
    fig.update_yaxes(**count_axis(top))
    fig.update_xaxes(tickangle=-45, automargin=True)
    return fig
