"""Problems found in an assessment, located as the user sees them, and their collector.

A :class:`Problem` names the file, sheet, row (Excel row or CSV line, header
on 1), column and value; :class:`AssessmentError` carries every problem of
one assessment. :class:`_Collector` gathers problems (sorted by table, row
and column on output) and notes while the readers and checks run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import schema as S
from ..errors import CraError
from .cells import MAX_LISTED, _show


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
