"""The explorer as linked ipywidgets: filters, five plotly views, verbatims with search, exports.

:func:`build_explorer` returns an :class:`Explorer`; show ``explorer.widget``
in a notebook or a Voila page. Every filter change recomputes the views with
:class:`~cra_helpers.explore.model.ExplorerModel` and redraws the figures in
place (``plotly.graph_objects.FigureWidget``) with the package's figure
functions. Text from customers reaches the page only HTML-escaped (the figure
functions escape their labels; the verbatim list escapes here).
"""

from __future__ import annotations

import gc
import json
import textwrap
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import ipywidgets as W
import pandas as pd
import plotly.graph_objects as go

from .. import schema as S
from ..assessment import ACCOUNT_NAME_LABEL, Assessment
from ..config import Config
from ..figures.gap import account_heatmap, competitor_differences, importance_performance
from ..figures.needs_tree import tree_sunburst
from ..figures.quantitative import need_scores_chart, segments_chart
from ..safe import escape_html
from .model import LIST_FIELDS, ROLE, SENTIMENT, ExplorerModel, Filters, Views

EXPORT_DIR = "explore_exports"
"""Folder (under the out dir) the explorer's buttons write into."""
FIGURE_NAMES: tuple[str, ...] = ("need_scores", "gaps", "account_gaps", "competitors", "segments", "tree")
"""Keys of :attr:`Explorer.figures`, in page order."""
MAX_VERBATIMS_SHOWN = 200
_LABELS = {"account": "Account", "location": "Location", "level": "Level", "department": "Department",
           "decision_role": "Decision role", "competitor": "Competitor", "wave": "Wave", "node": "Need (tree)"}
_TONE_COLOURS = {"negative": "#b42318", "neutral": "#52606d", "positive": "#067647"}


def _empty_figure(title: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=escape_html(title), height=300, xaxis_visible=False, yaxis_visible=False)
    return fig


def _fit_title(fig: go.Figure, width: int = 75) -> go.Figure:
    """Wrap a long title onto lines of about ``width`` characters (the explorer's figures are narrower than a report's)."""
    text = fig.layout.title.text or ""
    if len(text) > width and "<br>" not in text:
        lines = textwrap.wrap(text, width=width, break_long_words=False)
        fig.update_layout(title_text="<br>".join(lines), margin_t=max(fig.layout.margin.t or 80, 50 + 22 * len(lines)))
    return fig


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def figures_of(v: Views, a: Assessment) -> dict[str, go.Figure]:
    """The five figures of a set of views, drawn by the package's figure functions.

    Returns
    -------
    dict
        One figure per name of :data:`FIGURE_NAMES`; a view without data gets
        an empty figure whose title says so.
    """
    out: dict[str, go.Figure] = {}
    perf = a.config.scale(S.SCALE_PERFORMANCE)
    rated = len(v.gaps) and (v.gaps["n"] > 0).any()
    out["need_scores"] = need_scores_chart(v.need_scores) if rated else _empty_figure("Need scores: no ratings in this selection")
    out["gaps"] = (importance_performance(v.gaps, scale=(perf.min, perf.max)) if rated
                   else _empty_figure("Importance–performance: no ratings in this selection"))
    out["account_gaps"] = (account_heatmap(v.account_gaps, v.gaps, a.accounts) if rated and len(v.account_gaps)
                           else _empty_figure("Accounts × needs: no account gaps in this selection"))
    out["competitors"] = (competitor_differences(v.competitors, v.gaps, a.competitors) if rated and len(v.competitors)
                          else _empty_figure("Competitors: no competitor ratings in this selection"))
    if len(v.segments):
        shares = v.segments.drop(columns=[S.ACCOUNT_ID])  # segments_chart groups by the first column: the name
        out["segments"] = segments_chart(shares)
    else:
        out["segments"] = _empty_figure("Loyalty segments: no loyalty answers in this selection")
    if len(v.tree):
        out["tree"] = tree_sunburst(v.tree, title="Needs tree of this selection")
        out["tree"].update_layout(title="Needs tree of this selection: sized by mentions, red = painful; click a need to filter by it",
                                  height=640)
    else:
        out["tree"] = _empty_figure("Needs tree: no verbatims placed in this selection")
    return {name: _fit_title(fig) for name, fig in out.items()}


