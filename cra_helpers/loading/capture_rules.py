"""What the loader does differently with a capture workbook written by ``cra plan``.

A capture workbook (:func:`cra_helpers.planning.capture.write_capture_workbook`)
is a valid assessment workbook, pre-filled before the interviews: every
interview to be held, one ``ratings`` row per interview × need × competitor
and one ``loyalty`` row per interview, with the answer cells empty. It is
marked by the workbook-level defined name :data:`CAPTURE_MARKER` (its value
is the account id), which Excel and LibreOffice keep when the file is saved.
When the loader finds the marker it applies these rules, and only then:

* **Reference columns** whose header starts with :data:`HELPER_PREFIX`
  (``info: need``, ``info: interviewee`` …, names shown beside the ids to
  help the interviewer) are not read; one note per sheet says so.
* **Not asked**: a ``ratings`` row whose answer cells (importance,
  performance, competitor performance) are all empty, and a ``loyalty`` row
  whose answer cells are all empty, are left out; the notes give their count
  and rows.
* **Not held**: a planned interview left with no answer at all (no rating,
  no loyalty answer, no verbatim) is left out of ``interviews``; the notes
  name it.
* **Skipped answer**: importance and performance belong to the need, so they
  are repeated on every competitor row of one interview × need. Among the
  answered rows of one interview × need, an empty importance or performance
  where another row holds one, or two different values, is an error located
  at the row and column, naming the row that holds the other value.

A single empty answer on an otherwise answered row stays what it is in any
assessment: the interviewee did not give that rating ("don't know").
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema as S
from .cells import _show
from .problems import _Collector, _Source
from .raw import _Raw

CAPTURE_MARKER = "CRA_CAPTURE"
"""Defined name (workbook scope) that marks a capture workbook; its value is the account id as text."""

HELPER_PREFIX = "info:"
"""Headers starting with this (case-insensitive) are reference columns of a capture workbook, not read."""

RATING_ANSWERS: tuple[str, ...] = (S.IMPORTANCE, S.PERFORMANCE, S.COMPETITOR_PERFORMANCE)
"""Answer cells of a ``ratings`` row."""

LOYALTY_ANSWERS: tuple[str, ...] = (S.SATISFACTION, S.RECOMMEND, S.CONTINUE, S.INCREASE, S.SHARE_OF_WALLET)
"""Answer cells of a ``loyalty`` row."""

ANSWER_TABLES: tuple[str, ...] = (S.INTERVIEWS, S.RATINGS, S.LOYALTY, S.VERBATIMS)
"""Tables that must all be read for unanswered rows and interviews not held to be left out."""

_REPEATED = (S.IMPORTANCE, S.PERFORMANCE)  # the need's answers, repeated on every competitor row
_NAME_RE = re.compile(rb"<(?:[\w.-]+:)?definedName\b([^>]*)>(.*?)</(?:[\w.-]+:)?definedName\s*>", re.S)
_ATTR_RE = re.compile(rb"""\bname\s*=\s*["']([^"']*)["']""")


def capture_account(path: str | Path) -> str | None:
    """The account id a capture workbook was written for, or ``None`` for any other file.

    Parameters
    ----------
    path
        A workbook (any file: what is not a readable xlsx gives ``None``).

    Returns
    -------
    str or None
        The value of the defined name :data:`CAPTURE_MARKER`, unquoted.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            xml = zf.read("xl/workbook.xml")
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    for attrs, value in _NAME_RE.findall(xml):
        name = _ATTR_RE.search(attrs)
        if name and name.group(1).decode("utf-8", "replace") == CAPTURE_MARKER:
            text = value.decode("utf-8", "replace").replace("&quot;", '"').replace("&amp;", "&").strip()
            return text[1:-1].replace('""', '"') if len(text) >= 2 and text[0] == text[-1] == '"' else text
    return None


def is_helper_header(header: object) -> bool:
    """Whether a header names a reference column of a capture workbook.

    Parameters
    ----------
    header
        A header cell as read.

    Returns
    -------
    bool
        ``True`` for text starting with :data:`HELPER_PREFIX` (any case).

    Examples
    --------
    >>> is_helper_header("Info: need"), is_helper_header("need_id")
    (True, False)
    """
    return isinstance(header, str) and header.strip().lower().startswith(HELPER_PREFIX)


def blank_helper_columns(raws: dict[str, _Raw], collector: _Collector) -> None:
    """Make the ``info: ...`` columns of every table unread; one note per sheet.

    Parameters
    ----------
    raws
        The tables as read (changed in place: those columns' header and cells
        are emptied, so they are neither typed nor reported as extra columns).
    collector
        Receives the notes.
    """
    for raw in raws.values():
        positions = [i for i, h in enumerate(raw.headers) if is_helper_header(h)]
        if not positions:
            continue
        names = [raw.headers[i] for i in positions]
        for i in positions:
            raw.headers[i] = ""
        for row in raw.rows:
            for i in positions:
                if i < len(row):
                    row[i] = None
        raw.lost = [c for c in raw.lost if c.pos not in positions]
        shown = ", ".join(f"'{n}'" for n in names)
        collector.notes.append(f"{raw.src.label}: reference column{'s' if len(names) > 1 else ''} {shown} of the capture "
                               "workbook not read (names shown beside the ids)")


