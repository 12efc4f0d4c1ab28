"""The explorer's computation: filters in, tidy views out (no widgets, no figures).

:class:`ExplorerModel` joins the assessment's tables once per load (the
respondent table, ratings and loyalty answers by respondent, the verbatims
with their sentiment class) and answers every filter change by slicing those
joins and running the package's own analyses on the slice:
:func:`cra_helpers.quantitative.need_scores`,
:func:`cra_helpers.gap.need_gaps`, :func:`cra_helpers.gap.account_gaps`,
:func:`cra_helpers.gap.competitor_gaps` and
:func:`cra_helpers.loyalty.segment_shares`. A slice holds exactly the rows
:meth:`Assessment.filter` would keep for the same accounts, locations and
waves, so the numbers equal those of the notebooks for the same focus.

Filters the notebooks do not have (level, department, decision role,
interview dates, several accounts at once) restrict the interviews in the
same way. The competitor filter, as in ``04_gap_analysis``, only selects the
rows of the competitor comparison (its correction stays over all pairs).
The accounts × needs view compares each selected account with the rest of
the portfolio under the same respondent filters (account and location
filters excepted), as ``gap.account_gaps`` does for the whole portfolio.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .. import gap, loyalty, quantitative
from .. import schema as S
from .. import sentiment as sentiment_mod
from ..assessment import ACCOUNT_NAME_LABEL, Assessment
from ..safe import escape_html, neutralize_frame
from .tree import NODE_COLUMNS, TREE_LEVELS, in_nodes, selection_nodes, tree_nodes, verbatim_nodes

SENTIMENT = "sentiment"
ROLE = "role"
HIGHLIGHT = "highlight"
THIN = quantitative.THIN
NEED_LABEL = "need"
COMPETITOR_LABEL = "competitor"
SEGMENT_TOTAL = "total"
CACHE_SIZE = 8
"""Selections whose analyses :meth:`ExplorerModel.views` keeps."""

PARAMETER_FIELDS: tuple[str, ...] = ("account", "location", "competitor")
"""Filters the notebooks take as papermill parameters (one id each)."""
LIST_FIELDS: tuple[str, ...] = ("account", "location", "level", "department", "decision_role", "competitor", "wave", "node")
"""Filters that hold a tuple of values (empty: all)."""
_COLUMN_OF = {"account": S.ACCOUNT_ID, "location": S.LOCATION_ID, "level": S.LEVEL, "department": S.DEPARTMENT,
              "decision_role": S.DECISION_ROLE, "wave": S.WAVE}
EXPORT_FILES: dict[str, str] = {
    "need_scores": "explore_need_scores.csv", "gaps": "explore_need_gaps.csv", "account_gaps": "explore_account_gaps.csv",
    "competitors": "explore_competitor_gaps.csv", "segments": "explore_loyalty_segments.csv",
    "verbatims": "explore_verbatims.csv", "tree": "explore_needs_tree.csv",
}
"""File name of each exported view (fixed; never built from data)."""
VERBATIM_COLUMNS: tuple[str, ...] = (S.VERBATIM_ID, S.INTERVIEW_ID, S.ACCOUNT_ID, ACCOUNT_NAME_LABEL, ROLE, S.TOPIC,
                                     S.TEXT, SENTIMENT)
"""Columns of the verbatim view: who said it by role and account, never by name."""


@dataclass(frozen=True)
class Filters:
    """One selection of the explorer; an empty tuple or ``None`` means no restriction.

    Examples
    --------
    >>> f = Filters(account=("A025",), level=("executive",))
    >>> f.to_parameters()
    {'parameters': {'account': 'A025', 'location': '', 'competitor': ''}, 'other': {'level': ['executive']}}
    >>> Filters.from_parameters(f.to_parameters()) == f
    True
    """

    account: tuple[str, ...] = ()
    location: tuple[str, ...] = ()
    level: tuple[str, ...] = ()
    department: tuple[str, ...] = ()
    decision_role: tuple[str, ...] = ()
    competitor: tuple[str, ...] = ()
    wave: tuple[str, ...] = ()
    node: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def __post_init__(self) -> None:
        for name in LIST_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(str(v) for v in (value or ())))

    def to_parameters(self) -> dict:
        """The papermill parameters that reproduce this view, and what they cannot express.

        Returns
        -------
        dict
            ``{"parameters": {"account", "location", "competitor"}, "other":
            {...}}``: a parameter holds the one selected id (empty string
            when none or several are selected); ``other`` lists every further
            restriction (several ids, level, department, role, wave, dates as
            ISO text) that the notebooks have no parameter for.
        """
        params: dict[str, str] = {}
        other: dict[str, object] = {}
        for name in PARAMETER_FIELDS:
            values = getattr(self, name)
            params[name] = values[0] if len(values) == 1 else ""
            if len(values) > 1:
                other[name] = list(values)
        for name in LIST_FIELDS:
            if name not in PARAMETER_FIELDS and getattr(self, name):
                other[name] = list(getattr(self, name))
        for name in ("date_from", "date_to"):
            if getattr(self, name) is not None:
                other[name] = getattr(self, name).isoformat()
        return {"parameters": params, "other": other}

    @classmethod
    def from_parameters(cls, spec: dict) -> "Filters":
        """The filters :meth:`to_parameters` described (inverse of it)."""
        params, other = spec.get("parameters", {}), spec.get("other", {})
        kwargs: dict[str, object] = {n: tuple(other.get(n, ())) for n in LIST_FIELDS}
        for name in PARAMETER_FIELDS:
            if params.get(name):
                kwargs[name] = (params[name],)
        for name in ("date_from", "date_to"):
            kwargs[name] = dt.date.fromisoformat(other[name]) if other.get(name) else None
        return cls(**kwargs)

    def is_empty(self) -> bool:
        """True when nothing is restricted."""
        return self == Filters()


@dataclass
class Views:
    """Every view of one selection, as tidy DataFrames.

    Attributes
    ----------
    need_scores
        :func:`quantitative.need_scores` of the selection plus ``thin``.
    gaps
        :func:`gap.need_gaps` (importance–performance, quadrant) plus ``thin``.
    account_gaps
        :func:`gap.account_gaps` rows of the selected accounts plus
        ``account_name``, ``need`` and ``thin``.
    competitors
        :func:`gap.competitor_gaps` rows of the selected competitors plus
        ``competitor`` (name) and ``thin``.
    segments
        :func:`loyalty.segment_shares` by account plus ``account_name`` and ``thin``.
    verbatims
        ``verbatim_id, interview_id, account_id, account_name, role, topic, text, sentiment``.
    n_respondents, n_accounts
        Interviews and accounts in the selection.
    notes
        Plain sentences on thin groups and empty views.
    filters
        The selection these views show.
    tree
        The needs tree recounted over the selection's verbatims
        (:func:`cra_helpers.explore.tree.selection_nodes`; empty without a tree).
    """

    need_scores: pd.DataFrame
    gaps: pd.DataFrame
    account_gaps: pd.DataFrame
    competitors: pd.DataFrame
    segments: pd.DataFrame
    verbatims: pd.DataFrame
    n_respondents: int
    n_accounts: int
    notes: list[str] = field(default_factory=list)
    filters: Filters = field(default_factory=Filters)
    tree: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(NODE_COLUMNS)))

    def tables(self) -> dict[str, pd.DataFrame]:
        """The views by export name (the keys of :data:`EXPORT_FILES`)."""
        return {name: getattr(self, name) for name in EXPORT_FILES}


class _Slice(Assessment):
    """An assessment restricted to some interviews, whose respondent joins were computed once for the whole."""

    def __init__(self, base: Assessment, tables: dict[str, pd.DataFrame], respondents: pd.DataFrame,
                 ratings: pd.DataFrame | None, keep: np.ndarray) -> None:
        super().__init__(tables, base.config, base.source, notes=base.notes, absent=base.absent)
        self.keep = keep  # which respondent rows of the whole assessment this slice holds
        self._respondents = respondents
        self._ratings_joined = ratings

    def respondents(self) -> pd.DataFrame:
        return self._respondents

    def ratings_by_respondent(self) -> pd.DataFrame:
        if self._ratings_joined is None:
            return super().ratings_by_respondent()
        return self._ratings_joined


def _positions(ids: pd.Series, index: pd.Index) -> np.ndarray:
    """Row position in ``index`` of each id (−1 when unknown)."""
    return index.get_indexer(ids.astype(object))


def _keep_rows(pos: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Rows of a table whose respondent (position ``pos`` in the respondents, −1 = none) is kept."""
    rows = np.zeros(len(pos), dtype=bool)
    known = pos >= 0
    rows[known] = keep[pos[known]]
    return rows


