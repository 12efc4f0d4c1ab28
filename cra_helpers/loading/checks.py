"""Checks across rows and tables: unique keys, references between tables, and their consistency."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema as S
from .cells import _a
from .problems import _Collector, _Source
from .table import _Built


def _check_keys(built: _Built, collector: _Collector) -> None:
    table = S.TABLES[built.src.table]
    frame = built.frame
    if not table.key or not len(frame) or any(table.column(k).required and k not in frame.columns for k in table.key):
        return  # a missing key column is reported as such
    key = [k for k in table.key if k in frame.columns]
    sub = frame[key]
    # Rows with an empty non-nullable key part are already reported as empty.
    usable = np.ones(len(sub), dtype=bool)
    for k in key:
        if not table.column(k).nullable:
            usable &= sub[k].notna().to_numpy()
    sub = sub[usable]
    dup = sub.duplicated(keep="first").to_numpy()
    if not dup.any():
        return
    first_row: dict[tuple, int] = {}
    for number, tup in zip(sub.index, sub.itertuples(index=False, name=None)):
        tup = tuple(None if pd.isna(x) else x for x in tup)
        if tup not in first_row:
            first_row[tup] = number
            continue
        if len(key) == 1:
            collector.problem(built.src, number, key[0], tup[0], f"a unique {key[0]}; '{tup[0]}' is already used in {built.src.row_word} {first_row[tup]}")
        else:
            shown = " / ".join("empty" if x is None else repr(x) for x in tup)
            collector.problem(
                built.src, number, ", ".join(key), tup,
                f"a unique combination of {', '.join(key)}; the same combination is in {built.src.row_word} {first_row[tup]}",
                what=shown,
            )


def _check_cross(built: dict[str, _Built], absent: set[str], collector: _Collector) -> None:
    ids: dict[str, set[str]] = {}
    for name, b in built.items():
        id_col = S.TABLES[name].id_column
        if id_col and id_col in b.frame.columns:
            ids[name] = set(b.frame[id_col].dropna())
    for name, b in built.items():
        frame = b.frame
        for col in S.TABLES[name].columns:
            if col.ref is None or col.name not in frame.columns:
                continue
            values = frame[col.name]
            filled = values.notna().to_numpy()
            if col.ref in absent:
                n = int(filled.sum())
                if n:
                    first = int(frame.index[filled][0])
                    target = built_label(col.ref, b.src)
                    collector.problem(
                        b.src, None, col.name, None,
                        f"{_a(target)} listing them, or empty {col.name} cells",
                        what=f"{n} {b.src.row_word}(s) give {_a(col.name)} (first in {b.src.row_word} {first}) but there is no {target}",
                    )
                continue
            if col.ref not in ids:
                continue  # target not loaded (restricted by `tables=`) or lacks its id column
            ok = values.isin(ids[col.ref]).fillna(False).to_numpy(bool)
            target_id = S.TABLES[col.ref].id_column
            for pos in np.flatnonzero(filled & ~ok):
                collector.problem(
                    b.src, int(frame.index[pos]), col.name, values.iloc[pos],
                    f"{_a(target_id)} listed in {built[col.ref].src.ref_label}",
                )
    # A contact's site must belong to the contact's account.
    con, loc = built.get(S.CONTACTS), built.get(S.LOCATIONS)
    if con is not None and loc is not None:
        cf, lf = con.frame, loc.frame
        if {S.LOCATION_ID, S.ACCOUNT_ID} <= set(cf.columns) and {S.LOCATION_ID, S.ACCOUNT_ID} <= set(lf.columns):
            owner = dict(zip(lf[S.LOCATION_ID].dropna(), lf.loc[lf[S.LOCATION_ID].notna(), S.ACCOUNT_ID]))
            for number, loc_id, acc_id in zip(cf.index, cf[S.LOCATION_ID], cf[S.ACCOUNT_ID]):
                if pd.isna(loc_id) or pd.isna(acc_id) or loc_id not in owner or pd.isna(owner[loc_id]):
                    continue
                if owner[loc_id] != acc_id:
                    collector.problem(
                        con.src, int(number), S.LOCATION_ID, loc_id,
                        f"a location of account '{acc_id}'; location '{loc_id}' belongs to account '{owner[loc_id]}' in {loc.src.ref_label}",
                    )
    # A competitor's rating needs the competitor.
    rat = built.get(S.RATINGS)
    if rat is not None and S.COMPETITOR_PERFORMANCE in rat.raw_values:
        rf = rat.frame
        given = rf[S.COMPETITOR_PERFORMANCE].notna().to_numpy()
        no_comp = rf[S.COMPETITOR_ID].isna().to_numpy() if S.COMPETITOR_ID in rf.columns else np.ones(len(rf), dtype=bool)
        raw_cp = rat.raw_values[S.COMPETITOR_PERFORMANCE]
        for pos in np.flatnonzero(given & no_comp):
            collector.problem(
                rat.src, int(rf.index[pos]), S.COMPETITOR_PERFORMANCE, raw_cp[pos],
                f"an empty cell when {S.COMPETITOR_ID} is empty (a competitor's rating needs the competitor's id in {S.COMPETITOR_ID})",
            )


def built_label(table: str, like: _Source) -> str:
    """How a table the user did not supply is named: a sheet, or a CSV file."""
    return f"'{table}' sheet" if like.sheet is not None else f"'{table}.csv' file"
