"""Building one table: matching headers to the contract, typing its columns and reporting faulty cells."""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import schema as S
from ..config import Config
from .cells import _FLOAT_LIMIT, MAX_CELL_CHARS, _col_letter, _is_empty, _show, normalize_header
from .columns import _convert, _is_nonfinite_float, _nonfinite_expected, _Typed, expected_phrase
from .problems import _Collector, _Source
from .raw import _Raw


@dataclass
class _Built:
    frame: pd.DataFrame
    src: _Source
    raw_values: dict[str, list[Any]]  # contract column -> raw cells (for messages)


def _build_table(raw: _Raw, config: Config, collector: _Collector) -> _Built:
    """Type one table read as raw cells and report everything wrong with it."""
    table = S.TABLES[raw.src.table]
    positions, originals, unnamed_with_data = _match_headers(raw, table, collector)
    _check_row_widths(raw, unnamed_with_data, collector)
    known = set(table.column_names)
    extras = [k for k in positions if k not in known]
    _note_columns(raw, table, positions, originals, extras, collector)
    # Cells that read empty although Excel shows something: their "empty" is explained instead.
    explained = _report_lost_and_merged(raw, positions, known, collector)
    for i, n in raw.short_rows.items():
        explained.update((i, pos) for pos in range(n, len(raw.headers)))
    index = pd.Index(raw.row_numbers, name="row", dtype="int64")
    data, raw_values = _type_columns(raw, table, positions, explained, config, collector)
    data.update(_extra_columns(raw, extras, positions, index, collector))
    frame = pd.DataFrame(data, index=index)
    if not len(frame):
        frame = _empty_frame(table, [c.name for c in table.columns if c.name in positions or not c.required], extras, config)
    return _Built(frame, raw.src, raw_values)


def _match_headers(raw: _Raw, table: S.Table, collector: _Collector) -> tuple[dict[str, int], dict[str, str], list[int]]:
    """Column position and header as written of each normalised header, and the positions of columns with values but no header.

    A contract column headed twice is an error, an extra column headed twice a note; the first one is kept.
    """
    src = raw.src
    positions: dict[str, int] = {}
    originals: dict[str, str] = {}
    unnamed_with_data: list[int] = []
    for pos, header in enumerate(raw.headers):
        if not header:
            if any(not _is_empty(r[pos]) for r in raw.rows):
                unnamed_with_data.append(pos)
            continue
        key = normalize_header(header)
        if key in positions:
            word = "columns" if src.sheet is not None else "fields"
            first, again = (_col_letter(positions[key]), _col_letter(pos)) if src.sheet is not None else (positions[key] + 1, pos + 1)
            if key in table.column_names:
                collector.problem(
                    src, None, key, header,
                    f"each column once ({word} {first} and {again} both read '{key}')",
                    what=f"column '{key}' appears twice",
                )
            else:
                collector.notes.append(f"{src.label}: extra column '{header}' appears twice; only {word[:-1]} {first} kept")
            continue
        positions[key] = pos
        originals[key] = header
    return positions, originals, unnamed_with_data


def _check_row_widths(raw: _Raw, unnamed_with_data: list[int], collector: _Collector) -> None:
    """Report CSV lines with more or fewer values than headers; note columns with values but no header.

    In a workbook, cells right of the last header are a column without header
    (added to ``unnamed_with_data``).
    """
    src = raw.src
    width = len(raw.headers)
    if src.sheet is not None:
        # Excel: cells right of the last header are a column without header.
        longest = max((len(r) for r in raw.rows), default=0)
        for pos in range(width, longest):
            if any(pos < len(r) and not _is_empty(r[pos]) for r in raw.rows):
                unnamed_with_data.append(pos)
    else:
        # CSV: more values than headers means text with an unquoted separator, mostly.
        for number, cells in zip(raw.row_numbers, raw.rows):
            if len(cells) > width and any(not _is_empty(c) for c in cells[width:]):
                collector.problem(
                    src, number, None, None,
                    f"one value per column ({width}); put text containing the separator in double quotes",
                    what=f"{len(cells)} values but the header has {width} columns",
                )
        # Fewer values than headers: the values after the missing one would land in the wrong columns.
        for i, n in raw.short_rows.items():
            collector.problem(
                src, raw.row_numbers[i], None, None,
                f"one value per column ({width}); a missing value shifts the values after it into the wrong columns "
                f"(leave a value empty with nothing between two separators)",
                what=f"{n} value{'s' if n != 1 else ''} but the header has {width} columns",
            )
    for pos in unnamed_with_data:
        where = f"column {_col_letter(pos)}" if src.sheet is not None else f"field {pos + 1}"
        collector.notes.append(f"{src.label}: {where} has values but no header; ignored")