def update_figure(widget: go.FigureWidget, fig: go.Figure) -> None:
    """Replace the traces and layout of ``widget`` by those of ``fig``, in place (one message to the browser)."""
    same = len(widget.data) == len(fig.data) and all(w.type == f.type for w, f in zip(widget.data, fig.data))
    with widget.batch_update():
        widget.layout = fig.layout
        if same:  # restyle the traces the page already has (no deletion the page could miss)
            for w, f in zip(widget.data, fig.data):
                w.update(f.to_plotly_json(), overwrite=True)
    if not same:
        widget.data = ()
        widget.add_traces(list(fig.data))


@lru_cache(maxsize=4)
def _widget_class(esm_url: str) -> type:
    """``FigureWidget`` whose front-end module is read from ``esm_url`` (one subclass per address)."""
    return type("ExplorerFigureWidget", (go.FigureWidget,), {"_esm": esm_url, "__module__": __name__})


def figure_widget(fig: go.Figure, esm_url: str | None = None) -> go.FigureWidget:
    """A ``FigureWidget`` of ``fig``; with ``esm_url`` its front-end code is imported from that address.

    By default every ``FigureWidget`` carries plotly's whole front-end
    bundle (about 5 MB) as text, and the page compiles it once per figure.
    anywidget gives each widget 2 s to be ready and otherwise logs
    "[anywidget] Failed to initialize model."; a figure whose model failed
    is drawn once and then ignores every update. With an ``http(s)``
    address (``cra explore`` serves the bundle beside its notebook) the
    browser fetches and compiles the module once, and the figures share it.

    Examples
    --------
    >>> w = figure_widget(go.Figure(), "http://127.0.0.1:8866/voila/files/plotly-widget.js")
    >>> w._esm, type(w).__name__
    ('http://127.0.0.1:8866/voila/files/plotly-widget.js', 'ExplorerFigureWidget')
    """
    return (_widget_class(esm_url) if esm_url else go.FigureWidget)(fig)


def view_counts(v: Views) -> dict[str, str]:
    """The "n = …" line of each figure."""
    n_resp, n_acc = v.n_respondents, v.n_accounts
    base = f"n = {_plural(n_resp, 'respondent')} · {_plural(n_acc, 'account')}"
    comps = v.competitors[S.COMPETITOR_ID].nunique() if len(v.competitors) else 0
    thin = lambda df: int(df["thin"].sum()) if "thin" in df and len(df) else 0  # noqa: E731
    return {
        "need_scores": base + (f" · {thin(v.gaps)} need(s) below the minimum" if thin(v.gaps) else ""),
        "gaps": base,
        "account_gaps": f"n = {_plural(v.account_gaps[S.ACCOUNT_ID].nunique() if len(v.account_gaps) else 0, 'account')} · "
                        f"{_plural(n_resp, 'respondent')}",
        "competitors": base + f" · {comps} competitor(s)",
        "segments": base + (f" · {v.segments.loc[v.segments['thin'], S.ACCOUNT_ID].nunique()} thin account(s)" if thin(v.segments) else ""),
        "tree": f"n = {int(v.tree.loc[v.tree['level'] == 'primary', 'verbatims'].sum()) if len(v.tree) else 0} verbatims "
                f"placed in the tree · {n_resp} respondents",
    }


