"""The capture workbook of one account: what it holds, how it guards its cells, and that it reads back as it is and once filled."""

from __future__ import annotations

import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from cra_helpers import schema as S
from cra_helpers.assessment import Assessment
from cra_helpers.loader import AssessmentError, load_assessment
from cra_helpers.loading.capture_rules import capture_account
from cra_helpers.planning import capture, merge
from cra_helpers.planning.schedule import schedule_interviews

from ._planning import FIRST_DAY, fill_with_sample

ACCOUNT = "A005"


@pytest.fixture(scope="module")
def plan(sample, config):
    return schedule_interviews(sample, [ACCOUNT, "A010"], config, first_day=FIRST_DAY)


@pytest.fixture(scope="module")
def blank(tmp_path_factory, sample, plan, config):
    return capture.write_capture_workbook(sample, ACCOUNT, plan, tmp_path_factory.mktemp("cap") / "capture.xlsx", config)


def _sheet_rows(ws) -> list[dict]:
    head = [c.value for c in ws[1]]
    return [dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True)]


def _validation(ws, column: str):
    j = next(c.column for c in ws[1] if c.value == column)
    found = [dv for dv in ws.data_validations.dataValidation if any(r.min_col == j and r.min_row == 2 for r in dv.sqref.ranges)]
    assert len(found) == 1, (column, found)
    return found[0]


def test_holds_the_account_and_one_answer_row_per_expected_answer(blank, sample, plan):
    wb = openpyxl.load_workbook(blank)
    assert wb.sheetnames == ["README", *capture.SHEETS]
    assert capture_account(blank) == ACCOUNT
    mine = plan[plan[S.ACCOUNT_ID] == ACCOUNT]
    contacts = sample.contacts[sample.contacts[S.ACCOUNT_ID] == ACCOUNT]
    assert [r[S.CONTACT_ID] for r in _sheet_rows(wb[S.CONTACTS])] == list(contacts[S.CONTACT_ID])
    assert [r[S.ACCOUNT_ID] for r in _sheet_rows(wb[S.ACCOUNTS])] == [ACCOUNT]
    assert sorted(r[S.LOCATION_ID] for r in _sheet_rows(wb[S.LOCATIONS])) == sorted(
        sample.locations.loc[sample.locations[S.ACCOUNT_ID] == ACCOUNT, S.LOCATION_ID])
    interviews = _sheet_rows(wb[S.INTERVIEWS])
    by_id = mine.set_index(S.INTERVIEW_ID)
    assert sorted(r[S.INTERVIEW_ID] for r in interviews) == sorted(mine[S.INTERVIEW_ID])
    for r in interviews:
        assert r[S.CONTACT_ID] == by_id.loc[r[S.INTERVIEW_ID], S.CONTACT_ID]
        assert r[S.DATE].date() == by_id.loc[r[S.INTERVIEW_ID], "start"].date()
        assert r[S.INTERVIEWER] == by_id.loc[r[S.INTERVIEW_ID], S.INTERVIEWER] and r[S.WAVE] == "2026"
    ratings = _sheet_rows(wb[S.RATINGS])
    expected = {(i, n, c) for i in mine[S.INTERVIEW_ID] for n in sample.needs[S.NEED_ID] for c in sample.competitors[S.COMPETITOR_ID]}
    got = [(r[S.INTERVIEW_ID], r[S.NEED_ID], r[S.COMPETITOR_ID]) for r in ratings]
    assert len(got) == len(expected) == len(mine) * 20 * 3 and set(got) == expected
    assert all(r[c] is None for r in ratings for c in (S.IMPORTANCE, S.PERFORMANCE, S.COMPETITOR_PERFORMANCE))
    need_names = sample.need_names()
    assert all(r[capture.INFO_NEED] == need_names[r[S.NEED_ID]] for r in ratings)
    assert sorted(r[S.INTERVIEW_ID] for r in _sheet_rows(wb[S.LOYALTY])) == sorted(mine[S.INTERVIEW_ID])
    assert wb[S.VERBATIMS].max_row == 1  # header only


