"""At-risk accounts, return-on-resources ranking, the action-plan workbook and one-pagers."""

from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from cra_helpers import actions as A
from cra_helpers import gap
from cra_helpers import schema as S
from cra_helpers.config import ConfigError, load_config
from cra_helpers.report import one_pager_html

HOSTILE = ["=HYPERLINK(\"http://x\",\"click\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)", "=1+1"]


@pytest.fixture(scope="module")
def risk(sample):
    return A.account_risk(sample)


@pytest.fixture(scope="module")
def library(sample):
    return A.load_library(sample.config)


@pytest.fixture(scope="module")
def impact(sample):
    return A.need_impact(sample)


def test_planted_at_risk_accounts_are_the_top_rows_with_their_causes(risk, truth):
    planted = set(truth["at_risk_accounts"])
    assert set(risk.head(len(planted))[S.ACCOUNT_ID]) == planted
    assert (risk.head(len(planted))["risk_level"] == A.HIGH).all()
    assert (risk.iloc[len(planted):]["risk_level"] != A.HIGH).all()
    for reasons in risk.head(len(planted))["reasons"]:
        for cause in ("loyalty segment At risk", "decision-makers are detractors", "rated above us", "revenue -", "satisfaction"):
            assert cause in reasons, (cause, reasons)
    flagged = risk[risk["risk_level"] != A.LOW]
    assert (flagged["revenue_at_stake"] == flagged["revenue"]).all()
    assert (risk.loc[risk["risk_level"] == A.LOW, "revenue_at_stake"] == 0).all()


def test_risk_score_is_the_weighted_mean_of_its_components(risk, sample):
    w = sample.config.actions.risk.weights.model_dump()
    comps = risk[[f"c_{k}" for k in A.COMPONENTS]].to_numpy(float)
    weights = np.array([w[k] for k in A.COMPONENTS])
    ok = ~np.isnan(comps)
    expected = 100 * np.nansum(comps * weights, axis=1) / (ok * weights).sum(axis=1)
    assert np.allclose(risk["risk_score"], expected)
    assert risk["c_trend"].isna().all()  # one wave: the trend cannot be computed and drops out
    values = comps[ok]
    assert ((values >= 0) & (values <= 1)).all()


def test_a_zero_weight_switches_a_component_off(sample):
    cfg = load_config(actions={"risk": {"weights": {k: (1.0 if k == "decision_makers" else 0.0) for k in A.COMPONENTS}}})
    r = A.account_risk(sample.__class__(sample.tables, cfg, sample.source, list(sample.notes), list(sample.absent)))
    assert np.allclose(r["risk_score"], 100 * r["c_decision_makers"].fillna(0))


def test_effort_change_reranks_as_the_arithmetic_says(sample, library, impact):
    recs = A.recommendations(library, impact, sample.needs, sample.config)
    last = recs[recs["rank"].notna()].iloc[-1]
    item = next(a for a in library.actions if a.id == last["action_id"])
    # make the last action nearly free of effort: its return must become impact / cost (+ the small effort)
    changed = A.ActionLibrary(actions=[a.model_copy(update={"effort_days": 0.5, "cost": 0.0}) if a.id == item.id else a for a in library.actions],
                              metrics=library.metrics)
    again = A.recommendations(changed, impact, sample.needs, sample.config)
    row = again.set_index("action_id").loc[item.id]
    expected = last["impact"] / (0.5 * sample.config.actions.day_rate)
    assert row["return_on_resources"] == pytest.approx(expected)
    assert row["impact"] == pytest.approx(last["impact"])          # impact does not depend on effort
    assert int(row["rank"]) == int((again["return_on_resources"] > expected).sum()) + 1
    assert int(row["rank"]) < int(last["rank"])
    # the others keep their arithmetic
    others = again[again["action_id"] != item.id].set_index("action_id")
    before = recs.set_index("action_id").loc[others.index]
    assert np.allclose(others["return_on_resources"], before["return_on_resources"])


