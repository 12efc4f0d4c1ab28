"""Benchmark of the per-account reports (10_account) fanned out over workers.

For 12, 50 (and with ``--with-200`` 200) key accounts — the sample's key
accounts, tiled with copies under new ids beyond its 16
(:func:`cra_helpers.tiling.tile_accounts`) — it writes every account's page
with :func:`cra_helpers.fanout.fan_out` on the local process pool (2
processes) and on a Dask LocalCluster of 1, 2 and 4 single-threaded workers.
It prints the total wall time, the shared preparation per worker (kernel
start, imports, loading and the portfolio-wide analysis, done once per
worker), the seconds per account after it (notebook execution and HTML
conversion, mean over accounts), the wall time per account, and the peak
memory of the whole process tree (this process, the workers, their kernels;
sampled every 0.2 s).

Run::

    .venv/bin/python benchmarks/fanout.py                    # 12 and 50 accounts, every backend
    .venv/bin/python benchmarks/fanout.py --with-200         # 12, 50 and 200
    .venv/bin/python benchmarks/fanout.py 20 --backends pool dask:2

Target: at most 3 s of work per account after the shared preparation.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import threading
import time
from pathlib import Path

import psutil

from cra_helpers import headlines, paths, tiling
from cra_helpers.fanout import fan_out
from cra_helpers.loader import load_assessment

SIZES = (12, 50)
BACKENDS = ("pool", "dask:1", "dask:2", "dask:4")


def accounts_for(n: int, work: Path) -> tuple[Path, list[str]]:
    """A data path holding ``n`` key accounts and their ids (copies of the sample's key accounts beyond its own)."""
    a = load_assessment(paths.sample_path())
    keys = headlines.key_account_ids(a)
    if n <= len(keys):
        return paths.sample_path(), keys[:n]
    extra = [f"T{i:04d}" for i in range(n - len(keys))]
    folder = tiling.write_csv_folder(tiling.tile_accounts(a, keys, extra), work / f"tiled-{n}")
    return folder, keys + extra


class PeakMemory:
    """Peak resident memory of this process and all its descendants, sampled in a thread."""

    def __init__(self, every: float = 0.2) -> None:
        self.every, self.peak, self._stop = every, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_one(data: Path, ids: list[str], backend: str, work: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix=f"run-{len(ids)}-{backend.replace(':', '')}-", dir=work))
    kw = {"workers": 2} if backend == "pool" else {"cluster": f"local:{backend.split(':')[1]}"}
    with PeakMemory() as mem:
        res = fan_out(folder, data, None, ids, progress=False, echo=lambda s: None, **kw)
    prep = sum(res.prepare_seconds) / len(res.prepare_seconds) if res.prepare_seconds else 0.0
    print(f"{len(ids):>8} {backend:>8} {res.workers:>7} {res.seconds:>8.1f} {prep:>8.1f} "
          f"{res.seconds_per_account:>10.2f} {res.seconds / len(ids):>10.2f} {mem.peak / 2**20:>8.0f} "
          f"{len(res.failed):>6}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, help=f"numbers of accounts (default {' '.join(map(str, SIZES))})")
    ap.add_argument("--with-200", action="store_true", help="also 200 accounts")
    ap.add_argument("--backends", nargs="+", default=list(BACKENDS), help="pool, dask:N …")
    args = ap.parse_args()
    sizes = tuple(args.sizes) or SIZES + ((200,) if args.with_200 else ())
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPU cores, {platform.machine()}")
    print(f"{'accounts':>8} {'backend':>8} {'workers':>7} {'total s':>8} {'prep s':>8} {'s/account':>10} "
          f"{'wall s/acc':>10} {'peak MB':>8} {'failed':>6}")
    with tempfile.TemporaryDirectory(prefix="cra-bench-fanout-") as tmp:
        work = Path(tmp)
        for n in sizes:
            data, ids = accounts_for(n, work)
            for backend in args.backends:
                run_one(data, ids, backend, work)


if __name__ == "__main__":
    main()
