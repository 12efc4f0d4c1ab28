"""The one-page summaries of key accounts: the internal page and the customer's version.

See the package docstring (:mod:`cra_helpers.actions`, *Key-account one-pagers*).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import gap as G
from .. import schema as S
from ..assessment import Assessment
from .library import ActionLibrary, need_impact
from .plan import plan_columns_default
from .quotes import _role, account_quotes, account_words
from .risk import verbatim_sentiment

def account_actions(recs: pd.DataFrame, impact: pd.DataFrame, words: pd.DataFrame, revenue: float,
                    library: ActionLibrary | None = None) -> pd.DataFrame:
    """The actions that concern one account, ranked by their return at this account.

    Impact here of a need = the account's importance × its gap⁺ × the need's
    driver weight (:func:`need_impact`) × the account's revenue; an action's
    impact here is the sum over its needs, its return = impact here /
    resources (as in :func:`recommendations`).

    Parameters
    ----------
    recs
        :func:`recommendations` output.
    impact
        :func:`need_impact` output (driver weights).
    words
        :func:`account_words` of the account (its importance, performance, gap per need).
    revenue
        The account's revenue (currency).
    library
        For the metric names (optional).

    Returns
    -------
    DataFrame
        ``rank_here, action, needs, owner, metric, why_here, impact_here,
        return_here, plan_rank, action_id`` — actions with impact here > 0,
        best first; ``why_here`` names the account's gaps the action
        addresses (performance points).
    """
    dw = impact.set_index(S.NEED_ID)["driver_weight"].astype(float)
    w = words.set_index(S.NEED_ID)
    names = dict(zip(words[S.NEED_ID], words["need"]))
    metric_names = {k: m.name for k, m in library.metrics.items()} if library is not None else {}
    rows = []
    for r in recs.itertuples(index=False):
        ids = [x for x in str(r.need_ids).split("; ") if x]
        total, why = 0.0, []
        for nid in ids:
            if nid not in w.index:
                continue
            gplus = max(float(w.loc[nid, "gap"]), 0.0) if pd.notna(w.loc[nid, "gap"]) else 0.0
            part = float(w.loc[nid, S.IMPORTANCE]) * gplus * float(dw.get(nid, 0.0)) * float(revenue)
            if part > 0:
                total += part
                why.append(f"{names.get(nid, nid)} gap {gplus:.1f}")
        if total <= 0:
            continue
        rows.append({"action": r.action, "needs": r.needs, "owner": r.owner, "metric": metric_names.get(r.metric, r.metric),
                     "why_here": "; ".join(why), "impact_here": total,
                     "return_here": total / r.resources if r.resources > 0 else np.inf,
                     "plan_rank": r.rank, "action_id": r.action_id})
    out = pd.DataFrame(rows, columns=["action", "needs", "owner", "metric", "why_here", "impact_here", "return_here", "plan_rank", "action_id"])
    out = out.sort_values(["return_here", "impact_here"], ascending=False, kind="stable").reset_index(drop=True)
    out.insert(0, "rank_here", np.arange(1, len(out) + 1))
    return out


def one_pager(a: Assessment, account_id: str, risk: pd.DataFrame, acc_gaps: pd.DataFrame, recs: pd.DataFrame,
              top_gaps: int = 3, impact: pd.DataFrame | None = None, sentiment: pd.DataFrame | None = None,
              library: ActionLibrary | None = None, n_quotes: int = 3, n_actions: int = 4) -> dict[str, object]:
    """Everything the internal one-page summary of a key account shows, as plain data.

    Parameters
    ----------
    a, account_id
        The assessment and the account.
    risk
        :func:`account_risk` output.
    acc_gaps
        :func:`cra_helpers.gap.account_gaps` output (kept for the call
        signature; the page recomputes the account's needs with intervals).
    recs
        :func:`recommendations` output.
    top_gaps
        Largest gaps shown.
    impact
        :func:`need_impact` output (``None``: computed).
    sentiment
        :func:`verbatim_sentiment` output (``None``: classified here).
    library
        For metric names.
    n_quotes, n_actions
        Most quotes and actions shown (the page must print on one A4 page).

    Returns
    -------
    dict
        ``account_id, name, revenue, status, risk_score, risk_level,
        reasons`` (list, strongest first, at most 4), ``top_gaps``
        (DataFrame: need, importance, performance, gap, n, what_hurts,
        what_works, stance, words_note), ``quotes`` (:func:`account_quotes`),
        ``quote_rule`` (how they were chosen), ``actions``
        (:func:`account_actions`, at most ``n_actions``) and
        ``actions_total`` (how many concern the account), ``interviews``
        (respondents interviewed at the account; 0 for a key account the
        rule selects before anybody there was heard).
    """
    acc = a.accounts.set_index(S.ACCOUNT_ID).loc[account_id]
    heard = int((a.respondents()[S.ACCOUNT_ID].astype(str) == str(account_id)).sum()) if a.has(S.INTERVIEWS, S.CONTACTS) else 0
    impact = need_impact(a) if impact is None else impact
    sentiment = verbatim_sentiment(a) if sentiment is None else sentiment
    rn = G.respondent_needs(a)
    words = account_words(a, account_id, sentiment, rn=rn)
    top = _top_gaps_table(words, top_gaps)
    quotes = account_quotes(a, account_id, n=n_quotes, sentiment=sentiment, words=words, top_gaps=top_gaps)
    acts = account_actions(recs, impact, words, float(acc[S.REVENUE]), library)
    return {
        S.ACCOUNT_ID: account_id, "name": acc[S.ACCOUNT_NAME], "revenue": float(acc[S.REVENUE]),
        "status": f"{acc[S.RELATIONSHIP_TYPE]}, {acc[S.STATUS]}", **_risk_of(risk, account_id), "top_gaps": top, "quotes": quotes, "quote_rule": quotes.attrs.get("rule", ""),
        "actions": acts.head(n_actions), "actions_total": len(acts), "actions_all": acts, "remarks": int((sentiment[S.ACCOUNT_ID].astype(str) == str(account_id)).sum()),
        "interviews": heard,
    }


def _risk_of(risk: pd.DataFrame, account_id: str) -> dict[str, object]:
    """The account's ``risk_score``, ``risk_level`` and first 4 ``reasons`` (``None`` and none when not scored)."""
    r = risk.set_index(S.ACCOUNT_ID)
    row = r.loc[account_id] if account_id in r.index else None
    reasons = [] if row is None else str(row["reasons"]).split("; ")
    return {"risk_score": None if row is None else float(row["risk_score"]),
            "risk_level": None if row is None else row["risk_level"], "reasons": reasons[:4]}


def _top_gaps_table(words: pd.DataFrame, top_gaps: int) -> pd.DataFrame:
    """The page's largest gaps (:func:`account_words` rows), figures to one decimal."""
    gaps = words.dropna(subset=["gap"]).head(top_gaps)
    if gaps.empty:  # an account nobody there rated (a key account by the rule alone, not yet interviewed)
        return pd.DataFrame(columns=["need", S.IMPORTANCE, S.PERFORMANCE, "gap", "n", "what_hurts", "what_works", "stance",
                                     "quadrant", "words_note"])
    return pd.DataFrame({"need": gaps["need"], "importance": gaps[S.IMPORTANCE].round(1), "performance": gaps[S.PERFORMANCE].round(1),
                         "gap": gaps["gap"].round(1), "n": gaps["n"].astype(int), "what_hurts": gaps["what_hurts"],
                         "what_works": gaps["what_works"], "stance": gaps["stance"], "quadrant": gaps["quadrant"],
                         "words_note": gaps["words_note"]}).reset_index(drop=True)

CUSTOMER_KEYS = ("account_id", "name", "top_gaps", "quotes", "actions", "actions_all", "remarks")
"""What of :func:`one_pager` may reach the customer (the rest is internal)."""


def customer_one_pager(page: dict[str, object], terms: dict[str, list[str]], plan: pd.DataFrame | None = None,
                       max_actions: int = 4) -> dict[str, object]:
    """The customer's version of a key-account page: what they told us and what we do, nothing internal.

    Parameters
    ----------
    page
        :func:`one_pager` output.
    terms
        :func:`cra_helpers.redact.pii_terms` of the assessment: names,
        e-mail addresses and phone numbers redacted from every remark.
    plan
        :func:`action_plan` output, for the due dates (optional).
    max_actions
        Most actions listed: first those that address a gap shown on the
        page, each group in the account's ranking (:func:`account_actions`).

    Returns
    -------
    dict
        ``account_id, name, top_gaps`` (need, importance, performance, n),
        ``quotes`` (``text`` redacted, ``role`` = department and level: no
        name, no id), ``actions`` (action, needs, measured by, due) and
        ``remarks``. No risk score or level, revenue, value class, status,
        owner, contact name, e-mail or phone: only :data:`CUSTOMER_KEYS`
        are read from ``page``.
    """
    from ..redact import redact_text

    p = {k: page[k] for k in CUSTOMER_KEYS if k in page}
    gaps = p["top_gaps"][["need", "importance", "performance", "n"]].copy()
    q = p["quotes"]
    quotes = pd.DataFrame({
        "text": [redact_text(t, terms.get("names", ()), terms.get("emails", ()), terms.get("phones", ())) for t in q[S.TEXT]],
        "role": [_role(d, lv) for d, lv in zip(q[S.DEPARTMENT], q[S.LEVEL])],
        "need": list(q["need"]),
    })
    acts = p.get("actions_all", p["actions"])
    shown = set(gaps["need"].astype(str))
    on_page = acts["why_here"].astype(str).map(lambda w: any(x.rsplit(" gap ", 1)[0] in shown for x in w.split("; "))).astype(bool)
    acts = pd.concat([acts[on_page], acts[~on_page]]).head(max_actions)
    due = {}
    if plan is not None and len(plan):
        cols = plan_columns_default()
        due = dict(zip(plan[cols["action_id"]], plan[cols["due"]]))
    actions = pd.DataFrame({"action": acts["action"], "needs": acts["needs"], "measured_by": acts["metric"],
                            "due": [due.get(x) for x in acts["action_id"]]})
    return {"account_id": p["account_id"], "name": p["name"], "top_gaps": gaps, "quotes": quotes, "actions": actions,
            "remarks": p.get("remarks", 0)}

