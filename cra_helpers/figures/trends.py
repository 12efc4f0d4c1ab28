"""Figure of the wave-over-wave trends (07_trends): the change per need with its interval.

Takes the trend table of :func:`cra_helpers.trends.wave_changes` and computes
nothing beyond choosing, ordering and labelling rows.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .. import style
from ..safe import escape_html


def change_chart(table: pd.DataFrame, metric: str = "performance", scope: str = "account",
                 max_rows: int = 25) -> go.Figure:
    """Change of one metric per need (and account or site) with its interval, significant changes first.

    Parameters
    ----------
    table
        The trend table (:data:`cra_helpers.trends.TREND_COLUMNS`).
    metric, scope
        Which rows to draw (e.g. performance per account).
    max_rows
        Most rows drawn: the significant ones, then the largest changes.

    Returns
    -------
    plotly.graph_objects.Figure
        Horizontal markers at the change (points of the metric's scale) with
        the interval as error bars; significant changes in colour (better
        green, worse red), the others grey; labels are names, not ids.
    """
    rows = table[(table["metric"] == metric) & (table["scope"] == scope) & table["ci_low"].notna()].copy()
    rows["_abs"] = rows["change"].abs()
    rows = rows.sort_values(["significant", "_abs"], ascending=[False, False]).head(max_rows).iloc[::-1]
    where = rows["site_name"].where(rows["scope"] == "site", rows["account_name"])
    labels = [escape_html(f"{n} — {w}" if w else n) for n, w in zip(rows["need_name"], where)]
    better = rows["change"] < 0 if metric in ("gap", "competitor_difference") else rows["change"] > 0
    colours = [(style.GOOD if b else style.BAD) if s else style.MUTED for s, b in zip(rows["significant"], better)]
    fig = go.Figure(go.Scatter(
        x=rows["change"], y=labels, mode="markers", marker={"color": colours, "size": 9},
        error_x={"type": "data", "symmetric": False, "array": rows["ci_high"] - rows["change"],
                 "arrayminus": rows["change"] - rows["ci_low"], "color": style.MUTED},
        hovertext=[escape_html(f) for f in rows["finding"]], hoverinfo="text"))
    fig.add_vline(x=0, line_color=style.MUTED, line_dash="dot")
    fig.update_layout(title=f"Change in {metric.replace('_', ' ')} since the previous wave, per {scope}",
                      xaxis_title="change (points, with 95 % interval)", height=max(300, 28 * len(rows) + 120),
                      margin={"l": 10}, showlegend=False)
    return fig
