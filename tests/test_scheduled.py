"""Scheduled runs: an unchanged ``cra run`` reuses the last reports at once, any changed input runs again,
one JSON log line per step; ``cra watch`` merges the capture workbooks that land in a folder and runs."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import openpyxl
import pytest

from cra_helpers import headlines, paths, runstate
from cra_helpers import schema as S
from cra_helpers import watch as W
from cra_helpers.pipeline import discover

from ._planning import base_without_interviews, fill_with_sample, plan_key_accounts, planning_config

CRA = str(Path(sys.executable).with_name("cra"))


def _cra(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    t0 = time.perf_counter()
    proc = subprocess.run([CRA, *args], capture_output=True, text=True, timeout=600)
    return proc, time.perf_counter() - t0


# ----------------------------------------------------------------------
# Fingerprints
# ----------------------------------------------------------------------
def test_file_and_folder_hashes_against_hashlib(tmp_path):
    f = tmp_path / "a.csv"
    f.write_bytes(b"x,y\n1,2\n")
    assert runstate.file_hash(f) == hashlib.sha256(b"x,y\n1,2\n" + b"\0").hexdigest()
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "b.csv").write_bytes(b"2")
    (folder / "a.csv").write_bytes(b"1")
    (folder / ".hidden").write_bytes(b"ignored")
    want = hashlib.sha256(b"a.csv\0" + b"1" + b"\0" + b"b.csv\0" + b"2" + b"\0").hexdigest()
    assert runstate.file_hash(folder) == want
    (folder / "a.csv").write_bytes(b"one")
    assert runstate.file_hash(folder) != want


def test_every_input_changes_the_fingerprint(tmp_path):
    data = tmp_path / "assessment.xlsx"
    shutil.copy(paths.sample_path(), data)
    nb = tmp_path / "00_x.ipynb"
    nb.write_text("{}", encoding="utf-8")
    cfg = tmp_path / "client.yaml"
    cfg.write_text("client: A\n", encoding="utf-8")
    base = runstate.inputs_of(data, ["package defaults", cfg], [nb], options={"only": []})
    assert base == runstate.inputs_of(data, ["package defaults", cfg], [nb], options={"only": []})
    cfg.write_text("client: B\n", encoding="utf-8")
    assert runstate.inputs_of(data, ["package defaults", cfg], [nb], options={"only": []}) != base
    cfg.write_text("client: A\n", encoding="utf-8")
    nb.write_text('{"cells": []}', encoding="utf-8")
    assert runstate.inputs_of(data, ["package defaults", cfg], [nb], options={"only": []}) != base
    nb.write_text("{}", encoding="utf-8")
    assert runstate.inputs_of(data, ["package defaults", cfg], [nb], options={"only": ["00_x"]}) != base
    assert runstate.inputs_of(data, ["package defaults", cfg], [nb], plan=data, options={"only": []}) != base


def test_only_a_complete_successful_run_is_reused(tmp_path):
    inputs = {"data": "d"}
    run = tmp_path / "run"
    run.mkdir()
    (run / "summary.json").write_text(json.dumps({"ok": True, "inputs": inputs}), encoding="utf-8")
    assert runstate.reusable_run([run], inputs) is None  # no index.html: not complete
    (run / "index.html").write_text("<html></html>", encoding="utf-8")
    assert runstate.reusable_run([tmp_path / "missing", run], inputs)[0] == run.resolve()
    assert runstate.reusable_run([run], {"data": "other"}) is None
    (run / "summary.json").write_text(json.dumps({"ok": False, "inputs": inputs}), encoding="utf-8")
    assert runstate.reusable_run([run], inputs) is None


@pytest.mark.slow
def test_an_unchanged_run_is_reused_in_seconds_and_a_change_runs_again(tmp_path):
    data = tmp_path / "assessment.xlsx"
    shutil.copy(paths.sample_path(), data)
    out = tmp_path / "out"
    args = ["run", "--data", str(data), "--only", "00_overview", "--out", str(out)]
    first, _ = _cra(*args)
    assert first.returncode == 0, first.stdout + first.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["inputs"]["notebooks"] == {"00_overview.ipynb": runstate.file_hash(paths.notebooks_dir() / "00_overview.ipynb")}
    stamp = (out / "index.html").stat().st_mtime_ns

    again, seconds = _cra(*args)
    assert again.returncode == 0 and seconds < 3.0, (seconds, again.stdout + again.stderr)
    assert "Inputs unchanged since the run of" in again.stdout and f"reused {out}" in again.stdout
    assert (out / "index.html").stat().st_mtime_ns == stamp

    logged, _ = _cra(*args, "--log-json")
    records = [json.loads(line) for line in logged.stdout.splitlines()]
    assert [r["event"] for r in records] == ["run"] and records[0]["status"] == "reused"

    forced, _ = _cra(*args, "--force", "--log-json")
    records = [json.loads(line) for line in forced.stdout.splitlines()]
    assert [(r["event"], r.get("step")) for r in records] == [("step", "00_overview"), ("run", None)]
    assert records[0]["status"] == "ok" and records[0]["seconds"] > 0 and records[1]["status"] == "ok"
    assert (out / "index.html").stat().st_mtime_ns != stamp
    assert (out / runstate.LOG_JSONL).read_text(encoding="utf-8").splitlines() == forced.stdout.splitlines()

    wb = openpyxl.load_workbook(data)  # one changed cell is a new assessment
    ws = wb[S.ACCOUNTS]
    ws.cell(2, 2).value = f"{ws.cell(2, 2).value} (renamed)"
    wb.save(data)
    changed, _ = _cra(*args)
    assert changed.returncode == 0 and "Inputs unchanged" not in changed.stdout and "[1/1] ok" in changed.stdout


# ----------------------------------------------------------------------
# cra watch
# ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def drop(sample, tmp_path_factory):
    """One filled capture workbook (A012) and the base assessment holding the rest of the sample."""
    folder = tmp_path_factory.mktemp("watch")
    config = planning_config(sample.config)
    _, captures = plan_key_accounts(sample, config, folder / "blank")
    filled = folder / "capture_A012.xlsx"
    shutil.copy(captures["A012"], filled)
    fill_with_sample(filled, sample)
    base = base_without_interviews(sample, ["A012"], folder / "base.xlsx")
    return {"filled": filled, "base": base, "folder": folder}


def test_captures_in_ignores_lock_and_hidden_files(tmp_path):
    for name in ("b.xlsx", "a.xlsx", "~$a.xlsx", ".x.xlsx", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in W.captures_in(tmp_path)] == ["a.xlsx", "b.xlsx"]


def test_a_bad_capture_is_reported_and_nothing_is_published(drop, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    assert W.run_once(inbox, base=drop["base"]).message.startswith("no capture workbook")
    bad = inbox / "capture_A012.xlsx"
    shutil.copy(drop["filled"], bad)
    wb = openpyxl.load_workbook(bad)
    ws = wb[S.RATINGS]
    head = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, head.index(S.PERFORMANCE) + 1).value is not None)
    ws.cell(row, head.index(S.PERFORMANCE) + 1).value = 42
    wb.save(bad)
    out = tmp_path / "out"
    r = W.run_once(inbox, base=drop["base"], out=out, only=["00_overview"], echo=lambda _l: None)
    assert not r.ok and "capture_A012.xlsx" in r.message and "'ratings'" in r.message and f"row {row}" in r.message
    assert "42" in r.message and not out.exists()


def test_watch_runs_when_a_capture_lands(drop, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    out = tmp_path / "out"
    rounds: list[W.WatchRound] = []
    stop = threading.Event()
    lines: list[str] = []
    t = threading.Thread(target=W.watch, args=(inbox,), daemon=True,
                         kwargs={"base": drop["base"], "out": out, "only": ["00_overview"], "settle": 0.5,
                                 "echo": lines.append, "stop": stop, "on_round": rounds.append})
    t.start()
    deadline = time.monotonic() + 30
    while not rounds and time.monotonic() < deadline:
        time.sleep(0.1)
    assert rounds and rounds[0].message.startswith("no capture workbook")
    shutil.copy(drop["filled"], inbox / "partial.tmp")  # copied under another name, then renamed: one change
    (inbox / "partial.tmp").rename(inbox / "capture_A012.xlsx")
    deadline = time.monotonic() + 300
    while len(rounds) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    t.join(timeout=30)
    assert len(rounds) == 2, lines
    assert rounds[1].ok and rounds[1].captures == ["capture_A012.xlsx"] and not rounds[1].reused, lines
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["ok"] and Path(summary["data"]).name == W.MERGED
    assert any("reports published" in ln for ln in lines) and not t.is_alive()


def test_watch_refuses_a_missing_folder(tmp_path):
    with pytest.raises(W.WatchError, match="not a folder"):
        W.watch(tmp_path / "nope")


# ----------------------------------------------------------------------
# cra run --wave / --compare from the store
# ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_waves(tmp_path_factory):
    from cra_helpers import store

    db = tmp_path_factory.mktemp("store") / "cra.duckdb"
    store.import_assessment(db, paths.sample_path(), "Sample", "2026")
    store.import_assessment(db, paths.sample_dir() / "waves" / "2027" / "assessment.xlsx", "Sample", "2027")
    return db


@pytest.mark.parametrize("args, says", [
    (["--wave", "2028"], "has no wave '2028'"),
    (["--wave", "2027", "--client", "Nobody"], "client 'Nobody' is not in the store"),
    (["--wave", "2027", "--data", "x.xlsx"], "give --data or --wave, not both"),
    (["--client", "Sample"], "--client and --store go with --wave"),
    (["--wave", "2027", "--scheduler", "tcp://127.0.0.1:1", "--cluster", "local:2"], "--scheduler or --cluster, not both"),
])
def test_run_from_the_store_refuses_what_it_cannot_do(two_waves, tmp_path, args, says):
    proc, _ = _cra("run", "--store", str(two_waves), "--out", str(tmp_path / "o"), *args)
    assert proc.returncode == 2 and says in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_run_a_stored_wave_against_the_previous_one(two_waves, tmp_path):
    out = tmp_path / "run"
    args = ["run", "--wave", "2027", "--compare", "2026", "--store", str(two_waves), "--only", "07_trends", "--out", str(out)]
    proc, _ = _cra(*args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = (out / "07_trends.html").read_text(encoding="utf-8")
    truth = json.loads((paths.sample_dir() / "waves" / "truth_waves.json").read_text(encoding="utf-8"))
    assert "Nordhavn Rail GmbH" in html and "Technical support" in html and "Price level" in html, truth
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert Path(summary["data"]).parts[-2:] == ("Sample", "2027") and summary["inputs"]["options"]["compare"]
    again, seconds = _cra(*args)  # the store's waves exported again: same files, the run is reused
    assert again.returncode == 0 and "reused" in again.stdout and seconds < 3.0, (seconds, again.stdout)


def test_watch_refuses_an_unusable_report_folder_at_once(tmp_path):
    from cra_helpers.errors import OutputError

    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="parent of the output folder"):
        W.watch(tmp_path, out=blocker / "reports")
