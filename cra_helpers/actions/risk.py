"""Account risk: the score, its components, the reasons in plain words, revenue at stake.

The components, their scoring and the bands are described in the package
docstring (:mod:`cra_helpers.actions`, *Risk score*). The remarks' sentiment
(:func:`verbatim_sentiment`) is also what the one-pagers' quotes are chosen from.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from .. import gap as G
from .. import quantitative as Q
from .. import schema as S
from ..assessment import Assessment
from ..config import Config

HIGH, MEDIUM, LOW = "High", "Medium", "Low"
SEGMENT_RISK = {Q.AT_RISK: 1.0, Q.VULNERABLE: 2 / 3, Q.FAVORABLE: 1 / 3, Q.SECURE: 0.0}
COMPONENTS = ("segment", "nps", "satisfaction", "trend", "decision_makers", "concentrate", "negative_verbatims", "competitor", "sales")


VERBATIM_NEEDS_TABLE = "verbatim_needs"
NEEDS_TREE_NODES_TABLE = "needs_tree_nodes"


def _unneutralize(v: object) -> object:
    """Undo :func:`cra_helpers.safe.neutralize_formula` on a value read back from a CSV table."""
    from ..safe import FORMULA_PREFIXES

    if isinstance(v, str) and v[:1] == "'" and v[1:].startswith(FORMULA_PREFIXES):
        return v[1:]
    return v


def verbatim_sentiment(a: Assessment, out_dir: str | Path | None = None) -> pd.DataFrame:
    """Every remark with its sentiment class and score, who said it and (when known) the need it is about.

    Parameters
    ----------
    a
        The assessment (``verbatims``; interviews and contacts for who said it).
    out_dir
        Report folder of the run. When the needs tree ran there
        (``tables/verbatim_needs.csv`` and ``tables/needs_tree_nodes.csv``),
        its classes, scores and need matches are used, so that this step
        and the needs tree count the same remarks as negative; otherwise
        :func:`cra_helpers.sentiment.classify` scores the remarks here and
        ``need_id`` stays empty.

    Returns
    -------
    DataFrame
        ``verbatim_id, interview_id, account_id, level, department,
        decision_role, text, sentiment`` (``negative``/``neutral``/
        ``positive``), ``sentiment_score`` (−1…1), ``need_id`` (``""`` when
        not matched), ``fit`` (how typical of its node, 0–1; NaN without the
        needs tree) and ``duplicate`` (the needs tree marked it as a repeat).
        ``attrs["source"]`` is ``"needs tree"`` or the classify method.
    """
    cols = [S.VERBATIM_ID, S.INTERVIEW_ID, S.ACCOUNT_ID, S.LEVEL, S.DEPARTMENT, S.DECISION_ROLE, S.TEXT,
            "sentiment", "sentiment_score", S.NEED_ID, "fit", "duplicate"]
    if not a.has(S.VERBATIMS):
        out = pd.DataFrame(columns=cols)
        out.attrs["source"] = ""
        return out
    resp = a.respondents()
    who = [c for c in (S.INTERVIEW_ID, S.ACCOUNT_ID, S.LEVEL, S.DEPARTMENT, S.DECISION_ROLE) if c in resp]
    v = a.verbatims[[S.VERBATIM_ID, S.INTERVIEW_ID, S.TEXT]].merge(resp[who], on=S.INTERVIEW_ID, how="left")
    v[S.VERBATIM_ID] = v[S.VERBATIM_ID].astype(str)
    tree = _read_tree_tables(out_dir) if out_dir else None
    if tree is not None and set(v[S.VERBATIM_ID]) <= set(tree[S.VERBATIM_ID]):
        t = tree.set_index(S.VERBATIM_ID)
        v["sentiment"] = t["sentiment"].reindex(v[S.VERBATIM_ID]).to_numpy()
        v["sentiment_score"] = t["sentiment_score"].reindex(v[S.VERBATIM_ID]).astype(float).to_numpy()
        v[S.NEED_ID] = t[S.NEED_ID].reindex(v[S.VERBATIM_ID]).fillna("").astype(str).to_numpy()
        v["fit"] = t["fit"].reindex(v[S.VERBATIM_ID]).astype(float).to_numpy()
        v["duplicate"] = t["duplicate"].reindex(v[S.VERBATIM_ID]).fillna(False).astype(bool).to_numpy()
        source = "needs tree"
    else:
        from ..sentiment import classify

        c = classify(v[S.TEXT].tolist())
        v["sentiment"] = c["sentiment"].to_numpy()
        v["sentiment_score"] = c["sentiment_score"].to_numpy()
        v[S.NEED_ID] = ""
        v["fit"] = np.nan
        v["duplicate"] = False
        source = str(c.attrs.get("method", ""))
    out = v[[c for c in cols if c in v]].reset_index(drop=True)
    out.attrs["source"] = source
    return out


def _read_tree_tables(out_dir: str | Path) -> pd.DataFrame | None:
    """verbatim_id → sentiment, score, need_id, fit, duplicate, from the needs tree's tables of a run."""
    tables = Path(out_dir) / "tables"
    vpath, npath = tables / f"{VERBATIM_NEEDS_TABLE}.csv", tables / f"{NEEDS_TREE_NODES_TABLE}.csv"
    if not vpath.is_file():
        return None
    v = pd.read_csv(vpath, dtype=str, keep_default_na=False)
    if not {S.VERBATIM_ID, "sentiment", "sentiment_score"} <= set(v.columns):
        return None
    v = v.map(_unneutralize)
    need_of: dict[str, str] = {}
    if npath.is_file():
        n = pd.read_csv(npath, dtype=str, keep_default_na=False)
        if {"node_id", S.NEED_ID}.issubset(n.columns):
            need_of = {k: x for k, x in zip(n["node_id"], n[S.NEED_ID]) if x}
    out = pd.DataFrame({
        S.VERBATIM_ID: v[S.VERBATIM_ID],
        "sentiment": v["sentiment"].where(v["sentiment"].isin(["negative", "neutral", "positive"]), "neutral"),
        "sentiment_score": pd.to_numeric(v["sentiment_score"], errors="coerce").fillna(0.0),
        S.NEED_ID: v["tertiary"].map(need_of).fillna("") if "tertiary" in v else "",
        "fit": pd.to_numeric(v["fit"], errors="coerce") if "fit" in v else np.nan,
        "duplicate": (v["status"] == "duplicate") if "status" in v else False,
    })
    return out