def test_impact_arithmetic_per_need(sample, impact):
    needs = gap.need_gaps(sample).set_index(S.NEED_ID)
    revenue = sample.accounts.set_index(S.ACCOUNT_ID)[S.REVENUE]
    for row in impact.head(5).itertuples():
        n = needs.loc[row.need_id]
        gplus = max(n["importance"] - n["performance"], 0)
        rev = revenue.reindex(row.accounts_affected.split("; ")).sum()
        assert row.impact == pytest.approx(n["importance"] * gplus * row.driver_weight * rev)
    assert impact["driver_weight"].sum() <= 1.0 + 1e-9


def test_library_validation_names_the_entry(tmp_path):
    bad = {"actions": [{"id": "X", "action": "a", "needs": ["N01"], "effort_days": -1, "cost": 0, "owner": "o", "metric": "nope"}]}
    p = tmp_path / "lib.yaml"
    p.write_text(yaml.safe_dump(bad))
    with pytest.raises(ConfigError) as exc:
        A.load_library(load_config(), library=p)
    assert "actions.0.effort_days" in str(exc.value) and str(p) in str(exc.value)
    bad["actions"][0]["effort_days"] = 1
    p.write_text(yaml.safe_dump(bad))
    with pytest.raises(ConfigError, match="not in the metrics catalogue: nope"):
        A.load_library(load_config(), library=p)


def _plan_inputs(sample, risk, library, impact):
    recs = A.recommendations(library, impact, sample.needs, sample.config)
    gaps = gap.need_gaps(sample)
    metrics = A.metrics_for_needs(library, sample.needs, gaps, impact.head(5), sample.config)
    plan = A.action_plan(recs, library, gaps, sample.config)
    return plan, recs, metrics


def test_text_beginning_like_a_formula_lands_as_text(tmp_path, sample, risk, library, impact):
    plan, recs, metrics = _plan_inputs(sample, risk, library, impact)
    risk = risk.copy()
    risk.loc[: len(HOSTILE) - 1, "account_name"] = HOSTILE
    plan.loc[0, "Action"] = HOSTILE[0]
    path = A.write_action_plan(tmp_path / "plan.xlsx", plan, recs, risk, metrics, sample.config)
    wb = load_workbook(path)
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if cell.value in HOSTILE:
                    assert cell.data_type == "s"
                    seen.add(cell.value)
    assert seen == set(HOSTILE)  # every hostile text is there, unchanged, as text
    ws = wb["Action plan"]
    headers = [c.value for c in ws[1]]
    for col in ("Action", "Owner (role)", "Person", "Customers' rating measured", "Rating baseline (1–10)", "Rating target (1–10)",
                "Operational metric", "Operational unit", "Due date", "Status", "Progress (%)", "Comment", "Accounts affected",
                "Internal communication", "Communication to the customer"):
        assert col in headers


def test_action_plan_targets_and_due_dates(sample, risk, library, impact):
    import datetime as dt

    plan, recs, _ = _plan_inputs(sample, risk, library, impact)
    rule = sample.config.actions.plan
    gaps = gap.need_gaps(sample).set_index(S.NEED_ID)
    first = recs.iloc[0]["need_ids"].split("; ")[0]
    assert plan.iloc[0]["Rating baseline (1–10)"] == pytest.approx(round(gaps.loc[first, "performance"], 2))
    assert plan.iloc[0]["Rating target (1–10)"] == pytest.approx(
        round(gaps.loc[first, "performance"] + rule.target_gap_closure * max(gaps.loc[first, "gap"], 0), 2))
    assert plan.iloc[0]["Customers' rating measured"] == f"Customers' rating of {gaps.loc[first, 'need']} (1–10)"
    today = dt.date.today()
    assert plan.iloc[0]["Due date"] == today + dt.timedelta(days=rule.due_days_top)
    assert plan.iloc[-1]["Due date"] == today + dt.timedelta(days=rule.due_days_rest)
    assert (plan["Status"] == "not started").all() and (plan["Person"] == "").all()


