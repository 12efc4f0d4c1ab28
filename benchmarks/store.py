"""Benchmark of the store of waves: importing ten waves of a 50-account portfolio and querying trends over them.

The portfolio is the sample with its twelve interviewed accounts tiled to 50
(:func:`cra_helpers.tiling.tile_accounts`: 50 × ~15 interviews, ~25,000
rating rows per wave). Each of ten waves moves every performance rating by
a seeded random step (±1 point, clipped to the scale), is written as a CSV
folder and imported with :func:`cra_helpers.store.import_assessment`
(validation included). It prints, per wave, the seconds of the import and
the store's size; the seconds of re-importing one wave (the atomic replace);
of one SQL trend query over all ten waves (mean performance per need and
wave, straight from DuckDB); of reading the last two waves back as
assessments (:func:`cra_helpers.store.load_wave`); and of the wave-over-wave
analysis between them (:func:`cra_helpers.trends.wave_changes`). Peak
memory is the process's maximum resident set size.

Run::

    .venv/bin/python benchmarks/store.py [--waves 10] [--accounts 50]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

from cra_helpers import paths, store, tiling, trends
from cra_helpers import schema as S
from cra_helpers.loader import load_assessment
from cra_helpers.store_db import CLIENT_KEY, WAVE_KEY


def portfolio(n_accounts: int) -> dict:
    """The sample's tables with its interviewed accounts tiled to ``n_accounts`` interviewed accounts."""
    a = load_assessment(paths.sample_path())
    interviewed = sorted(set(a.respondents()[S.ACCOUNT_ID].astype(str)))
    extra = max(0, n_accounts - len(interviewed))
    return tiling.tile_accounts(a, interviewed, [f"T{k:04d}" for k in range(extra)])


def wave_tables(base: dict, wave: int, rng: np.random.Generator) -> dict:
    """``base`` as wave ``wave``: wave label set, every performance rating moved by −1, 0 or +1 point."""
    tables = {k: v.copy() for k, v in base.items()}
    tables[S.INTERVIEWS][S.WAVE] = str(2016 + wave)
    perf = tables[S.RATINGS][S.PERFORMANCE]
    step = rng.integers(-1, 2, size=len(perf))
    tables[S.RATINGS][S.PERFORMANCE] = np.where(perf.isna(), perf, np.clip(perf + step, 1, 10))
    return tables


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--waves", type=int, default=10)
    ap.add_argument("--accounts", type=int, default=50)
    args = ap.parse_args()
    print(f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()} · duckdb {duckdb.__version__}")
    base = portfolio(args.accounts)
    print(f"portfolio: {args.accounts} interviewed accounts, {len(base[S.INTERVIEWS]):,} interviews, "
          f"{len(base[S.RATINGS]):,} rating rows, {len(base[S.VERBATIMS]):,} verbatims per wave")
    rng = np.random.default_rng(2026)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "cra.duckdb"
        folders = []
        print("wave  import (s)  store (MB)")
        for w in range(1, args.waves + 1):
            folder = tiling.write_csv_folder(wave_tables(base, w, rng), Path(tmp) / f"w{w}")
            folders.append(folder)
            t0 = time.perf_counter()
            store.import_assessment(db, folder, "bench", str(2016 + w))
            print(f"{2016 + w}  {time.perf_counter() - t0:10.2f}  {db.stat().st_size / 1e6:10.1f}")
        mid = args.waves // 2
        t0 = time.perf_counter()
        result = store.import_assessment(db, folders[mid - 1], "bench", str(2016 + mid))
        print(f"re-import of wave {2016 + mid} (replaced={result.replaced}): {time.perf_counter() - t0:.2f} s")
        t0 = time.perf_counter()
        with duckdb.connect(str(db), read_only=True) as con:
            rows = con.execute(
                f"SELECT {S.NEED_ID}, interviews.{S.WAVE}, avg({S.PERFORMANCE}) FROM {S.RATINGS} JOIN {S.INTERVIEWS} "
                f"USING ({CLIENT_KEY}, {WAVE_KEY}, {S.INTERVIEW_ID}) WHERE {CLIENT_KEY} = 'bench' "
                f"GROUP BY ALL ORDER BY ALL").fetchall()
        print(f"SQL trend query over {args.waves} waves ({len(rows)} need × wave means): {time.perf_counter() - t0:.2f} s")
        t0 = time.perf_counter()
        last, before = (store.load_wave(db, "bench", str(2016 + w)) for w in (args.waves, args.waves - 1))
        print(f"load_wave of the last two waves: {time.perf_counter() - t0:.2f} s")
        t0 = time.perf_counter()
        table = trends.wave_changes(last, before)
        print(f"wave_changes between them: {time.perf_counter() - t0:.2f} s ({len(table):,} rows, "
              f"{int(table['significant'].fillna(False).astype(bool).sum())} significant)")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