def _verbatim_negativity(a: Assessment, sentiment: pd.DataFrame | None = None) -> pd.Series:
    """Share of each account's remarks classed negative (0–1)."""
    if not a.has(S.VERBATIMS):
        return pd.Series(dtype=float)
    v = verbatim_sentiment(a) if sentiment is None else sentiment
    if S.ACCOUNT_ID not in v:
        v = v.merge(a.respondents()[[S.INTERVIEW_ID, S.ACCOUNT_ID]], on=S.INTERVIEW_ID, how="left")
    v = v.assign(negative=v["sentiment"].astype(str) == "negative")
    return v.groupby(S.ACCOUNT_ID)["negative"].mean().astype(float)


def _satisfaction_trend(resp: pd.DataFrame, scale_range: float) -> pd.Series:
    """Fall of mean satisfaction from the previous wave to the latest, per account (0–1)."""
    waves = sorted(w for w in resp[S.WAVE].dropna().astype(str).unique())
    if len(waves) < 2:
        return pd.Series(dtype=float)
    last, prev = waves[-1], waves[-2]
    m = resp.assign(_w=resp[S.WAVE].astype(str)).groupby([S.ACCOUNT_ID, "_w"])[S.SATISFACTION].mean().unstack()
    if last not in m or prev not in m:
        return pd.Series(dtype=float)
    return ((m[prev] - m[last]) / scale_range).clip(lower=0, upper=1).dropna()


