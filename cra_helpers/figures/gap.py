"""Figures of the GAP analysis (04_gap_analysis).

Colour meanings shared with every report: our company is ``style.US`` blue,
each competitor keeps its colour (``style.competitor_colour``), a gap that
hurts is ``style.BAD`` red and an advantage ``style.GOOD`` green; tested but
not significant is ``style.NEUTRAL`` grey.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .. import gap as G
from .. import quantitative as Q
from .. import schema as S
from .. import style
from ..formatting import display_names
from ..safe import escape_html

QUADRANT_COLOURS = {G.CONCENTRATE: style.BAD, G.KEEP_UP: style.GOOD, G.LOW_PRIORITY: "#7a8795", G.OVERKILL: style.WARN}


def _e(values) -> list[str]:
    return [escape_html(v) for v in values]


def _label_positions(x: np.ndarray, y: np.ndarray, labels: list[str], xr: tuple[float, float], yr: tuple[float, float],
                     width_px: float = 900, height_px: float = 520, char_px: float = 6.3, line_px: float = 15) -> list[str]:
    """Choose a text position per point so that labels overlap as little as possible.

    Greedy: points from top to bottom; each label takes the first of eight
    positions around its marker whose estimated box (pixels, from the axis
    ranges and an assumed plot size) overlaps no label or marker placed so far.
    """
    sx = width_px / (xr[1] - xr[0])
    sy = height_px / (yr[1] - yr[0])
    px = (x - xr[0]) * sx
    py = (yr[1] - y) * sy
    candidates = ["top center", "bottom center", "middle right", "middle left", "top right", "top left", "bottom right", "bottom left"]
    boxes: list[tuple[float, float, float, float]] = [(cx - 6, cy - 6, cx + 6, cy + 6) for cx, cy in zip(px, py)]
    out = ["top center"] * len(labels)

    def box(i: int, pos: str) -> tuple[float, float, float, float]:
        w, h = len(labels[i]) * char_px, line_px
        vert, horiz = pos.split()
        cx, cy = px[i], py[i]
        x0 = {"center": cx - w / 2, "right": cx + 7, "left": cx - 7 - w}[horiz]
        y0 = {"top": cy - 8 - h, "bottom": cy + 8, "middle": cy - h / 2}[vert]
        return (x0, y0, x0 + w, y0 + h)

    def overlaps(b: tuple[float, float, float, float]) -> int:
        outside = 2 if b[0] < 0 or b[2] > width_px or b[1] < 0 or b[3] > height_px else 0
        return outside + sum(1 for o in boxes if b[0] < o[2] and o[0] < b[2] and b[1] < o[3] and o[1] < b[3])

    for i in np.argsort(py):
        best = min(candidates, key=lambda pos: (overlaps(box(i, pos)), candidates.index(pos)))
        out[i] = best
        boxes.append(box(i, best))
    return out


def _matrix_ranges(xs: np.ndarray, ys: np.ndarray, x_cut: float, y_cut: float,
                   scale: tuple[float, float] | None) -> tuple[float, float, float, float]:
    """Axis ranges ``(x0, x1, y0, y1)`` of the matrix: every need and both crosshairs, padded; x within ``scale``."""
    xpad = (xs.max() - xs.min()) * 0.15 or 0.5
    ypad = (ys.max() - ys.min()) * 0.12 or 0.5
    x0, x1 = min(xs.min(), x_cut) - xpad, max(xs.max(), x_cut) + xpad
    y0, y1 = min(ys.min(), y_cut) - ypad, max(ys.max(), y_cut) + ypad
    if scale:
        x0, x1 = max(x0, scale[0]), min(x1, scale[1])
    return x0, x1, y0, y1


def crosshairs_of(needs: pd.DataFrame, derived: bool = False) -> tuple[float, float, str]:
    """The crosshairs :func:`cra_helpers.gap.need_gaps` placed the quadrants on, read from ``needs.attrs``.

    Parameters
    ----------
    needs
        Output of :func:`cra_helpers.gap.need_gaps`.
    derived
        The derived-importance crosshair (``derived_cut``) instead of the stated one.

    Returns
    -------
    tuple
        ``(performance_cut, importance_cut, crosshair)``, ``crosshair`` being
        ``"means"`` or ``"midpoints"``.

    Raises
    ------
    ValueError
        When ``needs`` does not carry them (its ``attrs`` were lost on the way):
        pass ``crosshairs=`` to the chart then.
    """
    key = "derived_cut" if derived else "importance_cut"
    if "performance_cut" not in needs.attrs or key not in needs.attrs:
        raise ValueError(f"the needs table has no crosshairs in its attrs (performance_cut, {key}): pass the output of "
                         "cra_helpers.gap.need_gaps, or crosshairs=(performance_cut, importance_cut, crosshair)")
    return float(needs.attrs["performance_cut"]), float(needs.attrs[key]), str(needs.attrs.get("crosshair", "means"))


def _quadrant_guides(fig: go.Figure, cuts: tuple[float, float], ranges: tuple[float, float, float, float], named: bool) -> None:
    """The crosshair lines, and the quadrant names in the corners when the quadrants are named."""
    (x_cut, y_cut), (x0, x1, y0, y1) = cuts, ranges
    fig.add_vline(x=x_cut, line=dict(color="#9aa5b1", dash="dash", width=1))
    fig.add_hline(y=y_cut, line=dict(color="#9aa5b1", dash="dash", width=1))
    corners = {G.CONCENTRATE: (x0, y1, "left", "top"), G.KEEP_UP: (x1, y1, "right", "top"),
               G.LOW_PRIORITY: (x0, y0, "left", "bottom"), G.OVERKILL: (x1, y0, "right", "bottom")}
    for q, (x, yy, xa, ya) in (corners.items() if named else ()):
        fig.add_annotation(x=x, y=yy, text=f"<b>{q}</b>", showarrow=False, xanchor=xa, yanchor=ya,
                           font=dict(size=13, color=QUADRANT_COLOURS[q]), opacity=0.9)


def _thin_points(fig: go.Figure, d: pd.DataFrame, ycol: str) -> None:
    """Needs rated by too few, in grey and outside every quadrant."""
    fig.add_scatter(
        x=d[S.PERFORMANCE], y=d[ycol], mode="markers+text", name="Too few ratings (indicative)",
        marker=dict(size=10, color=style.THIN, line=dict(width=1, color=style.MUTED)),
        text=_e(d["need"]), textposition=list(d["_pos"]), textfont=dict(size=11, color=style.MUTED),
        customdata=np.stack([_e(d[S.NEED_ID]), d["n"]], axis=-1),
        hovertemplate="<b>%{text}</b> (%{customdata[0]})<br>n = %{customdata[1]}: too few to place in a quadrant<extra></extra>",
    )


def importance_performance(needs: pd.DataFrame, y: str = "importance", scale: tuple[float, float] | None = None,
                           crosshairs: tuple[float, float, str] | None = None) -> go.Figure:
    """Importance–performance matrix with Martilla & James quadrant names.

    The crosshair lines are the ones the analysis placed the quadrants on
    (``gap.crosshair``: the means of the needs, or the scale midpoints); the
    chart does not recompute them.

    Parameters
    ----------
    needs
        Output of :func:`cra_helpers.gap.need_gaps` (its ``attrs`` hold the crosshairs).
    y
        ``"importance"`` (stated) or ``"derived"`` (derived importance, % of R²).
    scale
        Optional (min, max) of the performance scale, to show the whole axis.
    crosshairs
        Optional ``(performance_cut, importance_cut, crosshair)`` to use
        instead of ``needs.attrs`` (as :func:`crosshairs_of` returns them).

    Needs flagged in an optional ``thin`` column (too few ratings) are drawn
    in grey as "Too few ratings (indicative)", outside every quadrant.
    """
    df = needs.dropna(subset=[S.PERFORMANCE, S.IMPORTANCE]).copy()
    derived = y == "derived"
    ycol = "derived_importance" if derived else S.IMPORTANCE
    qcol = "quadrant_derived" if derived else "quadrant"
    df = df.dropna(subset=[ycol])
    x_cut, y_cut, where = crosshairs_of(needs, derived) if crosshairs is None else crosshairs
    xs, ys = df[S.PERFORMANCE].to_numpy(float), df[ycol].to_numpy(float)
    x0, x1, y0, y1 = _matrix_ranges(xs, ys, x_cut, y_cut, scale)
    df["_pos"] = _label_positions(xs, ys, [str(v) for v in df["need"]], (x0, x1), (y0, y1))
    fig = go.Figure()
    named = bool((df[qcol].astype(str) != "").any()) if qcol in df else False
    thin = df[Q.THIN].astype(bool) if Q.THIN in df else pd.Series(False, index=df.index)
    for q in (G.QUADRANTS if named else ("",)):
        d = df[(df[qcol] == q) & ~thin] if named else df[~thin]
        if d.empty:
            continue
        fig.add_scatter(
            x=d[S.PERFORMANCE], y=d[ycol], mode="markers+text", name=q or "Need",
            marker=dict(size=11, color=QUADRANT_COLOURS.get(q, "#52606d"), line=dict(width=1, color="white")),
            text=_e(d["need"]), textposition=list(d["_pos"]), textfont=dict(size=11),
            customdata=np.stack([_e(d[S.NEED_ID]), d["gap"].round(2), d["n"]], axis=-1),
            hovertemplate="<b>%{text}</b> (%{customdata[0]})<br>performance %{x:.2f}<br>"
            + ("derived importance %{y:.1f}% of R²" if derived else "importance %{y:.2f}")
            + "<br>gap %{customdata[1]}, n = %{customdata[2]}<extra>" + (q or "too few needs for quadrants") + "</extra>",
        )
    if thin.any():
        _thin_points(fig, df[thin], ycol)
    _quadrant_guides(fig, (x_cut, y_cut), (x0, x1, y0, y1), named)
    ylabel = "Derived importance (% of R², relative weights)" if derived else "Stated importance (mean)"
    fig.update_layout(
        title=f"{'Derived importance' if derived else 'Importance'}–performance matrix (crosshairs at the {'scale midpoints' if where == 'midpoints' else 'means'})",
        xaxis_title="Our performance (mean)", yaxis_title=ylabel, height=640, legend_title_text="Quadrant",
    )
    fig.update_xaxes(range=[x0, x1])
    fig.update_yaxes(range=[y0, y1])
    return fig


def gap_dumbbell(needs: pd.DataFrame) -> go.Figure:
    """Per need: importance and performance side by side, sorted by gap, with the gap's interval in the hover."""
    df = needs.dropna(subset=["gap"]).sort_values("gap")
    labels = _e(df["need"])
    fig = go.Figure()
    for _, r in df.iterrows():
        fig.add_shape(type="line", x0=r[S.PERFORMANCE], x1=r[S.IMPORTANCE], y0=escape_html(r["need"]), y1=escape_html(r["need"]),
                      line=dict(color=style.BAD if r["gap"] > 0 else style.GOOD, width=3), layer="below")
    fig.add_scatter(x=df[S.PERFORMANCE], y=labels, mode="markers", name="Our performance",
                    marker=dict(size=11, color=style.US), error_x=dict(type="data", symmetric=False,
                    array=df["performance_ci_high"] - df[S.PERFORMANCE], arrayminus=df[S.PERFORMANCE] - df["performance_ci_low"],
                    color=style.US, thickness=1, width=3),
                    customdata=np.stack([df["gap"].round(2), df["gap_ci_low"].round(2), df["gap_ci_high"].round(2), df["n"]], axis=-1),
                    hovertemplate="%{y}<br>performance %{x:.2f}<br>gap %{customdata[0]} (95% CI %{customdata[1]} to %{customdata[2]}), n = %{customdata[3]}<extra></extra>")
    fig.add_scatter(x=df[S.IMPORTANCE], y=labels, mode="markers", name="Importance",
                    marker=dict(size=11, color="white", line=dict(color=style.INK, width=2)),
                    hovertemplate="%{y}<br>importance %{x:.2f}<extra></extra>")
    fig.update_layout(title="Priorities versus perceptions: importance and our performance per need (line red where importance exceeds performance)",
                      xaxis_title="Mean rating (performance scale)", height=max(420, 28 * len(df) + 140))
    fig.update_layout(title_font_size=14)
    return fig


