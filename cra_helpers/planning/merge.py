"""Merging filled capture workbooks (and a base assessment) into one assessment.

:func:`merge_captures` reads every capture workbook — with the capture rules
of :mod:`cra_helpers.loading.capture_rules`, so rows left blank are "not
asked" and interviews left blank "not held" — and optionally a base
assessment holding the rest (other accounts, sales history, earlier waves),
and combines them table by table:

* **Identical rows** found in several workbooks (the account, its contacts,
  the needs and competitors every capture workbook repeats) are kept once.
* **Conflicts are refused**, each located in both workbooks (workbook, sheet,
  Excel row, column, both values): a row with the same key and different
  values — a contact renamed or re-titled, a need with another name, the same
  interview answered twice with different ratings, one verbatim id used for
  two remarks — and an interview answered in two workbooks with different
  answer rows.
* Every input must be valid on its own; all their problems are listed
  together, each naming its workbook.

The merged tables are validated once more as a whole and put in a stable
order: interviews by date and id, their ratings, loyalty and verbatims in the
interviews' order (then need and competitor, or verbatim id), every other
table by its key — so the order in which the workbooks are given does not
matter. :func:`write_merged` writes them as an assessment workbook, through a
temporary file renamed into place.

Two interviewers may fill copies of the same account's capture workbook: each
copy's interviews left blank are "not held" there, so the copies merge into
one account.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import schema as S
from ..assessment import Assessment
from ..config import Config, load_config
from ..errors import CraError
from ..loader import AssessmentError, assessment_from_frames, load_assessment
from ..loading.capture_rules import rows_text
from ..loading.cells import MAX_LISTED, _show

ANSWER_TABLES: tuple[str, ...] = (S.RATINGS, S.LOYALTY, S.VERBATIMS)
"""Tables whose rows are one interview's answers: an interview is answered in one workbook only."""

_REASONS = {
    S.ACCOUNTS: "account {key} is described differently in two workbooks",
    S.LOCATIONS: "site {key} is described differently in two workbooks",
    S.CONTACTS: "contact {key} has one name, title and role in every workbook — a contact renamed? correct one of them",
    S.COMPETITORS: "competitor {key} has one name in every workbook",
    S.NEEDS: "need {key} has one name and wording in every workbook",
    S.INTERVIEWS: "interview {key} is recorded twice with different values",
    S.RATINGS: "the same interview answered twice with different values ({key})",
    S.LOYALTY: "the same interview answered twice with different values ({key})",
    S.VERBATIMS: "verbatim_id {key} is used for two different remarks; give every remark an id unique in the "
                 "assessment (e.g. <interview_id>-1)",
    S.SALES_HISTORY: "sales of {key} differ between two workbooks",
}


class MergeError(CraError):
    """The workbooks cannot be merged; ``problems`` holds one located line per problem."""

    def __init__(self, problems: list[str], what: str = "cannot merge") -> None:
        self.problems = list(problems)
        lines = [f"{what}: {len(self.problems)} problem(s)"] + [f"  {p}" for p in self.problems[:MAX_LISTED]]
        if len(self.problems) > MAX_LISTED:
            lines.append(f"  ... and {len(self.problems) - MAX_LISTED} more")
        super().__init__("\n".join(lines))


class MergedFrames(dict):
    """The merged tables by name (a ``dict`` of DataFrames); ``notes`` says what was left out or kept once."""

    def __init__(self, frames: Mapping[str, pd.DataFrame], notes: Iterable[str] = ()) -> None:
        super().__init__(frames)
        self.notes: list[str] = list(notes)


@dataclass
class _Input:
    where: str  # "workbook 'A005.xlsx'"
    a: Assessment


def plain_value(value: Any, col: S.Column | None = None) -> Any:
    """A typed cell as it is written back: yes/no, dates as dates, categories as text, NA as ``None``.

    Examples
    --------
    >>> plain_value(True, S.TABLES[S.ACCOUNTS].column(S.KEY_ACCOUNT))
    'yes'
    >>> plain_value(pd.Timestamp("2026-03-02"), S.TABLES[S.INTERVIEWS].column(S.DATE))
    datetime.date(2026, 3, 2)
    >>> plain_value(pd.NA) is None
    True
    """
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return None
    if col is not None and col.kind == "bool":
        return "yes" if bool(value) else "no"
    if col is not None and col.kind == "date":
        return pd.Timestamp(value).date()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if col is not None and col.kind in ("category", "id", "ref", "text", "list", "period"):
        return str(value)
    return value.item() if hasattr(value, "item") else value


