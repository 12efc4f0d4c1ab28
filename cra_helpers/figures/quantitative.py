"""Figures of the quantitative analysis (02_quantitative): needs, loyalty, NPS, drivers, comparisons.

They take the tidy results of :mod:`cra_helpers.quantitative` and compute
nothing beyond ordering and labelling. Colours come from
:mod:`cra_helpers.style` (our performance is always ``style.US``; good/bad
keep their meaning); text from the data is HTML-escaped because plotly
interprets a subset of HTML in labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .. import quantitative as Q
from .. import schema as S
from .. import style
from ..assessment import ACCOUNT_NAME_LABEL
from ..formatting import header
from ..safe import escape_html


def _tint(hex_colour: str, amount: float) -> str:
    """Mix a ``#rrggbb`` colour with white (``amount`` 0 = unchanged, 1 = white)."""
    h = hex_colour.lstrip("#")
    rgb = [int(h[i : i + 2], 16) for i in (0, 2, 4)]
    mixed = [round(c + (255 - c) * amount) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)


SEGMENT_COLOURS: dict[str, str] = {
    Q.SECURE: style.GOOD,
    Q.FAVORABLE: _tint(style.GOOD, 0.5),
    Q.VULNERABLE: style.WARN,
    Q.AT_RISK: style.BAD,
}
"""Loyalty segment colours: good → bad."""

METHOD_COLOURS: dict[str, str] = {
    Q.ALL_RESPONSES: style.US,
    Q.ACCOUNT_AVERAGE: style.MUTED,
    Q.ROLE_WEIGHTED: style.ROLE_COLOURS[S.DECISION_ROLES[0]],
}
"""Colours of the three roll-up methods."""
QUADRANT_COLOURS: dict[str, str] = {Q.KEY_DRIVER: style.US, Q.HIDDEN_DRIVER: style.WARN, Q.BASIC: style.MUTED, Q.LOW_PRIORITY: style.NEUTRAL}
"""Quadrants of stated versus derived importance: our blue for key drivers, amber for hidden ones."""
METHOD_SYMBOLS = {Q.ALL_RESPONSES: "circle", Q.ACCOUNT_AVERAGE: "square-open", Q.ROLE_WEIGHTED: "diamond"}
IMPORTANCE_COLOUR = style.MUTED


def _need_label(row: pd.Series) -> str:
    name = row.get("need_name")
    return escape_html(name if isinstance(name, str) and name else row[S.NEED_ID])


def _group_name(group: object, label: object) -> str:
    """A compared group as people read it: an account's label without its leading id (``"A025 Altmark"`` → ``"Altmark"``)."""
    text, prefix = str(label), f"{group} "
    return text[len(prefix):] if text.startswith(prefix) and len(text) > len(prefix) else text


def _err(df: pd.DataFrame, value: str, low: str, high: str) -> dict:
    return dict(type="data", symmetric=False, array=(df[high] - df[value]).to_numpy(), arrayminus=(df[value] - df[low]).to_numpy(),
                thickness=1.4, width=4)


