"""The GAP analysis in words: findings, each need's stance, and the quotes beside the numbers.

Split from :mod:`cra_helpers.gap` (which re-exports every name here); the
tests and intervals behind these sentences are documented there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import schema as S
from .gap import CONCENTRATE, KEEP_UP, OVERKILL, WE_LOSE, WE_WIN


def _need_names(needs: pd.DataFrame) -> dict[str, str]:
    return dict(zip(needs[S.NEED_ID].astype(str), needs["need"].astype(str)))


def findings(needs: pd.DataFrame, departures: pd.DataFrame | None = None, pairs: pd.DataFrame | None = None,
             competitors: pd.DataFrame | None = None, competitor_names: dict[str, str] | None = None) -> list[str]:
    """Plain-language findings of the GAP analysis, one sentence each, for the report's summary.

    Parameters
    ----------
    needs
        :func:`need_gaps` output.
    departures, pairs, competitors
        Optional :func:`account_departures`, :func:`location_pairs` and
        :func:`competitor_gaps` outputs.
    competitor_names
        ``competitor_id → name`` for readable sentences.
    """
    names = _need_names(needs)
    out = []
    conc = needs[needs["quadrant"] == CONCENTRATE].sort_values("gap", ascending=False)
    if len(conc):
        items = ", ".join(f"{r.need} (gap {r.gap:.1f})" for r in conc.itertuples())
        out.append(f"{len(conc)} need(s) to concentrate on — important and below average performance: {items}.")
    top = needs.sort_values("opportunity", ascending=False).head(3)
    if len(top):
        out.append("Highest opportunity scores: " + ", ".join(f"{r.need} ({r.opportunity:.1f})" for r in top.itertuples()) + ".")
    if departures is not None and len(departures):
        dep = departures[departures["needs_worse"] > 0]
        for r in dep.itertuples():
            out.append(f"Account {r.account_id} has a larger gap than the rest of the portfolio on {r.needs_worse} need(s); "
                       f"the largest on {names.get(str(r.worst_need), r.worst_need)} (+{r.worst_difference:.1f} points).")
    if pairs is not None and len(pairs):
        sig = pairs[pairs["significant"]]
        for r in sig.itertuples():
            out.append(f"At account {r.account_id}, {names.get(str(r.need_id), r.need_id)} is rated {r.difference:.1f} points lower at "
                       f"{r.site_b or r.location_b} ({r.mean_b:.1f}, n={r.n_b}) than at {r.site_a or r.location_a} ({r.mean_a:.1f}, n={r.n_a}).")
        if not len(sig):
            out.append(f"No site-to-site difference holds after correction ({int(pairs['tested'].sum())} pairs tested).")
    if competitors is not None and len(competitors):
        cn = competitor_names or {}
        lose = competitors[competitors["verdict"] == WE_LOSE].sort_values("weighted_difference").head(3)
        win = competitors[competitors["verdict"] == WE_WIN].sort_values("weighted_difference", ascending=False).head(3)
        if len(lose):
            out.append("Where we lose most, weighted by importance: " + "; ".join(
                f"{names.get(str(r.need_id), r.need_id)} against {cn.get(str(r.competitor_id), r.competitor_id)} ({r.difference:+.1f})" for r in lose.itertuples()) + ".")
        if len(win):
            out.append("Where we win most: " + "; ".join(
                f"{names.get(str(r.need_id), r.need_id)} against {cn.get(str(r.competitor_id), r.competitor_id)} ({r.difference:+.1f})" for r in win.itertuples()) + ".")
    return out


STANCE_GAP = "gap"
STANCE_STRENGTH = "strength"
STANCE_NEUTRAL = "neither"


def need_stance(needs: pd.DataFrame, competitors: pd.DataFrame | None = None, material: float = 1.0) -> pd.Series:
    """Whether the numbers call each need a gap, a strength or neither (index: ``need_id`` as text).

    A **gap** holds when the need is in *Concentrate here*, or a competitor
    is rated significantly better on it by at least ``material`` points
    (``competitors``: :func:`competitor_gaps`; ``gap.material_competitor_difference``), or — when the data are too thin for quadrant
    names (:func:`quadrants_meaningful`) — its performance is significantly
    below its importance (the gap's 95 % interval lies above 0). Where
    quadrants are named they decide instead of that last test, because
    stated importance exceeds performance for nearly every need of a
    typical assessment and would make every need a gap. A **strength**:
    *Keep up the good work* or *Possible overkill* with no gap that holds.
    Otherwise neither.
    """
    ids = needs[S.NEED_ID].astype(str)
    behind = set()
    if competitors is not None and len(competitors):
        c = competitors[competitors["significant"].astype(bool) & (competitors["difference"] <= -material)]
        behind = set(c[S.NEED_ID].astype(str))
    named = (needs["quadrant"].astype(str) != "").any()
    below = (needs["gap_ci_low"] > 0).fillna(False).to_numpy() if not named else np.zeros(len(needs), dtype=bool)
    holds = (needs["quadrant"] == CONCENTRATE).to_numpy() | below | ids.isin(behind).to_numpy()
    strong = needs["quadrant"].isin([KEEP_UP, OVERKILL]).to_numpy()
    stance = np.where(holds, STANCE_GAP, np.where(strong, STANCE_STRENGTH, STANCE_NEUTRAL))
    return pd.Series(stance, index=ids.to_numpy(), name="stance")


def words_beside_numbers(needs: pd.DataFrame, evidence: pd.DataFrame, competitors: pd.DataFrame | None = None,
                         material: float = 1.0) -> pd.DataFrame:
    """Each need's rated gap beside what customers said about it, the quotes chosen to fit the number.

    Beside a need whose gap holds (:func:`need_stance`) the quotes are the
    most representative *negative* remarks; beside a strength, the positive
    ones; beside neither, the side with more remarks. Both sides are
    counted ("what hurts — 41 remarks / what works — 12"), and one remark of
    the other side is shown apart when there is one. A quote whose tone
    contradicts the rated gap is never shown as its evidence: when a gap
    holds and nobody complained, ``words_note`` says so instead, and when
    the other side has more remarks than the side shown (a strength with
    more complaints than praise), the note gives both counts.

    Parameters
    ----------
    needs
        :func:`need_gaps` output.
    evidence
        :func:`cra_helpers.needs_tree.results.need_evidence` output (one row
        per rated need: counts and quotes per tone).
    competitors
        :func:`competitor_gaps` output, to count "below a competitor" as a gap.
    material
        Smallest competitor lead (performance points) that counts (``gap.material_competitor_difference``).

    Returns
    -------
    DataFrame
        ``need_id, need, gap, quadrant, stance, verbatims, sentiment,
        what_hurts, what_works`` (negative and positive remarks), ``quote_ids``
        (the quotes shown, ``;``-separated), ``quotes`` (`` | ``),
        ``other_side_quote_id, other_side_quote, words_note``; sorted by gap,
        largest first; needs nobody spoke about have 0 verbatims and no quote.
    """
    ev = evidence.copy()
    ev[S.NEED_ID] = ev[S.NEED_ID].astype(str)
    for col in ("n_negative", "n_positive"):
        if col not in ev:
            ev[col] = 0
    for col in ("negative_quote_ids", "negative_quotes", "positive_quote_ids", "positive_quotes"):
        if col not in ev:
            ev[col] = ""
    out = needs[[S.NEED_ID, "need", "gap", "quadrant"]].assign(**{S.NEED_ID: needs[S.NEED_ID].astype(str)})
    out["stance"] = need_stance(needs, competitors, material).to_numpy()
    keep = [S.NEED_ID, "verbatims", "sentiment", "n_negative", "n_positive", "negative_quote_ids", "negative_quotes",
            "positive_quote_ids", "positive_quotes"]
    out = out.merge(ev[keep], on=S.NEED_ID, how="left")
    quote_cols = ["negative_quote_ids", "negative_quotes", "positive_quote_ids", "positive_quotes"]
    out[quote_cols] = out[quote_cols].fillna("").astype(str)
    out["verbatims"] = out["verbatims"].fillna(0).astype(int)
    out["what_hurts"] = out.pop("n_negative").fillna(0).astype(int)
    out["what_works"] = out.pop("n_positive").fillna(0).astype(int)
    rows = [_words_for(r) for r in out.to_dict("records")]
    words = pd.DataFrame(rows, index=out.index)
    out = pd.concat([out.drop(columns=["negative_quote_ids", "negative_quotes", "positive_quote_ids", "positive_quotes"]), words], axis=1)
    return out.sort_values("gap", ascending=False, kind="stable").reset_index(drop=True)


def _words_for(r: dict) -> dict:
    """The quotes shown beside one need, and the note, by the rule of :func:`words_beside_numbers`."""
    def side(tone: str) -> tuple[list[str], list[str]]:
        ids = [x for x in str(r.get(f"{tone}_quote_ids") or "").split(";") if x]
        texts = [x for x in str(r.get(f"{tone}_quotes") or "").split(" | ") if x] if ids else []
        return ids, texts

    neg, pos = side("negative"), side("positive")
    hurts, works = r["what_hurts"], r["what_works"]
    if r["stance"] == STANCE_GAP:
        main, other = neg, pos
    elif r["stance"] == STANCE_STRENGTH:
        main, other = pos, neg
    else:
        main, other = (neg, pos) if hurts >= works else (pos, neg)
    note = ""
    if r["verbatims"] == 0:
        note = "Nobody spoke about this need in the interviews."
    elif r["stance"] == STANCE_GAP and not hurts:
        note = f"The ratings show a gap, but no remark about it is negative ({works} positive of {r['verbatims']})."
    elif r["stance"] == STANCE_STRENGTH and not works:
        note = f"The ratings show a strength, but no remark about it is positive ({hurts} negative of {r['verbatims']})."
    elif r["stance"] == STANCE_STRENGTH and hurts > works:
        note = (f"The ratings show a strength, yet more remarks are complaints ({hurts}) than praise ({works}): "
                "the praise shown is the smaller side.")
    elif r["stance"] == STANCE_GAP and works > hurts:
        note = (f"The ratings show a gap, yet more remarks are praise ({works}) than complaints ({hurts}): "
                "the complaints shown are the smaller side.")
    elif not main[0]:
        note = f"No remark with a clear tone ({r['verbatims']} neutral)."
    return {"quote_ids": ";".join(main[0]), "quotes": " | ".join(main[1]),
            "other_side_quote_id": other[0][0] if other[0] else "", "other_side_quote": other[1][0] if other[1] else "",
            "words_note": note}