def plain_frame(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """The contract columns of a typed table as plain Python cells, ready to write or to validate again.

    Parameters
    ----------
    frame
        A typed table (as loaded); columns it lacks are written empty.
    table
        Its name in the data contract.

    Returns
    -------
    DataFrame
        Object dtype, the contract's columns in contract order, cells as
        :func:`plain_value` gives them; extra columns are not kept.
    """
    t = S.TABLES[table]
    return pd.DataFrame({c.name: [plain_value(v, c) for v in frame[c.name]] if c.name in frame else [None] * len(frame)
                         for c in t.columns}, dtype=object)


def _where(path: Path, taken: set[str]) -> str:
    name = path.name if path.name not in taken else str(path)
    taken.add(name)
    return f"{'folder' if path.is_dir() else 'workbook'} '{name}'"


REFERENCE_TABLES: tuple[str, ...] = (S.ACCOUNTS, S.LOCATIONS, S.CONTACTS, S.COMPETITORS, S.NEEDS)
"""Tables an input with problems is still compared on, so that a renamed contact is reported with the rest."""


def _load(paths: list[Path], base: Path | None, config: Config) -> tuple[list[_Input], list[str]]:
    """Every input loaded (base first) and the problems of those that are not valid, each naming its workbook.

    An input with problems takes part with its reference tables alone (when
    those are valid), so that its conflicts with the others are reported too.
    """
    problems: list[str] = []
    inputs: list[_Input] = []
    seen: dict[Path, str] = {}
    taken: set[str] = set()
    for path in ([base] if base is not None else []) + paths:
        resolved = path.resolve()
        if resolved in seen:
            problems.append(f"{seen[resolved]} is given twice; give each workbook once")
            continue
        where = seen[resolved] = _where(path, taken)
        try:
            inputs.append(_Input(where, load_assessment(path, config)))
        except AssessmentError as exc:
            problems += [p.message if p.sheet is None and p.row is None and p.message.startswith(("file", "folder"))
                         else f"{where}, {p.message}" for p in exc.problems]
            try:
                inputs.append(_Input(where, load_assessment(path, config, tables=REFERENCE_TABLES)))
            except AssessmentError:
                pass  # its reference tables have problems of their own, reported above
    return inputs, problems


def _norm(value: Any) -> Any:
    """A cell value for comparison: NA as ``None``, numbers as floats, timestamps as they are."""
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float)) or hasattr(value, "dtype"):
        try:
            return float(value)
        except (TypeError, ValueError):
            return str(value)
    return value if isinstance(value, (pd.Timestamp, dt.date)) else str(value)


@dataclass
class _Row:
    key: tuple
    values: tuple
    where: str
    row: int


def _rows_of(table: str, inp: _Input, columns: list[str]) -> list[_Row]:
    frame = inp.a.tables[table]
    key_cols = list(S.TABLES[table].key)
    out = []
    for number, rec in zip(frame.index, frame[columns].itertuples(index=False, name=None)):
        values = tuple(_norm(v) for v in rec)
        key = tuple(values[columns.index(k)] for k in key_cols)
        out.append(_Row(key, values, inp.where, int(number)))
    return out


def _key_text(table: str, key: tuple) -> str:
    names = S.TABLES[table].key
    if len(names) == 1:
        return str(key[0])
    return ", ".join(f"{n} {'(empty)' if k is None else k}" for n, k in zip(names, key))


def _conflicts(table: str, first: _Row, other: _Row, columns: list[str]) -> list[str]:
    reason = _REASONS.get(table, "{key} differs between two workbooks").format(key=_key_text(table, first.key))
    out = []
    for col, v0, v1 in zip(columns, first.values, other.values):
        if v0 != v1:
            out.append(f"{other.where}, sheet '{table}', row {other.row}, column '{col}': {_show(v1)} — expected "
                       f"{_show(v0)} as in {first.where}, sheet '{table}', row {first.row}: {reason}")
    return out


def _merge_table(table: str, inputs: list[_Input], problems: list[str], notes: list[str]) -> pd.DataFrame:
    """The union of one table over the inputs: identical rows once, rows with one key and other values refused."""
    columns = S.TABLES[table].column_names
    kept: dict[tuple, _Row] = {}
    twice = 0
    for inp in inputs:
        if table not in inp.a.tables:
            continue
        extra = [c for c in inp.a.tables[table].columns if c not in columns]
        if extra:
            notes.append(f"{inp.where}, sheet '{table}': extra column{'s' if len(extra) > 1 else ''} "
                         f"{', '.join(map(str, extra))} not carried into the merged assessment")
        for row in _rows_of(table, inp, columns):
            first = kept.get(row.key)
            if first is None:
                kept[row.key] = row
            elif first.values == row.values:
                twice += 1
            else:
                problems.extend(_conflicts(table, first, row, columns))
    if twice:
        notes.append(f"sheet '{table}': {twice} row{'s' if twice > 1 else ''} found in several workbooks kept once")
    return pd.DataFrame([r.values for r in kept.values()], columns=columns, dtype=object)


