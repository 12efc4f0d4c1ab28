"""`cra run`: reports, tables, summary, skipped steps and failing notebooks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from cra_helpers import paths, steps
from cra_helpers.pipeline import run_pipeline

CRA = str(Path(sys.executable).with_name("cra"))


def _nb(cells) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "cra-workbench", "display_name": "CRA Workbench", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


PARAMS = 'data_path = ""\nout_dir = ""\nconfig_path = ""'


def _write_notebooks(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    good = _nb([
        new_markdown_cell("# Good\n\n## Section"),
        new_code_cell(PARAMS, metadata={"tags": ["parameters"]}),
        new_code_cell("from cra_helpers.report import Report\nrep = Report.start('good', data_path, out_dir, config_path)\nrep.headline('Answer', 42)\nrep.finish();"),
    ])
    bad = _nb([
        new_markdown_cell("# Bad"),
        new_code_cell(PARAMS, metadata={"tags": ["parameters"]}),
        new_code_cell("x = 1"),
        new_code_cell("raise ValueError('planted failure')"),
        new_code_cell("y = 2"),
    ])
    nbformat.write(good, str(folder / "good.ipynb"))
    nbformat.write(bad, str(folder / "bad.ipynb"))


def test_sample_run_writes_reports_tables_and_summary(sample_run):
    out = sample_run.out_dir
    assert sample_run.ok, [n.error for n in sample_run.failed]
    assert (out / "index.html").is_file() and (out / "summary.json").is_file()
    assert (out / "assets" / "plotly.min.js").is_file()
    summary = json.loads((out / "summary.json").read_text())
    names = [n["name"] for n in summary["notebooks"]]
    assert names == sorted(p.stem for p in paths.notebooks_dir().glob("*.ipynb") if not steps.step_for(p.stem).on_request)
    # every key account got its own report, linked from the landing page
    from cra_helpers import headlines
    from cra_helpers.loader import load_assessment

    keys = headlines.key_account_ids(load_assessment(paths.sample_path()))
    reports = summary["account_reports"]
    assert reports["ok"] and [a["account"] for a in reports["accounts"]] == keys
    index = (out / "index.html").read_text(encoding="utf-8")
    for a in reports["accounts"]:
        assert (out / a["path"]).is_file() and f'href="{a["path"]}"' in index
    for nb in summary["notebooks"]:
        assert nb["status"] == "ok"
        assert (out / nb["html"]).is_file()
        assert nb["seconds"] > 0
    # headline figures reach the summary, and they are the sample's real counts
    overview = next(n for n in summary["notebooks"] if n["name"] == "00_overview")
    heads = {h["label"]: h["value"] for h in overview["headlines"]}
    accounts = pd.read_excel(paths.sample_path(), sheet_name="accounts", engine="openpyxl")
    assert heads["Accounts"] == len(accounts)
    assert heads["Key accounts"] == int(accounts["key_account"].astype(str).str.lower().isin(["yes", "true", "1", "y"]).sum())
    cov = pd.read_csv(out / "tables" / "overview_accounts.csv")
    assert len(cov) == len(accounts) and cov["revenue"].is_monotonic_decreasing


def test_plotly_js_is_not_repeated_in_pages(sample_run):
    for html in sample_run.out_dir.glob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert len(text) < 2_000_000, f"{html.name} is {len(text)} bytes: plotly.js inlined?"
        assert text.count('src="assets/plotly.min.js"') <= 1
        for cdn in ("cdn.jsdelivr", "cdnjs", "unpkg.com", "cdn.plot.ly", "require.js", "mathjax"):
            assert cdn not in text.lower(), f"{html.name} references {cdn}"


def test_failing_notebook_is_reported_and_others_finish(tmp_path):
    nbs = tmp_path / "nbs"
    _write_notebooks(nbs)
    target = tmp_path / "out"
    proc = subprocess.run(
        [CRA, "run", "--notebooks", str(nbs), "--out", str(target), "--data", str(paths.sample_path())],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 1
    assert "bad.ipynb, cell 4: ValueError: planted failure" in proc.stdout, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    # A run with failures is published beside its target, never in its place.
    assert not target.exists()
    out = tmp_path / "out-failed"
    assert f"this run is at {out}" in proc.stdout
    assert (out / "_executed" / "bad.ipynb").is_file()  # kept for debugging
    assert (out / "good.html").is_file()                # the other report finished
    summary = json.loads((out / "summary.json").read_text())
    status = {n["name"]: n for n in summary["notebooks"]}
    assert status["good"]["status"] == "ok" and status["good"]["headlines"][0]["value"] == 42
    assert status["bad"]["status"] == "failed" and status["bad"]["error"]["ename"] == "ValueError"
    index = (out / "index.html").read_text()
    assert "planted failure" in index and "some reports failed" in index


def test_steps_missing_their_tables_are_skipped_with_the_reason(tmp_path, monkeypatch):
    nbs = tmp_path / "nbs"
    _write_notebooks(nbs)
    (nbs / "bad.ipynb").unlink()
    monkeypatch.setitem(steps.STEPS, "good", steps.Step("good", "Needs ratings", requires=("accounts", "ratings")))
    accounts_only = tmp_path / "accounts_only.xlsx"
    pd.read_excel(paths.sample_path(), sheet_name="accounts", engine="openpyxl").to_excel(accounts_only, sheet_name="accounts", index=False)
    lines: list[str] = []
    result = run_pipeline(data=accounts_only, out=tmp_path / "out", notebooks_dir=nbs, echo=lines.append)
    assert result.ok
    (nb,) = result.notebooks
    assert nb.status == "skipped" and "ratings" in nb.reason
    assert any("skipped" in ln and "ratings" in ln for ln in lines)
    assert "ratings" in (tmp_path / "out" / "index.html").read_text()


def test_unknown_only_name_is_a_clear_error(tmp_path):
    proc = subprocess.run([CRA, "run", "--only", "nope", "--out", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "unknown notebook(s) nope" in proc.stderr and "Traceback" not in proc.stderr


# Readers of the needs tree's result tables in the run folder, and the steps they must wait for.
_TREE_READERS = ("read_need_evidence(rep.out_dir", "verbatim_sentiment(a, rep.out_dir")


def test_steps_that_read_the_needs_tree_wait_for_it():
    """A step that reads 03_needs_tree's tables starts after it, so its quotes and remark counts never depend on
    which notebook happened to finish first (05_actions used to race it)."""
    readers = []
    for nb in sorted(paths.notebooks_dir().glob("*.ipynb")):
        source = "".join("".join(c["source"]) for c in json.loads(nb.read_text(encoding="utf-8"))["cells"])
        if any(r in source for r in _TREE_READERS):
            readers.append(nb.stem)
    assert {"04_gap_analysis", "05_actions"} <= set(readers)
    for name in readers:
        assert "03_needs_tree" in steps.step_for(name).after, name
