"""Figures of Prioritize (01_prioritize): Pareto, Lorenz, value × potential, contact plan, diagonal slice.

They take the results of :mod:`cra_helpers.prioritize` and only order and label them;
colours come from :mod:`cra_helpers.style` (ABC classes in shades of our blue, value
classes from bad to good, potential classes from light to dark, slice cells good /
warning / empty) and every text from the data is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.colors as pc
import plotly.graph_objects as go

from .. import prioritize as P
from .. import schema as S
from .. import style
from ..formatting import display_names
from ..safe import escape_html

ABC_COLOURS: tuple[str, ...] = (style.US, "#7fb3d5", style.NEUTRAL)
"""A, B, C: our blue for the accounts that carry the business, fading for the rest."""

SLICE_NONE = "#f4f5f7"
SLICE_KNOWN_PLANNED = "#9cc2ea"


def abc_colours(names: Sequence[str]) -> dict[str, str]:
    """Colour of each ABC class (first = our blue, last = neutral grey)."""
    n = len(names)
    if n <= len(ABC_COLOURS):
        cols = [ABC_COLOURS[0], *ABC_COLOURS[1:n - 1], ABC_COLOURS[-1]] if n > 1 else [ABC_COLOURS[0]]
    else:
        cols = pc.sample_colorscale([[0, style.US], [1, style.NEUTRAL]], [i / (n - 1) for i in range(n)])
    return dict(zip(names, cols))


def class_colours(names: Sequence[str]) -> dict[str, str]:
    """Colours of ordered value classes, from bad (lowest) through warning to good (highest)."""
    n = len(names)
    scale = [[0.0, style.BAD], [0.5, style.WARN], [1.0, style.GOOD]]
    cols = pc.sample_colorscale(scale, [i / (n - 1) for i in range(n)] if n > 1 else [1.0])
    return dict(zip(names, cols))


def potential_colours(names: Sequence[str]) -> dict[str, str]:
    """Colours of ordered potential classes, light (low) to our blue (high)."""
    n = len(names)
    cols = pc.sample_colorscale([[0.0, "#c6dbef"], [1.0, style.US]], [i / (n - 1) for i in range(n)] if n > 1 else [1.0])
    return dict(zip(names, cols))


def _esc(values: Sequence[object]) -> list[str]:
    return [escape_html(v) for v in values]


def _money(x: float, currency: str = "") -> str:
    unit = f" {escape_html(currency)}" if currency else ""
    if abs(x) >= 1e6:
        return f"{x / 1e6:,.1f} M{unit}"
    if abs(x) >= 1e3:
        return f"{x / 1e3:,.0f} k{unit}"
    return f"{x:,.0f}{unit}"


def _class_cuts(fig: go.Figure, abc_names: Sequence[str], cuts_pct: Sequence[float]) -> None:
    """A dotted line on the cumulative axis where each ABC class but the last ends, named at the right."""
    for cls, cut in zip(abc_names[:-1], cuts_pct[:-1]):
        fig.add_shape(type="line", xref="paper", x0=0, x1=1, yref="y2", y0=cut, y1=cut,
                      line=dict(color=style.MUTED, dash="dot", width=1))
        fig.add_annotation(xref="paper", x=1, yref="y2", y=cut, text=f"{escape_html(cls)} ends at {cut:g}%", showarrow=False,
                           xanchor="right", yanchor="bottom", font=dict(size=11, color=style.MUTED))


def pareto_chart(prioritized: pd.DataFrame, abc_names: Sequence[str], cuts_pct: Sequence[float],
                 measure: str = S.REVENUE, currency: str = "", top: int = 60) -> go.Figure:
    """Pareto chart: the largest accounts as bars coloured by ABC class, cumulative share as a line.

    Parameters
    ----------
    prioritized
        Output of :func:`cra_helpers.prioritize.prioritize_accounts`.
    abc_names, cuts_pct
        ABC class names and their cut points in percent (``config.prioritize.abc_classes``).
    measure
        ``revenue`` or ``volume``.
    currency
        Unit of the measure shown on the axis.
    top
        Bars for the largest ``top`` accounts; the cumulative line covers them, the title
        counts the rest.
    """
    if measure == S.REVENUE:
        cls_col, cum_col = P.ABC_CLASS, P.CUMULATIVE_SHARE
    else:
        cls_col, cum_col = P.ABC_CLASS_VOLUME, P.CUMULATIVE_VOLUME_SHARE
    df = prioritized[prioritized[measure].fillna(0) > 0].sort_values(measure, ascending=False, kind="stable")
    rest = len(df) - min(top, len(df))
    df = df.head(top)
    colours = abc_colours(abc_names)
    fig = go.Figure()
    known = dict(zip(df[S.ACCOUNT_ID].astype(str), df[S.ACCOUNT_NAME])) if S.ACCOUNT_NAME in df else {}
    labels = pd.Series(_esc(display_names(df[S.ACCOUNT_ID], known)), index=df.index, dtype=object)
    for cls in abc_names:
        d = df[df[cls_col].astype("string") == cls]
        if d.empty:
            continue
        fig.add_bar(
            x=list(labels.loc[d.index]), y=d[measure], name=f"class {escape_html(cls)}", marker_color=colours[cls],
            customdata=list(zip(_esc(d[S.ACCOUNT_ID]), d[cum_col] * 100)),
            hovertemplate="%{x} %{customdata[0]}<br>%{y:,.0f} " + escape_html(currency)
            + "<br>cumulative %{customdata[1]:.1f}%<extra>class " + escape_html(cls) + "</extra>",
        )
    fig.add_scatter(x=list(labels), y=df[cum_col] * 100, yaxis="y2", mode="lines+markers", name="cumulative share",
                    line=dict(color=style.INK, width=2), marker=dict(size=4),
                    hovertemplate="%{x}: %{y:.1f}% cumulative<extra></extra>")
    _class_cuts(fig, abc_names, cuts_pct)
    label = "Revenue" if measure == S.REVENUE else "Volume"
    title = f"Pareto chart: {label.lower()} by account, largest first"
    if rest > 0:
        title += f" (largest {len(df)}; {rest:,} more not shown)"
    fig.update_layout(
        title=title, barmode="overlay", height=560, bargap=0.15,
        yaxis=dict(title=f"{label}, latest year" + (f" ({escape_html(currency)})" if currency else "")),
        yaxis2=dict(title="Cumulative share (%)", overlaying="y", side="right", range=[0, 102], showgrid=False, ticksuffix="%",
                    tickmode="linear", tick0=0, dtick=20),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
        margin=dict(r=70),
    )
    fig.update_xaxes(tickangle=-60, tickfont=dict(size=10), categoryorder="array", categoryarray=list(labels), automargin=True)
    return fig


def lorenz_chart(curves: dict[str, pd.DataFrame], concentration: pd.DataFrame) -> go.Figure:
    """Lorenz curves (revenue, volume) against the line of equality, with Gini and HHI in the legend.

    Parameters
    ----------
    curves
        Measure name → :func:`cra_helpers.prioritize.lorenz_curve` output.
    concentration
        :func:`cra_helpers.prioritize.concentration` output (for Gini and HHI).
    """
    conc = concentration.set_index("measure") if len(concentration) else pd.DataFrame()
    colours = {S.REVENUE: style.US, S.VOLUME: style.COMPETITOR_COLOURS[1]}
    fig = go.Figure()
    fig.add_scatter(x=[0, 100], y=[0, 100], mode="lines", name="equal shares", line=dict(color=style.MUTED, dash="dash", width=1),
                    hoverinfo="skip")
    for measure, curve in curves.items():
        if curve.empty:
            continue
        name = measure
        if measure in conc.index:
            name += f" (Gini {conc.at[measure, 'gini']:.2f}, HHI {conc.at[measure, 'hhi']:,.0f})"
        fig.add_scatter(x=curve[P.ACCOUNTS_SHARE] * 100, y=curve[P.VALUE_SHARE] * 100, mode="lines", name=name,
                        line=dict(color=colours.get(measure, style.QUALITATIVE[2]), width=2.5),
                        hovertemplate="smallest %{x:.1f}% of accounts hold %{y:.1f}%<extra>" + escape_html(measure) + "</extra>")
    fig.update_layout(title="Lorenz curve: how unequally the business is spread", height=460,
                      xaxis=dict(title="Accounts, smallest first (cumulative %)", range=[0, 100], ticksuffix="%"),
                      yaxis=dict(title="Share of the total (cumulative %)", range=[0, 100], ticksuffix="%"),
                      legend=dict(x=0.02, y=0.98, xanchor="left", yanchor="top"))
    return fig


def abc_segments_chart(breakdown: pd.DataFrame, abc_names: Sequence[str], currency: str = "", top: int = 12) -> go.Figure:
    """Revenue per group of each breakdown dimension, stacked by ABC class, one dimension at a time (drop-down).

    Parameters
    ----------
    breakdown
        :func:`cra_helpers.prioritize.segment_breakdown` output.
    abc_names
        ABC class names, in order.
    currency
        Unit of revenue.
    top
        Largest groups shown per dimension.
    """
    colours = abc_colours(abc_names)
    dims = list(dict.fromkeys(breakdown["dimension"]))
    fig = go.Figure()
    for i, dim in enumerate(dims):
        d = breakdown[breakdown["dimension"] == dim].head(top).iloc[::-1]
        for cls in abc_names:
            fig.add_bar(
                y=_esc(d["group"]), x=d[f"{cls}_revenue"], orientation="h", name=f"class {escape_html(cls)}",
                marker_color=colours[cls], visible=i == 0, legendgroup=cls, showlegend=True,
                customdata=list(zip(d[f"{cls}_accounts"], d[P.REVENUE_SHARE] * 100)),
                hovertemplate="%{y}: %{x:,.0f} " + escape_html(currency) + " in class " + escape_html(cls)
                + " (%{customdata[0]} accounts)<br>group: %{customdata[1]:.1f}% of all revenue<extra></extra>",
            )
    n_cls = len(abc_names)
    buttons = []
    for i, dim in enumerate(dims):
        vis = [j // n_cls == i for j in range(len(dims) * n_cls)]
        buttons.append(dict(label=escape_html(dim.replace("_", " ")), method="update",
                            args=[{"visible": vis}, {"title.text": f"Revenue by {escape_html(dim.replace('_', ' '))}, by ABC class"}]))
    first = dims[0].replace("_", " ") if dims else ""
    fig.update_layout(
        barmode="stack", height=440, title=f"Revenue by {escape_html(first)}, by ABC class",
        xaxis_title="Revenue, latest year" + (f" ({escape_html(currency)})" if currency else ""),
        updatemenus=[dict(buttons=buttons, direction="down", x=1.0, xanchor="right", y=1.16, yanchor="top", showactive=True)],
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, xanchor="left"), margin=dict(t=90),
    )
    fig.update_yaxes(automargin=True)
    return fig


def value_revenue_chart(prioritized: pd.DataFrame, value_bands: Sequence, currency: str = "") -> go.Figure:
    """Each account's value score against its revenue (log scale), coloured by value class.

    Parameters
    ----------
    prioritized
        :func:`cra_helpers.prioritize.prioritize_accounts` output.
    value_bands
        ``config.prioritize.value_classes`` (names and bounds, drawn as bands).
    currency
        Unit of revenue.
    """
    names = [b.name for b in value_bands]
    colours = class_colours(names)
    df = prioritized[prioritized[P.VALUE_SCORE].notna() & (prioritized[S.REVENUE] > 0)]
    fig = go.Figure()
    y_min = min(-25.0, float(df[P.VALUE_SCORE].min()) - 10.0) if len(df) else -105.0
    y_min = max(y_min, -105.0)
    lo = y_min
    for b in value_bands:
        top = min(b.max + 0.5, 105.0)
        if top <= lo:
            continue
        fig.add_hrect(y0=lo, y1=top, fillcolor=colours[b.name], opacity=0.08, line_width=0)
        fig.add_annotation(xref="paper", x=1.0, y=(lo + min(top, 100)) / 2, xanchor="left",
                           text=f"<b>{escape_html(b.name)}</b><br>{escape_html(b.relationship_plan)}", showarrow=False,
                           font=dict(size=11, color=colours[b.name]), align="left")
        lo = top
    for name in names:
        d = df[df[P.VALUE_CLASS].astype("string") == name]
        if d.empty:
            continue
        key = d[S.KEY_ACCOUNT].astype(bool)
        fig.add_scatter(
            x=d[S.REVENUE], y=d[P.VALUE_SCORE], mode="markers", name=escape_html(name),
            marker=dict(color=colours[name], size=[11 if k else 7 for k in key], symbol=["diamond" if k else "circle" for k in key],
                        line=dict(color=style.INK, width=[1 if k else 0 for k in key])),
            customdata=list(zip(_esc(d[S.ACCOUNT_ID]), _esc(d[S.ACCOUNT_NAME]), ["key account" if k else "" for k in key])),
            hovertemplate="%{customdata[0]} %{customdata[1]}<br>revenue %{x:,.0f} " + escape_html(currency)
            + "<br>value %{y:.0f}%<br>%{customdata[2]}<extra></extra>",
        )
    fig.update_layout(title="Value versus revenue (diamonds: key accounts)", height=480,
                      xaxis=dict(title="Revenue, latest year" + (f" ({escape_html(currency)}, log scale)" if currency else " (log scale)"),
                                 type="log"),
                      yaxis=dict(title="Relationship value score (%)", range=[y_min, 105], ticksuffix="%"),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, xanchor="left"), margin=dict(r=150))
    return fig


def value_potential_chart(matrix: pd.DataFrame, currency: str = "") -> go.Figure:
    """The value × potential matrix: accounts and revenue per cell, the plan on the axes.

    Parameters
    ----------
    matrix
        :func:`cra_helpers.prioritize.value_potential_matrix` output.
    currency
        Unit of revenue.
    """
    v_names = list(dict.fromkeys(matrix[P.VALUE_CLASS].astype(str)))
    p_names = list(dict.fromkeys(matrix[P.POTENTIAL_CLASS].astype(str)))
    m = matrix.assign(**{P.VALUE_CLASS: matrix[P.VALUE_CLASS].astype(str), P.POTENTIAL_CLASS: matrix[P.POTENTIAL_CLASS].astype(str)})
    grid = m.set_index([P.POTENTIAL_CLASS, P.VALUE_CLASS])
    plans = m.drop_duplicates(P.VALUE_CLASS).set_index(P.VALUE_CLASS)
    methods = m.drop_duplicates(P.POTENTIAL_CLASS).set_index(P.POTENTIAL_CLASS)
    x = [f"<b>{escape_html(v)}</b><br>{escape_html(plans.at[v, P.RELATIONSHIP_PLAN])}" for v in v_names]
    y = [f"<b>{escape_html(p)}</b> potential<br>{escape_html(methods.at[p, P.INTERACTION_METHOD])}" for p in p_names]
    z, text, hover = [], [], []
    for p in p_names:
        zr, tr, hr = [], [], []
        for v in v_names:
            cell = grid.loc[(p, v)]
            n, rev, share = int(cell[P.ACCOUNTS_COL]), float(cell[S.REVENUE]), cell[P.REVENUE_SHARE]
            zr.append(float(share) * 100 if pd.notna(share) else 0.0)
            tr.append("" if n == 0 else f"<b>{n:,}</b> account{'s' if n != 1 else ''}<br>{_money(rev, currency)}"
                      + (f" ({float(share) * 100:.0f}%)" if pd.notna(share) and rev > 0 else "")
                      + (f"<br>potential {_money(float(cell[S.POTENTIAL_REVENUE]), currency)}" if n and rev == 0 else "")
                      + (f"<br>{int(cell['key_accounts'])} key" if int(cell["key_accounts"]) else ""))
            hr.append(f"{escape_html(v)} value × {escape_html(p)} potential<br>{n:,} accounts, {_money(rev, currency)}"
                      f"<br>potential {_money(float(cell[S.POTENTIAL_REVENUE]), currency)}<br>"
                      f"{escape_html(plans.at[v, P.RELATIONSHIP_PLAN])}; {escape_html(methods.at[p, P.INTERACTION_METHOD])}")
        z.append(zr)
        text.append(tr)
        hover.append(hr)
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=y, text=text, texttemplate="%{text}", textfont=dict(size=12), hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>", colorscale=[[0, "#f7f9fc"], [1, style.US]], zmin=0,
        colorbar=dict(title="% of revenue", ticksuffix="%"), xgap=3, ygap=3,
    ))
    fig.update_layout(title="Value × potential: accounts and revenue per cell<br><sup>columns: value class and relationship plan"
                            " · rows: potential class and interaction method</sup>", height=160 + 110 * len(p_names),
                      xaxis=dict(title=None, side="bottom", showgrid=False),
                      yaxis=dict(title=None, showgrid=False), margin=dict(l=60, t=60))
    return fig


def _slice_cells(grid: pd.DataFrame, ids: list[str], pairs: pd.DataFrame,
                 interviews_known: bool) -> tuple[list[list[int]], list[list[str]], list[list[str]]]:
    """Per account (row) and level × department (column): state (0 nobody known, 1 known, 2 interviewed), text, hover."""
    z, text, hover = [], [], []
    for acc in ids:
        zr, tr, hr = [], [], []
        for lv, dept in pairs.itertuples(index=False):
            known, inter = (int(v) for v in grid.loc[(acc, lv, dept), [P.KNOWN, P.INTERVIEWED]])
            state = 0 if known == 0 else (2 if inter > 0 else 1)
            zr.append(state)
            tr.append("" if known == 0 else (f"{inter}/{known}" if interviews_known else f"{known}"))
            hr.append(f"{escape_html(acc)} · {lv} · {escape_html(dept)}<br>{known} known, {inter} interviewed")
        z.append(zr)
        text.append(tr)
        hover.append(hr)
    return z, text, hover


def _level_brackets(fig: go.Figure, levels: list[str]) -> None:
    """One bracket per level above its departments' columns, a line between levels."""
    start = 0
    for i in range(1, len(levels) + 1):
        if i == len(levels) or levels[i] != levels[start]:
            fig.add_annotation(x=(start + i - 1) / 2, y=1.0, xref="x", yref="paper", yanchor="bottom", showarrow=False,
                               text=f"<b>{escape_html(levels[start])}</b>", font=dict(size=12, color=style.INK))
            if i < len(levels):
                fig.add_vline(x=i - 0.5, line=dict(color=style.INK, width=1.5))
            start = i


