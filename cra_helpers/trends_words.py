"""Names and plain-words findings of the trend table (:mod:`cra_helpers.trends`).

Each finding states the figures of its row (change, the two wave values, the
interval, how many answered and at how many accounts, the adjusted *p*) in the
row's own unit, so the words never drift from the numbers beside them; thin
rows say "not enough data" and give the counts instead. A portfolio row whose
interval treats accounts as clusters says so. *p*-values read as in
:func:`cra_helpers.formatting.p_value` ("< 0.001" below 0.001), in the
sentences and in :func:`display_table` alike.
"""

from __future__ import annotations

import pandas as pd

from . import formatting as F
from . import schema as S
from . import stats
from .assessment import Assessment
from .config import Config

__all__ = ["display_table", "finding", "label_rows", "unit_of"]

_LABELS = {
    S.PERFORMANCE: "Performance on {need}",
    S.IMPORTANCE: "Importance of {need}",
    "gap": "Gap (importance − performance) on {need}",
    "competitor_difference": "{competitor} minus us on {need}",
    S.SATISFACTION: "Overall satisfaction",
    "nps": "NPS",
    "segment_share": "Share of {segment} respondents",
}


def unit_of(metric: str) -> str:
    """Unit of a metric's change: ``points`` (rating scale), ``NPS points`` or ``percentage points``.

    Examples
    --------
    >>> unit_of("nps"), unit_of("segment_share"), unit_of("performance")
    ('NPS points', 'percentage points', 'points')
    """
    return {"nps": "NPS points", "segment_share": "percentage points"}.get(metric, "points")


def label_rows(t: pd.DataFrame, a: Assessment) -> pd.DataFrame:
    """Add ``account_name``, ``site_name``, ``need_name``, ``competitor_name`` (ids where a name is missing)."""
    for col, id_col, names in (("account_name", S.ACCOUNT_ID, a.account_names()),
                               ("site_name", S.LOCATION_ID, a.location_names()),
                               ("need_name", S.NEED_ID, a.need_names()),
                               ("competitor_name", S.COMPETITOR_ID, a.competitor_names())):
        lookup = {str(k): str(v) for k, v in names.items()} if names is not None else {}
        t[col] = [lookup.get(str(i), str(i)) if i else "" for i in t[id_col]]
    return t


def _subject(r: pd.Series) -> str:
    text = _LABELS[r["metric"]].format(need=r["need_name"], competitor=r["competitor_name"],
                                       segment=str(r["segment"]).lower())
    if r["scope"] == "portfolio":
        return f"{text} across the portfolio"
    if r["scope"] == "site":
        return f"{text} at {r['site_name']} ({r['account_name']})"
    return f"{text} at {r['account_name']}"


