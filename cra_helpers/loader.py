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

Capture workbooks
-----------------
A workbook written by ``cra plan`` (marked by the defined name
``CRA_CAPTURE``) is read with the rules of :mod:`cra_helpers.loading.capture_rules`:
its ``info: ...`` reference columns are not read, rating and loyalty rows left
without any answer are "not asked" and planned interviews without any answer
"not held" (both left out and counted in the notes), and an importance or
performance skipped on one competitor row of a need is an error.

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
* The phases live in :mod:`cra_helpers.loading` (reading workbooks and CSV
  folders, typing columns, checking tables and references); the template
  writer in :mod:`cra_helpers.template`. This module holds the public entry
  points and re-exports the names other code imports from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from . import schema as S
from .assessment import Assessment
from .config import Config, load_config
from .loading import capture_rules
from .loading.cells import ACCEPTED, MAX_CELL_CHARS, MAX_EXACT_INTEGER, MAX_LISTED, README_SHEET, normalize_header
from .loading.checks import _check_cross, _check_keys, built_label
from .loading.columns import _category_key, expected_phrase
from .loading.csv_folder import _read_csv_folder
from .loading.problems import AssessmentError, Problem, _Collector, _Source
from .loading.raw import _grid_to_raw, _note_unknown, _Raw
from .loading.table import _build_table, _Built
from .loading.workbook import _read_workbook
from .template import write_template

# Also importable from here, as before the loader was split into cra_helpers.loading:
# ACCEPTED, MAX_LISTED, README_SHEET, expected_phrase, built_label, _category_key.

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


def _validate(
    raws: dict[str, _Raw], wanted: set[str], config: Config, collector: _Collector, source: Path, capture: bool = False
) -> Assessment:
    built: dict[str, _Built] = {}
    absent: list[str] = []
    if capture:
        capture_rules.blank_helper_columns(raws, collector)
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
    if capture and S.RATINGS in built:
        capture_rules.check_repeated_answers(built[S.RATINGS].frame, built[S.RATINGS].src, collector)
    if collector:
        raise AssessmentError(source, collector.problems)
    tables = {n: b.frame for n, b in built.items()}
    if capture and set(capture_rules.ANSWER_TABLES) <= wanted:  # "not held" needs every answer table
        tables = capture_rules.prune_unanswered(tables, collector.notes)
    return Assessment(tables, config, source, notes=collector.notes, absent=absent)


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
    capture = source.is_file() and capture_rules.capture_account(source) is not None
    return _validate(raws, wanted, config, collector, source, capture=capture)


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
