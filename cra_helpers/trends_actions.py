"""Which actions of the previous plan moved their metric: the returned action plan against the wave-over-wave changes.

Each action of the plan (:func:`cra_helpers.actions.read_action_plan`, as its
owners returned it) names the customers' rating it should move — the
performance of its first need, "Customers' rating of <need>" — with the
baseline measured when the plan was made and a target. :func:`action_progress`
looks that need up in the trend table of :func:`cra_helpers.trends.wave_changes`
(metric ``performance``): the portfolio's change with its interval and the
adjusted test, and the accounts affected whose own change is significant. The
verdict follows the test, never the raw difference: ``improved`` or
``worsened`` only when the change is significant after the multiple-comparison
control of the trend table, ``no significant change`` otherwise, and ``not
enough data`` where the trend table says so. ``target reached`` is added when
the current mean is at or above the plan's target.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from . import formatting
from . import schema as S
from . import trends as T
from .actions import plan_columns
from .config import Config

IMPROVED, WORSENED, UNCHANGED, NOT_MEASURED = "improved", "worsened", "no significant change", "not measured"
PROGRESS_COLUMNS: tuple[str, ...] = (
    "action", "status", "progress", "need_name", "baseline", "target", T.PREVIOUS, T.CURRENT, T.CHANGE, T.CI_LOW,
    T.CI_HIGH, T.N_PAIRED, T.P_ADJUSTED, "verdict", "target_reached", "accounts_moved", T.FINDING,
)
"""Columns of :func:`action_progress`."""


def _need_of(measure: object, needs: list[str], addressed: object) -> str | None:
    """The need whose rating the action measures: named in the measure column, else the first need addressed."""
    text = str(measure or "")
    for name in sorted(needs, key=len, reverse=True):  # "Product reliability" before "Product"
        if re.search(rf"\b{re.escape(name)}\b", text):
            return name
    first = str(addressed or "").split(";")[0].strip()
    return first if first in needs else None


def _accounts_moved(rows: pd.DataFrame, affected: object) -> str:
    """The affected accounts whose own change of the need is significant, e.g. ``Uppsalund Life Sciences AG (+1.91)``."""
    ids = {a.strip() for a in str(affected or "").split(";") if a.strip()}
    hit = rows[(rows[T.SCOPE] == T.ACCOUNT) & rows[T.SIGNIFICANT].fillna(False).astype(bool)]
    if ids:
        hit = hit[hit[S.ACCOUNT_ID].astype(str).isin(ids)]
    return ", ".join(f"{r[T.ACCOUNT_NAME]} ({r[T.CHANGE]:+.2f})" for _, r in hit.sort_values(T.CHANGE).iterrows())


def _verdict(row: pd.Series | None) -> str:
    if row is None:
        return NOT_MEASURED
    if row[T.TEST] == T.NOT_ENOUGH:
        return T.NOT_ENOUGH
    if bool(row[T.SIGNIFICANT]):
        return IMPROVED if row[T.CHANGE] > 0 else WORSENED
    return UNCHANGED


def _sentence(action: str, need: str | None, verdict: str, row: pd.Series | None, reached: bool, moved: str) -> str:
    if row is None or need is None:
        return f"{action}: its rating is not among the needs compared, so whether it moved cannot be said."
    if verdict == T.NOT_ENOUGH:
        return f"{action}: too few answers on {need} in one of the waves to say whether it moved."
    base = (f"{action}: {need} {row[T.PREVIOUS]:.2f} → {row[T.CURRENT]:.2f} across the portfolio "
            f"({row[T.CHANGE]:+.2f}, 95 % interval {row[T.CI_LOW]:+.2f} to {row[T.CI_HIGH]:+.2f})")
    p_text = formatting.p_value(row[T.P_ADJUSTED])
    adj = f"adjusted p {p_text if p_text.startswith('<') else '= ' + p_text}" if np.isfinite(row[T.P_ADJUSTED]) else "no adjusted p"
    said = {IMPROVED: f"improved ({adj})", WORSENED: f"worsened ({adj})",
            UNCHANGED: f"no significant change once the many needs compared are allowed for ({adj})"}[verdict]
    tail = f"; {said}" + ("; target reached" if reached else "")
    return base + tail + (f"; changed significantly at {moved}" if moved else "") + "."


def action_progress(plan: pd.DataFrame, changes: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Per action of the returned plan: did the customers' rating it aims at move between the waves?

    Parameters
    ----------
    plan
        The action plan as :func:`cra_helpers.actions.read_action_plan` returns it (headers in words).
    changes
        :func:`cra_helpers.trends.wave_changes` of the current wave against the wave the plan was made on.
    config
        Configuration (the plan's headers name the performance scale).

    Returns
    -------
    DataFrame
        :data:`PROGRESS_COLUMNS`, one row per action in plan order: the plan's
        ``status`` and ``progress`` (%), the ``need_name`` measured, the plan's
        ``baseline`` and ``target`` (rating points), the portfolio's
        ``previous``, ``current``, ``change`` and its 95 % interval (rating
        points), ``n_paired``, ``p_adjusted``, ``verdict`` (``improved``,
        ``worsened``, ``no significant change``, ``not enough data`` or
        ``not measured``), ``target_reached`` (bool), ``accounts_moved``
        (affected accounts with a significant change: name and change, comma-separated) and a
        ``finding`` sentence that states the same figures.
    """
    cols = plan_columns(config)
    perf = changes[changes[T.METRIC] == T.PERFORMANCE]
    needs = sorted(set(perf[T.NEED_NAME].dropna().astype(str)))
    rows = []
    for _, p in plan.iterrows():
        need = _need_of(p.get(cols["rating_measure"]), needs, p.get(cols["needs"]))
        mine = perf[perf[T.NEED_NAME] == need] if need else perf.iloc[0:0]
        port = mine[mine[T.SCOPE] == T.PORTFOLIO]
        row = port.iloc[0] if len(port) else None
        verdict = _verdict(row)
        target = pd.to_numeric(pd.Series([p.get(cols["rating_target"])]), errors="coerce").iloc[0]
        reached = bool(row is not None and verdict != T.NOT_ENOUGH and np.isfinite(target) and row[T.CURRENT] >= target)
        moved = _accounts_moved(mine, p.get(cols["accounts"])) if need else ""
        get = (lambda k: row[k] if row is not None else np.nan)
        rows.append({"action": p.get(cols["action"]), "status": p.get(cols["status"]),
                     "progress": p.get(cols["progress"]), "need_name": need,
                     "baseline": pd.to_numeric(pd.Series([p.get(cols["rating_baseline"])]), errors="coerce").iloc[0],
                     "target": target, **{k: get(k) for k in (T.PREVIOUS, T.CURRENT, T.CHANGE, T.CI_LOW, T.CI_HIGH,
                                                              T.N_PAIRED, T.P_ADJUSTED)},
                     "verdict": verdict, "target_reached": reached, "accounts_moved": moved,
                     T.FINDING: _sentence(str(p.get(cols["action"])), need, verdict, row, reached, moved)})
    return pd.DataFrame(rows, columns=list(PROGRESS_COLUMNS))