def _account_names(ids, accounts: pd.DataFrame | None) -> list[str]:
    """Escaped account names for ``ids`` (the id where ``accounts`` has no name for it)."""
    known = {}
    if accounts is not None and S.ACCOUNT_ID in accounts and S.ACCOUNT_NAME in accounts:
        known = dict(zip(accounts[S.ACCOUNT_ID].astype(str), accounts[S.ACCOUNT_NAME]))
    return _e(display_names(list(ids), known))


def account_heatmap(account_gaps: pd.DataFrame, needs: pd.DataFrame, accounts: pd.DataFrame | None = None) -> go.Figure:
    """Accounts × needs: mean gap (importance − performance); red = unmet priority; ● = differs from the rest.

    ``accounts`` (``account_id``, ``name``) labels the rows by account name; without it, by id. Cells
    flagged in an optional ``thin`` column of ``account_gaps`` (too few ratings) are grey.
    """
    names = dict(zip(needs[S.NEED_ID].astype(str), needs["need"].astype(str)))
    order_needs = needs.sort_values("gap", ascending=False)[S.NEED_ID].astype(str).tolist()
    piv = account_gaps.pivot(index=S.ACCOUNT_ID, columns=S.NEED_ID, values="gap").reindex(columns=order_needs)
    sig = account_gaps.pivot(index=S.ACCOUNT_ID, columns=S.NEED_ID, values="significant").reindex(index=piv.index, columns=order_needs)
    piv = piv.loc[piv.mean(axis=1).sort_values(ascending=False).index]
    sig = sig.reindex(piv.index)
    thin = (account_gaps.pivot(index=S.ACCOUNT_ID, columns=S.NEED_ID, values=Q.THIN).reindex(index=piv.index, columns=order_needs)
            .fillna(False).to_numpy(bool) if Q.THIN in account_gaps else np.zeros(piv.shape, dtype=bool))
    z = np.where(thin, np.nan, piv.to_numpy(float))
    lim = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
    text = [[("●" if bool(s) and s == s else "") for s in row] for row in sig.to_numpy()]
    xs, ys = _e(names.get(n, n) for n in piv.columns), _account_names(piv.index, accounts)
    fig = go.Figure(go.Heatmap(
        z=z, x=xs, y=ys, zmin=-lim, zmax=lim,
        colorscale=[[0.0, style.GOOD], [0.5, "#f4f5f7"], [1.0, style.BAD]], text=text, texttemplate="%{text}",
        textfont=dict(color="white", size=12), colorbar=dict(title="Gap"),
        hovertemplate="%{y} · %{x}<br>gap %{z:.2f}<extra></extra>",
    ))
    if thin.any():  # grey cells: too few ratings for the account's gap
        counts = account_gaps.pivot(index=S.ACCOUNT_ID, columns=S.NEED_ID, values="n").reindex(index=piv.index, columns=order_needs)
        fig.add_heatmap(z=np.where(thin, 0.0, np.nan), x=xs, y=ys, colorscale=[[0, style.THIN], [1, style.THIN]], showscale=False,
                        customdata=np.where(thin, counts.to_numpy(), np.nan), hoverongaps=False,
                        hovertemplate="%{y} · %{x}<br>n = %{customdata}: too few ratings (grey)<extra></extra>")
    fig.update_layout(title="Customer to customer: gap per account and need (● differs from the rest of the portfolio after correction)",
                      height=max(380, 30 * len(piv) + 200), title_font_size=14)
    fig.update_xaxes(tickangle=-40, tickfont=dict(size=11))
    fig.update_yaxes(autorange="reversed")
    return fig


