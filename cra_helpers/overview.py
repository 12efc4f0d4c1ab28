"""What an assessment holds: inventory, coverage per account, and data-quality checks.

Every function takes an :class:`~cra_helpers.assessment.Assessment` and returns
a tidy DataFrame; figures live in :mod:`cra_helpers.figures`.
"""

from __future__ import annotations

import pandas as pd

from . import headlines
from . import schema as S
from . import steps
from .assessment import Assessment

SEVERITY_ORDER = ("error", "warning", "info")


def table_inventory(a: Assessment) -> pd.DataFrame:
    """One row per table of the data contract: present or not, rows, steps that need it.

    Returns
    -------
    DataFrame
        Columns ``table, present, rows, needed_by``.
    """
    needed: dict[str, list[str]] = {t: [] for t in S.TABLE_ORDER}
    for step in steps.STEPS.values():
        for t in step.requires:
            needed.setdefault(t, []).append(step.name)
    rows = []
    for name in S.TABLE_ORDER:
        df = a.tables.get(name)
        rows.append(
            {
                "table": name,
                "present": df is not None,
                "rows": 0 if df is None else len(df),
                "needed_by": ", ".join(needed.get(name, [])),
            }
        )
    return pd.DataFrame(rows)


def _count_by_account(df: pd.DataFrame | None, name: str) -> pd.Series:
    if df is None or df.empty:
        return pd.Series(dtype="int64", name=name)
    return df.groupby(S.ACCOUNT_ID, observed=True).size().rename(name)


def account_coverage(a: Assessment) -> pd.DataFrame:
    """Locations, contacts, interviews, ratings and verbatims per account.

    Returns
    -------
    DataFrame
        One row per account: ``account_id, name, key_account, revenue,
        locations, contacts, interviews, ratings, verbatims`` (counts; ratings
        counts rating rows), sorted by revenue, largest first. ``key_account``
        is ``True`` for the key accounts after prioritization
        (:func:`cra_helpers.headlines.key_account_selection`: marked in the
        data or selected by the key-account rule), as in ``01_prioritize``.
    """
    acc = a.accounts[[S.ACCOUNT_ID, S.ACCOUNT_NAME, S.REVENUE]].copy()
    acc.insert(2, S.KEY_ACCOUNT, headlines.key_account_selection(a).to_numpy(bool))
    parts = [
        _count_by_account(a.locations, "locations"),
        _count_by_account(a.contacts, "contacts"),
    ]
    if a.has(S.INTERVIEWS, S.CONTACTS):
        resp = a.respondents()
        parts.append(_count_by_account(resp, "interviews"))
        if a.has(S.RATINGS):
            parts.append(_count_by_account(a.ratings_by_respondent(), "ratings"))
        if a.has(S.VERBATIMS):
            v = a.verbatims.merge(resp[[S.INTERVIEW_ID, S.ACCOUNT_ID]], on=S.INTERVIEW_ID, how="left")
            parts.append(_count_by_account(v, "verbatims"))
    out = acc.set_index(S.ACCOUNT_ID)
    for p in parts:
        out = out.join(p, how="left")
    for col in ("locations", "contacts", "interviews", "ratings", "verbatims"):
        out[col] = out[col].fillna(0).astype("int64") if col in out else 0
    out = out.reset_index().sort_values(S.REVENUE, ascending=False, kind="stable").reset_index(drop=True)
    return out


def interviews_by_slice(a: Assessment) -> pd.DataFrame:
    """Interviews per account × organization level × department × decision role.

    Returns
    -------
    DataFrame
        ``account_id, level, department, decision_role, interviews`` (counts),
        empty when the assessment has no interviews.
    """
    cols = [S.ACCOUNT_ID, S.LEVEL, S.DEPARTMENT, S.DECISION_ROLE]
    if not a.has(S.INTERVIEWS, S.CONTACTS):
        return pd.DataFrame(columns=[*cols, "interviews"])
    resp = a.respondents()
    out = resp.groupby(cols, observed=True, dropna=False).size().rename("interviews").reset_index()
    return out[out["interviews"] > 0].reset_index(drop=True)


def _add(rows: list[dict[str, object]], severity: str, check: str, items: list[str]) -> None:
    """Append one failed check to ``rows`` when ``items`` (what fails it) is not empty; at most 12 are named."""
    if items:
        shown = ", ".join(items[:12]) + (f" … (+{len(items) - 12})" if len(items) > 12 else "")
        rows.append({"severity": severity, "check": check, "count": len(items), "detail": shown})


