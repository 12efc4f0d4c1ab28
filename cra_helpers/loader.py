"""Read an assessment (Excel workbook or CSV folder) and validate it against the data contract.

:func:`load_assessment` is the only way data enters the analyses. It reads
every table named in :data:`cra_helpers.schema.TABLES`, types each column by
its kind, and checks the whole assessment; all problems found are raised
together as one :class:`AssessmentError` whose message names the file, sheet,
row (as the user sees it: Excel row with the header on row 1, CSV line with
the header on line 1), column and offending value, in plain words.

Nothing is dropped or changed silently
--------------------------------------
Every value the user sees in Excel (or in the CSV text) either reaches the
tables or is reported, located, as an error (the assessment is rejected) or a
note (kept in ``Assessment.notes``):

* **Numbers are finite.** Text such as ``1e309``, ``-1e400``, ``inf`` or
  ``nan`` in a numeric column, and number cells holding infinity or NaN, are
  errors at their cell. Whole numbers beyond ±2**53 (9,007,199,254,740,992)
  are errors, since they cannot be held exactly. A ``number`` column whose
  values are too large to add up (the sum of their sizes exceeds the largest
  float, about 1.8e308) is an error pointing at its largest value.
* **Cells whose value the file does not hold** — a formula without a stored
  result (a workbook written by a program such as openpyxl and never opened
  in Excel: readers see an empty cell) and Excel error values (``#N/A``,
  ``#DIV/0!``) — are errors when they fall in a contract column or in the
  header row, because the analyses would see an empty cell where Excel shows
  a value; in a column the loader does not check (an extra column, a column
  without header) they are notes.
* **Merged cells**: only the top-left cell of a merged range holds the value,
  the others read empty. A merged range covering a contract column's cells or
  the header row is an error naming the range; one covering only unchecked
  columns is a note.
* **CSV lines with too few values** are errors (the values after the missing
  one would shift into the wrong columns), like lines with too many.
* **Over-long cells**: a cell longer than :data:`MAX_CELL_CHARS` (32,767
  characters, Excel's own limit per cell) is an error at its cell — such a
  cell cannot be written back to a workbook, and in a CSV file it is nearly
  always an unbalanced double quote that swallowed the lines after it. The
  CSV reader itself accepts cells of any length, so the rest of the file is
  still read and checked.
* **Damaged files** are located: a sheet that cannot be read is named (the
  other sheets are still checked); an encrypted (password-protected)
  workbook, a truncated ZIP and a CSV that is not UTF-8 (line and byte as in
  the file, byte-order mark included) are said so.
* Blank rows, extra columns, columns without header, unknown sheets and
  optional columns left out are notes.

Implementation notes
--------------------
* Workbooks are read with ``python-calamine`` (about 25x faster than openpyxl
  on the sample-sized workbook: 0.08 s instead of 1.9 s), as raw cell grids
  starting at A1, so row numbers are exact even when rows are blank. Sheets
  are read one by one, so a damaged sheet is named.
* python-calamine returns formulas without a stored result and Excel error
  cells as empty cells, so the sheet XML is scanned for them; the scan looks
  at a sheet's cells only when the sheet's XML contains a formula or error
  cell at all (a substring test, a few milliseconds on the sample).
  Merged ranges come from python-calamine (``merged_cell_ranges``).
* The per-column checks are a compact loop driven by :mod:`cra_helpers.schema`
  rather than pandera: every check has to parse tolerant raw cells itself
  anyway (Excel numbers as ids, "Decision maker" as a category, yes/no, ISO
  text dates) and must report in plain words with Excel rows, and pandera
  alone costs ~0.4 s to import plus ~0.3 s per validated table of this size,
  which breaks the sub-second reload budget.
* Importing this module loads numpy, pandas, pydantic and PyYAML only (no
  plotting, statistics or notebook packages), so ``cra validate`` starts fast;
  openpyxl is imported by :func:`write_template` only.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import difflib
import io
import math
import numbers
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import schema as S
from .assessment import Assessment
from .config import Config, load_config
from .errors import CraError

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_EXACT_INTEGER",
    "AssessmentError",
    "Problem",
    "assessment_from_frames",
    "load_assessment",
    "normalize_header",
    "write_template",
]

ACCEPTED = "an Excel workbook (.xlsx, one sheet per table) or a folder of CSV UTF-8 files named <table>.csv"
"""What ``load_assessment`` accepts, as worded in error messages."""

MAX_LISTED = 50
"""Problems listed in ``str(AssessmentError)``; all stay in ``.problems``."""

README_SHEET = "README"
"""Sheet of the template explaining the columns; ignored when loading."""

MAX_CELL_CHARS = 32_767
"""Longest text a cell may hold: Excel's own limit per cell. Longer cells are errors."""

MAX_EXACT_INTEGER = 2**53
"""Largest whole number (in size) an ``integer`` column accepts: floats hold whole numbers exactly up to 2**53."""

_CSV_SUFFIX = ".csv"
_UTF8_BOM = b"\xef\xbb\xbf"
_FLOAT_LIMIT = "1.8e308"  # the largest float, as worded in messages


