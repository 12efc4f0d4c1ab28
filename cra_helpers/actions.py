"""At-risk accounts, recommendations ranked by return on resources, metrics and the action plan.

Risk score
----------
Each account interviewed gets components that score 0 (no sign of risk) to
1, combined as a weighted mean ×100 (weights: ``actions.risk.weights``;
components that cannot be computed, e.g. the trend with a single wave, drop
out of the mean and are reported as such):

``segment``             loyalty segment (Burke Secure Customer Index, see
                        :mod:`cra_helpers.quantitative`): At risk 1,
                        Vulnerable 2/3, Favorable 1/3, Secure 0.
``nps``                 role-weighted NPS: ``(100 − NPS) / 200``.
``satisfaction``        ``1 − (mean − min) / (max − min)`` on the satisfaction scale.
``trend``               fall of mean satisfaction since the previous wave,
                        as a share of the scale range (rises score 0).
``decision_makers``     share of the account's decision-makers who are
                        detractors (recommend 0–6).
``concentrate``         share of the needs rated at the account that fall in
                        *Concentrate here* when the account's means are
                        placed on the portfolio's crosshairs.
``negative_verbatims``  share of the account's remarks with VADER compound
                        ≤ ``negative_compound``.
``competitor``          mean advantage over needs of the best-rated competitor
                        at the account (them − us, points), divided by
                        ``competitor_full_points`` and clipped to 0–1.
``sales``               revenue drop over the sales history (first to last
                        period), divided by ``sales_full_drop_pct``, clipped.

Bands: *High* at or above ``risk.high``, *Medium* at or above ``risk.medium``,
else *Low*. Revenue at stake is the account's latest revenue when its risk is
High or Medium (the business that could be lost), else 0.

Return on resources
-------------------
For each need: ``impact = importance × gap⁺ × driver weight × revenue of the
accounts affected`` with importance and gap⁺ = max(importance − performance,
0) in performance-scale points (portfolio means, :func:`cra_helpers.gap.need_gaps`),
driver weight = the need's share of explained satisfaction (relative weights,
% of R² / 100; equal shares when drivers cannot be estimated) and accounts
affected = the accounts where the need's own gap is positive. An action's
impact is the sum over the needs it addresses; its resources are ``cost +
effort_days × day_rate`` (currency); return on resources = impact /
resources. The arithmetic is written out in the recommendations table.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources as ir
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import Field, ValidationError, model_validator

from . import gap as G
from . import quantitative as Q
from . import schema as S
from .assessment import Assessment
from .config import Config, ConfigError, _Strict
from .sentiment import compound_scores

HIGH, MEDIUM, LOW = "High", "Medium", "Low"
SEGMENT_RISK = {Q.AT_RISK: 1.0, Q.VULNERABLE: 2 / 3, Q.FAVORABLE: 1 / 3, Q.SECURE: 0.0}
COMPONENTS = ("segment", "nps", "satisfaction", "trend", "decision_makers", "concentrate", "negative_verbatims", "competitor", "sales")


# --------------------------------------------------------------------------- library
class ActionItem(_Strict):
    """One candidate action of the library (see ``resources/actions.yaml``)."""

    id: str
    action: str
    needs: list[str] = Field(min_length=1)
    effort_days: float = Field(ge=0)
    cost: float = Field(ge=0)
    owner: str
    metric: str
    internal: str | None = None
    customer: str | None = None


class MetricItem(_Strict):
    """One metric of the catalogue (see ``resources/metrics.yaml``)."""

    name: str
    unit: str
    needs: list[str] = Field(min_length=1)
    direction: Literal["higher", "lower"]
    definition: str


class ActionLibrary(_Strict):
    """The action library and the metrics catalogue, validated together."""

    actions: list[ActionItem] = Field(min_length=1)
    metrics: dict[str, MetricItem]

    @model_validator(mode="after")
    def _consistent(self) -> "ActionLibrary":
        ids = [a.id for a in self.actions]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate action id(s): {', '.join(dup)}")
        unknown = sorted({a.metric for a in self.actions} - set(self.metrics))
        if unknown:
            raise ValueError(f"action metric(s) not in the metrics catalogue: {', '.join(unknown)}")
        return self

    def actions_frame(self) -> pd.DataFrame:
        """The actions as a table (``needs`` joined with ``; ``)."""
        return pd.DataFrame([{**a.model_dump(), "needs": "; ".join(a.needs)} for a in self.actions])


def _read(path: str | Path | None, resource: str) -> tuple[dict, str]:
    if path:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"{p}: file not found")
        return yaml.safe_load(p.read_text(encoding="utf-8")) or {}, str(p)
    text = ir.files("cra_helpers.resources").joinpath(resource).read_text(encoding="utf-8")
    return yaml.safe_load(text) or {}, f"cra_helpers/resources/{resource}"


def load_library(config: Config, library: str | Path | None = None, metrics: str | Path | None = None) -> ActionLibrary:
    """Read and validate the action library and the metrics catalogue.

    Parameters
    ----------
    config
        Configuration; ``actions.library`` / ``actions.metrics`` name the
        client's files (empty: the packaged examples).
    library, metrics
        Paths that override the configuration.

    Raises
    ------
    ConfigError
        A file is missing or invalid; the message names the file and each
        offending entry (e.g. ``actions.3.effort_days``).
    """
    lib, lib_src = _read(library or config.actions.library, "actions.yaml")
    met, met_src = _read(metrics or config.actions.metrics, "metrics.yaml")
    try:
        return ActionLibrary.model_validate({"actions": lib.get("actions"), "metrics": met.get("metrics") or {}})
    except ValidationError as exc:
        lines = [f"  - {'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ConfigError(f"{lib_src} / {met_src}: invalid action library\n" + "\n".join(lines)) from None


def resolve_needs(names: list[str], needs: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Map need ids or names (case-insensitive) to need ids; return (ids, unknown)."""
    by_id = {str(i).lower(): str(i) for i in needs[S.NEED_ID]}
    by_name = {str(n).strip().lower(): str(i) for i, n in zip(needs[S.NEED_ID], needs[S.NEED_NAME])}
    ids, unknown = [], []
    for n in names:
        key = str(n).strip().lower()
        hit = by_id.get(key) or by_name.get(key)
        (ids if hit else unknown).append(hit or n)
    return ids, unknown