def _answered_once(inputs: list[_Input], problems: list[str]) -> None:
    """Refuse an interview whose answers come from two workbooks with different answer rows."""
    for table in ANSWER_TABLES:
        columns = S.TABLES[table].column_names
        owner: dict[str, tuple[str, dict[tuple, _Row]]] = {}
        for inp in inputs:
            if table not in inp.a.tables:
                continue
            mine: dict[str, dict[tuple, _Row]] = {}
            for row in _rows_of(table, inp, columns):
                mine.setdefault(str(row.values[columns.index(S.INTERVIEW_ID)]), {})[row.key] = row
            for interview, rows in mine.items():
                if interview not in owner:
                    owner[interview] = (inp.where, rows)
                    continue
                first_where, first = owner[interview]
                here, there = sorted(set(rows) - set(first), key=str), sorted(set(first) - set(rows), key=str)
                if not here and not there:
                    continue
                at = rows[here[0]] if here else next(iter(rows.values()))
                problems.append(
                    f"{inp.where}, sheet '{table}', row {at.row}: interview {interview} is answered here and in "
                    f"{first_where} (sheet '{table}', rows {rows_text([r.row for r in first.values()])}) with different "
                    f"answers ({len(here)} row(s) here are not there, {len(there)} there are not here): the same "
                    "interview answered twice — keep one workbook's answers")


def _sortable(value: Any) -> tuple:
    return (1, "") if value is None else (0, value)


def _ordered(merged: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Interviews by date and id; answers in the interviews' order, then by their key; other tables by key."""
    position: dict[str, int] = {}
    iv = merged.get(S.INTERVIEWS)
    if iv is not None:
        order = sorted(range(len(iv)), key=lambda i: (_sortable(iv[S.DATE].iat[i]), str(iv[S.INTERVIEW_ID].iat[i])))
        merged = {**merged, S.INTERVIEWS: iv.iloc[order]}
        position = {str(x): k for k, x in enumerate(merged[S.INTERVIEWS][S.INTERVIEW_ID])}
    out = {}
    for table, frame in merged.items():
        if table != S.INTERVIEWS:
            keys = [list(frame[k]) for k in S.TABLES[table].key]
            lead = ([position.get(str(v), len(position)) for v in frame[S.INTERVIEW_ID]] if table in ANSWER_TABLES
                    else [0] * len(frame))
            order = sorted(range(len(frame)), key=lambda i: (lead[i], *(_sortable(k[i]) for k in keys)))
            frame = frame.iloc[order]
        out[table] = frame.reset_index(drop=True)
    return out


def merge_captures(paths: Iterable[str | Path], base: str | Path | None = None,
                   config: Config | None = None) -> MergedFrames:
    """Combine capture workbooks (and a base assessment) into one assessment's tables.

    Parameters
    ----------
    paths
        Capture workbooks (or any assessments) to merge, at least one.
    base
        Optional assessment holding the rest: other accounts, sales history,
        earlier waves. Read first; its rows come first when equal.
    config
        Configuration (scales) the inputs are validated against; default
        :func:`cra_helpers.config.load_config`.

    Returns
    -------
    MergedFrames
        Table name → typed DataFrame as :func:`~cra_helpers.loader.load_assessment`
        gives it (index: the row each will have in the written workbook), for
        every table some input has; ``.notes`` lists each input's notes (rows
        not asked, interviews not held), rows kept once and extra columns not
        carried over.

    Raises
    ------
    MergeError
        With every problem at once: an input that is not valid (its own
        problems, each naming the workbook), a conflict between two inputs
        (both workbooks, sheets, rows, the column and both values), an
        interview answered in two workbooks, or a merged whole that is not valid.
    """
    config = config or load_config()
    paths = [Path(p) for p in paths]
    if not paths:
        raise MergeError(["no capture workbook given"])
    inputs, problems = _load(paths, Path(base) if base is not None else None, config)
    notes = [f"{inp.where}: {n}" for inp in inputs for n in inp.a.notes]
    merged = {table: _merge_table(table, inputs, problems, notes)
              for table in S.TABLE_ORDER if any(table in inp.a.tables for inp in inputs)}
    _answered_once(inputs, problems)
    if problems:
        raise MergeError(problems)
    plain = {table: plain_frame(frame, table) for table, frame in _ordered(merged).items()}
    try:
        whole = assessment_from_frames(plain, config, source="merged assessment")
    except AssessmentError as exc:
        raise MergeError([f"merged assessment, {p.message}" for p in exc.problems], "the merged assessment is not valid") from None
    return MergedFrames(whole.tables, notes + [f"merged assessment: {n}" for n in whole.notes])


def write_merged(frames: Mapping[str, pd.DataFrame], out: str | Path) -> Path:
    """Write merged tables as an assessment workbook, atomically.

    Parameters
    ----------
    frames
        Table name → typed DataFrame (e.g. :func:`merge_captures`); only
        contract columns are written, in contract order, one sheet per table.
    out
        Workbook to write. It is written to a hidden temporary file in the
        same folder and renamed over ``out`` once complete, so a failure never
        leaves a half-written workbook; nothing else is written.

    Returns
    -------
    Path
        ``out``: text as text cells (never a formula), dates as date cells,
        yes/no for booleans; :func:`~cra_helpers.loader.load_assessment` reads
        back the same tables.
    """
    from ..outputs import check_can_create, inside
    from ..spreadsheet import write_workbook

    target = check_can_create(Path(out), what="merged assessment")
    tmp = inside(target.parent, target.parent / f".{target.name}.tmp-{os.getpid()}.xlsx")
    sheets = {t: plain_frame(frames[t], t) for t in S.TABLE_ORDER if t in frames}
    try:
        write_workbook(tmp, sheets, title="CRA assessment (merged)")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
