"""Build the needs tree: prepared text → vectors → hierarchy → curation → labels, quotes, sentiment, latent needs.

:func:`build_needs_tree` works on any list of verbatims (the ``cra needs-tree``
command); :func:`needs_tree` on an :class:`~cra_helpers.assessment.Assessment`
(the notebook), adding who said what and the rated needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from .. import schema as S
from .backends import get_backend
from .curation import LATENT, NONE, Overrides, Structure, apply, load_overrides
from .errors import NeedsTreeError
from .hierarchy import LEVELS, ClusterSettings, build_hierarchy
from .labels import (NEGATIVE_AT, POSITIVE_AT, SentimentJob, case_map, membership, node_labels, phrase_labels,
                     representative)
from .latent import MATCH_AUTO, MATCH_CURATED, MATCH_UNSURE, REASON_CURATED, match_tertiary, need_texts, wish_flags
from .text import STATUS_OK, count_terms, make_tokenizer, prepare

if TYPE_CHECKING:  # pragma: no cover
    from ..assessment import Assessment
    from ..config import Config, NeedsTree as NeedsTreeSettings

NODE_ID = "node_id"
LEVEL = "level"
PARENT_ID = "parent_id"
LABEL = "label"
COUNT = "verbatims"
SENTIMENT = "sentiment"
SENTIMENT_CLASS = "sentiment_class"
"""Column of the verbatim tables: ``negative`` / ``neutral`` / ``positive`` (``sentiment`` holds the score, −1…1)."""
SHARE_NEGATIVE = "share_negative"
SHARE_POSITIVE = "share_positive"
FIT = "fit"
META_COLUMNS = (S.INTERVIEW_ID, S.ACCOUNT_ID, S.LOCATION_ID, S.LEVEL, S.DEPARTMENT, S.DECISION_ROLE)
"""Who said it: columns joined to every verbatim when the assessment has them."""
PREFIX = {"primary": "P", "secondary": "S", "tertiary": "T"}
WIDTH = {"primary": 2, "secondary": 2, "tertiary": 3}


@dataclass
class NeedsTree:
    """A built (and possibly curated) needs tree.

    Attributes
    ----------
    nodes
        One row per node, primary first then secondary then tertiary, each
        by size: ``node_id, level, parent_id, label`` (a phrase from the node's remarks, or the
        analyst's name), ``auto_label`` (that phrase), ``keywords`` (the most distinctive terms), ``terms,
        verbatims, interviews, accounts, share`` (of placed verbatims),
        ``sentiment`` (mean sentiment score, -1…1, of the method in ``sentiment_method``), ``share_negative``,
        ``share_positive``, ``quote_ids``, ``quotes`` (joined by `` | ``),
        and when rated needs were given ``need_id, need_name, similarity,
        wish_share, latent, match``.
    verbatims
        One row per input verbatim: ``verbatim_id, text, status``, the node
        ids ``primary, secondary, tertiary`` and their ``*_label`` (empty for
        verbatims not placed), ``sentiment`` (score), ``sentiment_class``, ``wish``, ``fit`` (cosine to
        the tertiary centroid), plus who said it when known.
    prep
        Text-preparation report (:meth:`.text.PreparedText.report`).
    choice
        Candidate node counts and their silhouettes (:class:`.hierarchy.Hierarchy`).
    backend
        Backend used (``auto`` resolved).
    seed
        Seed used.
    curation
        What the overrides did, one line each.
    sentiment_method
        How remarks were scored: ``minilm-logreg`` (the sentence model of
        :mod:`cra_helpers.sentiment`, when the backend embeds the texts) or
        ``vader`` (the lexical backend, large batches).
    needs
        The rated needs the nodes were matched against (may be empty).
    """

    nodes: pd.DataFrame
    verbatims: pd.DataFrame
    prep: pd.DataFrame
    choice: pd.DataFrame
    backend: str
    seed: int
    curation: list[str] = field(default_factory=list)
    needs: pd.DataFrame = field(default_factory=pd.DataFrame)
    sentiment_method: str = "vader"

    def level(self, level: str) -> pd.DataFrame:
        """The nodes of one level (``primary``, ``secondary`` or ``tertiary``)."""
        return self.nodes[self.nodes[LEVEL] == level].reset_index(drop=True)

    @property
    def placed(self) -> pd.DataFrame:
        """The verbatims placed in the tree."""
        return self.verbatims[self.verbatims["tertiary"].astype(str) != ""]

    def counts(self) -> dict[str, int]:
        """Number of nodes per level."""
        return {lv: int((self.nodes[LEVEL] == lv).sum()) for lv in LEVELS}

    def assignments(self) -> pd.DataFrame:
        """``verbatim_id, primary, secondary, tertiary``, ``*_label``, ``sentiment`` (negative/neutral/positive)
        and ``sentiment_score`` (−1…1) of every placed verbatim."""
        cols = [S.VERBATIM_ID, *LEVELS, *(f"{lv}_label" for lv in LEVELS)]
        out = self.placed[cols].reset_index(drop=True)
        out["sentiment"] = self.placed[SENTIMENT_CLASS].to_numpy() if SENTIMENT_CLASS in self.placed else ""
        out["sentiment_score"] = self.placed[SENTIMENT].to_numpy()
        return out


def cluster_settings(settings: "NeedsTreeSettings") -> ClusterSettings:
    """The clustering knobs of the ``needs_tree`` configuration section."""
    mx = settings.max_nodes
    return ClusterSettings(
        max_nodes={"tertiary": mx.tertiary, "secondary": mx.secondary, "primary": mx.primary},
        plateau=settings.plateau, silhouette_sample=settings.silhouette_sample, min_node_size=settings.min_node_size,
        exact_max=settings.exact_max, micro_clusters=settings.micro_clusters, refine_iter=settings.refine_iter,
        max_children=settings.max_children,
    )


def _ids(level: str, n: int) -> list[str]:
    return [f"{PREFIX[level]}{i + 1:0{WIDTH[level]}d}" for i in range(n)]


def _automatic_structure(row_ids: list[str], hier) -> Structure:
    """Node ids for the automatic tree: numbered by verbatims, largest first (ties: hierarchy order)."""
    ter = hier.tertiary
    k_t = len(hier.secondary_of_tertiary)
    t_count = np.bincount(ter, minlength=k_t)
    s_count = np.bincount(hier.secondary_of_tertiary, weights=t_count)
    p_count = np.bincount(hier.primary_of_secondary, weights=s_count)

    def order(counts: np.ndarray) -> np.ndarray:
        rank = np.empty(len(counts), dtype=np.int64)
        rank[np.lexsort((np.arange(len(counts)), -counts))] = np.arange(len(counts))
        return rank

    rt, rs, rp = order(t_count), order(s_count), order(p_count)
    tid, sid, pid = _ids("tertiary", k_t), _ids("secondary", len(s_count)), _ids("primary", len(p_count))
    parent = {tid[rt[t]]: sid[rs[s]] for t, s in enumerate(hier.secondary_of_tertiary)}
    parent.update({sid[rs[s]]: pid[rp[p]] for s, p in enumerate(hier.primary_of_secondary)})
    return Structure(row_ids=list(row_ids), row_tertiary=[tid[rt[t]] for t in ter], parent=parent)


def _unit_sentiment(units: list[str], vader_job: SentimentJob | None) -> tuple[np.ndarray, np.ndarray, str]:
    """Score (−1…1), class and method of each distinct text (see :mod:`cra_helpers.sentiment`).

    The sentence model reads the layer features the tree's embedding pass
    cached beside its vectors, so nothing is embedded twice while the
    embedding cache is on.
    """
    from .. import sentiment as sent

    if vader_job is None:
        # float32: the tree's own forward pass, and the same classes on every CPU.
        df = sent.classify(units, method=sent.METHOD_EMBEDDING, precision="float32")
        return df["sentiment_score"].to_numpy(float), df["sentiment"].to_numpy(object), sent.METHOD_EMBEDDING
    scores = vader_job.result()
    classes = np.where(scores <= NEGATIVE_AT, "negative", np.where(scores >= POSITIVE_AT, "positive", "neutral")).astype(object)
    return scores, classes, sent.METHOD_VADER


def build_needs_tree(ids: Sequence[object], texts: Sequence[object], settings: "NeedsTreeSettings", *,
                     backend: str | None = None, levels: dict[str, int | None] | None = None, seed: int | None = None,
                     meta: pd.DataFrame | None = None, needs: pd.DataFrame | None = None,
                     overrides: Overrides | None = None, vectors: np.ndarray | None = None) -> NeedsTree:
    """Build the needs tree of a list of verbatims.

    Parameters
    ----------
    ids, texts
        Verbatim ids (unique) and texts, same length.
    settings
        The ``needs_tree`` configuration section.
    backend
        ``auto``, ``lexical``, ``embedding`` or ``hybrid`` (default: settings).
    levels
        Node counts ``{"primary": n, "secondary": n, "tertiary": n}``; a missing or ``None`` entry falls back
        to the settings, then to the automatic choice.
    seed
        Seed (default: settings).
    meta
        Who said each verbatim: indexed by verbatim id, any of ``interview_id, account_id, location_id, level,
        department, decision_role`` (used for counts and saturation).
    needs
        Rated needs (``need_id, name, description``) to match nodes with.
    overrides
        Curation (:func:`.curation.load_overrides`).
    vectors
        Precomputed vectors of the distinct texts (as returned in a previous tree's ``vectors`` attribute), to
        skip the representation; they must come from the same texts, backend and seed.

    Returns
    -------
    NeedsTree

    Raises
    ------
    NeedsTreeError
        When no verbatim has text, or the overrides do not fit the tree.
    """
    seed = settings.seed if seed is None else int(seed)
    prep, placed = _prepare(ids, texts, settings)
    rep = _represent(prep.unique_texts, settings, backend, seed, vectors)
    x = rep.vectors[prep.frame.loc[placed, "unit"].to_numpy()]
    hier = _hierarchy(x, settings, levels, seed)
    ov = overrides or Overrides()
    structure = _structure(prep.frame.loc[placed, S.VERBATIM_ID].tolist(), hier, ov)
    rows = _row_facts(prep, placed, rep, structure, settings, meta)
    return _assemble(prep, placed, rep, hier, structure, rows, settings, seed=seed, meta=meta, needs=needs, ov=ov)


@dataclass
class _Representation:
    """The backend, tokenizer, term counts and vectors of the distinct texts, and the sentiment work begun beside."""

    backend: Any
    tokenizer: Any
    counts: Any
    vectors: np.ndarray
    encoder: Any
    sentiment_job: SentimentJob | None


@dataclass
class _Rows:
    """Facts of each placed verbatim (one entry per row, in input order)."""

    ids: list[str]
    text: list[str]
    x: np.ndarray
    sentiment: np.ndarray
    tone: np.ndarray
    wish: np.ndarray
    terms: Any
    eligible: np.ndarray
    meta: pd.DataFrame | None
    by_level: dict[str, np.ndarray]
    sentiment_method: str
    case: dict[str, str]
    """Usual written form of the words customers capitalise (``labels.case_map`` of ``text``), for every level's labels."""


def _prepare(ids: Sequence[object], texts: Sequence[object], settings: "NeedsTreeSettings"):
    """The prepared text and the mask of verbatims to place; none to place is a :class:`NeedsTreeError`."""
    st = settings.text
    prep = prepare(ids, texts, min_words=st.min_words, placeholders=st.placeholders)
    placed = (prep.frame["unit"] >= 0).to_numpy()
    if not placed.any():
        raise NeedsTreeError(f"none of the {len(prep.frame)} verbatims has text to analyse (all empty or placeholders)")
    return prep, placed


def _represent(units: list[str], settings: "NeedsTreeSettings", backend: str | None, seed: int,
               vectors: np.ndarray | None) -> _Representation:
    """Choose the backend, start the VADER sentiment when it needs it, count terms and embed the distinct texts."""
    be = get_backend(settings, backend, n_texts=len(units))
    # Sentiment: the sentence model when this tree embeds the texts anyway (its vectors come from the
    # embedding cache); VADER beside the clustering, in worker processes when large, for the lexical backend.
    uses_embeddings = be.name in ("embedding", "hybrid")
    sentiment_job = None if uses_embeddings else SentimentJob(units)
    tok = make_tokenizer(settings.text.keep_words, settings.text.extra_stop_words, ngram_max=2)
    counts = count_terms(units, tok)
    encoder = None
    if vectors is None or len(vectors) != len(units):
        vectors, encoder = be.fit(units, seed, counts=counts)
    return _Representation(be, tok, counts, vectors, encoder, sentiment_job)


def _hierarchy(x: np.ndarray, settings: "NeedsTreeSettings", levels: dict[str, int | None] | None, seed: int):
    """The clustered hierarchy, node counts from ``levels``, then the settings, then the automatic choice."""
    lv = {k: (levels or {}).get(k) for k in LEVELS}
    for k in LEVELS:
        if lv[k] is None:
            lv[k] = getattr(settings.levels, k)
    return build_hierarchy(x, cluster_settings(settings), seed=seed, tertiary=lv["tertiary"],
                           secondary=lv["secondary"], primary=lv["primary"])


def _structure(row_ids: list[str], hier, ov: Overrides) -> Structure:
    """The automatic tree's node ids, curated by the overrides."""
    structure = _automatic_structure(row_ids, hier)
    return structure if ov.empty else apply(structure, ov)


def _row_facts(prep, placed: np.ndarray, rep: _Representation, structure: Structure, settings: "NeedsTreeSettings",
               meta: pd.DataFrame | None) -> _Rows:
    """Text, vector, sentiment, wish, terms, status and nodes of each placed verbatim."""
    frame, units = prep.frame, prep.unique_texts
    unit = frame.loc[placed, "unit"].to_numpy()
    row_ids = frame.loc[placed, S.VERBATIM_ID].tolist()
    unit_sent, unit_class, sentiment_method = _unit_sentiment(units, rep.sentiment_job)
    wish_unit = wish_flags(units, settings.latent.wish_patterns)
    status = frame.loc[placed, "status"].to_numpy()
    meta_rows = None
    if meta is not None and len(meta):
        meta_rows = meta.reindex(pd.Index(row_ids, name=S.VERBATIM_ID))
    ter = np.asarray(structure.row_tertiary, dtype=object)
    by_level = {"tertiary": ter}
    by_level["secondary"] = np.asarray([structure.parent[t] for t in ter], dtype=object)
    by_level["primary"] = np.asarray([structure.parent[s] for s in by_level["secondary"]], dtype=object)
    text = frame.loc[placed, S.TEXT].tolist()
    return _Rows(ids=row_ids, text=text, x=rep.vectors[unit], sentiment=unit_sent[unit],
                 tone=unit_class[unit], wish=wish_unit[unit], terms=rep.counts.terms[unit], eligible=status == STATUS_OK,
                 meta=meta_rows, by_level=by_level, sentiment_method=sentiment_method, case=case_map(text))


def _assemble(prep, placed: np.ndarray, rep: _Representation, hier, structure: Structure, rows: _Rows,
              settings: "NeedsTreeSettings", *, seed: int, meta: pd.DataFrame | None, needs: pd.DataFrame | None,
              ov: Overrides) -> NeedsTree:
    """The tree: its nodes (matched with the rated needs when given) and its verbatim table."""
    label_of: dict[str, str] = {}
    centroid_of: dict[str, np.ndarray] = {}
    node_rows: list[dict[str, Any]] = []
    fit = np.zeros(len(rows.ids))
    for level in LEVELS:
        lvl_rows, lvl_fit = _level_nodes(level, rows, structure, rep, settings, label_of, centroid_of)
        node_rows.extend(lvl_rows)
        if level == "tertiary":
            fit = lvl_fit
    nodes = _order_nodes(pd.DataFrame(node_rows))
    needs_df = pd.DataFrame(columns=[S.NEED_ID, S.NEED_NAME]) if needs is None else needs.reset_index(drop=True)
    if needs is not None:
        nodes = _match(nodes, needs_df, centroid_of, rep.encoder, rep.backend, prep.unique_texts, seed, settings, ov)
    verb = _verbatim_table(prep.frame, placed, rows, label_of, fit, meta)
    tree = NeedsTree(nodes=nodes, verbatims=verb, prep=prep.report(), choice=hier.choice,
                     backend=rep.backend.name, seed=seed, curation=list(structure.log), needs=needs_df,
                     sentiment_method=rows.sentiment_method)
    tree.vectors = rep.vectors  # type: ignore[attr-defined]  # reuse in a rerun (same texts, backend, seed)
    return tree


def _level_nodes(level: str, rows: _Rows, structure: Structure, rep: _Representation, settings: "NeedsTreeSettings",
                 label_of: dict[str, str], centroid_of: dict[str, np.ndarray]) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The node rows of one level (by size, then id) and each verbatim's fit to its node; fills the label and centroid maps."""
    codes_ids = rows.by_level[level]
    uniq, first, cnt = np.unique(codes_ids, return_index=True, return_counts=True)
    order = np.lexsort((uniq, -cnt))  # by size, then id
    node_list = [str(u) for u in uniq[order]]
    code = pd.Index(node_list).get_indexer(codes_ids)
    k = len(node_list)
    keyword_labels, terms = node_labels(code, k, rows.terms, rep.counts, n_terms=settings.label_terms)
    lvl_fit, quotes = representative(rows.x, code, k, rows.eligible, settings.quotes_per_node, rows.text)
    sent_mean = np.bincount(code, weights=rows.sentiment, minlength=k) / np.maximum(np.bincount(code, minlength=k), 1)
    auto_labels = phrase_labels(code, k, rows.terms, rep.counts, rows.text, lvl_fit, rep.tokenizer, keyword_labels,
                                tone=rows.tone, node_sentiment=sent_mean, case=rows.case)
    sums = np.asarray(membership(code, k).T @ rows.x, dtype=np.float64)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    cents = sums / np.where(norms > 0, norms, 1.0)
    neg = np.bincount(code, weights=(rows.tone == "negative").astype(float), minlength=k)
    pos = np.bincount(code, weights=(rows.tone == "positive").astype(float), minlength=k)
    wishes = np.bincount(code, weights=rows.wish.astype(float), minlength=k)
    size = np.bincount(code, minlength=k).astype(float)
    out = []
    for c, nid in enumerate(node_list):
        centroid_of[nid] = cents[c]
        label = structure.names.get(nid, auto_labels[c])
        label_of[nid] = label
        row: dict[str, Any] = {
            NODE_ID: nid, LEVEL: level,
            PARENT_ID: structure.parent.get(nid, "") if level != "primary" else "",
            LABEL: label, "auto_label": auto_labels[c], "keywords": keyword_labels[c], "terms": ", ".join(terms[c]),
            COUNT: int(size[c]), "share": size[c] / len(codes_ids),
            SENTIMENT: sent_mean[c], SHARE_NEGATIVE: neg[c] / size[c], SHARE_POSITIVE: pos[c] / size[c],
            "wishes": int(wishes[c]),
            "quote_ids": " | ".join(rows.ids[i] for i in quotes[c]),
            "quotes": " | ".join(rows.text[i] for i in quotes[c]),
            "renamed": nid in structure.names,
        }
        if rows.meta is not None:
            members = code == c
            for col, name in ((S.INTERVIEW_ID, "interviews"), (S.ACCOUNT_ID, "accounts")):
                if col in rows.meta:
                    row[name] = int(rows.meta.loc[members, col].nunique())
        out.append(row)
    return out, lvl_fit


def _verbatim_table(frame: pd.DataFrame, placed: np.ndarray, rows: _Rows, label_of: dict[str, str], fit: np.ndarray,
                    meta: pd.DataFrame | None) -> pd.DataFrame:
    """Every input verbatim with its status, nodes and labels, sentiment, wish and fit (empty where not placed)."""
    verb = frame[[S.VERBATIM_ID, S.TEXT, "status", "words", "duplicate_of"]].copy()
    for level in LEVELS:
        col = np.full(len(frame), "", dtype=object)
        col[placed] = rows.by_level[level]
        verb[level] = col
        verb[f"{level}_label"] = [label_of.get(v, "") for v in col]
    for name, values, empty, dtype in ((SENTIMENT, rows.sentiment, np.nan, float), (SENTIMENT_CLASS, rows.tone, "", object),
                                       ("wish", rows.wish, False, bool), (FIT, fit, np.nan, float)):
        full = np.full(len(frame), empty, dtype=dtype)
        full[placed] = values
        verb[name] = full
    if meta is not None and len(meta):
        extra = meta.reindex(pd.Index(verb[S.VERBATIM_ID], name=S.VERBATIM_ID)).reset_index(drop=True)
        for col in extra.columns:
            if col not in verb:
                verb[col] = extra[col].to_numpy()
    return verb


def _order_nodes(nodes: pd.DataFrame) -> pd.DataFrame:
    rank = {lv: i for i, lv in enumerate(LEVELS)}
    out = nodes.assign(_l=nodes[LEVEL].map(rank)).sort_values(["_l", COUNT, NODE_ID], ascending=[True, False, True], kind="stable")
    return out.drop(columns="_l").reset_index(drop=True)


def _match(nodes: pd.DataFrame, needs: pd.DataFrame, centroid_of: dict[str, np.ndarray], encoder, be, units,
           seed: int, settings: "NeedsTreeSettings", ov: Overrides) -> pd.DataFrame:
    """Add ``need_id, need_name, similarity, wish_share, latent, match`` to the nodes."""
    need_ids = needs[S.NEED_ID].astype(str).tolist()
    names = dict(zip(need_ids, needs[S.NEED_NAME].astype(str)))
    out = _automatic_match(nodes, needs, need_ids, centroid_of, encoder, be, units, seed, settings)
    parent = dict(zip(out[NODE_ID], out[PARENT_ID]))
    _curated_match(out, ov, names, parent)
    _match_upper_levels(out, ov, parent)
    out["latent"] = out["latent"].astype(bool)
    out["need_name"] = out["need_id"].map(names)
    return out


def _automatic_match(nodes: pd.DataFrame, needs: pd.DataFrame, need_ids: list[str], centroid_of: dict[str, np.ndarray],
                     encoder, be, units, seed: int, settings: "NeedsTreeSettings") -> pd.DataFrame:
    """The nodes with the match columns; each tertiary node matched to its closest rated need, or latent."""
    lat = settings.latent
    if encoder is None:  # vectors were given: refit to project the needs in the same space
        _, encoder = be.fit(units, seed)
    need_vec = encoder.transform(need_texts(needs)) if need_ids else np.zeros((0, 1))
    out = nodes.copy()
    ter = out[out[LEVEL] == "tertiary"]
    cents = np.vstack([centroid_of[n] for n in ter[NODE_ID]]).astype(np.float32)
    share = (ter["wishes"] / ter[COUNT]).to_numpy(float)
    m = match_tertiary(cents, need_vec, need_ids, share, lat.min_similarity, lat.strong_similarity, lat.wish_share,
                       lat.match_similarity)
    m.index = ter.index
    out["need_id"] = None
    out["similarity"] = np.nan
    out["wish_share"] = out["wishes"] / out[COUNT]
    out["latent"] = False
    out["latent_reason"] = ""
    out["closest_need"] = None
    out["match"] = MATCH_AUTO
    out.loc[ter.index, "need_id"] = np.where(m["latent"] | m["unsure"], None, m["closest_need"])
    out.loc[ter.index[m["unsure"].to_numpy()], "match"] = MATCH_UNSURE
    out.loc[ter.index, "closest_need"] = m["closest_need"]
    out.loc[ter.index, "similarity"] = m["similarity"]
    out.loc[ter.index, "latent"] = m["latent"]
    out.loc[ter.index, "latent_reason"] = m["latent_reason"]
    return out


def _ancestors(node: str, parent: dict[str, str]) -> list[str]:
    """The parent, grandparent … of ``node``."""
    chain = []
    while parent.get(node):
        node = parent[node]
        chain.append(node)
    return chain


def _set_match(out: pd.DataFrame, i, value: str) -> None:
    """Give node row ``i`` the analyst's match (a need id, ``latent`` or ``none``)."""
    out.at[i, "latent"] = value == LATENT
    out.at[i, "latent_reason"] = REASON_CURATED if value == LATENT else ""
    out.at[i, "need_id"] = None if value in (LATENT, NONE) else value
    out.at[i, "match"] = MATCH_CURATED


def _curated_match(out: pd.DataFrame, ov: Overrides, names: dict[str, str], parent: dict[str, str]) -> None:
    """The analyst's matches of tertiary nodes (or of a node above them), top level first so the most specific wins."""
    curated: dict[str, str] = {}
    for nid in out.loc[out[LEVEL] == "tertiary", NODE_ID]:
        for anc in [*reversed(_ancestors(nid, parent)), nid]:
            if anc in ov.match:
                curated[nid] = ov.match[anc]
    unknown = sorted({v for v in ov.match.values() if v not in (LATENT, NONE) and v not in names})
    if unknown:
        raise NeedsTreeError(f"{ov.source}: match names need id(s) {', '.join(unknown)} that the needs table does not have")
    for nid, value in curated.items():
        _set_match(out, out.index[out[NODE_ID] == nid][0], value)


def _match_upper_levels(out: pd.DataFrame, ov: Overrides, parent: dict[str, str]) -> None:
    """Secondary and primary nodes: latent when every tertiary below is; else the need covering most verbatims
    (unsure matches cover none)."""
    tert = out[out[LEVEL] == "tertiary"]
    for level in ("secondary", "primary"):
        for i, row in out[out[LEVEL] == level].iterrows():
            below = tert[[row[NODE_ID] in _ancestors(n, parent) for n in tert[NODE_ID]]]
            if row[NODE_ID] in ov.match:
                _set_match(out, i, ov.match[row[NODE_ID]])
                continue
            covered = below[~below["latent"].astype(bool) & below["need_id"].notna()]
            latent_below = below[below["latent"].astype(bool)]
            out.at[i, "latent"] = len(latent_below) == len(below) > 0  # an unsure or curated-none node below is not latent
            if out.at[i, "latent"]:
                reasons = sorted(set(latent_below["latent_reason"]))
                out.at[i, "latent_reason"] = reasons[0] if len(reasons) == 1 else "; ".join(reasons)
            if not covered.empty:
                out.at[i, "need_id"] = covered.groupby("need_id")[COUNT].sum().sort_index().idxmax()
            out.at[i, "similarity"] = float(np.average(below["similarity"], weights=below[COUNT])) if len(below) else np.nan


def needs_tree(
    a: "Assessment",
    config: "Config | None" = None,
    *,
    account: str | None = None,
    overrides: str | Path | Overrides | None = None,
    backend: str | None = None,
    levels: dict[str, int | None] | None = None,
    vectors: np.ndarray | None = None,
) -> NeedsTree:
    """The needs tree of an assessment's verbatims, with who said what and the rated needs.

    Parameters
    ----------
    a
        A validated assessment with a ``verbatims`` table.
    config
        Configuration (default: the assessment's).
    account
        Restrict to one account's verbatims.
    overrides
        Curation file or parsed overrides (default: ``needs_tree.overrides``
        of the configuration, resolved against the client configuration file).
    backend, levels, vectors
        As in :func:`build_needs_tree`.

    Returns
    -------
    NeedsTree
    """
    cfg = config or a.config
    a.require(S.VERBATIMS, step="needs tree")
    if account:
        a = a.filter(accounts=account)
    v = a.verbatims
    meta = v[[S.VERBATIM_ID, S.INTERVIEW_ID]].copy()
    if a.has(S.INTERVIEWS, S.CONTACTS):
        resp = a.respondents()
        cols = [c for c in META_COLUMNS if c in resp.columns]
        meta = meta.merge(resp[cols], on=S.INTERVIEW_ID, how="left")
    meta = meta.astype({c: "object" for c in meta.columns}).set_index(S.VERBATIM_ID)
    ov = overrides if isinstance(overrides, Overrides) else load_overrides(resolve_overrides_path(cfg, overrides))
    return build_needs_tree(
        v[S.VERBATIM_ID].tolist(), v[S.TEXT].tolist(), cfg.needs_tree, backend=backend, levels=levels,
        meta=meta, needs=a.needs if a.has(S.NEEDS) else None, overrides=ov, vectors=vectors,
    )


def resolve_overrides_path(config: "Config", path: str | Path | None = None) -> Path | None:
    """The curation file to use: ``path`` if given, else ``needs_tree.overrides`` (relative to the client file)."""
    if path:
        return Path(path)
    raw = config.needs_tree.overrides
    if not raw:
        return None
    p = Path(raw).expanduser()
    if p.is_absolute():
        return p
    client_files = [Path(s) for s in config.source if s != "package defaults"]
    return (client_files[-1].parent / p) if client_files else p