def test_action_plan_opens_in_libreoffice(tmp_path, sample, risk, library, impact):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is not installed; .ci/run installs libreoffice-calc and this test must run in CI")
        pytest.skip("LibreOffice not installed (make test installs it as root)")
    plan, recs, metrics = _plan_inputs(sample, risk, library, impact)
    path = A.write_action_plan(tmp_path / "plan.xlsx", plan, recs, risk, metrics, sample.config)
    profile = tmp_path / "lo-profile"
    proc = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
        capture_output=True, text=True, timeout=240,
    )
    pdf = tmp_path / "plan.pdf"
    assert proc.returncode == 0, proc.stderr
    assert pdf.is_file() and pdf.stat().st_size > 2000 and pdf.read_bytes().startswith(b"%PDF")


def test_one_pager_escapes_text_and_lists_what_concerns_the_account(sample, risk, library, impact, truth):
    recs = A.recommendations(library, impact, sample.needs, sample.config)
    acc = truth["at_risk_accounts"][0]
    page = A.one_pager(sample, acc, risk, gap.account_gaps(sample), recs, impact=impact, library=library)
    assert page["risk_level"] == A.HIGH and page["reasons"][0]
    # without the needs tree's matches: the account's remarks of the tone its largest gap calls for, distinct
    assert page["top_gaps"]["stance"].iloc[0] == gap.STANCE_GAP
    assert len(page["quotes"]) == 3 and (page["quotes"]["sentiment"] == "negative").all()
    assert page["quote_rule"].startswith("remarks not matched")
    assert len(page["actions"]) >= 1
    page["name"] = "<script>alert(1)</script>"
    html = one_pager_html(page, "EUR")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --------------------------------------------------------------------------- sentiment in the risk score
def test_negative_remarks_component_is_the_share_the_sentiment_model_calls_negative(sample, risk, truth):
    from cra_helpers.sentiment import classify

    v = sample.verbatims.merge(sample.respondents()[[S.INTERVIEW_ID, S.ACCOUNT_ID]], on=S.INTERVIEW_ID)
    v = v.assign(neg=(classify(v[S.TEXT].tolist())["sentiment"] == "negative").to_numpy())
    expected = v.groupby(S.ACCOUNT_ID)["neg"].mean()
    got = risk.set_index(S.ACCOUNT_ID)["c_negative_verbatims"]
    assert np.allclose(got.reindex(expected.index), expected)
    # the planted at-risk accounts complain most
    assert set(got.sort_values(ascending=False).head(len(truth["at_risk_accounts"])).index) == set(truth["at_risk_accounts"])


def test_risk_uses_the_needs_tree_classes_when_given(sample):
    s = A.verbatim_sentiment(sample)
    flipped = s.assign(sentiment="negative")
    r = A.account_risk(sample, sentiment=flipped)
    assert (r["c_negative_verbatims"] == 1.0).all()


# --------------------------------------------------------------------------- the action-plan workbook
@pytest.fixture(scope="module")
def workbook(tmp_path_factory, sample, risk, library, impact):
    plan, recs, metrics = _plan_inputs(sample, risk, library, impact)
    path = A.write_action_plan(tmp_path_factory.mktemp("plan") / "plan.xlsx", plan, recs, risk, metrics, sample.config,
                               A.unranked_actions(recs, impact))
    return path, plan, recs, metrics


