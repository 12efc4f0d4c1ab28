"""Benchmark of the needs tree: quality against known labels, and time and memory as verbatims grow.

Three parts, each printed as it finishes and appended to
``benchmarks/results/needs_tree.jsonl`` (so an interrupted run resumes where
it stopped; ``--force`` measures again):

``sample``
    NMI and ARI at the tertiary, secondary and primary level against
    ``data/sample/verbatim_truth.csv``, for every backend, with the node
    counts chosen automatically and with the true counts, beside a TF-IDF +
    k-means baseline (true counts) computed in the same run. For the primary
    level also: the best NMI any grouping of the tree's own secondary nodes
    could reach (each to its majority true primary need), and the primary
    step alone, grouping the sample's true secondary needs and compared with
    their true primary needs.
``banking77``
    NMI and ARI at 77 tertiary groups on the 3,080 real requests of
    banking77's test split (CSV with ``text, category``; pass its path with
    ``--banking77``, it is read in place), beside the TF-IDF + k-means
    baseline; every request is placed (the share is printed).
``scale``
    Seconds and peak memory to build the tree (representation, hierarchy,
    labels, quotes, sentiment) for 1k, 10k, 100k and 1M synthetic verbatims,
    each size and backend in a fresh process. The text is scaled up from the
    sample's phrase bank (random phrases, follow-ups, fillers, slots, typos),
    so most verbatims are distinct; the number of distinct texts is printed.

Usage::

    .venv/bin/python benchmarks/needs_tree.py sample banking77 \\
        --banking77 ../shared/data/banking77/test.csv
    .venv/bin/python benchmarks/needs_tree.py scale --sizes 1000 10000 100000 --backends lexical hybrid
    nohup .venv/bin/python benchmarks/needs_tree.py scale --sizes 1000000 --backends lexical > /tmp/nt.log &
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results" / "needs_tree.jsonl"
LEVELS = ("tertiary", "secondary", "primary")
BACKENDS = ("lexical", "embedding", "hybrid")


# ----------------------------------------------------------------------------- results file
def _done() -> dict[str, dict]:
    out = {}
    if RESULTS.exists():
        for line in RESULTS.read_text().splitlines():
            if line.strip():
                rec = json.loads(line)
                out[rec["key"]] = rec
    return out


def _save(rec: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as fh:
        fh.write(json.dumps(rec) + "\n")


def _machine() -> str:
    return f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, Python {sys.version.split()[0]}"


# ----------------------------------------------------------------------------- quality
def baseline(texts: list[str], k: int, seed: int) -> np.ndarray:
    """TF-IDF (scikit-learn's English stop words) + k-means with k clusters."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    return KMeans(k, n_init=10, random_state=seed).fit_predict(x)


def _scores(truth: pd.Series, labels) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return {"nmi": round(float(normalized_mutual_info_score(truth, labels)), 4),
            "ari": round(float(adjusted_rand_score(truth, labels)), 4)}


def run_sample(backends: list[str], force: bool) -> None:
    from cra_helpers import paths
    from cra_helpers import schema as S
    from cra_helpers.config import load_config
    from cra_helpers.loader import load_assessment
    from cra_helpers.needs_tree import needs_tree

    cfg = load_config()
    a = load_assessment(paths.sample_path(), cfg)
    truth = pd.read_csv(paths.sample_dir() / "verbatim_truth.csv").set_index(S.VERBATIM_ID)
    true_k = {lv: truth[lv].nunique() for lv in LEVELS}
    done = _done()
    texts = a.verbatims[S.TEXT].astype(str).tolist()
    key = "sample|baseline"
    if force or key not in done:
        rec = {"key": key, "part": "sample", "backend": "tfidf+kmeans", "counts": true_k}
        for lv in LEVELS:
            rec[lv] = _scores(truth.loc[a.verbatims[S.VERBATIM_ID], lv].to_numpy(), baseline(texts, true_k[lv], cfg.needs_tree.seed))
        _save(rec)
        done[key] = rec
    print(f"sample  {'tfidf+kmeans':<22} counts {true_k}  " + "  ".join(f"{lv[:3]} NMI {done[key][lv]['nmi']:.3f} ARI {done[key][lv]['ari']:.3f}" for lv in LEVELS), flush=True)
    for backend in backends:
        for mode in ("auto", "true"):
            key = f"sample|{backend}|{mode}"
            if force or key not in done:
                t0 = time.perf_counter()
                tree = needs_tree(a, cfg, backend=backend, levels=true_k if mode == "true" else None)
                seconds = time.perf_counter() - t0
                v = tree.placed.set_index(S.VERBATIM_ID)
                rec = {"key": key, "part": "sample", "backend": f"{backend} ({tree.backend})", "mode": mode,
                       "counts": tree.counts(), "seconds": round(seconds, 1), "placed": len(v), "machine": _machine()}
                for lv in LEVELS:
                    rec[lv] = _scores(truth.loc[v.index, lv], v[lv])
                nodes = tree.nodes
                latent_ter = set(nodes.loc[nodes["latent"] & (nodes["level"] == "tertiary"), "node_id"])
                planted = truth.loc[v.index, "secondary"].isin(a_latent(a))
                flagged = v["tertiary"].isin(latent_ter)
                rec["primary_ceiling"] = primary_ceiling(truth.loc[v.index], v)
                if mode == "auto":
                    rec["primary_of_true_secondary"] = primary_of_true_secondary(a, cfg, tree, truth)
                rec["latent_recall"] = round(float((flagged & planted).sum() / max(planted.sum(), 1)), 3)
                rec["latent_precision"] = round(float((flagged & planted).sum() / max(flagged.sum(), 1)), 3)
                _save(rec)
                done[key] = rec
            r = done[key]
            print(f"sample  {r['backend']:<22} {mode:<4} counts {r['counts']}  "
                  + "  ".join(f"{lv[:3]} NMI {r[lv]['nmi']:.3f} ARI {r[lv]['ari']:.3f}" for lv in LEVELS)
                  + f"  latent verbatims: recall {r['latent_recall']:.2f} precision {r['latent_precision']:.2f}  ({r['seconds']} s)", flush=True)
            if "primary_ceiling" in r:
                extra = f"  primary NMI ceiling given these secondary nodes {r['primary_ceiling']:.3f}"
                if "primary_of_true_secondary" in r:
                    g = r["primary_of_true_secondary"]
                    extra += (f"; the primary step on the {g['secondaries']} true secondary needs: auto {g['auto_k']} groups "
                              f"NMI {g['auto_nmi']:.3f}, {g['true_k']} groups NMI {g['true_nmi']:.3f} (need level)")
                print(extra, flush=True)


def primary_ceiling(truth: pd.DataFrame, placed: pd.DataFrame) -> float:
    """Best primary NMI any grouping of the tree's secondary nodes can reach: each node to its majority true primary."""
    from sklearn.metrics import normalized_mutual_info_score

    major = pd.crosstab(placed["secondary"], truth["primary"]).idxmax(axis=1)
    return round(float(normalized_mutual_info_score(truth["primary"], placed["secondary"].map(major))), 4)


def primary_of_true_secondary(a, cfg, tree, truth: pd.DataFrame) -> dict:
    """The primary step alone: group the sample's true secondary needs (centroids of their verbatims in the tree's
    vector space) as the tree groups its secondary nodes, and compare with the true primary needs (NMI over needs).

    Counts chosen by the silhouette plateau (``auto``) and the true count.
    """
    from sklearn.metrics import normalized_mutual_info_score

    from cra_helpers import schema as S
    from cra_helpers.needs_tree.hierarchy import _centroids, _group
    from cra_helpers.needs_tree.text import prepare

    st = cfg.needs_tree.text
    prep = prepare(a.verbatims[S.VERBATIM_ID].tolist(), a.verbatims[S.TEXT].tolist(), min_words=st.min_words,
                   placeholders=st.placeholders)
    frame = prep.frame[prep.frame["unit"] >= 0]
    x = tree.vectors[frame["unit"].to_numpy()]
    sec = truth.loc[frame[S.VERBATIM_ID], "secondary"].to_numpy()
    names, code = np.unique(sec, return_inverse=True)
    cents = _centroids(x, code, len(names))
    true_primary = truth.groupby("secondary")["primary"].first().loc[names].to_numpy()
    k_true = len(set(true_primary))
    out = {"secondaries": len(names), "true_k": k_true}
    for label, k in (("auto", None), ("true", k_true)):
        lab, rows = _group(cents, k, "primary", cfg.needs_tree.max_nodes.primary, cfg.needs_tree.plateau)
        out[f"{label}_k"] = int(lab.max()) + 1
        out[f"{label}_nmi"] = round(float(normalized_mutual_info_score(true_primary, lab)), 4)
    return out


def a_latent(a) -> list[str]:
    """Names of the planted latent needs (truth.json)."""
    from cra_helpers import paths

    return json.loads((paths.sample_dir() / "truth.json").read_text())["latent_needs"]


def run_banking77(path: Path, backends: list[str], force: bool) -> None:
    from cra_helpers.config import load_config
    from cra_helpers.needs_tree import build_needs_tree

    cfg = load_config()
    df = pd.read_csv(path)
    ids = [f"B{i:05d}" for i in range(len(df))]
    k = df["category"].nunique()
    done = _done()
    key = "banking77|baseline"
    if force or key not in done:
        rec = {"key": key, "part": "banking77", "backend": "tfidf+kmeans", **_scores(df["category"], baseline(df["text"].tolist(), k, cfg.needs_tree.seed))}
        _save(rec)
        done[key] = rec
    print(f"banking77 {'tfidf+kmeans':<22} {k} groups  NMI {done[key]['nmi']:.3f}  ARI {done[key]['ari']:.3f}  placed 100%", flush=True)
    for backend in backends:
        key = f"banking77|{backend}"
        if force or key not in done:
            t0 = time.perf_counter()
            tree = build_needs_tree(ids, df["text"].tolist(), cfg.needs_tree, backend=backend, levels={"tertiary": k})
            seconds = time.perf_counter() - t0
            v = tree.verbatims.set_index("verbatim_id")
            placed = v["tertiary"].astype(str) != ""
            lab = v["tertiary"].where(placed, "unplaced")
            rec = {"key": key, "part": "banking77", "backend": f"{backend} ({tree.backend})", "groups": tree.counts()["tertiary"],
                   "placed_share": round(float(placed.mean()), 4), "seconds": round(seconds, 1),
                   **_scores(df["category"].to_numpy(), lab.loc[ids].to_numpy())}
            _save(rec)
            done[key] = rec
        r = done[key]
        print(f"banking77 {r['backend']:<22} {r['groups']} groups  NMI {r['nmi']:.3f}  ARI {r['ari']:.3f}  placed {r['placed_share']:.0%}  ({r['seconds']} s)", flush=True)


# ----------------------------------------------------------------------------- scale
def synthetic(n: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """``n`` synthetic verbatims composed from the sample's phrase bank (ids, texts)."""
    from cra_helpers import sample as sm

    bank = sm.load_needs_bank()
    entries = []
    for group in bank["primary_groups"]:
        for need in group["needs"]:
            for tert in need["tertiary"]:
                for kind in ("positive", "negative", "request"):
                    if tert.get(kind):
                        entries.append(tert[kind])
    entries.append(bank["off_topic"])
    rng = np.random.default_rng(seed)
    comps = [name for _, name in sm.COMPETITORS]
    prods = [p.lower() for p in sm.PRODUCTS]
    cities = ["Munich", "Hamburg", "Lyon", "Turin", "Leeds", "Brno", "Porto", "Gdansk", "Malmo", "Ghent"]
    texts = []
    for _ in range(n):
        phrases = entries[int(rng.integers(0, len(entries)))]
        slots = {"site": cities[int(rng.integers(0, len(cities)))], "competitor": sm._competitor_mention(rng, comps[int(rng.integers(0, 3))]),
                 "product": prods[int(rng.integers(0, len(prods)))],
                 **{k: v[int(rng.integers(0, len(v)))] for k, v in sm.SLOT_VALUES.items()}}
        texts.append(sm._compose(rng, phrases, bank, slots))
    return [f"X{i:07d}" for i in range(n)], texts


def _child(backend: str, n: int) -> None:
    """Measure one size in this (fresh) process; print one JSON line."""
    from cra_helpers.config import load_config
    from cra_helpers.needs_tree import build_needs_tree

    cfg = load_config()
    ids, texts = synthetic(n)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    tree = build_needs_tree(ids, texts, cfg.needs_tree, backend=backend)
    seconds = time.perf_counter() - t0
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": round(seconds, 1), "peak_mib": round(peak_self), "workers_peak_mib": round(peak_kids),
                      "before_build_mib": round(base / 1024), "resolved": tree.backend, "counts": tree.counts(),
                      "distinct": int((tree.verbatims["status"] != "duplicate").sum()), "placed": int(len(tree.placed))}))


