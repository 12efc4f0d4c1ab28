"""The diagonal slice of the key accounts: known and interviewed contacts, coverage, gaps and the interviews to add.

At each key account: known contacts (the ``contacts`` table) and interviewed contacts
(those with an interview) by site × organization level × department × decision role;
gaps such as no executive decision-maker, a level, core department or site with no
voice; and a greedy recommended interview list that covers every level, department,
site, decision role and level × department cell of the known contacts.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .. import schema as S
from ..assessment import Assessment
from ..config import Prioritize, SliceChecks
from .common import (GAP_DEPT_NOT_INTERVIEWED, GAP_DEPT_UNKNOWN, GAP_EXEC_DM_NOT_INTERVIEWED, GAP_LEVEL_NOT_INTERVIEWED,
                     GAP_LEVEL_UNKNOWN, GAP_NO_CONTACTS, GAP_NO_DM_INTERVIEWED, GAP_NO_EXEC_DM, GAP_SITE_NOT_INTERVIEWED,
                     GAP_SITE_UNKNOWN, INTERVIEWED, KNOWN, NO_SITE, STATUS_INTERVIEWED, STATUS_TO_INTERVIEW, _DM, _EXEC,
                     _cfg)


def _key_ids(key_accounts: Iterable[str] | pd.DataFrame) -> list[str]:
    if isinstance(key_accounts, pd.DataFrame):
        frame = key_accounts[key_accounts[S.KEY_ACCOUNT].astype(bool)]
        return frame[S.ACCOUNT_ID].astype(str).tolist()
    return [str(k) for k in key_accounts]


def key_contacts(a: Assessment, key_accounts: Iterable[str] | pd.DataFrame) -> pd.DataFrame:
    """Known contacts at the key accounts, with site and whether they were interviewed.

    Parameters
    ----------
    a
        The assessment (``contacts``; ``interviews`` and ``locations`` when present).
    key_accounts
        Key account ids, or :func:`prioritize_accounts` output (rows with ``key_account``).

    Returns
    -------
    DataFrame
        ``contact_id, account_id, location_id, site, name, title, level, department,
        decision_role, interviewed`` (bool) plus ``interviews`` (count), with
        ``department`` trimmed and spelled as its most frequent spelling (compared
        ignoring case) and ``site`` = ``(no site)`` when the contact has none. Empty
        without ``contacts``.
    """
    ids = _key_ids(key_accounts)
    cols = [S.CONTACT_ID, S.ACCOUNT_ID, S.LOCATION_ID, S.SITE, S.CONTACT_NAME, S.TITLE, S.LEVEL, S.DEPARTMENT,
            S.DECISION_ROLE, STATUS_INTERVIEWED, "interviews"]
    if not a.has(S.CONTACTS):
        return pd.DataFrame(columns=cols)
    con = a.contacts
    con = con[con[S.ACCOUNT_ID].astype("string").isin(ids).fillna(False).to_numpy(bool)].copy()
    dept = con[S.DEPARTMENT].astype("string").str.strip()
    key = dept.str.casefold()
    all_dept = a.contacts[S.DEPARTMENT].astype("string").str.strip()
    spelling = all_dept.groupby(all_dept.str.casefold()).agg(lambda s: s.value_counts().index[0])
    con[S.DEPARTMENT] = key.map(spelling).astype("string")
    if a.has(S.INTERVIEWS):
        per = a.interviews.groupby(S.CONTACT_ID, observed=True).size()
        con["interviews"] = con[S.CONTACT_ID].map(per).fillna(0).astype("int64")
    else:
        con["interviews"] = 0
    con[STATUS_INTERVIEWED] = con["interviews"] > 0
    if a.has(S.LOCATIONS):
        sites = a.locations.set_index(S.LOCATION_ID)[S.SITE]
        con[S.SITE] = con[S.LOCATION_ID].map(sites)
    else:
        con[S.SITE] = pd.NA
    con[S.SITE] = con[S.SITE].astype("string").fillna(NO_SITE)
    for c in (S.TITLE,):
        if c not in con.columns:
            con[c] = pd.NA
    return con[cols].reset_index(drop=True)


def diagonal_slice(a: Assessment, key_accounts: Iterable[str] | pd.DataFrame) -> pd.DataFrame:
    """Known and interviewed contacts per key account × site × level × department × decision role.

    Returns
    -------
    DataFrame
        ``account_id, location_id, site, level, department, decision_role,
        known_contacts, interviewed_contacts`` (counts; known includes interviewed), one
        row per combination that has a known contact; levels and roles in contract order.
    """
    con = key_contacts(a, key_accounts)
    keys = [S.ACCOUNT_ID, S.LOCATION_ID, S.SITE, S.LEVEL, S.DEPARTMENT, S.DECISION_ROLE]
    if con.empty:
        return pd.DataFrame(columns=[*keys, KNOWN, INTERVIEWED])
    con = con.assign(**{S.LOCATION_ID: con[S.LOCATION_ID].astype("string").fillna("")})
    g = con.groupby(keys, observed=True, dropna=False, sort=True)
    out = pd.DataFrame({KNOWN: g.size(), INTERVIEWED: g[STATUS_INTERVIEWED].sum()}).reset_index()
    out[S.LOCATION_ID] = out[S.LOCATION_ID].replace("", pd.NA)
    out[KNOWN] = out[KNOWN].astype("int64")
    out[INTERVIEWED] = out[INTERVIEWED].astype("int64")
    return out


def slice_coverage(slice_table: pd.DataFrame, key_accounts: Iterable[str] | pd.DataFrame) -> pd.DataFrame:
    """Level × department coverage of every key account (sites and roles summed).

    Parameters
    ----------
    slice_table
        Output of :func:`diagonal_slice`.
    key_accounts
        Key account ids (or :func:`prioritize_accounts` output), in display order.

    Returns
    -------
    DataFrame
        One row per key account × (level, department) pair seen at any key account:
        ``account_id, level, department, known_contacts, interviewed_contacts``
        (0 where nobody is known), levels in contract order, departments by how many
        key accounts know someone there.
    """
    ids = _key_ids(key_accounts)
    cols = [S.ACCOUNT_ID, S.LEVEL, S.DEPARTMENT, KNOWN, INTERVIEWED]
    if slice_table.empty or not ids:
        return pd.DataFrame(columns=cols)
    per = slice_table.groupby([S.ACCOUNT_ID, S.LEVEL, S.DEPARTMENT], observed=True)[[KNOWN, INTERVIEWED]].sum()
    pairs = per.reset_index()[[S.LEVEL, S.DEPARTMENT]].drop_duplicates()
    spread = per.reset_index().groupby(S.DEPARTMENT)[S.ACCOUNT_ID].nunique()
    pairs = pairs.assign(_l=pairs[S.LEVEL].astype(str).map({lv: i for i, lv in enumerate(S.LEVELS)}),
                         _d=-pairs[S.DEPARTMENT].map(spread)).sort_values(["_l", "_d", S.DEPARTMENT])
    grid = pd.MultiIndex.from_tuples(
        [(acc, lv, d) for acc in ids for lv, d in zip(pairs[S.LEVEL].astype(str), pairs[S.DEPARTMENT].astype(str))],
        names=[S.ACCOUNT_ID, S.LEVEL, S.DEPARTMENT])
    per.index = per.index.set_levels([lv.astype(str) for lv in per.index.levels])
    out = per.reindex(grid, fill_value=0).reset_index()
    out[KNOWN] = out[KNOWN].astype("int64")
    out[INTERVIEWED] = out[INTERVIEWED].astype("int64")
    return out


def slice_gaps(a: Assessment, key_accounts: Iterable[str] | pd.DataFrame,
               config: Prioritize | None = None) -> pd.DataFrame:
    """Holes in the diagonal slice of every key account.

    Checks, per key account: no known contact at all; no executive decision-maker known
    (or known but not interviewed); a level with no contact (or none interviewed); a core
    department (``diagonal_slice.core_departments``) with no contact; a department with
    known contacts none of whom was interviewed; a site (``locations``) with no contact
    (or none interviewed); no decision-maker interviewed. "Not interviewed" checks run
    only when the assessment has interviews.

    Returns
    -------
    DataFrame
        ``account_id, gap, detail, severity`` (``bad`` or ``warn``), one row per gap, in
        key-account order.
    """
    cfg = _cfg(config)
    checks: SliceChecks = cfg.diagonal_slice
    ids = _key_ids(key_accounts)
    con = key_contacts(a, ids)
    interviewed_known = a.has(S.INTERVIEWS)
    core = {d.strip().casefold(): d.strip() for d in checks.core_departments}
    sites = a.locations if a.has(S.LOCATIONS) else None
    rows: list[dict[str, str]] = []
    for acc in ids:
        c = con[con[S.ACCOUNT_ID].astype(str) == acc]
        acc_sites = sites[sites[S.ACCOUNT_ID].astype(str) == acc] if sites is not None and not c.empty else None
        rows += [{S.ACCOUNT_ID: acc, "gap": gap, "detail": detail, "severity": severity}
                 for gap, detail, severity in _account_gaps(c, core, acc_sites, interviewed_known)]
    return pd.DataFrame(rows, columns=[S.ACCOUNT_ID, "gap", "detail", "severity"])


_Gap = tuple[str, str, str]
"""(gap kind, detail, severity) of one hole in the slice."""


def _account_gaps(c: pd.DataFrame, core: dict[str, str], acc_sites: pd.DataFrame | None,
                  interviewed_known: bool) -> list[_Gap]:
    """The gaps of one key account, in the order :func:`slice_gaps` reports them.

    Parameters
    ----------
    c
        The account's rows of :func:`key_contacts`.
    core
        Core departments, case-folded name → name as configured.
    acc_sites
        The account's rows of ``locations``; ``None`` without a locations table.
    interviewed_known
        Whether the assessment has interviews (the "not interviewed" checks run only then).
    """
    if c.empty:
        return [(GAP_NO_CONTACTS, "no contact is known at this key account: the slice cannot be planned", "bad")]
    lvl, role = c[S.LEVEL].astype(str), c[S.DECISION_ROLE].astype(str)
    iv = c[STATUS_INTERVIEWED].to_numpy(bool)
    gaps = _decision_maker_gaps(lvl, role, iv, interviewed_known)
    gaps += _level_gaps(lvl, iv, interviewed_known)
    gaps += _department_gaps(c, iv, core, interviewed_known)
    if acc_sites is not None:
        gaps += _site_gaps(c, acc_sites, iv, interviewed_known)
    if interviewed_known and iv.any() and not ((role == _DM).to_numpy(bool) & iv).any():
        gaps.append((GAP_NO_DM_INTERVIEWED, "no decision-maker was interviewed", "bad"))
    return gaps


def _decision_maker_gaps(lvl: pd.Series, role: pd.Series, iv: np.ndarray, interviewed_known: bool) -> list[_Gap]:
    """No executive decision-maker known, or none interviewed."""
    execs = lvl == _EXEC
    exec_dm = (execs & (role == _DM)).to_numpy(bool)
    if not exec_dm.any():
        what = "no executive contact at all" if not execs.any() else "executives known, none a decision-maker"
        return [(GAP_NO_EXEC_DM, f"no executive decision-maker among the contacts ({what})", "bad")]
    if interviewed_known and not (exec_dm & iv).any():
        return [(GAP_EXEC_DM_NOT_INTERVIEWED, f"{int(exec_dm.sum())} executive decision-maker(s) known, none interviewed",
                 "bad")]
    return []


def _level_gaps(lvl: pd.Series, iv: np.ndarray, interviewed_known: bool) -> list[_Gap]:
    """Levels without a known contact (the executive level excepted) or with none interviewed."""
    gaps: list[_Gap] = []
    for level in S.LEVELS:
        at = (lvl == level).to_numpy(bool)
        if not at.any():
            if level != _EXEC:  # a missing executive level is reported as the missing decision-maker
                gaps.append((GAP_LEVEL_UNKNOWN, f"no {level} contact known", "warn"))
        elif interviewed_known and not (at & iv).any():
            gaps.append((GAP_LEVEL_NOT_INTERVIEWED, f"{level} level: {int(at.sum())} known, none interviewed", "warn"))
    return gaps


def _department_gaps(c: pd.DataFrame, iv: np.ndarray, core: dict[str, str], interviewed_known: bool) -> list[_Gap]:
    """Core departments without a known contact, then departments none of whose contacts was interviewed."""
    gaps: list[_Gap] = []
    dkey = c[S.DEPARTMENT].astype(str).str.casefold()
    for k, name in core.items():
        if not (dkey == k).any():
            gaps.append((GAP_DEPT_UNKNOWN, f"{name}: no contact known", "warn"))
    if interviewed_known:
        for k in sorted(dkey.unique()):
            at = (dkey == k).to_numpy(bool)
            if not (at & iv).any():
                shown = c.loc[at, S.DEPARTMENT].iloc[0]
                gaps.append((GAP_DEPT_NOT_INTERVIEWED, f"{shown} department not interviewed ({int(at.sum())} known)", "warn"))
    return gaps


def _site_gaps(c: pd.DataFrame, acc_sites: pd.DataFrame, iv: np.ndarray, interviewed_known: bool) -> list[_Gap]:
    """Sites of the account without a known contact or with none interviewed."""
    gaps: list[_Gap] = []
    for loc_id, site in zip(acc_sites[S.LOCATION_ID].astype(str), acc_sites[S.SITE].astype(str)):
        at = (c[S.LOCATION_ID].astype("string") == loc_id).fillna(False).to_numpy(bool)
        if not at.any():
            gaps.append((GAP_SITE_UNKNOWN, f"site {site} ({loc_id}): no contact known", "warn"))
        elif interviewed_known and not (at & iv).any():
            gaps.append((GAP_SITE_NOT_INTERVIEWED, f"site {site} ({loc_id}): {int(at.sum())} known, none interviewed", "warn"))
    return gaps


def recommended_interviews(a: Assessment, key_accounts: Iterable[str] | pd.DataFrame,
                           config: Prioritize | None = None) -> pd.DataFrame:
    """An interview list that covers the diagonal slice of every key account.

    Greedy set cover over the known contacts of each key account: the contacts already
    interviewed count first; then, one at a time, the contact who adds most of what is not
    yet heard is added — an executive decision-maker (weight 4), a level (3), a core
    department (3), another department (2), a site (2), a decision role (1), a level ×
    department cell (1) — ties going to the higher level, the decision-maker, then the
    contact id, until nobody adds anything.

    Returns
    -------
    DataFrame
        ``account_id, contact_id, name, title, level, department, decision_role,
        location_id, site, status`` (``interviewed`` or ``to interview``), ``covers``
        (what the contact adds, for those to interview), in key-account order,
        interviewed first.
    """
    cfg = _cfg(config)
    ids = _key_ids(key_accounts)
    con = key_contacts(a, ids)
    cols = [S.ACCOUNT_ID, S.CONTACT_ID, S.CONTACT_NAME, S.TITLE, S.LEVEL, S.DEPARTMENT, S.DECISION_ROLE,
            S.LOCATION_ID, S.SITE, "status", "covers"]
    if con.empty:
        return pd.DataFrame(columns=cols)
    core = {d.strip().casefold() for d in cfg.diagonal_slice.core_departments}
    out = []
    for acc in ids:
        c = con[con[S.ACCOUNT_ID].astype(str) == acc]
        if c.empty:
            continue
        records = (rec._asdict() for rec in c.itertuples(index=False))
        facets = {str(r[S.CONTACT_ID]): _contact_facets(r, core) for r in records}
        rec_by_id = {str(k): v for k, v in zip(c[S.CONTACT_ID].astype(str), c.to_dict("records"))}
        for cid, status, covers in _greedy_cover(rec_by_id, facets):
            row = rec_by_id[cid]
            out.append({**{k: row[k] for k in cols if k in row}, "status": status, "covers": covers})
    return pd.DataFrame(out, columns=cols)


_Facets = dict[tuple, tuple[float, str]]
"""What a contact covers: facet key → (weight, label)."""


def _contact_facets(r: dict, core: set[str]) -> _Facets:
    """The facets one contact (a :func:`key_contacts` row) covers, with their weights and labels.

    Level (3), department (3 for a core department, else 2), decision role (1),
    level × department cell (1), site (2) and, for an executive decision-maker, that (4).
    """
    lv, dept, role = str(r[S.LEVEL]), str(r[S.DEPARTMENT]), str(r[S.DECISION_ROLE])
    dk = dept.casefold()
    f: _Facets = {
        ("level", lv): (3.0, f"{lv} level"),
        ("dept", dk): (3.0 if dk in core else 2.0, dept),
        ("role", role): (1.0, role),
        ("cell", lv, dk): (1.0, f"{lv} {dept}"),
        ("site", str(r[S.SITE])): (2.0, f"site {r[S.SITE]}"),
    }
    if lv == _EXEC and role == _DM:
        f[("exec_dm",)] = (4.0, "executive decision-maker")
    return f


def _greedy_cover(rec_by_id: dict[str, dict], facets: dict[str, _Facets]) -> list[tuple[str, str, str]]:
    """(contact id, status, what it adds) of the interviewed contacts, then of those to interview, in choice order.

    Greedy: the contact adding the largest weight not yet covered is taken next, ties to
    the higher level, the decision-maker, then the contact id; until nobody adds anything.
    """
    level_rank = {lv: i for i, lv in enumerate(S.LEVELS)}
    role_rank = {r: i for i, r in enumerate(S.DECISION_ROLES)}
    covered: set[tuple] = set()
    chosen: list[tuple[str, str, str]] = []
    for cid, row in rec_by_id.items():
        if row[STATUS_INTERVIEWED]:
            covered |= set(facets[cid])
            chosen.append((cid, STATUS_INTERVIEWED, ""))
    pool = [cid for cid, row in rec_by_id.items() if not row[STATUS_INTERVIEWED]]

    def gain(cid: str) -> tuple:
        row = rec_by_id[cid]
        g = sum(w for k, (w, _) in facets[cid].items() if k not in covered)
        return (g, -level_rank.get(str(row[S.LEVEL]), 9), -role_rank.get(str(row[S.DECISION_ROLE]), 9), [-ord(ch) for ch in cid])

    while pool:
        best = max(pool, key=gain)
        if gain(best)[0] <= 0:
            break
        new = [label for k, (_, label) in facets[best].items() if k not in covered and k[0] != "cell"]
        new = new or [label for k, (_, label) in facets[best].items() if k not in covered]
        covered |= set(facets[best])
        chosen.append((best, STATUS_TO_INTERVIEW, "; ".join(new)))
        pool.remove(best)
    return chosen


def slice_summary(a: Assessment, key_accounts: Iterable[str] | pd.DataFrame,
                  config: Prioritize | None = None) -> pd.DataFrame:
    """Per key account: sites, known and interviewed contacts, levels and departments heard, gaps, interviews to add.

    Returns
    -------
    DataFrame
        ``account_id, sites, known_contacts, interviewed_contacts, levels_known,
        levels_interviewed, departments_known, departments_interviewed, gaps,
        to_interview`` (counts).
    """
    ids = _key_ids(key_accounts)
    con = key_contacts(a, ids)
    gaps = slice_gaps(a, ids, config)
    plan = recommended_interviews(a, ids, config)
    rows = []
    for acc in ids:
        c = con[con[S.ACCOUNT_ID].astype(str) == acc]
        iv = c[c[STATUS_INTERVIEWED].astype(bool)]
        n_sites = int((a.locations[S.ACCOUNT_ID].astype(str) == acc).sum()) if a.has(S.LOCATIONS) else int(c[S.SITE].nunique())
        rows.append({
            S.ACCOUNT_ID: acc, "sites": n_sites, KNOWN: len(c), INTERVIEWED: len(iv),
            "levels_known": c[S.LEVEL].nunique(), "levels_interviewed": iv[S.LEVEL].nunique(),
            "departments_known": c[S.DEPARTMENT].str.casefold().nunique(),
            "departments_interviewed": iv[S.DEPARTMENT].str.casefold().nunique(),
            "gaps": int((gaps[S.ACCOUNT_ID] == acc).sum()),
            "to_interview": int(((plan[S.ACCOUNT_ID].astype(str) == acc) & (plan["status"] == STATUS_TO_INTERVIEW)).sum()) if len(plan) else 0,
        })
    return pd.DataFrame(rows)
