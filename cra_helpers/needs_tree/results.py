"""Result tables of a needs tree: for the report, the CSV files and other analyses (GAP, actions).

Every function takes a :class:`~.tree.NeedsTree` and returns a tidy DataFrame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema as S
from ..safe import FORMULA_PREFIXES
from .hierarchy import LEVELS
from .labels import NEGATIVE_AT, POSITIVE_AT
from .latent import MATCH_UNSURE, REASON_ASKED
from .saturation import SCOPE, saturation
from .text import distinct_texts
from .tree import COUNT, LABEL, LEVEL, NODE_ID, PARENT_ID, SENTIMENT, SHARE_NEGATIVE, NeedsTree

BREAKDOWN_DIMENSIONS: tuple[str, ...] = (S.ACCOUNT_ID, S.LOCATION_ID, S.LEVEL, S.DEPARTMENT, S.DECISION_ROLE)
"""Who-said-it dimensions of :func:`breakdown`."""


def node_table(tree: NeedsTree) -> pd.DataFrame:
    """One row per node (``tables/needs_tree_nodes.csv``).

    Returns
    -------
    DataFrame
        ``node_id, level, parent_id, label, verbatims, share`` (of placed
        verbatims, 0–1), ``interviews, accounts`` (when known),
        ``sentiment`` (mean VADER compound, -1…1), ``share_negative``,
        ``share_positive``, ``wish_share``, ``need_id, need_name,
        similarity, latent, match`` (when rated needs were given),
        ``auto_label`` (phrase), ``keywords``, ``terms, quote_ids, quotes``.
    """
    n = tree.nodes
    first = [NODE_ID, LEVEL, PARENT_ID, LABEL, COUNT, "share", "interviews", "accounts", SENTIMENT,
             SHARE_NEGATIVE, "share_positive", "wish_share", "need_id", "need_name", "similarity", "latent", "match",
             "auto_label", "keywords", "terms", "quote_ids", "quotes"]
    out = n.copy()
    if "wish_share" not in out:
        out["wish_share"] = out["wishes"] / out[COUNT]
    return out[[c for c in first if c in out.columns]]


def verbatim_table(tree: NeedsTree) -> pd.DataFrame:
    """One row per verbatim (``tables/verbatim_needs.csv``): status, nodes, labels, ``sentiment`` (class) and
    ``sentiment_score`` (−1…1), fit, who said it."""
    v = public_sentiment(tree.verbatims)
    first = [S.VERBATIM_ID, *[c for c in (S.INTERVIEW_ID, S.ACCOUNT_ID) if c in v], "status", *LEVELS,
             *(f"{lv}_label" for lv in LEVELS), SENTIMENT, "sentiment_score", "wish", "fit", "duplicate_of", S.TEXT]
    rest = [c for c in v.columns if c not in first and c != "words"]
    return v[[c for c in first if c in v] + rest].reset_index(drop=True)


def public_sentiment(verbatims: pd.DataFrame) -> pd.DataFrame:
    """Verbatims with ``sentiment`` as the class (negative/neutral/positive) and ``sentiment_score`` (−1…1) beside it.

    Inside the tree ``sentiment`` holds the score and ``sentiment_class`` the
    class; the tables people read name them as the ``cra needs-tree`` output does.
    """
    out = verbatims.rename(columns={SENTIMENT: "sentiment_score"})
    if "sentiment_class" in out:
        out = out.rename(columns={"sentiment_class": SENTIMENT})
    return out


def _who(rows: pd.DataFrame, col: str, top: int = 6) -> str:
    if col not in rows or rows[col].isna().all():
        return ""
    counts = rows[col].dropna().astype(str).value_counts()
    parts = [f"{k} ({v})" for k, v in counts.head(top).items()]
    return ", ".join(parts) + (f", +{len(counts) - top} more" if len(counts) > top else "")


def latent_needs(tree: NeedsTree) -> pd.DataFrame:
    """Latent needs: the highest nodes whose every tertiary node no rated need covers (``tables/latent_needs.csv``).

    Nodes customers ask for (``reason`` "asked for") come first, then nodes
    far from every rated need ("no close rated need": new topics, or small
    talk to mark with ``match: none``).

    Returns
    -------
    DataFrame
        ``node_id, level, label, parent_label, verbatims, interviews,
        accounts`` (counts), ``wish_share``, ``sentiment``, ``closest_need``
        and its ``similarity``, who raised it (``raised_by_account``,
        ``raised_by_level``, ``raised_by_department``, ``raised_by_role``:
        value (verbatims) lists), ``quote_ids, quotes``; largest first.
        Empty (with these columns) when nothing is latent or no rated needs
        were given.
    """
    cols = ["node_id", "level", "label", "parent_label", "reason", "verbatims", "interviews", "accounts", "wish_share",
            "sentiment", "closest_need", "similarity", "raised_by_account", "raised_by_level",
            "raised_by_department", "raised_by_role", "quote_ids", "quotes"]
    n = tree.nodes
    if "latent" not in n or not n["latent"].any():
        return pd.DataFrame(columns=cols)
    lat = n[n["latent"]]
    parent = dict(zip(n[NODE_ID], n[PARENT_ID]))
    latent_ids = set(lat[NODE_ID])
    top = lat[[parent.get(x, "") not in latent_ids for x in lat[NODE_ID]]]
    label = dict(zip(n[NODE_ID], n[LABEL]))
    v = tree.placed
    rows = []
    for _, r in top.iterrows():
        members = v[v[r[LEVEL]] == r[NODE_ID]]
        tert = n[(n[LEVEL] == "tertiary") & n[NODE_ID].isin(members["tertiary"].unique())]
        closest = tert.sort_values("similarity", ascending=False).head(1)
        rows.append({
            "node_id": r[NODE_ID], "level": r[LEVEL], "label": r[LABEL], "parent_label": label.get(parent.get(r[NODE_ID], ""), ""),
            "reason": r.get("latent_reason", ""),
            "verbatims": int(r[COUNT]),
            "interviews": int(members[S.INTERVIEW_ID].nunique()) if S.INTERVIEW_ID in members else np.nan,
            "accounts": int(members[S.ACCOUNT_ID].nunique()) if S.ACCOUNT_ID in members else np.nan,
            "wish_share": float(members["wish"].mean()), "sentiment": float(members[SENTIMENT].mean()),
            "closest_need": _closest_need(tree, tert), "similarity": float(closest["similarity"].iloc[0]) if len(closest) else np.nan,
            "raised_by_account": _who(members, S.ACCOUNT_ID), "raised_by_level": _who(members, S.LEVEL),
            "raised_by_department": _who(members, S.DEPARTMENT), "raised_by_role": _who(members, S.DECISION_ROLE),
            "quote_ids": r["quote_ids"], "quotes": r["quotes"],
        })
    out = pd.DataFrame(rows, columns=cols)
    out["_asked"] = out["reason"].astype(str).str.contains(REASON_ASKED, regex=False)
    out = out.sort_values(["_asked", "verbatims"], ascending=[False, False], kind="stable")
    return out.drop(columns="_asked").reset_index(drop=True)


def _closest_need(tree: NeedsTree, tert: pd.DataFrame) -> str:
    """Name of the rated need closest in wording to a latent group (for the analyst's judgement)."""
    if tert.empty or tree.needs.empty or "similarity" not in tert:
        return ""
    # The closest need of each tertiary node was computed before it was declared latent.
    best = tert.sort_values("similarity", ascending=False).iloc[0]
    nid = best.get("closest_need") if "closest_need" in best else None
    return _need_names(tree).get(str(nid), "") if nid else ""


def _need_names(tree: NeedsTree) -> dict[str, str]:
    """Name of each rated need of the tree by id (as text)."""
    return dict(zip(tree.needs[S.NEED_ID].astype(str), tree.needs[S.NEED_NAME].astype(str))) if len(tree.needs) else {}


def unsure_matches(tree: NeedsTree) -> pd.DataFrame:
    """Tertiary nodes matched to no rated need because even the closest one is too far to be sure.

    A node is unsure when it is not latent and its closest rated need is below
    ``needs_tree.latent.match_similarity`` (cosine; :mod:`.latent`). Its
    remarks are counted and quoted beside no rated need until the analyst
    confirms or corrects the match (``match: <need id>`` or ``match: none`` in
    the curation file).

    Returns
    -------
    DataFrame
        ``node_id, label, verbatims, closest_need`` (name), ``similarity``
        (cosine, −1…1), ``quote`` (the node's first quote); largest first.
        Empty (with these columns) when every match is sure.
    """
    cols = ["node_id", "label", "verbatims", "closest_need", "similarity", "quote"]
    n = tree.nodes
    if "match" not in n:
        return pd.DataFrame(columns=cols)
    rows = n[(n[LEVEL] == "tertiary") & (n["match"] == MATCH_UNSURE)]
    names = _need_names(tree)
    out = pd.DataFrame({"node_id": rows[NODE_ID], "label": rows[LABEL], "verbatims": rows[COUNT].astype(int),
                        "closest_need": rows["closest_need"].astype(str).map(names).fillna(""),
                        "similarity": rows["similarity"].astype(float),
                        "quote": rows["quotes"].fillna("").astype(str).str.split(" | ", regex=False).str[0]}, columns=cols)
    return out.sort_values(["verbatims", "node_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


CLEAR_TONE = 0.5
"""A remark whose score is at least this far from 0 (−1…1) has a clear tone; such remarks are quoted first."""


def _side_quotes(pool: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` most representative distinct remarks of ``pool``.

    Clean remarks with a clear tone (``|score| ≥ CLEAR_TONE``) first, then
    those of the largest nodes, most central first; a near duplicate of a
    remark already chosen (:func:`.text.distinct_texts`: the same words with
    a different lead-in, or one remark inside another) is skipped.
    """
    pool = pool.assign(_clear=pool[SENTIMENT].abs() >= CLEAR_TONE)
    ranked = pool.sort_values(["_ok", "_clear", "_node_rank", "fit", S.VERBATIM_ID], ascending=[False, False, True, False, True])
    key = ranked[S.TEXT].astype(str).str.lower().str.replace(r"[^a-z0-9]+", "", regex=True).str[:40]
    ranked = ranked[~key.duplicated()]
    return ranked.iloc[distinct_texts(ranked[S.TEXT].astype(str).tolist(), limit=n)]


def need_evidence(tree: NeedsTree, needs: pd.DataFrame | None = None, quotes: int = 3) -> pd.DataFrame:
    """For each rated need: the nodes that cover it, their sentiment and its quotes on either side.

    Meant to sit beside the rated gap of a need (GAP analysis, action plan);
    :func:`cra_helpers.gap.words_beside_numbers` chooses which side to show.

    Parameters
    ----------
    tree
        A needs tree built with rated needs.
    needs
        The needs table (default: the one the tree was matched against);
        every need gets a row, with zero verbatims when no node covers it.
    quotes
        Quotes kept per side.

    Returns
    -------
    DataFrame
        ``need_id, need_name, nodes`` (tertiary node ids, ``;``-separated),
        ``node_labels`` (``;``-separated), ``verbatims, interviews``,
        ``sentiment`` (mean sentiment score of those verbatims, -1…1),
        ``share_negative``, ``share_positive`` (0–1), ``n_negative``,
        ``n_positive`` (remarks), ``negative_quote_ids, negative_quotes,
        positive_quote_ids, positive_quotes`` (the most representative
        distinct remarks of each tone: ids ``;``-separated, texts `` | ``),
        ``quote_id, quote`` (the most central remark whose tone has the sign
        of the need's mean sentiment) and ``quote_sentiment``.
    """
    needs = tree.needs if needs is None else needs
    if needs is None or needs.empty:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    n = tree.nodes
    tert = n[n[LEVEL] == "tertiary"] if "need_id" in n else n.iloc[0:0]
    v = tree.placed
    rows = []
    for nid, name in zip(needs[S.NEED_ID].astype(str), needs[S.NEED_NAME].astype(str)):
        mine = tert[tert["need_id"].astype(str) == nid].sort_values([COUNT, NODE_ID], ascending=[False, True]) if len(tert) else tert
        members = v[v["tertiary"].isin(mine[NODE_ID])]
        tone = tone_of(members)
        row = _evidence_counts(nid, name, mine, members, tone)
        if len(members):
            row.update(_evidence_quotes(members, mine, tone, row["sentiment"], quotes))
        rows.append(row)
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


EVIDENCE_COLUMNS: list[str] = [
    "need_id", "need_name", "nodes", "node_labels", "verbatims", "interviews", "sentiment",
    "share_negative", "share_positive", "n_negative", "n_positive", "negative_quote_ids", "negative_quotes",
    "positive_quote_ids", "positive_quotes", "quote_id", "quote", "quote_sentiment"]
"""Columns of :func:`need_evidence`."""


def _evidence_counts(nid: str, name: str, mine: pd.DataFrame, members: pd.DataFrame, tone: pd.Series) -> dict:
    """One need's row of :func:`need_evidence` without its quotes: nodes, counts, mean sentiment, tone shares."""
    return {"need_id": nid, "need_name": name, "nodes": ";".join(mine[NODE_ID]), "node_labels": ";".join(mine[LABEL]),
            "verbatims": len(members),
            "interviews": int(members[S.INTERVIEW_ID].nunique()) if S.INTERVIEW_ID in members else np.nan,
            "sentiment": float(members[SENTIMENT].mean()) if len(members) else np.nan,
            "share_negative": float((tone == "negative").mean()) if len(members) else np.nan,
            "share_positive": float((tone == "positive").mean()) if len(members) else np.nan,
            "n_negative": int((tone == "negative").sum()), "n_positive": int((tone == "positive").sum()),
            "negative_quote_ids": "", "negative_quotes": "", "positive_quote_ids": "", "positive_quotes": "",
            "quote_id": "", "quote": "", "quote_sentiment": np.nan}


def _evidence_quotes(members: pd.DataFrame, mine: pd.DataFrame, tone: pd.Series, mean: float, quotes: int) -> dict:
    """The quotes of one need: ``quotes`` per tone and the most central one with the sign of its ``mean`` sentiment."""
    out = {}
    pool = members.assign(_node_rank=members["tertiary"].map({t: i for i, t in enumerate(mine[NODE_ID])}),
                          _ok=members["status"] == "ok", _tone=tone)
    for side in ("negative", "positive"):
        chosen = _side_quotes(pool[pool["_tone"] == side], quotes)
        out[f"{side}_quote_ids"] = ";".join(chosen[S.VERBATIM_ID].astype(str))
        out[f"{side}_quotes"] = " | ".join(chosen[S.TEXT].astype(str))
    sign = "negative" if mean <= NEGATIVE_AT else ("positive" if mean >= POSITIVE_AT else "neutral")
    best = _side_quotes(pool.assign(_ok=pool["_ok"] & (pool["_tone"] == sign)), 1).iloc[0]
    out.update(quote_id=best[S.VERBATIM_ID], quote=best[S.TEXT], quote_sentiment=float(best[SENTIMENT]))
    return out


def tone_of(verbatims: pd.DataFrame) -> pd.Series:
    """``negative`` / ``neutral`` / ``positive`` of each placed verbatim.

    The ``sentiment_class`` column when the tree carries one (the sentiment
    model's three classes), else the sign of ``sentiment`` beyond the
    thresholds of :mod:`.labels` (−0.05 / +0.05).
    """
    if "sentiment_class" in verbatims:
        return verbatims["sentiment_class"].astype(str)
    s = verbatims[SENTIMENT]
    return pd.Series(np.where(s <= NEGATIVE_AT, "negative", np.where(s >= POSITIVE_AT, "positive", "neutral")), index=verbatims.index)


def breakdown(tree: NeedsTree, level: str = "tertiary", by: tuple[str, ...] = BREAKDOWN_DIMENSIONS) -> pd.DataFrame:
    """Mentions per node by account, location, organization level, department and decision role.

    Returns
    -------
    DataFrame
        Long format: ``node_id, label, dimension, value, verbatims,
        interviews, sentiment`` (mean VADER compound); only dimensions the
        verbatims carry.
    """
    v = tree.placed
    label = dict(zip(tree.nodes[NODE_ID], tree.nodes[LABEL]))
    parts = []
    for dim in by:
        if dim not in v or v[dim].isna().all():
            continue
        g = v.assign(_value=v[dim].astype("object").fillna("(unknown)").astype(str)).groupby([level, "_value"], observed=True)
        part = g.agg(verbatims=(S.VERBATIM_ID, "size"), sentiment=(SENTIMENT, "mean")).reset_index()
        if S.INTERVIEW_ID in v:
            part["interviews"] = g[S.INTERVIEW_ID].nunique().to_numpy()
        part.insert(1, "dimension", dim)
        parts.append(part.rename(columns={level: NODE_ID, "_value": "value"}))
    cols = [NODE_ID, "label", "dimension", "value", "verbatims", "interviews", "sentiment"]
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    out.insert(1, "label", out[NODE_ID].map(label))
    return out[[c for c in cols if c in out]]


def saturation_tables(tree: NeedsTree, level: str = "tertiary", by: str | None = S.ACCOUNT_ID,
                      orders: int = 200, key_accounts: list[str] | None = None,
                      min_interviews: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Saturation curves and summaries (``tables/saturation.csv``), overall and per account.

    Parameters
    ----------
    tree
        A tree whose verbatims carry ``interview_id`` (and ``by``).
    level
        Nodes counted as needs.
    by
        Grouping of interviews for separate curves (``None``: overall only).
    orders
        Random interview orders averaged.
    key_accounts
        Restrict the per-group curves to these values (e.g. key accounts).
    min_interviews
        Fewest interviews for an estimate (``needs_tree.saturation_min_interviews``).

    Returns
    -------
    (curves, summary)
        See :func:`.saturation.saturation`; empty frames when interviews are unknown.
    """
    v = tree.placed
    if S.INTERVIEW_ID not in v or v[S.INTERVIEW_ID].isna().all():
        return pd.DataFrame(columns=[SCOPE]), pd.DataFrame(columns=[SCOPE])
    mentions = v[[S.INTERVIEW_ID, level]].rename(columns={level: "node_id"}).dropna()
    groups = None
    if by and by in v:
        g = v[[S.INTERVIEW_ID, by]].dropna().drop_duplicates(S.INTERVIEW_ID).set_index(S.INTERVIEW_ID)[by].astype(str)
        if key_accounts is not None:
            g = g[g.isin([str(k) for k in key_accounts])]
        groups = g
    return saturation(mentions, groups, orders=orders, seed=tree.seed, min_interviews=min_interviews)


EVIDENCE_TABLE = "needs_tree_evidence"
"""Name of the table the 03_needs_tree notebook writes :func:`need_evidence` to."""

TABLES_DIR = "tables"
"""Folder of a report folder holding its CSV tables: the same name as :data:`cra_helpers.report.TABLES_DIR`
(the report layer, which this analysis may not import; ``tests/test_needs_tree.py`` checks the two agree)."""

EVIDENCE_TEXT_COLUMNS: tuple[str, ...] = (
    "need_id", "need_name", "nodes", "node_labels", "quote_id", "quote", "negative_quote_ids", "negative_quotes",
    "positive_quote_ids", "positive_quotes")
"""Text columns of the :func:`need_evidence` table, read back as text."""


def _unneutralize(value: object) -> object:
    """Undo :func:`cra_helpers.safe.neutralize_formula` on a cell read back from a CSV table.

    The quote is removed only where that function put it: before one of
    :data:`cra_helpers.safe.FORMULA_PREFIXES` (all six).
    """
    if isinstance(value, str) and value[:1] == "'" and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def read_need_evidence(out_dir) -> pd.DataFrame | None:
    """The :func:`need_evidence` table that the ``03_needs_tree`` notebook wrote into a report folder.

    For steps that run after the needs tree in the same ``cra run`` (e.g. the
    GAP analysis) and only need the words beside their numbers, without
    building the tree again.

    Parameters
    ----------
    out_dir
        The report folder (``Report.out_dir``).

    Returns
    -------
    DataFrame or None
        The columns of :func:`need_evidence` (``need_id`` as text), or
        ``None`` when the needs tree has not run there.
    """
    from pathlib import Path

    path = Path(out_dir) / TABLES_DIR / f"{EVIDENCE_TABLE}.csv"
    if not path.is_file():
        return None
    df = pd.read_csv(path, dtype={c: str for c in EVIDENCE_TEXT_COLUMNS}, keep_default_na=False, na_values=[""])
    for col in [c for c in EVIDENCE_TEXT_COLUMNS if c in df]:
        df[col] = df[col].map(_unneutralize)
        if col not in ("need_id",):
            df[col] = df[col].fillna("")
    return df


def too_thin(tree: NeedsTree, min_verbatims: int) -> str | None:
    """The note shown instead of a tree built from too few remarks, or ``None`` when the tree stands.

    Parameters
    ----------
    tree
        The built tree.
    min_verbatims
        Fewest placed verbatims for a tree (``needs_tree.min_verbatims``).
    """
    n = len(tree.placed)
    if n >= min_verbatims:
        return None
    return (f"Not enough data for a needs tree: {n} remark(s), at least {min_verbatims} are needed "
            "(needs_tree.min_verbatims). Grouping so few remarks would put unrelated ones together, "
            "so they are listed as they were said.")


def plain_remarks(tree: NeedsTree) -> pd.DataFrame:
    """Every placed remark with who said it (account, level, department, role — never a name) and its sentiment."""
    cols = [S.VERBATIM_ID, S.ACCOUNT_ID, S.LEVEL, S.DEPARTMENT, S.DECISION_ROLE, S.TEXT, SENTIMENT, "sentiment_score"]
    v = public_sentiment(tree.placed)
    return v[[c for c in cols if c in v.columns]].reset_index(drop=True)
