"""load_assessment: typing, tolerance, every fault reported in plain words with the user's row numbers."""

from __future__ import annotations

import datetime as dt
import math
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from .conftest import append_row, build_valid_tables, excel_row, rename_column, set_cell, write_csv_folder, write_xlsx

from cra_helpers import cli
from cra_helpers import schema as S
from cra_helpers.assessment import ACCOUNT_NAME_LABEL, Assessment, MissingTablesError, explode_list, split_list
from cra_helpers.config import load_config
from cra_helpers.loader import (
    ACCEPTED,
    MAX_LISTED,
    AssessmentError,
    assessment_from_frames,
    load_assessment,
    write_template,
)


# ----------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------
def problems_of(path: Path, **kw) -> AssessmentError:
    with pytest.raises(AssessmentError) as exc:
        load_assessment(path, **kw)
    return exc.value


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``cra`` in-process; return (exit code, stdout, stderr)."""
    code = 0
    try:
        cli.main(args)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def assert_rejected(path: Path, capsys: pytest.CaptureFixture[str], *fragments: str) -> AssessmentError:
    """The loader raises with every fragment in the message; ``cra validate`` exits 2 without a traceback."""
    error = problems_of(path)
    text = str(error)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    code, out, err = run_cli(["validate", str(path)], capsys)
    assert code == 2
    assert "Traceback" not in out + err
    for fragment in fragments:
        assert fragment in err
    return error


def only_problem(error: AssessmentError):
    assert len(error.problems) == 1, str(error)
    return error.problems[0]


def comparable(value):
    """Cell value in a form shared by the fixture and the loaded frame."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date()
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if hasattr(value, "item"):  # numpy scalars
        return comparable(value.item())
    return str(value)


# ----------------------------------------------------------------------
# Round trips and typing
# ----------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_round_trip_keeps_every_value(write, tables, fmt):
    assessment = load_assessment(write(tables, fmt=fmt))
    assert set(assessment.tables) == set(S.TABLE_ORDER)
    assert assessment.absent == []
    for name, expected in build_valid_tables().items():
        loaded = assessment.tables[name]
        assert list(loaded.columns) == S.TABLES[name].column_names
        rows = [excel_row(i) for i in range(len(expected))]
        if fmt == "csv" and name == S.VERBATIMS:
            rows = [2, 4, 5, 6, 7, 8]  # V01's text spans lines 2-3
        assert list(loaded.index) == rows
        for column in expected.columns:
            got = [comparable(v) for v in loaded[column].astype(object)]
            want = [comparable(v) for v in expected[column]]
            assert got == want, (name, column)


def test_columns_are_typed_by_kind(write, tables):
    assessment = load_assessment(write(tables))
    for name, frame in assessment.tables.items():
        for col in S.TABLES[name].columns:
            dtype = frame[col.name].dtype
            if col.kind in ("id", "ref", "text", "list", "period"):
                assert dtype == "string", (name, col.name, dtype)
            elif col.kind == "number":
                assert dtype == "float64", (name, col.name, dtype)
            elif col.kind == "integer":
                assert dtype == "Int64", (name, col.name, dtype)
            elif col.kind == "bool":
                assert dtype == "boolean", (name, col.name, dtype)
            elif col.kind == "date":
                assert pd.api.types.is_datetime64_dtype(dtype), (name, col.name, dtype)
            elif col.kind == "category":
                assert isinstance(dtype, pd.CategoricalDtype) and dtype.ordered
                assert list(dtype.categories) == list(col.choices), (name, col.name)