def test_validations_come_from_the_configured_scales(tmp_path, sample, plan, config):
    scales = {**config.scales, S.SCALE_IMPORTANCE: config.scales[S.SCALE_IMPORTANCE].model_copy(update={"min": 0, "max": 5})}
    narrow = config.model_copy(update={"scales": scales})
    wb = openpyxl.load_workbook(capture.write_capture_workbook(sample, ACCOUNT, plan, tmp_path / "c.xlsx", narrow))
    n = int((plan[S.ACCOUNT_ID] == ACCOUNT).sum())
    checks = {(S.RATINGS, S.IMPORTANCE): ("whole", "0", "5"), (S.RATINGS, S.PERFORMANCE): ("whole", "1", "10"),
              (S.RATINGS, S.COMPETITOR_PERFORMANCE): ("whole", "1", "10"), (S.LOYALTY, S.RECOMMEND): ("whole", "0", "10"),
              (S.LOYALTY, S.SHARE_OF_WALLET): ("decimal", "0", "100"), (S.INTERVIEWS, S.DURATION_MIN): ("whole", "1", "600")}
    for (sheet, col), (kind, lo, hi) in checks.items():
        dv = _validation(wb[sheet], col)
        assert (dv.type, dv.operator, dv.formula1, dv.formula2) == (kind, "between", lo, hi), (sheet, col)
    assert _validation(wb[S.CONTACTS], S.LEVEL).formula1 == '"executive,management,operational"'
    assert _validation(wb[S.ACCOUNTS], S.KEY_ACCOUNT).formula1 == '"yes,no"'
    assert _validation(wb[S.INTERVIEWS], S.DATE).type == "date"
    ref = _validation(wb[S.VERBATIMS], S.INTERVIEW_ID)
    assert ref.type == "list" and ref.formula1 == f"interviews!$A$2:$A${n + 1}"
    assert str(ref.sqref) == f"B2:B{1 + capture.VERBATIM_ROWS_PER_INTERVIEW * n}"


def test_ids_are_locked_answers_open(blank):
    wb = openpyxl.load_workbook(blank)
    for name in capture.SHEETS:
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        if name == S.VERBATIMS:
            assert not ws.protection.sheet  # every cell there is typed in
            continue
        assert ws.protection.sheet and not ws.protection.password
        head = {c.value: c.column for c in ws[1]}
        table = S.TABLES[name]
        for col, j in head.items():
            cell = ws.cell(2, j)
            locked = col.startswith("info:") or table.column(col).kind in ("id", "ref")
            assert cell.protection.locked is locked, (name, col)
            assert ws.column_dimensions[cell.column_letter].width >= 10


def test_reads_back_unfilled_with_every_row_accounted_for(blank, sample, plan, config):
    """Unfilled: every rating and loyalty row is 'not asked', every interview 'not held' — counted, none silently."""
    a = load_assessment(blank, config)
    n = int((plan[S.ACCOUNT_ID] == ACCOUNT).sum())
    assert len(a.interviews) == len(a.ratings) == len(a.loyalty) == 0
    notes = "\n".join(a.notes)
    assert f"sheet 'ratings': {n * 60} rows without any answer left out as not asked (rows 2–{n * 60 + 1})" in notes
    assert f"sheet 'loyalty': {n} rows without any answer left out as not asked (rows 2–{n + 1})" in notes
    assert f"sheet 'interviews': {n} planned interviews without any answer left out as not held yet" in notes
    for table in (S.ACCOUNTS, S.LOCATIONS, S.CONTACTS, S.COMPETITORS, S.NEEDS):
        want = sample.tables[table]
        if S.ACCOUNT_ID in want and table != S.COMPETITORS:
            want = want[want[S.ACCOUNT_ID] == ACCOUNT]
        pd.testing.assert_frame_equal(a.tables[table].reset_index(drop=True), want.reset_index(drop=True))
    out = subprocess.run([sys.executable, "-m", "cra_helpers.cli", "validate", str(blank)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "not held yet" in out.stdout and "Traceback" not in out.stderr


def test_filled_reads_back_the_answers_typed(tmp_path, blank, sample, config):
    path = tmp_path / "filled.xlsx"
    path.write_bytes(blank.read_bytes())
    mapping = fill_with_sample(path, sample)
    a = load_assessment(path, config)
    ids = sorted(mapping.values())
    back = {v: k for k, v in mapping.items()}
    contacts = sample.contacts.loc[sample.contacts[S.ACCOUNT_ID] == ACCOUNT, S.CONTACT_ID]
    held = sample.interviews[sample.interviews[S.CONTACT_ID].isin(contacts)]
    assert sorted(held[S.INTERVIEW_ID]) == ids and len(a.interviews) == len(held)
    assert f"{len(contacts) - len(held)} planned interviews without any answer left out as not held yet" in "\n".join(a.notes)
    for table, key in ((S.INTERVIEWS, [S.INTERVIEW_ID]), (S.RATINGS, [S.INTERVIEW_ID, S.NEED_ID, S.COMPETITOR_ID]),
                       (S.LOYALTY, [S.INTERVIEW_ID]), (S.VERBATIMS, [S.VERBATIM_ID])):
        want = sample.tables[table]
        want = want[want[S.INTERVIEW_ID].isin(ids)].copy()
        want[S.INTERVIEW_ID] = want[S.INTERVIEW_ID].map(back).astype(want[S.INTERVIEW_ID].dtype)
        got = a.tables[table]
        pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True), want.sort_values(key).reset_index(drop=True))


