"""The slides of the two workshop decks, built from a run folder's tables and summary.

Leadership (one day): situation, what customers value, what drives loyalty,
gaps, competitors, revenue at risk and the few decisions asked of leadership;
opened by the executive-summary findings when the summary has them.
Business team (two days): each priority need with its evidence and the
customers' own words, the action plan, metrics, owners, and who tells
whom what, inside the company and to the customer.

Every sentence is computed from the tables beside it; a section whose tables
the run did not write becomes a slide saying what could not be shown and why.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from .. import headlines
from . import charts
from .model import (MAX_WORDS, Deck, Quote, Slide, chunk_items, count_words, fmt_int, fmt_money, fmt_num, fmt_pct,
                    fmt_signed, finite, shorten)
from .rundata import RunData

CONCENTRATE = "Concentrate here"
MAX_PRIORITY_NEEDS = 5


def _subtitle(workshop: str, data: RunData) -> str:
    date = data.summary.get("date")
    return f"{workshop} · assessment of {date}" if date else workshop


def _missing(title: str, what: str, data: RunData, *tables: str) -> Slide:
    reason = data.why_missing(*tables)
    return Slide(title=f"{title}: not available", kind="missing",
                 bullets=[f"Not shown: {what}.", reason],
                 notes=f"This run has no {', '.join(t + '.csv' for t in tables)}. {reason} "
                       "Run the step on data that holds its input tables to fill this slide.")


def _chunked(title: str, items: list[str], notes: str, per_slide: int = 4) -> list[Slide]:
    groups = chunk_items(items, count_words(title), per_slide=per_slide)
    if len(groups) == 1:
        return [Slide(title=title, bullets=groups[0], notes=notes)]
    return [Slide(title=f"{title} ({i}/{len(groups)})", bullets=g, notes=notes) for i, g in enumerate(groups, 1)]


def _names(items: list[str], limit: int = 3) -> str:
    items = [str(i) for i in items]
    if len(items) <= limit:
        return ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + items[-1] if items else ""
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


# ----------------------------------------------------------------------
# Leadership deck
# ----------------------------------------------------------------------
def _findings(data: RunData) -> list[Slide]:
    findings = data.summary.get("findings")
    if not isinstance(findings, list) or not findings:
        return []
    items, notes = [], []
    for f in findings:
        if not isinstance(f, dict) or not f.get("text"):
            continue
        items.append(shorten(str(f.get("short") or f["text"]), 18))  # the finding's slide form when it has one
        parts = [str(f.get("text"))]
        if f.get("evidence"):
            parts.append(f"Evidence: {f['evidence']}")
        if f.get("action"):
            parts.append(f"Action: {f['action']}")
        if f.get("link"):
            parts.append(f"Details: {f['link']}")
        notes.append(" ".join(parts))
    if not items:
        return []
    return _chunked("Key findings", items, "Findings of the executive summary. " + " | ".join(notes), per_slide=3)


def _situation(data: RunData) -> Slide:
    ov = data.table("overview_accounts")
    pr = data.table("accounts_prioritized")
    n_acc = len(ov) if ov is not None else data.headline("00_overview", "Accounts")
    if pr is not None and "key_account" in pr:
        n_key = int(pr["key_account"].astype(str).str.lower().eq("true").sum())
    else:
        n_key = data.headline("00_overview", headlines.KEY_ACCOUNTS.label)
    n_int = data.headline("00_overview", "Interviews")
    n_int_acc = data.headline("00_overview", "Accounts interviewed")
    kpis = [(fmt_int(n_acc), "accounts"), (fmt_int(n_key), "key accounts"), (fmt_int(n_int), "interviews"),
            (fmt_int(n_int_acc), "accounts interviewed")]
    bullets, notes = [], ["Counts from the overview and prioritization steps."]
    if ov is not None and {"revenue", "interviews"} <= set(ov.columns):
        total = float(ov["revenue"].fillna(0).sum())
        covered = float(ov.loc[ov["interviews"].fillna(0) > 0, "revenue"].fillna(0).sum())
        if total > 0:
            kpis.append((fmt_pct(100 * covered / total), "of revenue covered"))
            bullets.append(f"Interviewed accounts hold {fmt_money(covered, data.currency)} of {fmt_money(total, data.currency)} revenue.")
            notes.append(f"Revenue covered = revenue of accounts with at least one interview ({fmt_money(covered, data.currency)}) "
                         f"divided by the revenue of all accounts ({fmt_money(total, data.currency)}).")
    if n_acc is None and n_int is None:
        return _missing("Situation", "accounts, interviews and revenue covered", data, "overview_accounts")
    if pr is not None and "key_account_flagged" in pr:
        flagged = int(pr["key_account_flagged"].astype(str).str.lower().eq("true").sum())
        notes.append(f"Key accounts: {flagged} flagged in the data, {fmt_int(n_key)} with the prioritization rule.")
    return Slide(title="Where we stand: the assessment in numbers", kpis=kpis, bullets=bullets, notes=" ".join(notes))


def _value(data: RunData) -> Slide:
    sc = data.table("need_scores")
    if sc is None or "importance_mean" not in sc:
        return _missing("What customers value", "stated importance of the needs", data, "need_scores")
    top = sc.dropna(subset=["importance_mean"]).sort_values("importance_mean", ascending=False)
    smax = data.scale_max("importance")
    first = top.iloc[0]
    bullets = [f"Most important: {first['need_name']} ({fmt_num(first['importance_mean'])} of {smax:g}).",
               f"Top three: {_names(list(top['need_name'].head(3)))}."]
    notes = ("Mean stated importance per need, all respondents. "
             + "; ".join(f"{r.need_name} {r.importance_mean:.2f} (n = {int(r.importance_n)})" for r in top.head(8).itertuples()))
    return Slide(title="What customers value most", bullets=bullets, figure=charts.importance_bars(sc, scale_max=smax),
                 chart_alt="Stated importance of the eight most important needs", notes=notes)


def _drivers(data: RunData) -> Slide:
    dr = data.table("drivers")
    if dr is None or "pct_of_r2" not in dr:
        return _missing("What drives loyalty", "derived importance of the needs", data, "drivers")
    dr = dr[dr["need_name"].notna()]
    outcome = "recommend" if (dr["outcome"] == "recommend").any() else str(dr["outcome"].iloc[0])
    d = dr[dr["outcome"] == outcome].sort_values("raw_weight", ascending=False)
    first = d.iloc[0]
    r2 = first.get("r2")
    label = {"recommend": "willingness to recommend", "satisfaction": "satisfaction"}.get(outcome, outcome)
    bullets = [f"{first['need_name']} explains {fmt_pct(first['pct_of_r2'])} of what we can explain in {label}."]
    if finite(r2):
        bullets.append(f"The needs together explain {fmt_pct(100 * float(r2))} of its variation.")
    notes = (f"Relative weights of each need's performance on {label} (percent of R²); "
             + "; ".join(f"{r.need_name} {r.pct_of_r2:.1f}% (95% interval {r.pct_ci_low:.1f}–{r.pct_ci_high:.1f})"
                         for r in d.head(6).itertuples()))
    return Slide(title=f"What drives {label}", bullets=bullets, figure=charts.driver_bars(dr, outcome),
                 chart_alt=f"Derived importance of the six strongest drivers of {label}", notes=notes)


def _loyalty(data: RunData) -> Slide:
    roll = data.table("loyalty_rollup")
    resp = data.table("loyalty_respondents")
    if roll is None and resp is None:
        return _missing("Loyalty", "NPS and loyalty segments", data, "loyalty_rollup")
    kpis, notes = [], []
    if roll is not None:
        for metric, label, fmt in (("NPS", "NPS (−100 to +100)", lambda v: fmt_signed(v, 0)),
                                   ("Satisfaction", "mean satisfaction (1–10)", fmt_num)):
            row = roll[(roll["metric"] == metric) & (roll["method"] == "All responses")]
            if len(row):
                r = row.iloc[0]
                kpis.append((fmt(r["estimate"]), label))
                notes.append(f"{metric} {r['estimate']:.1f} (95% CI {r['ci_low']:.1f} to {r['ci_high']:.1f}, n = {int(r['n'])}).")
    bullets = []
    if resp is not None and "loyalty_segment" in resp:
        seg = resp["loyalty_segment"].dropna()
        if len(seg):
            shares = seg.value_counts(normalize=True) * 100
            weak = shares.get("At risk", 0) + shares.get("Vulnerable", 0)
            kpis.append((fmt_pct(weak), "of respondents vulnerable or at risk"))
            notes.append("Loyalty segments of respondents: " + ", ".join(f"{k} {v:.0f}%" for k, v in shares.items()) + f" (n = {len(seg)}).")
    nat = data.headline("02_quantitative", headlines.SEGMENT_AT_RISK.label)
    if finite(nat):
        bullets.append(f"{fmt_int(nat)} accounts are at risk by their loyalty segment.")
    return Slide(title="Loyalty: how firmly customers stay with us", kpis=kpis, bullets=bullets, notes=" ".join(notes))


def _gaps(data: RunData) -> Slide:
    g = data.table("gap_needs")
    if g is None or "gap" not in g:
        return _missing("Gaps", "importance against our performance", data, "gap_needs")
    conc = g[g["quadrant"] == CONCENTRATE].sort_values("gap", ascending=False) if "quadrant" in g else g.iloc[:0]
    big = g.sort_values("gap", ascending=False).iloc[0]
    bullets = [f"Largest gap: {big['need']}, {fmt_num(big['gap'])} points."]
    if len(conc):
        bullets.append(f"Concentrate here: {_names(list(conc['need']))}.")
    else:
        bullets.append("No need falls in Concentrate here.")
    notes = ("Gap = mean importance minus mean performance, per need. "
             + "; ".join(f"{r.need}: importance {r.importance:.2f}, performance {r.performance:.2f}, gap {r.gap:.2f} "
                         f"(95% CI {r.gap_ci_low:.2f} to {r.gap_ci_high:.2f}, n = {int(r.n)})"
                         for r in g.sort_values("gap", ascending=False).head(6).itertuples()))
    return Slide(title="Where we fall short of what matters", bullets=bullets, figure=charts.gap_chart(g),
                 chart_alt="Importance and our performance for the six largest gaps", notes=notes)


def _competitors(data: RunData) -> Slide:
    c = data.table("gap_competitors")
    if c is None or "difference" not in c:
        return _missing("Competitors", "our performance against competitors", data, "gap_competitors")
    lose = c[c["verdict"] == "we lose"] if "verdict" in c else c[c["difference"] < 0]
    bullets = []
    if len(lose):
        by = lose.groupby("competitor_id").size().sort_values(ascending=False)
        cid = by.index[0]
        worst = lose.sort_values("difference").iloc[0]
        bullets.append(f"{data.competitor(cid)} is rated above us on {by.iloc[0]} needs.")
        bullets.append(f"Widest lead: {data.need_names.get(str(worst['need_id']), worst['need_id'])}, "
                       f"{fmt_num(-worst['difference'])} points ({data.competitor(worst['competitor_id'])}).")
    else:
        bullets.append("No competitor is rated clearly above us on any need.")
    notes = ("Paired comparison of the same respondents' ratings of us and of a competitor; a lead counts when it holds after "
             "correction for multiple tests. "
             + "; ".join(f"{data.need_names.get(str(r.need_id), r.need_id)} vs {data.competitor(r.competitor_id)}: us {r.us:.2f}, "
                         f"them {r.them:.2f} (n = {int(r.n)})" for r in lose.sort_values("difference").head(6).itertuples()))
    return Slide(title="Where competitors are rated above us", bullets=bullets,
                 figure=charts.competitor_chart(c, data.competitor_names, data.need_names),
                 chart_alt="Our performance minus each competitor's on the needs where a competitor leads most", notes=notes)


def _at_risk(data: RunData) -> Slide:
    r = data.table("at_risk")
    if r is None or "revenue_at_stake" not in r:
        return _missing("Revenue at risk", "accounts at risk and the revenue at stake", data, "at_risk")
    stake = r[r["revenue_at_stake"].fillna(0) > 0]
    total = float(stake["revenue_at_stake"].sum())
    n_high = int((r["risk_level"] == "High").sum())
    bullets = [f"{fmt_money(total, data.currency)} revenue at stake in {len(stake)} accounts.",
               f"{n_high} at high risk: {_names([str(n) for n in r.loc[r['risk_level'] == 'High', 'account_name']], 2)}." if n_high
               else "No account at high risk."]
    notes = ("Revenue at stake = latest revenue of accounts at high or medium risk. "
             + "; ".join(f"{x.account_name}: {x.risk_level} risk, score {x.risk_score:.0f}, {fmt_money(x.revenue_at_stake, data.currency)}"
                         + (f" — {x.reasons}" if isinstance(x.reasons, str) else "") for x in stake.head(8).itertuples()))
    fig = charts.risk_bars(r, data.currency) if len(stake) else None
    return Slide(title="Revenue at risk", bullets=bullets, figure=fig, chart_alt="Revenue at stake per account at risk", notes=notes)


def _decisions(data: RunData) -> list[Slide]:
    rec = data.table("recommendations")
    if rec is None or "action" not in rec:
        return [_missing("Decisions asked of leadership", "the recommended actions", data, "recommendations")]
    top = rec.sort_values("rank").head(3)
    items = [f"{shorten(x.action, 11)} — {x.owner}, {fmt_money(x.resources, data.currency)}" for x in top.itertuples()]
    notes = ("Ask leadership to approve the three actions with the best return on resources and to name their owners. "
             + " ".join(f"{int(x.rank)}. {x.action} (owner {x.owner}; resources {fmt_money(x.resources, data.currency)}; "
                        f"expected impact {fmt_money(x.impact, data.currency)})." for x in top.itertuples()))
    return _chunked("Decisions we ask of you", items, notes, per_slide=3)


def leadership(data: RunData) -> Deck:
    """The leadership-workshop deck of a run."""
    slides = [Slide(title=f"{data.client}: what our customers told us", kind="title",
                    subtitle=_subtitle("Leadership workshop", data),
                    notes="Welcome. Today: the results, what customers value, what drives their loyalty, where we fall short, "
                          "the revenue at risk, and the decisions we ask of you. Arrow keys move between slides; S opens the speaker view.")]
    slides += _findings(data)
    for build in (_situation, _value, _drivers, _loyalty, _gaps, _competitors, _at_risk):
        slides.append(_safe(build, data))
    slides += _safe_list(_decisions, data)
    return Deck(name="leadership", title=f"{data.client} — leadership workshop", slides=slides)


# ----------------------------------------------------------------------
# Business-team deck
# ----------------------------------------------------------------------
def _priority_needs(data: RunData) -> pd.DataFrame | None:
    w = data.table("gap_words")
    if w is None or "need_id" not in w:
        return None
    w = w.sort_values("gap", ascending=False)
    pick = w[w["quadrant"] == CONCENTRATE]
    if len(pick) < 3:
        more = w[(w["stance"] == "gap") & ~w["need_id"].isin(pick["need_id"])]
        pick = pd.concat([pick, more.head(3 - len(pick))])
    return pick.head(MAX_PRIORITY_NEEDS)


def _priorities_overview(data: RunData, pri: pd.DataFrame | None) -> Slide:
    g = data.table("gap_needs")
    if pri is None or g is None:
        return _missing("Priority needs", "the needs to work on first", data, "gap_words", "gap_needs")
    chosen = g[g["need_id"].isin(pri["need_id"])]
    bullets = [f"{len(pri)} needs to work on first: {_names(list(pri['need']), 5)}."]
    if (pri["quadrant"] == CONCENTRATE).all():
        bullets.append("All are important to customers and rated below average.")
    notes = ("Priority needs: the needs in Concentrate here (importance above and performance below the crosshairs), "
             "completed by the largest remaining gaps when fewer than three. "
             + "; ".join(f"{r.need}: gap {r.gap:.2f}, {r.quadrant}" for r in pri.itertuples()))
    return Slide(title="The needs we work on first", bullets=bullets, figure=charts.gap_chart(chosen, top=MAX_PRIORITY_NEEDS),
                 chart_alt="Importance and our performance for the priority needs", notes=notes)


def _quotes(data: RunData, ids: object, budget: int) -> tuple[list[Quote], list[str]]:
    out, full = [], []
    cands = []
    for qid in [q.strip() for q in str(ids).split(";") if q.strip()] if isinstance(ids, str) else []:
        if qid in data.verbatims:
            text, who = data.verbatims[qid]
            cands.append((count_words(text), text, who))
            full.append(f"“{text}” ({who})")
    for _, text, who in sorted(cands, key=lambda c: c[0])[:2]:
        room = min(24, budget - count_words(who) - 1)  # one word of room for the ellipsis of a cut quote
        if room < 6:
            break
        short = shorten(text, room)
        out.append(Quote(short, who))
        budget -= count_words(short) + count_words(who)
    return out, full


def _need_slide(data: RunData, row: pd.Series) -> Slide:
    g = data.table("gap_needs")
    gi = g[g["need_id"] == row["need_id"]].iloc[0] if g is not None and (g["need_id"] == row["need_id"]).any() else None
    title = str(row["need"])
    bullets = []
    if gi is not None:
        bullets.append(f"Importance {fmt_num(gi['importance'])}, performance {fmt_num(gi['performance'])}: gap {fmt_num(gi['gap'])}.")
    if finite(row.get("verbatims")) and finite(row.get("what_hurts")) and row["verbatims"] > 0:
        bullets.append(f"{fmt_int(row['what_hurts'])} of {fmt_int(row['verbatims'])} remarks are complaints.")
    used = count_words(title) + sum(count_words(b) for b in bullets)
    quotes, full = _quotes(data, row.get("quote_ids"), MAX_WORDS - used)
    notes = [f"{title}: quadrant {row['quadrant']}, stance {row['stance']}."]
    if gi is not None:
        notes.append(f"Gap {gi['gap']:.2f} (95% CI {gi['gap_ci_low']:.2f} to {gi['gap_ci_high']:.2f}, n = {int(gi['n'])}).")
    if full:
        notes.append("Quotes in full: " + " ".join(full))
    if isinstance(row.get("other_side_quote"), str) and row["other_side_quote"]:
        notes.append(f"The other side: “{row['other_side_quote']}”")
    if isinstance(row.get("words_note"), str) and row["words_note"]:
        notes.append(str(row["words_note"]))
    if not quotes:
        notes.append("No remark fits this need's stance, so no quote is shown.")
    return Slide(title=title, bullets=bullets, quotes=quotes, notes=" ".join(notes))


def _plan_rows(data: RunData) -> pd.DataFrame | None:
    plan = data.action_plan()
    if plan is None or "action" not in plan:
        return None
    return plan.sort_values("rank") if "rank" in plan else plan


def _action_plan(data: RunData) -> list[Slide]:
    plan = _plan_rows(data)
    if plan is None:
        return [_missing("Action plan", "the actions, owners and dates", data, "action_plan")]
    items = [f"{shorten(x.action, 12)} — {x.owner}, by {x.due_date}" for x in plan.itertuples()]
    notes = "Actions ranked by expected return on resources. " + " ".join(
        f"{int(x.rank)}. {x.action} (owner {x.owner}, due {x.due_date})." for x in plan.itertuples())
    return _chunked("Action plan", items, notes, per_slide=3)


def _metrics(data: RunData) -> list[Slide]:
    plan = _plan_rows(data)
    if plan is None or "metric" not in plan:
        return [_missing("Metrics", "the measures and their targets", data, "action_plan", "metrics")]
    seen, items, notes = set(), [], []
    smax = data.scale_max("performance")
    for x in plan.itertuples():
        if x.metric in seen:
            continue
        seen.add(x.metric)
        need = re.sub(r"^Customers' rating of (.+?) \(.*\)$", r"\1", str(x.metric))
        items.append(f"{need}: rating {fmt_num(x.baseline)} → {fmt_num(x.target)} by {x.due_date}")
        notes.append(f"{x.metric}: baseline {fmt_num(x.baseline, 2)} and target {fmt_num(x.target, 2)} are customers' mean "
                     f"ratings (1–{smax:g}) of the need in the next wave; the operational measure comes from our own systems.")
    return _chunked(f"Metrics: customers' ratings (1–{smax:g})", items,
                    "Baseline and target are customers' ratings. " + " ".join(notes), per_slide=4)


def _owners(data: RunData) -> list[Slide]:
    plan = _plan_rows(data)
    if plan is None or "owner" not in plan:
        return [_missing("Owners", "who owns which action", data, "action_plan")]
    items = []
    for owner, grp in plan.groupby("owner", sort=False):
        n = len(grp)
        items.append(f"{owner}: {n} action{'s' if n > 1 else ''}, first due {min(map(str, grp['due_date']))}")
    notes = "Each owner presents their actions, metric and first milestone. " + " ".join(
        f"{o}: {'; '.join(grp['action'].astype(str))}." for o, grp in plan.groupby("owner", sort=False))
    return _chunked("Owners", items, notes, per_slide=5)


_DEFAULT_INTERNAL = re.compile(r"^Present at the business-team workshop; (.+) reports (.+) monthly against the target\.$")


def _communication(data: RunData) -> list[Slide]:
    plan = _plan_rows(data)
    if plan is None:
        return [_missing("Communication", "internal and customer communication", data, "action_plan")]
    slides = []
    if "internal_communication" in plan:
        owners = [str(o) for o, m in zip(plan["owner"], plan["internal_communication"]) if isinstance(m, str) and _DEFAULT_INTERNAL.match(m)]
        items = []
        if owners:
            items.append("Present the plan to staff at this workshop.")
            items.append(f"Monthly report against target: {_names(list(dict.fromkeys(owners)), 4)}.")
        for o, m in zip(plan["owner"], plan["internal_communication"]):
            if isinstance(m, str) and m and not _DEFAULT_INTERNAL.match(m):
                items.append(f"{o}: {shorten(m, 14)}")
        notes = "Internal communication per action: " + " ".join(
            f"{x.action}: {x.internal_communication}" for x in plan.itertuples() if isinstance(x.internal_communication, str))
        slides += _chunked("Telling our own people", items, notes, per_slide=4)
    else:
        slides.append(_missing("Telling our own people", "the internal communication", data, "action_plan"))
    if "communication_to_customer" in plan:
        items = []
        for x in plan.itertuples():
            accounts = [a for a in str(getattr(x, "accounts_affected", "") or "").split(";") if a.strip()]
            needs = str(getattr(x, "needs", "") or "").replace(";", ",")
            who = f"{len(accounts)} accounts" if accounts else "the accounts concerned"
            items.append(f"{x.owner} tells {who} about {shorten(needs, 5)}, by {x.due_date}")
        notes = ("Tell each account what it told us, what we change and by when. "
                 + " ".join(f"{x.owner}: {x.communication_to_customer} Accounts: "
                            + ", ".join(data.account_names.get(a.strip(), a.strip()) for a in str(getattr(x, 'accounts_affected', '') or '').split(';') if a.strip())
                            + "." for x in plan.itertuples() if isinstance(x.communication_to_customer, str)))
        slides += _chunked("Telling the customer", items, notes, per_slide=2)
    else:
        slides.append(_missing("Telling the customer", "who tells the customer what", data, "action_plan"))
    return slides


def business_team(data: RunData) -> Deck:
    """The business-team-workshop deck of a run."""
    slides = [Slide(title=f"{data.client}: from what customers said to what we do", kind="title",
                    subtitle=_subtitle("Business-team workshop", data),
                    notes="Two days: day one, each priority need with its evidence and the customers' own words; day two, the "
                          "action plan, metrics, owners, and who tells whom what. Quotes name the speaker's role, never the person.")]
    pri = _safe_value(_priority_needs, data)
    slides.append(_priorities_overview(data, pri))
    if pri is not None:
        for _, row in pri.iterrows():
            slides.append(_safe(lambda d, r=row: _need_slide(d, r), data))
    for build in (_action_plan, _metrics, _owners, _communication):
        slides += _safe_list(build, data)
    return Deck(name="business_team", title=f"{data.client} — business-team workshop", slides=slides)


# ----------------------------------------------------------------------
# A table with unexpected content gives a "not available" slide, never a crash
# ----------------------------------------------------------------------
def _problem(build: Callable, exc: Exception) -> Slide:
    name = getattr(build, "__name__", "section").strip("_").replace("_", " ")
    return Slide(title=f"{name.capitalize()}: not available", kind="missing",
                 bullets=["Not shown: this section's tables do not have the expected content.", f"Problem: {type(exc).__name__}."],
                 notes=f"Building this slide failed with {type(exc).__name__}: {exc}. Re-run the step that writes its tables.")


def _safe(build: Callable[[RunData], Slide], data: RunData) -> Slide:
    try:
        return build(data)
    except (KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
        return _problem(build, exc)


def _safe_list(build: Callable[[RunData], list[Slide]], data: RunData) -> list[Slide]:
    try:
        return build(data)
    except (KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
        return [_problem(build, exc)]


def _safe_value(build: Callable, data: RunData):
    try:
        return build(data)
    except (KeyError, ValueError, TypeError, IndexError, AttributeError):
        return None
