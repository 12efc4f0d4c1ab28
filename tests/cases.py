"""Random assessments for property-based tests of the loader.

A :class:`Case` starts from the valid assessment of
:func:`tests.conftest.build_valid_tables` and applies random mutations —
bad values of every column kind, non-finite and huge numbers, blank rows,
extra and missing columns, short and long CSV lines, odd unicode, duplicate
ids, byte-order marks, encodings, formulas without a stored result, merged
cells, Excel error values. Each mutation records the located problems the
loader must report (table, data row, column), so a test can check both that
invalid input is rejected with the right locations and that valid input loads
with every row.

Rows are objects (:class:`Row`), not numbers: blank rows inserted anywhere
shift the Excel rows and CSV lines, which are computed when the case is
written (:meth:`Case.write`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd
from hypothesis import strategies as st

from cra_helpers import schema as S

from .conftest import build_valid_tables

# Tables nothing refers to: they may be left out without breaking references.
LEAF_TABLES = (S.SALES_HISTORY, S.RATINGS, S.LOYALTY, S.VERBATIMS)

# Text that survives both formats (no control characters, no carriage return: XML turns it into a newline).
ODD_PIECES = (
    "Ünïcödé", "e\u0301", "ß", "漢字", "مرحبا", "\u200f", "😀", "👩‍🔧", "\u00a0", "\u200b", "\ufeff", "\u2028",
    "'", '"', ",", ";", "\t", "\n", "<b>", "&amp;", "=SUM(A1:A2)", "+1", "-", "@x", "  ", "0", "1e309", "N/A",
)
CSV_ONLY_PIECES = ("\r\n", "\r", "\x00", "\x1b")
EXCEL_ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!")


def bad_values(col: S.Column) -> list[Any]:
    """Values the loader must reject in ``col`` (empty list for free-text kinds)."""
    kind = col.kind
    out: list[Any]
    if kind == "number":
        out = ["abc", "12,5", "1e309", "-1e400", "inf", "-Infinity", "nan", "NaN", "--3", "1.2.3", True]
    elif kind == "integer":
        out = [2.5, "x", "1e30", 1e30, "7.5", "9007199254740993"]
    elif kind == "category":
        out = ["zzz", "customers!", 3.0]
    elif kind == "bool":
        out = ["maybe", 2, "oui"]
    elif kind == "date":
        out = ["31/02/2026", "2026-13-01", "yesterday", "2026-02-30"]
    elif kind == "period":
        out = ["2025-13", "25", "2025-Q5", "2025/07", 12.5]
    else:
        return []
    if kind in ("number", "integer"):
        if col.scale is None:
            lo, hi = col.minimum, col.maximum
        else:  # the default configuration's scales
            from cra_helpers.config import load_config

            sc = load_config().scales[col.scale]
            lo, hi = sc.min, sc.max
        if lo is not None:
            out.append(lo - 1)
        if hi is not None:
            out.append(hi + 1)
    return out


@dataclass(eq=False)
class Row:
    """One data row of a sheet: column → cell value (``None`` = empty)."""

    cells: dict[str, Any]
    short: int | None = None  # CSV: write only this many values
    extra_fields: list[str] = field(default_factory=list)  # CSV: values after the last column
    formulas: dict[str, str] = field(default_factory=dict)  # xlsx: column → formula without a stored result
    merge_down: str | None = None  # xlsx: merge this row's cell of the column with the cell below


@dataclass
class Sheet:
    """One table as it will be written."""

    table: str
    columns: list[str]  # headers as written, in order (contract names or extras)
    rows: list[Row | None]  # None = a blank row
    name: str  # sheet name / file stem as written
    blank_above_header: int = 0
    header_text: dict[str, str] = field(default_factory=dict)  # column → header as written (variants)
    bom: bool = True
    encoding: str = "utf-8"

    def data_rows(self) -> list[Row]:
        return [r for r in self.rows if r is not None]


@dataclass(frozen=True)
class Expected:
    """A problem the loader must report: table, row (``None``: no row) and column (``None``: none)."""

    table: str
    row: Row | None
    column: str | None
    what: str

    def __repr__(self) -> str:
        return f"Expected({self.table}, {'row' if self.row is not None else 'no row'}, {self.column}, {self.what})"


@dataclass
class Written:
    """A case written to disk, with the row numbers the user sees."""

    path: Path
    row_number: dict[int, int]  # id(Row) → Excel row / CSV line
    location: dict[str, tuple[str | None, str]]  # table → (sheet name or None, file path)
    texts: list[tuple[str, Row, str, str]]  # (table, row, column, text) planted odd texts to read back


@dataclass
class Case:
    """A random assessment and the problems it must produce."""

    fmt: str
    sheets: dict[str, Sheet]
    expected: list[Expected] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)  # tables whose file must be rejected as a whole
    log: list[str] = field(default_factory=list)
    touched: set[tuple[str, int]] = field(default_factory=set)  # (table, id(row)) already mutated
    touched_cols: set[tuple[str, str]] = field(default_factory=set)
    frozen: set[str] = field(default_factory=set)  # tables no further mutation may change
    ref_targets: set[str] = field(default_factory=set)  # tables other mutations rely on
    odd_texts: list[tuple[str, Row, str, str]] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Case({self.fmt}: " + "; ".join(self.log or ["valid"]) + ")"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # how hypothesis shows a falsifying example
        printer.text(repr(self))

    # ------------------------------------------------------------------
    @property
    def must_fail(self) -> bool:
        return bool(self.live_expected() or self.file_errors)

    def live_expected(self) -> list[Expected]:
        """Expected problems that still apply (a row emptied by other mutations is a blank row, not an error)."""
        out = []
        for e in self.expected:
            if e.table in self.file_errors:
                continue
            if e.row is not None and is_blank(e.row, self.sheets[e.table]):
                continue
            out.append(e)
        return out

    def non_blank_rows(self, table: str) -> int:
        sheet = self.sheets[table]
        return sum(1 for r in sheet.data_rows() if not is_blank(r, sheet))

    # ------------------------------------------------------------------
    def write(self, folder: Path) -> Written:
        """Write the case (an .xlsx file or a folder of CSV files) under ``folder``."""
        return _write_xlsx(self, folder / "case.xlsx") if self.fmt == "xlsx" else _write_csv(self, folder / "case_csv")


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, float) and math.isnan(value))


def is_blank(row: Row, sheet: Sheet) -> bool:
    """Whether the row, as written, has no value at all (the loader then skips it as a blank row)."""
    if row.formulas or row.extra_fields and any(not _empty(v) for v in row.extra_fields):
        return False
    cols = sheet.columns[: row.short] if row.short is not None else sheet.columns
    return all(_empty(row.cells.get(c)) for c in cols)


# ----------------------------------------------------------------------
# Building
# ----------------------------------------------------------------------
def base_case(fmt: str) -> Case:
    sheets: dict[str, Sheet] = {}
    for name, frame in build_valid_tables().items():
        rows: list[Row | None] = []
        for rec in frame.astype(object).itertuples(index=False, name=None):
            cells = {c: (None if v is None or (isinstance(v, float) and math.isnan(v)) else v) for c, v in zip(frame.columns, rec)}
            rows.append(Row(cells))
        sheets[name] = Sheet(name, list(frame.columns), rows, name)
    return Case(fmt, sheets)


def _free_rows(case: Case, table: str) -> list[Row]:
    return [r for r in case.sheets[table].data_rows() if (table, id(r)) not in case.touched]


def _mutable_tables(case: Case) -> list[str]:
    return [t for t in case.sheets if t not in case.frozen]


def _touch(case: Case, table: str, *rows: Row) -> None:
    case.touched.update((table, id(r)) for r in rows)


# Each mutation: (draw, case) -> description, or None when it does not apply.
Draw = Callable[[st.SearchStrategy[Any]], Any]


def m_bad_value(draw: Draw, case: Case) -> str | None:
    options = []
    for t in _mutable_tables(case):
        for c in case.sheets[t].columns:
            col = _contract(t, c)
            if col is not None and (t, c) not in case.touched_cols and bad_values(col):
                options.append((t, c))
    if not options:
        return None
    t, c = draw(st.sampled_from(options))
    rows = _free_rows(case, t)
    if not rows:
        return None
    row = draw(st.sampled_from(rows))
    value = draw(st.sampled_from(bad_values(_contract(t, c))))
    row.cells[c] = value
    _touch(case, t, row)
    case.expected.append(Expected(t, row, c, f"bad {value!r}"))
    return f"{t}.{c} = {value!r}"


def m_bad_reference(draw: Draw, case: Case) -> str | None:
    options = []
    for t in _mutable_tables(case):
        for c in case.sheets[t].columns:
            col = _contract(t, c)
            if col is not None and col.kind == "ref" and col.ref in case.sheets and col.ref not in case.file_errors and (t, c) not in case.touched_cols:
                if S.TABLES[col.ref].id_column in case.sheets[col.ref].columns:
                    options.append((t, c, col.ref))
    if not options:
        return None
    t, c, target = draw(st.sampled_from(options))
    rows = _free_rows(case, t)
    if not rows:
        return None
    row = draw(st.sampled_from(rows))
    row.cells[c] = "NOPE-" + draw(st.sampled_from(["1", "x", "A001 ", "é"]))
    _touch(case, t, row)
    case.ref_targets.add(target)
    case.touched_cols.add((target, S.TABLES[target].id_column))
    case.expected.append(Expected(t, row, c, "unknown reference"))
    return f"{t}.{c} -> unknown id"


def m_empty_required(draw: Draw, case: Case) -> str | None:
    options = [(t, c) for t in _mutable_tables(case) for c in case.sheets[t].columns
               if (col := _contract(t, c)) is not None and not col.nullable and (t, c) not in case.touched_cols]
    if not options:
        return None
    t, c = draw(st.sampled_from(options))
    rows = _free_rows(case, t)
    if not rows:
        return None
    row = draw(st.sampled_from(rows))
    row.cells[c] = draw(st.sampled_from([None, "", "   ", "\u00a0"]))
    _touch(case, t, row)
    case.expected.append(Expected(t, row, c, "empty required"))
    return f"{t}.{c} emptied"


def m_huge_pair(draw: Draw, case: Case) -> str | None:
    """Two values that are finite but whose total overflows a float."""
    options = [(t, c) for t in _mutable_tables(case) for c in case.sheets[t].columns
               if (col := _contract(t, c)) is not None and col.kind == "number" and col.maximum is None and col.scale is None
               and (t, c) not in case.touched_cols]
    if not options:
        return None
    t, c = draw(st.sampled_from(options))
    rows = _free_rows(case, t)
    if len(rows) < 2:
        return None
    pair = draw(st.lists(st.sampled_from(rows), min_size=2, max_size=2, unique_by=id))
    big = draw(st.sampled_from([1e308, 1.7e308, 9e307]))
    pair[0].cells[c], pair[1].cells[c] = big, 1.75e308
    _touch(case, t, *pair)
    case.touched_cols.add((t, c))
    case.expected.append(Expected(t, pair[1], c, "too large to add up"))
    return f"{t}.{c}: {big} and 1.75e308"


def m_blank_rows(draw: Draw, case: Case) -> str | None:
    t = draw(st.sampled_from(list(case.sheets)))
    sheet = case.sheets[t]
    n = draw(st.integers(1, 3))
    for _ in range(n):
        sheet.rows.insert(draw(st.integers(0, len(sheet.rows))), None)
    sheet.blank_above_header += draw(st.integers(0, 1))
    return f"{t}: {n} blank rows"


def m_extra_column(draw: Draw, case: Case) -> str | None:
    t = draw(st.sampled_from(_mutable_tables(case) or [None]))
    if t is None:
        return None
    sheet = case.sheets[t]
    name = draw(st.sampled_from(["Owner", "Notes 2", "Kommentar", "x"])) + f" {len(sheet.columns)}"
    sheet.columns.append(name)
    for r in sheet.data_rows():
        r.cells[name] = draw(st.one_of(st.none(), st.sampled_from(["a", "Ünï", "12", "=x"]), st.floats(-1e6, 1e6)))
    return f"{t}: extra column {name!r}"


def m_drop_column(draw: Draw, case: Case) -> str | None:
    options = [(t, c) for t in _mutable_tables(case) for c in case.sheets[t].columns
               if (col := _contract(t, c)) is not None and col.kind not in ("id", "ref") and (t, c) not in case.touched_cols]
    if not options:
        return None
    t, c = draw(st.sampled_from(options))
    sheet = case.sheets[t]
    sheet.columns.remove(c)
    for r in sheet.data_rows():
        r.cells.pop(c, None)
        r.formulas.pop(c, None)
        if r.merge_down == c:
            r.merge_down = None
    # Cell-level faults planted earlier in the column leave with it.
    case.expected = [e for e in case.expected if not (e.table == t and e.column == c)]
    case.odd_texts = [o for o in case.odd_texts if not (o[0] == t and o[2] == c)]
    case.touched_cols.add((t, c))
    if _contract(t, c).required:
        case.expected.append(Expected(t, None, c, "missing column"))
    return f"{t}: column {c} left out"


def m_header_variant(draw: Draw, case: Case) -> str | None:
    t = draw(st.sampled_from(list(case.sheets)))
    sheet = case.sheets[t]
    c = draw(st.sampled_from([c for c in sheet.columns if _contract(t, c) is not None]))
    sheet.header_text[c] = draw(st.sampled_from([c.upper(), " " + c.replace("_", " ").title() + " ", c.replace("_", "-")]))
    return f"{t}: header {sheet.header_text[c]!r}"


def m_sheet_name_variant(draw: Draw, case: Case) -> str | None:
    t = draw(st.sampled_from(list(case.sheets)))
    case.sheets[t].name = draw(st.sampled_from([t.upper(), t.replace("_", " ").title(), t.replace("_", "-")]))
    return f"{t} named {case.sheets[t].name!r}"


def m_tolerated_values(draw: Draw, case: Case) -> str | None:
    """Values that are valid although written differently: case and spaces, numbers as text, yes/no variants."""
    t = draw(st.sampled_from(_mutable_tables(case) or [None]))
    if t is None:
        return None
    rows = _free_rows(case, t)
    cols = [c for c in case.sheets[t].columns if (col := _contract(t, c)) is not None
            and col.kind in ("category", "bool", "number") and (t, c) not in case.touched_cols]
    if not rows or not cols:
        return None
    row, c = draw(st.sampled_from(rows)), draw(st.sampled_from(cols))
    value = row.cells.get(c)
    if value is None:
        return None
    kind = _contract(t, c).kind
    if kind == "category":
        row.cells[c] = draw(st.sampled_from([f"  {str(value).upper()} ", str(value).title(), str(value).replace(" ", "_").replace("-", " ")]))
    elif kind == "bool":
        row.cells[c] = draw(st.sampled_from(["Y", "yes", "TRUE", "1"] if value else ["n", "No", "false", "0"]))
    else:
        row.cells[c] = draw(st.sampled_from([repr(float(value)), f" {float(value):g} ", f"{float(value):.6e}"]))
    _touch(case, t, row)
    return f"{t}.{c} = {row.cells[c]!r} (tolerated)"


def m_odd_text(draw: Draw, case: Case) -> str | None:
    options = [(t, c) for t in _mutable_tables(case) for c in case.sheets[t].columns
               if (col := _contract(t, c)) is not None and col.kind == "text" and (t, c) not in case.touched_cols]
    if not options:
        return None
    t, c = draw(st.sampled_from(options))
    rows = _free_rows(case, t)
    if not rows:
        return None
    row = draw(st.sampled_from(rows))
    pieces = ODD_PIECES + (CSV_ONLY_PIECES if case.fmt == "csv" else ())
    text = "".join(draw(st.lists(st.sampled_from(pieces), min_size=1, max_size=6)))
    if not text.strip():
        text += "x"
    row.cells[c] = text
    _touch(case, t, row)
    case.odd_texts.append((t, row, c, text))
    return f"{t}.{c} = {text!r}"


def m_duplicate_id(draw: Draw, case: Case) -> str | None:
    options = [t for t in _mutable_tables(case) if S.TABLES[t].key and all(k in case.sheets[t].columns for k in S.TABLES[t].key)
               and not any((t, k) in case.touched_cols for k in S.TABLES[t].key)]
    if not options:
        return None
    t = draw(st.sampled_from(options))
    rows = _free_rows(case, t)
    if not rows:
        return None
    original = draw(st.sampled_from(rows))
    copy = Row(dict(original.cells))
    sheet = case.sheets[t]
    # Not right below a cell merged downwards: the merge would empty the copy's cell.
    places = [i for i in range(sheet.rows.index(original) + 1, len(sheet.rows) + 1)
              if sheet.rows[i - 1] is None or sheet.rows[i - 1].merge_down is None]
    if not places:
        return None
    sheet.rows.insert(draw(st.sampled_from(places)), copy)
    _touch(case, t, original, copy)
    key = S.TABLES[t].key
    case.touched_cols.update((t, k) for k in key)
    case.expected.append(Expected(t, copy, ", ".join(key), "duplicate key"))
    return f"{t}: row duplicated"


def m_numeric_ids(draw: Draw, case: Case) -> str | None:
    """Need ids typed as numbers (Excel) in needs and in every rating: valid."""
    if not {S.NEEDS, S.RATINGS} <= set(_mutable_tables(case)) or (S.NEEDS, S.NEED_ID) in case.touched_cols:
        return None
    number = draw(st.integers(1, 10**6))
    target = draw(st.sampled_from([r for r in case.sheets[S.NEEDS].data_rows() if r.cells.get(S.NEED_ID)]))
    old = target.cells[S.NEED_ID]
    target.cells[S.NEED_ID] = float(number) if case.fmt == "xlsx" else str(number)
    for r in case.sheets[S.RATINGS].data_rows():
        if r.cells.get(S.NEED_ID) == old:
            r.cells[S.NEED_ID] = float(number) if case.fmt == "xlsx" else str(number)
    case.touched_cols.add((S.NEEDS, S.NEED_ID))
    return f"need {old} typed as the number {number}"


def m_drop_table(draw: Draw, case: Case) -> str | None:
    options = [t for t in LEAF_TABLES if t in case.sheets and t not in case.frozen and not any(k[0] == t for k in case.touched)
               and not any(k[0] == t for k in case.touched_cols) and t not in case.ref_targets]
    if not options:
        return None
    t = draw(st.sampled_from(options))
    del case.sheets[t]
    case.expected = [e for e in case.expected if e.table != t]
    case.odd_texts = [o for o in case.odd_texts if o[0] != t]
    return f"table {t} left out"


# CSV only
def m_short_line(draw: Draw, case: Case) -> str | None:
    t = draw(st.sampled_from(_mutable_tables(case) or [None]))
    if t is None:
        return None
    sheet = case.sheets[t]
    rows = _free_rows(case, t)
    if not rows or len(sheet.columns) < 2:
        return None
    row = draw(st.sampled_from(rows))
    row.short = draw(st.integers(1, len(sheet.columns) - 1))
    if is_blank(row, sheet):
        row.short = None
        return None
    _touch(case, t, row)
    case.expected.append(Expected(t, row, None, f"short line ({row.short} values)"))
    return f"{t}: a line with {row.short} of {len(sheet.columns)} values"


def m_long_line(draw: Draw, case: Case) -> str | None:
    t = draw(st.sampled_from(_mutable_tables(case) or [None]))
    if t is None:
        return None
    rows = _free_rows(case, t)
    if not rows:
        return None
    row = draw(st.sampled_from(rows))
    row.extra_fields = draw(st.lists(st.sampled_from(["x", " solid", "1"]), min_size=1, max_size=2))
    _touch(case, t, row)
    case.expected.append(Expected(t, row, None, "long line"))
    return f"{t}: a line with {len(row.extra_fields)} values too many"


def m_over_long_cell(draw: Draw, case: Case) -> str | None:
    options = [(t, c) for t in _mutable_tables(case) for c in case.sheets[t].columns
               if (col := _contract(t, c)) is not None and col.kind == "text" and (t, c) not in case.touched_cols]
    if not options:
        return None
    t, c = draw(st.sampled_from(options))
    rows = _free_rows(case, t)
    if not rows:
        return None
    row = draw(st.sampled_from(rows))
    n = draw(st.sampled_from([32_768, 40_000, 200_000]))
    row.cells[c] = ("lorem, " * (n // 7 + 1))[:n]
    _touch(case, t, row)
    case.expected.append(Expected(t, row, c, f"{n} characters"))
    return f"{t}.{c}: {n:,} characters"


def m_no_bom(draw: Draw, case: Case) -> str | None:
    t = draw(st.sampled_from(list(case.sheets)))
    case.sheets[t].bom = False
    return f"{t}.csv without BOM"


def m_windows_1252(draw: Draw, case: Case) -> str | None:
    """A file saved as Windows-1252 with a non-ASCII letter: the file is rejected as a whole."""
    options = [t for t in _mutable_tables(case) if t not in case.ref_targets and not any(k[0] == t for k in case.touched)
               and any(_contract(t, c) is not None and _contract(t, c).kind == "text" for c in case.sheets[t].columns)]
    if not options:
        return None
    t = draw(st.sampled_from(options))
    sheet = case.sheets[t]
    col = next(c for c in sheet.columns if _contract(t, c) is not None and _contract(t, c).kind == "text")
    rows = sheet.data_rows()
    if not rows:
        return None
    draw(st.sampled_from(rows)).cells[col] = "Très bien"
    sheet.encoding = "cp1252"
    case.file_errors.append(t)
    case.frozen.add(t)
    return f"{t}.csv saved as Windows-1252"


# xlsx only
def m_formula(draw: Draw, case: Case) -> str | None:
    options = [(t, c) for t in _mutable_tables(case) for c in case.sheets[t].columns
               if _contract(t, c) is not None and (t, c) not in case.touched_cols]
    if not options:
        return None
    t, c = draw(st.sampled_from(options))
    rows = _free_rows(case, t)
    if not rows:
        return None
    row = draw(st.sampled_from(rows))
    row.formulas[c] = draw(st.sampled_from(["=1+1", '=UPPER("a")', "=TODAY()", "=NA()"]))
    _touch(case, t, row)
    case.expected.append(Expected(t, row, c, "formula without stored result"))
    return f"{t}.{c} = {row.formulas[c]} (no stored result)"


def m_excel_error(draw: Draw, case: Case) -> str | None:
    options = [(t, c) for t in _mutable_tables(case) for c in case.sheets[t].columns
               if _contract(t, c) is not None and (t, c) not in case.touched_cols]
    if not options:
        return None
    t, c = draw(st.sampled_from(options))
    rows = _free_rows(case, t)
    if not rows:
        return None
    row = draw(st.sampled_from(rows))
    row.cells[c] = draw(st.sampled_from(EXCEL_ERRORS))  # openpyxl writes these as error cells
    _touch(case, t, row)
    case.expected.append(Expected(t, row, c, f"Excel error {row.cells[c]}"))
    return f"{t}.{c} = {row.cells[c]}"


def m_merge(draw: Draw, case: Case) -> str | None:
    options = [(t, c) for t in _mutable_tables(case) for c in case.sheets[t].columns
               if _contract(t, c) is not None and (t, c) not in case.touched_cols]
    if not options:
        return None
    t, c = draw(st.sampled_from(options))
    sheet = case.sheets[t]
    data = sheet.data_rows()
    free = [r for r in data if (t, id(r)) not in case.touched]
    if not free:
        return None
    row = draw(st.sampled_from(free))
    below = data[data.index(row) + 1] if data.index(row) + 1 < len(data) else None
    if below is not None and (t, id(below)) in case.touched:
        return None
    row.merge_down = c
    _touch(case, t, row, *([below] if below is not None else []))
    case.expected.append(Expected(t, row, c, "merged cells"))
    return f"{t}.{c}: merged with the cell below"


COMMON = (m_bad_value, m_bad_reference, m_empty_required, m_huge_pair, m_blank_rows, m_extra_column, m_drop_column,
          m_header_variant, m_sheet_name_variant, m_tolerated_values, m_odd_text, m_duplicate_id, m_numeric_ids, m_drop_table)
CSV_MUTATIONS = COMMON + (m_short_line, m_long_line, m_over_long_cell, m_no_bom, m_windows_1252)
XLSX_MUTATIONS = COMMON + (m_formula, m_excel_error, m_merge)


def _contract(table: str, column: str) -> S.Column | None:
    try:
        return S.TABLES[table].column(column)
    except KeyError:
        return None


@st.composite
def cases(draw: Draw, fmt: str, max_mutations: int = 4) -> Case:
    """A :class:`Case` in format ``fmt`` ("xlsx" or "csv") with 0 to ``max_mutations`` random mutations."""
    case = base_case(fmt)
    mutations = CSV_MUTATIONS if fmt == "csv" else XLSX_MUTATIONS
    for mutate in draw(st.lists(st.sampled_from(mutations), max_size=max_mutations)):
        done = mutate(draw, case)
        if done:
            case.log.append(done)
    return case


# ----------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------
def _write_xlsx(case: Case, path: Path) -> Written:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    numbers: dict[int, int] = {}
    location: dict[str, tuple[str | None, str]] = {}
    for table, sheet in case.sheets.items():
        ws = wb.create_sheet(sheet.name)
        location[table] = (sheet.name, str(path))
        r = 1 + sheet.blank_above_header
        for pos, c in enumerate(sheet.columns, start=1):
            ws.cell(row=r, column=pos, value=sheet.header_text.get(c, c))
        merges = []
        for row in sheet.rows:
            r += 1
            if row is None:
                continue
            numbers[id(row)] = r
            for pos, c in enumerate(sheet.columns, start=1):
                value = row.formulas.get(c, row.cells.get(c))
                if value is None:
                    continue
                if isinstance(value, pd.Timestamp):
                    value = value.to_pydatetime()
                cell = ws.cell(row=r, column=pos, value=value)
                if isinstance(value, str) and value.startswith("=") and c not in row.formulas:
                    cell.data_type = "s"  # text that looks like a formula stays text
            if row.merge_down is not None and row.merge_down in sheet.columns:
                letter = get_column_letter(sheet.columns.index(row.merge_down) + 1)
                merges.append(f"{letter}{r}:{letter}{r + 1}")
        for ref in merges:
            ws.merge_cells(ref)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return Written(path, numbers, location, case.odd_texts)


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.date().isoformat()
    return str(value)


def _line_breaks(text: str) -> int:
    """Line breaks as the CSV reader counts them: \\r\\n, \\r and \\n each end a line."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _write_csv(case: Case, folder: Path) -> Written:
    folder.mkdir(parents=True, exist_ok=True)
    numbers: dict[int, int] = {}
    location: dict[str, tuple[str | None, str]] = {}
    for table, sheet in case.sheets.items():
        path = folder / f"{sheet.name}.csv"
        location[table] = (None, str(path))
        out = io.StringIO(newline="")
        writer = csv.writer(out)
        line = 1
        for _ in range(sheet.blank_above_header):
            writer.writerow([])
            line += 1
        buf = io.StringIO(newline="")
        csv.writer(buf).writerow([sheet.header_text.get(c, c) for c in sheet.columns])
        out.write(buf.getvalue())
        line += _line_breaks(buf.getvalue())
        for row in sheet.rows:
            buf = io.StringIO(newline="")
            if row is None:
                csv.writer(buf).writerow([])
            else:
                cols = sheet.columns[: row.short] if row.short is not None else sheet.columns
                csv.writer(buf).writerow([_csv_text(row.cells.get(c)) for c in cols] + row.extra_fields)
                numbers[id(row)] = line
            out.write(buf.getvalue())
            line += _line_breaks(buf.getvalue())
        data = out.getvalue().encode(sheet.encoding)
        path.write_bytes((b"\xef\xbb\xbf" if sheet.bom and sheet.encoding == "utf-8" else b"") + data)
    return Written(folder, numbers, location, case.odd_texts)
