"""An account's own words beside its gaps: distinct quotes chosen by the tone rule, attributed by role.

See the package docstring (:mod:`cra_helpers.actions`, *Key-account one-pagers*)
and :func:`cra_helpers.gap.words_beside_numbers` for the rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import gap as G
from .. import schema as S
from ..assessment import Assessment
from ..needs_tree.text import distinct_texts, near_duplicate  # the near-duplicate rule; importable from here too
from ..needs_tree.text import quote_tokens as _tokens  # noqa: F401  (the tests' name)
from .risk import verbatim_sentiment



def _account_needs(a: Assessment, account_id: str, rn: pd.DataFrame, portfolio: pd.DataFrame) -> pd.DataFrame:
    """The account's needs as :func:`cra_helpers.gap.need_gaps` lays them out, quadrants on the portfolio's crosshairs."""
    from ..stats import mean_ci

    names = a.need_names().to_dict()
    mine = rn[rn[S.ACCOUNT_ID].astype(str) == str(account_id)]
    named = (portfolio["quadrant"].astype(str) != "").any()
    imp_cut, perf_cut = portfolio.attrs.get("importance_cut", np.nan), portfolio.attrs.get("performance_cut", np.nan)
    rows = []
    for nid, g in mine.groupby(S.NEED_ID, sort=False):
        both = g.dropna(subset=[S.IMPORTANCE, S.PERFORMANCE])
        if both.empty:
            continue
        gap = mean_ci(both["gap"])
        imp, perf = float(both[S.IMPORTANCE].mean()), float(both[S.PERFORMANCE].mean())
        rows.append({S.NEED_ID: str(nid), "need": names.get(str(nid), str(nid)), "n": len(both), S.IMPORTANCE: imp,
                     S.PERFORMANCE: perf, **gap.columns("gap"),
                     "quadrant": G.quadrant(imp, perf, imp_cut, perf_cut) if named else ""})
    cols = [S.NEED_ID, "need", "n", S.IMPORTANCE, S.PERFORMANCE, "gap", "gap_ci_low", "gap_ci_high", "quadrant"]
    return pd.DataFrame(rows, columns=cols)


def _side(rows: pd.DataFrame, tone: str, k: int) -> tuple[str, str]:
    """The ``k`` strongest distinct remarks of one tone: ids (``;``) and texts (`` | ``), as need_evidence gives them."""
    r = rows[rows["sentiment"] == tone]
    r = r.assign(_dup=r["duplicate"].astype(bool), _strength=r["sentiment_score"].abs(), _fit=r["fit"].fillna(0))
    r = r.sort_values(["_dup", "_strength", "_fit", S.VERBATIM_ID], ascending=[True, False, False, True], kind="stable")
    texts = r[S.TEXT].astype(str).tolist()
    keep = distinct_texts(texts, limit=k)
    chosen = r.iloc[keep]
    return ";".join(chosen[S.VERBATIM_ID].astype(str)), " | ".join(chosen[S.TEXT].astype(str))


def account_words(a: Assessment, account_id: str, sentiment: pd.DataFrame | None = None,
                  rn: pd.DataFrame | None = None, portfolio: pd.DataFrame | None = None, quotes: int = 3) -> pd.DataFrame:
    """The account's rated gaps beside its own remarks, by the rule of :func:`cra_helpers.gap.words_beside_numbers`.

    Each need rated at the account gets its stance from the account's means
    placed on the portfolio's crosshairs (a gap in *Concentrate here*, a
    strength in *Keep up the good work* / *Possible overkill*; with too few
    needs for quadrant names, a gap whose 95 % interval lies above 0), and
    the quotes are the account's remarks matched to that need by the needs
    tree: negative beside a gap, positive beside a strength, both sides
    counted, a note instead of a contradicting quote.

    Parameters
    ----------
    a
        The assessment.
    account_id
        The account.
    sentiment
        :func:`verbatim_sentiment` output; without need matches (the needs
        tree did not run) every need has 0 verbatims here.
    rn, portfolio
        :func:`cra_helpers.gap.respondent_needs` and
        :func:`cra_helpers.gap.need_gaps` if already computed.
    quotes
        Quotes kept per side and need (distinct: no near duplicates).

    Returns
    -------
    DataFrame
        :func:`cra_helpers.gap.words_beside_numbers` columns for the
        account's needs (``gap`` in performance points), largest gap first,
        plus ``importance, performance, n``.
    """
    rn = G.respondent_needs(a) if rn is None else rn
    portfolio = G.need_gaps(a, respondents=rn) if portfolio is None else portfolio
    needs = _account_needs(a, account_id, rn, portfolio)
    sentiment = verbatim_sentiment(a) if sentiment is None else sentiment
    v = sentiment[sentiment[S.ACCOUNT_ID].astype(str) == str(account_id)]
    ev = []
    for nid in needs[S.NEED_ID]:
        rows = v[v[S.NEED_ID].astype(str) == nid]
        neg_ids, neg_txt = _side(rows, "negative", quotes)
        pos_ids, pos_txt = _side(rows, "positive", quotes)
        ev.append({S.NEED_ID: nid, "verbatims": len(rows),
                   "sentiment": float(rows["sentiment_score"].mean()) if len(rows) else np.nan,
                   "n_negative": int((rows["sentiment"] == "negative").sum()), "n_positive": int((rows["sentiment"] == "positive").sum()),
                   "negative_quote_ids": neg_ids, "negative_quotes": neg_txt, "positive_quote_ids": pos_ids, "positive_quotes": pos_txt})
    evidence = pd.DataFrame(ev, columns=[S.NEED_ID, "verbatims", "sentiment", "n_negative", "n_positive", "negative_quote_ids",
                                         "negative_quotes", "positive_quote_ids", "positive_quotes"])
    words = G.words_beside_numbers(needs, evidence)
    extra = needs.set_index(S.NEED_ID)[[S.IMPORTANCE, S.PERFORMANCE, "n"]]
    return words.join(extra, on=S.NEED_ID)


def account_quotes(a: Assessment, account_id: str, n: int = 3, sentiment: pd.DataFrame | None = None,
                   words: pd.DataFrame | None = None, top_gaps: int = 3) -> pd.DataFrame:
    """The account's own words to show beside its largest gaps: distinct quotes chosen by the tone rule.

    With the needs tree's matches (``sentiment`` from a run folder), the
    quotes are those :func:`account_words` chose for the account's
    ``top_gaps`` largest gaps, taken in turn (one per need, then a second
    one …), skipping near duplicates (:func:`near_duplicate`). Without
    matches, the account's remarks of the tone its largest gap calls for
    (negative when that gap holds, else the side with more remarks),
    strongest first, distinct.

    Parameters
    ----------
    a
        The assessment.
    account_id
        The account.
    n
        Most quotes returned.
    sentiment
        :func:`verbatim_sentiment` output (``None``: classified here).
    words
        :func:`account_words` output if already computed.
    top_gaps
        How many of the account's largest gaps the quotes stand beside.

    Returns
    -------
    DataFrame
        ``verbatim_id, text, sentiment, sentiment_score, need_id, need,
        stance, level, department, decision_role`` (at most ``n`` rows);
        ``attrs["rule"]`` says how they were chosen.
    """
    cols = [S.VERBATIM_ID, S.TEXT, "sentiment", "sentiment_score", S.NEED_ID, "need", "stance", S.LEVEL, S.DEPARTMENT, S.DECISION_ROLE]
    if not a.has(S.VERBATIMS):
        out = pd.DataFrame(columns=cols)
        out.attrs["rule"] = "no remarks recorded"
        return out
    sentiment = verbatim_sentiment(a) if sentiment is None else sentiment
    words = account_words(a, account_id, sentiment) if words is None else words
    v = sentiment[sentiment[S.ACCOUNT_ID].astype(str) == str(account_id)].set_index(S.VERBATIM_ID, drop=False)
    top = words.dropna(subset=["gap"]).head(top_gaps)
    matched = (sentiment[S.NEED_ID].astype(str) != "").any()
    picked, rule = _matched_quotes(top, v, n) if matched else _tone_quotes(top, v, n)
    rows = []
    for vid, nid, need, stance in picked:
        r = v.loc[vid]
        rows.append({S.VERBATIM_ID: vid, S.TEXT: r[S.TEXT], "sentiment": r["sentiment"], "sentiment_score": float(r["sentiment_score"]),
                     S.NEED_ID: nid, "need": need, "stance": stance, S.LEVEL: r.get(S.LEVEL), S.DEPARTMENT: r.get(S.DEPARTMENT),
                     S.DECISION_ROLE: r.get(S.DECISION_ROLE)})
    out = pd.DataFrame(rows, columns=cols)
    out.attrs["rule"] = rule
    return out


_Picked = list[tuple[str, str, str, str]]
"""Quotes chosen: (verbatim_id, need_id, need, stance)."""


def _matched_quotes(top: pd.DataFrame, v: pd.DataFrame, n: int) -> tuple[_Picked, str]:
    """Quotes the needs tree matched to the largest gaps ``top``, one per need in turn, near duplicates skipped; and the rule."""
    picked: _Picked = []
    lists = [(r[S.NEED_ID], r["need"], r["stance"], [x for x in str(r["quote_ids"]).split(";") if x]) for _, r in top.iterrows()]
    depth = max((len(x[3]) for x in lists), default=0)
    for k in range(depth):
        for nid, need, stance, ids in lists:
            if k < len(ids) and ids[k] in v.index and len(picked) < n:
                text = str(v.loc[ids[k], S.TEXT])
                if not any(near_duplicate(text, str(v.loc[p[0], S.TEXT])) for p in picked):
                    picked.append((ids[k], nid, need, stance))
    rule = ("the account's remarks the needs tree matched to its largest gaps: negative beside a gap, "
            "positive beside a strength (gap.words_beside_numbers)")
    return picked, rule


def _tone_quotes(top: pd.DataFrame, v: pd.DataFrame, n: int) -> tuple[_Picked, str]:
    """Without need matches: the account's strongest distinct remarks of the tone its largest gap calls for; and the rule."""
    stance = str(top["stance"].iloc[0]) if len(top) else G.STANCE_NEUTRAL
    hurts, works = int((v["sentiment"] == "negative").sum()), int((v["sentiment"] == "positive").sum())
    tone = "negative" if stance == G.STANCE_GAP else ("positive" if stance == G.STANCE_STRENGTH else
                                                      ("negative" if hurts >= works else "positive"))
    ids, _ = _side(v.reset_index(drop=True), tone, n)
    picked = [(x, "", "", stance) for x in ids.split(";") if x]
    rule = (f"remarks not matched to needs (the needs tree has not run here): the account's {tone} remarks, "
            f"strongest first ({hurts} negative, {works} positive of {len(v)})")
    return picked, rule


def _role(department: object, level: object) -> str:
    parts = [str(x) for x in (department, f"{level} level" if level is not None and not pd.isna(level) else None)
             if x is not None and not (isinstance(x, float) and np.isnan(x)) and str(x) not in ("", "nan", "<NA>")]
    return ", ".join(parts) or "interviewee"
