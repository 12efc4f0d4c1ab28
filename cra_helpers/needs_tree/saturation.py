"""Saturation: how many needs the interviews revealed, and how many are probably still unheard.

Griffin & Hauser (1993) found that 20–30 interviews reveal about 90–95 % of
the needs of a homogeneous segment. Here:

* the **discovery curve** counts the distinct nodes (needs) mentioned after
  ``h`` interviews, averaged over random interview orders (with a 90 % band);
  its exact expectation over all orders (sample-based rarefaction, Colwell et
  al. 2004, eq. 4) is given beside it;
* the **share still undiscovered** compares the needs heard with the Chao2
  estimate of all needs (Chao 1987, bias-corrected form of Chao 2005 / the
  EstimateS manual): ``S_obs + (m-1)/m · Q1·(Q1-1) / (2·(Q2+1))`` with ``m``
  interviews, ``Q1`` needs heard in exactly one interview and ``Q2`` in
  exactly two.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaln

from .. import schema as S

SCOPE = "scope"
ALL = "all"
NODE = "node_id"


def incidence(mentions: pd.DataFrame, node_col: str = NODE) -> tuple[np.ndarray, list[str], list[str]]:
    """Interviews × needs incidence (True when the interview mentions the need at least once).

    Parameters
    ----------
    mentions
        One row per verbatim with ``interview_id`` and ``node_col``.

    Returns
    -------
    (matrix, interviews, needs)
        Boolean matrix and its row and column labels (sorted).
    """
    m = mentions[[S.INTERVIEW_ID, node_col]].dropna().astype(str).drop_duplicates()
    interviews = sorted(m[S.INTERVIEW_ID].unique())
    needs = sorted(m[node_col].unique())
    mat = np.zeros((len(interviews), len(needs)), dtype=bool)
    if len(m):
        r = pd.Index(interviews).get_indexer(m[S.INTERVIEW_ID])
        c = pd.Index(needs).get_indexer(m[node_col])
        mat[r, c] = True
    return mat, interviews, needs


def expected_curve(inc: np.ndarray) -> np.ndarray:
    """Exact expected number of needs found after h = 1 … H interviews, over all orders.

    ``E[S(h)] = Σ_k 1 − C(H − y_k, h) / C(H, h)``, ``y_k`` the interviews
    mentioning need ``k`` (sample-based rarefaction).
    """
    h_total = inc.shape[0]
    y = inc.sum(axis=0)
    hs = np.arange(1, h_total + 1)

    def log_comb(n, k):
        return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)

    out = np.empty(h_total)
    for i, h in enumerate(hs):
        free = h_total - y
        with np.errstate(invalid="ignore"):
            p_miss = np.where(free >= h, np.exp(log_comb(free, h) - log_comb(h_total, h)), 0.0)
        out[i] = float(np.sum(1.0 - p_miss))
    return out


def chao2(inc: np.ndarray) -> dict[str, float]:
    """Chao2 estimate of the total number of needs from an interviews × needs incidence matrix.

    Returns
    -------
    dict
        ``interviews, needs_found, heard_once, heard_twice, needs_estimated,
        share_undiscovered`` (0–1).
    """
    m = inc.shape[0]
    y = inc.sum(axis=0)
    s_obs = int((y > 0).sum())
    q1 = int((y == 1).sum())
    q2 = int((y == 2).sum())
    est = float(s_obs) + ((m - 1) / m if m else 0.0) * q1 * (q1 - 1) / (2.0 * (q2 + 1)) if m else float(s_obs)
    share = 1.0 - s_obs / est if est > 0 else 0.0
    return {"interviews": m, "needs_found": s_obs, "heard_once": q1, "heard_twice": q2,
            "needs_estimated": est, "share_undiscovered": share}


def discovery_curve(inc: np.ndarray, orders: int = 200, seed: int = 0) -> pd.DataFrame:
    """Needs discovered versus interviews, averaged over random interview orders.

    Parameters
    ----------
    inc
        Interviews × needs incidence.
    orders
        Number of random orders.
    seed
        Seed of the orders.

    Returns
    -------
    DataFrame
        ``interviews`` (1 … H), ``needs_found`` (mean), ``needs_found_p05``,
        ``needs_found_p95``, ``needs_expected`` (exact expectation).
    """
    h_total = inc.shape[0]
    cols = ["interviews", "needs_found", "needs_found_p05", "needs_found_p95", "needs_expected"]
    if h_total == 0:
        return pd.DataFrame(columns=cols)
    rng = np.random.default_rng(seed)
    curves = np.empty((orders, h_total))
    for o in range(orders):
        seen = np.logical_or.accumulate(inc[rng.permutation(h_total)], axis=0)
        curves[o] = seen.sum(axis=1)
    return pd.DataFrame({
        "interviews": np.arange(1, h_total + 1),
        "needs_found": curves.mean(axis=0),
        "needs_found_p05": np.percentile(curves, 5, axis=0),
        "needs_found_p95": np.percentile(curves, 95, axis=0),
        "needs_expected": expected_curve(inc),
    })[cols]


def saturation(mentions: pd.DataFrame, groups: pd.Series | None = None, orders: int = 200, seed: int = 0,
               node_col: str = NODE, min_interviews: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Discovery curves and Chao2 summaries overall and per group (e.g. per key account).

    Parameters
    ----------
    mentions
        One row per verbatim: ``interview_id``, ``node_col``.
    groups
        Group of each interview (index: interview id), e.g. the account id;
        ``None`` for the overall curve only.
    orders, seed
        Random interview orders averaged.
    min_interviews
        A scope with fewer interviews gets no estimate: its summary row has
        ``estimable`` False and NaN estimates, and it has no curve (Chao2 and a
        discovery curve from a handful of interviews say nothing about the
        needs not yet heard).

    Returns
    -------
    (curves, summary)
        ``curves``: ``scope`` (``"all"`` or the group) plus the columns of
        :func:`discovery_curve` and ``share_of_estimated`` (needs found /
        Chao2 estimate of the scope). ``summary``: one row per scope with the
        keys of :func:`chao2`, ``needs_in_tree`` (nodes of the whole tree) and
        ``share_at_20`` / ``share_at_30`` (mean share of the scope's estimate
        found after 20 / 30 interviews, NaN with fewer interviews) and
        ``estimable``.
    """
    scopes: list[tuple[str, pd.DataFrame]] = [(ALL, mentions)]
    if groups is not None:
        g = mentions[S.INTERVIEW_ID].astype(str).map(groups.astype(str))
        for key in sorted(g.dropna().unique()):
            scopes.append((key, mentions[g == key]))
    n_nodes = mentions[node_col].nunique()
    curves, rows = [], []
    for scope, part in scopes:
        inc, _, _ = incidence(part, node_col)
        summ = chao2(inc)
        if summ["interviews"] < min_interviews:
            rows.append({SCOPE: scope, **summ, "needs_estimated": np.nan, "share_undiscovered": np.nan,
                         "needs_in_tree": n_nodes, "share_at_20": np.nan, "share_at_30": np.nan, "estimable": False})
            continue
        cur = discovery_curve(inc, orders, seed)
        est = summ["needs_estimated"] or np.nan
        cur.insert(0, SCOPE, scope)
        cur["share_of_estimated"] = cur["needs_found"] / est
        curves.append(cur)
        at = dict(zip(cur["interviews"], cur["share_of_estimated"]))
        rows.append({SCOPE: scope, **summ, "needs_in_tree": n_nodes,
                     "share_at_20": at.get(20, np.nan), "share_at_30": at.get(30, np.nan), "estimable": True})
    curve_table = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(columns=[SCOPE, "interviews", "needs_found"])
    return curve_table, pd.DataFrame(rows)


def saturation_note(summary: pd.DataFrame, min_interviews: int) -> str | None:
    """What the report says instead of a saturation figure, or ``None`` when the overall estimate stands."""
    if summary.empty:
        return "Interviews are unknown for these verbatims: no saturation curve."
    first = summary.iloc[0]
    if not bool(first.get("estimable", True)):
        return (f"Not enough data to estimate saturation: {int(first['interviews'])} interview(s) with remarks, at least "
                f"{min_interviews} are needed (needs_tree.saturation_min_interviews). {int(first['needs_found'])} "
                "distinct need(s) were heard so far; how many remain unheard cannot be said yet.")
    thin = summary.iloc[1:][~summary.iloc[1:]["estimable"].astype(bool)] if "estimable" in summary else summary.iloc[0:0]
    if len(thin):
        return (f"{len(thin)} account(s) with fewer than {min_interviews} interviews get no saturation estimate of their own: "
                + ", ".join(thin[SCOPE].astype(str)) + ".")
    return None