def finding(r: pd.Series, config: Config, previous: str = "", current: str = "") -> str:
    """One sentence on one row of the trend table.

    Parameters
    ----------
    r
        A row of :func:`cra_helpers.trends.wave_changes` (with the name columns).
    config
        For the minimum counts, the confidence level and ``trends.alpha``.
    previous, current
        Wave labels (e.g. ``"2026"``); empty: "the previous wave" / "this wave".

    Returns
    -------
    str
        E.g. "Performance on Delivery at Acme: up 1.9 points, from 6.1 to 8.0
        (95 % interval +1.3 to +2.5; the 15 people interviewed in both waves;
        adjusted p < 0.001)."; a portfolio row with accounts as clusters adds
        "at 12 accounts, accounts as clusters" to who answered.
    """
    prev, cur = previous or "the previous wave", current or "this wave"
    tr = config.trends
    head = _subject(r)
    if r["test"] == "not enough data":
        return (f"{head}: not enough data ({F.plural(r['n_previous'], 'answer')} in {prev}, {F.count(r['n_current'])} "
                f"in {cur}, {F.count(r['n_paired'])} people in both; at least {tr.min_answers} in each wave or "
                f"{tr.min_paired} in both are needed).")
    unit, level = unit_of(r["metric"]), round(100 * config.quantitative.confidence_level)
    digits = 0 if unit != "points" else 1
    how = (f"the {F.plural(r['n_paired'], 'person', 'people')} interviewed in both waves" if r["test"] == "paired"
           else f"{F.plural(r['n_previous'], 'answer')} in {prev} against {F.count(r['n_current'])} in {cur}, "
                f"compared as independent samples")
    if r.get(stats.INTERVAL_BASIS) == stats.BASIS_CLUSTERS:
        how += f" at {F.plural(r[stats.N_ACCOUNTS], 'account')}, accounts as clusters"
    interval = (f"no {level} % interval" if pd.isna(r["ci_low"]) else
                f"{level} % interval {_signed(r['ci_low'], digits)} to {_signed(r['ci_high'], digits)}")
    figures = (f"from {F.number(r['previous'], digits)} in {prev} to {F.number(r['current'], digits)} in {cur}; "
               f"{interval}; {how}; adjusted p {_p(r['p_adjusted'])}")
    if r["significant"]:
        way = "up" if r["change"] > 0 else "down"
        return f"{head}: {way} {F.number(abs(r['change']), digits)} {unit} ({figures})."
    return f"{head}: no clear change ({_signed(r['change'], digits)} {unit}, {figures})."


def _signed(x: float, digits: int) -> str:
    if pd.isna(x):
        return "–"
    text = F.number(abs(float(x)), digits)
    return ("+" if x > 0 and text.strip("0.") else "−" if x < 0 and text.strip("0.") else "") + text


def _p(p: float) -> str:
    if pd.isna(p):
        return "not computed"
    text = F.p_value(p)
    return text if text.startswith("<") else f"= {text}"


def display_table(t: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`cra_helpers.trends.wave_changes` as a reader sees them: what changed in words, then the figures.

    Returns
    -------
    DataFrame
        ``What changed`` (metric, need, competitor and where, in words),
        ``Previous``, ``Current``, ``Change`` (rounded to 2 decimals),
        ``95 % interval`` (text), ``Unit``, ``Contacts in both waves``,
        ``Accounts``, ``Test``, ``Interval basis`` (accounts as clusters or
        respondents) and ``Adjusted p`` (text as in the findings: "< 0.001"
        below 0.001, else three decimals; "–" where untested); in the order
        of ``t``.

    Examples
    --------
    >>> row = {"metric": "nps", "scope": "portfolio", "need_name": "", "competitor_name": "", "segment": "",
    ...        "previous": 20.0, "current": 35.0, "change": 15.0, "ci_low": 8.0, "ci_high": 22.0, "n_paired": 140,
    ...        "n_accounts": 12, "test": "paired", "interval_basis": "accounts as clusters", "p_adjusted": 2e-5}
    >>> display_table(pd.DataFrame([row]))[["Accounts", "Adjusted p"]].values.tolist()
    [[12, '< 0.001']]
    """
    return pd.DataFrame({
        "What changed": [_subject(r) for _, r in t.iterrows()],
        "Previous": t["previous"].round(2).to_numpy(),
        "Current": t["current"].round(2).to_numpy(),
        "Change": t["change"].round(2).to_numpy(),
        "95 % interval": [f"{lo:+.2f} to {hi:+.2f}" if pd.notna(lo) else "" for lo, hi in zip(t["ci_low"], t["ci_high"])],
        "Unit": [unit_of(m) for m in t["metric"]],
        "Contacts in both waves": t["n_paired"].to_numpy(),
        "Accounts": t[stats.N_ACCOUNTS].to_numpy(),
        "Test": t["test"].to_numpy(),
        "Interval basis": t[stats.INTERVAL_BASIS].to_numpy(),
        "Adjusted p": [F.p_value(p) for p in t["p_adjusted"]],
    })