def account_risk(a: Assessment, loyalty: pd.DataFrame | None = None, sentiment: pd.DataFrame | None = None) -> pd.DataFrame:
    """Risk score per interviewed account, with its components and reasons in plain words.

    Parameters
    ----------
    a
        The assessment (needs ratings, loyalty, interviews, contacts).
    loyalty
        :func:`cra_helpers.quantitative.account_loyalty` if already computed.
    sentiment
        :func:`verbatim_sentiment` if already computed (``None``: the remarks
        are classified here).

    Returns
    -------
    DataFrame
        ``account_id, account_name, risk_score (0–100), risk_level,
        revenue, revenue_at_stake, reasons`` (``; ``-separated sentences,
        strongest first), ``components_used`` and one ``c_<component>``
        column per component (0–1, NaN when not computable), sorted by risk,
        highest first.
    """
    cfg = a.config.actions.risk
    weights = cfg.weights.model_dump()
    loyalty = Q.account_loyalty(a) if loyalty is None else loyalty
    signals = _risk_signals(a, loyalty, sentiment)
    frame = _risk_scores(signals.components, signals.loyalty.index, weights, cfg.high, cfg.medium)
    acc = a.accounts.set_index(S.ACCOUNT_ID)
    frame["account_name"] = a.account_names().reindex(frame.index).astype(object)
    frame["revenue"] = acc[S.REVENUE].reindex(frame.index).astype(float)
    frame["revenue_at_stake"] = np.where(frame["risk_level"] != LOW, frame["revenue"], 0.0)
    frame["reasons"] = [
        "; ".join(_reasons(account_id=acc_id, components=frame.loc[acc_id], weights=weights, loyalty=signals.loyalty,
                           decision_makers=signals.decision_makers, account_needs=signals.account_needs,
                           respondent_needs=signals.respondent_needs, assessment=a,
                           competitor_detail=signals.competitor_detail))
        for acc_id in frame.index
    ]
    frame = frame.reset_index().rename(columns={"index": S.ACCOUNT_ID})
    lead = [S.ACCOUNT_ID, "account_name", "risk_score", "risk_level", "revenue", "revenue_at_stake", "reasons", "components_used"]
    frame = frame[lead + [f"c_{k}" for k in COMPONENTS]]
    return frame.sort_values("risk_score", ascending=False, kind="stable").reset_index(drop=True)


class _RiskSignals(NamedTuple):
    """The risk components per account (0–1) and the detail the reasons quote."""

    components: dict[str, pd.Series]
    loyalty: pd.DataFrame  # account_loyalty indexed by account
    decision_makers: pd.DataFrame  # per account: n decision-makers, det detractors among them
    account_needs: pd.DataFrame  # account × need means, conc = in Concentrate here
    respondent_needs: pd.DataFrame  # gap.respondent_needs
    competitor_detail: pd.DataFrame  # per account: the best competitor and its largest lead


def _risk_signals(a: Assessment, loyalty: pd.DataFrame, sentiment: pd.DataFrame | None) -> _RiskSignals:
    """Every risk component per account, from the loyalty, ratings, remarks, competitors and sales."""
    cfg = a.config.actions.risk
    resp = Q.respondent_loyalty(a)
    sat = a.config.scale(S.SCALE_SATISFACTION)
    comp: dict[str, pd.Series] = {}
    L = loyalty.set_index(S.ACCOUNT_ID)
    comp["segment"] = L[Q.SEGMENT].map(SEGMENT_RISK).astype(float)
    comp["nps"] = ((100 - L["nps_role_weighted"]) / 200).clip(0, 1)
    comp["satisfaction"] = (1 - sat.to_unit(L["satisfaction"])).clip(0, 1)
    comp["trend"] = _satisfaction_trend(resp, sat.max - sat.min)
    dm = resp[resp[S.DECISION_ROLE].astype(str) == "decision-maker"]
    dm_counts = dm.groupby(S.ACCOUNT_ID).agg(n=(Q.NPS_CATEGORY, "size"), det=(Q.NPS_CATEGORY, lambda s: int((s == "detractor").sum())))
    comp["decision_makers"] = dm_counts["det"] / dm_counts["n"]
    rn, acc_need = _concentrate_needs(a)
    comp["concentrate"] = acc_need.groupby(S.ACCOUNT_ID)["conc"].mean()
    comp["negative_verbatims"] = _verbatim_negativity(a, sentiment)
    comp_adv, comp_detail = _competitor_advantage(a)
    comp["competitor"] = (comp_adv / cfg.competitor_full_points).clip(0, 1)
    sales = L["revenue_change_pct"] if "revenue_change_pct" in L else pd.Series(dtype=float)
    comp["sales"] = (-sales / cfg.sales_full_drop_pct).clip(0, 1)
    return _RiskSignals(comp, L, dm_counts, acc_need, rn, comp_detail)


