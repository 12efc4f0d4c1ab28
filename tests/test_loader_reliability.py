"""load_assessment never loses or changes a value silently.

Non-finite and overflowing numbers, formulas without a stored result, Excel
error cells, merged cells, short CSV lines, over-long cells, byte-order marks
before an encoding error, damaged sheets and encrypted workbooks: each is a
located error (or, where nothing the analyses use is hidden, a note).
"""

from __future__ import annotations

import csv
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from cra_helpers import cli
from cra_helpers import schema as S
from cra_helpers.loader import MAX_CELL_CHARS, AssessmentError, assessment_from_frames, load_assessment

from .conftest import set_cell, write_xlsx


# ----------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------
def problems_of(path: Path) -> AssessmentError:
    with pytest.raises(AssessmentError) as exc:
        load_assessment(path)
    return exc.value


def assert_rejected(path: Path, capsys: pytest.CaptureFixture[str], *fragments: str) -> AssessmentError:
    """The loader raises with every fragment in its message; ``cra validate`` exits 2 with them, no traceback."""
    error = problems_of(path)
    text = str(error)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    code = 0
    try:
        cli.main(["validate", str(path)])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in out + err
    for fragment in fragments:
        assert fragment in err
    return error


def only_problem(error: AssessmentError):
    assert len(error.problems) == 1, str(error)
    return error.problems[0]


def column_letter(table: str, column: str) -> str:
    pos = S.TABLES[table].column_names.index(column)
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[pos]


def sheet_part(path: Path, sheet: str) -> str:
    """The XML part of ``sheet`` in a workbook written by openpyxl (sheetN.xml in sheet order)."""
    from openpyxl import load_workbook

    names = load_workbook(path, read_only=True).sheetnames
    return f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"