def test_no_baseline_in_a_unit_other_than_its_metric(workbook, sample, library):
    path, plan, _, metrics = workbook
    gaps = gap.need_gaps(sample).set_index("need")
    lo, hi = sample.config.scale(S.SCALE_PERFORMANCE).min, sample.config.scale(S.SCALE_PERFORMANCE).max
    ws = load_workbook(path)[A.PLAN_SHEET]
    head = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(head)}
    for row in ws.iter_rows(min_row=2, max_row=len(plan) + 1, values_only=True):
        measured = row[col["Customers' rating measured"]]
        assert measured.startswith("Customers' rating of ") and measured.endswith(f"({lo:g}–{hi:g})")
        need = measured[len("Customers' rating of "):-len(f" ({lo:g}–{hi:g})")]
        # the rating baseline is that need's mean rating, on the rating scale
        assert row[col[f"Rating baseline ({lo:g}–{hi:g})"]] == pytest.approx(round(gaps.loc[need, "performance"], 2))
        assert lo <= row[col[f"Rating target ({lo:g}–{hi:g})"]] <= hi
        # operational baselines are left for the client, in the unit named beside them
        assert row[col["Operational baseline (client fills in, unit: see Operational unit)"]] is None
        assert row[col["Operational target (client fills in)"]] is None
        if row[col["Operational unit"]]:
            assert row[col["Operational unit"]] in {m.unit for m in library.metrics.values()}
    ppm = plan[plan["Operational unit"] == "ppm"]
    assert len(ppm) and ppm["Operational baseline (client fills in, unit: see Operational unit)"].isna().all()
    # the metrics sheet: a baseline only where the metric is the customers' rating itself
    has = metrics["baseline"].notna()
    assert (metrics.loc[has, "unit"].str.startswith("rating")).all()
    assert np.allclose(metrics.loc[has, "baseline"], metrics.loc[has, "customers_rating"])
    assert metrics.loc[~metrics["unit"].str.startswith("rating"), "baseline"].isna().all()


def test_status_drop_down_dates_and_print_setup(workbook):
    path, plan, _, _ = workbook
    wb = load_workbook(path)
    ws = wb[A.PLAN_SHEET]
    head = [c.value for c in ws[1]]
    letter = lambda h: ws.cell(row=1, column=head.index(h) + 1).column_letter  # noqa: E731
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1
    assert lists[0].formula1.strip('"').split(",") == list(A.PLAN_STATUSES)
    assert f"{letter('Status')}2" in str(lists[0].sqref).split(":")[0]
    ranges = [dv for dv in ws.data_validations.dataValidation if dv.type == "decimal" and letter("Progress (%)") in str(dv.sqref)]
    assert ranges and ranges[0].formula1 == "0" and ranges[0].formula2 == "100"
    for i in range(2, len(plan) + 2):
        cell = ws[f"{letter('Due date')}{i}"]
        assert cell.is_date and cell.number_format == "yyyy-mm-dd"
        assert isinstance(ws[f"{letter('Return on resources (impact per currency unit)')}{i}"].value, (int, float))
    assert ws.freeze_panes == "A2"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1"
    returns = plan["Return on resources (impact per currency unit)"]
    assert all(len(f"{x:g}".replace(".", "").lstrip("0")) <= 3 for x in returns)  # rounded: no 687.4516099048199


def test_actions_without_impact_are_listed_apart_unranked(tmp_path, sample, risk, library, impact):
    extra = A.ActionItem(id="ACT-X", action="Repaint the showroom", needs=["Not a need here"], effort_days=1, cost=0,
                         owner="Facility manager", metric="otif")
    lib = A.ActionLibrary(actions=[*library.actions, extra], metrics=library.metrics)
    recs = A.recommendations(lib, impact, sample.needs, sample.config)
    row = recs.set_index("action_id").loc["ACT-X"]
    assert pd.isna(row["rank"]) and row["impact"] == 0
    assert recs["rank"].dropna().tolist() == list(range(1, len(recs)))
    plan = A.action_plan(recs, lib, gap.need_gaps(sample), sample.config)
    assert "ACT-X" not in set(plan["Action id"])
    apart = A.unranked_actions(recs, impact)
    assert apart["Action id"].tolist() == ["ACT-X"] and "not needs of this assessment" in apart["Why not ranked"].iloc[0]
    path = A.write_action_plan(tmp_path / "p.xlsx", plan, recs, risk, A.metrics_for_needs(lib, sample.needs, gap.need_gaps(sample), impact.head(3)),
                               sample.config, apart)
    ws = load_workbook(path)[A.UNRANKED_SHEET]
    assert [c.value for c in ws[2]][-1] == "ACT-X"