def test_tolerant_headers_categories_bools_dates_and_numeric_ids(write, tables):
    set_cell(tables, S.ACCOUNTS, 2, S.RELATIONSHIP_TYPE, "Sales_Partner")
    set_cell(tables, S.CONTACTS, 0, S.DECISION_ROLE, "Decision maker")
    set_cell(tables, S.CONTACTS, 3, S.DECISION_ROLE, "decision_maker")
    set_cell(tables, S.CONTACTS, 1, S.LEVEL, " MANAGEMENT ")
    set_cell(tables, S.ACCOUNTS, 0, S.KEY_ACCOUNT, "Y")
    set_cell(tables, S.ACCOUNTS, 1, S.KEY_ACCOUNT, 0)
    set_cell(tables, S.ACCOUNTS, 2, S.KEY_ACCOUNT, "TRUE")
    set_cell(tables, S.INTERVIEWS, 0, S.DATE, "2026-03-02")
    set_cell(tables, S.SALES_HISTORY, 2, S.PERIOD, "2025-q1")
    set_cell(tables, S.SALES_HISTORY, 0, S.PERIOD, 2024)  # an Excel number
    # Ids typed as numbers in Excel are read as text without ".0".
    set_cell(tables, S.NEEDS, 0, S.NEED_ID, 1001)
    for i in range(len(tables[S.RATINGS])):
        if tables[S.RATINGS].at[i, S.NEED_ID] == "N01":
            set_cell(tables, S.RATINGS, i, S.NEED_ID, 1001.0)
    rename_column(tables, S.ACCOUNTS, S.ACCOUNT_ID, "  Account ID ")
    rename_column(tables, S.ACCOUNTS, S.RELATIONSHIP_TYPE, "Relationship-Type")
    a = load_assessment(write(tables))
    assert list(a.accounts[S.RELATIONSHIP_TYPE].astype(str)) == ["customer", "prospect", "sales partner"]
    assert list(a.accounts[S.KEY_ACCOUNT]) == [True, False, True]
    assert list(a.contacts[S.DECISION_ROLE].astype(str))[0] == "decision-maker"
    assert list(a.contacts[S.DECISION_ROLE].astype(str))[3] == "decision-maker"
    assert a.contacts[S.LEVEL].iloc[1] == "management"
    assert a.interviews[S.DATE].iloc[0] == pd.Timestamp("2026-03-02")
    assert list(a.sales_history[S.PERIOD]) == ["2024", "2025", "2025-Q1", "2025-07"]
    assert a.needs[S.NEED_ID].iloc[0] == "1001"
    assert (a.ratings[S.NEED_ID] == "1001").sum() == 6


def test_csv_without_bom_semicolon_separated_and_multiline_text(tmp_path, tables):
    folder = write_csv_folder(tables, tmp_path / "csv", bom=False)
    acc = folder / "accounts.csv"
    # Excel in many European locales saves with ';' as separator.
    frame = pd.read_csv(acc, dtype=str, keep_default_na=False)
    frame.to_csv(acc, sep=";", index=False)
    a = load_assessment(folder)
    assert list(a.accounts[S.ACCOUNT_ID]) == ["A001", "A002", "A003"]
    assert a.accounts[S.PRODUCTS].iloc[0] == "Pumps; Valves"
    assert a.verbatims[S.TEXT].iloc[0] == "Deliveries are late,\noften by a week."


def test_csv_line_numbers_count_multiline_cells(write, tables, capsys):
    # V01's text spans lines 2-3, so verbatim index 2 is on line 5.
    set_cell(tables, S.VERBATIMS, 2, S.INTERVIEW_ID, "I99")
    error = assert_rejected(
        write(tables, fmt="csv"), capsys,
        "file 'verbatims.csv', line 5, column 'interview_id': 'I99' — expected an interview_id listed in file 'interviews.csv'",
    )
    assert only_problem(error).row == 5


def test_extra_columns_kept_readme_and_unknown_sheets_noted(write, tables):
    tables[S.ACCOUNTS]["Account Owner"] = ["Kim", None, "Lee"]
    a = load_assessment(write(tables, extra_sheets={"README": [["anything"]], "Scratch notes": [["x", 1]]}))
    assert list(a.accounts.columns)[-1] == "account_owner"
    assert list(a.accounts["account_owner"].astype(object))[::2] == ["Kim", "Lee"]
    notes = "\n".join(a.notes)
    assert "extra column 'Account Owner' kept" in notes
    assert "sheet 'Scratch notes' is not part of the data contract; ignored" in notes
    assert "README" not in notes


def test_extra_column_close_to_a_contract_column_is_suggested(write, tables):
    ratings = tables[S.RATINGS]
    tables[S.RATINGS] = ratings[ratings[S.COMPETITOR_ID].isna()].drop(columns=[S.COMPETITOR_PERFORMANCE])
    rename_column(tables, S.RATINGS, S.COMPETITOR_ID, "Competitor-Idd")
    a = load_assessment(write(tables))
    assert "extra column 'Competitor-Idd' kept (not in the data contract) — did you mean 'competitor_id'?" in "\n".join(a.notes)


def test_tables_argument_restricts_reading(write, tables):
    a = load_assessment(write(tables), tables=[S.CONTACTS])
    assert set(a.tables) == {S.ACCOUNTS, S.CONTACTS}  # accounts is always read
    with pytest.raises(ValueError, match="unknown table"):
        load_assessment(write(tables), tables=["rating"])