def _concentrate_needs(a: Assessment) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Respondent needs, and the account × need means flagged ``conc`` when in Concentrate here on the portfolio's crosshairs."""
    rn = G.respondent_needs(a)
    portfolio = G.need_gaps(a, respondents=rn)
    imp_cut, perf_cut = portfolio.attrs["importance_cut"], portfolio.attrs["performance_cut"]
    acc_need = rn.groupby([S.ACCOUNT_ID, S.NEED_ID])[[S.IMPORTANCE, S.PERFORMANCE, "gap"]].mean().reset_index()
    acc_need["conc"] = (acc_need[S.IMPORTANCE] >= imp_cut) & (acc_need[S.PERFORMANCE] < perf_cut)
    return rn, acc_need


def _risk_scores(comp: dict[str, pd.Series], accounts: pd.Index, weights: dict[str, float], high: float,
                 medium: float) -> pd.DataFrame:
    """Per account: the ``c_<component>`` columns, the weighted mean ×100, its band and the components used."""
    frame = pd.DataFrame(index=accounts)
    for k in COMPONENTS:
        frame[f"c_{k}"] = comp[k].reindex(frame.index).astype(float) if len(comp[k]) else np.nan
    cvals = frame[[f"c_{k}" for k in COMPONENTS]].to_numpy(float)
    w = np.array([weights[k] for k in COMPONENTS], dtype=float)
    avail = ~np.isnan(cvals) & (w > 0)
    num = np.nansum(np.where(avail, cvals * w, 0.0), axis=1)
    den = np.sum(np.where(avail, w, 0.0), axis=1)
    frame["risk_score"] = np.where(den > 0, 100 * num / np.where(den > 0, den, 1), np.nan)
    frame["risk_level"] = np.select([frame["risk_score"] >= high, frame["risk_score"] >= medium], [HIGH, MEDIUM], LOW)
    frame["components_used"] = [", ".join(k for k, ok in zip(COMPONENTS, row) if ok) for row in avail]
    return frame


def _competitor_advantage(a: Assessment) -> tuple[pd.Series, pd.DataFrame]:
    """Per account: the best competitor's mean advantage over us (them − us, points) and the details."""
    if not a.has(S.COMPETITORS) or a.ratings[S.COMPETITOR_ID].isna().all():
        return pd.Series(dtype=float), pd.DataFrame()
    r = a.ratings_by_respondent().dropna(subset=[S.COMPETITOR_ID, S.PERFORMANCE, S.COMPETITOR_PERFORMANCE])
    r = r.assign(adv=r[S.COMPETITOR_PERFORMANCE].astype(float) - r[S.PERFORMANCE].astype(float))
    per_need = r.groupby([S.ACCOUNT_ID, S.COMPETITOR_ID, S.NEED_ID], observed=True)["adv"].mean().reset_index()
    per_comp = per_need.groupby([S.ACCOUNT_ID, S.COMPETITOR_ID], observed=True)["adv"].agg(["mean", lambda s: int((s > 0.5).sum())]).reset_index()
    per_comp.columns = [S.ACCOUNT_ID, S.COMPETITOR_ID, "mean_adv", "needs_ahead"]
    best = per_comp.sort_values("mean_adv", ascending=False).drop_duplicates(S.ACCOUNT_ID)
    top_need = per_need.sort_values("adv", ascending=False).drop_duplicates([S.ACCOUNT_ID, S.COMPETITOR_ID])
    best = best.merge(top_need.rename(columns={"adv": "top_adv"}), on=[S.ACCOUNT_ID, S.COMPETITOR_ID], how="left")
    return best.set_index(S.ACCOUNT_ID)["mean_adv"].astype(float), best.set_index(S.ACCOUNT_ID)