# ----------------------------------------------------------------------
# Problems
# ----------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as the user sees it.

    Attributes
    ----------
    file
        Workbook path, or the CSV file's path (the folder for folder-level problems).
    sheet
        Sheet name as written in the workbook; ``None`` for CSV input and for
        problems with the file as a whole.
    row
        Excel row (header = row 1) or CSV line (header = line 1); ``None`` when
        the problem concerns a whole sheet, column or file.
    column
        Contract column name (several joined by ", " for a composite key), or ``None``.
    value
        The offending cell value as read (``None`` for empty/not applicable).
    expected
        What would have been valid, in plain words.
    message
        The complete one-line description shown to the user.
    """

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: Any
    expected: str
    message: str

    def __str__(self) -> str:
        return self.message


class AssessmentError(CraError, ValueError):
    """The assessment cannot be used; ``.problems`` lists every problem found.

    ``str(error)`` reads ``"N problem(s) in <file>:"`` followed by one line per
    problem (the first :data:`MAX_LISTED`, then ``"... and N more"``).
    """

    def __init__(self, source: str | Path, problems: list[Problem]) -> None:
        self.source = str(source)
        self.problems = list(problems)
        lines = [f"{len(self.problems)} problem(s) in {self.source}:"]
        lines += [f"  {p.message}" for p in self.problems[:MAX_LISTED]]
        if len(self.problems) > MAX_LISTED:
            lines.append(f"  ... and {len(self.problems) - MAX_LISTED} more")
        super().__init__("\n".join(lines))


def _show(value: Any) -> str:
    """A cell value as quoted in a message: numbers bare, text quoted."""
    if isinstance(value, (float, np.floating)) and value != value:
        return "NaN"  # a NaN number cell of a workbook (elsewhere NaN means empty and is not shown)
    if _is_empty(value):
        return "empty"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, numbers.Integral) and abs(int(value)) >= 10**15:
        digits = str(int(value))
        return digits if len(digits) <= 60 else f"{digits[:12]}...({len(digits)} digits)"
    if isinstance(value, numbers.Real):
        f = float(value)
        return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    text = str(value).strip() if isinstance(value, str) else str(value)
    if len(text) <= 60 and _NUMBER_RE.fullmatch(text):
        return text  # a number typed as text (always so in CSV) reads like one
    if len(text) > 60:
        text = text[:57] + "..."
    return repr(text)


def _a(word: str) -> str:
    """``word`` with its indefinite article: "an interview_id", "a contact_id"."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def _num_text(x: float) -> str:
    return f"{x:g}"


@dataclass
class _Source:
    """Where one table came from: used to word locations."""

    table: str
    file: str  # Problem.file
    sheet: str | None  # sheet name as written; None for CSV
    label: str  # "sheet 'ratings'" or "file 'ratings.csv'"
    row_word: str  # "row" (Excel) or "line" (CSV)
    ref_label: str  # how other tables refer to it: "sheet 'contacts'"


class _Collector:
    """Collects problems (sorted on output) and notes."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.notes: list[str] = []
        self.unreadable: set[str] = set()  # tables whose file could not be read (not checked further)
        self._items: list[tuple[tuple, Problem]] = []

    def file_problem(self, what: str, expected: str, *, file: str | Path | None = None, value: Any = None, where: str | None = None) -> None:
        f = str(file if file is not None else self.source)
        loc = where or f"{'folder' if Path(f).is_dir() else 'file'} '{Path(f).name}'"
        msg = f"{loc}: {what} — expected {expected}"
        self._items.append(((-1, 0, 0, len(self._items)), Problem(f, None, None, None, value, expected, msg)))

    def problem(self, src: _Source, row: int | None, column: str | None, value: Any, expected: str, *, what: str | None = None) -> None:
        loc = src.label
        if row is not None:
            loc += f", {src.row_word} {row}"
        if column is not None and row is not None:
            cols = column.split(", ")
            loc += f", column{'s' if len(cols) > 1 else ''} " + ", ".join(f"'{c}'" for c in cols)
        what = _show(value) if what is None else what
        msg = f"{loc}: {what} — expected {expected}"
        order = S.TABLE_ORDER.index(src.table)
        colpos = _column_position(src.table, column)
        self._items.append(((order, row or 0, colpos, len(self._items)), Problem(src.file, src.sheet, row, column, value, expected, msg)))

    @property
    def problems(self) -> list[Problem]:
        return [p for _, p in sorted(self._items, key=lambda item: item[0])]

    def __bool__(self) -> bool:
        return bool(self._items)


def _column_position(table: str, column: str | None) -> int:
    names = S.TABLES[table].column_names
    first = (column or "").split(", ")[0]
    return names.index(first) if first in names else len(names)


# ----------------------------------------------------------------------
# Raw reading: a grid of cells per table, with the user's row numbers
# ----------------------------------------------------------------------
_HEADER_RE = re.compile(r"[\s\-]+")


def normalize_header(text: object) -> str:
    """Header (or sheet/file name) as matched against the contract.

    Strips, lower-cases and turns runs of spaces/hyphens into ``_``:
    ``"Account ID"`` → ``"account_id"``, ``"Sales-History"`` → ``"sales_history"``.
    """
    return _HEADER_RE.sub("_", str(text).replace("\ufeff", "").strip().lower())


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


def _is_empty(value: Any) -> bool:
    t = type(value)
    if t is str:
        return not value or value.isspace()
    if t is float:
        return value != value  # NaN
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return False


def _is_blank_workbook_cell(value: Any) -> bool:
    """Empty cell of a workbook grid: a NaN number there is a value of the file, not an empty cell."""
    return (not value or value.isspace()) if type(value) is str else value is None


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


def _describe_binary(path: Path, head: bytes) -> str | None:
    """What a file is, when it is not an xlsx workbook; ``None`` when it is one."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
                mimetype = zf.read("mimetype").decode("ascii", "replace") if "mimetype" in names else ""
        except (zipfile.BadZipFile, OSError, KeyError):
            return "a damaged or incomplete ZIP/Excel file"
        if "xl/workbook.xml" in names:
            return None
        if "word/document.xml" in names:
            return "a Word document"
        if "ppt/presentation.xml" in names:
            return "a PowerPoint presentation"
        if "opendocument.spreadsheet" in mimetype:
            return "an OpenDocument spreadsheet (.ods); save it as .xlsx"
        return "a ZIP archive, not a workbook"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        if _is_encrypted_ooxml(path):
            return ("a password-protected (encrypted) workbook; open it in Excel, remove the password "
                    "(File › Info › Protect Workbook › Encrypt with Password) and save it as .xlsx")
        return "a legacy Office file (Excel 97-2003 .xls, or a password-protected workbook); save it as .xlsx without a password"
    if b"\x00" in head:
        return "an unrecognised binary file"
    if path.suffix.lower() == _CSV_SUFFIX:
        return "a single CSV file; give the folder that holds the <table>.csv files"
    return "a text file, not a workbook"