def slice_coverage_chart(coverage: pd.DataFrame, accounts: pd.DataFrame | None = None, gaps: pd.DataFrame | None = None,
                   interviews_known: bool = True) -> go.Figure:
    """Diagonal-slice coverage of every key account: levels × departments, known and interviewed contacts.

    Parameters
    ----------
    coverage
        :func:`cra_helpers.prioritize.slice_coverage` output.
    accounts
        Frame with ``account_id`` and ``name`` for the row labels (optional).
    gaps
        :func:`cra_helpers.prioritize.slice_gaps` output: the number of gaps is added to each row label.
    interviews_known
        Whether the assessment has interviews; without, known contacts are shown as
        planned (blue) instead of not interviewed (amber).
    """
    ids = list(dict.fromkeys(coverage[S.ACCOUNT_ID].astype(str)))
    pairs = coverage[[S.LEVEL, S.DEPARTMENT]].astype(str).drop_duplicates()
    names = {}
    if accounts is not None and S.ACCOUNT_NAME in accounts:
        names = dict(zip(accounts[S.ACCOUNT_ID].astype(str), accounts[S.ACCOUNT_NAME].astype(str)))
    n_gaps = gaps[S.ACCOUNT_ID].astype(str).value_counts().to_dict() if gaps is not None and len(gaps) else {}
    grid = coverage.assign(**{S.LEVEL: coverage[S.LEVEL].astype(str), S.DEPARTMENT: coverage[S.DEPARTMENT].astype(str)}
                           ).set_index([S.ACCOUNT_ID, S.LEVEL, S.DEPARTMENT])
    z, text, hover = _slice_cells(grid, ids, pairs, interviews_known)
    known_colour = style.WARN if interviews_known else SLICE_KNOWN_PLANNED
    scale = [[0.0, SLICE_NONE], [0.33, SLICE_NONE], [0.33, known_colour], [0.67, known_colour], [0.67, style.GOOD], [1.0, style.GOOD]]
    ylabels = []
    for acc, shown in zip(ids, display_names(ids, names)):
        label = escape_html(shown)
        if n_gaps.get(acc):
            label += f" — {n_gaps[acc]} gap{'s' if n_gaps[acc] > 1 else ''}"
        ylabels.append(label)
    levels = list(pairs[S.LEVEL])
    fig = go.Figure(go.Heatmap(
        z=z, x=list(range(len(levels))), y=ylabels, text=text, texttemplate="%{text}", textfont=dict(size=10), hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>", colorscale=scale, zmin=0, zmax=2, showscale=False, xgap=2, ygap=2,
    ))
    _level_brackets(fig, levels)
    legend = ("green: interviewed (interviewed/known) · amber: known, nobody interviewed · grey: nobody known"
              if interviews_known else "blue: contacts known (count) · grey: nobody known")
    fig.update_layout(title=f"Diagonal slice per key account: level × department<br><sup>{legend}</sup>",
                      height=200 + 26 * len(ids), margin=dict(l=10, t=100, b=90))
    fig.update_xaxes(tickmode="array", tickvals=list(range(len(levels))), ticktext=_esc(pairs[S.DEPARTMENT]), showgrid=False)
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=11), showgrid=False)
    fig.update_xaxes(tickangle=-45, tickfont=dict(size=10))
    return fig


def top_elements_chart(summary: pd.DataFrame, top: int = 10) -> go.Figure:
    """The elements that matter most: share of all accounts and of key accounts naming each.

    Parameters
    ----------
    summary
        :func:`cra_helpers.prioritize.top_elements` output.
    top
        Elements shown (most points first).
    """
    d = summary.head(top).iloc[::-1]
    fig = go.Figure()
    fig.add_bar(y=_esc(d["element"]), x=d[P.ACCOUNTS_SHARE] * 100, orientation="h", name="all accounts", marker_color=style.NEUTRAL,
                customdata=d[P.ACCOUNTS_COL], hovertemplate="%{y}: %{x:.0f}% of accounts (%{customdata})<extra></extra>")
    fig.add_bar(y=_esc(d["element"]), x=d["key_accounts_share"] * 100, orientation="h", name="key accounts", marker_color=style.US,
                customdata=d["key_accounts"], hovertemplate="%{y}: %{x:.0f}% of key accounts (%{customdata})<extra></extra>")
    fig.update_layout(barmode="group", title="The three most important elements: how often each is named",
                      xaxis=dict(title="Accounts naming it among their top three (%)", ticksuffix="%"),
                      height=120 + 34 * len(d), legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, xanchor="left"))
    return fig