def need_scores_chart(scores: pd.DataFrame, scale_label: str = "Mean rating (importance and performance, 1–10)") -> go.Figure:
    """Importance and our performance per need, means with confidence intervals.

    Parameters
    ----------
    scores
        Output of :func:`cra_helpers.quantitative.need_scores` (no ``by``).
    scale_label
        Axis title (the rating scale).

    Returns
    -------
    Figure
        Needs sorted by importance (most important on top); grey = stated
        importance, blue = our performance; whiskers = 95 % intervals. Needs
        without ratings are listed with "(not rated)"; with a ``thin`` column
        (:data:`cra_helpers.quantitative.THIN`), needs rated by too few are
        drawn in light grey and labelled "(n = …, too few)".
    """
    imp = scores[scores[Q.MEASURE] == S.IMPORTANCE].set_index(S.NEED_ID)
    perf = scores[scores[Q.MEASURE] == S.PERFORMANCE].set_index(S.NEED_ID)
    order = imp.sort_values(Q.MEAN, ascending=True, na_position="first").index.tolist()
    thin = set(scores.loc[scores[Q.THIN].astype(bool), S.NEED_ID]) if Q.THIN in scores else set()
    labels = []
    for nid in order:
        lab = _need_label(pd.Series({S.NEED_ID: nid, "need_name": imp.loc[nid, "need_name"]}))
        n_perf = perf.loc[nid, Q.N]
        labels.append(lab + ("  (not rated)" if n_perf == 0 else f"  (n = {n_perf}, too few)" if nid in thin else ""))
    pos = np.arange(len(order))
    fig = go.Figure()
    for frame, name, colour, shift in ((imp, "Importance", IMPORTANCE_COLOUR, 0.17), (perf, "Our performance", style.US, -0.17)):
        d = frame.reindex(order)
        colours = [style.THIN if nid in thin else colour for nid in order]
        fig.add_scatter(
            x=d[Q.MEAN], y=pos + shift, mode="markers", name=name, marker=dict(color=colours, size=9),
            error_x=_err(d, Q.MEAN, Q.CI_LOW, Q.CI_HIGH) | {"color": colour},
            customdata=np.column_stack([labels, d[Q.CI_LOW], d[Q.CI_HIGH], d[Q.TOP2], d[Q.N]]),
            hovertemplate="%{customdata[0]}<br>" + name + ": %{x:.2f} (95% CI %{customdata[1]:.2f}–%{customdata[2]:.2f})"
                          "<br>top-2-box %{customdata[3]:.0f}% · n = %{customdata[4]}<extra></extra>",
        )
    fig.update_layout(
        title="Importance and our performance per need (mean, 95% confidence interval)",
        height=max(360, 28 * len(order) + 140), xaxis_title=escape_html(scale_label),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        margin=dict(l=40, r=30, t=80, b=50),
    )
    fig.update_yaxes(tickmode="array", tickvals=pos, ticktext=labels, showgrid=False, range=[-0.7, len(order) - 0.3])
    return fig


def segments_chart(shares: pd.DataFrame, accounts: pd.DataFrame | None = None) -> go.Figure:
    """Respondents per loyalty segment in each account (100 % stacked bars), with the account's segment.

    Parameters
    ----------
    shares
        Output of :func:`cra_helpers.quantitative.segment_shares` (by account).
    accounts
        Optional output of :func:`cra_helpers.quantitative.account_loyalty`,
        for account names and each account's own segment (shown at the bar end).

    A ``thin`` column in ``shares`` fades the bars of the groups with too few
    classified respondents and labels them "(n = …, too few)".
    """
    by = shares.columns[0]
    piv = shares.pivot_table(index=by, columns=Q.SEGMENT, values="share_pct", observed=False).reindex(columns=list(Q.SEGMENTS)).fillna(0)
    counts = shares.pivot_table(index=by, columns=Q.SEGMENT, values=Q.N, observed=False).reindex(columns=list(Q.SEGMENTS)).fillna(0)
    piv = piv.sort_values([Q.AT_RISK, Q.VULNERABLE], ascending=[True, True])
    info = accounts.set_index(S.ACCOUNT_ID) if accounts is not None and not accounts.empty else None
    labels = []
    for key in piv.index:
        name = info.loc[key, ACCOUNT_NAME_LABEL] if info is not None and key in info.index else None
        labels.append(escape_html(name if isinstance(name, str) and name else key))
    fig = go.Figure()
    thin = set(shares.loc[shares[Q.THIN].astype(bool), by]) if Q.THIN in shares else set()
    total = counts.sum(axis=1)
    labels = [f"{lab} (n = {int(total[k])}, too few)" if k in thin else lab for lab, k in zip(labels, piv.index)]
    faded = [0.35 if k in thin else 1.0 for k in piv.index]
    for seg in Q.SEGMENTS:
        fig.add_bar(
            y=labels, x=piv[seg], name=seg, orientation="h", marker_color=SEGMENT_COLOURS[seg], marker_opacity=faded,
            customdata=counts.loc[piv.index, seg].astype(int),
            hovertemplate="%{y}<br>" + seg + ": %{x:.0f}% (%{customdata} respondents)<extra></extra>",
        )
    if info is not None:
        segs = [info.loc[k, Q.SEGMENT] if k in info.index else None for k in piv.index]
        fig.add_scatter(
            y=labels, x=[103] * len(labels), mode="text", showlegend=False, hoverinfo="skip",
            text=[f"<b>{s}</b>" if isinstance(s, str) else "–" for s in segs], textposition="middle right",
            textfont=dict(color=[SEGMENT_COLOURS.get(s, style.MUTED) for s in segs], size=12),
        )
    fig.update_layout(
        barmode="stack", title="Loyalty segments: share of respondents per account (right: the account's own segment)",
        legend_traceorder="normal",
        xaxis=dict(title="Respondents (%)", range=[0, 128], tickvals=[0, 25, 50, 75, 100]),
        height=max(320, 30 * len(labels) + 150), legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
        margin=dict(l=40, r=20, t=90, b=50),
    )
    return fig


