"""Figures of the per-account report (``10_account``): one account against the portfolio."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .. import style
from ..account_view import NOT_ENOUGH
from ..safe import escape_html


def need_profile(scores: pd.DataFrame, account_name: str, measure: str = "performance") -> go.Figure:
    """Dot plot of one measure per need: the account (blue) beside all respondents (grey).

    Parameters
    ----------
    scores
        :func:`cra_helpers.account_view.account_need_scores`; needs whose
        account figure reads ``not enough data`` are left out.
    account_name
        Shown in the legend (escaped).
    measure
        ``"importance"`` or ``"performance"``.
    """
    rows = scores[(scores["measure"] == measure) & (scores["account_mean"] != NOT_ENOUGH)]
    rows = rows.sort_values("portfolio_mean", kind="stable")
    needs = [escape_html(n) for n in rows["need"]]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=rows["portfolio_mean"].astype(float), y=needs, mode="markers", name="All respondents",
                             marker={"color": style.MUTED, "size": 11, "symbol": "diamond"}))
    fig.add_trace(go.Scatter(x=rows["account_mean"].astype(float), y=needs, mode="markers",
                             name=escape_html(account_name), marker={"color": style.US, "size": 10}))
    fig.update_layout(title=f"Mean {measure} per need", xaxis_title=f"mean {measure} rating (rating points)",
                      height=max(320, 24 * len(needs) + 140), legend={"orientation": "h", "y": -0.15})
    return fig