def test_absent_optional_tables_are_recorded(write, tables):
    for name in (S.SALES_HISTORY, S.VERBATIMS, S.LOYALTY):
        del tables[name]
    a = load_assessment(write(tables))
    assert a.absent == [S.SALES_HISTORY, S.LOYALTY, S.VERBATIMS]
    assert a.sales_history is None and not a.has(S.LOYALTY)
    assert "absent: sales_history, loyalty, verbatims" in repr(a)


def test_accounts_alone_is_enough(write, tables):
    a = load_assessment(write({S.ACCOUNTS: tables[S.ACCOUNTS]}))
    assert list(a.tables) == [S.ACCOUNTS]
    assert len(a.absent) == len(S.TABLE_ORDER) - 1


def test_assessment_from_frames_validates_like_a_workbook(tables):
    assert assessment_from_frames(tables).has(*S.TABLE_ORDER)
    set_cell(tables, S.RATINGS, 0, S.PERFORMANCE, 0)
    with pytest.raises(AssessmentError, match=r"sheet 'ratings', row 2, column 'performance': 0 — expected a number from 1 to 10"):
        assessment_from_frames(tables)


# ----------------------------------------------------------------------
# One test per fault: exact location, value and wording; `cra validate` exits 2
# ----------------------------------------------------------------------
@pytest.mark.parametrize("fmt, fragment", [
    ("xlsx", "file 'assessment.xlsx': missing sheet 'accounts' — expected a sheet named 'accounts'"),
    ("csv", "folder 'assessment_csv': missing file 'accounts.csv' — expected a file named 'accounts.csv'"),
])
def test_missing_required_sheet(write, tables, capsys, fmt, fragment):
    del tables[S.ACCOUNTS]
    error = assert_rejected(write(tables, fmt=fmt), capsys, fragment)
    assert only_problem(error).row is None


@pytest.mark.parametrize("fmt, fragments", [
    ("xlsx", ("missing sheet 'accounts'", "found sheet 'Acounts' — did you mean 'accounts'?")),
    ("csv", ("missing file 'accounts.csv'", "found file 'Acounts.csv' — did you mean 'accounts'?")),
])
def test_missing_required_sheet_with_close_name_is_suggested(write, tables, capsys, fmt, fragments):
    tables["Acounts"] = tables.pop(S.ACCOUNTS)
    assert_rejected(write(tables, fmt=fmt), capsys, *fragments)


def test_missing_required_column(write, tables, capsys):
    tables[S.RATINGS] = tables[S.RATINGS].drop(columns=[S.IMPORTANCE])
    error = assert_rejected(
        write(tables), capsys,
        "sheet 'ratings': missing column 'importance' — expected a column headed 'importance' in the header row",
    )
    p = only_problem(error)
    assert (p.sheet, p.column) == ("ratings", S.IMPORTANCE)
    assert "did you mean" not in p.message


def test_close_column_name_suggests_the_contract_name(write, tables, capsys):
    rename_column(tables, S.RATINGS, S.IMPORTANCE, "Importnce")
    error = assert_rejected(write(tables), capsys, "missing column 'importance'", "found 'Importnce' — did you mean 'importance'?")
    assert only_problem(error).column == S.IMPORTANCE


def test_rating_outside_its_scale(write, tables, capsys):
    row = set_cell(tables, S.RATINGS, 3, S.IMPORTANCE, 12)
    error = assert_rejected(
        write(tables), capsys,
        f"sheet 'ratings', row {row}, column 'importance': 12 — expected a number from 1 to 10 (scale 'importance')",
    )
    p = only_problem(error)
    assert (p.sheet, p.row, p.column, p.value) == ("ratings", 5, S.IMPORTANCE, 12)


def test_scale_bounds_come_from_configuration(write, tables):
    set_cell(tables, S.RATINGS, 3, S.IMPORTANCE, 12)
    cfg = load_config(scales={"importance": {"min": 0, "max": 100}})
    a = load_assessment(write(tables), config=cfg)
    assert a.ratings[S.IMPORTANCE].max() == 12
    set_cell(tables, S.RATINGS, 3, S.IMPORTANCE, 101)
    assert "expected a number from 0 to 100 (scale 'importance')" in str(problems_of(write(tables), config=cfg))


