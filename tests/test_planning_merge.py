"""Capture workbooks merged back into one assessment: the round trip on the sample, conflicts refused, human errors located.

The round trip (the acceptance of assessment planning): every key account of
the sample is planned at once (schedule + one capture workbook per account),
each workbook is filled with the sample's own answers for that account by
writing into its cells with openpyxl, and the workbooks are merged with a base
that is the sample without those accounts' interviews, ratings, loyalty and
verbatims. The merged assessment must give the sample's tables and results.

What the sample holds, and how it is handled:

* Of the 16 key accounts, 4 (added by the prioritization rule, never met)
  have no contacts: the schedule names them in its notes and they get no
  capture workbook; their rows come from the base.
* 35 of the 220 contacts of the other 12 accounts were never interviewed in
  the sample: their planned interviews stay blank, are read as "not held"
  and left out (counted in the notes), exactly as the sample has no
  interview with them.
* The sample has one wave (2026) and one interview per contact, so each
  planned interview maps to at most one of the sample's, by contact; date,
  interviewer, duration and wave are typed in as they are in the field.
* Interview ids are new (``IV-<contact>``): tables are compared after
  mapping them back to the sample's ids through the contact. Everything else
  — every value, every row, row order included — must be the same.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cra_helpers import gap, headlines, paths, quantitative
from cra_helpers import schema as S
from cra_helpers.config import load_config
from cra_helpers.loader import load_assessment
from cra_helpers.planning import merge

from ._planning import base_without_interviews, fill_with_sample, plan_key_accounts, planning_config


@pytest.fixture(scope="module")
def config():
    return planning_config(load_config())


@pytest.fixture(scope="module")
def sample(config):
    return load_assessment(paths.sample_path(), config)


@pytest.fixture(scope="module")
def trip(tmp_path_factory, sample, config):
    """Plan, fill, merge, write and read back; the planned → sample interview id mapping."""
    folder = tmp_path_factory.mktemp("trip")
    plan, captures = plan_key_accounts(sample, config, folder / "blank")
    filled = {}
    mapping: dict[str, str] = {}
    for acc, path in captures.items():
        filled[acc] = folder / path.name
        shutil.copy(path, filled[acc])
        mapping.update(fill_with_sample(filled[acc], sample))
    base = base_without_interviews(sample, headlines.key_account_ids(sample), folder / "base.xlsx")
    frames = merge.merge_captures(list(filled.values()), base, config)
    out = merge.write_merged(frames, folder / "out" / "merged.xlsx")
    return {"plan": plan, "blank": captures, "filled": filled, "base": base, "frames": frames, "out": out,
            "merged": load_assessment(out, config), "mapping": mapping, "folder": folder}


def _mapped(frame: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    out = frame.reset_index(drop=True).copy()
    if S.INTERVIEW_ID in out:
        out[S.INTERVIEW_ID] = out[S.INTERVIEW_ID].map(lambda x: mapping.get(x, x)).astype(frame[S.INTERVIEW_ID].dtype)
    return out


def test_round_trip_gives_the_sample_tables(trip, sample):
    merged, mapping = trip["merged"], trip["mapping"]
    assert len(mapping) == len(sample.interviews) == 185
    assert list(merged.tables) == list(sample.tables)
    for name, frame in sample.tables.items():
        pd.testing.assert_frame_equal(_mapped(merged.tables[name], mapping), frame.reset_index(drop=True), obj=name)
    notes = "\n".join(trip["frames"].notes)
    assert notes.count("planned interviews without any answer left out as not held yet") + notes.count(
        "planned interview without any answer left out as not held yet") == sum(
        1 for acc in trip["filled"] if len(sample.contacts[sample.contacts[S.ACCOUNT_ID] == acc])
        > len(sample.interviews[sample.interviews[S.CONTACT_ID].isin(sample.contacts.loc[sample.contacts[S.ACCOUNT_ID] == acc, S.CONTACT_ID])]))
    assert not set(headlines.key_account_ids(sample)) - set(trip["filled"]) - {"A020", "A026", "A036", "A053"}


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in frame.columns if frame[c].dtype == object or str(frame[c].dtype) in ("string", "category")]
    return frame.sort_values(cols or list(frame.columns), kind="stable").reset_index(drop=True) if len(frame) else frame


RESULTS = {
    "need_scores": lambda a: quantitative.need_scores(a),
    "need_scores_by_account": lambda a: quantitative.need_scores(a, by=S.ACCOUNT_ID),
    "need_scores_by_level": lambda a: quantitative.need_scores(a, by=S.LEVEL),
    "satisfaction_index": lambda a: quantitative.satisfaction_index(a),
    "loyalty_respondents": lambda a: quantitative.respondent_loyalty(a),
    "loyalty_accounts": lambda a: quantitative.account_loyalty(a),
    "loyalty_rollup": lambda a: quantitative.rollup(a),
    "loyalty_indicators": lambda a: quantitative.loyalty_indicators(a),
    "loyalty_segments": lambda a: quantitative.segment_shares(a),
    "drivers": lambda a: quantitative.key_drivers(a),
    "need_gaps": lambda a: gap.need_gaps(a),
    "account_gaps": lambda a: gap.account_gaps(a),
    "competitor_gaps": lambda a: gap.competitor_gaps(a),
    "location_pairs": lambda a: gap.location_pairs(a),
}


@pytest.mark.parametrize("name", list(RESULTS))
def test_round_trip_gives_the_sample_results(trip, sample, name):
    """Need scores, gaps, loyalty and NPS tables, key drivers: equal to the sample's (interview ids mapped back)."""
    got = _mapped(RESULTS[name](trip["merged"]), trip["mapping"])
    want = RESULTS[name](sample).reset_index(drop=True)
    assert len(want), name
    pd.testing.assert_frame_equal(_sorted(got), _sorted(want), obj=name)