# --------------------------------------------------------------------------- risk
def _verbatim_negativity(a: Assessment, threshold: float) -> pd.Series:
    if not a.has(S.VERBATIMS):
        return pd.Series(dtype=float)
    v = a.verbatims.merge(a.respondents()[[S.INTERVIEW_ID, S.ACCOUNT_ID]], on=S.INTERVIEW_ID, how="left")
    v["negative"] = compound_scores(v[S.TEXT]) <= threshold
    return v.groupby(S.ACCOUNT_ID)["negative"].mean()


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


def account_risk(a: Assessment, loyalty: pd.DataFrame | None = None) -> pd.DataFrame:
    """Risk score per interviewed account, with its components and reasons in plain words.

    Parameters
    ----------
    a
        The assessment (needs ratings, loyalty, interviews, contacts).
    loyalty
        :func:`cra_helpers.quantitative.account_loyalty` if already computed.

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
    resp = Q.respondent_loyalty(a)
    sat = a.config.scale(S.SCALE_SATISFACTION)
    perf = a.config.scale(S.SCALE_PERFORMANCE)
    comp: dict[str, pd.Series] = {}
    L = loyalty.set_index(S.ACCOUNT_ID)
    comp["segment"] = L[Q.SEGMENT].map(SEGMENT_RISK).astype(float)
    comp["nps"] = ((100 - L["nps_role_weighted"]) / 200).clip(0, 1)
    comp["satisfaction"] = (1 - sat.to_unit(L["satisfaction"])).clip(0, 1)
    comp["trend"] = _satisfaction_trend(resp, sat.max - sat.min)
    dm = resp[resp[S.DECISION_ROLE].astype(str) == "decision-maker"]
    dm_counts = dm.groupby(S.ACCOUNT_ID).agg(n=(Q.NPS_CATEGORY, "size"), det=(Q.NPS_CATEGORY, lambda s: int((s == "detractor").sum())))
    comp["decision_makers"] = dm_counts["det"] / dm_counts["n"]
    # needs in Concentrate here at the account, on the portfolio's crosshairs
    rn = G.respondent_needs(a)
    portfolio = G.need_gaps(a, respondents=rn)
    imp_cut, perf_cut = portfolio.attrs["importance_cut"], portfolio.attrs["performance_cut"]
    acc_need = rn.groupby([S.ACCOUNT_ID, S.NEED_ID])[[S.IMPORTANCE, S.PERFORMANCE, "gap"]].mean().reset_index()
    acc_need["conc"] = (acc_need[S.IMPORTANCE] >= imp_cut) & (acc_need[S.PERFORMANCE] < perf_cut)
    comp["concentrate"] = acc_need.groupby(S.ACCOUNT_ID)["conc"].mean()
    comp["negative_verbatims"] = _verbatim_negativity(a, cfg.negative_compound)
    comp_adv, comp_detail = _competitor_advantage(a)
    comp["competitor"] = (comp_adv / cfg.competitor_full_points).clip(0, 1)
    sales = L["revenue_change_pct"] if "revenue_change_pct" in L else pd.Series(dtype=float)
    comp["sales"] = (-sales / cfg.sales_full_drop_pct).clip(0, 1)

    frame = pd.DataFrame(index=L.index)
    for k in COMPONENTS:
        frame[f"c_{k}"] = comp[k].reindex(frame.index).astype(float) if len(comp[k]) else np.nan
    cvals = frame[[f"c_{k}" for k in COMPONENTS]].to_numpy(float)
    w = np.array([weights[k] for k in COMPONENTS], dtype=float)
    avail = ~np.isnan(cvals) & (w > 0)
    num = np.nansum(np.where(avail, cvals * w, 0.0), axis=1)
    den = np.sum(np.where(avail, w, 0.0), axis=1)
    frame["risk_score"] = np.where(den > 0, 100 * num / np.where(den > 0, den, 1), np.nan)
    frame["risk_level"] = np.select([frame["risk_score"] >= cfg.high, frame["risk_score"] >= cfg.medium], [HIGH, MEDIUM], LOW)
    frame["components_used"] = [", ".join(k for k, ok in zip(COMPONENTS, row) if ok) for row in avail]
    acc = a.accounts.set_index(S.ACCOUNT_ID)
    frame["account_name"] = acc[S.ACCOUNT_NAME].reindex(frame.index).astype(object)
    frame["revenue"] = acc[S.REVENUE].reindex(frame.index).astype(float)
    frame["revenue_at_stake"] = np.where(frame["risk_level"] != LOW, frame["revenue"], 0.0)
    frame["reasons"] = [
        "; ".join(_reasons(acc_id, frame.loc[acc_id], weights, L, dm_counts, acc_need, rn, a, comp_detail, portfolio))
        for acc_id in frame.index
    ]
    frame = frame.reset_index().rename(columns={"index": S.ACCOUNT_ID})
    lead = [S.ACCOUNT_ID, "account_name", "risk_score", "risk_level", "revenue", "revenue_at_stake", "reasons", "components_used"]
    frame = frame[lead + [f"c_{k}" for k in COMPONENTS]]
    return frame.sort_values("risk_score", ascending=False, kind="stable").reset_index(drop=True)


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


def _reasons(acc_id, row, weights, L, dm_counts, acc_need, rn, a, comp_detail, portfolio) -> list[str]:
    """Plain-language reasons, strongest contribution first."""
    names = dict(zip(a.needs[S.NEED_ID].astype(str), a.needs[S.NEED_NAME].astype(str)))
    comp_names = dict(zip(a.competitors[S.COMPETITOR_ID].astype(str), a.competitors[S.COMPETITOR_NAME].astype(str))) if a.has(S.COMPETITORS) else {}
    sites = dict(zip(a.locations[S.LOCATION_ID].astype(str), a.locations[S.SITE].astype(str))) if a.has(S.LOCATIONS) else {}
    lo = L.loc[acc_id]
    said: list[tuple[float, str]] = []

    def add(key: str, text: str) -> None:
        c = row.get(f"c_{key}")
        if c is not None and not np.isnan(c) and c >= 0.3:
            said.append((c * weights[key], text))

    add("segment", f"loyalty segment {lo[Q.SEGMENT]}")
    add("nps", f"role-weighted NPS {lo['nps_role_weighted']:+.0f}")
    add("satisfaction", f"satisfaction {lo['satisfaction']:.1f} (portfolio {L['satisfaction'].mean():.1f})")
    add("trend", "satisfaction fell since the previous wave")
    if acc_id in dm_counts.index:
        d = dm_counts.loc[acc_id]
        add("decision_makers", f"{int(d['det'])} of {int(d['n'])} decision-makers are detractors")
    mine = acc_need[acc_need[S.ACCOUNT_ID] == acc_id]
    if len(mine):
        worst = mine.sort_values("gap", ascending=False).iloc[0]
        need = str(worst[S.NEED_ID])
        text = f"{names.get(need, need)} gap {worst['gap']:.1f} points"
        at = rn[(rn[S.ACCOUNT_ID] == acc_id) & (rn[S.NEED_ID] == need)].dropna(subset=[S.PERFORMANCE, S.LOCATION_ID])
        by_site = at.groupby(S.LOCATION_ID)[S.PERFORMANCE].mean()
        if len(by_site) > 1:
            text += f", worst location: {sites.get(str(by_site.idxmin()), by_site.idxmin())}"
        add("concentrate", f"{int(mine['conc'].sum())} need(s) in Concentrate here; {text}")
    if len(comp_detail) and acc_id in comp_detail.index:
        c = comp_detail.loc[acc_id]
        cid = str(c[S.COMPETITOR_ID])
        add("competitor", f"{comp_names.get(cid, cid)} rated above us on {int(c['needs_ahead'])} needs "
                          f"(largest: {names.get(str(c[S.NEED_ID]), c[S.NEED_ID])} +{c['top_adv']:.1f})")
    add("negative_verbatims", f"{row['c_negative_verbatims']:.0%} of remarks negative")
    if "revenue_change_pct" in lo and not pd.isna(lo["revenue_change_pct"]):
        add("sales", f"revenue {lo['revenue_change_pct']:+.0f}% over the sales history")
    said.sort(key=lambda t: -t[0])
    return [t for _, t in said] or ["no strong risk signal"]


# --------------------------------------------------------------------------- recommendations
def need_impact(a: Assessment, drivers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Impact of improving each need: importance × gap⁺ × driver weight × revenue of the accounts affected.

    Parameters
    ----------
    a
        The assessment.
    drivers
        :func:`cra_helpers.quantitative.key_drivers` output (rows with
        ``outcome == "satisfaction"`` and ``level == "need"`` are used);
        ``None`` computes it; an empty frame means equal weights.

    Returns
    -------
    DataFrame
        ``need_id, need, importance, performance, gap_plus, driver_weight,
        accounts_affected, n_accounts_affected, revenue_affected, impact``
        (importance and gap in performance-scale points, driver weight 0–1,
        revenue in the configured currency), sorted by impact.
    """
    rn = G.respondent_needs(a)
    needs = G.need_gaps(a, respondents=rn)
    if drivers is None:
        drivers = Q.key_drivers(a, outcomes=[S.SATISFACTION])
    dw = pd.Series(dtype=float)
    if drivers is not None and len(drivers):
        d = drivers
        if "outcome" in d:
            d = d[d["outcome"] == S.SATISFACTION]
        if "level" in d:
            d = d[d["level"] == "need"]
        dw = d.set_index(S.NEED_ID)["pct_of_r2"].astype(float) / 100
    rated = needs["n"] > 0
    if dw.empty:
        dw = pd.Series(1 / max(int(rated.sum()), 1), index=needs.loc[rated, S.NEED_ID])
    acc_gap = rn.groupby([S.NEED_ID, S.ACCOUNT_ID])["gap"].mean().reset_index()
    revenue = a.accounts.set_index(S.ACCOUNT_ID)[S.REVENUE].astype(float)
    rows = []
    for r in needs.itertuples(index=False):
        nid = getattr(r, S.NEED_ID)
        affected = sorted(acc_gap.loc[(acc_gap[S.NEED_ID] == nid) & (acc_gap["gap"] > 0), S.ACCOUNT_ID].astype(str))
        imp = float(getattr(r, S.IMPORTANCE))
        perf = float(getattr(r, S.PERFORMANCE))
        gplus = max(imp - perf, 0.0) if not np.isnan(imp - perf) else np.nan
        w = float(dw.get(nid, 0.0))
        rev = float(revenue.reindex(affected).sum())
        rows.append({S.NEED_ID: nid, "need": r.need, S.IMPORTANCE: imp, S.PERFORMANCE: perf, "gap_plus": gplus,
                     "driver_weight": w, "accounts_affected": "; ".join(affected), "n_accounts_affected": len(affected),
                     "revenue_affected": rev, "impact": imp * gplus * w * rev if not np.isnan(gplus) else 0.0})
    return pd.DataFrame(rows).sort_values("impact", ascending=False, kind="stable").reset_index(drop=True)