def check_repeated_answers(frame: pd.DataFrame, src: _Source, collector: _Collector) -> None:
    """Report skipped or differing importance/performance within one interview × need of a capture workbook.

    Parameters
    ----------
    frame
        The typed ``ratings`` table (index: Excel rows).
    src
        Its source (sheet), for the messages.
    collector
        Receives one problem per faulty cell; a cell it already holds a
        problem for (text in a rating, a value out of scale) is not judged again.
    """
    if not len(frame) or not set(RATING_ANSWERS) <= set(frame.columns):
        return
    reported = {(p.row, p.column) for p in collector.problems if p.file == src.file and p.sheet == src.sheet}
    answered = frame[list(RATING_ANSWERS)].notna().any(axis=1).to_numpy().copy()
    answered |= np.array([any((int(r), c) in reported for c in RATING_ANSWERS) for r in frame.index], dtype=bool)
    sub = frame[answered]
    for (interview, need), block in sub.groupby([S.INTERVIEW_ID, S.NEED_ID], sort=False, observed=True):
        if len(block) < 2:
            continue
        for column in _REPEATED:
            cells = [(int(r), v) for r, v in block[column].items() if (int(r), column) not in reported]
            _check_block(cells, column, str(interview), str(need), src, collector)


def _check_block(cells: list[tuple[int, float]], column: str, interview: str, need: str, src: _Source,
                 collector: _Collector) -> None:
    given = [(r, float(v)) for r, v in cells if not pd.isna(v)]
    if not given:
        return  # nobody's answer: "don't know" on every row
    first_row, first = given[0]
    why = (f"the {column} of need {need} in interview {interview} is repeated on every competitor row "
           f"of the need; row {first_row} holds {_show(first)}")
    for row, value in cells:
        if row == first_row:
            continue
        if pd.isna(value):
            collector.problem(src, row, column, None, f"{_show(first)} — {why} (a skipped answer?)", what="empty")
        elif float(value) != first:
            collector.problem(src, row, column, value, f"{_show(first)} — {why}; correct one of them")


def rows_text(rows: list[int], limit: int = 10) -> str:
    """Row numbers in runs, as a person reads them.

    Parameters
    ----------
    rows
        Excel row numbers (any order).
    limit
        Runs shown; the rest are counted.

    Returns
    -------
    str

    Examples
    --------
    >>> rows_text([2, 3, 4, 7, 9, 10])
    '2–4, 7, 9–10'
    """
    runs: list[list[int]] = []
    for r in sorted(rows):
        if runs and r == runs[-1][1] + 1:
            runs[-1][1] = r
        else:
            runs.append([r, r])
    shown = ", ".join(f"{a}–{b}" if b > a else str(a) for a, b in runs[:limit])
    return shown + (f", … ({len(runs) - limit} more runs)" if len(runs) > limit else "")


def _drop_unanswered(frame: pd.DataFrame, answers: tuple[str, ...], label: str, notes: list[str]) -> pd.DataFrame:
    cols = [c for c in answers if c in frame.columns]
    keep = frame[cols].notna().any(axis=1).to_numpy() if cols else np.ones(len(frame), dtype=bool)
    gone = [int(r) for r in frame.index[~keep]]
    if gone:
        notes.append(f"sheet '{label}': {len(gone)} row{'s' if len(gone) > 1 else ''} without any answer left out "
                     f"as not asked (row{'s' if len(gone) > 1 else ''} {rows_text(gone)})")
    return frame[keep]


def prune_unanswered(tables: dict[str, pd.DataFrame], notes: list[str]) -> dict[str, pd.DataFrame]:
    """The tables of a capture workbook without its unanswered rows and the interviews not held.

    Parameters
    ----------
    tables
        Typed tables by name (index: Excel rows), already validated.
    notes
        Receives one note per sheet with rows left out (their count and rows,
        or the interview ids).

    Returns
    -------
    dict of DataFrame
        ``ratings`` without rows whose answers are all empty, ``loyalty``
        likewise, and ``interviews`` without the planned interviews that have
        no answer left in either table nor a verbatim.
    """
    out = dict(tables)
    if S.RATINGS in out:
        out[S.RATINGS] = _drop_unanswered(out[S.RATINGS], RATING_ANSWERS, S.RATINGS, notes)
    if S.LOYALTY in out:
        out[S.LOYALTY] = _drop_unanswered(out[S.LOYALTY], LOYALTY_ANSWERS, S.LOYALTY, notes)
    if S.INTERVIEWS not in out:
        return out
    held: set[str] = set()
    for name in (S.RATINGS, S.LOYALTY, S.VERBATIMS):
        if name in out:
            held |= set(out[name][S.INTERVIEW_ID].dropna().astype(str))
    iv = out[S.INTERVIEWS]
    is_held = iv[S.INTERVIEW_ID].astype(str).isin(held).to_numpy()
    gone = [str(i) for i in iv.loc[~is_held, S.INTERVIEW_ID]]
    if gone:
        shown = ", ".join(gone[:10]) + (f", … ({len(gone) - 10} more)" if len(gone) > 10 else "")
        notes.append(f"sheet '{S.INTERVIEWS}': {len(gone)} planned interview{'s' if len(gone) > 1 else ''} without any "
                     f"answer left out as not held yet ({shown})")
    out[S.INTERVIEWS] = iv[is_held]
    return out
