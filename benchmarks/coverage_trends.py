"""Benchmark: coverage of the 95 % interval of a portfolio's wave-over-wave change, accounts as clusters or not.

Simulated two-wave portfolios of ``G`` accounts with ``m`` interviews per
account and wave. A respondent's answer in wave ``w`` (0 previous, 1
current) is ::

    y = μ + δ·w + a_g + c_gw + p_i + e_iw

with a persistent account level ``a_g ~ N(0, ρ·s·σ²)``, the account's own
move between the waves ``c_gw ~ N(0, ρ·(1 − s)·σ²)`` (accounts turn, or
improve, as a whole), a persistent person level ``p_i ~ N(0, (1 − ρ)·k·σ²)``
and the occasion's noise ``e_iw ~ N(0, (1 − ρ)·(1 − k)·σ²)``. ``ρ`` is the
intraclass correlation of one wave's answers (ICC), ``s`` the share of the
account variance that persists between waves (0.5: the accounts' levels
move, half as much as they vary; 1: they never move), ``k = 0.5`` the share
of a person's variance that persists, ``σ = 1.7`` scale points (answers are
not rounded). With ``s = k = 0.5`` the per-contact differences have the same
ICC ``ρ``; with ``s = 1`` the account levels cancel from the paired
differences and, with equal interviews per account in both waves, from the
difference of the wave means too, so the respondent-level methods are
valid there and the rows show what the cluster-aware interval costs. The
true change is ``δ``; the accounts are a sample of the accounts
the portfolio could have held, so the target of a cluster-aware interval is
``δ``, while the account moves ``c_g1 − c_g0`` of the portfolio at hand are
sampling noise to it.

Designs, as :func:`cra_helpers.trends.wave_changes` tests them:

* ``paired`` — a share ``RETAIN`` of each account's contacts (12 of 15) is
  interviewed in both waves, the others are replaced; the change is the mean
  of the re-interviewed contacts' differences. Cluster-aware: CR2 mean with
  Bell–McCaffrey df (:func:`cra_helpers.stats_cluster.cr2_mean`, as
  :func:`cra_helpers.stats.grouped_cluster_mean_ci` computes it); previous
  method: the paired *t* of the respondents (:func:`cra_helpers.trends.paired_t`).
* ``independent`` — new contacts in the second wave; the change is the
  difference of the wave means. Cluster-aware: the CR2 two-group fit with
  the account in both waves (:func:`cra_helpers.stats_cluster_diff.cr2_two_group`,
  the core of :func:`cra_helpers.stats.cluster_diff_ci`); previous method:
  Welch's *t* (:func:`cra_helpers.stats.welch_from_summaries`).

Every replication of a grid point is computed at once (arrays of
replications x accounts). Before the grid, one replication of each design is
built as two assessments and run through :func:`cra_helpers.trends.wave_changes`:
its portfolio row must equal the vectorised interval to 1e-9, so the table
measures what the trend report computes. Coverage is the share of
replications whose interval holds ``δ``; its Monte-Carlo standard error is
``√(c(1 − c)/R)`` (0.49 points at 95 % and 2,000 replications). One minus
the coverage is the false-positive rate of the *t*-test at 5 % when nothing
changed (the methods are shift-equivariant). "Width ratio" is the mean
interval width of the cluster-aware method over that of the previous one.

Usage::

    .venv/bin/python benchmarks/coverage_trends.py [--reps 2000] [--seed 2027] [--out benchmarks/coverage_trends.md]

About 5 s on two cores at the defaults (peak memory about 200 MB).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cra_helpers import schema as S  # noqa: E402
from cra_helpers import stats, trends  # noqa: E402
from cra_helpers.stats_cluster import cr2_mean  # noqa: E402
from cra_helpers.stats_cluster_diff import cr2_two_group  # noqa: E402

SIGMA, DELTA, LEVEL = 1.7, 0.3, 0.95
ACCOUNT_PERSISTS, PERSON_PERSISTS = (0.5, 1.0), 0.5
INTERVIEWS, RETAIN = 15, 0.8
ICCS, ACCOUNTS = (0.0, 0.1, 0.2), (6, 12, 24)
DESIGNS = ("paired", "independent")


def draw(rng: np.random.Generator, reps: int, g: int, m: int, icc: float, paired: bool, persists: float = 0.5
         ) -> tuple[np.ndarray, np.ndarray]:
    """Answers ``(reps, g, m)`` of the previous and the current wave (the same person at the same index when paired).

    ``persists`` is the share ``s`` of the account variance that persists between the waves (module docstring).
    """
    acc, person = icc * SIGMA**2, (1 - icc) * SIGMA**2
    a = rng.normal(0, np.sqrt(acc * persists), (reps, g, 1))
    c = rng.normal(0, np.sqrt(acc * (1 - persists)), (2, reps, g, 1))
    p = rng.normal(0, np.sqrt(person * PERSON_PERSISTS), (2, reps, g, m))
    if paired:
        p[1] = p[0]
    e = rng.normal(0, np.sqrt(person * (1 - PERSON_PERSISTS)), (2, reps, g, m))
    return a + c[0] + p[0] + e[0], DELTA + a + c[1] + p[1] + e[1]


def paired_intervals(prev: np.ndarray, cur: np.ndarray, pairs: int) -> dict[str, np.ndarray]:
    """Intervals of the mean difference of the first ``pairs`` contacts per account: CR2 (accounts) and paired *t*."""
    d = cur[..., :pairs] - prev[..., :pairs]
    mean, var, df = cr2_mean(d.sum(axis=2), np.full(d.shape[:2], float(pairs)))
    half = sps.t.ppf(0.5 + LEVEL / 2, df) * np.sqrt(var)
    flat = d.reshape(len(d), -1)
    lo, hi, _ = trends.paired_t(flat.mean(axis=1), flat.var(axis=1, ddof=1), np.full(len(d), flat.shape[1]), LEVEL)
    return {"cluster_low": mean - half, "cluster_high": mean + half, "naive_low": lo, "naive_high": hi}


def independent_intervals(prev: np.ndarray, cur: np.ndarray) -> dict[str, np.ndarray]:
    """Intervals of the current − previous wave mean: CR2 two-group fit (accounts in both waves) and Welch."""
    reps, g, m = prev.shape
    m0, m1 = prev.mean(axis=(1, 2)), cur.mean(axis=(1, 2))
    e0, e1 = (prev - m0[:, None, None]).sum(axis=2), (cur - m1[:, None, None]).sum(axis=2)
    n = np.full((reps, g), float(m))
    var, df = cr2_two_group(n, n, e0, e1)
    diff = m1 - m0
    half = sps.t.ppf(0.5 + LEVEL / 2, df) * np.sqrt(var)
    flat0, flat1 = prev.reshape(reps, -1), cur.reshape(reps, -1)
    _, lo, hi, _ = stats.welch_from_summaries(m1, flat1.var(axis=1, ddof=1), np.full(reps, g * m),
                                              m0, flat0.var(axis=1, ddof=1), np.full(reps, g * m), LEVEL)
    return {"cluster_low": diff - half, "cluster_high": diff + half, "naive_low": lo, "naive_high": hi}


def _assessments(prev: np.ndarray, cur: np.ndarray, paired: bool, pairs: int):
    """One replication ``(g, m)`` as two assessments of need N01 (paired: the first ``pairs`` contacts stay)."""
    from cra_helpers.assessment import Assessment
    from cra_helpers.config import load_config

    g, m = prev.shape

    def build(values, wave, ids):
        rows = [(ids(j, k), f"A{j}", float(values[j, k])) for j in range(g) for k in range(m)]
        ivs = [f"I{wave}-{i}" for i in range(len(rows))]
        accounts = [f"A{j}" for j in range(g)]
        tables = {S.ACCOUNTS: pd.DataFrame({S.ACCOUNT_ID: accounts, S.ACCOUNT_NAME: accounts, S.KEY_ACCOUNT: True}),
                  S.CONTACTS: pd.DataFrame({S.CONTACT_ID: [r[0] for r in rows], S.ACCOUNT_ID: [r[1] for r in rows],
                                            S.LOCATION_ID: None}),
                  S.NEEDS: pd.DataFrame({S.NEED_ID: ["N01"], S.NEED_NAME: ["Need"]}),
                  S.INTERVIEWS: pd.DataFrame({S.INTERVIEW_ID: ivs, S.CONTACT_ID: [r[0] for r in rows], S.WAVE: wave}),
                  S.RATINGS: pd.DataFrame({S.INTERVIEW_ID: ivs, S.NEED_ID: "N01", S.IMPORTANCE: 8.0,
                                           S.PERFORMANCE: [r[2] for r in rows]})}
        return Assessment(tables, load_config(), f"sim-{wave}")

    keep = (lambda j, k: f"C{j}-{k}" if k < pairs else f"N{j}-{k}") if paired else (lambda j, k: f"N{j}-{k}")
    return build(prev, "1", lambda j, k: f"C{j}-{k}"), build(cur, "2", keep)


def check_against_wave_changes(seed: int) -> None:
    """One replication per design through :func:`cra_helpers.trends.wave_changes`: the same interval as the arrays."""
    pairs = round(RETAIN * INTERVIEWS)
    for design in DESIGNS:
        paired = design == "paired"
        prev, cur = draw(np.random.default_rng(seed), 1, 6, INTERVIEWS, 0.2, paired)
        got = paired_intervals(prev, cur, pairs) if paired else independent_intervals(prev, cur)
        first, second = _assessments(prev[0], cur[0], paired, pairs)
        t = trends.wave_changes(second, first)
        row = t[(t["scope"] == "portfolio") & (t["metric"] == "performance")].iloc[0]
        assert row["test"] == design and row["interval_basis"] == stats.BASIS_CLUSTERS, (design, row["test"])
        assert abs(row["ci_low"] - got["cluster_low"][0]) < 1e-9 and abs(row["ci_high"] - got["cluster_high"][0]) < 1e-9


def run(reps: int, seed: int) -> pd.DataFrame:
    """Coverage of both methods at every grid point (design x ICC x persistence x accounts), ``reps`` replications each."""
    pairs, rows = round(RETAIN * INTERVIEWS), []
    points = [(d, icc, s, g) for d in DESIGNS for icc in ICCS for s in (ACCOUNT_PERSISTS if icc else ACCOUNT_PERSISTS[:1])
              for g in ACCOUNTS]
    for i, (design, icc, persists, g) in enumerate(points):
        rng = np.random.default_rng(np.random.SeedSequence([seed, i]))
        prev, cur = draw(rng, reps, g, INTERVIEWS, icc, design == "paired", persists)
        r = paired_intervals(prev, cur, pairs) if design == "paired" else independent_intervals(prev, cur)
        cover = {k: np.mean((r[f"{k}_low"] <= DELTA) & (DELTA <= r[f"{k}_high"])) for k in ("cluster", "naive")}
        width = np.mean(r["cluster_high"] - r["cluster_low"]) / np.mean(r["naive_high"] - r["naive_low"])
        rows.append({"design": design, "icc": icc, "account variance persisting": persists if icc else "–",
                     "accounts": g, "interviews per account and wave": INTERVIEWS,
                     "contacts in both waves per account": pairs if design == "paired" else 0,
                     "accounts as clusters (CR2, BM df)": 100 * cover["cluster"],
                     "respondents (paired t / Welch)": 100 * cover["naive"], "width ratio": width})
    return pd.DataFrame(rows)


def to_markdown(table: pd.DataFrame, reps: int, seed: int) -> str:
    """The table in markdown: coverage in percent (one decimal), width ratio (two decimals)."""
    se = 100 * np.sqrt(0.95 * 0.05 / reps)
    head = (f"Coverage in percent of the nominal 95 % interval of a portfolio's change between two waves, {reps:,} "
            f"replications per grid point (Monte-Carlo standard error {se:.2f} points at 95 %), seed {seed}; "
            f"true change {DELTA} on answers with σ = {SIGMA}; \"account variance persisting\" 0.5: accounts move "
            "between the waves, 1.0: they keep their level (benchmarks/coverage_trends.py).\n\n")
    cols = list(table.columns)
    lines = ["| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
    for r in table.itertuples(index=False):
        cells = [f"{v:.1f}" if isinstance(v, float) and c not in ("icc", "account variance persisting", "width ratio") else
                 f"{v:.2f}" if c == "width ratio" else str(v) for c, v in zip(cols, r)]
        lines.append("| " + " | ".join(cells) + " |")
    return head + "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "coverage_trends.md")
    args = parser.parse_args()
    start = time.time()
    check_against_wave_changes(args.seed)
    text = to_markdown(run(args.reps, args.seed), args.reps, args.seed)
    print(text)
    args.out.write_text(text, encoding="utf-8")
    print(f"{time.time() - start:.0f} s; written to {args.out}")


if __name__ == "__main__":
    main()