@pytest.mark.slow
def test_cra_run_quantitative_tables_identical(trip, tmp_path):
    """``cra run --only 02_quantitative`` on the sample and on the merged assessment writes the same tables."""
    runs = {}
    for label, data in (("sample", paths.sample_path()), ("merged", trip["out"])):
        out = tmp_path / label
        done = subprocess.run([sys.executable, "-m", "cra_helpers.cli", "run", "--data", str(data), "--only", "02_quantitative",
                               "--out", str(out)], capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr
        runs[label] = out / "tables"
    names = sorted(p.name for p in runs["sample"].glob("*.csv"))
    assert names and names == sorted(p.name for p in runs["merged"].glob("*.csv"))
    for name in names:
        a, b = (runs[k] / name for k in ("sample", "merged"))
        if a.read_bytes() == b.read_bytes():
            continue
        x, y = (pd.read_csv(p, dtype=str, keep_default_na=False) for p in (a, b))
        assert S.INTERVIEW_ID in y.columns, f"{name} differs"  # only interview ids may differ, and map back exactly
        y[S.INTERVIEW_ID] = y[S.INTERVIEW_ID].map(trip["mapping"])
        pd.testing.assert_frame_equal(x, y, obj=name)


# ----------------------------------------------------------------------
# Order, sharing, conflicts
# ----------------------------------------------------------------------
def _three(trip) -> list[Path]:
    return [trip["filled"][k] for k in sorted(trip["filled"])[:3]]


def test_merge_does_not_depend_on_the_order_of_the_workbooks(trip, config):
    one = merge.merge_captures(_three(trip), config=config)
    other = merge.merge_captures(list(reversed(_three(trip))), config=config)
    assert list(one) == list(other)
    for name in one:
        pd.testing.assert_frame_equal(one[name], other[name], obj=name)


def _blank_interviews(path: Path, ids: set[str]) -> None:
    """Clear every answer of these interviews, as if another interviewer's copy of the workbook held them."""
    wb = openpyxl.load_workbook(path)
    for sheet in (S.RATINGS, S.LOYALTY, S.VERBATIMS):
        ws = wb[sheet]
        head = {c.value: c.column for c in ws[1]}
        for r in range(2, ws.max_row + 1):
            if ws.cell(r, head[S.INTERVIEW_ID]).value not in ids:
                continue
            cols = [head[c] for c in S.TABLES[sheet].column_names if c != S.INTERVIEW_ID and c in head
                    and S.TABLES[sheet].column(c).kind not in ("id", "ref")] if sheet != S.VERBATIMS else list(head.values())
            for j in cols:
                ws.cell(r, j).value = None
    wb.save(path)


def test_two_interviewers_fill_copies_of_one_workbook(trip, config, tmp_path):
    acc = sorted(trip["filled"])[0]
    held = sorted(k for k, v in trip["mapping"].items() if k in set(trip["plan"].loc[trip["plan"][S.ACCOUNT_ID] == acc, S.INTERVIEW_ID]))
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    for p in (first, second):
        shutil.copy(trip["filled"][acc], p)
    _blank_interviews(first, set(held[::2]))
    _blank_interviews(second, set(held[1::2]))
    whole = merge.merge_captures([trip["filled"][acc]], config=config)
    halves = merge.merge_captures([first, second], config=config)
    for name in whole:
        pd.testing.assert_frame_equal(halves[name], whole[name], obj=name)


def test_the_same_interview_answered_twice_is_refused(trip, config, tmp_path):
    acc = sorted(trip["filled"])[0]
    other = tmp_path / "other.xlsx"
    shutil.copy(trip["filled"][acc], other)
    wb = openpyxl.load_workbook(other)
    ws = wb[S.RATINGS]
    head = {c.value: c.column for c in ws[1]}
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, head[S.IMPORTANCE]).value is not None)
    old = ws.cell(row, head[S.IMPORTANCE]).value
    new = 1 if old != 1 else 2
    iv, need, comp = (ws.cell(row, head[c]).value for c in (S.INTERVIEW_ID, S.NEED_ID, S.COMPETITOR_ID))
    for r in range(2, ws.max_row + 1):  # retyped consistently on every competitor row of the need
        if (ws.cell(r, head[S.INTERVIEW_ID]).value, ws.cell(r, head[S.NEED_ID]).value) == (iv, need) \
                and ws.cell(r, head[S.IMPORTANCE]).value is not None:
            ws.cell(r, head[S.IMPORTANCE]).value = new
    blank_row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, head[S.INTERVIEW_ID]).value != iv
                     and ws.cell(r, head[S.COMPETITOR_PERFORMANCE]).value is not None)
    blank_iv = ws.cell(blank_row, head[S.INTERVIEW_ID]).value
    for c in (S.IMPORTANCE, S.PERFORMANCE, S.COMPETITOR_PERFORMANCE):
        ws.cell(blank_row, head[c]).value = None
    wb.save(other)
    with pytest.raises(merge.MergeError) as err:
        merge.merge_captures([trip["filled"][acc], other], config=config)
    text = str(err.value)
    assert (f"workbook 'other.xlsx', sheet 'ratings', row {row}, column 'importance': {new} — expected {old} as in "
            f"workbook '{trip['filled'][acc].name}', sheet 'ratings', row {row}: the same interview answered twice with "
            f"different values (interview_id {iv}, need_id {need}, competitor_id {comp})") in text
    assert (f"interview {blank_iv} is answered here and in workbook '{trip['filled'][acc].name}'") in text
    assert "0 row(s) here are not there, 1 there are not here" in text


