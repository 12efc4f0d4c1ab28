"""Raw reading common to workbooks and CSV folders: a grid of cells per table, with the user's row numbers."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import schema as S
from .cells import _is_blank_workbook_cell, _is_empty, normalize_header
from .problems import _Collector, _Source


@dataclass(frozen=True)
class _LostCell:
    """A workbook cell whose value the file does not hold (it reads empty)."""

    row: int | None  # Excel row; None when the file does not record the cell's position
    pos: int | None  # 0-based column position
    what: str  # "formula =A1+1 without a stored result"
    expected: str  # what to do about it


@dataclass
class _Raw:
    """One table as read: header texts and non-blank data rows of raw cells."""

    src: _Source
    headers: list[str]  # as written (may be "" for a column without header)
    rows: list[list[Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    blank_rows: list[int] = field(default_factory=list)
    empty: bool = False  # no header row at all
    header_row: int | None = None  # row / line number of the header
    short_rows: dict[int, int] = field(default_factory=dict)  # CSV: data index -> values on the line, when fewer than headers
    lost: list[_LostCell] = field(default_factory=list)  # workbook cells that read empty although Excel shows something
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (first row, first col, last row, last col); Excel rows, 0-based cols
    nan_is_value: bool = False  # a float NaN cell is a value in the file (workbooks), not an empty cell (DataFrames)

def _grid_to_raw(
    src: _Source, grid: Iterable[tuple[int, list[Any]]], collector: _Collector, *, ragged: bool = False, nan_is_value: bool = False
) -> _Raw:
    """Split ``(row_number, cells)`` records into header and data rows.

    With ``ragged`` (CSV input), a data row with fewer values than the header
    has columns is recorded in ``short_rows`` (reported by :func:`_build_table`);
    it is padded with empty cells either way. With ``nan_is_value``
    (workbooks), a NaN number cell is a value (reported as not finite), so a
    row holding one is not blank.
    """
    raw: _Raw | None = None
    width = 0
    is_empty = _is_blank_workbook_cell if nan_is_value else _is_empty
    for number, cells in grid:
        blank = all(is_empty(c) for c in cells)
        if raw is None:
            if blank:
                continue  # blank rows above the header are not data
            headers = ["" if _is_empty(c) else _show_header(c) for c in cells]
            while headers and not headers[-1]:
                headers.pop()
            raw = _Raw(src, headers, header_row=number, nan_is_value=nan_is_value)
            width = len(headers)
            continue
        if blank:
            raw.blank_rows.append(number)
            continue
        if len(cells) < width:
            if ragged:
                raw.short_rows[len(raw.rows)] = len(cells)
            cells = list(cells) + [None] * (width - len(cells))
        raw.rows.append(list(cells))  # longer rows kept whole: see _build_table
        raw.row_numbers.append(number)
    if raw is None:
        return _Raw(src, [], empty=True)
    return raw


def _show_header(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()

def _note_unknown(unknown: list[str], word: str, found: Mapping[str, str], wanted: set[str], collector: _Collector, all_names: list[str]) -> None:
    """Note sheets/files that are not tables; report missing required tables (with a suggestion)."""
    by_key = {normalize_header(Path(u).stem if word == "file" else u): u for u in unknown}
    missing = [t for t in S.TABLE_ORDER if t in wanted and t not in found]
    for key, name in by_key.items():
        close = difflib.get_close_matches(key, missing, n=1, cutoff=0.75)
        hint = f" — did you mean '{close[0]}'?" if close else ""
        collector.notes.append(f"{word} '{name}' is not part of the data contract; ignored{hint}")
    for table in missing:
        if S.TABLES[table].optional:
            continue
        where = f"{'file' if word == 'sheet' else 'folder'} '{collector.source.name}'"
        target = f"a sheet named '{table}'" if word == "sheet" else f"a file named '{table}.csv'"
        close = difflib.get_close_matches(table, list(by_key), n=1, cutoff=0.75)
        if close:
            hint = f"; found {word} '{by_key[close[0]]}' — did you mean '{table}'?"
        else:
            hint = f"; found: {', '.join(all_names)}" if all_names else ""
        what = f"missing sheet '{table}'" if word == "sheet" else f"missing file '{table}.csv'"
        collector.file_problem(what, f"{target} (every assessment needs it){hint}", where=where)
