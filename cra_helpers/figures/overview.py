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
from ..safe import escape_html


def _labels(values: pd.Series) -> list[str]:
    return [escape_html(v) for v in values]


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
            x=_labels(df[S.ACCOUNT_ID]),
            y=df[S.REVENUE],
            marker_color=[style.US if k else style.NEUTRAL for k in key],
            customdata=list(zip(_labels(df[S.ACCOUNT_NAME]), ["key account" if k else "" for k in key])),
            hovertemplate="%{x} %{customdata[0]}<br>%{y:,.0f} " + escape_html(currency) + "<br>%{customdata[1]}<extra></extra>",
        )
    )
    title = f"Revenue by account (largest {len(df)}; blue = key account)"
    if rest > 0:
        title += f" — the other {len(coverage) - len(df)} accounts: {rest:,.0f} {escape_html(currency)}"
    fig.update_layout(title=title, yaxis_title=f"Revenue, latest year ({escape_html(currency)})", xaxis_title=None, height=420)
    fig.update_xaxes(tickangle=-60, tickfont=dict(size=10))
    return fig


def interviews_per_account(slices: pd.DataFrame, accounts: pd.DataFrame | None = None) -> go.Figure:
    """Interviews per account, stacked by organization level.

    Parameters
    ----------
    slices
        Output of :func:`cra_helpers.overview.interviews_by_slice`.
    accounts
        Optional ``accounts`` table, for names in the hover.
    """
    per = slices.groupby([S.ACCOUNT_ID, S.LEVEL], observed=True)["interviews"].sum().reset_index()
    order = per.groupby(S.ACCOUNT_ID)["interviews"].sum().sort_values(ascending=False).index.tolist()
    fig = go.Figure()
    for level in S.LEVELS:
        d = per[per[S.LEVEL].astype(str) == level].set_index(S.ACCOUNT_ID).reindex(order)
        fig.add_bar(
            x=_labels(pd.Series(order)), y=d["interviews"].fillna(0), name=level,
            marker_color=style.LEVEL_COLOURS[level],
            hovertemplate="%{x}<br>" + level + ": %{y}<extra></extra>",
        )
    fig.update_layout(barmode="stack", title="Interviews per account, by organization level", yaxis_title="Interviews",
                      legend_title_text="Level", height=400)
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
    """Rating rows and verbatims per interviewed account."""
    df = coverage[coverage["interviews"] > 0].sort_values("interviews", ascending=False)
    fig = go.Figure()
    fig.add_bar(x=_labels(df[S.ACCOUNT_ID]), y=df["ratings"], name="Rating rows", marker_color=style.US)
    fig.add_bar(x=_labels(df[S.ACCOUNT_ID]), y=df["verbatims"], name="Verbatims", marker_color=style.COMPETITOR_COLOURS[0])
    fig.update_layout(barmode="group", title="Ratings and verbatims per interviewed account", yaxis_title="Count", height=380)
    return fig