def recommendations(library: ActionLibrary, impact: pd.DataFrame, needs: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Rank the library's actions by expected return on resources, with the arithmetic visible.

    Parameters
    ----------
    library
        Validated action library.
    impact
        :func:`need_impact` output.
    needs
        The assessment's ``needs`` table (to resolve need names).
    config
        For ``actions.day_rate`` and the currency.

    Returns
    -------
    DataFrame
        ``rank, action_id, action, needs, need_ids, owner, metric, impact,
        effort_days, cost, resources, return_on_resources, arithmetic,
        accounts_affected, unknown_needs`` — ``resources = cost + effort_days
        × day_rate`` (currency), ``return_on_resources = impact /
        resources``; sorted best first. Actions whose needs are all unknown to
        the assessment score 0 and say so.
    """
    imp = impact.set_index(S.NEED_ID)
    rows = []
    for item in library.actions:
        ids, unknown = resolve_needs(item.needs, needs)
        parts = imp.reindex(ids)
        total = float(parts["impact"].fillna(0).sum())
        resources = item.cost + item.effort_days * config.actions.day_rate
        accounts = sorted({x for s in parts["accounts_affected"].dropna() for x in s.split("; ") if x})
        terms = " + ".join(
            f"{p.need}: {p.importance:.2f}×{p.gap_plus:.2f}×{p.driver_weight:.3f}×{p.revenue_affected:,.0f}"
            for p in parts.dropna(subset=["need"]).itertuples()
        )
        rows.append({
            "action_id": item.id, "action": item.action, "needs": "; ".join(item.needs), "need_ids": "; ".join(ids),
            "owner": item.owner, "metric": item.metric, "impact": total, "effort_days": item.effort_days, "cost": item.cost,
            "resources": resources, "return_on_resources": total / resources if resources > 0 else np.inf,
            "arithmetic": f"({terms or '0'}) / ({item.cost:,.0f} + {item.effort_days:g} d × {config.actions.day_rate:,.0f}) "
                          f"= {total:,.0f} / {resources:,.0f}",
            "accounts_affected": "; ".join(accounts), "unknown_needs": "; ".join(unknown),
        })
    out = pd.DataFrame(rows).sort_values(["return_on_resources", "impact"], ascending=False, kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def metrics_for_needs(library: ActionLibrary, needs_table: pd.DataFrame, gaps: pd.DataFrame, top: pd.DataFrame) -> pd.DataFrame:
    """The metrics that measure what customers value, for the top needs, with the customer-rated baseline.

    Parameters
    ----------
    library
        Validated library (its metrics catalogue).
    needs_table
        The assessment's ``needs`` table.
    gaps
        :func:`cra_helpers.gap.need_gaps` output (baseline = mean performance).
    top
        The needs to cover (rows of :func:`need_impact`, best first).

    Returns
    -------
    DataFrame
        ``need_id, need, metric_id, metric, unit, direction, definition,
        baseline_rating, baseline_n`` — one row per need × metric; needs with
        no metric in the catalogue get an empty ``metric_id``.
    """
    g = gaps.set_index(S.NEED_ID)
    rows = []
    for nid in top[S.NEED_ID]:
        found = False
        for mid, m in library.metrics.items():
            ids, _ = resolve_needs(m.needs, needs_table)
            if nid in ids:
                found = True
                rows.append({S.NEED_ID: nid, "need": g.loc[nid, "need"], "metric_id": mid, "metric": m.name, "unit": m.unit,
                             "direction": m.direction, "definition": m.definition,
                             "baseline_rating": g.loc[nid, S.PERFORMANCE], "baseline_n": int(g.loc[nid, "n"])})
        if not found:
            rows.append({S.NEED_ID: nid, "need": g.loc[nid, "need"], "metric_id": "", "metric": "(no metric in the catalogue)",
                         "unit": "", "direction": "", "definition": "", "baseline_rating": g.loc[nid, S.PERFORMANCE],
                         "baseline_n": int(g.loc[nid, "n"])})
    return pd.DataFrame(rows)


def action_plan(recs: pd.DataFrame, library: ActionLibrary, gaps: pd.DataFrame, config: Config,
                today: dt.date | None = None) -> pd.DataFrame:
    """The action plan: one row per recommended action with owner, metric, baseline, target and due date.

    Baseline and target are on the performance scale (the customers' rating
    of the action's first need): ``target = baseline + target_gap_closure ×
    gap⁺``. Due: ``due_days_top`` days for the first ``top_actions``,
    ``due_days_rest`` for the others.
    """
    today = today or dt.date.today()
    plan = config.actions.plan
    g = gaps.set_index(S.NEED_ID)
    items = {a.id: a for a in library.actions}
    rows = []
    for r in recs.itertuples(index=False):
        item = items[r.action_id]
        first = r.need_ids.split("; ")[0] if r.need_ids else ""
        base = float(g.loc[first, S.PERFORMANCE]) if first in g.index else np.nan
        gplus = max(float(g.loc[first, "gap"]), 0.0) if first in g.index else np.nan
        due = today + dt.timedelta(days=plan.due_days_top if r.rank <= plan.top_actions else plan.due_days_rest)
        metric = library.metrics[item.metric]
        need_names = r.needs
        rows.append({
            "rank": r.rank, "action_id": r.action_id, "action": r.action, "owner": r.owner,
            "metric": f"{metric.name} ({metric.unit})", "needs": need_names,
            "baseline": round(base, 2) if not np.isnan(base) else None,
            "target": round(base + plan.target_gap_closure * gplus, 2) if not np.isnan(base) else None,
            "baseline_meaning": f"customers' mean rating of {g.loc[first, 'need'] if first in g.index else first} (performance scale)",
            "due_date": due.isoformat(), "accounts_affected": r.accounts_affected,
            "return_on_resources": r.return_on_resources,
            "internal_communication": item.internal or f"Present at the business-team workshop; {r.owner} reports {metric.name.lower()} monthly against the target.",
            "communication_to_customer": item.customer or f"Tell the accounts affected what they told us about {need_names.lower()}, what we will change and by when ({due.isoformat()}).",
        })
    return pd.DataFrame(rows)


def risk_weights_table(config: Config) -> pd.DataFrame:
    """The risk components and their weights, as shown in the report."""
    w = config.actions.risk.weights.model_dump()
    total = sum(w.values()) or 1
    return pd.DataFrame({"component": list(w), "weight": list(w.values()), "share_pct": [100 * v / total for v in w.values()]})


def write_action_plan(path: str | Path, plan: pd.DataFrame, recs: pd.DataFrame, risk: pd.DataFrame,
                      metrics: pd.DataFrame, config: Config) -> Path:
    """Write the action-plan workbook (.xlsx): plan, recommendations with arithmetic, at-risk accounts, metrics, risk weights.

    Text from the data and the library is stored as text (never as a
    formula): see :mod:`cra_helpers.spreadsheet`.
    """
    from .spreadsheet import write_workbook

    risk_cols = [S.ACCOUNT_ID, "account_name", "risk_score", "risk_level", "revenue", "revenue_at_stake", "reasons"]
    return write_workbook(
        path,
        {
            "Action plan": plan,
            "Recommendations": recs,
            "At-risk accounts": risk[risk_cols],
            "Metrics": metrics,
            "Risk weights": risk_weights_table(config),
        },
        wrap={"Action plan": ["action", "internal_communication", "communication_to_customer", "accounts_affected"],
              "Recommendations": ["action", "arithmetic", "accounts_affected"], "At-risk accounts": ["reasons"]},
        title=f"{config.client} — action plan",
    )


def account_quotes(a: Assessment, account_id: str, n: int = 3) -> pd.DataFrame:
    """The account's most negative remarks (VADER compound, lowest first): the customer's own words on what hurts.

    Returns
    -------
    DataFrame
        ``verbatim_id, text, compound, level, department`` (at most ``n`` rows).
    """
    if not a.has(S.VERBATIMS):
        return pd.DataFrame(columns=[S.VERBATIM_ID, S.TEXT, "compound", S.LEVEL, S.DEPARTMENT])
    resp = a.respondents()
    v = a.verbatims.merge(resp[[S.INTERVIEW_ID, S.ACCOUNT_ID, S.LEVEL, S.DEPARTMENT]], on=S.INTERVIEW_ID)
    v = v[v[S.ACCOUNT_ID].astype(str) == str(account_id)].copy()
    v["compound"] = compound_scores(v[S.TEXT])
    v = v.drop_duplicates(S.TEXT).sort_values("compound", kind="stable").head(n)
    return v[[S.VERBATIM_ID, S.TEXT, "compound", S.LEVEL, S.DEPARTMENT]].reset_index(drop=True)


def one_pager(a: Assessment, account_id: str, risk: pd.DataFrame, acc_gaps: pd.DataFrame, recs: pd.DataFrame,
              top_gaps: int = 3) -> dict[str, object]:
    """Everything the one-page summary of a key account shows, as plain data.

    Returns
    -------
    dict
        ``account_id, name, revenue, status, risk_score, risk_level, reasons
        (list), top_gaps`` (DataFrame: need, gap, importance, performance),
        ``quotes`` (DataFrame) and ``actions`` (DataFrame of the
        recommendations whose affected accounts include this one).
    """
    acc = a.accounts.set_index(S.ACCOUNT_ID).loc[account_id]
    r = risk.set_index(S.ACCOUNT_ID)
    row = r.loc[account_id] if account_id in r.index else None
    names = dict(zip(a.needs[S.NEED_ID].astype(str), a.needs[S.NEED_NAME].astype(str)))
    g = acc_gaps[acc_gaps[S.ACCOUNT_ID].astype(str) == str(account_id)].sort_values("gap", ascending=False).head(top_gaps)
    gaps = pd.DataFrame({"need": [names.get(str(x), x) for x in g[S.NEED_ID]], "gap": g["gap"].round(1),
                         "importance": g[S.IMPORTANCE].round(1), "performance": g[S.PERFORMANCE].round(1), "n": g["n"]})
    mine = recs[recs["accounts_affected"].str.split("; ").apply(lambda xs: str(account_id) in xs)]
    return {
        S.ACCOUNT_ID: account_id, "name": acc[S.ACCOUNT_NAME], "revenue": float(acc[S.REVENUE]),
        "status": f"{acc[S.RELATIONSHIP_TYPE]}, {acc[S.STATUS]}",
        "risk_score": None if row is None else float(row["risk_score"]),
        "risk_level": None if row is None else row["risk_level"],
        "reasons": [] if row is None else str(row["reasons"]).split("; "),
        "top_gaps": gaps, "quotes": account_quotes(a, account_id),
        "actions": mine[["rank", "action", "owner", "metric"]].head(5),
    }