_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")  # stream name inside an encrypted OOXML file


def _is_encrypted_ooxml(path: Path, limit: int = 64 << 20) -> bool:
    """Whether an OLE compound file is an encrypted (password-protected) xlsx.

    Excel saves a workbook with a password to open as an OLE compound file
    holding the streams ``EncryptionInfo`` and ``EncryptedPackage``; their
    names are stored in UTF-16 in the file's directory. Only the first
    ``limit`` bytes are searched.
    """
    try:
        with path.open("rb") as fh:
            data = fh.read(limit)
    except OSError:
        return False
    return _ENCRYPTED_STREAM in data


def _read_workbook(path: Path, wanted: set[str], collector: _Collector) -> dict[str, _Raw]:
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        collector.file_problem(f"cannot be read ({exc.strerror or exc})", ACCEPTED)
        return {}
    if size == 0:
        collector.file_problem("empty file (0 bytes)", ACCEPTED)
        return {}
    what = _describe_binary(path, head)
    if what is not None:
        collector.file_problem(what, ACCEPTED)
        return {}
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
    except Exception as exc:  # any reader failure is the user's file, not our bug
        collector.file_problem(f"cannot be read as a workbook ({type(exc).__name__}: {exc})", ACCEPTED)
        return {}

    # Read sheets one by one, so that a damaged sheet is named and the others are still checked.
    grids: dict[str, list[list[Any]]] = {}
    merged: dict[str, list[tuple[int, int, int, int]]] = {}
    damaged: dict[str, str] = {}
    nonempty: set[str] = set()
    try:
        for name in names:
            key = normalize_header(name)
            is_table = key in S.TABLES and key in wanted
            if key in S.TABLES and not is_table:
                continue  # not asked for (``tables=``)
            try:
                sheet = book.get_sheet_by_name(name)
                if sheet.start is None:
                    grids[name] = []
                    continue
                nonempty.add(name)
                if is_table:  # other sheets: only whether they have cells matters
                    grids[name] = sheet.to_python(skip_empty_area=False)
                    merged[name] = [(r0 + 1, c0, r1 + 1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
            except Exception as exc:  # a damaged sheet: name it, read the others
                damaged[name] = f"{type(exc).__name__}: {exc}"
    finally:
        try:
            book.close()
        except Exception:  # pragma: no cover - closing never matters for the result
            pass
    if not nonempty and not damaged:
        collector.file_problem("empty workbook: no sheet has any cells", ACCEPTED)
        return {}
    lost = _scan_lost_cells(path, [n for n in names if n in nonempty and n in grids], collector)

    out: dict[str, _Raw] = {}
    found: dict[str, str] = {}
    unknown: list[str] = []
    for name in names:
        key = normalize_header(name)
        if key == normalize_header(README_SHEET):
            continue
        if key not in S.TABLES:
            if name in damaged:
                collector.notes.append(f"sheet '{name}' cannot be read (the workbook is damaged: {damaged[name]}); ignored")
            elif name in nonempty:
                unknown.append(name)
            continue
        if key not in wanted:
            continue
        if key in found:
            collector.file_problem(
                f"sheets '{found[key]}' and '{name}' both hold table '{key}'", "one sheet per table; rename or delete one"
            )
            continue
        found[key] = name
        src = _Source(key, str(path), name, f"sheet '{name}'", "row", f"sheet '{name}'")
        if name in damaged:
            collector.problem(
                src, None, None, None,
                "a sheet Excel or LibreOffice can open; open the workbook, check this sheet and save it again as .xlsx",
                what=f"cannot be read (the workbook is damaged: {damaged[name]})",
            )
            collector.unreadable.add(key)
            continue
        raw = _grid_to_raw(src, ((i + 1, row) for i, row in enumerate(grids.get(name, []))), collector, nan_is_value=True)
        raw.lost = lost.get(name, [])
        raw.merged = merged.get(name, [])
        out[key] = raw
    _note_unknown(unknown, "sheet", found, wanted, collector, all_names=names)
    return out


# ----------------------------------------------------------------------
# Cells python-calamine reads as empty although Excel shows something
# ----------------------------------------------------------------------
_LOST_HINTS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/", b't="e"', b"t='e'")
_CELL_RE = re.compile(rb"<(?:[\w.-]+:)?c(?=[\s/>])([^>]*?)(?:/>|>(.*?)</(?:[\w.-]+:)?c\s*>)", re.S)
_FORMULA_RE = re.compile(rb"<(?:[\w.-]+:)?f(?=[\s/>])[^>]*?(?:/>|>(.*?)</(?:[\w.-]+:)?f\s*>)", re.S)
_VALUE_RE = re.compile(rb"<(?:[\w.-]+:)?v(?=[\s/>])[^>]*?(?:/>|>(.*?)</(?:[\w.-]+:)?v\s*>)", re.S)
_TYPE_ATTR_RE = re.compile(rb"""(?:^|\s)t\s*=\s*["']([^"']*)["']""")
_REF_ATTR_RE = re.compile(rb"""(?:^|\s)r\s*=\s*["']\$?([A-Za-z]{1,3})\$?(\d+)["']""")
_STORE_HINT = "a stored value: open and save the workbook in Excel or LibreOffice (which store formula results), or type the value"


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → path of its XML part inside the xlsx archive."""
    import posixpath
    import xml.etree.ElementTree as ET

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    rels: dict[str, str] = {}
    for el in ET.fromstring(zf.read("xl/_rels/workbook.xml.rels")).iter():
        if local(el.tag) == "Relationship" and el.get("Id") and el.get("Target"):
            target = el.get("Target", "")
            rels[el.get("Id", "")] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    parts: dict[str, str] = {}
    for el in ET.fromstring(zf.read("xl/workbook.xml")).iter():
        if local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if local(k) == "id"), None)
        if el.get("name") is not None and rid in rels:
            parts[el.get("name", "")] = rels[rid]
    return parts


def _col_position(letters: bytes) -> int:
    pos = 0
    for ch in letters.upper():
        pos = pos * 26 + (ch - 64)
    return pos - 1


def _lost_in_sheet(xml: bytes) -> list[_LostCell]:
    """Formula cells without a stored result and Excel error cells of one sheet's XML."""
    from html import unescape

    if not any(h in xml for h in _LOST_HINTS):
        return []  # no formula and no error cell: nothing to look at (the usual case)
    out: list[_LostCell] = []
    for m in _CELL_RE.finditer(xml):
        attrs, content = m.group(1), m.group(2) or b""
        t = _TYPE_ATTR_RE.search(attrs)
        ctype = t.group(1).decode("ascii", "replace") if t else "n"
        f = _FORMULA_RE.search(content)
        if f is None and ctype != "e":
            continue
        v = _VALUE_RE.search(content)
        stored = None if v is None or v.group(1) is None else unescape(v.group(1).decode("utf-8", "replace"))
        formula = None
        if f is not None:
            text = unescape((f.group(1) or b"").decode("utf-8", "replace")).strip()
            formula = f"formula ={text}" if text else "a shared formula"
            if len(formula) > 70:
                formula = formula[:67] + "..."
        if ctype == "e":
            what = (f"the Excel error {stored}" if stored else "an Excel error value") + (f" (from {formula})" if formula else "")
            expected = "a value; correct the formula or the cell so that it holds a value, or leave it empty"
        elif stored is None or (stored == "" and ctype not in ("str", "inlineStr", "s")):
            what = f"{formula} without a stored result"
            expected = _STORE_HINT
        else:
            continue  # a formula with its result: the result is read
        ref = _REF_ATTR_RE.search(attrs)
        row, pos = (int(ref.group(2)), _col_position(ref.group(1))) if ref else (None, None)
        out.append(_LostCell(row, pos, what, expected))
    return out


def _scan_lost_cells(path: Path, sheets: list[str], collector: _Collector) -> dict[str, list[_LostCell]]:
    """:func:`_lost_in_sheet` for the named sheets.

    A sheet part that cannot be decompressed is skipped (python-calamine
    reports it); a workbook whose structure cannot be followed gets a note
    saying that formulas were not checked.
    """
    out: dict[str, list[_LostCell]] = {}
    if not sheets:
        return out
    try:
        with zipfile.ZipFile(path) as zf:
            parts = _sheet_parts(zf)
            for name in sheets:
                part = parts.get(name)
                if part is None:
                    continue
                try:
                    cells = _lost_in_sheet(zf.read(part))
                except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError):
                    continue
                if cells:
                    out[name] = cells
    except Exception as exc:  # the workbook's structure could not be followed; python-calamine's reading stands
        collector.notes.append(
            f"file '{path.name}': formulas without a stored result and Excel error cells could not be looked for "
            f"({type(exc).__name__}: {exc}); such cells read as empty"
        )
    return out


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


def _read_csv_folder(folder: Path, wanted: set[str], collector: _Collector) -> dict[str, _Raw]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))
    csvs = [p for p in files if p.suffix.lower() == _CSV_SUFFIX]
    if not csvs:
        others = f" (found: {', '.join(p.name for p in files[:10])})" if files else ""
        collector.file_problem(f"empty folder: no .csv files{others}", ACCEPTED)
        return {}
    for p in files:
        if p.suffix.lower() != _CSV_SUFFIX:
            collector.notes.append(f"file '{p.name}' in {folder.name} is not a .csv file; ignored")
    out: dict[str, _Raw] = {}
    found: dict[str, str] = {}
    unknown: list[str] = []
    for p in csvs:
        key = normalize_header(p.stem)
        if key == normalize_header(README_SHEET):
            continue
        if key not in S.TABLES:
            unknown.append(p.name)
            continue
        if key not in wanted:
            continue
        if key in found:
            collector.file_problem(f"files '{found[key]}' and '{p.name}' both hold table '{key}'", "one file per table", where=f"folder '{folder.name}'")
            continue
        found[key] = p.name
        raw = _read_csv(p, key, collector)
        if raw is None:
            collector.unreadable.add(key)
        else:
            out[key] = raw
    _note_unknown(unknown, "file", found, wanted, collector, all_names=[p.name for p in csvs])
    return out