def patch_part(path: Path, part: str, change: Callable[[bytes], bytes]) -> Path:
    """Rewrite one part of an xlsx archive in place."""
    with zipfile.ZipFile(path) as zf:
        items = [(name, zf.read(name)) for name in zf.namelist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in items:
            zf.writestr(name, change(data) if name == part else data)
    return path


def replace_cell_xml(path: Path, sheet: str, ref: str, xml: str) -> Path:
    """Replace the cell ``ref`` (written by openpyxl) of ``sheet`` with the given ``<c>`` element."""
    import re

    def change(data: bytes) -> bytes:
        pattern = re.compile(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', re.S)
        assert pattern.search(data), f"cell {ref} not in {sheet}"
        return pattern.sub(xml.encode().replace(b"\\", b"\\\\"), data, count=1)

    return patch_part(path, sheet_part(path, sheet), change)


def edit_workbook(path: Path, edit: Callable) -> Path:
    """Open a written workbook with openpyxl, apply ``edit(workbook)``, save it (never opened in Excel)."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    edit(wb)
    wb.save(path)
    return path


# ----------------------------------------------------------------------
# 1. Numbers are finite everywhere
# ----------------------------------------------------------------------
TOO_LARGE = "is beyond the largest number that can be computed with (about ±1.8e308)"


@pytest.mark.parametrize("fmt, text, what, why", [
    ("csv", "1e309", "1e309", TOO_LARGE),
    ("xlsx", "1e309", "1e309", TOO_LARGE),
    ("csv", "-1e400", "-1e400", TOO_LARGE),
    ("xlsx", "-1e400", "-1e400", TOO_LARGE),
    ("csv", "inf", "'inf'", "is infinite"),
    ("xlsx", "-Infinity", "'-Infinity'", "is infinite"),
    ("csv", "nan", "'nan'", "is not a number (NaN)"),
    ("xlsx", "NaN", "'NaN'", "is not a number (NaN)"),
])
def test_non_finite_text_in_a_numeric_column_is_an_error_at_its_cell(write, tables, capsys, fmt, text, what, why):
    row = set_cell(tables, S.ACCOUNTS, 1, S.REVENUE, text)  # a text cell in the workbook, a field in the CSV
    path = write(tables, fmt=fmt)
    loc = f"file 'accounts.csv', line {row}" if fmt == "csv" else f"sheet 'accounts', row {row}"
    error = assert_rejected(path, capsys, f"{loc}, column 'revenue': {what} — expected a number of 0 or more; {what} {why}")
    p = only_problem(error)
    assert (p.row, p.column, p.value) == (row, S.REVENUE, text)
    assert p.file.endswith("accounts.csv" if fmt == "csv" else "assessment.xlsx")


def test_non_finite_rating_on_a_scale_names_the_scale_and_the_value(write, tables, capsys):
    row = set_cell(tables, S.RATINGS, 4, S.IMPORTANCE, "1e309")
    assert_rejected(
        write(tables, fmt="csv"), capsys,
        f"file 'ratings.csv', line {row}, column 'importance': 1e309 — expected a number from 1 to 10 (scale 'importance'); 1e309 {TOO_LARGE}",
    )


def test_number_cells_holding_infinity_or_nan_are_errors(write, tables, capsys):
    path = write(tables)
    imp, name = column_letter(S.RATINGS, S.IMPORTANCE), column_letter(S.ACCOUNTS, S.ACCOUNT_NAME)
    replace_cell_xml(path, S.RATINGS, f"{imp}3", f'<c r="{imp}3" t="n"><v>NaN</v></c>')  # a nullable column
    replace_cell_xml(path, S.ACCOUNTS, f"{name}2", f'<c r="{name}2" t="n"><v>1e309</v></c>')  # a number cell in a text column
    error = assert_rejected(
        path, capsys,
        "sheet 'accounts', row 2, column 'name': inf — expected text or a finite number; inf is infinite",
        "sheet 'ratings', row 3, column 'importance': NaN — expected a number from 1 to 10 (scale 'importance'); NaN is not a number (NaN)",
    )
    assert [(p.sheet, p.row, p.column) for p in error.problems] == [(S.ACCOUNTS, 2, S.ACCOUNT_NAME), (S.RATINGS, 3, S.IMPORTANCE)]


def test_whole_number_too_large_to_hold_exactly_is_an_error_not_a_crash(write, tables, capsys):
    row = set_cell(tables, S.ACCOUNTS, 0, S.REFERRALS, 1e30)
    assert_rejected(
        write(tables), capsys,
        f"sheet 'accounts', row {row}, column 'referrals': 1e+30 — expected a whole number of 0 or more; "
        f"1e+30 is too large for a whole number (exact up to 9,007,199,254,740,992)",
    )


def test_whole_number_text_just_over_2_to_the_53_is_not_rounded(write, tables, capsys):
    # As a float, 9007199254740993 would silently become 9007199254740992.
    row = set_cell(tables, S.ACCOUNTS, 2, S.RETURNED_ORDERS, "9007199254740993")
    assert_rejected(
        write(tables, fmt="csv"), capsys,
        f"file 'accounts.csv', line {row}, column 'returned_orders': 9007199254740993 — expected a whole number of 0 or more; "
        f"9007199254740993 is too large for a whole number (exact up to 9,007,199,254,740,992)",
    )
    set_cell(tables, S.ACCOUNTS, 2, S.RETURNED_ORDERS, "9007199254740992")
    assert load_assessment(write(tables, fmt="csv", name="ok")).accounts[S.RETURNED_ORDERS].loc[row] == 2**53


def test_python_int_beyond_the_float_range_in_a_frame_is_an_error_not_a_crash(tables):
    set_cell(tables, S.ACCOUNTS, 0, S.REVENUE, 10**400)
    with pytest.raises(AssessmentError, match=r"sheet 'accounts', row 2, column 'revenue': .* is beyond the largest number"):
        assessment_from_frames(tables)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_column_too_large_to_add_up_points_at_its_largest_value(write, tables, capsys, fmt):
    set_cell(tables, S.ACCOUNTS, 0, S.REVENUE, 1e308)
    row = set_cell(tables, S.ACCOUNTS, 2, S.REVENUE, 1.5e308)
    loc = f"file 'accounts.csv', line {row}" if fmt == "csv" else f"sheet 'accounts', row {row}"
    error = assert_rejected(
        write(tables, fmt=fmt), capsys,
        f"{loc}, column 'revenue': 1.5e+308 — expected values that can be added up: the revenue values are too large "
        f"to add up (their total exceeds the largest number that can be computed with, about 1.8e308); this is the largest of them",
    )
    p = only_problem(error)
    assert (p.row, p.column) == (row, S.REVENUE)


def test_every_table_sum_is_checked(write, tables):
    set_cell(tables, S.SALES_HISTORY, 0, S.REVENUE, 1.7e308)
    set_cell(tables, S.SALES_HISTORY, 1, S.REVENUE, 1.7e308)
    p = only_problem(problems_of(write(tables)))
    assert (p.sheet, p.row, p.column) == (S.SALES_HISTORY, 2, S.REVENUE) and "too large to add up" in p.message


def test_large_but_summable_values_load(write, tables):
    set_cell(tables, S.ACCOUNTS, 0, S.REVENUE, 5e307)
    set_cell(tables, S.ACCOUNTS, 2, S.REVENUE, 5e307)
    a = load_assessment(write(tables))
    assert a.accounts[S.REVENUE].sum() == 1e308


# ----------------------------------------------------------------------
# 2a. Formula cells without a stored result, Excel error cells
# ----------------------------------------------------------------------
def test_formula_without_stored_result_in_a_required_column_is_an_error(write, tables, capsys):
    path = write(tables)
    letter = column_letter(S.ACCOUNTS, S.REVENUE)
    edit_workbook(path, lambda wb: wb[S.ACCOUNTS].__setitem__(f"{letter}3", "=1+1"))
    error = assert_rejected(
        path, capsys,
        "sheet 'accounts', row 3, column 'revenue': formula =1+1 without a stored result — expected a stored value: "
        "open and save the workbook in Excel or LibreOffice (which store formula results), or type the value",
    )
    p = only_problem(error)  # not also reported as an empty required cell
    assert (p.file, p.sheet, p.row, p.column, p.value) == (str(path), S.ACCOUNTS, 3, S.REVENUE, None)


def test_formula_without_stored_result_in_a_nullable_column_is_an_error(write, tables, capsys):
    path = write(tables)
    letter = column_letter(S.RATINGS, S.PERFORMANCE)
    edit_workbook(path, lambda wb: wb[S.RATINGS].__setitem__(f"{letter}6", "=AVERAGE(C2:C5)"))
    error = assert_rejected(path, capsys, "sheet 'ratings', row 6, column 'performance': formula =AVERAGE(C2:C5) without a stored result")
    assert only_problem(error).row == 6


def test_formula_in_an_extra_column_is_a_note_and_the_rest_loads(write, tables):
    tables[S.ACCOUNTS]["owner"] = ["Kim", "Lee", "Max"]
    path = write(tables)
    letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[len(tables[S.ACCOUNTS].columns) - 1]
    edit_workbook(path, lambda wb: wb[S.ACCOUNTS].__setitem__(f"{letter}4", '=UPPER("max")'))
    a = load_assessment(path)
    assert len(a.accounts) == 3
    assert f"sheet 'accounts', row 4, cell {letter}4 (extra column 'owner'): formula =UPPER(\"max\") without a stored result; it reads empty" in a.notes


def test_formula_in_the_header_row_is_an_error(write, tables, capsys):
    path = write(tables)
    edit_workbook(path, lambda wb: wb[S.NEEDS].__setitem__("D1", '="descr"&"iption"'))
    assert_rejected(path, capsys, "sheet 'needs', row 1: cell D1 holds formula =\"descr\"&\"iption\" without a stored result — expected a header text")


def test_formula_with_a_stored_result_loads_its_result(write, tables):
    path = write(tables)
    letter = column_letter(S.ACCOUNTS, S.REVENUE)
    replace_cell_xml(path, S.ACCOUNTS, f"{letter}3", f'<c r="{letter}3"><f>40+2</f><v>42</v></c>')
    replace_cell_xml(path, S.NEEDS, "D2", '<c r="D2" t="str"><f>IF(1,"","x")</f><v></v></c>')  # a computed empty text
    a = load_assessment(path)
    assert a.accounts[S.REVENUE].loc[3] == 42.0
    assert pd.isna(a.needs[S.DESCRIPTION].loc[2])


def test_excel_error_cells_are_errors_at_their_cell(write, tables, capsys):
    path = write(tables)
    sat, ind = column_letter(S.LOYALTY, S.SATISFACTION), column_letter(S.ACCOUNTS, S.INDUSTRY)
    replace_cell_xml(path, S.LOYALTY, f"{sat}4", f'<c r="{sat}4" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
    replace_cell_xml(path, S.ACCOUNTS, f"{ind}2", f'<c r="{ind}2" t="e"><v>#N/A</v></c>')
    error = assert_rejected(
        path, capsys,
        "sheet 'accounts', row 2, column 'industry': the Excel error #N/A — expected a value",
        "sheet 'loyalty', row 4, column 'satisfaction': the Excel error #DIV/0! (from formula =1/0) — expected a value",
    )
    assert len(error.problems) == 2


# ----------------------------------------------------------------------
# 2b. Merged cells
# ----------------------------------------------------------------------
def test_merged_cells_over_a_required_column_are_one_error_naming_the_range(write, tables, capsys):
    path = write(tables)
    edit_workbook(path, lambda wb: wb[S.ACCOUNTS].merge_cells("B3:B4"))
    error = assert_rejected(
        path, capsys,
        "sheet 'accounts', row 3, column 'name': merged cells B3:B4 — expected one value per cell: only B3 holds the value "
        "and the other cells of B3:B4 read empty — unmerge the cells and type the value in each",
    )
    assert only_problem(error).sheet == S.ACCOUNTS  # B4 is not reported again as an empty name


def test_merged_cells_over_a_nullable_column_are_an_error(write, tables, capsys):
    path = write(tables)
    letter = column_letter(S.ACCOUNTS, S.INDUSTRY)
    edit_workbook(path, lambda wb: wb[S.ACCOUNTS].merge_cells(f"{letter}2:{letter}4"))
    assert_rejected(path, capsys, f"sheet 'accounts', row 2, column 'industry': merged cells {letter}2:{letter}4")


def test_merged_cells_in_an_extra_column_are_a_note(write, tables):
    tables[S.COMPETITORS]["remark"] = ["big", None]
    path = write(tables)
    edit_workbook(path, lambda wb: wb[S.COMPETITORS].merge_cells("C2:C3"))
    a = load_assessment(path)
    assert "sheet 'competitors': merged cells C2:C3 (outside the checked columns); only C2 holds the value, the other cells read empty" in a.notes


# ----------------------------------------------------------------------
# 2c. CSV lines with too few values, over-long cells
# ----------------------------------------------------------------------
def test_csv_line_with_too_few_values_is_an_error(write, tables, capsys):
    folder = write(tables, fmt="csv")
    path = folder / "needs.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines[2] = "N02,Product quality,Product"  # description missing: 3 values, 4 headers
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = assert_rejected(
        folder, capsys,
        "file 'needs.csv', line 3: 3 values but the header has 4 columns — expected one value per column (4); "
        "a missing value shifts the values after it into the wrong columns",
    )
    p = only_problem(error)
    assert (p.file, p.row) == (str(path), 3)


def test_csv_short_line_is_not_also_reported_as_empty_cells(write, tables):
    folder = write(tables, fmt="csv")
    path = folder / "contacts.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines[1] = "C01,A001,L01,Ann Archer"  # 4 of 10 values: level, department, decision_role (required) missing
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    p = only_problem(problems_of(folder))
    assert p.message.startswith("file 'contacts.csv', line 2: 4 values but the header has 10 columns")


def test_a_one_megabyte_csv_cell_is_located_and_the_rest_of_the_file_is_checked(write, tables, capsys):
    limit = csv.field_size_limit()
    set_cell(tables, S.VERBATIMS, 2, S.TEXT, "x" * 1_000_000)  # line 5 (V01's text spans lines 2-3)
    set_cell(tables, S.VERBATIMS, 4, S.INTERVIEW_ID, "I99")  # line 7
    error = assert_rejected(
        write(tables, fmt="csv"), capsys,
        "file 'verbatims.csv', line 5, column 'text': a text of 1,000,000 characters ('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...') — "
        "expected at most 32,767 characters in a cell (Excel's limit); in a CSV file an unbalanced double quote",
        "file 'verbatims.csv', line 7, column 'interview_id': 'I99' — expected an interview_id listed in file 'interviews.csv'",
    )
    assert [(p.row, p.column) for p in error.problems] == [(5, S.TEXT), (7, S.INTERVIEW_ID)]
    assert csv.field_size_limit() == limit  # the process-wide setting is restored


def test_a_cell_just_over_excels_limit_is_an_error_and_one_at_the_limit_loads(write, tables):
    set_cell(tables, S.VERBATIMS, 3, S.TEXT, "y" * MAX_CELL_CHARS)
    a = load_assessment(write(tables, fmt="csv", name="ok"))
    assert len(a.verbatims[S.TEXT].iloc[3]) == MAX_CELL_CHARS
    set_cell(tables, S.VERBATIMS, 3, S.TEXT, "y" * (MAX_CELL_CHARS + 1))
    p = only_problem(problems_of(write(tables, fmt="csv", name="long")))
    assert (p.row, p.column) == (6, S.TEXT) and "a text of 32,768 characters" in p.message


def test_an_over_long_workbook_cell_is_an_error(write, tables):
    path = write(tables)
    letter = column_letter(S.NEEDS, S.DESCRIPTION)
    replace_cell_xml(path, S.NEEDS, f"{letter}2", f'<c r="{letter}2" t="inlineStr"><is><t>{"z" * 40_000}</t></is></c>')
    p = only_problem(problems_of(path))
    assert (p.sheet, p.row, p.column) == (S.NEEDS, 2, S.DESCRIPTION)
    assert p.message.startswith("sheet 'needs', row 2, column 'description': a text of 40,000 characters")


# ----------------------------------------------------------------------
# 2d. Encoding errors after a byte-order mark
# ----------------------------------------------------------------------
@pytest.mark.parametrize("bom", [True, False])
def test_encoding_error_line_and_byte_are_those_of_the_file(write, tables, capsys, bom):
    folder = write(tables, fmt="csv")
    path = folder / "needs.csv"
    text = path.read_text(encoding="utf-8-sig").replace("N03,", "É03,")  # line 4 starts with a non-ASCII letter
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("cp1252"))  # Windows-1252 after a UTF-8 BOM
    error = assert_rejected(folder, capsys, "file 'needs.csv', line 4: not UTF-8 text (byte 0xC9 on line 4)")
    assert only_problem(error).value == b"\xc9"


# ----------------------------------------------------------------------
# 2e. Damaged and encrypted workbooks
# ----------------------------------------------------------------------
def test_a_damaged_sheet_is_named_and_the_other_sheets_are_checked(write, tables, capsys):
    set_cell(tables, S.ACCOUNTS, 1, S.REVENUE, -5)
    path = write(tables)
    patch_part(path, sheet_part(path, S.RATINGS), lambda data: data[: len(data) // 2])  # XML cut in half
    error = assert_rejected(
        path, capsys,
        "sheet 'accounts', row 3, column 'revenue': -5 — expected a number of 0 or more",
        "sheet 'ratings': cannot be read (the workbook is damaged: XmlError: ",
        "expected a sheet Excel or LibreOffice can open",
    )
    assert [(p.sheet, p.row) for p in error.problems] == [(S.ACCOUNTS, 3), (S.RATINGS, None)]


def test_a_damaged_sheet_outside_the_contract_is_a_note(write, tables):
    path = write(tables, extra_sheets={"Scratch": [["x", 1], ["y", 2]]})
    patch_part(path, sheet_part(path, "Scratch"), lambda data: data[: len(data) // 2])
    a = load_assessment(path)
    assert any(n.startswith("sheet 'Scratch' cannot be read (the workbook is damaged: XmlError") for n in a.notes)


def test_truncated_workbook_is_a_damaged_file(tmp_path, capsys):
    good = write_xlsx({S.ACCOUNTS: pd.DataFrame({"account_id": ["A1"]})}, tmp_path / "good.xlsx").read_bytes()
    path = tmp_path / "broken.xlsx"
    path.write_bytes(good[: len(good) // 2])
    assert_rejected(path, capsys, "file 'broken.xlsx': a damaged or incomplete ZIP/Excel file — expected an Excel workbook (.xlsx")


def test_password_protected_workbook_is_said_so(tmp_path, capsys):
    # Excel saves a workbook with a password to open as an OLE compound file with an EncryptedPackage stream.
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "EncryptionInfo".encode("utf-16-le").ljust(128, b"\x00") + "EncryptedPackage".encode("utf-16-le").ljust(128, b"\x00")
    path = tmp_path / "locked.xlsx"
    path.write_bytes(header + directory + b"\x00" * 4096)
    error = assert_rejected(
        path, capsys,
        "file 'locked.xlsx': a password-protected (encrypted) workbook; open it in Excel, remove the password",
    )
    assert only_problem(error).sheet is None


# ----------------------------------------------------------------------
# 4. The validate path imports only what it needs
# ----------------------------------------------------------------------
HEAVY = ("plotly", "sklearn", "scipy", "papermill", "nbconvert", "nbclient", "matplotlib", "statsmodels", "nltk", "torch", "openpyxl")


def test_loader_imports_no_heavy_package():
    code = (
        "import sys, cra_helpers.loader, cra_helpers.assessment, cra_helpers.config, cra_helpers.schema\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120).stdout.strip()
    assert out == "", f"imported at module level: {out}"