def _three_ways_columns(metric: str) -> tuple[dict, str, list[int] | None, str]:
    """Per roll-up method the (value, CI low, CI high) columns of ``metric``; axis title, range and number format."""
    if metric == "NPS":
        cols = {Q.ALL_RESPONSES: ("nps_all", "nps_all_ci_low", "nps_all_ci_high"),
                Q.ROLE_WEIGHTED: ("nps_role_weighted", "nps_role_weighted_ci_low", "nps_role_weighted_ci_high"),
                Q.ACCOUNT_AVERAGE: ("nps_account_avg", None, None)}
        return cols, "Net Promoter Score (−100 to 100)", [-105, 105], ".0f"
    cols = {Q.ALL_RESPONSES: (S.SATISFACTION, "satisfaction_ci_low", "satisfaction_ci_high"),
            Q.ROLE_WEIGHTED: ("satisfaction_role_weighted", "satisfaction_role_weighted_ci_low", "satisfaction_role_weighted_ci_high")}
    return cols, "Overall satisfaction (mean)", None, ".2f"


def _method_points(acc: pd.DataFrame, roll: pd.DataFrame, cols: dict, method: str) -> pd.DataFrame:
    """Value and interval (``v``, ``lo``, ``hi``) of one method per account, then over all accounts (last row)."""
    val, lo, hi = cols.get(method, (None, None, None))
    v = list(acc[val]) if val else [np.nan] * len(acc)
    low = list(acc[lo]) if lo else [np.nan] * len(acc)
    high = list(acc[hi]) if hi else [np.nan] * len(acc)
    if method in roll.index:
        v.append(roll.loc[method, Q.ESTIMATE]); low.append(roll.loc[method, Q.CI_LOW]); high.append(roll.loc[method, Q.CI_HIGH])
    else:
        v.append(np.nan); low.append(np.nan); high.append(np.nan)
    return pd.DataFrame({"v": v, "lo": low, "hi": high})


def three_ways_chart(accounts: pd.DataFrame, rollup: pd.DataFrame, metric: str = "NPS") -> go.Figure:
    """NPS (or satisfaction) per account and over all accounts, three ways side by side.

    Parameters
    ----------
    accounts
        Output of :func:`cra_helpers.quantitative.account_loyalty`.
    rollup
        Output of :func:`cra_helpers.quantitative.rollup`.
    metric
        ``"NPS"`` or ``"Satisfaction"``.

    Returns
    -------
    Figure
        One row per account plus "All accounts" at the top; markers: all
        responses (blue circle), role-weighted (purple diamond), average per
        account (grey square); whiskers = 95 % intervals.
    """
    cols, axis, rng, fmt = _three_ways_columns(metric)
    acc = accounts.sort_values(cols[Q.ALL_RESPONSES][0], ascending=True, kind="stable")
    labels = [escape_html(r[ACCOUNT_NAME_LABEL] if isinstance(r.get(ACCOUNT_NAME_LABEL), str) and r[ACCOUNT_NAME_LABEL] else r[S.ACCOUNT_ID])
              for _, r in acc.iterrows()]
    labels.append("<b>All accounts</b>")
    pos = np.arange(len(labels))
    roll = rollup[rollup[Q.METRIC] == metric].set_index(Q.METHOD)
    offsets = {Q.ALL_RESPONSES: 0.22, Q.ROLE_WEIGHTED: 0.0, Q.ACCOUNT_AVERAGE: -0.22}
    fig = go.Figure()
    for method in Q.ROLLUP_METHODS:
        if method not in cols and method not in roll.index:
            continue
        d = _method_points(acc, roll, cols, method)
        colour = METHOD_COLOURS[method]
        fig.add_scatter(
            x=d["v"], y=pos + offsets[method], mode="markers", name=method,
            marker=dict(color=colour, size=10, symbol=METHOD_SYMBOLS[method], line=dict(width=2, color=colour)),
            error_x=_err(d, "v", "lo", "hi") | {"color": colour},
            customdata=np.column_stack([labels, d["lo"], d["hi"]]),
            hovertemplate="%{customdata[0]}<br>" + method + ": %{x:" + fmt + "} (95% CI %{customdata[1]:" + fmt + "} to %{customdata[2]:" + fmt + "})<extra></extra>",
        )
    if metric == "NPS":
        fig.add_vline(x=0, line_color=style.MUTED, line_width=1)
    fig.update_layout(
        title=f"{metric} three ways: all responses, role-weighted, average per account (95% intervals)",
        xaxis=dict(title=axis, range=rng), height=max(360, 34 * len(labels) + 150),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0), margin=dict(l=40, r=30, t=90, b=50),
    )
    fig.update_yaxes(tickmode="array", tickvals=pos, ticktext=labels, showgrid=False, range=[-0.6, len(labels) - 0.4])
    return fig