def test_text_in_numeric_column(write, tables, capsys):
    row = set_cell(tables, S.LOYALTY, 1, S.SATISFACTION, "high")
    error = assert_rejected(
        write(tables), capsys,
        f"sheet 'loyalty', row {row}, column 'satisfaction': 'high' — expected a number from 1 to 10 (scale 'satisfaction')",
    )
    assert only_problem(error).value == "high"


def test_duplicate_id(write, tables, capsys):
    row = append_row(tables, S.ACCOUNTS, like=1)
    error = assert_rejected(
        write(tables), capsys,
        f"sheet 'accounts', row {row}, column 'account_id': 'A002' — expected a unique account_id; 'A002' is already used in row 3",
    )
    assert only_problem(error).row == 5


def test_reference_to_missing_id(write, tables, capsys):
    row = set_cell(tables, S.INTERVIEWS, 1, S.CONTACT_ID, "C99")
    error = assert_rejected(
        write(tables), capsys,
        f"sheet 'interviews', row {row}, column 'contact_id': 'C99' — expected a contact_id listed in sheet 'contacts'",
    )
    assert only_problem(error).row == 3


def _empty_workbook(path: Path) -> Path:
    from openpyxl import Workbook

    Workbook().save(path)
    return path


@pytest.mark.parametrize("make, fragment", [
    (lambda d: (d / "empty.xlsx").write_bytes(b"") or d / "empty.xlsx", "file 'empty.xlsx': empty file (0 bytes) — expected " + ACCEPTED),
    (lambda d: _empty_workbook(d / "blank.xlsx"), "file 'blank.xlsx': empty workbook: no sheet has any cells — expected " + ACCEPTED),
    (lambda d: (d / "nothing").mkdir() or d / "nothing", "folder 'nothing': empty folder: no .csv files — expected " + ACCEPTED),
], ids=["zero-bytes", "workbook-without-cells", "empty-folder"])
def test_empty_file(tmp_path, capsys, make, fragment):
    error = assert_rejected(make(tmp_path), capsys, fragment)
    assert only_problem(error).sheet is None


def test_empty_csv_file_in_folder(write, tables, capsys):
    folder = write(tables, fmt="csv")
    (folder / "ratings.csv").write_bytes(b"")
    error = assert_rejected(folder, capsys, "file 'ratings.csv': empty file (0 bytes)")
    assert only_problem(error).file.endswith("ratings.csv")


def _docx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return path