def _note_columns(
    raw: _Raw, table: S.Table, positions: Mapping[str, int], originals: Mapping[str, str], extras: list[str], collector: _Collector
) -> None:
    """Report missing required columns (with a suggestion); note extra columns and blank rows."""
    src = raw.src
    missing = [c for c in table.required_columns if c not in positions]
    for name in missing:
        close = difflib.get_close_matches(name, extras, n=1, cutoff=0.7)
        hint = f"; found '{originals[close[0]]}' — did you mean '{name}'?" if close else ""
        collector.problem(src, None, name, None, f"a column headed '{name}' in the header row{hint}", what=f"missing column '{name}'")
    absent_optional = [c for c in table.column_names if c not in positions and c not in missing]
    for name in extras:
        close = difflib.get_close_matches(name, absent_optional + missing, n=1, cutoff=0.7)
        hint = f" — did you mean '{close[0]}'?" if close else ""
        collector.notes.append(f"{src.label}: extra column '{originals[name]}' kept (not in the data contract){hint}")
    if raw.blank_rows:
        shown = ", ".join(str(n) for n in raw.blank_rows[:10]) + (", ..." if len(raw.blank_rows) > 10 else "")
        n = len(raw.blank_rows)
        collector.notes.append(f"{src.label}: {n} blank {src.row_word}{'s' if n > 1 else ''} ignored ({src.row_word}{'s' if n > 1 else ''} {shown})")