def drivers_chart(drivers: pd.DataFrame) -> go.Figure:
    """Derived importance (percent of R²) of each driver per outcome, with bootstrap intervals.

    Parameters
    ----------
    drivers
        Output of :func:`cra_helpers.quantitative.key_drivers`.
    """
    outcomes = list(dict.fromkeys(drivers["outcome"]))
    fig = make_subplots(rows=1, cols=max(len(outcomes), 1), shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=[escape_html(f"{o} (R² = {drivers.loc[drivers.outcome == o, 'r2'].iloc[0]:.2f})")
                                        if drivers.loc[drivers.outcome == o, "r2"].notna().any() else escape_html(o) for o in outcomes])
    first = drivers[drivers["outcome"] == outcomes[0]] if outcomes else drivers
    order = first.sort_values("raw_weight", ascending=True)["driver"].tolist()
    corr_only = (drivers["level"] == Q.LEVEL_CORRELATION).all()
    value, lo, hi = ("raw_weight", "ci_low", "ci_high") if corr_only else ("pct_of_r2", "pct_ci_low", "pct_ci_high")
    for i, outcome in enumerate(outcomes, start=1):
        d = drivers[drivers["outcome"] == outcome].set_index("driver").reindex(order)
        labels = [escape_html(n if isinstance(n, str) and n else k) for k, n in zip(d.index, d["need_name"])]
        fig.add_bar(
            x=d[value], y=labels, orientation="h", marker_color=style.US, showlegend=False,
            error_x=_err(d, value, lo, hi) | {"color": style.INK},
            hovertemplate="%{y}<br>%{x:.1f}<extra></extra>", row=1, col=i,
        )
    fig.update_xaxes(title_text="squared correlation" if corr_only else "% of R² (95% bootstrap interval)")
    fig.update_layout(title="Derived importance: what drives each outcome", height=max(360, 26 * len(order) + 150),
                      margin=dict(l=40, r=30, t=90, b=60))
    return fig