def _reasons(*, account_id: str, components: pd.Series, weights: dict[str, float], loyalty: pd.DataFrame,
             decision_makers: pd.DataFrame, account_needs: pd.DataFrame, respondent_needs: pd.DataFrame,
             assessment: Assessment, competitor_detail: pd.DataFrame) -> list[str]:
    """Plain-language reasons, strongest contribution first.

    Parameters
    ----------
    account_id
        The account.
    components
        Its row of the risk frame (``c_<component>`` scores, 0–1 or NaN).
    weights
        Weights of the components (``actions.risk.weights``).
    loyalty
        :func:`cra_helpers.quantitative.account_loyalty` indexed by account.
    decision_makers
        Per account: ``n`` decision-makers and ``det`` detractors among them.
    account_needs
        Account × need means with ``conc`` (in Concentrate here).
    respondent_needs
        :func:`cra_helpers.gap.respondent_needs` (for the worst location).
    assessment
        For need, competitor and site names.
    competitor_detail
        Per account: the best competitor, its lead and largest lead (:func:`_competitor_advantage`).
    """
    lo = loyalty.loc[account_id]
    said: list[tuple[float, str]] = []

    def add(key: str, text: str) -> None:
        c = components.get(f"c_{key}")
        if c is not None and not np.isnan(c) and c >= 0.3:
            said.append((c * weights[key], text))

    add("segment", f"loyalty segment {lo[Q.SEGMENT]}")
    add("nps", f"role-weighted NPS {lo['nps_role_weighted']:+.0f}")
    add("satisfaction", f"satisfaction {lo['satisfaction']:.1f} (portfolio {loyalty['satisfaction'].mean():.1f})")
    add("trend", "satisfaction fell since the previous wave")
    if account_id in decision_makers.index:
        d = decision_makers.loc[account_id]
        add("decision_makers", f"{int(d['det'])} of {int(d['n'])} decision-makers are detractors")
    names = assessment.need_names().to_dict()
    mine = account_needs[account_needs[S.ACCOUNT_ID] == account_id]
    if len(mine):
        add("concentrate", _concentrate_reason(assessment, account_id, mine, respondent_needs, names))
    if len(competitor_detail) and account_id in competitor_detail.index:
        add("competitor", _competitor_reason(assessment, competitor_detail.loc[account_id], names))
    add("negative_verbatims", f"{components['c_negative_verbatims']:.0%} of remarks negative")
    if "revenue_change_pct" in lo and not pd.isna(lo["revenue_change_pct"]):
        add("sales", f"revenue {lo['revenue_change_pct']:+.0f}% over the sales history")
    said.sort(key=lambda t: -t[0])
    return [t for _, t in said] or ["no strong risk signal"]


def _concentrate_reason(a: Assessment, account_id: str, mine: pd.DataFrame, rn: pd.DataFrame,
                        names: dict[str, str]) -> str:
    """The Concentrate-here reason: how many needs, the largest gap and, when rated at several sites, the worst one."""
    sites = a.location_names().to_dict()
    worst = mine.sort_values("gap", ascending=False).iloc[0]
    need = str(worst[S.NEED_ID])
    text = f"{names.get(need, need)} gap {worst['gap']:.1f} points"
    at = rn[(rn[S.ACCOUNT_ID] == account_id) & (rn[S.NEED_ID] == need)].dropna(subset=[S.PERFORMANCE, S.LOCATION_ID])
    by_site = at.groupby(S.LOCATION_ID)[S.PERFORMANCE].mean()
    if len(by_site) > 1:
        text += f", worst location: {sites.get(str(by_site.idxmin()), by_site.idxmin())}"
    return f"{int(mine['conc'].sum())} need(s) in Concentrate here; {text}"


def _competitor_reason(a: Assessment, c: pd.Series, names: dict[str, str]) -> str:
    """The competitor reason: the best-rated competitor, on how many needs it leads, its largest lead."""
    comp_names = a.competitor_names().to_dict()
    cid = str(c[S.COMPETITOR_ID])
    return (f"{comp_names.get(cid, cid)} rated above us on {int(c['needs_ahead'])} needs "
            f"(largest: {names.get(str(c[S.NEED_ID]), c[S.NEED_ID])} +{c['top_adv']:.1f})")


def risk_weights_table(config: Config) -> pd.DataFrame:
    """The risk components and their weights, as shown in the report."""
    w = config.actions.risk.weights.model_dump()
    total = sum(w.values()) or 1
    return pd.DataFrame({"component": list(w), "weight": list(w.values()), "share_pct": [100 * v / total for v in w.values()]})
