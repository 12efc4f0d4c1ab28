"""Larger assessments made of copies of real accounts, for measuring and testing per-account work.

:func:`tile_accounts` copies accounts with everything that belongs to them
(sales history, sites, contacts, interviews, ratings, loyalty answers,
remarks) under new ids, so that an assessment of 200 key accounts can be
built from the sample's 16; :func:`write_csv_folder` writes the tables as a
CSV folder the loader reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from . import schema as S
from .assessment import Assessment

# Per table: the id column renamed in every copy, and the id columns pointing to a renamed table.
_OWN_ID = {S.LOCATIONS: S.LOCATION_ID, S.CONTACTS: S.CONTACT_ID, S.INTERVIEWS: S.INTERVIEW_ID, S.VERBATIMS: S.VERBATIM_ID}
_REFS = {
    S.SALES_HISTORY: (S.ACCOUNT_ID,), S.LOCATIONS: (S.ACCOUNT_ID,), S.CONTACTS: (S.ACCOUNT_ID, S.LOCATION_ID),
    S.INTERVIEWS: (S.CONTACT_ID,), S.RATINGS: (S.INTERVIEW_ID,), S.LOYALTY: (S.INTERVIEW_ID,),
    S.VERBATIMS: (S.INTERVIEW_ID,),
}
_PARENT = {S.LOCATIONS: (S.ACCOUNTS, S.ACCOUNT_ID), S.CONTACTS: (S.ACCOUNTS, S.ACCOUNT_ID),
           S.INTERVIEWS: (S.CONTACTS, S.CONTACT_ID), S.RATINGS: (S.INTERVIEWS, S.INTERVIEW_ID),
           S.LOYALTY: (S.INTERVIEWS, S.INTERVIEW_ID), S.VERBATIMS: (S.INTERVIEWS, S.INTERVIEW_ID),
           S.SALES_HISTORY: (S.ACCOUNTS, S.ACCOUNT_ID)}
_ORDER = (S.SALES_HISTORY, S.LOCATIONS, S.CONTACTS, S.INTERVIEWS, S.RATINGS, S.LOYALTY, S.VERBATIMS)


def _copy_one(tables: dict[str, pd.DataFrame], source: str, new_id: str, tag: str) -> dict[str, pd.DataFrame]:
    """Every row of account ``source`` under ``new_id``; ids of its sites, contacts, interviews and remarks get ``tag``."""
    acc = tables[S.ACCOUNTS]
    out = {S.ACCOUNTS: acc[acc[S.ACCOUNT_ID].astype(str) == source].assign(**{S.ACCOUNT_ID: new_id})}
    kept: dict[str, set] = {S.ACCOUNTS: {source}}
    maps: dict[str, dict] = {S.ACCOUNT_ID: {source: new_id}}
    for name in _ORDER:
        if name not in tables:
            continue
        parent, key = _PARENT[name]
        frame = tables[name]
        rows = frame[frame[key].astype(str).isin(kept.get(parent, set()))].copy()
        own = _OWN_ID.get(name)
        if own:
            kept[name] = set(rows[own].astype(str))
            maps[own] = {v: f"{v}{tag}" for v in kept[name]}
            rows[own] = rows[own].astype(str).map(maps[own])
        for col in _REFS[name]:
            if col in maps and col != own:
                rows[col] = rows[col].map(lambda v, m=maps[col]: m.get(str(v), v) if pd.notna(v) else v)
        out[name] = rows
    return out


def tile_accounts(a: Assessment, sources: Sequence[str], new_ids: Sequence[str]) -> dict[str, pd.DataFrame]:
    """The assessment's tables with account ``new_ids[i]`` added as a copy of ``sources[i % len(sources)]``.

    Parameters
    ----------
    a
        The assessment to grow.
    sources
        Account ids to copy (e.g. the key accounts), used in turn.
    new_ids
        Ids of the copies; none may already be an account id.

    Returns
    -------
    dict of DataFrame
        Every table of ``a``, with the copies appended (needs and competitors unchanged).

    Raises
    ------
    ValueError
        When ``sources`` is empty, names an unknown account, or a new id is taken.

    Examples
    --------
    >>> from cra_helpers.loader import load_assessment
    >>> from cra_helpers import paths
    >>> a = load_assessment(paths.sample_path())
    >>> t = tile_accounts(a, ["A005"], ["A005-copy"])
    >>> len(t["accounts"]) - len(a.accounts)
    1
    """
    ids = set(a.accounts[S.ACCOUNT_ID].astype(str))
    if not sources or any(s not in ids for s in sources):
        raise ValueError(f"accounts to copy must be accounts of the assessment: {list(sources)}")
    clash = sorted(set(new_ids) & ids) or sorted({n for n in new_ids if list(new_ids).count(n) > 1})
    if clash:
        raise ValueError(f"new account ids already taken: {clash}")
    tables = dict(a.tables)
    parts: dict[str, list[pd.DataFrame]] = {name: [frame] for name, frame in tables.items()}
    for i, new_id in enumerate(new_ids):
        copy = _copy_one(tables, str(sources[i % len(sources)]), str(new_id), f"~{i + 1}")
        for name, frame in copy.items():
            parts[name].append(frame)
    return {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}


def write_csv_folder(tables: dict[str, pd.DataFrame], folder: str | Path) -> Path:
    """Write ``<folder>/<table>.csv`` for every table (UTF-8); return the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8")
    return folder
