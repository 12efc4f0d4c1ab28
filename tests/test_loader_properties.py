"""Property-based tests of load_assessment on random workbooks and CSV folders.

Every input either loads with every non-blank data row in its table, or is
rejected with :class:`AssessmentError` whose every problem has a file and a
message naming its sheet, row and column — and among them every problem the
mutations planted, at its row and column. No other exception, ever.

The cases come from :mod:`tests.cases`; runs are derandomized so CI sees the
same examples every time.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cra_helpers.config import load_config
from cra_helpers.loader import AssessmentError, Problem, load_assessment

from .cases import Case, Written, cases
from .conftest import build_valid_tables, write_xlsx

CONFIG = load_config()
SETTINGS = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)


def check_problem_is_located(p: Problem) -> None:
    assert p.file and p.message, p
    if p.sheet is not None:
        assert p.message.startswith(f"sheet '{p.sheet}'"), p.message
    if p.row is not None:
        assert f"row {p.row}" in p.message or f"line {p.row}" in p.message, p.message
    if p.column is not None and p.row is not None:
        assert "column" in p.message, p.message


def check_case(case: Case, written: Written) -> None:
    try:
        assessment = load_assessment(written.path, config=CONFIG)
    except AssessmentError as error:
        assert error.problems, "an AssessmentError without problems"
        for p in error.problems:
            check_problem_is_located(p)
        assert case.must_fail, f"valid input rejected:\n{error}"
        for e in case.live_expected():
            sheet, file = written.location[e.table]
            row = None if e.row is None else written.row_number[id(e.row)]
            hits = [p for p in error.problems if p.file == file and p.sheet == sheet and p.row == row and p.column == e.column]
            assert hits, f"{e} not reported at {sheet or file}, row {row}, column {e.column}:\n{error}"
        for table in case.file_errors:
            file = written.location[table][1]
            assert any(p.file == file and p.row is None and "not UTF-8" in p.message for p in error.problems), str(error)
        return
    assert not case.must_fail, f"expected {case.live_expected()} {case.file_errors}, but it loaded:\n{assessment!r}"
    assert set(assessment.tables) == set(case.sheets)
    for table in case.sheets:
        assert len(assessment.tables[table]) == case.non_blank_rows(table), table  # every data row accounted for
    for table, row, column, text in written.texts:
        got = assessment.tables[table].loc[written.row_number[id(row)], column]
        assert got == text.strip(), (table, column, text, got)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@SETTINGS
@given(data=st.data())
def test_every_input_loads_whole_or_is_rejected_with_located_problems(fmt, data):
    case = data.draw(cases(fmt), label="case")
    with tempfile.TemporaryDirectory() as tmp:
        check_case(case, case.write(Path(tmp)))


_VALID_XLSX: bytes | None = None


def _valid_xlsx() -> bytes:
    global _VALID_XLSX
    if _VALID_XLSX is None:
        with tempfile.TemporaryDirectory() as tmp:
            _VALID_XLSX = write_xlsx(build_valid_tables(), Path(tmp) / "v.xlsx").read_bytes()
    return _VALID_XLSX


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    cut=st.one_of(st.none(), st.floats(0.0, 1.0)),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(1, 255)), max_size=4),
)
def test_damaged_workbook_bytes_never_raise_anything_but_assessment_error(cut, flips):
    data = bytearray(_valid_xlsx())
    for where, xor in flips:
        data[min(int(where * len(data)), len(data) - 1)] ^= xor
    if cut is not None:
        data = data[: int(cut * len(data))]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "damaged.xlsx"
        path.write_bytes(bytes(data))
        try:
            load_assessment(path, config=CONFIG)
        except AssessmentError as error:  # anything else fails the test
            for p in error.problems:
                check_problem_is_located(p)