def _interview_checks(a: Assessment, rows: list[dict[str, object]]) -> None:
    """Key accounts (after prioritization) with no or few interviews; interviews without ratings or loyalty answers."""
    q = a.config.quality
    keys = headlines.key_account_ids(a)
    resp = a.respondents()
    per = resp.groupby(S.ACCOUNT_ID, observed=True).size()
    none = [k for k in keys if per.get(k, 0) == 0]
    few = [f"{k} ({int(per.get(k, 0))})" for k in keys if 0 < per.get(k, 0) < q.min_interviews_per_key_account]
    _add(rows, "warning", "Key accounts without interviews", none)
    _add(rows, "warning", f"Key accounts with fewer than {q.min_interviews_per_key_account} interviews", few)
    ids = resp[S.INTERVIEW_ID].astype(str)
    if a.has(S.RATINGS):
        r = a.ratings
        _add(rows, "warning", "Interviews without ratings", sorted(set(ids) - set(r[S.INTERVIEW_ID].astype(str))))
        for col in (S.IMPORTANCE, S.PERFORMANCE):
            n_missing = int(r[col].isna().sum())
            if n_missing:
                rows.append({"severity": "info", "check": f"Ratings with no {col}", "count": n_missing,
                             "detail": f"{n_missing / len(r):.1%} of rating rows; analyses use the ratings given"})
    if a.has(S.LOYALTY):
        _add(rows, "warning", "Interviews without loyalty answers",
             sorted(set(ids) - set(a.loyalty[S.INTERVIEW_ID].astype(str))))


def _table_checks(a: Assessment, rows: list[dict[str, object]]) -> None:
    """Needs never rated, contacts without a location, short or repeated verbatims, active customers without revenue."""
    q = a.config.quality
    if a.has(S.NEEDS) and a.has(S.RATINGS):
        r = a.ratings
        rated_needs = set(r.loc[r[S.PERFORMANCE].notna() | r[S.IMPORTANCE].notna(), S.NEED_ID].astype(str))
        _add(rows, "warning", "Needs never rated", sorted(set(a.needs[S.NEED_ID].astype(str)) - rated_needs))
    if a.has(S.CONTACTS):
        c = a.contacts
        _add(rows, "info", "Contacts without a location", c.loc[c[S.LOCATION_ID].isna(), S.CONTACT_ID].astype(str).tolist())
    if a.has(S.VERBATIMS):
        v = a.verbatims
        text = v[S.TEXT].fillna("").astype(str).str.strip()
        words = text.str.split().str.len().fillna(0)
        _add(rows, "warning", f"Very short verbatims (fewer than {q.min_verbatim_words} words)",
             v.loc[(words < q.min_verbatim_words), S.VERBATIM_ID].astype(str).tolist())
        dup = text.str.lower().duplicated(keep="first") & (text != "")
        _add(rows, "info", "Verbatims repeating an earlier one word for word", v.loc[dup, S.VERBATIM_ID].astype(str).tolist())
    acc = a.accounts
    active_zero = acc[(acc[S.STATUS].astype(str) == "active") & (acc[S.RELATIONSHIP_TYPE].astype(str) == "customer") & (acc[S.REVENUE] <= 0)]
    _add(rows, "info", "Active customers with no revenue", active_zero[S.ACCOUNT_ID].astype(str).tolist())


def quality_warnings(a: Assessment) -> pd.DataFrame:
    """Data-quality checks that do not stop a run but deserve the analyst's eye.

    Thresholds come from ``config.quality``. The key-account checks cover the
    key accounts after prioritization (:func:`cra_helpers.headlines.key_account_ids`),
    the accounts that get a one-page summary.

    Returns
    -------
    DataFrame
        ``severity, check, count, detail``; one row per failed check (none when
        all is well), most severe first.
    """
    rows: list[dict[str, object]] = []
    if a.has(S.INTERVIEWS, S.CONTACTS):
        _interview_checks(a, rows)
    _table_checks(a, rows)
    for note in a.notes:
        rows.append({"severity": "info", "check": "Loader note", "count": 1, "detail": note})
    out = pd.DataFrame(rows, columns=["severity", "check", "count", "detail"])
    if not out.empty:
        out["_o"] = out["severity"].map({s: i for i, s in enumerate(SEVERITY_ORDER)})
        out = out.sort_values(["_o", "count"], ascending=[True, False], kind="stable").drop(columns="_o").reset_index(drop=True)
    return out


def headline_counts(a: Assessment) -> list[tuple[str, int]]:
    """Counts for the overview's key figures: accounts, key accounts, locations, interviews, …

    Returns
    -------
    list of (label, count)
        Only tables that are present are counted; labels and definitions are
        those of :mod:`cra_helpers.headlines`, so every page shows the same figure.
    """
    return [(h.label, value) for h, value in headlines.table_counts(a)]
