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
from cra_helpers.figures.actions import one_pager_html

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
    last = recs.iloc[-1]
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
    metrics = A.metrics_for_needs(library, sample.needs, gaps, impact.head(5))
    plan = A.action_plan(recs, library, gaps, sample.config)
    return plan, recs, metrics


def test_text_beginning_like_a_formula_lands_as_text(tmp_path, sample, risk, library, impact):
    plan, recs, metrics = _plan_inputs(sample, risk, library, impact)
    risk = risk.copy()
    risk.loc[: len(HOSTILE) - 1, "account_name"] = HOSTILE
    plan.loc[0, "action"] = HOSTILE[0]
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
    for col in ("action", "owner", "metric", "baseline", "target", "due_date", "accounts_affected",
                "internal_communication", "communication_to_customer"):
        assert col in headers


def test_action_plan_targets_and_due_dates(sample, risk, library, impact):
    import datetime as dt

    plan, recs, _ = _plan_inputs(sample, risk, library, impact)
    rule = sample.config.actions.plan
    gaps = gap.need_gaps(sample).set_index(S.NEED_ID)
    first = recs.iloc[0]["need_ids"].split("; ")[0]
    assert plan.iloc[0]["baseline"] == pytest.approx(round(gaps.loc[first, "performance"], 2))
    assert plan.iloc[0]["target"] == pytest.approx(round(gaps.loc[first, "performance"] + rule.target_gap_closure * max(gaps.loc[first, "gap"], 0), 2))
    today = dt.date.today()
    assert plan.iloc[0]["due_date"] == (today + dt.timedelta(days=rule.due_days_top)).isoformat()
    assert plan.iloc[-1]["due_date"] == (today + dt.timedelta(days=rule.due_days_rest)).isoformat()


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
    page = A.one_pager(sample, acc, risk, gap.account_gaps(sample), recs)
    assert page["risk_level"] == A.HIGH and page["reasons"][0]
    assert len(page["quotes"]) == 3 and (page["quotes"]["compound"] < 0).all()
    assert len(page["actions"]) >= 1
    page["name"] = "<script>alert(1)</script>"
    html = one_pager_html(page, "EUR")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