def _text_values(values: pd.Series) -> np.ndarray:
    return values.astype(object).where(values.notna(), "").astype(str).to_numpy(object)


class ExplorerModel:
    """The explorer's data: joins made once per load, views computed per selection.

    Parameters
    ----------
    a
        The assessment.
    tree
        Optional needs tree; its verbatims' sentiment classes are used where
        it has them (:func:`cra_helpers.needs_tree.results.tone_of`).
    sentiment_method
        Method of :func:`cra_helpers.sentiment.classify` for the remaining verbatims.
    """

    def __init__(self, a: Assessment, tree: object | None = None, sentiment_method: str = "auto") -> None:
        a.require(S.INTERVIEWS, S.CONTACTS, step="explorer")
        self.a = a
        self.respondents = a.respondents().reset_index(drop=True)
        self._index = pd.Index(self.respondents[S.INTERVIEW_ID].astype(object))
        self._attrs = {col: _text_values(self.respondents[col]) for col in _COLUMN_OF.values() if col in self.respondents}
        self._dates = pd.to_datetime(self.respondents[S.DATE], errors="coerce").to_numpy() if S.DATE in self.respondents else None
        self._ratings = a.ratings_by_respondent() if a.has(S.RATINGS) else None
        self._rows: dict[str, np.ndarray] = {}
        for name in (S.RATINGS, S.LOYALTY, S.VERBATIMS):
            if a.has(name):
                self._rows[name] = _positions(a.tables[name][S.INTERVIEW_ID], self._index)
        self.verbatims = self._verbatim_table(tree, sentiment_method)
        self._placed = verbatim_nodes(tree, self.verbatims[S.VERBATIM_ID])
        self._tree_nodes = tree_nodes(tree)
        # per-respondent loyalty (segment, NPS category) depends on one interview only: computed once
        self._loyalty = quantitative.respondent_loyalty(a) if a.has(S.LOYALTY) else None
        self._loyalty_pos = _positions(self._loyalty[S.INTERVIEW_ID], self._index) if self._loyalty is not None else None
        self._cache: OrderedDict[tuple, object] = OrderedDict()

    # -- load-time joins ----------------------------------------------------
    def _verbatim_table(self, tree: object | None, method: str) -> pd.DataFrame:
        if not self.a.has(S.VERBATIMS):
            return pd.DataFrame(columns=list(VERBATIM_COLUMNS))
        v = self.a.verbatims.reset_index(drop=True)
        pos = self._rows[S.VERBATIMS]
        resp = self.respondents.reindex(pos)
        out = pd.DataFrame({S.VERBATIM_ID: v[S.VERBATIM_ID].astype(str).to_numpy(), S.INTERVIEW_ID: v[S.INTERVIEW_ID].astype(str).to_numpy()})
        out[S.ACCOUNT_ID] = resp[S.ACCOUNT_ID].to_numpy(object)
        names = resp[ACCOUNT_NAME_LABEL] if ACCOUNT_NAME_LABEL in resp else resp[S.ACCOUNT_ID]
        out[ACCOUNT_NAME_LABEL] = names.to_numpy(object)
        parts = [_text_values(resp[c]) if c in resp else np.full(len(resp), "", object) for c in (S.DEPARTMENT, S.LEVEL)]
        out[ROLE] = [" · ".join(p for p in pair if p) for pair in zip(*parts)]
        out[S.TOPIC] = v[S.TOPIC].to_numpy(object) if S.TOPIC in v else ""
        out[S.TEXT] = _text_values(v[S.TEXT])
        out[SENTIMENT] = self._sentiment(out, tree, method)
        return out

    def _sentiment(self, verbatims: pd.DataFrame, tree: object | None, method: str) -> np.ndarray:
        classes = pd.Series(pd.NA, index=verbatims.index, dtype=object)
        tree_v = getattr(tree, "verbatims", None)
        if isinstance(tree_v, pd.DataFrame) and S.VERBATIM_ID in tree_v:
            from ..needs_tree.results import tone_of

            tone = pd.Series(tone_of(tree_v).to_numpy(object), index=tree_v[S.VERBATIM_ID].astype(str)).groupby(level=0).first()
            classes = verbatims[S.VERBATIM_ID].map(tone)
        todo = classes.isna().to_numpy()
        if todo.any():
            found = sentiment_mod.classify(verbatims.loc[todo, S.TEXT].tolist(), method=method)
            classes[todo] = found[SENTIMENT].to_numpy(object)
        return classes.astype(str).to_numpy(object)

    # -- choices ------------------------------------------------------------
    def options(self) -> dict[str, list[tuple[str, str]]]:
        """The values each filter can take, as ``(label, value)`` pairs.

        Returns
        -------
        dict
            One list per list field of :class:`Filters`: accounts, locations
            and competitors labelled by name (a location as ``site (account)``),
            the rest by their value; only values that occur in the interviews
            (all competitors of the ``competitors`` table).
        """
        out: dict[str, list[tuple[str, str]]] = {}
        present = set(self._attrs.get(S.ACCOUNT_ID, ()))
        out["account"] = sorted((str(n), str(i)) for i, n in self.a.account_names().items() if i in present)
        sites = self.a.location_names()
        owner = dict(zip(self.a.locations[S.LOCATION_ID].astype(str), self.a.locations[S.ACCOUNT_ID].astype(str))) if self.a.has(S.LOCATIONS) else {}
        names = self.a.account_names()
        used = set(self._attrs.get(S.LOCATION_ID, ()))
        out["location"] = sorted((f"{n} ({names.get(owner.get(i, ''), owner.get(i, ''))})", str(i)) for i, n in sites.items() if i in used)
        for name in ("level", "department", "decision_role", "wave"):
            col = _COLUMN_OF[name]
            values = sorted(set(self._attrs[col]) - {""}) if col in self._attrs else []
            out[name] = [(v, v) for v in values]
        out["competitor"] = [(str(n), str(i)) for i, n in self.a.competitor_names().items()]
        order = {lv: i for i, lv in enumerate(TREE_LEVELS)}
        nodes = self._tree_nodes.assign(_o=self._tree_nodes["level"].map(order)).sort_values(["_o", "node_id"])
        out["node"] = [(f"{lv.capitalize()}: {lab}", nid) for nid, lv, lab in zip(nodes["node_id"], nodes["level"], nodes["label"])]
        return out

    def date_bounds(self) -> tuple[dt.date | None, dt.date | None]:
        """Earliest and latest interview date (``None`` when the interviews have no dates)."""
        if self._dates is None:
            return None, None
        d = pd.Series(self._dates).dropna()
        return (d.min().date(), d.max().date()) if len(d) else (None, None)

    # -- selection ----------------------------------------------------------
    def mask(self, f: Filters) -> np.ndarray:
        """Which respondent rows (of :attr:`respondents`) the filters keep."""
        keep = np.ones(len(self.respondents), dtype=bool)
        for name, col in _COLUMN_OF.items():
            values = getattr(f, name)
            if values and col in self._attrs:
                keep &= np.isin(self._attrs[col], np.asarray(values, dtype=object))
        if self._dates is not None and (f.date_from or f.date_to):
            d = self._dates
            if f.date_from:
                keep &= d >= np.datetime64(f.date_from)
            if f.date_to:
                keep &= d < np.datetime64(f.date_to + dt.timedelta(days=1))
        if f.node:  # the respondents who voiced a verbatim in one of the nodes
            pos = self._rows.get(S.VERBATIMS, np.zeros(0, dtype=int))[in_nodes(self._placed, f.node)]
            voiced = np.zeros(len(keep), dtype=bool)
            voiced[pos[pos >= 0]] = True
            keep &= voiced
        return keep

    def subset(self, keep: np.ndarray) -> Assessment:
        """The assessment restricted to the interviews of the respondent rows ``keep``."""
        tables = dict(self.a.tables)
        ids = self._index[keep]
        tables[S.INTERVIEWS] = self.a.interviews[self.a.interviews[S.INTERVIEW_ID].isin(ids).to_numpy(bool)]
        for name, pos in self._rows.items():
            tables[name] = self.a.tables[name][_keep_rows(pos, keep)]
        ratings = self._ratings[self._ratings_rows(keep)] if self._ratings is not None else None
        return _Slice(self.a, tables, self.respondents[keep], ratings, keep)

    def _ratings_rows(self, keep: np.ndarray) -> np.ndarray:
        if not hasattr(self, "_ratings_pos"):
            self._ratings_pos = _positions(self._ratings[S.INTERVIEW_ID], self._index)
        return _keep_rows(self._ratings_pos, keep)

    # -- views --------------------------------------------------------------
    def views(self, f: Filters) -> Views:
        """Every view of the selection ``f``.

        The analyses of a respondent selection are kept for the last few
        selections (:data:`CACHE_SIZE`), so that a change of the competitor
        filter, or a return to an earlier selection, recomputes nothing, and
        a change of the account or location filter reuses the accounts ×
        needs comparison.
        """
        keep = self.mask(f)
        n_resp = int(keep.sum())
        accounts = set(self._attrs[S.ACCOUNT_ID][keep]) - {""} if S.ACCOUNT_ID in self._attrs else set()
        base = replace(f, competitor=())
        scores, gaps, comp, segments = self._memo(("selection", base), lambda: self._selection_views(self.subset(keep), n_resp))
        wide = replace(base, account=(), location=())
        acc_all = self._memo(("accounts", wide), lambda: self._account_view(self.subset(self.mask(wide))))
        acc = acc_all[acc_all[S.ACCOUNT_ID].astype(str).isin(accounts)].reset_index(drop=True) if len(acc_all) else acc_all
        if f.competitor and len(comp):
            comp = comp[comp[S.COMPETITOR_ID].isin(f.competitor)].reset_index(drop=True)
        views = Views(need_scores=scores, gaps=gaps, account_gaps=acc, competitors=comp, segments=segments,
                      verbatims=self._verbatim_view(keep, f.node), n_respondents=n_resp, n_accounts=len(accounts), filters=f,
                      tree=self._tree_view(keep))
        views.notes = self._notes(views, self.a.config)
        return views

    def clear_cache(self) -> None:
        """Forget the kept analyses (the next :meth:`views` computes everything)."""
        self._cache.clear()

    def _memo(self, key: tuple, compute):
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        value = self._cache[key] = compute()
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return value

    def _selection_views(self, sub: Assessment, n_resp: int) -> tuple[pd.DataFrame, ...]:
        scores, gaps = self._need_views(sub, n_resp)
        return scores, gaps, self._competitor_view(sub, gaps), self._segment_view(sub, n_resp)

    def _need_views(self, sub: Assessment, n_resp: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        min_n = self.a.config.gap.min_n
        if self._ratings is None or n_resp == 0:
            return pd.DataFrame(columns=[quantitative.N, THIN]), pd.DataFrame(columns=["n", THIN])
        scores = quantitative.need_scores(sub)
        scores[THIN] = scores[quantitative.N] < min_n
        gaps = gap.need_gaps(sub, respondents=gap.respondent_needs(sub))
        gaps[THIN] = gaps["n"] < min_n
        return scores, gaps

    def _account_view(self, wide: Assessment) -> pd.DataFrame:
        if self._ratings is None or not len(wide.interviews):
            return pd.DataFrame(columns=[S.ACCOUNT_ID, S.NEED_ID, "n", "gap", "significant", THIN])
        out = gap.account_gaps(wide)
        if out.empty:
            return out.assign(**{THIN: pd.Series(dtype=bool)})
        out.insert(1, ACCOUNT_NAME_LABEL, out[S.ACCOUNT_ID].map(self.a.account_names()).fillna(out[S.ACCOUNT_ID]))
        out.insert(3, NEED_LABEL, out[S.NEED_ID].map(self.a.need_names()))
        out[THIN] = out["n"] < self.a.config.gap.min_n
        return out

    def _competitor_view(self, sub: Assessment, gaps: pd.DataFrame) -> pd.DataFrame:
        if self._ratings is None or not self.a.has(S.COMPETITORS) or gaps.empty or not (gaps["n"] > 0).any():
            return pd.DataFrame(columns=[S.NEED_ID, S.COMPETITOR_ID, COMPETITOR_LABEL, "n", "difference", THIN])
        out = gap.competitor_gaps(sub)
        if out.empty:
            return out.assign(**{COMPETITOR_LABEL: pd.Series(dtype=object), THIN: pd.Series(dtype=bool)})
        out.insert(2, COMPETITOR_LABEL, out[S.COMPETITOR_ID].map(self.a.competitor_names()).fillna(out[S.COMPETITOR_ID]))
        out[THIN] = out["n"] < self.a.config.gap.min_n
        return out

    def _segment_view(self, sub: Assessment, n_resp: int) -> pd.DataFrame:
        if not self.a.has(S.LOYALTY) or n_resp == 0:
            return pd.DataFrame(columns=[S.ACCOUNT_ID, ACCOUNT_NAME_LABEL, quantitative.SEGMENT, quantitative.N,
                                         SEGMENT_TOTAL, "share_pct", THIN])
        out = loyalty.segment_shares(sub, respondents=self._loyalty[_keep_rows(self._loyalty_pos, sub.keep)])
        out.insert(1, ACCOUNT_NAME_LABEL, out[S.ACCOUNT_ID].map(self.a.account_names()).fillna(out[S.ACCOUNT_ID]))
        out[THIN] = out[SEGMENT_TOTAL] < self.a.config.quantitative.small_account_interviews
        return out

    def _verbatim_view(self, keep: np.ndarray, node: tuple[str, ...] = ()) -> pd.DataFrame:
        if not len(self.verbatims):
            return self.verbatims.copy()
        rows = _keep_rows(self._rows[S.VERBATIMS], keep)
        if node:
            rows &= in_nodes(self._placed, node)
        return self.verbatims[rows].reset_index(drop=True)

    def _tree_view(self, keep: np.ndarray) -> pd.DataFrame:
        if self._tree_nodes.empty or not len(self.verbatims):
            return pd.DataFrame(columns=list(NODE_COLUMNS))
        rows = _keep_rows(self._rows[S.VERBATIMS], keep)
        negative = self.verbatims[SENTIMENT].to_numpy(object)[rows] == "negative"
        return selection_nodes(self._placed[rows], negative, self._tree_nodes)

    def _notes(self, v: Views, cfg) -> list[str]:
        min_n, small = cfg.gap.min_n, cfg.quantitative.small_account_interviews
        notes: list[str] = []
        if v.n_respondents == 0:
            return ["No interview matches these filters."]
        if v.n_respondents < min_n:
            notes.append(f"{v.n_respondents} respondents: below the minimum of {min_n} (gap.min_n) for testing differences; "
                         f"read every figure as an indication.")
        elif v.n_respondents < small:
            notes.append(f"{v.n_respondents} respondents: below the minimum of {small} interviews "
                         f"(quantitative.small_account_interviews) for a reliable account picture.")
        thin_needs = int(v.gaps[THIN].sum()) if THIN in v.gaps else 0
        if thin_needs:
            notes.append(f"{thin_needs} need(s) rated by fewer than {min_n} respondents (gap.min_n): shown in grey, not tested.")
        thin_acc = v.segments.loc[v.segments[THIN], S.ACCOUNT_ID].nunique() if len(v.segments) else 0
        if thin_acc:
            notes.append(f"{thin_acc} account(s) with fewer than {small} classified respondents "
                         f"(quantitative.small_account_interviews): their segment shares are shown in grey.")
        if v.filters.node:
            labels = dict(zip(self._tree_nodes["node_id"], self._tree_nodes["label"]))
            named = "; ".join(f"“{labels.get(n, n)}”" for n in v.filters.node)
            notes.append(f"Need filter: the {v.n_respondents} respondents who raised {named}; the list shows those "
                         f"{len(v.verbatims)} verbatims, the other views all their answers.")
        if v.filters.competitor and v.competitors.empty:
            notes.append("The selected competitor(s) were not rated by these respondents.")
        return notes

    # -- search and export ----------------------------------------------------
    def search(self, views: Views, query: str) -> pd.DataFrame:
        """Verbatims of ``views`` that contain every word of ``query`` (case-insensitive).

        Returns
        -------
        DataFrame
            The matching rows of ``views.verbatims`` plus ``highlight``: the
            text HTML-escaped with ``<mark>`` around each match. An empty
            query matches every verbatim.
        """
        return search(views.verbatims, query)

    def export(self, views: Views, folder: str | Path) -> list[Path]:
        """Write every view as a CSV into ``folder`` (see :func:`export`)."""
        return export(views, folder)


def _word_pattern(words: list[str]) -> re.Pattern | None:
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)), re.IGNORECASE)


