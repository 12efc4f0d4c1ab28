"""The action library and the metrics catalogue; impact of needs and actions ranked by return on resources.

The arithmetic is described in the package docstring (:mod:`cra_helpers.actions`,
*Return on resources*). The packaged example files are read from
``cra_helpers/resources`` (``actions.yaml``, ``metrics.yaml``).
"""

from __future__ import annotations

from importlib import resources as ir
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import Field, ValidationError, model_validator

from .. import gap as G
from .. import quantitative as Q
from .. import schema as S
from ..assessment import Assessment
from ..config import Config, ConfigError, StrictModel as _Strict

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
    from ..config import load_config

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


def _round_return(x: float) -> float:
    """Return on resources rounded to 2 significant figures (at least whole numbers above 100)."""
    if not np.isfinite(x) or x == 0:
        return float(x)
    digits = max(0, 1 - int(np.floor(np.log10(abs(x)))))
    return float(round(x, digits))
