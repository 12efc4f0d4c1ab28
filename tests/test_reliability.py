"""Runs that fail safely: paths from data stay inside --out, atomic publish, Ctrl+C, locks, no tracebacks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cra_helpers import cli, paths
from cra_helpers.errors import EXIT_BUSY, EXIT_ENVIRONMENT, EXIT_INPUT, EXIT_SIGINT, EXIT_SIGTERM, OutputError
from cra_helpers.outputs import RUN_MARKER, RunFolder, inside, safe_name
from cra_helpers.pipeline import RUN_ID_ENV

from .test_pipeline import _write_notebooks

CRA = str(Path(sys.executable).with_name("cra"))
HOSTILE_IDS = ["../x", "../../y", "<img src=x onerror=alert(1)>", "CON", "A" * 300]


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


# ---------------------------------------------------------------------- names and paths
@pytest.mark.parametrize("text", HOSTILE_IDS + ["/tmp/x", "..", ".", "", "nul.txt", "Liège/Nord", "a\x00b", "COM1"])
def test_safe_name_is_a_plain_file_name(text):
    name = safe_name(text)
    assert name and len(name) <= 80
    assert set(name) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    assert not name.startswith((".", "-"))
    assert name.split(".")[0].lower() not in {"con", "prn", "aux", "nul", "com1", "lpt1"}


def test_safe_name_never_merges_two_ids():
    ids = ["a/b", "a-b", "a b", "A/B", "a\\b", "a:b"]
    taken: set[str] = set()
    names = [safe_name(i, taken=taken) for i in ids]
    assert len({n.lower() for n in names}) == len(ids)
    assert safe_name("A012") == "A012"  # a plain id keeps its name


def test_inside_refuses_paths_that_leave_the_folder(tmp_path):
    assert inside(tmp_path, tmp_path / "tables" / "x.csv") == (tmp_path / "tables" / "x.csv").resolve()
    for bad in (tmp_path / ".." / "x", Path("/tmp/x"), tmp_path / "a" / ".." / ".." / "b"):
        with pytest.raises(OutputError):
            inside(tmp_path, bad)
    (tmp_path / "link").symlink_to("/tmp")
    with pytest.raises(OutputError):
        inside(tmp_path, tmp_path / "link" / "x")


def test_write_page_keeps_hostile_names_inside(tmp_path):
    from cra_helpers.report import Report

    out = tmp_path / "out"
    rep = Report.start("t", None, out, None)
    written = [rep.write_page("one_pagers", i, "t", "<p>x</p>") for i in HOSTILE_IDS + [str(tmp_path / "abs")]]
    assert len(set(written)) == len(written)
    assert all(out.resolve() in p.parents for p in written)
    assert _files(tmp_path) <= _files(out)
    assert rep.page_name("one_pagers", "../x") == written[0].name  # the same id always names the same page


@pytest.mark.slow
def test_hostile_account_ids_write_only_inside_out(tmp_path):
    """Key accounts renamed to traversal, markup, device and overlong ids: every file lands inside --out."""
    import openpyxl

    truth = json.loads((paths.sample_dir() / "truth.json").read_text(encoding="utf-8"))
    escaped = tmp_path / "escaped"
    new_ids = HOSTILE_IDS + [str(escaped)]
    rename = dict(zip(truth["key_accounts"], new_ids))
    wb = openpyxl.load_workbook(paths.sample_path())
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value in rename:
                    cell.value = rename[cell.value]
    data = tmp_path / "data" / "hostile.xlsx"
    data.parent.mkdir()
    wb.save(data)
    before = _files(tmp_path)
    out = tmp_path / "run" / "out"
    proc = subprocess.run([CRA, "run", "--data", str(data), "--only", "05_actions", "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    new = _files(tmp_path) - before
    outside = [p for p in new if out.resolve() not in p.resolve().parents]
    assert outside == [out.parent / f".{out.name}.lock"]  # the run's lock file, beside the folder it guards
    assert not escaped.exists() and not Path(str(escaped) + ".html").exists()
    pages = sorted((out / "one_pagers").glob("*.html"))
    from cra_helpers import headlines
    from cra_helpers.loader import load_assessment

    assert len(pages) == len(headlines.key_account_ids(load_assessment(data)))  # the 12 renamed ones and 4 by the rule
    assert max(len(p.name) for p in pages) <= 85


# ---------------------------------------------------------------------- publish, lock, interrupt
def _env(reports: Path) -> dict[str, str]:
    return dict(os.environ, **{paths.REPORTS_DIR_ENV: str(reports)})


def _run_processes() -> list[int]:
    """Workers and kernels of any run (they carry CRA_RUN_ID in their environment)."""
    import psutil

    found = []
    for p in psutil.process_iter():
        try:
            if RUN_ID_ENV in p.environ():
                found.append(p.pid)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return found


@pytest.mark.slow
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, EXIT_SIGINT), (signal.SIGTERM, EXIT_SIGTERM)])
def test_interrupt_stops_within_seconds_and_keeps_the_last_good_report(tmp_path, signum, code):
    reports = tmp_path / "reports"
    first = subprocess.run([CRA, "run", "--only", "00_overview"], env=_env(reports), capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stdout + first.stderr
    good = (reports / "latest").resolve()
    assert (good / "index.html").is_file()

    proc = subprocess.Popen([CRA, "run"], env=_env(reports), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    started = time.monotonic()
    while not any(ln.startswith("Running") for ln in lines) and time.monotonic() - started < 120:
        time.sleep(0.1)  # the notebooks have started: their workers and kernels are running
    time.sleep(max(0.0, 5 - (time.monotonic() - started)))
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.killpg(proc.pid, signum)
    t0 = time.monotonic()
    proc.wait(timeout=30)
    reader.join(timeout=5)
    out = "".join(lines)
    assert time.monotonic() - t0 < 5, out
    assert proc.returncode == code, out
    assert "Interrupted" in out and "stopped" in out and "Nothing was published" in out and "Traceback" not in out
    assert (reports / "latest").resolve() == good and (good / "index.html").is_file()
    assert sorted(p.name for p in reports.iterdir() if not p.name.startswith(".")) == [good.name, "latest"]
    assert not list(reports.glob(".*staging*"))
    time.sleep(0.5)
    assert _run_processes() == []


def test_second_run_into_a_folder_in_use_is_refused(tmp_path):
    out = tmp_path / "out"
    with RunFolder(out):
        proc = subprocess.run([CRA, "run", "--only", "00_overview", "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == EXIT_BUSY
    assert "another cra run is writing into" in proc.stderr and f"pid {os.getpid()}" in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert not out.exists()


def test_a_folder_that_is_not_a_report_is_never_replaced(tmp_path):
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    proc = subprocess.run([CRA, "run", "--only", "00_overview", "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == EXIT_ENVIRONMENT and "not a CRA report" in proc.stderr
    assert (out / "thesis.docx").read_text() == "precious"


def test_rerun_replaces_the_previous_report_as_a_whole(tmp_path):
    nbs = tmp_path / "nbs"
    _write_notebooks(nbs)
    (nbs / "bad.ipynb").unlink()
    out = tmp_path / "out"
    out.mkdir()
    (out / RUN_MARKER).write_text("")
    (out / "from_another_data_set.html").write_text("old")
    proc = subprocess.run([CRA, "run", "--notebooks", str(nbs), "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out / "good.html").is_file() and not (out / "from_another_data_set.html").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.staging")] == []


def test_failed_run_never_replaces_the_last_good_one_unless_partial(tmp_path):
    nbs = tmp_path / "nbs"
    _write_notebooks(nbs)
    out = tmp_path / "out"
    only_good = ["--only", "good"]
    assert subprocess.run([CRA, "run", "--notebooks", str(nbs), "--out", str(out), *only_good], capture_output=True).returncode == 0
    good_summary = (out / "summary.json").read_text()

    failed = subprocess.run([CRA, "run", "--notebooks", str(nbs), "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert failed.returncode == 1
    assert (out / "summary.json").read_text() == good_summary and not (out / "bad.html").exists()
    assert json.loads((tmp_path / "out-failed" / "summary.json").read_text())["ok"] is False

    partial = subprocess.run([CRA, "run", "--notebooks", str(nbs), "--out", str(out), "--partial"], capture_output=True, text=True, timeout=300)
    assert partial.returncode == 1
    summary = json.loads((out / "summary.json").read_text())
    assert summary["partial"] is True and {n["name"]: n["status"] for n in summary["notebooks"]} == {"bad": "failed", "good": "ok"}
    assert "partial" in (out / "index.html").read_text().lower()


# ---------------------------------------------------------------------- no tracebacks
def _bad_inputs(root: Path) -> dict[str, Path]:
    root.mkdir(parents=True, exist_ok=True)
    sample = paths.sample_path().read_bytes()
    files = {
        "png.xlsx": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        "png.csv": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        "protected.xlsx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
        "truncated.xlsx": sample[: len(sample) // 2],
        "empty.xlsx": b"",
        "latin1.yaml": "client: Liège\n".encode("latin-1"),
        "utf16.yaml": "client: Liège\n".encode("utf-16"),
        "binary.yaml": b"\x89PNG\r\n\x1a\n\x00\x00\x00",
        "duplicate.yaml": b"client: A\nclient: B\n",
        "unknown.yaml": b"no_such_setting: 1\n",
        "afile": b"x",
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    return {name: root / name for name in files}


def _cases(b: dict[str, Path], tmp: Path) -> list[tuple[list[str], int]]:
    sample = str(paths.sample_path())
    verbatims = str(paths.sample_dir() / "verbatim_truth.csv")
    under_file = str(b["afile"] / "sub")
    cases: list[tuple[list[str], int]] = [
        (["validate", str(tmp / "missing.xlsx")], EXIT_INPUT),
        (["validate", str(b["png.xlsx"])], EXIT_INPUT),
        (["validate", str(b["protected.xlsx"])], EXIT_INPUT),
        (["validate", str(b["truncated.xlsx"])], EXIT_INPUT),
        (["validate", str(b["empty.xlsx"])], EXIT_INPUT),
        (["run", "--data", str(tmp / "missing.xlsx")], EXIT_INPUT),
        (["run", "--only", "00_overview", "--out", under_file], EXIT_ENVIRONMENT),
        (["run", "--only", "nope", "--out", str(tmp / "o")], EXIT_INPUT),
        (["needs-tree", str(b["png.xlsx"]), "--out", str(tmp / "nt")], EXIT_INPUT),
        (["needs-tree", str(b["png.csv"]), "--out", str(tmp / "nt")], EXIT_INPUT),
        (["needs-tree", str(b["protected.xlsx"]), "--out", str(tmp / "nt")], EXIT_INPUT),
        (["needs-tree", str(b["truncated.xlsx"]), "--out", str(tmp / "nt")], EXIT_INPUT),
        (["needs-tree", verbatims, "--out", under_file], EXIT_ENVIRONMENT),
        (["needs-tree", str(tmp / "missing.csv"), "--out", str(tmp / "nt")], EXIT_INPUT),
        (["template", "--out", str(b["afile"] / "t.xlsx")], EXIT_ENVIRONMENT),
        (["template", "--out", str(b["truncated.xlsx"])], EXIT_INPUT),
        (["sample", "--out", under_file], EXIT_ENVIRONMENT),
    ]
    for cfg in ("latin1.yaml", "utf16.yaml", "binary.yaml", "duplicate.yaml", "unknown.yaml"):
        cases.append((["validate", sample, "--config", str(b[cfg])], EXIT_INPUT))
    cases.append((["run", "--only", "00_overview", "--config", str(b["latin1.yaml"]), "--out", str(tmp / "o")], EXIT_INPUT))
    return cases


def test_no_cli_command_shows_a_traceback_on_bad_input(tmp_path):
    bad = _bad_inputs(tmp_path / "in")
    failures = []
    for args, code in _cases(bad, tmp_path):
        proc = subprocess.run([CRA, *args], capture_output=True, text=True, timeout=120)
        text = proc.stdout + proc.stderr
        if "Traceback" in text or proc.returncode != code or not proc.stderr.strip():
            failures.append(f"cra {' '.join(args)} → exit {proc.returncode} (expected {code}): {text[-400:]}")
    assert failures == []


def test_template_refuses_to_overwrite_without_force(tmp_path):
    book = tmp_path / "capture.xlsx"
    book.write_bytes(b"filled in by hand")
    proc = subprocess.run([CRA, "template", "--out", str(book)], capture_output=True, text=True)
    assert proc.returncode == EXIT_INPUT and "--force" in proc.stderr
    assert book.read_bytes() == b"filled in by hand"
    assert subprocess.run([CRA, "template", "--out", str(book), "--force"], capture_output=True).returncode == 0
    assert book.read_bytes().startswith(b"PK")


@pytest.mark.parametrize("exc, code", [
    (PermissionError(13, "Permission denied", "/srv/reports"), EXIT_ENVIRONMENT),
    (OSError(28, "No space left on device", "/srv/reports/x.html"), EXIT_ENVIRONMENT),
    (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), EXIT_INPUT),
    (RuntimeError("a bug"), 70),
])
def test_environment_errors_become_one_message_and_debug_shows_the_traceback(monkeypatch, capsys, exc, code):
    def boom(*_a, **_k):
        raise exc

    monkeypatch.setattr("cra_helpers.loader.load_assessment", boom)
    with pytest.raises(SystemExit) as ended:
        cli.main(["validate", str(paths.sample_path())])
    err = capsys.readouterr().err
    assert ended.value.code == code and err.startswith("Error: ") and "Traceback" not in err
    with pytest.raises(SystemExit):
        cli.main(["--debug", "validate", str(paths.sample_path())])
    assert "Traceback" in capsys.readouterr().err