def location_differences(pairs: pd.DataFrame, needs: pd.DataFrame, top: int = 15, accounts: pd.DataFrame | None = None) -> go.Figure:
    """The largest tested site-to-site differences in our performance, with Welch intervals; significant in red.

    ``accounts`` (``account_id``, ``name``) names the account in each label; without it, its id.
    """
    names = dict(zip(needs[S.NEED_ID].astype(str), needs["need"].astype(str)))
    df = pairs[pairs["tested"]].head(top).iloc[::-1]
    who = _account_names(df[S.ACCOUNT_ID], accounts)
    labels = [f"{w} · " + escape_html(f"{names.get(str(r.need_id), r.need_id)}: {r.site_a} vs {r.site_b}") for w, r in zip(who, df.itertuples())]
    colours = [style.BAD if s else style.NEUTRAL for s in df["significant"]]
    fig = go.Figure(go.Bar(
        x=df["difference"], y=labels, orientation="h", marker_color=colours,
        error_x=dict(type="data", symmetric=False, array=df["ci_high"] - df["difference"], arrayminus=df["difference"] - df["ci_low"],
                     color="#6b7785", thickness=1),
        customdata=np.stack([df["mean_a"].round(2), df["mean_b"].round(2), df["n_a"], df["n_b"], df["p_adjusted"].round(4)], axis=-1),
        hovertemplate="%{y}<br>%{customdata[0]} (n=%{customdata[2]}) vs %{customdata[1]} (n=%{customdata[3]})"
        "<br>difference %{x:.2f}, adjusted p = %{customdata[4]}<extra></extra>",
    ))
    fig.update_layout(title="Location to location: largest differences in our performance between sites of one account (red: holds after correction; grey: noise)",
                      xaxis_title="Better-rated site minus worse-rated site (performance points)", height=max(380, 30 * len(df) + 160),
                      title_font_size=14)
    return fig


