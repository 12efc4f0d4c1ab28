"""The capture workbook of one account: the interviews to be held, pre-filled, ready for the answers.

:func:`write_capture_workbook` writes a workbook of the data contract (the
sheets and columns :func:`cra_helpers.loader.load_assessment` reads) holding
what is known before the interviews — the account, its sites, contacts, the
competitors and needs, the planned interviews — and one empty answer row for
every answer expected:

* ``ratings``: one row per interview × need × competitor (every competitor
  of the portfolio: the interviewee rates those they know; with no
  competitor listed, one row per interview × need). Importance and
  performance belong to the need and are typed on every competitor row the
  interviewee answers; a competitor not rated stays blank.
* ``loyalty``: one row per interview.
* ``verbatims``: empty, with the interview ids as a drop-down.

Ids and references are locked (sheet protection without a password: Review ›
Unprotect Sheet lifts it); answer cells are unlocked and tinted, and carry
Excel data validations: scale bounds from ``config.scales`` as whole-number
ranges (share of wallet as a decimal percentage), categories and yes/no as
drop-downs, dates as dates. Columns headed ``info: ...`` show names beside the
ids and are not read back. The workbook is marked as a capture workbook (the
defined name ``CRA_CAPTURE``), so the loader applies the capture rules of
:mod:`cra_helpers.loading.capture_rules`: rows left blank are "not asked",
interviews left blank "not held", both reported in the notes.

Text from the data is written as text cells (a leading ``=`` never becomes a
formula, and keeps Excel's quote prefix when edited), unchanged, so that it
reads back exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .. import schema as S
from ..assessment import Assessment
from ..config import Config
from ..errors import CraError
from ..loading.capture_rules import CAPTURE_MARKER, HELPER_PREFIX
from ..loading.cells import README_SHEET
from ..spreadsheet import HEADER_FILL, INPUT_FILL, write_text_safe
from . import schedule as P
from .merge import plain_frame

INFO_INTERVIEWEE = f"{HELPER_PREFIX} interviewee"
INFO_SITE = f"{HELPER_PREFIX} site"
INFO_PLANNED = f"{HELPER_PREFIX} planned start"
INFO_NEED = f"{HELPER_PREFIX} need"
INFO_COMPETITOR = f"{HELPER_PREFIX} competitor"
"""Reference columns (not read back) shown beside the ids."""

VERBATIM_ROWS_PER_INTERVIEW = 20
"""Rows of the ``verbatims`` sheet whose interview id offers the drop-down, per planned interview."""

SHEETS: tuple[str, ...] = (S.ACCOUNTS, S.LOCATIONS, S.CONTACTS, S.COMPETITORS, S.NEEDS, S.INTERVIEWS, S.RATINGS,
                           S.LOYALTY, S.VERBATIMS)
"""Sheets of a capture workbook after its README (``sales_history`` is not captured in interviews)."""

_LOCKED_KINDS = ("id", "ref")
_ANSWERS = {S.INTERVIEWS: (S.DATE, S.INTERVIEWER, S.DURATION_MIN, S.WAVE),
            S.RATINGS: (S.IMPORTANCE, S.PERFORMANCE, S.COMPETITOR_PERFORMANCE),
            S.LOYALTY: (S.SATISFACTION, S.RECOMMEND, S.CONTINUE, S.INCREASE, S.SHARE_OF_WALLET),
            S.VERBATIMS: (S.VERBATIM_ID, S.INTERVIEW_ID, S.TOPIC, S.TEXT)}


@dataclass
class CaptureSheet:
    """One sheet of a capture workbook: its rows and which columns are typed in.

    Attributes
    ----------
    name
        Sheet (= table) name.
    frame
        Rows as written: contract columns and ``info: ...`` columns, in sheet order.
    inputs
        Columns typed in the field (unlocked, tinted, validated).
    input_rows
        Data rows whose input cells are open (at least the frame's rows).
    """

    name: str
    frame: pd.DataFrame
    inputs: tuple[str, ...]
    input_rows: int = 0


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _who(schedule: pd.DataFrame) -> dict[str, str]:
    return {str(r[S.INTERVIEW_ID]): ", ".join(x for x in (_text(r[P.CONTACT_NAME]), _text(r[S.TITLE])) if x)
            for r in schedule.to_dict("records")}


def _reference_sheets(a: Assessment, account_id: str) -> list[CaptureSheet]:
    mine = {S.ACCOUNTS: a.accounts, S.LOCATIONS: a.locations, S.CONTACTS: a.contacts}
    out = []
    for table in (S.ACCOUNTS, S.LOCATIONS, S.CONTACTS, S.COMPETITORS, S.NEEDS):
        frame = mine.get(table, a.tables.get(table))
        if frame is not None and table in mine:
            frame = frame[frame[S.ACCOUNT_ID].astype(str).eq(account_id).to_numpy()]
        rows = plain_frame(frame, table) if frame is not None else pd.DataFrame(columns=S.TABLES[table].column_names)
        inputs = tuple(c.name for c in S.TABLES[table].columns if c.kind not in _LOCKED_KINDS)
        out.append(CaptureSheet(table, rows, inputs, len(rows)))
    return out


def _interview_sheet(planned: pd.DataFrame, wave: str) -> CaptureSheet:
    who = _who(planned)
    rows = pd.DataFrame({
        S.INTERVIEW_ID: planned[S.INTERVIEW_ID].astype(str).tolist(),
        S.CONTACT_ID: planned[S.CONTACT_ID].astype(str).tolist(),
        INFO_INTERVIEWEE: [who[str(i)] for i in planned[S.INTERVIEW_ID]],
        INFO_SITE: [_text(s) for s in planned[S.SITE]],
        INFO_PLANNED: [pd.Timestamp(t).strftime("%a %Y-%m-%d %H:%M") for t in planned[P.START]],
        S.DATE: [pd.Timestamp(t).date() for t in planned[P.START]],
        S.INTERVIEWER: planned[S.INTERVIEWER].astype(str).tolist(),
        S.DURATION_MIN: [int(m) for m in planned[P.MINUTES]],
        S.WAVE: [wave] * len(planned),
    })
    return CaptureSheet(S.INTERVIEWS, rows, _ANSWERS[S.INTERVIEWS], len(rows))


def _ratings_sheet(a: Assessment, planned: pd.DataFrame) -> CaptureSheet:
    who = _who(planned)
    needs = a.needs if a.needs is not None else pd.DataFrame(columns=[S.NEED_ID, S.NEED_NAME])
    comps = a.competitors
    comp_list = [(str(c), _text(n)) for c, n in zip(comps[S.COMPETITOR_ID], comps[S.COMPETITOR_NAME])] \
        if comps is not None and len(comps) else [(None, "")]
    rows = []
    for iv in planned[S.INTERVIEW_ID].astype(str):
        for need, name in zip(needs[S.NEED_ID].astype(str), needs[S.NEED_NAME]):
            for comp, comp_name in comp_list:
                rows.append((iv, who[iv], need, _text(name), None, None, comp, comp_name, None))
    cols = [S.INTERVIEW_ID, INFO_INTERVIEWEE, S.NEED_ID, INFO_NEED, S.IMPORTANCE, S.PERFORMANCE, S.COMPETITOR_ID,
            INFO_COMPETITOR, S.COMPETITOR_PERFORMANCE]
    frame = pd.DataFrame(rows, columns=cols, dtype=object)
    return CaptureSheet(S.RATINGS, frame, _ANSWERS[S.RATINGS], len(frame))


def _loyalty_sheet(planned: pd.DataFrame) -> CaptureSheet:
    who = _who(planned)
    ids = planned[S.INTERVIEW_ID].astype(str).tolist()
    frame = pd.DataFrame({S.INTERVIEW_ID: ids, INFO_INTERVIEWEE: [who[i] for i in ids],
                          **{c: [None] * len(ids) for c in _ANSWERS[S.LOYALTY]}}, dtype=object)
    return CaptureSheet(S.LOYALTY, frame, _ANSWERS[S.LOYALTY], len(frame))


def capture_sheets(a: Assessment, account_id: str, schedule: pd.DataFrame, config: Config) -> list[CaptureSheet]:
    """The sheets of one account's capture workbook, as tables (what :func:`write_capture_workbook` writes).

    Parameters
    ----------
    a
        The assessment the plan was made from.
    account_id
        The account.
    schedule
        Output of :func:`~cra_helpers.planning.schedule.schedule_interviews`
        (its rows of other accounts are ignored).
    config
        Configuration (scales; unused here, taken for symmetry with the writer).

    Returns
    -------
    list of CaptureSheet
        In the order of :data:`SHEETS`.

    Raises
    ------
    CraError
        When the schedule holds no interview at the account.
    """
    account_id = str(account_id)
    planned = schedule[schedule[S.ACCOUNT_ID].astype(str).eq(account_id).to_numpy()].sort_values(P.START, kind="stable")
    if planned.empty:
        raise CraError(f"the schedule has no interview at account {account_id}: nothing to capture")
    wave = str(pd.Timestamp(planned[P.START].min()).year)
    verbatims = CaptureSheet(S.VERBATIMS, pd.DataFrame(columns=list(_ANSWERS[S.VERBATIMS])), _ANSWERS[S.VERBATIMS],
                             VERBATIM_ROWS_PER_INTERVIEW * len(planned))
    return [*_reference_sheets(a, account_id), _interview_sheet(planned, wave), _ratings_sheet(a, planned),
            _loyalty_sheet(planned), verbatims]


# ----------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------
def _validation(col: S.Column, config: Config, sheet_rows: dict[str, int], interviewers: tuple[str, ...]) -> Any:
    """The Excel data validation of one input column (``None`` when the column takes any text)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    common = dict(allow_blank=True, showErrorMessage=True, errorTitle=col.name)
    if col.kind == "category" or col.kind == "bool":
        choices = col.choices if col.kind == "category" else ("yes", "no")
        return DataValidation(type="list", formula1='"' + ",".join(choices or ()) + '"',
                              error=f"Choose one of: {', '.join(choices or ())}.", **common)
    if col.kind in ("number", "integer"):
        lo, hi = (config.scales[col.scale].min, config.scales[col.scale].max) if col.scale else (col.minimum, col.maximum)
        whole = col.kind == "integer" or (col.scale is not None and col.scale != S.SCALE_PERCENT)
        if lo is None and hi is None:
            return None
        op = "between" if lo is not None and hi is not None else ("greaterThanOrEqual" if lo is not None else "lessThanOrEqual")
        first = lo if lo is not None else hi
        label = col.scale and config.scales[col.scale].label
        text = f"A {'whole ' if whole else ''}number" + (f" from {lo:g} to {hi:g}" if op == "between" else f" {'≥' if lo is not None else '≤'} {first:g}")
        return DataValidation(type="whole" if whole else "decimal", operator=op, formula1=f"{first:g}",
                              formula2=f"{hi:g}" if op == "between" else None,
                              error=text + (f" ({label})" if label else "") + ".", **common)
    if col.kind == "date":
        return DataValidation(type="date", operator="greaterThan", formula1="1", error="A date (yyyy-mm-dd).", **common)
    if col.kind == "ref" and col.ref in sheet_rows:
        last = max(2, sheet_rows[col.ref] + 1)
        return DataValidation(type="list", formula1=f"{col.ref}!$A$2:$A${last}",
                              error=f"Choose {S.TABLES[col.ref].id_column} from sheet '{col.ref}'.", **common)
    if col.name == S.INTERVIEWER and interviewers:
        return DataValidation(type="list", formula1='"' + ",".join(interviewers) + '"', allow_blank=True,
                              showErrorMessage=True, errorStyle="information", errorTitle=col.name,
                              error="Not one of the planned interviewers; keep it if it is right.")
    return None


def _header(ws: Any, columns: list[str]) -> None:
    from openpyxl.styles import Alignment, Font

    for j, name in enumerate(columns, start=1):
        cell = write_text_safe(ws, 1, j, name)
        info = name.startswith(HELPER_PREFIX)
        cell.font = Font(bold=True, italic=info, color="666666" if info else None)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="top")


