"""Benchmark: the explorer's response to a filter change, server side.

One change = ``ExplorerModel.views`` of the new selection, the six figures
built by the package's figure functions and pushed into their
``FigureWidget`` (what :meth:`cra_helpers.explore.app.Explorer.refresh` does,
minus the browser). Median and maximum of 20 different changes, for the
sample and for the sample's tables tiled ``k`` times in memory (every id
suffixed with the copy number, needs and competitors shared, as in
``benchmarks/load_overview.py``); each size runs in a fresh process, whose
peak resident memory is reported.

Usage::

    .venv/bin/python benchmarks/explore.py [--sizes 1 54] [--changes 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from cra_helpers import paths  # noqa: E402
from cra_helpers import schema as S  # noqa: E402
from cra_helpers.assessment import Assessment  # noqa: E402


def tile(a: Assessment, k: int) -> Assessment:
    """The assessment's tables repeated ``k`` times, ids suffixed ``-<copy>`` (needs and competitors shared)."""
    if k == 1:
        return a
    from load_overview import tile_tables  # benchmarks/load_overview.py

    return Assessment(tile_tables(a.tables, k), a.config, a.source)


def tiled_tree(tree, k: int):
    """The sample's needs tree placed over ``k`` copies: each verbatim's copy ``-<i>`` sits in the same nodes."""
    from types import SimpleNamespace

    if k == 1:
        return tree
    v = tree.verbatims
    parts = [v.assign(**{S.VERBATIM_ID: v[S.VERBATIM_ID].astype(str) + f"-{i}"}) for i in range(k)]
    return SimpleNamespace(verbatims=pd.concat(parts, ignore_index=True), nodes=tree.nodes)


def changes(model, n: int) -> list:
    """``n`` different selections: accounts, levels, roles, departments, competitors, date windows, needs-tree nodes."""
    from cra_helpers.explore.model import Filters

    opts = model.options()
    lo, hi = model.date_bounds()
    accounts = [v for _, v in opts["account"]]
    pool = [Filters()]
    for i in range(n):
        kind = i % 7
        if kind == 0:
            pool.append(Filters(account=tuple(accounts[i % len(accounts):i % len(accounts) + 1])))
        elif kind == 1:
            pool.append(Filters(level=(opts["level"][i % len(opts["level"])][1],)))
        elif kind == 2:
            pool.append(Filters(decision_role=(opts["decision_role"][i % len(opts["decision_role"])][1],)))
        elif kind == 3:
            pool.append(Filters(department=tuple(v for _, v in opts["department"][: 1 + i % 3])))
        elif kind == 4:
            pool.append(Filters(competitor=(opts["competitor"][i % len(opts["competitor"])][1],),
                                level=(opts["level"][0][1],)))
        elif kind == 6 and opts.get("node"):
            pool.append(Filters(node=(opts["node"][i % len(opts["node"])][1],)))
        else:
            span = (hi - lo).days
            pool.append(Filters(date_from=lo + dt.timedelta(days=i % max(span, 1)), date_to=hi))
    return pool[1: n + 1]


def measure(k: int, n: int) -> dict:
    """In a child process: load, tile, build the model and figures, then time ``n`` filter changes."""
    import plotly.graph_objects as go

    from cra_helpers.explore.app import FIGURE_NAMES, figures_of, update_figure
    from cra_helpers.explore.model import ExplorerModel, Filters
    from cra_helpers.loader import load_assessment

    from cra_helpers.needs_tree import needs_tree

    sample = load_assessment(paths.sample_path())
    t0 = time.perf_counter()
    tree = needs_tree(sample)  # built on the sample (embedding cache warm after the first run)
    tree_s = time.perf_counter() - t0
    a = tile(sample, k)
    t0 = time.perf_counter()
    model = ExplorerModel(a, tiled_tree(tree, k), sentiment_method="vader")
    gc.freeze()  # as build_explorer does
    load_s = time.perf_counter() - t0
    widgets = {name: go.FigureWidget() for name in FIGURE_NAMES}
    for name, fig in figures_of(model.views(Filters()), a).items():
        update_figure(widgets[name], fig)
    times, parts = [], {"views": [], "figures": [], "update": []}
    for f in changes(model, n):
        model.clear_cache()  # every change computed cold: the worst case, not a cache hit
        t1 = time.perf_counter()
        v = model.views(f)
        t2 = time.perf_counter()
        figs = figures_of(v, a)
        t3 = time.perf_counter()
        for name, fig in figs.items():
            update_figure(widgets[name], fig)
        t4 = time.perf_counter()
        times.append(t4 - t1)
        for key, d in zip(parts, (t2 - t1, t3 - t2, t4 - t3)):
            parts[key].append(d)
    return {
        "copies": k, "interviews": len(a.interviews), "ratings": len(a.ratings), "verbatims": len(a.verbatims),
        "tree_s": round(tree_s, 2), "load_s": round(load_s, 2), "median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3),
        **{f"{key}_s": round(statistics.median(d), 3) for key, d in parts.items()},
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 54])
    ap.add_argument("--changes", type=int, default=20)
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.changes)))
        return
    head = ("copies", "interviews", "ratings", "verbatims", "tree s", "load s", "median s", "max s", "views s", "figures s", "update s", "peak MB")
    print(" ".join(f"{h:>10}" for h in head))
    for k in args.sizes:
        res = subprocess.run([sys.executable, __file__, "--child", str(k), "--changes", str(args.changes)],
                             capture_output=True, text=True, check=True)
        m = json.loads(res.stdout.strip().splitlines()[-1])
        row = [m["copies"], f"{m['interviews']:,}", f"{m['ratings']:,}", f"{m['verbatims']:,}", m["tree_s"], m["load_s"], m["median_s"],
               m["max_s"], m["views_s"], m["figures_s"], m["update_s"], m["peak_mb"]]
        print(" ".join(f"{v:>10}" for v in row))


if __name__ == "__main__":
    main()