def _type_columns(
    raw: _Raw, table: S.Table, positions: Mapping[str, int], explained: set[tuple[int, int]], config: Config, collector: _Collector
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """Typed arrays of the contract columns (optional ones left out: empty) and the raw cells of those present."""
    src = raw.src
    data: dict[str, Any] = {}
    raw_values: dict[str, list[Any]] = {}
    left_out = [c.name for c in table.columns if c.name not in positions and not c.required]
    if left_out and raw.rows:
        collector.notes.append(f"{src.label}: optional column{'s' if len(left_out) > 1 else ''} {', '.join(left_out)} not present; treated as empty")
    for col in table.columns:
        if col.name not in positions:
            if not col.required:  # optional column left out: present, empty, so analyses can rely on it
                data[col.name] = _convert(col, [None] * len(raw.rows), config).array
            continue
        pos = positions[col.name]
        values = [r[pos] for r in raw.rows]
        raw_values[col.name] = values
        typed = _convert(col, values, config, nan_is_value=raw.nan_is_value)
        data[col.name] = typed.array
        _report_column(raw, col, pos, values, typed, explained, config, collector)
    return data, raw_values


def _report_column(
    raw: _Raw, col: S.Column, pos: int, values: list[Any], typed: _Typed, explained: set[tuple[int, int]], config: Config, collector: _Collector
) -> None:
    """Report the faulty cells of one typed contract column: invalid, not finite, too long, empty, too large to add up."""
    src = raw.src
    if typed.bad:
        phrase = expected_phrase(col, config)
        for i in typed.bad:
            collector.problem(src, raw.row_numbers[i], col.name, values[i], phrase)
    for i in typed.nonfinite:
        collector.problem(src, raw.row_numbers[i], col.name, values[i], _nonfinite_expected(col, values[i], config))
    for i in typed.too_long:
        _report_too_long(src, raw.row_numbers[i], col.name, values[i], collector)
    empty = [i for i in typed.empty if (i, pos) not in explained] if explained else typed.empty
    if empty and not col.nullable:
        phrase = expected_phrase(col, config)
        phrase = "a value (this column may not be empty)" if phrase == "a value" else f"{phrase} (this column may not be empty)"
        for i in empty:
            collector.problem(src, raw.row_numbers[i], col.name, None, phrase)
    if col.kind == "number":
        _check_total(src, raw.row_numbers, col.name, typed, values, collector)


def _extra_columns(raw: _Raw, extras: list[str], positions: Mapping[str, int], index: pd.Index, collector: _Collector) -> dict[str, Any]:
    """Extra columns kept as read (empty cells as ``None``); their non-finite numbers and over-long cells are errors."""
    src = raw.src
    data: dict[str, Any] = {}
    for key in extras:
        pos = positions[key]
        values = [r[pos] for r in raw.rows]
        for i, v in enumerate(values):
            if _is_nonfinite_float(v, raw.nan_is_value):
                collector.problem(src, raw.row_numbers[i], key, v, "text or a finite number (an extra column is kept as read)",
                                  what=f"{_show(v)} (not a finite number)")
            elif isinstance(v, str) and len(v) > MAX_CELL_CHARS:
                _report_too_long(src, raw.row_numbers[i], key, v, collector)
        values = [None if _is_empty(v) else v for v in values]
        data[key] = pd.Series(values, dtype=object, index=index).infer_objects().to_numpy()
    return data


def _report_too_long(src: _Source, row: int, column: str, value: str, collector: _Collector) -> None:
    hint = "; in a CSV file an unbalanced double quote makes the lines after it one cell" if src.sheet is None else ""
    collector.problem(
        src, row, column, value,
        f"at most {MAX_CELL_CHARS:,} characters in a cell (Excel's limit){hint}",
        what=f"a text of {len(value):,} characters ({_show(value[:40] + '...')})",
    )


def _check_total(src: _Source, rows: list[int], column: str, typed: _Typed, values: list[Any], collector: _Collector) -> None:
    """A located error when the finite values of a ``number`` column are too large to add up."""
    arr = np.abs(np.asarray(typed.array, dtype=float))
    if typed.bad:
        arr = arr.copy()
        arr[typed.bad] = np.nan  # reported already
    if not len(arr) or np.isnan(arr).all():
        return
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.nansum(arr)
    if np.isfinite(total):
        return
    pos = int(np.nanargmax(arr))
    collector.problem(
        src, rows[pos], column, values[pos],
        f"values that can be added up: the {column} values are too large to add up (their total exceeds "
        f"the largest number that can be computed with, about {_FLOAT_LIMIT}); this is the largest of them",
    )


def _report_lost_and_merged(raw: _Raw, positions: Mapping[str, int], known: set[str], collector: _Collector) -> set[tuple[int, int]]:
    """Report formula cells without a stored result, Excel error cells and merged ranges of one sheet.

    Errors when they hide a contract column's value or a header, notes otherwise
    (see the module docstring). Returns the ``(data index, column position)``
    cells whose emptiness is explained by these problems, so that they are not
    reported a second time as "empty".
    """
    explained: set[tuple[int, int]] = set()
    if not (raw.lost or raw.merged) or raw.header_row is None:
        return explained
    src, header_row = raw.src, raw.header_row
    by_pos = {pos: key for key, pos in positions.items()}
    index_of = {n: i for i, n in enumerate(raw.row_numbers)}
    for cell in raw.lost:
        if cell.row is None or cell.pos is None:
            collector.problem(src, None, None, None, cell.expected, what=f"a cell holds {cell.what} (its position is not recorded in the file)")
            continue
        ref = f"{_col_letter(cell.pos)}{cell.row}"
        key = by_pos.get(cell.pos)
        if cell.row < header_row:
            collector.notes.append(f"{src.label}, cell {ref} above the header row: {cell.what}; it reads empty")
        elif cell.row == header_row:
            collector.problem(src, cell.row, None, None, f"a header text; {cell.expected}", what=f"cell {ref} holds {cell.what}")
        elif key in known:
            collector.problem(src, cell.row, key, None, cell.expected, what=cell.what)
            if cell.row in index_of:
                explained.add((index_of[cell.row], cell.pos))
        else:
            where = f"extra column '{key}'" if key else "a column without header"
            collector.notes.append(f"{src.label}, {src.row_word} {cell.row}, cell {ref} ({where}): {cell.what}; it reads empty")
    for r0, c0, r1, c1 in raw.merged:
        if r1 < header_row or (r0 == r1 and c0 == c1):
            continue  # above the table (blank there), or a single cell
        ref = f"{_col_letter(c0)}{r0}:{_col_letter(c1)}{r1}"
        top_left = f"{_col_letter(c0)}{r0}"
        header_hit = r0 <= header_row <= r1 and (c1 > c0 or header_row > r0)
        first_data = max(r0, header_row + 1)  # first data row the range covers
        # A contract column is hit when one of its data cells in the range is not the top-left cell.
        hit_columns = [
            key for key, pos in sorted(positions.items(), key=lambda kv: kv[1])
            if key in known and c0 <= pos <= c1 and first_data <= r1 and (pos != c0 or r1 > r0)
        ]
        expected = (f"one value per cell: only {top_left} holds the value and the other cells of {ref} read empty — "
                    f"unmerge the cells and type the value in each")
        if header_hit:
            collector.problem(src, header_row, None, None, f"one header per column; {expected}", what=f"merged cells {ref}")
        elif hit_columns:
            collector.problem(src, first_data, hit_columns[0], None, expected, what=f"merged cells {ref}")
        else:
            collector.notes.append(f"{src.label}: merged cells {ref} (outside the checked columns); only {top_left} holds the value, the other cells read empty")
            continue
        lo, hi = bisect.bisect_left(raw.row_numbers, first_data), bisect.bisect_right(raw.row_numbers, r1)
        for key in hit_columns:
            pos = positions[key]
            explained.update((i, pos) for i in range(lo, hi) if (raw.row_numbers[i], pos) != (r0, c0))
    return explained


def _empty_frame(table: S.Table, present: list[str], extras: list[str], config: Config) -> pd.DataFrame:
    data = {name: _convert(table.column(name), [], config).array for name in present}
    data.update({name: np.array([], dtype=object) for name in extras})
    return pd.DataFrame(data, index=pd.Index([], name="row", dtype="int64"))
