"""One look for every figure: a plotly template and colours that keep their meaning.

A colour means the same thing in every chart of every report: an organization
level, a decision role, "us" versus a competitor, good versus bad. Figure
functions take colours from here, never from plotly's default cycle.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from . import schema

TEMPLATE_NAME = "cra"

FONT_FAMILY = "Inter, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
INK = "#1f2933"
MUTED = "#6b7785"
GRID = "#e4e7eb"

# Us and the others: our company is always this blue, competitors always greys/ambers.
US = "#1f5fa8"
COMPETITOR_COLOURS: tuple[str, ...] = ("#d9822b", "#7a8795", "#8e5aa8", "#4c9a8a", "#b5651d")

# Good / neutral / bad, for gaps, sentiment and risk.
GOOD = "#2e8b57"
NEUTRAL = "#c9ced6"
THIN = NEUTRAL
"""Colour of an estimate that rests on fewer answers than the minimum (drawn, but greyed out)."""
BAD = "#c0392b"
WARN = "#e0a526"
DIVERGING = [[0.0, BAD], [0.5, "#f4f5f7"], [1.0, GOOD]]
SEQUENTIAL = [[0.0, "#eef3fa"], [1.0, US]]

LEVEL_COLOURS: dict[str, str] = dict(zip(schema.LEVELS, ("#173f6d", "#3f7cc0", "#9cc2ea")))
ROLE_COLOURS: dict[str, str] = dict(zip(schema.DECISION_ROLES, ("#6a3d9a", "#b07cc6", "#dcc4e8")))
# Categorical cycle for things without a fixed meaning (accounts, industries, ...).
QUALITATIVE: tuple[str, ...] = (
    "#1f5fa8", "#d9822b", "#2e8b57", "#8e5aa8", "#c0392b", "#4c9a8a",
    "#b5651d", "#5d6d7e", "#e0a526", "#7fb3d5", "#a9cce3", "#f1948a",
)


def competitor_colour(index: int) -> str:
    """Colour of the ``index``-th competitor (stable order: the competitors table order)."""
    return COMPETITOR_COLOURS[index % len(COMPETITOR_COLOURS)]


def _build_template() -> go.layout.Template:
    t = go.layout.Template()
    t.layout = go.Layout(
        font=dict(family=FONT_FAMILY, size=13, color=INK),
        title=dict(font=dict(size=16, color=INK), x=0, xanchor="left"),
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=list(QUALITATIVE),
        margin=dict(l=60, r=30, t=60, b=50),
        hoverlabel=dict(font=dict(family=FONT_FAMILY)),
        legend=dict(bgcolor="rgba(255,255,255,0.8)", borderwidth=0),
        xaxis=dict(gridcolor=GRID, zerolinecolor=GRID, linecolor="#9aa5b1", ticks="outside", tickcolor="#9aa5b1", automargin=True),
        yaxis=dict(gridcolor=GRID, zerolinecolor=GRID, linecolor="#9aa5b1", ticks="outside", tickcolor="#9aa5b1", automargin=True),
    )
    return t


def register() -> None:
    """Register the ``cra`` plotly template and make it the default."""
    pio.templates[TEMPLATE_NAME] = _build_template()
    pio.templates.default = TEMPLATE_NAME


register()