def _widths(ws: Any, frame: pd.DataFrame) -> None:
    from openpyxl.utils import get_column_letter

    for j, name in enumerate(frame.columns, start=1):
        lengths = [len(str(name)) + 2] + [len(str(v)) + 1 for v in frame[name].head(300) if v is not None]
        ws.column_dimensions[get_column_letter(j)].width = min(50, max(10, max(lengths)))


def _write_sheet(ws: Any, sheet: CaptureSheet, config: Config, sheet_rows: dict[str, int],
                 interviewers: tuple[str, ...]) -> None:
    """Cells, header, input tint and unlocking, validations, protection and print setup of one sheet."""
    from openpyxl.styles import Protection
    from openpyxl.utils import get_column_letter

    frame, table = sheet.frame, S.TABLES[sheet.name]
    _header(ws, list(frame.columns))
    for i, rec in enumerate(frame.itertuples(index=False, name=None), start=2):
        for j, value in enumerate(rec, start=1):
            write_text_safe(ws, i, j, value)
    last = 1 + max(sheet.input_rows, len(frame))
    open_cell = Protection(locked=False)
    for j, name in enumerate(frame.columns, start=1):
        if name not in sheet.inputs:
            continue
        col = table.column(name)
        letter = get_column_letter(j)
        dv = _validation(col, config, sheet_rows, interviewers)
        if dv is not None:
            dv.add(f"{letter}2:{letter}{last}")
            ws.add_data_validation(dv)
        for r in range(2, len(frame) + 2):
            cell = ws.cell(row=r, column=j)
            cell.protection, cell.fill = open_cell, INPUT_FILL
            if col.kind == "date":
                cell.number_format = "yyyy-mm-dd"
    _widths(ws, frame)
    ws.freeze_panes = "A2"
    if len(frame.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{max(2, len(frame) + 1)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if sheet.name != S.VERBATIMS:  # every verbatims cell is typed in: no protection there
        _protect(ws)


def _protect(ws: Any) -> None:
    """Sheet protection without a password; filters, sorting and column widths stay usable."""
    p = ws.protection
    p.sheet = True
    p.autoFilter = p.sort = p.formatColumns = p.formatRows = False
    p.selectLockedCells = p.selectUnlockedCells = False


_HOW_TO = (
    "Type answers in the tinted cells only. Ids and references are protected (Review › Unprotect Sheet lifts it; "
    "there is no password); a name changed here is checked against the assessment by cra merge.",
    "interviews: correct date, interviewer and duration_min to what happened; wave is the assessment wave.",
    "ratings: one row per need and competitor. Type the need's importance and performance on every competitor row the "
    "interviewee rates, and that competitor's performance; leave the rows of competitors the interviewee does not know "
    "blank. When no competitor is rated, type importance and performance on the need's first row. A rating the "
    "interviewee did not give stays empty.",
    "loyalty: one row per interview (satisfaction, recommend, continue, increase, share of wallet).",
    "verbatims: one row per remark — a verbatim_id unique in the whole assessment (the interview id, a dash and a "
    "number: IV-C0001-1, IV-C0001-2 …), the interview from the drop-down, the question or topic, the remark as said.",
    "Rows left blank are read as not asked and an interview left blank everywhere as not held: both are left out and "
    "counted in the notes of cra validate. An importance or performance given on one competitor row of a need but "
    "missing or different on another is reported as a skipped answer.",
    "Columns headed 'info: ...' show names beside the ids; they are not read.",
    "Check the workbook with: cra validate <this file>. Combine the workbooks of all interviewers with: "
    "cra merge <capture files> --base <assessment> --out <merged assessment>.",
)


def _write_readme(ws: Any, a: Assessment, account_id: str, sheets: list[CaptureSheet], config: Config) -> None:
    from openpyxl.styles import Alignment, Font

    ws.title = README_SHEET
    name = a.account_names().get(account_id, account_id)
    planned = sheets[SHEETS.index(S.INTERVIEWS)].frame
    write_text_safe(ws, 1, 1, f"CRA capture workbook — {name} ({account_id})").font = Font(bold=True, size=14)
    dates = planned[S.DATE]
    write_text_safe(ws, 2, 1, f"{len(planned)} interviews planned from {min(dates).isoformat()} to "
                              f"{max(dates).isoformat()}; written by cra plan on {dt.date.today().isoformat()}.")
    write_text_safe(ws, 4, 1, "How to fill it in").font = Font(bold=True)
    row = 5
    for k, text in enumerate(_HOW_TO, start=1):
        write_text_safe(ws, row, 1, f"{k}.")
        write_text_safe(ws, row, 2, text).alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    row += 1
    for j, head in enumerate(("scale", "min", "max", "meaning"), start=1):
        write_text_safe(ws, row, j, head).font = Font(bold=True)
    for scale_name, scale in config.scales.items():
        row += 1
        for j, value in enumerate((scale_name, scale.min, scale.max, scale.label), start=1):
            write_text_safe(ws, row, j, value)
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 110
    ws.column_dimensions["C"].width = 8
    ws.column_dimensions["D"].width = 60


def write_capture_workbook(a: Assessment, account_id: str, schedule: pd.DataFrame, path: str | Path,
                           config: Config) -> Path:
    """Write the pre-filled capture workbook of one account.

    Parameters
    ----------
    a
        The assessment the plan was made from (account, sites, contacts,
        competitors, needs).
    account_id
        The account.
    schedule
        Output of :func:`~cra_helpers.planning.schedule.schedule_interviews`
        holding this account's interviews (other accounts' rows are ignored).
    path
        Workbook to write (``.xlsx``); parent folders are created; written to
        a temporary file beside it first, then renamed.
    config
        Scales (validations), planning interviewers (drop-down).

    Returns
    -------
    Path
        The workbook: a README sheet, then the sheets of :data:`SHEETS`.
        ``cra validate`` reads it as it is, and again once the answers are typed.

    Raises
    ------
    CraError
        When the schedule holds no interview at the account.
    """
    import os

    from openpyxl import Workbook
    from openpyxl.workbook.defined_name import DefinedName

    account_id = str(account_id)
    sheets = capture_sheets(a, account_id, schedule, config)
    wb = Workbook()
    _write_readme(wb.active, a, account_id, sheets, config)
    rows = {s.name: len(s.frame) for s in sheets}
    for sheet in sheets:
        _write_sheet(wb.create_sheet(sheet.name), sheet, config, rows, tuple(config.planning.schedule.interviewers))
    marker = account_id.replace('"', '""')
    wb.defined_names[CAPTURE_MARKER] = DefinedName(CAPTURE_MARKER, attr_text=f'"{marker}"')
    wb.properties.title = f"CRA capture workbook {account_id}"
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        wb.save(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out
