"""Executive summary and headline figures: generated from the results, equal on every page, honest on thin data."""

from __future__ import annotations

import doctest
import html as html_lib
import json
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from cra_helpers import actions, findings, formatting, headlines, paths, quantitative
from cra_helpers import schema as S
from cra_helpers.config import load_config
from cra_helpers.loader import load_assessment
from cra_helpers.pipeline import run_pipeline


def _summary(run) -> dict:
    return json.loads(Path(run.summary_path).read_text(encoding="utf-8"))


def _table(run, name: str) -> pd.DataFrame:
    return pd.read_csv(Path(run.out_dir) / "tables" / f"{name}.csv", dtype={S.ACCOUNT_ID: str})


# ---------------------------------------------------------------------------- pure functions
def test_formatting_doctests_hold():
    result = doctest.testmod(formatting)
    assert result.attempted >= 8 and result.failed == 0


def test_p_values_and_headers_for_people():
    assert formatting.p_value(0.0) == "< 0.001" and formatting.p_value(0.00099) == "< 0.001"
    assert formatting.p_value(0.001) == "0.001"
    assert formatting.header("revenue_at_stake") == "Revenue at stake"
    assert formatting.money(1_234_567, "EUR") == "1.2 million EUR"
    assert formatting.count(52.0) == "52"


def test_risk_crosswalk_counts_every_account_once(sample):
    loyalty = quantitative.account_loyalty(sample)
    risk = actions.account_risk(sample, loyalty)
    cw = headlines.risk_crosswalk(loyalty, risk).set_index("loyalty_segment")
    assert int(cw["total"].sum()) == len(risk)
    # Independent count: each (segment, level) pair by a plain merge.
    pairs = risk.merge(loyalty[[S.ACCOUNT_ID, quantitative.SEGMENT]], on=S.ACCOUNT_ID)
    for (seg, level), n in pairs.groupby([quantitative.SEGMENT, "risk_level"]).size().items():
        assert cw.loc[seg, level] == n
    note = headlines.risk_relation_note(cw.reset_index())
    at_risk = int((loyalty[quantitative.SEGMENT] == "At risk").sum())
    high = int((risk["risk_level"] == "High").sum())
    assert f"{at_risk} account(s) are in the At risk segment and {high} at risk level High" in note


# ---------------------------------------------------------------------------- the sample run
@pytest.mark.slow
def test_the_summary_has_five_to_eight_findings_ordered_by_revenue(sample_run):
    s = _summary(sample_run)
    found = s["findings"]
    assert 5 <= len(found) <= 8
    for f in found:
        assert {"text", "evidence", "action", "link"} <= set(f) and all(f[k] for k in ("text", "evidence", "action"))
        assert 3 <= len(f["short"].split()) <= 14, f["short"]  # fits a slide bullet
    stakes = [f["revenue_at_stake"] for f in found]
    assert stakes == sorted(stakes, reverse=True)
    assert not s["deliverable_errors"]


@pytest.mark.slow
def test_every_finding_links_to_a_section_that_exists(sample_run):
    for f in _summary(sample_run)["findings"]:
        page, anchor = f["link"].split("#")
        html = (Path(sample_run.out_dir) / page).read_text(encoding="utf-8")
        assert f'id="{anchor}"' in html, f["link"]


@pytest.mark.slow
def test_finding_figures_agree_with_the_result_tables(sample_run):
    found = {f["kind"]: f for f in reversed(_summary(sample_run)["findings"])}
    gaps = _table(sample_run, "gap_needs")
    for f in _summary(sample_run)["findings"]:
        if f["kind"] != "need":
            continue
        need = re.match(r"Customers rate (.+?) ([\d.]+) points below", f["text"])
        row = gaps[gaps["need"] == need.group(1)].iloc[0]
        assert need.group(2) == f"{row['gap']:.1f}" and row["quadrant"] == "Concentrate here" and row["gap_ci_low"] > 0
        assert f"95% CI {row['gap_ci_low']:.1f} to {row['gap_ci_high']:.1f}" in f["evidence"]
        # Revenue at stake: accounts whose own gap on this need is material.
        acc = _table(sample_run, "gap_accounts")
        ids = acc[(acc[S.NEED_ID] == row[S.NEED_ID]) & (acc["gap"] >= 1.0)][S.ACCOUNT_ID]
        a = load_assessment(paths.sample_path())
        rev = a.accounts[a.accounts[S.ACCOUNT_ID].astype(str).isin(ids)][S.REVENUE].sum()
        assert f["revenue_at_stake"] == pytest.approx(rev)
    risk = _table(sample_run, "at_risk")
    if "risk" in found:
        n = int(risk["risk_level"].isin(["High", "Medium"]).sum())
        assert found["risk"]["text"].startswith(f"{n} of the {len(risk)} accounts assessed")


