"""Helpers of the planning tests: plan the sample's key accounts, fill capture workbooks as a person would.

Filling writes into the cells of the capture workbook with openpyxl — the
answer cells, plus date, interviewer, duration and wave of each interview
(typed in the field) — and adds verbatim rows at the bottom of the
``verbatims`` sheet; it never touches an id, a reference or the layout.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd

from cra_helpers import headlines
from cra_helpers import schema as S
from cra_helpers.assessment import Assessment
from cra_helpers.config import Config
from cra_helpers.planning import capture, merge, schedule
from cra_helpers.spreadsheet import write_text_safe

FIRST_DAY = "2026-03-02"
INTERVIEWERS = ("Lucia Marin", "Hanna Brecht", "Tom Eriksen")


def planning_config(config: Config, **schedule_settings) -> Config:
    """``config`` with the sample's three interviewers and a window long enough for every key account."""
    rule = config.planning.schedule.model_copy(update={"interviewers": INTERVIEWERS, "window_days": 30, **schedule_settings})
    return config.model_copy(update={"planning": config.planning.model_copy(update={"schedule": rule})})


def plan_key_accounts(a: Assessment, config: Config, folder: Path) -> tuple[pd.DataFrame, dict[str, Path]]:
    """Schedule every key account of ``a`` at once; one capture workbook per account with interviews planned.

    Key accounts without contacts (in the sample, the four that prioritization
    adds and nobody has met yet) get no interview: the schedule's notes name them.
    """
    keys = headlines.key_account_ids(a)
    plan = schedule.schedule_interviews(a, keys, config, first_day=FIRST_DAY)
    planned = [acc for acc in keys if acc in set(plan[S.ACCOUNT_ID])]
    paths = {acc: capture.write_capture_workbook(a, acc, plan, folder / f"capture_{acc}.xlsx", config) for acc in planned}
    return plan, paths


def _columns(ws) -> dict[str, int]:
    return {str(c.value): c.column for c in ws[1] if c.value is not None}


def _put(ws, row: int, col: int, value) -> None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return
    if hasattr(value, "item"):
        value = value.item()
    write_text_safe(ws, row, col, value)


def fill_with_sample(path: Path, sample: Assessment) -> dict[str, str]:
    """Type the sample's own answers into a capture workbook; returns planned id → the sample's interview id.

    A planned interview is matched to the sample's interview of the same
    contact; a contact the sample never interviewed keeps a blank interview
    (not held). Ratings are typed where the sample has the row (interview,
    need, competitor); other rows stay blank (not asked).
    """
    wb = openpyxl.load_workbook(path)
    held = sample.interviews.set_index(S.CONTACT_ID)
    ws = wb[S.INTERVIEWS]
    cols = _columns(ws)
    mapping: dict[str, str] = {}
    for r in range(2, ws.max_row + 1):
        contact = ws.cell(r, cols[S.CONTACT_ID]).value
        if contact not in held.index:
            continue
        got = held.loc[contact]
        mapping[ws.cell(r, cols[S.INTERVIEW_ID]).value] = got[S.INTERVIEW_ID]
        _put(ws, r, cols[S.DATE], got[S.DATE].date())
        for c in (S.INTERVIEWER, S.DURATION_MIN, S.WAVE):
            _put(ws, r, cols[c], got[c])
    _fill_ratings(wb[S.RATINGS], sample, mapping)
    _fill_loyalty(wb[S.LOYALTY], sample, mapping)
    _fill_verbatims(wb[S.VERBATIMS], sample, mapping)
    wb.save(path)
    return mapping


def _fill_ratings(ws, sample: Assessment, mapping: dict[str, str]) -> None:
    cols = _columns(ws)
    r = sample.ratings
    answers = {(i, n, c): v for i, n, c, *v in zip(r[S.INTERVIEW_ID], r[S.NEED_ID], r[S.COMPETITOR_ID].astype(object),
                                                  r[S.IMPORTANCE], r[S.PERFORMANCE], r[S.COMPETITOR_PERFORMANCE])}
    for row in range(2, ws.max_row + 1):
        planned = ws.cell(row, cols[S.INTERVIEW_ID]).value
        key = (mapping.get(planned), ws.cell(row, cols[S.NEED_ID]).value, ws.cell(row, cols[S.COMPETITOR_ID]).value)
        if key in answers:
            for col, value in zip((S.IMPORTANCE, S.PERFORMANCE, S.COMPETITOR_PERFORMANCE), answers[key]):
                _put(ws, row, cols[col], value)


def _fill_loyalty(ws, sample: Assessment, mapping: dict[str, str]) -> None:
    cols = _columns(ws)
    loy = sample.loyalty.set_index(S.INTERVIEW_ID)
    for row in range(2, ws.max_row + 1):
        got = mapping.get(ws.cell(row, cols[S.INTERVIEW_ID]).value)
        if got is None:
            continue
        for col in (S.SATISFACTION, S.RECOMMEND, S.CONTINUE, S.INCREASE, S.SHARE_OF_WALLET):
            _put(ws, row, cols[col], loy.loc[got, col])


def _fill_verbatims(ws, sample: Assessment, mapping: dict[str, str]) -> None:
    cols = _columns(ws)
    back = {v: k for k, v in mapping.items()}
    v = sample.verbatims
    v = v[v[S.INTERVIEW_ID].isin(list(back))]
    row = 2
    for rec in v.to_dict("records"):
        _put(ws, row, cols[S.VERBATIM_ID], rec[S.VERBATIM_ID])
        _put(ws, row, cols[S.INTERVIEW_ID], back[rec[S.INTERVIEW_ID]])
        _put(ws, row, cols[S.TOPIC], rec[S.TOPIC])
        _put(ws, row, cols[S.TEXT], rec[S.TEXT])
        row += 1


def base_without_interviews(sample: Assessment, accounts: list[str], out: Path) -> Path:
    """The sample without the interviews (and their ratings, loyalty, verbatims) of ``accounts``, as a workbook."""
    contacts = sample.contacts[sample.contacts[S.ACCOUNT_ID].isin(accounts)][S.CONTACT_ID]
    iv = sample.interviews
    gone = set(iv.loc[iv[S.CONTACT_ID].isin(contacts), S.INTERVIEW_ID])
    frames = {}
    for name, frame in sample.tables.items():
        if name in (S.INTERVIEWS, S.RATINGS, S.LOYALTY, S.VERBATIMS):
            frame = frame[~frame[S.INTERVIEW_ID].isin(gone)]
        frames[name] = frame
    return merge.write_merged(frames, out)