def _read_csv(path: Path, table: str, collector: _Collector) -> _Raw | None:
    src = _Source(table, str(path), None, f"file '{path.name}'", "line", f"file '{path.name}'")
    try:
        data = path.read_bytes()
    except OSError as exc:
        collector.file_problem(f"cannot be read ({exc.strerror or exc})", ACCEPTED, file=path)
        return None
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        collector.file_problem("empty file (0 bytes)" if not data else "empty file (no header row)", f"a header row naming the columns of '{table}'", file=path)
        return None
    bom = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = bom + exc.start  # offset in the file as saved, byte-order mark included
        before = data[:at]
        line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1  # as the CSV reader counts lines
        collector.file_problem(
            f"not UTF-8 text (byte 0x{data[at]:02X} on line {line})",
            'a CSV saved as "CSV UTF-8" (in Excel: File › Save As › CSV UTF-8 (Comma delimited))',
            file=path,
            value=data[at : at + 1],
            where=f"file '{path.name}', line {line}",
        )
        return None
    first = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first:
        delimiter = ";" if ";" in first else ("\t" if "\t" in first else ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def records() -> Iterable[tuple[int, list[str]]]:
        start = 1
        for rec in reader:
            yield start, rec
            start = reader.line_num + 1

    # The csv module refuses fields over 128 KiB by default; no cell can be longer than the
    # file, so allow that while reading (over-long cells are then reported one by one).
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, min(len(text) + 1, 2**31 - 1)))
    try:
        return _grid_to_raw(src, records(), collector, ragged=True)
    except csv.Error as exc:
        collector.file_problem(f"cannot be parsed as CSV ({exc})", "comma-separated values with text containing commas in double quotes", file=path, where=f"file '{path.name}', line {reader.line_num}")
        return None
    finally:
        csv.field_size_limit(limit)


