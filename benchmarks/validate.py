"""Benchmark: how long ``cra validate`` takes to say yes, and to say no.

Each figure is the median of fresh processes (``--runs``, default 5), timed
from the outside, so interpreter start-up and every import are included:

* ``cra validate`` on the bundled sample (``data/sample/assessment.xlsx``), which passes;
* ``cra validate`` on a copy of the sample with one rating out of its scale,
  which fails with one located problem (exit code 2);
* importing the validate path (``cra_helpers.loader``, which brings in
  ``assessment``, ``config`` and ``schema``), measured inside a fresh process,
  and the heavy packages it must not import.

The target is at most 1.5 s for the error case: reporting a typo must not pay
for the analyses, the notebooks or the report machinery.

Usage::

    .venv/bin/python benchmarks/validate.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "assessment.xlsx"
TARGET_ERROR_S = 1.5
HEAVY = ("plotly", "sklearn", "scipy", "papermill", "nbconvert", "nbclient", "matplotlib", "statsmodels", "nltk", "torch", "openpyxl")
IMPORT_CODE = (
    "import sys, time\n"
    "t = time.perf_counter()\n"
    "import cra_helpers.loader\n"
    "t = time.perf_counter() - t\n"
    f"print(t, ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
)


def cra_command() -> list[str]:
    """The console script next to this interpreter, else the module."""
    exe = Path(sys.executable).with_name("cra")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cra_helpers.cli"]


def bad_copy(out: Path) -> tuple[Path, str]:
    """The sample with one importance rating set to 99 (the scale is 1-10); returns the path and the expected message."""
    from openpyxl import load_workbook

    wb = load_workbook(SAMPLE)
    ws = wb["ratings"]
    headers = [c.value for c in ws[1]]
    column = headers.index("importance") + 1
    ws.cell(row=5, column=column, value=99)
    wb.save(out)
    return out, "sheet 'ratings', row 5, column 'importance': 99 — expected a number from 1 to 10"


def time_runs(args: list[str], runs: int, expect_code: int, expect_text: str | None = None) -> list[float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
        times.append(time.perf_counter() - t)
        if proc.returncode != expect_code:
            raise SystemExit(f"{' '.join(args)}: exit code {proc.returncode}, expected {expect_code}\n{proc.stdout}{proc.stderr}")
        if expect_text is not None and expect_text not in proc.stdout + proc.stderr:
            raise SystemExit(f"{' '.join(args)}: {expect_text!r} not in the output\n{proc.stdout}{proc.stderr}")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per figure (median reported)")
    opts = parser.parse_args(argv)

    cra = cra_command()
    rows: list[tuple[str, float, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        bad, message = bad_copy(Path(tmp) / "assessment_bad_rating.xlsx")
        ok = time_runs([*cra, "validate", str(SAMPLE)], opts.runs, 0)
        err = time_runs([*cra, "validate", str(bad)], opts.runs, 2, message)
    rows.append(("cra validate, sample (passes)", statistics.median(ok), min(ok), max(ok)))
    rows.append(("cra validate, one bad rating (exit 2)", statistics.median(err), min(err), max(err)))

    imports, heavy = [], set()
    for _ in range(opts.runs):
        out = subprocess.run([sys.executable, "-c", IMPORT_CODE], capture_output=True, text=True, check=True, cwd=ROOT).stdout.split()
        imports.append(float(out[0]))
        heavy.update(out[1].split(",") if len(out) > 1 else [])
    rows.append(("import cra_helpers.loader (in process)", statistics.median(imports), min(imports), max(imports)))

    start = time_runs([sys.executable, "-c", "pass"], opts.runs, 0)
    rows.append(("python -c pass (interpreter start, for scale)", statistics.median(start), min(start), max(start)))

    print(f"command: {' '.join(cra)}   runs per figure: {opts.runs} fresh processes\n")
    width = max(len(r[0]) for r in rows)
    print(f"| {'what':<{width}} | median s | min s | max s |")
    print(f"| {'-' * width} | -------: | ----: | ----: |")
    for what, med, lo, hi in rows:
        print(f"| {what:<{width}} | {med:8.2f} | {lo:5.2f} | {hi:5.2f} |")
    print()
    print(f"heavy packages imported by the validate path: {', '.join(sorted(heavy)) or 'none'}")
    error_s = rows[1][1]
    verdict = "met" if error_s <= TARGET_ERROR_S else "MISSED"
    print(f"target: error case ≤ {TARGET_ERROR_S} s — {verdict} ({error_s:.2f} s)")
    return 0 if error_s <= TARGET_ERROR_S and not heavy else 1


if __name__ == "__main__":
    sys.exit(main())