def verbatims_html(rows: pd.DataFrame, total: int, limit: int = MAX_VERBATIMS_SHOWN) -> str:
    """The verbatim list: sentiment, role and account (escaped) and the highlighted text of the first ``limit`` rows."""
    shown = rows.head(limit)
    items = []
    for r in shown.itertuples(index=False):
        tone = str(getattr(r, SENTIMENT))
        colour = _TONE_COLOURS.get(tone, "#52606d")
        who = " · ".join(escape_html(x) for x in (getattr(r, ROLE), getattr(r, ACCOUNT_NAME_LABEL)) if isinstance(x, str) and x)
        items.append(f'<li style="margin:0 0 6px 0"><span style="color:{colour};font-weight:600">{escape_html(tone)}</span> '
                     f'<span style="color:#52606d">{who}</span><br>{r.highlight}</li>')
    head = f"<p><b>n = {len(rows)} of {total} verbatims</b>" + (f" (first {limit} shown)" if len(rows) > limit else "") + "</p>"
    return head + '<ul style="list-style:none;padding-left:0;max-height:480px;overflow-y:auto">' + "".join(items) + "</ul>"


class Explorer:
    """Filters, linked figures, the verbatim list and the export buttons of one assessment.

    Attributes
    ----------
    model
        The :class:`ExplorerModel`.
    filters
        The current :class:`Filters`.
    views
        The current :class:`Views`.
    figures
        ``FigureWidget`` per name of :data:`FIGURE_NAMES`, updated in place.
    widget
        The whole page as one ipywidgets container.
    """

    def __init__(self, a: Assessment, tree: object | None = None, config: Config | None = None,
                 out_dir: str | Path | None = None, sentiment_method: str = "auto", build_tree: bool = True,
                 widget_esm: str | None = None) -> None:
        if config is not None:
            a = Assessment(a.tables, config, a.source, notes=a.notes, absent=a.absent)
        self.a = a
        self.tree_note = ""
        if tree is None and build_tree:
            tree, self.tree_note = _build_tree(a)
        self.model = ExplorerModel(a, tree, sentiment_method=sentiment_method)
        gc.freeze()  # the joins live as long as the page: keep them out of every later collection (statsmodels collects per Holm adjustment)
        self.out_dir = Path(out_dir) if out_dir is not None else Path.cwd()
        self.filters = Filters()
        self._syncing = False
        # Each FigureWidget is built from its first figure: changes made before the page draws it never reach the page.
        self.views = self.model.views(self.filters)
        self.figures = {name: figure_widget(fig, widget_esm) for name, fig in figures_of(self.views, a).items()}
        self.counts = {name: W.HTML() for name in FIGURE_NAMES}
        self._build_controls()
        self._build_outputs()
        self.widget = self._layout()
        self._watched: object | None = None
        self.refresh(redraw=False)

    # -- construction -----------------------------------------------------------
    def _build_controls(self) -> None:
        opts = self.model.options()
        self.controls: dict[str, W.SelectMultiple] = {}
        for name in LIST_FIELDS:
            ctl = W.SelectMultiple(options=opts.get(name, []), value=(), description=_LABELS[name], rows=min(6, max(2, len(opts.get(name, [])))),
                                   layout=W.Layout(width="320px"), style={"description_width": "90px"})
            ctl.observe(self._on_control, names="value")
            self.controls[name] = ctl
        first, last = self.model.date_bounds()
        self.date_from = W.DatePicker(description="From", value=None, style={"description_width": "90px"})
        self.date_to = W.DatePicker(description="To", value=None, style={"description_width": "90px"})
        for ctl in (self.date_from, self.date_to):
            ctl.observe(self._on_control, names="value")
        self.date_hint = W.HTML(f"<small>interviews {escape_html(first)} – {escape_html(last)}</small>" if first else "")
        self.reset_button = W.Button(description="Reset filters", icon="undo")
        self.reset_button.on_click(lambda _: self.set_filters(Filters()))

    def _build_outputs(self) -> None:
        self.summary = W.HTML()
        self.notes = W.HTML()
        self.search_box = W.Text(placeholder="search the verbatims (all words)", description="Search", continuous_update=False)
        self.search_box.observe(lambda _: self._show_verbatims(), names="value")
        self.verbatim_list = W.HTML()
        self.parameters = W.Textarea(layout=W.Layout(width="100%", height="140px", display="none"))
        self.message = W.HTML()
        buttons = [("Export CSVs", "table", self.export_csv), ("Export figures (PNG, SVG)", "image", self.export_figures),
                   ("Copy as report parameters", "clipboard", self.show_parameters)]
        self.buttons = []
        for label, icon, action in buttons:
            b = W.Button(description=label, icon=icon, layout=W.Layout(width="auto"))
            b.on_click(lambda _, act=action: act())
            self.buttons.append(b)

    def _layout(self) -> W.Widget:
        filters = W.VBox([W.HTML("<b>Filters</b>"), *self.controls.values(), self.date_from, self.date_to, self.date_hint,
                          self.reset_button], layout=W.Layout(width="340px"))
        views = [W.VBox([self.figures[n], self.counts[n]]) for n in FIGURE_NAMES]
        main = W.VBox([self.summary, self.notes, W.HBox(self.buttons), self.message, self.parameters, *views,
                       W.HTML("<h3>Verbatims</h3>"), self.search_box, self.verbatim_list], layout=W.Layout(flex="1"))
        return W.HBox([filters, main])

    # -- state ------------------------------------------------------------------
    def _from_controls(self) -> Filters:
        values = {name: tuple(ctl.value) for name, ctl in self.controls.items()}
        return Filters(**values, date_from=self.date_from.value, date_to=self.date_to.value)

    def _on_control(self, _change: dict) -> None:
        if not self._syncing:
            self.filters = self._from_controls()
            self.refresh()

    def set_filters(self, f: Filters) -> None:
        """Show the selection ``f``: set every control to it and redraw once."""
        self._syncing = True
        try:
            for name, ctl in self.controls.items():
                known = {v for _, v in ctl.options}
                ctl.value = tuple(v for v in getattr(f, name) if v in known)
            self.date_from.value, self.date_to.value = f.date_from, f.date_to
        finally:
            self._syncing = False
        self.filters = f
        self.refresh()

    def refresh(self, redraw: bool = True) -> None:
        """Recompute the views of :attr:`filters` and update every figure, label and list in place."""
        self.views = self.model.views(self.filters)
        if redraw:
            for name, fig in figures_of(self.views, self.a).items():
                update_figure(self.figures[name], fig)
        for name, text in view_counts(self.views).items():
            self.counts[name].value = f"<small>{escape_html(text)}</small>"
        self._watch_tree()
        v = self.views
        self.summary.value = (f"<h3>{_plural(v.n_respondents, 'respondent')} · {_plural(v.n_accounts, 'account')} · "
                              f"{_plural(len(v.verbatims), 'verbatim')}</h3>")
        notes = v.notes + ([self.tree_note] if self.tree_note else [])
        self.notes.value = "".join(f"<p style='color:#8a4b00'>{escape_html(n)}</p>" for n in notes)
        self._show_verbatims()
        if self.parameters.layout.display != "none":
            self.show_parameters()

    def _watch_tree(self) -> None:
        """Listen to clicks on the needs-tree trace (again after the trace was replaced)."""
        traces = self.figures["tree"].data
        if traces and traces[0].type == "sunburst" and traces[0] is not self._watched:
            traces[0].on_click(self._on_tree_click)
            self._watched = traces[0]

    def _on_tree_click(self, trace, points, _state=None) -> None:
        """A click on a node of the needs tree filters by that node (a click on the selected node clears it)."""
        if not points.point_inds:
            return
        node = str(trace.ids[points.point_inds[0]])
        self.set_filters(replace(self.filters, node=() if self.filters.node == (node,) else (node,)))

    def _show_verbatims(self) -> None:
        found = self.model.search(self.views, self.search_box.value)
        self.verbatim_list.value = verbatims_html(found, len(self.views.verbatims))

    # -- buttons ------------------------------------------------------------------
    @property
    def export_dir(self) -> Path:
        """``explore_exports/`` under the out dir."""
        return self.out_dir / EXPORT_DIR

    def export_csv(self) -> list[Path]:
        """Write the current views as CSVs into :attr:`export_dir`."""
        paths = self.model.export(self.views, self.export_dir)
        self.message.value = f"<p>Wrote {len(paths)} CSV files to {escape_html(self.export_dir)}</p>"
        return paths

    def export_figures(self, formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
        """Write every figure as PNG and SVG (kaleido) into :attr:`export_dir`."""
        self.export_dir.mkdir(parents=True, exist_ok=True)
        written = []
        try:
            for name, fw in self.figures.items():
                fig = go.Figure(fw)
                for fmt in formats:
                    path = self.export_dir / f"explore_{name}.{fmt}"
                    fig.write_image(str(path), format=fmt, width=1100, height=int(fig.layout.height or 600))
                    written.append(path)
        except Exception as exc:  # kaleido needs a browser; say so on the page instead of failing the widget
            self.message.value = f"<p style='color:#b42318'>Figure export failed: {escape_html(exc)}</p>"
            return written
        self.message.value = f"<p>Wrote {len(written)} figure files to {escape_html(self.export_dir)}</p>"
        return written

    def parameter_text(self) -> str:
        """The current selection as report parameters (JSON; ``other`` has no notebook parameter)."""
        return json.dumps(self.filters.to_parameters(), indent=2, ensure_ascii=False)

    def show_parameters(self) -> str:
        """Show :meth:`parameter_text` in the page's text box."""
        self.parameters.value = self.parameter_text()
        self.parameters.layout.display = "block"
        return self.parameters.value


def _build_tree(a: Assessment) -> tuple[object | None, str]:
    """The assessment's needs tree with its configured backend, or ``None`` and the reason it could not be built."""
    from ..needs_tree import BackendUnavailable, NeedsTreeError, needs_tree

    if not a.has(S.VERBATIMS) or not len(a.verbatims):
        return None, "No verbatims: the needs-tree view is empty."
    try:
        return needs_tree(a), ""
    except (NeedsTreeError, BackendUnavailable) as exc:
        return None, f"The needs tree could not be built ({exc}); its view is empty."


def build_explorer(a: Assessment, tree: object | None = None, config: Config | None = None, *,
                   out_dir: str | Path | None = None, sentiment_method: str = "auto", build_tree: bool = True,
                   widget_esm: str | None = None) -> Explorer:
    """The interactive explorer of an assessment.

    Parameters
    ----------
    a
        The assessment.
    tree
        Optional needs tree (its nodes and sentiment classes are used for the
        verbatims and the tree view); without one it is built here with the
        configured backend (seconds; the embedding cache makes reruns fast)
        unless ``build_tree`` is false.
    config
        Optional configuration to use instead of ``a.config``.
    out_dir
        Folder whose ``explore_exports/`` the export buttons write into
        (default: the working directory).
    sentiment_method
        :func:`cra_helpers.sentiment.classify` method for the verbatims
        the tree did not classify.
    build_tree
        Build the needs tree when ``tree`` is not given.
    widget_esm
        Address (``http://…``) of plotly's widget bundle for the figures to
        import, instead of each carrying it (see :func:`figure_widget`);
        ``cra explore`` passes the copy it serves.

    Returns
    -------
    Explorer
        Show ``explorer.widget``; ``explorer.set_filters(Filters(...))``
        changes the selection, ``explorer.figures`` holds the figure widgets.
    """
    return Explorer(a, tree, config, out_dir=out_dir, sentiment_method=sentiment_method, build_tree=build_tree,
                    widget_esm=widget_esm)


__all__ = ["EXPORT_DIR", "FIGURE_NAMES", "Explorer", "build_explorer", "figure_widget", "figures_of", "update_figure",
           "verbatims_html"]