def test_human_errors_are_located(trip, config, tmp_path):
    """Out of scale, text in a rating, a skipped answer and a renamed contact: one message each, all at once."""
    acc = "A005"
    path = tmp_path / f"capture_{acc}.xlsx"
    shutil.copy(trip["filled"][acc], path)
    wb = openpyxl.load_workbook(path)
    ws = wb[S.RATINGS]
    head = {c.value: c.column for c in ws[1]}
    pairs = [r for r in range(2, ws.max_row) if ws.cell(r, head[S.IMPORTANCE]).value is not None
             and ws.cell(r + 1, head[S.IMPORTANCE]).value == ws.cell(r, head[S.IMPORTANCE]).value
             and ws.cell(r, head[S.NEED_ID]).value == ws.cell(r + 1, head[S.NEED_ID]).value]
    r_scale, r_text, r_skip = pairs[0], pairs[3] + 1, pairs[6] + 1
    ws.cell(r_scale, head[S.IMPORTANCE]).value = 12
    ws.cell(r_text, head[S.PERFORMANCE]).value = "very good"
    kept = ws.cell(r_skip - 1, head[S.IMPORTANCE]).value
    ws.cell(r_skip, head[S.IMPORTANCE]).value = None
    iv, need = ws.cell(r_skip, head[S.INTERVIEW_ID]).value, ws.cell(r_skip, head[S.NEED_ID]).value
    wc = wb[S.CONTACTS]
    chead = {c.value: c.column for c in wc[1]}
    contact, name = wc.cell(3, chead[S.CONTACT_ID]).value, wc.cell(3, chead[S.CONTACT_NAME]).value
    wc.cell(3, chead[S.CONTACT_NAME]).value = name + "x"
    wb.save(path)
    with pytest.raises(merge.MergeError) as err:
        merge.merge_captures([path], trip["base"], config)
    lines = [line.strip() for line in str(err.value).splitlines()]
    where = f"workbook '{path.name}', sheet"
    assert lines[0] == "cannot merge: 4 problem(s)"
    assert f"{where} 'ratings', row {r_scale}, column 'importance': 12 — expected a number from 1 to 10 (scale 'importance')" in lines
    assert f"{where} 'ratings', row {r_text}, column 'performance': 'very good' — expected a number from 1 to 10 (scale 'performance')" in lines
    assert (f"{where} 'ratings', row {r_skip}, column 'importance': empty — expected {kept} — the importance of need {need} "
            f"in interview {iv} is repeated on every competitor row of the need; row {r_skip - 1} holds {kept} (a skipped answer?)") in lines
    sample_row = 1 + 1 + list(load_assessment(trip["base"], config).contacts[S.CONTACT_ID]).index(contact)
    assert (f"{where} 'contacts', row 3, column 'name': '{name}x' — expected '{name}' as in workbook 'base.xlsx', sheet "
            f"'contacts', row {sample_row}: contact {contact} has one name, title and role in every workbook — a contact "
            "renamed? correct one of them") in lines
    done = subprocess.run([sys.executable, "-m", "cra_helpers.cli", "merge", str(path), "--base", str(trip["base"]), "--out",
                           str(tmp_path / "m.xlsx")], capture_output=True, text=True)
    assert done.returncode == 2 and "a skipped answer?" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "m.xlsx").exists()