def run_scale(sizes: list[int], backends: list[str], force: bool, max_embedding: int) -> None:
    done = _done()
    for n in sizes:
        for backend in backends:
            key = f"scale|{backend}|{n}"
            if key in done and not force:
                r = done[key]
            elif backend in ("embedding", "hybrid") and n > max_embedding:
                print(f"scale {backend:<9} {n:>9,}  skipped: above --max-embedding {max_embedding:,} "
                      f"(the model encodes ~100 texts/s on 2 cores; see the 10k row for the measured rate)", flush=True)
                continue
            else:
                proc = subprocess.run([sys.executable, __file__, "_child", backend, str(n)], capture_output=True, text=True)
                if proc.returncode != 0:
                    print(f"scale {backend:<9} {n:>9,}  FAILED: {proc.stderr.strip().splitlines()[-1:]}", flush=True)
                    continue
                r = {"key": key, "part": "scale", "backend": backend, "n": n, "machine": _machine(),
                     **json.loads(proc.stdout.strip().splitlines()[-1])}
                _save(r)
            workers = f"largest sentiment worker {r['workers_peak_mib']:,} MiB" if r["distinct"] >= 20_000 else "no worker processes"
            print(f"scale {backend:<9} {n:>9,}  {r['seconds']:>8.1f} s  peak {r['peak_mib']:>6,} MiB ({workers})"
                  f"  distinct texts {r['distinct']:,}  nodes {r['counts']}  resolved {r['resolved']}", flush=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        _child(sys.argv[2], int(sys.argv[3]))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("parts", nargs="*", default=["sample", "banking77", "scale"], choices=["sample", "banking77", "scale"])
    ap.add_argument("--banking77", type=Path, default=ROOT.parent / "shared" / "data" / "banking77" / "test.csv")
    ap.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=[*BACKENDS, "auto"])
    ap.add_argument("--sizes", nargs="+", type=int, default=[1_000, 10_000, 100_000, 1_000_000])
    ap.add_argument("--max-embedding", type=int, default=10_000, help="largest size run with the embedding model")
    ap.add_argument("--force", action="store_true", help="measure again what the results file already has")
    args = ap.parse_args()
    print(f"Machine: {_machine()}; results: {RESULTS}", flush=True)
    if "sample" in args.parts:
        run_sample(args.backends, args.force)
    if "banking77" in args.parts:
        if args.banking77.exists():
            run_banking77(args.banking77, args.backends, args.force)
        else:
            print(f"banking77: {args.banking77} not found (pass --banking77 PATH)")
    if "scale" in args.parts:
        run_scale(args.sizes, args.backends, args.force, args.max_embedding)


if __name__ == "__main__":
    main()
