"""The needs tree inside the explorer: which node each verbatim sits in, and the tree of a selection.

The explorer places every verbatim with the needs tree built once per load
(:func:`cra_helpers.needs_tree.needs_tree`); a filter change only recounts
the nodes over the selected respondents' verbatims. Clicking a node filters
the explorer to the respondents who voiced it (``Filters.node``), and the
verbatim list to that node's verbatims.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema as S

TREE_LEVELS: tuple[str, ...] = ("primary", "secondary", "tertiary")
"""Levels of the needs tree, top down (as :data:`cra_helpers.needs_tree.LEVELS`)."""
SCORE = "sentiment_score"
"""Column of a verbatim's sentiment score (−1…1; NaN when the tree gave none)."""
NODE_COLUMNS: tuple[str, ...] = ("node_id", "level", "parent_id", "label", "verbatims", "sentiment", "share_negative")
"""Columns of :func:`selection_nodes` (those :func:`cra_helpers.figures.needs_tree.tree_sunburst` reads)."""


def verbatim_nodes(tree: object | None, verbatim_ids: pd.Series) -> pd.DataFrame:
    """The node of each verbatim at every level, and its sentiment score, aligned with ``verbatim_ids``.

    Parameters
    ----------
    tree
        A :class:`~cra_helpers.needs_tree.NeedsTree` (its ``verbatims`` hold
        one column per level and ``sentiment``, the score), or ``None``.
    verbatim_ids
        The explorer's verbatim ids, in its row order.

    Returns
    -------
    DataFrame
        ``primary, secondary, tertiary`` (node ids; empty text where the tree
        placed no node) and ``sentiment_score`` (−1…1, NaN when unknown); all
        empty without a tree.
    """
    ids = verbatim_ids.astype(str)
    out = pd.DataFrame({lv: np.full(len(ids), "", dtype=object) for lv in TREE_LEVELS})
    out[SCORE] = np.nan
    tv = getattr(tree, "verbatims", None)
    if not isinstance(tv, pd.DataFrame) or S.VERBATIM_ID not in tv:
        return out
    tv = tv.drop_duplicates(S.VERBATIM_ID).set_index(tv[S.VERBATIM_ID].drop_duplicates().astype(str))
    for lv in TREE_LEVELS:
        if lv in tv:
            out[lv] = ids.map(tv[lv]).fillna("").astype(str).to_numpy(object)
    if "sentiment" in tv:
        out[SCORE] = pd.to_numeric(ids.map(tv["sentiment"]), errors="coerce").to_numpy(float)
    return out


def tree_nodes(tree: object | None) -> pd.DataFrame:
    """``node_id, level, parent_id, label`` of every node of ``tree`` (empty without a tree)."""
    n = getattr(tree, "nodes", None)
    if not isinstance(n, pd.DataFrame) or n.empty:
        return pd.DataFrame(columns=["node_id", "level", "parent_id", "label"])
    out = n[["node_id", "level", "parent_id", "label"]].copy()
    out["node_id"] = out["node_id"].astype(str)
    out["parent_id"] = out["parent_id"].where(out["parent_id"].notna(), "").astype(str)
    return out.reset_index(drop=True)


def in_nodes(nodes: pd.DataFrame, wanted: tuple[str, ...]) -> np.ndarray:
    """Which rows of a :func:`verbatim_nodes` frame sit in any of the ``wanted`` nodes (at any level)."""
    hit = np.zeros(len(nodes), dtype=bool)
    for lv in TREE_LEVELS:
        hit |= nodes[lv].isin(wanted).to_numpy(bool)
    return hit


def selection_nodes(placed: pd.DataFrame, negative: np.ndarray, nodes: pd.DataFrame) -> pd.DataFrame:
    """The needs tree recounted over some verbatims: mentions, mean sentiment and share negative per node.

    Parameters
    ----------
    placed
        Rows of :func:`verbatim_nodes` (the selection's verbatims).
    negative
        Whether each of those verbatims reads negative (as the verbatim list says).
    nodes
        :func:`tree_nodes`.

    Returns
    -------
    DataFrame
        :data:`NODE_COLUMNS` for every node with at least one verbatim in the
        selection: ``verbatims`` (count), ``sentiment`` (mean score, −1…1),
        ``share_negative`` (0–1). A parent counts every verbatim of its
        children, so the sunburst's "total" sizing holds.
    """
    rows = []
    for lv in TREE_LEVELS:
        frame = pd.DataFrame({"node_id": placed[lv].to_numpy(object), "score": placed[SCORE].to_numpy(float),
                              "neg": np.asarray(negative, dtype=float)})
        frame = frame[frame["node_id"] != ""]
        if frame.empty:
            continue
        g = frame.groupby("node_id", sort=True).agg(verbatims=("neg", "size"), sentiment=("score", "mean"),
                                                   share_negative=("neg", "mean"))
        rows.append(g.reset_index())
    if not rows:
        return pd.DataFrame(columns=list(NODE_COLUMNS))
    counts = pd.concat(rows, ignore_index=True)
    out = nodes.merge(counts, on="node_id", how="inner")
    out["sentiment"] = out["sentiment"].fillna(0.0)
    return out[list(NODE_COLUMNS)].reset_index(drop=True)