# ----------------------------------------------------------------------
# Typing and checking of one table
# ----------------------------------------------------------------------
_BAD = object()  # a cell that is not a valid value of its column
_NONFINITE = object()  # a number that is infinite, NaN or too large to compute with
_NONFINITE_TEXT_RE = re.compile(r"[+-]?(inf(inity)?|nan)", re.IGNORECASE)
_NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_PERIOD_RE = re.compile(r"(\d{4})(?:-(Q[1-4])|-(0[1-9]|1[0-2]))?")
_BOOLS = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False, "0": False}
_CATEGORY_KEY_RE = re.compile(r"[\s_\-]+")


def _text(v: Any) -> str | None:
    """Any cell as text: Excel number ids without '.0', dates as ISO."""
    if _is_empty(v):
        return None
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        f = float(v)
        return str(int(f)) if f.is_integer() else repr(f)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    return str(v).strip()


def _number(v: Any) -> Any:
    """A float, :data:`_BAD` (not a number) or :data:`_NONFINITE` (infinite, NaN or beyond the float range)."""
    if isinstance(v, bool):
        return _BAD
    if isinstance(v, numbers.Real):
        try:
            f = float(v)
        except OverflowError:  # a Python int beyond the float range
            return _NONFINITE
        return f if math.isfinite(f) else _NONFINITE
    if isinstance(v, str):
        s = v.strip()
        if _NUMBER_RE.fullmatch(s):
            f = float(s)  # "1e309" parses to inf
            return f if math.isfinite(f) else _NONFINITE
        return _NONFINITE if _NONFINITE_TEXT_RE.fullmatch(s) else _BAD
    return _BAD


_INTEGER_TEXT_RE = re.compile(r"[+-]?\d{1,30}")


def _integer(v: Any) -> Any:
    if isinstance(v, str) and _INTEGER_TEXT_RE.fullmatch(v.strip()):
        n = int(v.strip())  # exact: "9007199254740993" must not become ...992 through a float
        return n if abs(n) <= MAX_EXACT_INTEGER else _NONFINITE
    f = _number(v)
    if f is _BAD or f is _NONFINITE:
        return f
    if not f.is_integer():
        return _BAD
    if abs(f) > MAX_EXACT_INTEGER:
        return _NONFINITE  # too large to be held exactly (and for the Int64 column)
    return int(f)


def _bool(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, numbers.Real):
        return {1.0: True, 0.0: False}.get(float(v), _BAD)
    if isinstance(v, str):
        return _BOOLS.get(v.strip().lower(), _BAD)
    return _BAD


