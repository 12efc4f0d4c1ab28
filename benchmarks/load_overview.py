"""Benchmark: loading and validating an assessment, and the overview analyses, as data grows.

The bundled sample is tiled k times (every id suffixed with the copy number,
so references stay valid) and written as a workbook; each size is measured in
a fresh process: seconds to load + validate, seconds for the overview
functions, and the process's peak resident memory.

Usage::

    .venv/bin/python benchmarks/load_overview.py [--sizes 1 5 20 50]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cra_helpers import paths  # noqa: E402
from cra_helpers import schema as S  # noqa: E402


def tile_tables(tables: dict[str, pd.DataFrame], k: int) -> dict[str, pd.DataFrame]:
    """The tables repeated ``k`` times, ids suffixed ``-<copy>`` (needs and competitors shared, not copied)."""
    id_like = {c.name for t in S.TABLES.values() for c in t.columns if c.kind in ("id", "ref")}
    shared = {S.NEED_ID, S.COMPETITOR_ID}
    tiled = {}
    for name, df in tables.items():
        if name in (S.NEEDS, S.COMPETITORS):
            tiled[name] = df
            continue
        parts = []
        for i in range(k):
            part = df.copy()
            for col in part.columns:
                if col in id_like and col not in shared:
                    values = part[col].astype(object)
                    part[col] = values.where(values.isna(), values.astype(str) + f"-{i}")
            parts.append(part)
        tiled[name] = pd.concat(parts, ignore_index=True)
    return tiled


def tile(k: int, out: Path) -> Path:
    """Write the sample repeated ``k`` times, ids suffixed ``-<copy>``."""
    sheets = pd.read_excel(paths.sample_path(), sheet_name=None, dtype=object, engine="calamine")
    tiled = tile_tables(sheets, k)
    with pd.ExcelWriter(out, engine="openpyxl") as xw:
        for name, df in tiled.items():
            df.to_excel(xw, sheet_name=name, index=False)
    return out


def measure(path: Path) -> dict:
    """Run in a child process: load, then the overview functions."""
    from cra_helpers import overview
    from cra_helpers.loader import load_assessment

    t0 = time.perf_counter()
    a = load_assessment(path)
    t1 = time.perf_counter()
    overview.account_coverage(a)
    overview.interviews_by_slice(a)
    overview.quality_warnings(a)
    overview.headline_counts(a)
    t2 = time.perf_counter()
    return {
        "interviews": len(a.interviews),
        "ratings": len(a.ratings),
        "verbatims": len(a.verbatims),
        "load_s": round(t1 - t0, 3),
        "overview_s": round(t2 - t1, 3),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 5, 20, 50])
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return
    print(f"{'copies':>6} {'interviews':>10} {'ratings':>9} {'verbatims':>9} {'load s':>8} {'overview s':>10} {'peak MB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for k in args.sizes:
            wb = tile(k, Path(tmp) / f"x{k}.xlsx") if k > 1 else paths.sample_path()
            res = subprocess.run([sys.executable, __file__, "--child", str(wb)], capture_output=True, text=True, check=True)
            m = json.loads(res.stdout.strip().splitlines()[-1])
            print(f"{k:>6} {m['interviews']:>10,} {m['ratings']:>9,} {m['verbatims']:>9,} {m['load_s']:>8.3f} {m['overview_s']:>10.3f} {m['peak_mb']:>8.1f}")


if __name__ == "__main__":
    main()
