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
``negative_verbatims``  share of the account's remarks that
                        :func:`cra_helpers.sentiment.classify` calls negative
                        (the classes of the needs tree's ``verbatim_needs``
                        table when the run has it, so both steps count the
                        same remarks as negative; see :func:`verbatim_sentiment`).
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
resources. The arithmetic is written out in the recommendations table. Actions with
no impact for this client (none of their needs has a positive gap at an
account, or their needs are not needs of the assessment) get no rank and are
listed apart (:func:`unranked_actions`).

Action plan
-----------
:func:`action_plan` gives one row per ranked action, with its headers in
words (:data:`PLAN_STATUSES`, ``Owner (role)`` and an empty ``Person``,
``Status``, ``Progress (%)``, ``Comment``, a real due date). The baseline the
assessment can give is the customers' own rating of the action's first need,
in rating points, and it is named as such ("Customers' rating of Lead times
(1–10)"); operational baselines and targets (ppm, days, %) are empty columns
whose header names the unit, for the client to fill in from its systems.
:func:`write_action_plan` writes the workbook (status drop-down, progress
0–100, date cells, print set-up); :func:`read_action_plan` reads a filled-in
workbook back, every bad cell located; :func:`plan_progress` summarises it
(counts by status, share done, overdue) for the next run's summary.

Key-account one-pagers
----------------------
:func:`one_pager` gathers what the internal page shows; the quotes follow
the rule of :func:`cra_helpers.gap.words_beside_numbers` per need at the
account (:func:`account_quotes`), and the actions are ranked by their impact
at this account (:func:`account_actions`). :func:`customer_one_pager` is the
version for the customer: no risk, revenue, value class or contact details,
remarks attributed by role and redacted (:mod:`cra_helpers.redact`).
"""

from __future__ import annotations

import datetime as dt
import re
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
from .errors import CraError

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


RATING_UNIT = "rating"
"""Unit of a metric that is the customers' rating itself (performance scale)."""


class MetricItem(_Strict):
    """One metric of the catalogue (see ``resources/metrics.yaml``).

    ``unit`` is the metric's own unit (``%``, ``days``, ``ppm``, ``count``),
    or ``rating`` when the metric is the customers' rating of the need in
    the next assessment wave (then the assessment gives its baseline).
    """

    name: str
    unit: str = Field(min_length=1)
    needs: list[str] = Field(min_length=1)
    direction: Literal["higher", "lower"]
    definition: str

    @property
    def is_rating(self) -> bool:
        """Whether the metric is the customers' rating (its baseline comes from the assessment)."""
        return self.unit.strip().lower() == RATING_UNIT


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
VERBATIM_NEEDS_TABLE = "verbatim_needs"
NEEDS_TREE_NODES_TABLE = "needs_tree_nodes"


def _unneutralize(v: object) -> object:
    """Undo :func:`cra_helpers.safe.neutralize_formula` on a value read back from a CSV table."""
    from .safe import FORMULA_PREFIXES

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
        from .sentiment import classify

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
    comp["negative_verbatims"] = _verbatim_negativity(a, sentiment)
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
        ror = (total / resources if resources > 0 else np.inf) if total > 0 else 0.0
        rows.append({
            "action_id": item.id, "action": item.action, "needs": "; ".join(item.needs), "need_ids": "; ".join(ids),
            "owner": item.owner, "metric": item.metric, "impact": total, "effort_days": item.effort_days, "cost": item.cost,
            "resources": resources, "return_on_resources": ror,
            "arithmetic": f"({terms or '0'}) / ({item.cost:,.0f} + {item.effort_days:g} d × {config.actions.day_rate:,.0f}) "
                          f"= {total:,.0f} / {resources:,.0f}",
            "accounts_affected": "; ".join(accounts), "unknown_needs": "; ".join(unknown),
        })
    out = pd.DataFrame(rows).sort_values(["return_on_resources", "impact"], ascending=False, kind="stable").reset_index(drop=True)
    ranked = (out["impact"] > 0).to_numpy()
    rank = pd.array([pd.NA] * len(out), dtype="Int64")
    rank[ranked] = np.arange(1, int(ranked.sum()) + 1)
    out.insert(0, "rank", rank)
    return out


def unranked_actions(recs: pd.DataFrame, impact: pd.DataFrame) -> pd.DataFrame:
    """The library's actions with no impact for this client, and why; they get no rank.

    Parameters
    ----------
    recs
        :func:`recommendations` output.
    impact
        :func:`need_impact` output.

    Returns
    -------
    DataFrame
        ``Action, Needs addressed, Owner (role), Why not ranked, Action id``
        — one row per action whose impact is 0 (library order of the
        ranking: stable).
    """
    imp = impact.set_index(S.NEED_ID)
    rows = []
    for r in recs[recs["impact"] <= 0].itertuples(index=False):
        ids = [x for x in str(r.need_ids).split("; ") if x]
        why = []
        if r.unknown_needs:
            why.append(f"not needs of this assessment: {r.unknown_needs}")
        for nid in ids:
            if nid not in imp.index:
                continue
            n = imp.loc[nid]
            if not n["n_accounts_affected"] or not (n["gap_plus"] > 0):
                why.append(f"{n['need']}: performance meets importance at every account")
            elif not n["driver_weight"] > 0:
                why.append(f"{n['need']}: not a driver of satisfaction in this assessment")
            else:
                why.append(f"{n['need']}: no revenue at the accounts with a gap")
        rows.append({"Action": r.action, "Needs addressed": r.needs, "Owner (role)": r.owner,
                     "Why not ranked": "; ".join(why) or "no impact", "Action id": r.action_id})
    return pd.DataFrame(rows, columns=["Action", "Needs addressed", "Owner (role)", "Why not ranked", "Action id"])


def scale_label(config: Config) -> str:
    """The performance scale as people write it, e.g. ``1–10``."""
    sc = config.scale(S.SCALE_PERFORMANCE)
    return f"{sc.min:g}–{sc.max:g}"


def rating_measure(need: str, config: Config) -> str:
    """Name of the customers' rating of a need as a measure, with its scale: ``Customers' rating of X (1–10)``."""
    return f"Customers' rating of {need} ({scale_label(config)})"


def metrics_for_needs(library: ActionLibrary, needs_table: pd.DataFrame, gaps: pd.DataFrame, top: pd.DataFrame,
                      config: Config | None = None) -> pd.DataFrame:
    """The metrics that measure what customers value, for the top needs, each baseline in the metric's own unit.

    Parameters
    ----------
    library
        Validated library (its metrics catalogue).
    needs_table
        The assessment's ``needs`` table.
    gaps
        :func:`cra_helpers.gap.need_gaps` output (the customers' rating = mean performance).
    top
        The needs to cover (rows of :func:`need_impact`, best first).
    config
        For the name of the performance scale (default: package defaults).

    Returns
    -------
    DataFrame
        ``need_id, need, metric_id, metric, unit, direction, definition,
        customers_rating`` (the need's mean performance, performance-scale
        points), ``rating_measure`` (what that number is, e.g. "Customers'
        rating of Lead times (1–10)"), ``baseline_n`` (respondents) and
        ``baseline`` — in the metric's unit: the rating itself when the
        metric is the customers' rating (``unit: rating``), else empty (an
        operational figure the client's systems give). One row per need ×
        metric; needs with no metric in the catalogue get an empty
        ``metric_id``.
    """
    from .config import load_config

    config = config or load_config()
    g = gaps.set_index(S.NEED_ID)
    rows = []
    for nid in top[S.NEED_ID]:
        found = False
        base = {S.NEED_ID: nid, "need": g.loc[nid, "need"]}
        rating = float(g.loc[nid, S.PERFORMANCE])
        tail = {"customers_rating": round(rating, 2), "rating_measure": rating_measure(str(g.loc[nid, "need"]), config),
                "baseline_n": int(g.loc[nid, "n"])}
        for mid, m in library.metrics.items():
            ids, _ = resolve_needs(m.needs, needs_table)
            if nid in ids:
                found = True
                unit = f"rating ({scale_label(config)})" if m.is_rating else m.unit
                rows.append({**base, "metric_id": mid, "metric": m.name, "unit": unit, "direction": m.direction,
                             "definition": m.definition, **tail, "baseline": round(rating, 2) if m.is_rating else np.nan})
        if not found:
            rows.append({**base, "metric_id": "", "metric": "(no metric in the catalogue)", "unit": "", "direction": "",
                         "definition": "", **tail, "baseline": np.nan})
    return pd.DataFrame(rows, columns=[S.NEED_ID, "need", "metric_id", "metric", "unit", "direction", "definition",
                                       "customers_rating", "rating_measure", "baseline_n", "baseline"])


PLAN_STATUSES: tuple[str, ...] = ("not started", "in progress", "done", "dropped")
"""Values of the plan's Status column (the workbook's drop-down)."""

PLAN_SHEET = "Action plan"
UNRANKED_SHEET = "Not ranked (no impact)"


def plan_columns(config: Config) -> dict[str, str]:
    """The action plan's columns: key → header in words (rating headers name the performance scale).

    Keys: ``rank, action, needs, owner, person, rating_measure,
    rating_baseline, rating_target, rated_by, metric, unit,
    operational_baseline, operational_target, due, status, progress,
    comment, accounts, return, internal, customer, action_id``.
    """
    sc = scale_label(config)
    return {
        "rank": "Rank", "action": "Action", "needs": "Needs addressed", "owner": "Owner (role)", "person": "Person",
        "rating_measure": "Customers' rating measured", "rating_baseline": f"Rating baseline ({sc})",
        "rating_target": f"Rating target ({sc})", "rated_by": "Rated by (respondents)",
        "metric": "Operational metric", "unit": "Operational unit",
        "operational_baseline": "Operational baseline (client fills in, unit: see Operational unit)",
        "operational_target": "Operational target (client fills in)",
        "due": "Due date", "status": "Status", "progress": "Progress (%)", "comment": "Comment",
        "accounts": "Accounts affected", "return": "Return on resources (impact per currency unit)",
        "internal": "Internal communication", "customer": "Communication to the customer", "action_id": "Action id",
    }


def _round_return(x: float) -> float:
    """Return on resources rounded to 2 significant figures (at least whole numbers above 100)."""
    if not np.isfinite(x) or x == 0:
        return float(x)
    digits = max(0, 1 - int(np.floor(np.log10(abs(x)))))
    return float(round(x, digits))


def action_plan(recs: pd.DataFrame, library: ActionLibrary, gaps: pd.DataFrame, config: Config,
                today: dt.date | None = None) -> pd.DataFrame:
    """The action plan people track: one row per ranked action (impact > 0), headers in words.

    Parameters
    ----------
    recs
        :func:`recommendations` output; actions without a rank (no impact)
        are left out (see :func:`unranked_actions`).
    library
        The validated library (metrics catalogue, communication texts).
    gaps
        :func:`cra_helpers.gap.need_gaps` output.
    config
        ``actions.plan`` rules and the performance scale.
    today
        Start date of the plan (default: today).

    Returns
    -------
    DataFrame
        Columns :func:`plan_columns` (headers in words). The rating baseline
        is the customers' mean rating of the action's first need and the
        target ``baseline + target_gap_closure × gap⁺`` (performance-scale
        points, 2 decimals), named in ``Customers' rating measured``. The
        operational metric (``%``, ``days``, ``ppm`` …) comes with its unit and
        empty baseline and target for the client; when the catalogue metric
        is the rating itself, the operational columns say so. ``Due date`` is
        a date: ``due_days_top`` days after ``today`` for the first
        ``top_actions``, ``due_days_rest`` for the others. ``Person``,
        ``Comment`` are empty, ``Status`` is ``not started`` and
        ``Progress (%)`` 0.
    """
    today = today or dt.date.today()
    rule = config.actions.plan
    cols = plan_columns(config)
    g = gaps.set_index(S.NEED_ID)
    items = {a.id: a for a in library.actions}
    rows = []
    ranked = recs[recs["rank"].notna()] if "rank" in recs else recs
    for r in ranked.itertuples(index=False):
        item = items[r.action_id]
        first = r.need_ids.split("; ")[0] if r.need_ids else ""
        known = first in g.index
        base = float(g.loc[first, S.PERFORMANCE]) if known else np.nan
        gplus = max(float(g.loc[first, "gap"]), 0.0) if known else np.nan
        need_name = str(g.loc[first, "need"]) if known else first
        due = today + dt.timedelta(days=rule.due_days_top if int(r.rank) <= rule.top_actions else rule.due_days_rest)
        metric = library.metrics[item.metric]
        ok = known and not np.isnan(base)
        rows.append({
            cols["rank"]: int(r.rank), cols["action"]: r.action, cols["needs"]: r.needs, cols["owner"]: r.owner, cols["person"]: "",
            cols["rating_measure"]: rating_measure(need_name, config),
            cols["rating_baseline"]: round(base, 2) if ok else np.nan,
            cols["rating_target"]: round(base + rule.target_gap_closure * gplus, 2) if ok else np.nan,
            cols["rated_by"]: int(g.loc[first, "n"]) if known else 0,
            cols["metric"]: "none: the customers' rating is the metric" if metric.is_rating else metric.name,
            cols["unit"]: "" if metric.is_rating else metric.unit,
            cols["operational_baseline"]: np.nan, cols["operational_target"]: np.nan,
            cols["due"]: due, cols["status"]: PLAN_STATUSES[0], cols["progress"]: 0, cols["comment"]: "",
            cols["accounts"]: r.accounts_affected,
            cols["return"]: _round_return(float(r.return_on_resources)),
            cols["internal"]: item.internal or (f"Present at the business-team workshop; the {r.owner.lower()} reports "
                                                f"{metric.name.lower()} monthly against the target."),
            cols["customer"]: item.customer or (f"Tell the accounts affected what they told us about {r.needs.lower()}, "
                                                f"what we will change and by when ({due.isoformat()})."),
            cols["action_id"]: r.action_id,
        })
    return pd.DataFrame(rows, columns=list(cols.values()))


def risk_weights_table(config: Config) -> pd.DataFrame:
    """The risk components and their weights, as shown in the report."""
    w = config.actions.risk.weights.model_dump()
    total = sum(w.values()) or 1
    return pd.DataFrame({"component": list(w), "weight": list(w.values()), "share_pct": [100 * v / total for v in w.values()]})


RECS_HEADERS = {
    "rank": "Rank", "action_id": "Action id", "action": "Action", "needs": "Needs addressed", "owner": "Owner (role)",
    "impact": "Impact", "effort_days": "Effort (person-days)", "cost": "External cost", "resources": "Resources",
    "return_on_resources": "Return on resources", "arithmetic": "Arithmetic", "accounts_affected": "Accounts affected",
    "unknown_needs": "Needs not in this assessment",
}
RISK_HEADERS = {S.ACCOUNT_ID: "Account id", "account_name": "Account", "risk_score": "Risk score (0–100)",
                "risk_level": "Risk level", "revenue": "Revenue", "revenue_at_stake": "Revenue at stake", "reasons": "Reasons"}
METRIC_HEADERS = {"need": "Need", "metric": "Metric", "unit": "Unit", "direction": "Better when", "definition": "Definition",
                  "baseline": "Baseline (in the metric's unit; empty: from the client's systems)",
                  "rating_measure": "Customers' rating measured", "customers_rating": "Customers' rating now",
                  "baseline_n": "Rated by (respondents)"}


def write_action_plan(path: str | Path, plan: pd.DataFrame, recs: pd.DataFrame, risk: pd.DataFrame,
                      metrics: pd.DataFrame, config: Config, unranked: pd.DataFrame | None = None) -> Path:
    """Write the action-plan workbook (.xlsx) people fill in and track.

    Sheets: *Action plan* (:func:`action_plan`: Status drop-down of
    :data:`PLAN_STATUSES`, Progress 0–100, due dates as date cells, the
    columns to fill in tinted), *Not ranked (no impact)*
    (:func:`unranked_actions`, when given), *Recommendations* with the
    arithmetic, *At-risk accounts*, *Metrics*, *Risk weights*. Every sheet
    prints landscape, fitted to the page width, with the header row on every
    page. Text from the data and the library is stored as text (never as a
    formula): see :mod:`cra_helpers.spreadsheet`.

    Returns
    -------
    Path
        The workbook written.
    """
    from .spreadsheet import SheetSetup, write_workbook

    cols = plan_columns(config)
    sc = config.scale(S.SCALE_PERFORMANCE)
    r = recs.drop(columns=["need_ids", "metric"], errors="ignore").copy()
    for c in ("impact", "resources", "cost"):
        r[c] = r[c].astype(float).round(0)
    r["return_on_resources"] = r["return_on_resources"].astype(float).map(_round_return)
    r = r.rename(columns=RECS_HEADERS)
    rk = risk[list(RISK_HEADERS)].copy()
    rk["risk_score"] = rk["risk_score"].astype(float).round(1)
    rk = rk.rename(columns=RISK_HEADERS)
    m = metrics[[c for c in METRIC_HEADERS if c in metrics]].rename(columns=METRIC_HEADERS)
    w = risk_weights_table(config).rename(columns={"component": "Component", "weight": "Weight", "share_pct": "Share (%)"})
    w["Share (%)"] = w["Share (%)"].round(1)
    sheets: dict[str, pd.DataFrame] = {PLAN_SHEET: plan}
    if unranked is not None:
        sheets[UNRANKED_SHEET] = unranked
    sheets.update({"Recommendations": r, "At-risk accounts": rk, "Metrics": m, "Risk weights": w})
    rating_fmt = "0.00"
    setup = {
        PLAN_SHEET: SheetSetup(
            wrap=[cols[k] for k in ("action", "needs", "rating_measure", "metric", "accounts", "internal", "customer", "comment")],
            number_formats={cols["rating_baseline"]: rating_fmt, cols["rating_target"]: rating_fmt, cols["progress"]: "0",
                            cols["return"]: "#,##0.##", cols["due"]: "yyyy-mm-dd"},
            choices={cols["status"]: PLAN_STATUSES},
            ranges={cols["progress"]: (0, 100), cols["rating_baseline"]: (sc.min, sc.max), cols["rating_target"]: (sc.min, sc.max)},
            dates=[cols["due"]],
            inputs=[cols[k] for k in ("person", "operational_baseline", "operational_target", "status", "progress", "comment")],
            widths={cols["action"]: 42, cols["needs"]: 22, cols["rating_measure"]: 28, cols["metric"]: 26, cols["accounts"]: 24,
                    cols["internal"]: 40, cols["customer"]: 40, cols["comment"]: 30, cols["person"]: 16, cols["status"]: 13,
                    cols["operational_baseline"]: 18, cols["operational_target"]: 16, cols["due"]: 12, cols["return"]: 14},
        ),
        UNRANKED_SHEET: SheetSetup(wrap=["Action", "Why not ranked"], widths={"Action": 50, "Why not ranked": 60}),
        "Recommendations": SheetSetup(wrap=["Action", "Arithmetic", "Accounts affected"],
                                      number_formats={"Impact": "#,##0", "Resources": "#,##0", "External cost": "#,##0",
                                                      "Return on resources": "#,##0.##"}),
        "At-risk accounts": SheetSetup(wrap=["Reasons"], number_formats={"Revenue": "#,##0", "Revenue at stake": "#,##0",
                                                                          "Risk score (0–100)": "0.0"}),
        "Metrics": SheetSetup(wrap=["Definition", "Customers' rating measured"], number_formats={"Customers' rating now": "0.00"}),
    }
    return write_workbook(path, sheets, title=f"{config.client} — action plan", setup=setup)


class ActionPlanError(CraError):
    """A filled-in action plan holds values the workbench cannot read; the message locates each one."""

    def __init__(self, path: str | Path, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = list(problems)
        super().__init__(f"{path}: {len(problems)} problem(s) in the action plan\n" + "\n".join(f"  - {p}" for p in problems))


def _as_date(v: object) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip()[:10])
        except ValueError:
            return None
    return None


def read_action_plan(path: str | Path, sheet: str = PLAN_SHEET) -> pd.DataFrame:
    """Read a filled-in action-plan workbook back, every value checked.

    Parameters
    ----------
    path
        The workbook :func:`write_action_plan` wrote, as people filled it in
        (statuses, progress, persons, comments, changed due dates, rows added).
    sheet
        The plan's sheet.

    Returns
    -------
    DataFrame
        One row per non-empty row of the sheet, the columns under their
        headers, plus ``row`` (the sheet's row number). ``Status`` is one of
        :data:`PLAN_STATUSES` (lower case; empty reads as ``not started``),
        ``Progress (%)`` a number 0–100 (``"40%"`` reads as 40; empty: 100
        when done, else 0), ``Due date`` a :class:`datetime.date`.

    Raises
    ------
    ActionPlanError
        The file, the sheet, or a column is missing, or cells hold a status
        not in the list, a progress that is not a number from 0 to 100, or
        a due date that is not a date; the message names the file, sheet,
        row and column (letter and header) of every such cell.
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    path = Path(path)
    if not path.is_file():
        raise ActionPlanError(path, ["file not found"])
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
        raise ActionPlanError(path, [f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})"]) from None
    if sheet not in wb.sheetnames:
        raise ActionPlanError(path, [f"no sheet {sheet!r} (sheets: {', '.join(wb.sheetnames)})"])
    ws = wb[sheet]
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        raise ActionPlanError(path, [f"sheet {sheet!r} is empty"])
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    need = {"Action": None, "Status": None, "Progress (%)": None, "Due date": None}
    for key in need:
        if key in headers:
            need[key] = headers.index(key)
    missing = [k for k, j in need.items() if j is None]
    if missing:
        raise ActionPlanError(path, [f"sheet {sheet!r}, row 1: column {k!r} is missing" for k in missing])
    problems: list[str] = []
    records = []

    def where(i: int, key: str) -> str:
        j = need[key]
        return f"sheet {sheet!r}, row {i}, column {get_column_letter(j + 1)} ({key!r})"

    for i, values in enumerate(rows[1:], start=2):
        values = list(values) + [None] * (len(headers) - len(values))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        rec = {h or get_column_letter(j + 1): v for j, (h, v) in enumerate(zip(headers, values))}
        status = values[need["Status"]]
        st = str(status).strip().lower() if status is not None else ""
        if st == "":
            st = PLAN_STATUSES[0]
        elif st not in PLAN_STATUSES:
            problems.append(f"{where(i, 'Status')}: {status!r} is not a status; use one of: {', '.join(PLAN_STATUSES)}")
        rec["Status"] = st
        prog = values[need["Progress (%)"]]
        p: float | None
        if prog is None or (isinstance(prog, str) and not prog.strip()):
            p = 100.0 if st == "done" else 0.0
        else:
            try:
                p = float(str(prog).strip().rstrip("%").strip()) if isinstance(prog, str) else float(prog)
                if isinstance(prog, str) is False and 0 < p <= 1 and ws.cell(row=i, column=need["Progress (%)"] + 1).number_format.endswith("%"):
                    p *= 100  # typed as 40 % in a percent-formatted cell
                if not (0 <= p <= 100) or np.isnan(p):
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(f"{where(i, 'Progress (%)')}: {prog!r} is not a number from 0 to 100")
                p = None
        rec["Progress (%)"] = p
        due = values[need["Due date"]]
        d = _as_date(due)
        if d is None:
            problems.append(f"{where(i, 'Due date')}: {due!r} is not a date (yyyy-mm-dd)")
        rec["Due date"] = d
        rec["row"] = i
        records.append(rec)
    if problems:
        raise ActionPlanError(path, problems)
    out = pd.DataFrame(records, columns=[h for h in headers if h] + ["row"] if records else [h for h in headers if h] + ["row"])
    out["Progress (%)"] = out["Progress (%)"].astype(float)
    out.attrs["path"] = str(path)
    return out


def plan_progress(plan: pd.DataFrame, today: dt.date | None = None) -> pd.DataFrame:
    """How far the action plan has come: actions by status, share done, overdue.

    Parameters
    ----------
    plan
        :func:`read_action_plan` output (or :func:`action_plan`): columns
        ``Status``, ``Progress (%)``, ``Due date``.
    today
        The date to judge overdue by (default: today).

    Returns
    -------
    DataFrame
        One row per status of :data:`PLAN_STATUSES`, then ``all``:
        ``status, actions, share_pct`` (of all actions), ``overdue``
        (due before ``today`` and neither done nor dropped) and
        ``mean_progress_pct``. ``attrs`` holds the headline figures:
        ``actions``, ``done``, ``share_done_pct`` (done as a share of the
        actions not dropped; NaN when every action is dropped), ``overdue``,
        ``overdue_actions`` (their ``Action`` texts) and ``today``.

    Examples
    --------
    >>> import datetime as dt
    >>> p = pd.DataFrame({"Action": ["a", "b", "c"], "Status": ["done", "in progress", "dropped"],
    ...                   "Progress (%)": [100, 40, 0], "Due date": [dt.date(2026, 1, 1)] * 3})
    >>> plan_progress(p, today=dt.date(2026, 6, 1)).attrs["share_done_pct"]
    50.0
    """
    today = today or dt.date.today()
    st = plan["Status"].astype(str).str.strip().str.lower()
    due = plan["Due date"].map(_as_date)
    open_ = ~st.isin(["done", "dropped"])
    late = open_ & due.map(lambda d: d is not None and d < today)
    prog = pd.to_numeric(plan["Progress (%)"], errors="coerce")
    n = len(plan)
    rows = []
    for s in PLAN_STATUSES:
        mask = st == s
        rows.append({"status": s, "actions": int(mask.sum()), "share_pct": 100 * mask.sum() / n if n else np.nan,
                     "overdue": int((late & mask).sum()), "mean_progress_pct": float(prog[mask].mean()) if mask.any() else np.nan})
    rows.append({"status": "all", "actions": n, "share_pct": 100.0 if n else np.nan, "overdue": int(late.sum()),
                 "mean_progress_pct": float(prog.mean()) if n else np.nan})
    out = pd.DataFrame(rows)
    done, dropped = int((st == "done").sum()), int((st == "dropped").sum())
    out.attrs.update({"actions": n, "done": done,
                      "share_done_pct": 100 * done / (n - dropped) if n - dropped > 0 else np.nan,
                      "overdue": int(late.sum()),
                      "overdue_actions": plan.loc[late, "Action"].astype(str).tolist() if "Action" in plan else [],
                      "today": today.isoformat()})
    return out


def progress_headlines(progress: pd.DataFrame) -> list[tuple[str, object, str]]:
    """Headline figures of :func:`plan_progress` for a summary: ``(label, value, unit)``.

    ``Actions in the plan``, ``Actions done``, ``Share of actions done`` (%
    of the actions not dropped) and ``Actions overdue``.
    """
    at = progress.attrs
    return [("Actions in the plan", at.get("actions", 0), ""), ("Actions done", at.get("done", 0), ""),
            ("Share of actions done", at.get("share_done_pct", np.nan), "%"), ("Actions overdue", at.get("overdue", 0), "")]


_TOKEN = re.compile(r"[a-z0-9]+")


def _tokens(text: str) -> set[str]:
    from .redact import fold

    return set(_TOKEN.findall(fold(text)))


def near_duplicate(a: str, b: str, overlap: float = 0.7) -> bool:
    """Whether two remarks say nearly the same thing.

    The same text once lower-cased, accents and punctuation removed, or
    token sets whose overlap (shared tokens / tokens of the shorter remark)
    reaches ``overlap`` (0–1).
    """
    ta, tb = _tokens(a), _tokens(b)
    if not ta or not tb:
        return " ".join(sorted(ta)) == " ".join(sorted(tb))
    return ta == tb or len(ta & tb) / min(len(ta), len(tb)) >= overlap


def distinct_texts(texts: list[str], overlap: float = 0.7) -> list[int]:
    """Positions of the texts to keep, in order, dropping every near duplicate of an earlier one."""
    kept: list[int] = []
    for i, t in enumerate(texts):
        if not any(near_duplicate(t, texts[j], overlap) for j in kept):
            kept.append(i)
    return kept


def _account_needs(a: Assessment, account_id: str, rn: pd.DataFrame, portfolio: pd.DataFrame) -> pd.DataFrame:
    """The account's needs as :func:`cra_helpers.gap.need_gaps` lays them out, quadrants on the portfolio's crosshairs."""
    from .stats import mean_ci

    names = dict(zip(a.needs[S.NEED_ID].astype(str), a.needs[S.NEED_NAME].astype(str)))
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
    keep = distinct_texts(texts)[:k]
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
    picked: list[tuple[str, str, str, str]] = []  # (verbatim_id, need_id, need, stance)
    matched = (sentiment[S.NEED_ID].astype(str) != "").any()
    if matched:
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
    else:
        stance = str(top["stance"].iloc[0]) if len(top) else G.STANCE_NEUTRAL
        hurts, works = int((v["sentiment"] == "negative").sum()), int((v["sentiment"] == "positive").sum())
        tone = "negative" if stance == G.STANCE_GAP else ("positive" if stance == G.STANCE_STRENGTH else
                                                          ("negative" if hurts >= works else "positive"))
        ids, _ = _side(v.reset_index(drop=True), tone, n)
        picked = [(x, "", "", stance) for x in ids.split(";") if x]
        rule = (f"remarks not matched to needs (the needs tree has not run here): the account's {tone} remarks, "
                f"strongest first ({hurts} negative, {works} positive of {len(v)})")
    rows = []
    for vid, nid, need, stance in picked:
        r = v.loc[vid]
        rows.append({S.VERBATIM_ID: vid, S.TEXT: r[S.TEXT], "sentiment": r["sentiment"], "sentiment_score": float(r["sentiment_score"]),
                     S.NEED_ID: nid, "need": need, "stance": stance, S.LEVEL: r.get(S.LEVEL), S.DEPARTMENT: r.get(S.DEPARTMENT),
                     S.DECISION_ROLE: r.get(S.DECISION_ROLE)})
    out = pd.DataFrame(rows, columns=cols)
    out.attrs["rule"] = rule
    return out


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
        ``actions_total`` (how many concern the account).
    """
    acc = a.accounts.set_index(S.ACCOUNT_ID).loc[account_id]
    r = risk.set_index(S.ACCOUNT_ID)
    row = r.loc[account_id] if account_id in r.index else None
    impact = need_impact(a) if impact is None else impact
    sentiment = verbatim_sentiment(a) if sentiment is None else sentiment
    rn = G.respondent_needs(a)
    words = account_words(a, account_id, sentiment, rn=rn)
    gaps = words.dropna(subset=["gap"]).head(top_gaps)
    top = pd.DataFrame({"need": gaps["need"], "importance": gaps[S.IMPORTANCE].round(1), "performance": gaps[S.PERFORMANCE].round(1),
                        "gap": gaps["gap"].round(1), "n": gaps["n"].astype(int), "what_hurts": gaps["what_hurts"],
                        "what_works": gaps["what_works"], "stance": gaps["stance"], "quadrant": gaps["quadrant"],
                        "words_note": gaps["words_note"]}).reset_index(drop=True)
    quotes = account_quotes(a, account_id, n=n_quotes, sentiment=sentiment, words=words, top_gaps=top_gaps)
    acts = account_actions(recs, impact, words, float(acc[S.REVENUE]), library)
    reasons = [] if row is None else str(row["reasons"]).split("; ")
    return {
        S.ACCOUNT_ID: account_id, "name": acc[S.ACCOUNT_NAME], "revenue": float(acc[S.REVENUE]),
        "status": f"{acc[S.RELATIONSHIP_TYPE]}, {acc[S.STATUS]}",
        "risk_score": None if row is None else float(row["risk_score"]),
        "risk_level": None if row is None else row["risk_level"],
        "reasons": reasons[:4], "top_gaps": top, "quotes": quotes, "quote_rule": quotes.attrs.get("rule", ""),
        "actions": acts.head(n_actions), "actions_total": len(acts), "actions_all": acts, "remarks": int((sentiment[S.ACCOUNT_ID].astype(str) == str(account_id)).sum()),
    }


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
    from .redact import redact_text

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
    on_page = acts["why_here"].astype(str).map(lambda w: any(x.rsplit(" gap ", 1)[0] in shown for x in w.split("; ")))
    acts = pd.concat([acts[on_page], acts[~on_page]]).head(max_actions)
    due = {}
    if plan is not None and len(plan):
        cols = plan_columns_default()
        due = dict(zip(plan[cols["action_id"]], plan[cols["due"]]))
    actions = pd.DataFrame({"action": acts["action"], "needs": acts["needs"], "measured_by": acts["metric"],
                            "due": [due.get(x) for x in acts["action_id"]]})
    return {"account_id": p["account_id"], "name": p["name"], "top_gaps": gaps, "quotes": quotes, "actions": actions,
            "remarks": p.get("remarks", 0)}


def plan_columns_default() -> dict[str, str]:
    """:func:`plan_columns` keys for the columns that do not depend on the scale."""
    return {"action_id": "Action id", "due": "Due date", "status": "Status", "progress": "Progress (%)", "action": "Action"}


def _role(department: object, level: object) -> str:
    parts = [str(x) for x in (department, f"{level} level" if level is not None and not pd.isna(level) else None)
             if x is not None and not (isinstance(x, float) and np.isnan(x)) and str(x) not in ("", "nan", "<NA>")]
    return ", ".join(parts) or "interviewee"