def _date(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return dt.datetime(v.year, v.month, v.day)
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    if isinstance(v, str):
        s = v.strip()
        for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
            try:
                d = parse(s)
            except ValueError:
                continue
            return dt.datetime(d.year, d.month, d.day)
    return _BAD


def _period(v: Any) -> Any:
    if isinstance(v, bool):
        return _BAD
    if isinstance(v, (dt.date, dt.datetime)):
        # Excel turns "2025-03" typed in a cell into the date 2025-03-01.
        return f"{v.year:04d}-{v.month:02d}" if v.day == 1 else _BAD
    if isinstance(v, numbers.Real):
        f = float(v)
        return str(int(f)) if f.is_integer() and 1000 <= f <= 9999 else _BAD
    if isinstance(v, str):
        s = v.strip().upper()
        return s if _PERIOD_RE.fullmatch(s) else _BAD
    return _BAD


def _category_key(text: str) -> str:
    return _CATEGORY_KEY_RE.sub("", text.lower())


def _category_parser(choices: tuple[str, ...]):
    lookup = {_category_key(c): c for c in choices}

    def parse(v: Any) -> Any:
        return lookup.get(_category_key(v), _BAD) if isinstance(v, str) else _BAD

    return parse


def _bounds(col: S.Column, config: Config) -> tuple[float | None, float | None, str]:
    """Lower and upper bound of a numeric column, and their wording."""
    if col.scale is not None:
        sc = config.scales[col.scale]
        return sc.min, sc.max, f" from {_num_text(sc.min)} to {_num_text(sc.max)} (scale '{col.scale}')"
    lo, hi = col.minimum, col.maximum
    if lo is not None and hi is not None:
        return lo, hi, f" from {_num_text(lo)} to {_num_text(hi)}"
    if lo is not None:
        return lo, hi, f" of {_num_text(lo)} or more"
    if hi is not None:
        return lo, hi, f" of {_num_text(hi)} or less"
    return lo, hi, ""


def expected_phrase(col: S.Column, config: Config) -> str:
    """The plain-words description of a valid value of ``col`` (used in messages and the template)."""
    kind = col.kind
    if kind in ("number", "integer"):
        noun = "a number" if kind == "number" else "a whole number"
        return noun + _bounds(col, config)[2]
    if kind == "category":
        return "one of: " + ", ".join(col.choices or ())
    if kind == "bool":
        return "yes or no (also accepted: true/false, y/n, 1/0)"
    if kind == "date":
        return "a date (an Excel date cell or YYYY-MM-DD text)"
    if kind == "period":
        return "a period written YYYY, YYYY-Qn or YYYY-MM (e.g. 2025, 2025-Q3, 2025-07)"
    if kind == "id":
        return "a unique id"
    return "a value"


@dataclass
class _Typed:
    """One column typed by :func:`_convert`, with the positions of its faulty cells."""

    array: Any  # for the frame
    bad: list[int]  # not a valid value of the column
    empty: list[int]  # empty cells
    nonfinite: list[int] = field(default_factory=list)  # infinite, NaN or too large numbers
    too_long: list[int] = field(default_factory=list)  # text over MAX_CELL_CHARS


def _is_nonfinite_float(v: Any, nan_is_value: bool) -> bool:
    if not isinstance(v, (float, np.floating)):
        return False
    return math.isinf(v) or (nan_is_value and v != v)


def _convert(col: S.Column, values: list[Any], config: Config, nan_is_value: bool = False) -> _Typed:
    """Type one column.

    ``nan_is_value``: a float NaN cell is a NaN in the file (workbooks), reported
    as not finite, rather than an empty cell (DataFrames).
    """
    kind = col.kind
    bad: list[int] = []
    if kind in ("id", "ref", "text", "list"):
        texts = [_text(v) for v in values]
        nonfinite = [i for i, v in enumerate(values) if _is_nonfinite_float(v, nan_is_value)]
        if nonfinite:
            for i in nonfinite:
                texts[i] = None
        skip = set(nonfinite)
        empty = [i for i, t in enumerate(texts) if t is None and i not in skip]
        too_long = [i for i, t in enumerate(texts) if t is not None and len(t) > MAX_CELL_CHARS]
        return _Typed(pd.array(texts, dtype="string"), bad, empty, nonfinite, too_long)
    empty: list[int] = []
    nonfinite = []
    parser = {
        "number": _number,
        "integer": _integer,
        "bool": _bool,
        "date": _date,
        "period": _period,
    }.get(kind) or _category_parser(col.choices or ())
    out: list[Any] = []
    for i, v in enumerate(values):
        if _is_empty(v):
            if nan_is_value and v != v and isinstance(v, (float, np.floating)):
                nonfinite.append(i)  # a NaN number cell, not an empty one
            else:
                empty.append(i)
            out.append(None)
            continue
        parsed = parser(v)
        if parsed is _BAD or parsed is _NONFINITE:
            (bad if parsed is _BAD or kind not in ("number", "integer") else nonfinite).append(i)
            out.append(None)
        else:
            out.append(parsed)
    too_long = [i for i, v in enumerate(values) if isinstance(v, str) and len(v) > MAX_CELL_CHARS]
    if too_long:  # reported as too long, not also as invalid
        long_set = set(too_long)
        bad = [i for i in bad if i not in long_set]
        nonfinite = [i for i in nonfinite if i not in long_set]
    if kind in ("number", "integer"):
        lo, hi, _ = _bounds(col, config)
        arr = np.array([np.nan if x is None else x for x in out], dtype=float)
        with np.errstate(invalid="ignore"):
            outside = np.zeros(len(arr), dtype=bool)
            if lo is not None:
                outside |= arr < lo
            if hi is not None:
                outside |= arr > hi
        if outside.any():
            bad = sorted(set(bad) | set(np.flatnonzero(outside).tolist()))
        if kind == "number":
            return _Typed(arr, bad, empty, nonfinite, too_long)
        return _Typed(pd.array(out, dtype="Int64"), bad, empty, nonfinite, too_long)
    if kind == "bool":
        return _Typed(pd.array(out, dtype="boolean"), bad, empty, nonfinite, too_long)
    if kind == "date":
        return _Typed(pd.to_datetime(pd.Series(out, dtype=object)).to_numpy(), bad, empty, nonfinite, too_long)
    if kind == "period":
        return _Typed(pd.array(out, dtype="string"), bad, empty, nonfinite, too_long)
    return _Typed(pd.Categorical(out, categories=list(col.choices or ()), ordered=True), bad, empty, nonfinite, too_long)


def _nonfinite_expected(col: S.Column, value: Any, config: Config) -> str:
    """What was expected instead of a number that is infinite, NaN or too large, and why it is refused."""
    phrase = expected_phrase(col, config) if col.kind in ("number", "integer") else "text or a finite number"
    shown = _show(value)
    text = value.strip() if isinstance(value, str) else None
    try:
        f = float(text if text is not None else value)
        literal = text is None or bool(_NONFINITE_TEXT_RE.fullmatch(text))  # "inf", or an infinite number cell
    except (OverflowError, TypeError, ValueError):
        f, literal = math.inf, False  # a Python int beyond the float range
    if f != f:
        why = f"{shown} is not a number (NaN)"
    elif math.isinf(f) and literal:
        why = f"{shown} is infinite"
    elif math.isinf(f):
        why = f"{shown} is beyond the largest number that can be computed with (about ±{_FLOAT_LIMIT})"
    else:
        why = f"{shown} is too large for a whole number (exact up to {MAX_EXACT_INTEGER:,})"
    return f"{phrase}; {why}"


@dataclass
class _Built:
    frame: pd.DataFrame
    src: _Source
    raw_values: dict[str, list[Any]]  # contract column -> raw cells (for messages)


def _build_table(raw: _Raw, config: Config, collector: _Collector) -> _Built:
    table = S.TABLES[raw.src.table]
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

    known = set(table.column_names)
    extras = [k for k in positions if k not in known]
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

    # Cells that read empty although Excel shows something: their "empty" is explained instead.
    explained = _report_lost_and_merged(raw, positions, known, collector)
    for i, n in raw.short_rows.items():
        explained.update((i, pos) for pos in range(n, width))

    index = pd.Index(raw.row_numbers, name="row", dtype="int64")
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
    frame = pd.DataFrame(data, index=index)
    if not len(frame):
        frame = _empty_frame(table, [c.name for c in table.columns if c.name in positions or not c.required], extras, config)
    return _Built(frame, src, raw_values)


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


def _col_letter(pos: int) -> str:
    letters = ""
    pos += 1
    while pos:
        pos, rem = divmod(pos - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


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


# ----------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------
def _wanted(tables: Iterable[str] | None) -> set[str]:
    if tables is None:
        return set(S.TABLE_ORDER)
    if isinstance(tables, str):
        tables = [tables]
    names = {normalize_header(t) for t in tables}
    unknown = sorted(names - set(S.TABLES))
    if unknown:
        raise ValueError(f"unknown table(s) {', '.join(unknown)}; the contract has {', '.join(S.TABLE_ORDER)}")
    return names | set(S.REQUIRED_TABLES)


def _validate(raws: dict[str, _Raw], wanted: set[str], config: Config, collector: _Collector, source: Path) -> Assessment:
    built: dict[str, _Built] = {}
    absent: list[str] = []
    for name in S.TABLE_ORDER:
        if name not in wanted:
            continue
        raw = raws.get(name)
        if name in collector.unreadable:
            continue  # already reported; references into it are not checked
        if raw is None:
            if S.TABLES[name].optional:
                absent.append(name)
            continue
        if raw.empty:
            if S.TABLES[name].optional:
                collector.notes.append(f"{raw.src.label} is empty (no header row); treated as absent")
                absent.append(name)
            else:
                collector.problem(
                    raw.src, None, None, None,
                    f"a header row with the columns {', '.join(S.TABLES[name].required_columns)} and at least one row below it",
                    what="empty (no header row, no data)",
                )
            continue
        b = _build_table(raw, config, collector)
        built[name] = b
        if not len(b.frame):
            if S.TABLES[name].optional:
                collector.notes.append(f"{raw.src.label} has a header but no data rows")
            else:
                collector.problem(raw.src, None, None, None, f"at least one {name.rstrip('s')} below the header row", what="no data rows")
        _check_keys(b, collector)
    _check_cross(built, set(absent), collector)
    if collector:
        raise AssessmentError(source, collector.problems)
    return Assessment({n: b.frame for n, b in built.items()}, config, source, notes=collector.notes, absent=absent)


def load_assessment(path: str | Path, config: Config | None = None, tables: Iterable[str] | None = None) -> Assessment:
    """Read and validate an assessment.

    Parameters
    ----------
    path
        An ``.xlsx`` workbook with one sheet per table (sheet name = table
        name; a ``README`` sheet is ignored), or a folder of ``<table>.csv``
        files (UTF-8, with or without BOM). The file type is detected from
        the content, not the extension.
    config
        Configuration whose ``scales`` bound the rating columns (e.g.
        importance 1–10); defaults to :func:`cra_helpers.config.load_config`.
    tables
        Read only these tables (plus the required ``accounts``). References
        into tables not read are not checked.

    Returns
    -------
    Assessment
        The typed tables, with notes about what was tolerated (blank rows,
        extra columns, ignored sheets) and the optional tables that are absent.

    Raises
    ------
    AssessmentError
        When anything is wrong; ``.problems`` lists every problem (file,
        sheet, row as in Excel/CSV, column, value, expected value).
    ValueError
        When ``tables`` names a table that is not in the contract.
    """
    config = config or load_config()
    wanted = _wanted(tables)
    source = Path(path)
    collector = _Collector(source)
    if not source.exists():
        collector.file_problem("not found", ACCEPTED)
        raws: dict[str, _Raw] = {}
    elif source.is_dir():
        raws = _read_csv_folder(source, wanted, collector)
    else:
        raws = _read_workbook(source, wanted, collector)
    if collector and not raws:  # the file itself is unusable
        raise AssessmentError(source, collector.problems)
    return _validate(raws, wanted, config, collector, source)


def assessment_from_frames(
    frames: Mapping[str, pd.DataFrame], config: Config | None = None, source: str | Path = "<in-memory>"
) -> Assessment:
    """Validate tables given as DataFrames (e.g. built in a test) exactly like a workbook.

    Parameters
    ----------
    frames
        Table name → DataFrame whose columns are the headers and whose rows
        are the data rows (row ``i`` is reported as row ``i + 2``, as if the
        frame had been written to a sheet with its header on row 1).
    config
        As for :func:`load_assessment`.
    source
        Name used in messages and ``Assessment.source``.

    Returns
    -------
    Assessment
    """
    config = config or load_config()
    source = Path(source)
    collector = _Collector(source)
    raws: dict[str, _Raw] = {}
    for name, frame in frames.items():
        key = normalize_header(name)
        if key not in S.TABLES:
            collector.notes.append(f"table '{name}' is not part of the data contract; ignored")
            continue
        src = _Source(key, str(source), name, f"sheet '{name}'", "row", f"sheet '{name}'")
        grid = [(1, [str(c) for c in frame.columns])]
        grid += [(i + 2, list(r)) for i, r in enumerate(frame.astype(object).itertuples(index=False, name=None))]
        raws[key] = _grid_to_raw(src, grid, collector)
    wanted = set(S.TABLE_ORDER)
    _note_unknown([], "sheet", {k: k for k in raws}, wanted, collector, all_names=list(frames))
    return _validate(raws, wanted, config, collector, source)


# ----------------------------------------------------------------------
# Template
# ----------------------------------------------------------------------
def _allowed(col: S.Column, config: Config) -> str:
    if col.kind in ("number", "integer", "category", "bool", "date", "period"):
        text = expected_phrase(col, config)
    elif col.kind == "ref":
        text = f"{_a(S.TABLES[col.ref].id_column)} from sheet '{col.ref}'" if col.ref else ""
    elif col.kind == "id":
        text = "unique, non-empty"
    elif col.kind == "list":
        text = f"items separated by '{S.LIST_SEPARATOR}'"
    else:
        text = "free text"
    if col.scale:
        label = config.scales[col.scale].label
        text += f" — {label}" if label else ""
    return text


def write_template(path: str | Path, config: Config | None = None) -> Path:
    """Write an empty capture workbook with every sheet and column of the contract.

    Parameters
    ----------
    path
        Workbook to write (``.xlsx``); parent folders are created.
    config
        Configuration whose scales are described in the README sheet;
        defaults to :func:`cra_helpers.config.load_config`.

    Returns
    -------
    Path
        The workbook written. It has a ``README`` sheet (tables, columns,
        kinds, descriptions, allowed values and scales; ignored when loading)
        and one sheet per table with a bold, frozen header row; category and
        yes/no columns carry a drop-down list.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    config = config or load_config()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    readme = wb.active
    readme.title = README_SHEET
    bold = Font(bold=True)
    readme.append(["CRA assessment capture workbook"])
    readme["A1"].font = Font(bold=True, size=14)
    readme.append(["Fill one sheet per table; keep the header row. 'accounts' is required, every other sheet is optional "
                   "(leave it empty if you have no such data). This README sheet is ignored when loading."])
    readme.append([])
    header = ["sheet", "column", "kind", "required column", "may be empty", "description", "allowed values"]
    readme.append(header)
    for c in range(1, len(header) + 1):
        readme.cell(row=readme.max_row, column=c).font = bold
    readme.freeze_panes = f"A{readme.max_row + 1}"
    for table in S.TABLES.values():
        for col in table.columns:
            readme.append([
                table.name + ("" if table.optional else " (required sheet)"),
                col.name, col.kind, "yes" if col.required else "no", "yes" if col.nullable else "no",
                col.description, _allowed(col, config),
            ])
    readme.append([])
    readme.append(["scale", "min", "max", "label"])
    for c in range(1, 5):
        readme.cell(row=readme.max_row, column=c).font = bold
    for name, scale in config.scales.items():
        readme.append([name, scale.min, scale.max, scale.label])
    for letter, width in zip("ABCDEFG", (24, 22, 10, 10, 10, 60, 60)):
        readme.column_dimensions[letter].width = width

    for table in S.TABLES.values():
        ws = wb.create_sheet(table.name)
        ws.append(table.column_names)
        for pos, col in enumerate(table.columns, start=1):
            cell = ws.cell(row=1, column=pos)
            cell.font = bold
            cell.alignment = Alignment(wrap_text=False)
            letter = get_column_letter(pos)
            ws.column_dimensions[letter].width = max(12, len(col.name) + 4)
            choices = col.choices if col.kind == "category" else (("yes", "no") if col.kind == "bool" else None)
            if choices:
                dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=col.nullable)
                dv.error = f"Expected {expected_phrase(col, config)}"
                dv.add(f"{letter}2:{letter}5000")
                ws.add_data_validation(dv)
        ws.freeze_panes = "A2"
    wb.save(out)
    return out