@pytest.mark.parametrize("name, content, what", [
    ("report.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
    ("notes.xlsx", b"account_id,name\nA001,Acme\n", "a text file, not a workbook"),
    ("letter.docx", None, "a Word document"),
    ("data.txt", b"hello", "a text file, not a workbook"),
    ("accounts.csv", b"account_id,name\nA001,Acme\n", "a single CSV file; give the folder that holds the <table>.csv files"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a legacy Office file"),
], ids=["pdf-named-xlsx", "text-named-xlsx", "docx", "txt", "single-csv", "xls"])
def test_wrong_file_type(tmp_path, capsys, name, content, what):
    path = tmp_path / name
    if content is None:
        _docx(path)
    else:
        path.write_bytes(content)
    error = assert_rejected(path, capsys, f"file '{name}': {what}", "expected an Excel workbook (.xlsx, one sheet per table) or a folder of CSV UTF-8 files")
    assert only_problem(error).file == str(path)


def test_missing_path(tmp_path, capsys):
    assert_rejected(tmp_path / "nope.xlsx", capsys, "file 'nope.xlsx': not found")


def test_non_utf8_csv(write, tables, capsys):
    folder = write(tables, fmt="csv")
    path = folder / "verbatims.csv"
    # Saved by Excel as "CSV (comma delimited)" in Windows-1252: 'è' is byte 0xE8.
    path.write_bytes(path.read_text(encoding="utf-8-sig").encode("cp1252"))
    error = assert_rejected(folder, capsys, "file 'verbatims.csv', line 7: not UTF-8 text (byte 0xE8 on line 7)", 'CSV UTF-8')
    p = only_problem(error)
    assert p.file == str(path) and p.row is None


def test_csv_row_with_unquoted_separator(write, tables, capsys):
    folder = write(tables, fmt="csv")
    path = folder / "needs.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines[2] = "N02,Product quality,Product,good, solid, durable"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert_rejected(folder, capsys, "file 'needs.csv', line 3: 6 values but the header has 4 columns — expected one value per column (4)")


def test_corrupt_workbook_names_the_file(tmp_path, capsys):
    path = tmp_path / "broken.xlsx"
    good = write_xlsx(build_valid_tables(), tmp_path / "good.xlsx").read_bytes()
    path.write_bytes(good[: len(good) // 2])  # truncated download
    assert_rejected(path, capsys, "file 'broken.xlsx': ")


# Further faults: (mutation, expected line in the message).
FAULTS = {
    "invalid-category": (lambda t: set_cell(t, S.CONTACTS, 2, S.LEVEL, "boss"),
                         "sheet 'contacts', row 4, column 'level': 'boss' — expected one of: executive, management, operational"),
    "invalid-bool": (lambda t: set_cell(t, S.ACCOUNTS, 1, S.KEY_ACCOUNT, "maybe"),
                     "sheet 'accounts', row 3, column 'key_account': 'maybe' — expected yes or no"),
    "invalid-date": (lambda t: set_cell(t, S.INTERVIEWS, 2, S.DATE, "03/09/2026"),
                     "sheet 'interviews', row 4, column 'date': '03/09/2026' — expected a date (an Excel date cell or YYYY-MM-DD text)"),
    "invalid-period": (lambda t: set_cell(t, S.SALES_HISTORY, 2, S.PERIOD, "2025-13"),
                       "sheet 'sales_history', row 4, column 'period': '2025-13' — expected a period written YYYY, YYYY-Qn or YYYY-MM"),
    "non-integer": (lambda t: set_cell(t, S.ACCOUNTS, 2, S.REFERRALS, 2.5),
                    "sheet 'accounts', row 4, column 'referrals': 2.5 — expected a whole number of 0 or more"),
    "outside-fixed-bounds": (lambda t: set_cell(t, S.ACCOUNTS, 2, S.GROSS_MARGIN, 150),
                             "sheet 'accounts', row 4, column 'gross_margin_pct': 150 — expected a number from -100 to 100"),
    "negative-revenue": (lambda t: set_cell(t, S.ACCOUNTS, 0, S.REVENUE, -5),
                         "sheet 'accounts', row 2, column 'revenue': -5 — expected a number of 0 or more"),
    "empty-required-value": (lambda t: set_cell(t, S.ACCOUNTS, 0, S.ACCOUNT_NAME, "  "),
                             "sheet 'accounts', row 2, column 'name': empty — expected a value (this column may not be empty)"),
    "empty-id": (lambda t: append_row(t, S.NEEDS, like=1, **{S.NEED_ID: None}),
                 "sheet 'needs', row 5, column 'need_id': empty — expected a unique id (this column may not be empty)"),
    "duplicate-composite-key": (lambda t: append_row(t, S.RATINGS, like=0),
                                "sheet 'ratings', row 19, columns 'interview_id', 'need_id', 'competitor_id': 'I01' / 'N01' / empty — "
                                "expected a unique combination of interview_id, need_id, competitor_id; the same combination is in row 2"),
    "location-of-other-account": (lambda t: set_cell(t, S.CONTACTS, 4, S.LOCATION_ID, "L01"),
                                  "sheet 'contacts', row 6, column 'location_id': 'L01' — expected a location of account 'A003'; "
                                  "location 'L01' belongs to account 'A001'"),
    "competitor-rating-without-competitor": (lambda t: set_cell(t, S.RATINGS, 5, S.COMPETITOR_PERFORMANCE, 7),
                                             "sheet 'ratings', row 7, column 'competitor_performance': 7 — expected an empty cell when competitor_id is empty"),
    "accounts-without-rows": (lambda t: t.update({S.ACCOUNTS: t[S.ACCOUNTS].iloc[0:0]}) or [t.pop(n) for n in list(t) if n != S.ACCOUNTS],
                              "sheet 'accounts': no data rows — expected at least one account below the header row"),
    "reference-to-absent-table": (lambda t: t.pop(S.LOCATIONS),
                                  "sheet 'contacts': 5 row(s) give a location_id (first in row 2) but there is no 'locations' sheet — "
                                  "expected a 'locations' sheet listing them, or empty location_id cells"),
    "duplicate-column": (lambda t: t.update({S.NEEDS: pd.concat([t[S.NEEDS], t[S.NEEDS][[S.NEED_NAME]].rename(columns={S.NEED_NAME: "Name"})], axis=1)}),
                         "sheet 'needs': column 'name' appears twice — expected each column once (columns B and E both read 'name')"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_further_faults(write, tables, capsys, fault):
    mutate, line = FAULTS[fault]
    mutate(tables)
    error = assert_rejected(write(tables), capsys, line)
    assert len(error.problems) == 1, str(error)


# ----------------------------------------------------------------------
# Row numbers, collecting everything, long lists
# ----------------------------------------------------------------------
def test_row_numbers_survive_a_blank_row_in_the_middle(write, tables, capsys):
    from openpyxl import load_workbook

    set_cell(tables, S.RATINGS, 8, S.PERFORMANCE, 11)
    path = write(tables, blank_rows={S.RATINGS: [5]})  # empty Excel row 7
    row = excel_row(8, blank_rows_before=1)
    assert row == 11
    # What the user sees in Excel: row 7 empty, the bad value in row 11 of column D.
    ws = load_workbook(path)[S.RATINGS]
    assert all(c.value is None for c in ws[7])
    assert ws.cell(row=row, column=S.TABLES[S.RATINGS].column_names.index(S.PERFORMANCE) + 1).value == 11
    error = assert_rejected(path, capsys, "sheet 'ratings', row 11, column 'performance': 11 — expected a number from 1 to 10 (scale 'performance')")
    assert only_problem(error).row == 11

    set_cell(tables, S.RATINGS, 8, S.PERFORMANCE, 6)
    a = load_assessment(write(tables, blank_rows={S.RATINGS: [5, 9]}))
    assert len(a.ratings) == len(tables[S.RATINGS])  # no row dropped
    assert "sheet 'ratings': 2 blank rows ignored (rows 7, 12)" in a.notes
    assert a.ratings.index[5] == 8 and a.ratings.index[-1] == len(tables[S.RATINGS]) + 3


def test_row_numbers_when_the_table_does_not_start_at_a1(tmp_path, tables, capsys):
    from openpyxl import Workbook

    set_cell(tables, S.ACCOUNTS, 1, S.REVENUE, "n/a")
    wb = Workbook()
    ws = wb.active
    ws.title = S.ACCOUNTS
    ws.append([])  # row 1 left empty, table starts at B2
    for row in [list(tables[S.ACCOUNTS].columns), *tables[S.ACCOUNTS].itertuples(index=False, name=None)]:
        ws.append([None, *row])
    wb.save(tmp_path / "offset.xlsx")
    error = assert_rejected(tmp_path / "offset.xlsx", capsys, "sheet 'accounts', row 4, column 'revenue': 'n/a' — expected a number of 0 or more")
    assert only_problem(error).row == 4


def test_all_problems_are_reported_at_once(write, tables, capsys):
    set_cell(tables, S.RATINGS, 3, S.IMPORTANCE, 12)
    set_cell(tables, S.CONTACTS, 2, S.LEVEL, "boss")
    error = assert_rejected(
        write(tables), capsys,
        "2 problem(s) in ",
        "sheet 'contacts', row 4, column 'level': 'boss'",
        "sheet 'ratings', row 5, column 'importance': 12",
    )
    assert [(p.sheet, p.row, p.column) for p in error.problems] == [("contacts", 4, S.LEVEL), ("ratings", 5, S.IMPORTANCE)]
    assert str(error).startswith(f"2 problem(s) in {error.source}:\n")


def test_more_than_fifty_problems_are_summarised(write, tables):
    n = 0
    for table, columns in ((S.RATINGS, (S.IMPORTANCE, S.PERFORMANCE)), (S.LOYALTY, (S.SATISFACTION, S.RECOMMEND, S.CONTINUE, S.INCREASE, S.SHARE_OF_WALLET))):
        for i in range(len(tables[table])):
            for column in columns:
                set_cell(tables, table, i, column, "x")
                n += 1
    assert n > MAX_LISTED
    error = problems_of(write(tables))
    assert len(error.problems) == n
    lines = str(error).splitlines()
    assert lines[0].startswith(f"{n} problem(s) in ")
    assert len(lines) == 1 + MAX_LISTED + 1
    assert lines[-1] == f"  ... and {n - MAX_LISTED} more"


def test_missing_accounts_still_checks_other_sheets(write, tables):
    del tables[S.ACCOUNTS]
    set_cell(tables, S.RATINGS, 0, S.IMPORTANCE, 0)
    error = problems_of(write(tables))
    assert [p.sheet for p in error.problems] == [None, S.RATINGS]


# ----------------------------------------------------------------------
# Template
# ----------------------------------------------------------------------
def test_template_round_trip(tmp_path, capsys, config):
    path = tmp_path / "template.xlsx"
    code, out, _ = run_cli(["template", "--out", str(path)], capsys)
    assert code == 0 and out.strip() == str(path)
    error = problems_of(path)
    p = only_problem(error)
    assert (p.sheet, p.row, p.column) == (S.ACCOUNTS, None, None)
    assert p.message == "sheet 'accounts': no data rows — expected at least one account below the header row"

    from openpyxl import load_workbook

    wb = load_workbook(path)
    assert wb.sheetnames == ["README", *S.TABLE_ORDER]
    for name, table in S.TABLES.items():
        ws = wb[name]
        assert [c.value for c in ws[1]] == table.column_names
        assert all(c.font.bold for c in ws[1]) and ws.freeze_panes == "A2"
    readme = "\n".join(" | ".join(str(v) for v in row if v is not None) for row in wb["README"].iter_rows(values_only=True))
    assert "relationship_type | category" in readme and "sales partner" in readme
    assert "from 1 to 10 (scale 'importance')" in readme

    ws = wb[S.ACCOUNTS]
    ws.append(["A1", "Acme", "customer", "active", None, None, None, None, None, 10.0, None, None, None, None, None, "yes"])
    wb.save(path)
    a = load_assessment(path)
    assert len(a.accounts) == 1 and a.absent == []
    assert all(len(a.tables[n]) == 0 for n in S.TABLE_ORDER if n != S.ACCOUNTS)
    assert isinstance(a.contacts[S.LEVEL].dtype, pd.CategoricalDtype)
    assert "sheet 'ratings' has a header but no data rows" in a.notes


def test_write_template_returns_path(tmp_path):
    out = write_template(tmp_path / "sub" / "t.xlsx")
    assert out == tmp_path / "sub" / "t.xlsx" and out.is_file()


# ----------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------
def test_cli_validate_valid_assessment_prints_summary(write, tables, capsys):
    code, out, err = run_cli(["validate", str(write(tables))], capsys)
    assert code == 0 and err == ""
    assert "ratings" in out and "17 rows" in out


def test_console_script_reports_without_traceback(write, tables):
    exe = Path(sys.executable).with_name("cra")
    if not exe.exists():
        pytest.skip("console script not installed")
    set_cell(tables, S.RATINGS, 3, S.IMPORTANCE, 12)
    proc = subprocess.run([str(exe), "validate", str(write(tables))], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "sheet 'ratings', row 5, column 'importance': 12 — expected a number from 1 to 10" in proc.stderr


# ----------------------------------------------------------------------
# The Assessment object
# ----------------------------------------------------------------------
@pytest.fixture
def assessment(write, tables) -> Assessment:
    return load_assessment(write(tables))


def _assert_consistent(a: Assessment) -> None:
    """No reference points at a row that is not in the assessment."""
    for name, frame in a.tables.items():
        for col in S.TABLES[name].columns:
            if col.ref and col.ref in a.tables and col.name in frame.columns:
                target = set(a.tables[col.ref][S.TABLES[col.ref].id_column])
                assert set(frame[col.name].dropna()) <= target, (name, col.name)


def test_table_properties_has_missing_require(assessment):
    for name in S.TABLE_ORDER:
        assert getattr(assessment, name) is assessment.tables[name]
    assert assessment.has(S.ACCOUNTS, S.RATINGS)
    partial = Assessment({S.ACCOUNTS: assessment.accounts}, assessment.config, assessment.source)
    assert partial.missing(S.RATINGS, S.ACCOUNTS, S.NEEDS) == [S.RATINGS, S.NEEDS]
    partial.require(S.ACCOUNTS, step="prioritization")
    with pytest.raises(MissingTablesError, match=r"The needs analysis step needs the table\(s\) 'ratings', 'needs'"):
        partial.require(S.RATINGS, S.NEEDS, step="needs analysis")
    with pytest.raises(MissingTablesError):
        partial.respondents()


def test_respondents_and_joined_views(assessment):
    resp = assessment.respondents()
    assert len(resp) == len(assessment.interviews)
    assert list(resp.columns[: len(assessment.interviews.columns)]) == list(assessment.interviews.columns)
    row = resp.set_index(S.INTERVIEW_ID).loc["I02"]
    assert (row[S.ACCOUNT_ID], row[S.LOCATION_ID], row[S.LEVEL], row[S.DEPARTMENT], row[S.DECISION_ROLE]) == (
        "A001", "L02", "management", "Quality", "influencer")
    assert (row[ACCOUNT_NAME_LABEL], row[S.SITE]) == ("Acme Chemicals", "Plant South")

    rat = assessment.ratings_by_respondent()
    assert len(rat) == len(assessment.ratings)
    assert {S.ACCOUNT_ID, S.LOCATION_ID, S.LEVEL, S.DEPARTMENT, S.DECISION_ROLE, S.WAVE} <= set(rat.columns)
    assert isinstance(rat[S.LEVEL].dtype, pd.CategoricalDtype)
    assert set(rat.loc[rat[S.INTERVIEW_ID] == "I04", S.ACCOUNT_ID]) == {"A003"}
    loy = assessment.loyalty_by_respondent()
    assert list(loy[S.WAVE]) == ["2026", "2026", "2026", "2025", "2025"]


def test_filter_by_account_is_consistent(assessment):
    sub = assessment.filter(accounts=["A001"])
    _assert_consistent(sub)
    assert list(sub.accounts[S.ACCOUNT_ID]) == ["A001"]
    assert set(sub.locations[S.LOCATION_ID]) == {"L01", "L02"}
    assert set(sub.contacts[S.CONTACT_ID]) == {"C01", "C02"}
    assert set(sub.interviews[S.INTERVIEW_ID]) == {"I01", "I02"}
    assert set(sub.ratings[S.INTERVIEW_ID]) == {"I01", "I02"} and len(sub.ratings) == 7
    assert set(sub.verbatims[S.VERBATIM_ID]) == {"V01", "V02", "V03"}
    assert list(sub.sales_history[S.PERIOD]) == ["2024", "2025"]
    assert len(sub.needs) == 3 and len(sub.competitors) == 2  # reference data kept whole
    assert len(assessment.accounts) == 3  # the original is untouched
    assert "filtered to accounts A001" in sub.notes


def test_filter_by_location_and_wave(assessment):
    sub = assessment.filter(locations="L03")
    _assert_consistent(sub)
    assert list(sub.accounts[S.ACCOUNT_ID]) == ["A002"]
    assert list(sub.contacts[S.CONTACT_ID]) == ["C03"]  # C04 has no location
    assert list(sub.interviews[S.INTERVIEW_ID]) == ["I03"]
    sub = assessment.filter(waves=[2025])
    _assert_consistent(sub)
    assert set(sub.interviews[S.INTERVIEW_ID]) == {"I04", "I05"}
    assert set(sub.loyalty[S.INTERVIEW_ID]) == {"I04", "I05"}
    assert len(sub.accounts) == 3
    both = assessment.filter(accounts=["A001", "A003"], waves=["2026"])
    assert set(both.interviews[S.INTERVIEW_ID]) == {"I01", "I02"}
    with pytest.raises(ValueError, match="unknown account id"):
        assessment.filter(accounts=["A999"])


def test_list_helpers(assessment):
    assert split_list(" Pumps; Valves ;") == ["Pumps", "Valves"]
    assert split_list(pd.NA) == []
    products = explode_list(assessment.accounts, S.PRODUCTS)
    assert list(products[S.PRODUCTS].astype(object).where(products[S.PRODUCTS].notna(), None)) == ["Pumps", "Valves", "Valves", None]
    assert list(products[S.ACCOUNT_ID]) == ["A001", "A001", "A002", "A003"]
    assert assessment.accounts[S.PRODUCTS].iloc[0] == "Pumps; Valves"  # cell text kept as is


def test_repr_and_html_escape(assessment):
    text = repr(assessment)
    assert text.startswith(f"Assessment from {assessment.source}")
    assert "ratings" in text and "17 rows" in text
    noted = Assessment(assessment.tables, assessment.config, Path("<x>.xlsx"), notes=["column '<script>' kept"])
    html_text = noted._repr_html_()
    assert "<script>" not in html_text and "&lt;script&gt;" in html_text
    assert "&lt;x&gt;.xlsx" in html_text


def test_optional_columns_may_be_left_out(write, tables):
    tables[S.ACCOUNTS] = tables[S.ACCOUNTS].drop(columns=[S.INDUSTRY, S.REGION])
    tables[S.INTERVIEWS] = tables[S.INTERVIEWS].drop(columns=[S.WAVE])
    a = load_assessment(write(tables))
    assert a.accounts[S.INDUSTRY].isna().all() and a.accounts[S.REGION].isna().all()
    assert a.interviews[S.WAVE].isna().all() and len(a.interviews) == len(tables[S.INTERVIEWS])
    assert any("optional columns industry, region not present" in n for n in a.notes)
    assert any("optional column wave not present" in n for n in a.notes)