def _fill(path, edits):
    wb = load_workbook(path)
    ws = wb[A.PLAN_SHEET]
    head = [c.value for c in ws[1]]
    for (row, header), value in edits.items():
        ws.cell(row=row, column=head.index(header) + 1, value=value)
    wb.save(path)
    return head


def test_filled_in_plan_reads_back_and_summarises(tmp_path, workbook):
    import datetime as dt

    src, plan, _, _ = workbook
    path = tmp_path / "filled.xlsx"
    shutil.copy(src, path)
    _fill(path, {(2, "Status"): "done", (2, "Progress (%)"): 100, (3, "Status"): "In progress", (3, "Progress (%)"): "40%",
                 (3, "Person"): "M. Keller", (4, "Status"): "dropped", (4, "Comment"): "budget moved to 2028",
                 (5, "Due date"): dt.datetime(2020, 1, 31)})
    back = A.read_action_plan(path)
    assert len(back) == len(plan) and back["row"].tolist() == list(range(2, len(plan) + 2))
    assert back["Status"].tolist()[:4] == ["done", "in progress", "dropped", "not started"]
    assert back["Progress (%)"].tolist()[:3] == [100.0, 40.0, 0.0]
    assert back.loc[1, "Person"] == "M. Keller" and back.loc[2, "Comment"] == "budget moved to 2028"
    assert back.loc[3, "Due date"] == dt.date(2020, 1, 31)
    assert back.loc[0, "Due date"] == plan.loc[0, "Due date"]
    prog = A.plan_progress(back, today=dt.date.today())
    by = prog.set_index("status")
    n = len(plan)
    assert by.loc["done", "actions"] == 1 and by.loc["dropped", "actions"] == 1 and by.loc["in progress", "actions"] == 1
    assert by.loc["not started", "actions"] == n - 3 and by.loc["all", "actions"] == n
    assert prog.attrs["share_done_pct"] == pytest.approx(100 / (n - 1))
    assert prog.attrs["overdue"] == 1 and prog.attrs["overdue_actions"] == [back.loc[3, "Action"]]
    labels = [h[0] for h in A.progress_headlines(prog)]
    assert labels == ["Actions in the plan", "Actions done", "Share of actions done", "Actions overdue"]


def test_bad_values_in_a_filled_in_plan_are_located(tmp_path, workbook):
    src, _, _, _ = workbook
    path = tmp_path / "bad.xlsx"
    shutil.copy(src, path)
    head = _fill(path, {(2, "Status"): "finished", (3, "Progress (%)"): 140, (4, "Progress (%)"): "half", (5, "Due date"): "next week"})
    col = lambda h: load_workbook(path)[A.PLAN_SHEET].cell(row=1, column=head.index(h) + 1).column_letter  # noqa: E731
    with pytest.raises(A.ActionPlanError) as exc:
        A.read_action_plan(path)
    msg = str(exc.value)
    assert str(path) in msg and len(exc.value.problems) == 4
    assert f"sheet 'Action plan', row 2, column {col('Status')} ('Status'): 'finished' is not a status" in msg
    assert f"row 3, column {col('Progress (%)')} ('Progress (%)'): 140 is not a number from 0 to 100" in msg
    assert "row 4, column" in msg and "'half' is not a number" in msg
    assert f"row 5, column {col('Due date')} ('Due date'): 'next week' is not a date" in msg
    with pytest.raises(A.ActionPlanError, match="no sheet 'Plan'"):
        A.read_action_plan(path, sheet="Plan")