def highlight(text: str, pattern: re.Pattern | None) -> str:
    """``text`` HTML-escaped, each match of ``pattern`` wrapped in ``<mark>`` (matching is on the raw text).

    Examples
    --------
    >>> highlight("Late <b>again</b>", re.compile("late|b", re.I))
    '<mark>Late</mark> &lt;<mark>b</mark>&gt;again&lt;/<mark>b</mark>&gt;'
    """
    if pattern is None:
        return escape_html(text)
    out, at = [], 0
    for m in pattern.finditer(text):
        if m.end() == m.start():
            continue
        out.append(escape_html(text[at:m.start()]))
        out.append("<mark>" + escape_html(m.group(0)) + "</mark>")
        at = m.end()
    out.append(escape_html(text[at:]))
    return "".join(out)


def search(verbatims: pd.DataFrame, query: str) -> pd.DataFrame:
    """Rows of ``verbatims`` whose text holds every word of ``query``, with a ``highlight`` column.

    Examples
    --------
    >>> v = pd.DataFrame({"text": ["Invoice late again", "Good <script>"]})
    >>> search(v, "LATE invoice")["highlight"].tolist()
    ['<mark>Invoice</mark> <mark>late</mark> again']
    >>> search(v, "<script>")["highlight"].tolist()
    ['Good <mark>&lt;script&gt;</mark>']
    """
    words = [w.lower() for w in str(query or "").split()]
    texts = verbatims[S.TEXT].astype(str)
    lower = texts.str.lower()
    keep = np.ones(len(verbatims), dtype=bool)
    for w in words:
        keep &= lower.str.contains(w, regex=False).to_numpy(bool)
    out = verbatims[keep].reset_index(drop=True)
    pattern = _word_pattern(words)
    out[HIGHLIGHT] = [highlight(t, pattern) for t in out[S.TEXT].astype(str)]
    return out


def export(views: Views, folder: str | Path) -> list[Path]:
    """Write every view of ``views`` as a CSV (formula-neutralised cells) into ``folder``.

    Returns
    -------
    list of Path
        The files written, named by :data:`EXPORT_FILES`.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in views.tables().items():
        path = folder / EXPORT_FILES[name]
        neutralize_frame(frame).to_csv(path, index=False)
        written.append(path)
    return written


__all__ = ["EXPORT_FILES", "ExplorerModel", "Filters", "Views", "export", "highlight", "search"]