@pytest.mark.slow
def test_landing_page_and_summary_page_show_the_findings(sample_run):
    index = (Path(sample_run.out_dir) / "index.html").read_text(encoding="utf-8")
    page = (Path(sample_run.out_dir) / "summary.html").read_text(encoding="utf-8")
    assert index.index("Executive summary") < index.index("Reports</h2>")
    for f in _summary(sample_run)["findings"]:
        assert f["text"] in html_lib.unescape(index)
        assert f["action"] in html_lib.unescape(page)


@pytest.mark.slow
def test_the_same_headline_label_has_the_same_value_everywhere(sample_run):
    values: dict[str, set] = defaultdict(set)
    where: dict[str, list[str]] = defaultdict(list)
    for nb in _summary(sample_run)["notebooks"]:
        for h in nb["headlines"]:
            values[h["label"]].add(json.dumps(h["value"]))
            where[h["label"]].append(nb["name"])
    shared = {k for k, v in where.items() if len(v) > 1}
    assert {"Accounts", "Key accounts", "Interviews", "Accounts interviewed"} <= shared
    assert {k: v for k, v in values.items() if len(v) > 1} == {}
    # The cards on the report pages show the same figures as summary.json.
    for nb in _summary(sample_run)["notebooks"]:
        html = (Path(sample_run.out_dir) / f"{nb['name']}.html").read_text(encoding="utf-8")
        cards = dict((html_lib.unescape(l), html_lib.unescape(v)) for v, l in
                     re.findall(r'<div class="v">([^<]*)</div><div class="l">([^<]*)</div>', html))
        for h in nb["headlines"]:
            if h["label"] in cards and isinstance(h["value"], int):
                assert cards[h["label"]] == f"{h['value']:,}", (nb["name"], h["label"])


@pytest.mark.slow
def test_key_accounts_mean_the_marked_accounts_on_every_page(sample_run, sample):
    marked = int(headlines.key_account_flags(sample.accounts).sum())
    for nb in _summary(sample_run)["notebooks"]:
        for h in nb["headlines"]:
            if h["label"] == headlines.KEY_ACCOUNTS.label:
                assert h["value"] == marked
                assert h["definition"] == headlines.KEY_ACCOUNTS.definition


# ---------------------------------------------------------------------------- an accounts-only assessment
@pytest.mark.slow
def test_accounts_only_summary_says_which_steps_could_not_run(tmp_path):
    accounts_only = tmp_path / "accounts_only.xlsx"
    pd.read_excel(paths.sample_path(), sheet_name="accounts", engine="openpyxl").to_excel(
        accounts_only, sheet_name="accounts", index=False)
    result = run_pipeline(data=accounts_only, out=tmp_path / "out", echo=lambda _l: None)
    s = _summary(result)
    kinds = [f["kind"] for f in s["findings"]]
    assert "concentration" in kinds and not {"need", "risk", "loyalty"} & set(kinds)
    skipped = [nb["title"] for nb in s["notebooks"] if nb["status"] == "skipped"]
    assert len(skipped) >= 4
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "Steps that could not run" in index
    for title in skipped:
        assert title in html_lib.unescape(index)
    acc = _table(result, "accounts_prioritized")
    top = acc[acc["abc_class"] == "A"]
    conc = next(f for f in s["findings"] if f["kind"] == "concentration")
    assert conc["text"].startswith(f"{len(top)} of {len(acc)} accounts (class A)")
    assert conc["revenue_at_stake"] == pytest.approx(top[S.REVENUE].sum())