def test_text_that_looks_like_a_formula_stays_text(tmp_path, sample, config):
    tables = dict(sample.tables)
    c = tables[S.CONTACTS].copy()
    row = c.index[c[S.ACCOUNT_ID] == ACCOUNT][0]
    hostile = '=HYPERLINK("http://x.example","<b>click</b>")'
    c[S.CONTACT_NAME] = c[S.CONTACT_NAME].astype(object)
    c.loc[row, S.CONTACT_NAME] = hostile
    c[S.CONTACT_NAME] = c[S.CONTACT_NAME].astype("string")
    tables[S.CONTACTS] = c
    a = Assessment(tables, config, sample.source)
    plan = schedule_interviews(a, ACCOUNT, config, first_day=FIRST_DAY)
    path = capture.write_capture_workbook(a, ACCOUNT, plan, tmp_path / "h.xlsx", config)
    ws = openpyxl.load_workbook(path)[S.CONTACTS]
    cell = next(cl for r in ws.iter_rows(min_row=2) for cl in r if cl.value == hostile)
    assert cell.data_type == "s" and cell.quotePrefix
    back = load_assessment(path, config)
    assert hostile in set(back.contacts[S.CONTACT_NAME])


def test_an_account_without_interviews_has_no_capture_workbook(tmp_path, sample, plan, config):
    with pytest.raises(Exception, match="the schedule has no interview at account A012"):
        capture.write_capture_workbook(sample, "A012", plan, tmp_path / "x.xlsx", config)
    assert not (tmp_path / "x.xlsx").exists()


def test_typical_errors_are_located_by_cra_validate(tmp_path, blank, sample, config):
    path = tmp_path / "errors.xlsx"
    path.write_bytes(blank.read_bytes())
    fill_with_sample(path, sample)
    wb = openpyxl.load_workbook(path)
    ws = wb[S.RATINGS]
    head = {c.value: c.column for c in ws[1]}
    ws.cell(2, head[S.IMPORTANCE]).value = 12
    ws.cell(3, head[S.PERFORMANCE]).value = "good"
    wb.save(path)
    with pytest.raises(AssessmentError) as err:
        load_assessment(path, config)
    text = str(err.value)
    assert text.startswith(f"2 problem(s) in {path}:")
    assert "sheet 'ratings', row 2, column 'importance': 12 — expected a number from 1 to 10 (scale 'importance')" in text
    assert "sheet 'ratings', row 3, column 'performance': 'good' — expected a number from 1 to 10 (scale 'performance')" in text
    out = subprocess.run([sys.executable, "-m", "cra_helpers.cli", "validate", str(path)], capture_output=True, text=True)
    assert out.returncode == 2 and "row 2, column 'importance': 12" in out.stderr and "Traceback" not in out.stderr


def test_plain_values_written_back():
    assert merge.plain_value(pd.NA) is None and merge.plain_value(3.0) == 3.0