def test_a_need_renamed_and_a_verbatim_id_reused_are_refused(trip, config, tmp_path):
    a_path, b_path = (tmp_path / n for n in ("a.xlsx", "b.xlsx"))
    first, second = sorted(trip["filled"])[:2]
    shutil.copy(trip["filled"][first], a_path)
    shutil.copy(trip["filled"][second], b_path)
    wb = openpyxl.load_workbook(b_path)
    wb[S.NEEDS].cell(2, 2).value = "Reliability of products"
    vb = wb[S.VERBATIMS]
    wa = openpyxl.load_workbook(a_path)[S.VERBATIMS]
    vb.cell(2, 1).value = wa.cell(2, 1).value  # an id the other workbook uses for another remark
    wb.save(b_path)
    with pytest.raises(merge.MergeError) as err:
        merge.merge_captures([a_path, b_path], config=config)
    text = str(err.value)
    assert ("workbook 'b.xlsx', sheet 'needs', row 2, column 'name': 'Reliability of products' — expected 'Product "
            "reliability' as in workbook 'a.xlsx', sheet 'needs', row 2: need N01 has one name and wording") in text
    assert f"workbook 'b.xlsx', sheet 'verbatims', row 2, column 'interview_id'" in text
    assert f"verbatim_id {wa.cell(2, 1).value} is used for two different remarks" in text


def test_inputs_that_cannot_be_read_are_named(trip, config, tmp_path):
    with pytest.raises(merge.MergeError, match="file 'missing.xlsx': not found"):
        merge.merge_captures([tmp_path / "missing.xlsx"], config=config)
    one = _three(trip)[0]
    with pytest.raises(merge.MergeError, match=f"workbook '{one.name}' is given twice"):
        merge.merge_captures([one, one], config=config)


# ----------------------------------------------------------------------
# Writing and the command
# ----------------------------------------------------------------------
def test_write_merged_leaves_only_the_workbook(trip, tmp_path):
    out = tmp_path / "dir" / "merged.xlsx"
    merge.write_merged(trip["frames"], out)
    merge.write_merged(trip["frames"], out)  # replaced in place
    assert [p.name for p in out.parent.iterdir()] == ["merged.xlsx"]
    back = load_assessment(out)
    for name, frame in trip["merged"].tables.items():
        pd.testing.assert_frame_equal(back.tables[name], frame, obj=name)


def test_cra_merge_command(trip, tmp_path):
    out = tmp_path / "m.xlsx"
    args = [sys.executable, "-m", "cra_helpers.cli", "merge", *map(str, _three(trip)), "--out", str(out)]
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(str(out)) and "not held yet" in done.stdout
    again = subprocess.run(args, capture_output=True, text=True)
    assert again.returncode == 2 and "exists" in again.stderr and "--force" in again.stderr
    assert subprocess.run(args + ["--force"], capture_output=True, text=True).returncode == 0
    own = subprocess.run([*args[:4], str(_three(trip)[0]), "--out", str(_three(trip)[0])], capture_output=True, text=True)
    assert own.returncode == 2 and "is one of the workbooks to merge" in own.stderr