def test_findings_skip_what_does_not_hold(tmp_path, sample):
    """A Concentrate-here need whose gap interval includes 0 is no finding; a lost-but-not-significant comparison neither."""
    tables = tmp_path / "tables"
    tables.mkdir()
    pd.DataFrame([{"need_id": "N01", "need": "Product reliability", "n": 5, "importance": 8.0, "performance": 7.0,
                   "gap": 1.0, "gap_ci_low": -0.2, "gap_ci_high": 2.2, "quadrant": "Concentrate here", "rank_gap": 1}]
                 ).to_csv(tables / "gap_needs.csv", index=False)
    pd.DataFrame([{"need_id": "N01", "competitor_id": "CMP1", "n": 5, "us": 6.0, "them": 8.0, "difference": -2.0,
                   "ci_low": -4.0, "ci_high": 0.1, "p_adjusted": 0.2, "significant": False, "weighted_difference": -1.6,
                   "verdict": "we lose"}]).to_csv(tables / "gap_competitors.csv", index=False)
    assert findings.executive_findings(tmp_path, sample, load_config()) == []


# ---------------------------------------------------------------------------- the action plan read back
@pytest.mark.slow
def test_next_run_shows_the_progress_of_a_filled_in_plan(sample_run, tmp_path):
    import subprocess

    import openpyxl

    wb = openpyxl.load_workbook(Path(sample_run.out_dir) / "tables" / "action_plan.xlsx")
    ws = wb["Action plan"]
    head = [c.value for c in ws[1]]
    status, progress = head.index("Status") + 1, head.index("Progress (%)") + 1
    n = sum(1 for r in range(2, ws.max_row + 1) if ws.cell(r, head.index("Action") + 1).value)
    for row, (st, pct) in zip((2, 3, 4), (("done", 100), ("done", 100), ("dropped", 0))):
        ws.cell(row, status).value, ws.cell(row, progress).value = st, pct
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    result = run_pipeline(out=tmp_path / "out", only=["00_overview"], plan=filled, echo=lambda _l: None)
    heads = {h["label"]: h["value"] for h in _summary(result)["plan_progress"]["headlines"]}
    assert heads["Actions in the plan"] == n and heads["Actions done"] == 2
    assert heads["Share of actions done"] == pytest.approx(100 * 2 / (n - 1))
    index = html_lib.unescape((tmp_path / "out" / "index.html").read_text(encoding="utf-8"))
    assert f"Actions done 2 · Share of actions done {100 * 2 / (n - 1):.0f}%" in index

    ws.cell(5, status).value = "finished??"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    import sys

    proc = subprocess.run([str(Path(sys.executable).with_name("cra")), "run", "--only", "00_overview",
                           "--plan", str(bad), "--out", str(tmp_path / "out2")], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "row 5" in proc.stderr and "'Status'" in proc.stderr and "finished??" in proc.stderr
    assert not (tmp_path / "out2").exists()


@pytest.mark.slow
def test_no_paths_or_python_reprs_reach_a_report(sample_run):
    pattern = re.compile(r"PosixPath\(|WindowsPath\(|object at 0x[0-9a-f]+|<bound method|Traceback \(most recent")
    for page in Path(sample_run.out_dir).rglob("*.html"):
        if "_executed" in page.parts:
            continue
        found = pattern.findall(page.read_text(encoding="utf-8"))
        assert not found, (page.name, found[:3])


@pytest.mark.slow
def test_both_pages_relate_the_two_risk_scales_the_same_way(sample_run):
    """02 shows the crosswalk from its own risk computation; it must equal the one from 05's at-risk table."""
    shown = _table(sample_run, "risk_crosswalk").set_index("loyalty_segment")
    again = headlines.risk_crosswalk(_table(sample_run, "loyalty_accounts"), _table(sample_run, "at_risk"))
    pd.testing.assert_frame_equal(shown, again.set_index("loyalty_segment"), check_dtype=False,
                                  check_names=False)
    html = html_lib.unescape((Path(sample_run.out_dir) / "05_actions.html").read_text(encoding="utf-8"))
    assert headlines.risk_relation_note(again) in html
    assert headlines.risk_relation_note(again) in html_lib.unescape(
        (Path(sample_run.out_dir) / "02_quantitative.html").read_text(encoding="utf-8"))