def stated_vs_derived_chart(drivers: pd.DataFrame, outcome: str = S.SATISFACTION) -> go.Figure:
    """Stated importance against derived importance for one outcome, with the four quadrants named.

    Parameters
    ----------
    drivers
        Output of :func:`cra_helpers.quantitative.key_drivers`.
    outcome
        Which outcome's drivers to show.

    Returns
    -------
    Figure
        x = mean stated importance; y = derived importance (percent of R², or
        squared correlation when the sample was too small for a model).
        Dashed lines: median stated importance and an equal share of R².
    """
    d = drivers[drivers["outcome"] == outcome].copy()
    corr_only = (d["level"] == Q.LEVEL_CORRELATION).all()
    yv = "raw_weight" if corr_only else "pct_of_r2"
    y_cut = d["raw_weight"].mean() if corr_only else 100 / max(len(d), 1)
    x_cut = d["stated_importance"].median()
    names = [escape_html(n if isinstance(n, str) and n else k) for k, n in zip(d["driver"], d["need_name"])]
    # names on the chart for the key and hidden drivers (the rest crowd the bottom; their names are in the hover)
    short = [n if q in (Q.KEY_DRIVER, Q.HIDDEN_DRIVER) else "" for n, q in zip(names, d["quadrant"])]
    colours = [QUADRANT_COLOURS.get(q, style.MUTED) for q in d["quadrant"]]
    # alternate label positions along the x axis so that neighbours do not collide
    rank_x = d["stated_importance"].rank(method="first").fillna(0).astype(int).to_numpy()
    positions = ["top center" if r % 2 else "bottom center" for r in rank_x]
    fig = go.Figure(go.Scatter(
        x=d["stated_importance"], y=d[yv], mode="markers+text", text=short, textposition=positions,
        textfont=dict(size=10, color=style.INK), marker=dict(size=11, color=colours, line=dict(width=1, color="white")),
        customdata=np.column_stack([names, d["quadrant"].fillna("")]),
        hovertemplate="%{customdata[0]}<br>stated %{x:.2f} · derived %{y:.1f}<br>%{customdata[1]}<extra></extra>", showlegend=False,
    ))
    xs = d["stated_importance"].dropna()
    ys = d[yv].dropna()
    if xs.empty or ys.empty:
        fig.update_layout(title=f"Stated versus derived importance ({escape_html(outcome)}): nothing to show")
        return fig
    x0, x1 = float(xs.min()), float(xs.max())
    pad = max((x1 - x0) * 0.08, 0.2)
    y1 = float(ys.max()) * 1.15
    fig.add_vline(x=x_cut, line_dash="dash", line_color=style.MUTED, line_width=1)
    fig.add_hline(y=y_cut, line_dash="dash", line_color=style.MUTED, line_width=1)
    y0 = -0.12 * y1  # a strip below zero keeps the lower quadrant names clear of the points
    corners = ((x1 + pad, y1, Q.KEY_DRIVER, "right", "top"), (x0 - pad, y1, Q.HIDDEN_DRIVER, "left", "top"),
               (x1 + pad, y0, Q.BASIC, "right", "bottom"), (x0 - pad, y0, Q.LOW_PRIORITY, "left", "bottom"))
    for x, y, text, anchor, vanchor in corners:
        fig.add_annotation(x=x, y=y, text=f"<b>{text}</b>", showarrow=False, xanchor=anchor, yanchor=vanchor,
                           font=dict(size=12, color=style.MUTED))
    fig.update_layout(
        title=f"Stated versus derived importance — {escape_html(outcome)}",
        xaxis=dict(title="Stated importance (mean rating)", range=[x0 - pad * 1.5, x1 + pad * 1.5]),
        yaxis=dict(title="Derived importance: squared correlation" if corr_only else "Derived importance: % of R²", range=[y0, y1 * 1.05]),
        height=520,
    )
    return fig


def comparisons_chart(comparisons: pd.DataFrame) -> go.Figure:
    """Differences that hold, as effect sizes: Cliff's δ of each group against the rest.

    Cliff's δ (−1…1) puts measures on different scales (ratings, percent) on
    one axis; the mean difference and its interval are in the hover.

    Parameters
    ----------
    comparisons
        Output of :func:`cra_helpers.quantitative.compare_groups` (all rows;
        only those with a "higher"/"lower" verdict are drawn).
    """
    d = comparisons[comparisons["verdict"].isin([Q.HIGHER, Q.LOWER])].copy()
    d = d.sort_values(["group_label", "measure"]).reset_index(drop=True)
    labels = [escape_html(f"{_group_name(g, lab)} · {header(m)}") for g, lab, m in zip(d["group"], d["group_label"], d[Q.MEASURE])]
    colours = [style.GOOD if v == Q.HIGHER else style.BAD for v in d["verdict"]]
    fig = go.Figure(go.Bar(
        x=d["cliffs_delta"], y=labels, orientation="h", marker_color=colours,
        customdata=np.column_stack([d["diff"], d["diff_ci_low"], d["diff_ci_high"], d["effect"], d["p_holm"], d["n_group"]]),
        hovertemplate="%{y}<br>Cliff's δ %{x:.2f} (%{customdata[3]})<br>mean difference %{customdata[0]:.2f} "
                      "(95% CI %{customdata[1]:.2f} to %{customdata[2]:.2f})<br>Holm p %{customdata[4]:.2g} · n = %{customdata[5]}<extra></extra>",
        showlegend=False,
    ))
    for bound in (-0.147, 0.147):
        fig.add_vline(x=bound, line_dash="dot", line_color=style.MUTED, line_width=1)
    fig.add_vline(x=0, line_color=style.MUTED, line_width=1)
    fig.update_layout(title="Differences that hold: group against the rest (Cliff's delta; green higher, red lower)",
                      xaxis=dict(title="Cliff's δ (−1 to 1; dotted: negligible below 0.147)", range=[-1.05, 1.05]),
                      height=max(320, 24 * len(d) + 150), margin=dict(l=40, r=30, t=70, b=60))
    fig.update_yaxes(autorange="reversed")
    return fig
