"""Benchmark of the Prioritize analyses (01_prioritize) for growing account bases.

For 1k, 25k and 250k synthetic accounts with three years of sales history
(:func:`cra_helpers.sample.generate_accounts`), validated through the loader like a
real workbook, it times the analysis of the notebook's first five sections: ABC by
revenue and volume, concentration, breakdowns by seven attributes, Lorenz curve,
value and potential scores and classes, key-account rule, value × potential matrix,
contact plan and workload, top elements. Loading is timed separately (it is not
analysis time). Peak memory is the largest Python allocation during the analysis
(tracemalloc, in a second run so that tracing does not slow the timed one).

Run::

    .venv/bin/python benchmarks/prioritize.py            # 1000 25000 250000
    .venv/bin/python benchmarks/prioritize.py 5000 50000 # other sizes

Target (issue 3): 25k accounts in under 2 seconds of analysis time.
"""

from __future__ import annotations

import gc
import platform
import sys
import time
import tracemalloc

import pandas as pd

from cra_helpers import prioritize as P
from cra_helpers import schema as S
from cra_helpers.config import load_config
from cra_helpers.loader import assessment_from_frames
from cra_helpers.sample import generate_accounts

SIZES = (1_000, 25_000, 250_000)
REPEATS = 3


def analyse(accounts: pd.DataFrame, sales: pd.DataFrame, cfg) -> dict[str, int]:
    """Everything 01_prioritize computes on accounts + sales history."""
    p = P.prioritize_accounts(accounts, sales, cfg)
    P.concentration(p, cfg)
    P.abc_summary(p, cfg)
    P.segment_breakdown(p, cfg)
    P.lorenz_curve(p[S.REVENUE])
    P.value_potential_matrix(p, cfg)
    P.contact_workload(P.contact_plan(p))
    P.top_elements(p)
    return {"key_accounts": int(p[S.KEY_ACCOUNT].sum())}


def main(sizes: tuple[int, ...]) -> None:
    cfg = load_config().prioritize
    print(f"Python {platform.python_version()}, pandas {pd.__version__}, {platform.machine()}")
    print(f"{'accounts':>9} {'sales rows':>10} {'load s':>7} {'analysis s':>10} {'peak MB':>8} {'key acc.':>8}")
    for n in sizes:
        frames = generate_accounts(n, seed=7)
        t0 = time.perf_counter()
        a = assessment_from_frames(frames, source=f"synthetic-{n}")
        load_s = time.perf_counter() - t0
        acc, sales = a.accounts, a.sales_history
        best = float("inf")
        for _ in range(REPEATS):
            gc.collect()
            t0 = time.perf_counter()
            info = analyse(acc, sales, cfg)
            best = min(best, time.perf_counter() - t0)
        gc.collect()
        tracemalloc.start()
        analyse(acc, sales, cfg)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"{n:>9,} {len(sales):>10,} {load_s:>7.1f} {best:>10.3f} {peak / 2**20:>8.0f} {info['key_accounts']:>8,}", flush=True)


if __name__ == "__main__":
    main(tuple(int(x) for x in sys.argv[1:]) or SIZES)