def competitor_differences(comp: pd.DataFrame, needs: pd.DataFrame, competitors: pd.DataFrame | None = None) -> go.Figure:
    """Our performance minus each competitor's per need, with paired intervals; left of zero we lose.

    Points flagged in an optional ``thin`` column of ``comp`` (too few paired ratings) are grey.
    """
    names = dict(zip(needs[S.NEED_ID].astype(str), needs["need"].astype(str)))
    order = comp.groupby(S.NEED_ID)["difference"].min().sort_values(ascending=False).index.tolist()
    comp_ids = competitors[S.COMPETITOR_ID].astype(str).tolist() if competitors is not None else sorted(comp[S.COMPETITOR_ID].unique())
    comp_names = dict(zip(competitors[S.COMPETITOR_ID].astype(str), competitors[S.COMPETITOR_NAME].astype(str))) if competitors is not None else {}
    fig = go.Figure()
    for i, cid in enumerate(comp_ids):
        d = comp[comp[S.COMPETITOR_ID] == cid].set_index(S.NEED_ID).reindex(order).dropna(subset=["difference"])
        if d.empty:
            continue
        colour = style.competitor_colour(i)
        thin = d[Q.THIN].astype(bool).to_numpy() if Q.THIN in d else np.zeros(len(d), dtype=bool)
        colours = [style.THIN if t else colour for t in thin]
        fig.add_scatter(
            x=d["difference"], y=_e(names.get(n, n) for n in d.index), mode="markers", name=escape_html(comp_names.get(cid, cid)),
            marker=dict(size=10, color=colours, symbol=["circle" if s else "circle-open" for s in d["significant"]], line=dict(width=2, color=colours)),
            error_x=dict(type="data", symmetric=False, array=d["ci_high"] - d["difference"], arrayminus=d["difference"] - d["ci_low"], color=colour, thickness=1),
            customdata=np.stack([d["us"].round(2), d["them"].round(2), d["n"], d["verdict"]], axis=-1),
            hovertemplate="%{y}<br>us %{customdata[0]} vs them %{customdata[1]} (n=%{customdata[2]})<br>difference %{x:.2f}: %{customdata[3]}<extra>%{fullData.name}</extra>",
        )
    fig.add_vline(x=0, line=dict(color=style.INK, width=1))
    fig.update_layout(title="Company to competitor: our performance minus theirs (filled: holds after correction; left of zero we lose)",
                      xaxis_title="Us − competitor (performance points, 95% paired CI)", height=max(420, 26 * len(order) + 160),
                      legend_title_text="Competitor", title_font_size=14)
    fig.update_yaxes(autorange="reversed")
    return fig
