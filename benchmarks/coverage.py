"""Benchmark: coverage of the portfolio intervals and false-positive rate of the flags, on simulated assessments.

Each replication draws ``G`` accounts of ``m`` interviews. A respondent's
latent answer is ``μ + a_g + r_i`` with an account effect ``a_g ~ N(0, ICC·σ²)``
and a respondent effect ``r_i ~ N(0, (1 − ICC)·σ²)``, ``σ = 1.7`` scale
points, then rounded and clipped to the scale (1–10 or 0–10). The truth is
the mean of the rounded, clipped answer over the population, computed
exactly from the normal distribution (rounding and clipping act on the
marginal). Measured on the estimator functions directly:

* need mean — :func:`cra_helpers.stats.grouped_cluster_mean_ci` (the naive
  Student interval of :func:`cra_helpers.stats.grouped_mean_ci` beside it);
* gap — importance − performance within respondent, same function;
* competitor difference — our − competitor's performance within respondent;
* NPS — :func:`cra_helpers.stats.grouped_cluster_nps` on a 0–10 answer
  (true NPS from the latent distribution);
* top-2-box share — :func:`cra_helpers.stats.cluster_share_ci` of the
  performance answer ≥ 9 (true share ``P(Y ≥ 8.5)`` of the latent normal);
* flags under no true difference (family-wise rate after Holm): the
  location flags (every pair of 3 sites within each account, Welch as in
  :func:`cra_helpers.gap.location_pairs`, one family per assessment over
  accounts × 5 needs) and the competitor flags (10 needs × 2 competitors,
  paired CR2 *t* as in :func:`cra_helpers.gap.competitor_gaps`, beside the
  cluster sign-flip randomization test of the same *t*,
  :func:`cra_helpers.stats_cluster_flip.grouped_sign_flip_p`, and the naive
  paired *t* of the respondents);
* group comparisons under no true difference (``--groups``): a respondent
  attribute with 3 groups (a level, a department) whose mix differs by
  account (each account's shares drawn from Dirichlet(1, 1, 1)), 3
  measures, every group against the rest as
  :func:`cra_helpers.comparisons.compare_frame` does (CR2 difference,
  Holm over groups × measures, |Cliff's δ| ≥ 0.147) and the omnibus test
  per measure (:func:`cra_helpers.comparisons.omnibus_frame`, CR2 Wald
  with the HTZ *F*, Holm over the measures), each beside the rank tests
  of the respondents (Mann–Whitney, Kruskal–Wallis) that they replace.

Coverage is the share of replications whose 95 % interval holds the truth;
its Monte-Carlo standard error is ``√(c(1 − c)/R)``. A flag rate's standard
error at 5 % is ``√(0.05 · 0.95 / R)`` per grid point (0.49 points at
2,000 replications), so a method whose true rate is 4.9 % still shows
points above 5 %: the summary also gives the rate pooled over the grid
points (standard error ``/ √points``).

Usage::

    .venv/bin/python benchmarks/coverage.py [--reps 1000] [--flag-reps 400] [--out benchmarks/coverage.md]
    .venv/bin/python benchmarks/coverage.py --groups [--flag-reps 400]   # group comparisons only, own section
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cra_helpers import stats  # noqa: E402
from cra_helpers.stats_cluster_flip import grouped_sign_flip_p  # noqa: E402

SIGMA = 1.7
SCALES = {"1-10": (1, 10, 7.0), "0-10": (0, 10, 6.5)}
ICCS = (0.0, 0.1, 0.2, 0.3)
ACCOUNTS = (6, 12, 24)
INTERVIEWS = (5, 15, 30)


def true_mean(mu: float, lo: int, hi: int, sigma: float = SIGMA) -> float:
    """E[clip(round(Y), lo, hi)] for Y ~ N(mu, sigma²) (round half up; exact from the normal cdf)."""
    k = np.arange(lo, hi + 1)
    upper = np.where(k == hi, np.inf, k + 0.5)
    lower = np.where(k == lo, -np.inf, k - 0.5)
    return float(np.sum(k * (sps.norm.cdf(upper, mu, sigma) - sps.norm.cdf(lower, mu, sigma))))


def true_nps(mu: float, sigma: float = SIGMA) -> float:
    """100 · (P(answer ≥ 9) − P(answer ≤ 6)) of clip(round(N(mu, sigma²)), 0, 10)."""
    return 100 * float(sps.norm.sf(8.5, mu, sigma) - sps.norm.cdf(6.5, mu, sigma))


def draw(rng: np.random.Generator, reps: int, g: int, m: int, icc: float, mu: float, lo: int, hi: int) -> np.ndarray:
    """Rounded, clipped answers, shape (reps, g, m)."""
    a = rng.normal(0, SIGMA * np.sqrt(icc), (reps, g, 1))
    r = rng.normal(0, SIGMA * np.sqrt(1 - icc), (reps, g, m))
    return np.clip(np.floor(mu + a + r + 0.5), lo, hi)


def _frame(values: np.ndarray) -> pd.DataFrame:
    reps, g, m = values.shape
    rep = np.repeat(np.arange(reps), g * m)
    acc = np.tile(np.repeat(np.arange(g), m), reps)  # account ids local to each replication: dense arrays stay (reps, g)
    return pd.DataFrame({"rep": rep, "acc": acc, "y": values.ravel()})


def _covers(out: pd.DataFrame, truth: float) -> float:
    return float(((out["ci_low"] <= truth) & (truth <= out["ci_high"])).mean())


def coverage_point(rng: np.random.Generator, reps: int, g: int, m: int, icc: float, scale: str) -> dict[str, float]:
    """Coverage of the four interval kinds (and the naive mean interval) at one grid point."""
    lo, hi, mu = SCALES[scale]
    imp, perf = draw(rng, reps, g, m, icc, mu + 1.0, lo, hi), draw(rng, reps, g, m, icc, mu, lo, hi)
    them = draw(rng, reps, g, m, icc, mu + 0.5, lo, hi)
    f = _frame(perf)
    row = {"mean": _covers(stats.grouped_cluster_mean_ci(f, ["rep"], "y", "acc"), true_mean(mu, lo, hi)),
           "naive mean": _covers(stats.grouped_mean_ci(f, ["rep"], "y"), true_mean(mu, lo, hi))}
    row["gap"] = _covers(stats.grouped_cluster_mean_ci(_frame(imp - perf), ["rep"], "y", "acc"),
                         true_mean(mu + 1.0, lo, hi) - true_mean(mu, lo, hi))
    row["competitor"] = _covers(stats.grouped_cluster_mean_ci(_frame(perf - them), ["rep"], "y", "acc"),
                                true_mean(mu, lo, hi) - true_mean(mu + 0.5, lo, hi))
    rec = draw(rng, reps, g, m, icc, 7.5, 0, 10)
    row["nps"] = _covers(stats.grouped_cluster_nps(_frame(rec), ["rep"], "y", "acc"), true_nps(7.5))
    top2 = stats.cluster_share_ci(stats.grouped_cluster_mean_ci(_frame((perf >= 9).astype(float)), ["rep"], "y", "acc"))
    row["share"] = _covers(top2, float(sps.norm.sf(8.5, mu, SIGMA)))
    return row


def location_fwer(rng: np.random.Generator, reps: int, g: int, m: int, icc: float, needs: int = 5, sites: int = 3) -> float:
    """Family-wise false-positive rate of the site-to-site flags (Welch within account, Holm), no true site effect."""
    per_site = max(m // sites, 2)
    y = draw(rng, reps * needs, g, sites * per_site, icc, 7.0, 1, 10).reshape(reps, needs, g, sites, per_site)
    mean, var = y.mean(axis=-1), y.var(axis=-1, ddof=1)
    i, j = np.triu_indices(sites, 1)
    _, _, _, p = stats.welch_from_summaries(mean[..., i].ravel(), var[..., i].ravel(), np.full(mean[..., i].size, per_site),
                                            mean[..., j].ravel(), var[..., j].ravel(), np.full(mean[..., j].size, per_site))
    p = p.reshape(reps, -1)
    return float(np.mean([np.any(stats.holm(row) < 0.05) for row in p]))


def competitor_fwer(rng: np.random.Generator, reps: int, g: int, m: int, icc: float, cells: int = 20,
                    flip: bool = True) -> tuple[float, float, float]:
    """Family-wise false-positive rate of the competitor flags (paired, Holm): CR2 *t* (shipped), sign-flip, naive.

    The shipped flag is the CR2 *t* of :func:`cra_helpers.stats.grouped_cluster_mean_ci` (``t_p``, as
    :func:`cra_helpers.gap.competitor_gaps` uses it); the sign-flip rate is NaN with ``flip=False``.
    """
    us = draw(rng, reps * cells, g, m, icc, 7.0, 1, 10)
    them = draw(rng, reps * cells, g, m, icc, 7.0, 1, 10)
    f = _frame(us - them)
    ps = [stats.grouped_cluster_mean_ci(f, ["rep"], "y", "acc")["t_p"].to_numpy(float),
          grouped_sign_flip_p(f, ["rep"], "y", "acc") if flip else None,
          stats.grouped_mean_ci(f, ["rep"], "y")["t_p"].to_numpy(float)]
    rates = [float(np.mean([np.any(stats.holm(row) < 0.05) for row in p.reshape(reps, cells)])) if p is not None
             else float("nan") for p in ps]
    return rates[0], rates[1], rates[2]


def group_fwer(rng: np.random.Generator, reps: int, g: int, m: int, icc: float, measures: int = 3,
               groups: int = 3) -> dict[str, float]:
    """Family-wise false-positive rates of the group comparisons (no true group effect), cluster-aware and rank based."""
    from cra_helpers import schema as S
    from cra_helpers.comparisons import compare_frame, omnibus_frame
    from cra_helpers.config.quantitative import Comparisons

    cfg = Comparisons(permutation_below=0)
    cols = [f"m{j}" for j in range(measures)]
    hits = np.zeros(4)
    for _ in range(reps):
        y = draw(rng, measures, g, m, icc, 7.0, 1, 10)
        shares = rng.dirichlet(np.ones(groups), g)
        lv = np.concatenate([rng.choice(groups, m, p=p) for p in shares])
        resp = pd.DataFrame({S.ACCOUNT_ID: np.repeat(np.arange(g), m), S.LEVEL: lv, **{c: y[j].ravel() for j, c in enumerate(cols)}})
        comp = compare_frame(resp, [S.LEVEL], cols, cfg, 0.95)
        effect = comp["cliffs_delta"].abs() >= cfg.min_effect
        om = omnibus_frame(resp, [S.LEVEL], cols, cfg)
        hits += [(comp["p_holm"] < cfg.alpha).mul(effect).any(), ((stats.holm(comp["p_rank"]) < cfg.alpha) & effect).any(),
                 om["differs"].any(), (stats.holm(om["p_rank"]) < cfg.alpha).any()]
    return dict(zip(["group FWER", "naive group FWER", "omnibus FWER", "naive omnibus FWER"], hits / reps))


def run_groups(flag_reps: int, seed: int = 2025) -> pd.DataFrame:
    """The group-comparison false-positive rates at 6 and 12 accounts × 15 interviews, ICC 0, 0.2, 0.3."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame([{"icc": icc, "accounts": g, "interviews": 15, **group_fwer(rng, flag_reps, g, 15, icc)}
                         for icc in (0.0, 0.2, 0.3) for g in (6, 12)])


def run(reps: int, flag_reps: int, seed: int = 2024) -> pd.DataFrame:
    """The whole grid: one row per ICC × accounts × interviews × scale (flags on the 1–10 scale only)."""
    rng = np.random.default_rng(seed)
    rows = []
    for icc in ICCS:
        for g in ACCOUNTS:
            for m in INTERVIEWS:
                for scale in SCALES:
                    row = {"icc": icc, "accounts": g, "interviews": m, "scale": scale, **coverage_point(rng, reps, g, m, icc, scale)}
                    if scale == "1-10":
                        row["location FWER"] = location_fwer(rng, flag_reps, g, m, icc)
                        (row["competitor FWER"], row["sign-flip competitor FWER"],
                         row["naive competitor FWER"]) = competitor_fwer(rng, flag_reps, g, m, icc)
                    rows.append(row)
    return pd.DataFrame(rows)


def to_markdown(table: pd.DataFrame, reps: int, flag_reps: int) -> str:
    """The table as markdown (percent), with the Monte-Carlo standard errors."""
    pct = table.copy()
    cols = [c for c in pct.columns if c not in ("icc", "accounts", "interviews", "scale")]
    pct[cols] = (100 * pct[cols]).round(1)
    head = "| " + " | ".join(pct.columns) + " |\n| " + " | ".join("---" for _ in pct.columns) + " |\n"
    body = "".join("| " + " | ".join("" if pd.isna(v) else str(v) for v in r) + " |\n" for r in pct.itertuples(index=False))
    se = 100 * np.sqrt(0.95 * 0.05 / reps)
    se_f = 100 * np.sqrt(0.05 * 0.95 / flag_reps)
    return (f"Coverage of nominal 95 % intervals in percent, {reps} replications per grid point (Monte-Carlo standard "
            f"error {se:.2f} points at 95 %); family-wise false-positive rates after Holm, {flag_reps} replications "
            f"(standard error {se_f:.2f} points at 5 %).\n\n" + head + body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--flag-reps", type=int, default=400)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "coverage.md")
    parser.add_argument("--groups", action="store_true", help="only the group comparisons, written as their own section")
    args = parser.parse_args()
    start = time.time()
    if args.groups:
        _write_groups(args.out, run_groups(args.flag_reps), args.flag_reps)
        print(f"{time.time() - start:.0f} s; written to {args.out}")
        return
    table = run(args.reps, args.flag_reps)
    text = to_markdown(table, args.reps, args.flag_reps)
    print(text)
    summary = summarise(table, args.flag_reps) + "\n\n" + _run_note(args, time.time() - start)
    print(summary)
    old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    groups = GROUPS_HEADING + old.split(GROUPS_HEADING, 1)[1] if GROUPS_HEADING in old else ""  # kept from --groups
    args.out.write_text(text + "\n" + summary + "\n" + ("\n" + groups if groups else ""), encoding="utf-8")
    print(f"{time.time() - start:.0f} s; written to {args.out}")


def _run_note(args: argparse.Namespace, seconds: float) -> str:
    """Which run wrote the table: options, date, processor and wall time."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    return (f"Run: `benchmarks/coverage.py --reps {args.reps} --flag-reps {args.flag_reps}`, {time.strftime('%Y-%m-%d')}, "
            f"{cpu} ({os.cpu_count()} cores), {seconds / 60:.1f} minutes.")


GROUPS_HEADING = "## Group comparisons under no true difference"


def _write_groups(out: Path, table: pd.DataFrame, flag_reps: int) -> None:
    """Replace (or append) the group-comparison section of ``out`` with ``table`` (rates in percent)."""
    pct = table.copy()
    cols = [c for c in pct.columns if "FWER" in c]
    pct[cols] = (100 * pct[cols]).round(1)
    head = "| " + " | ".join(pct.columns) + " |\n| " + " | ".join("---" for _ in pct.columns) + " |\n"
    body = "".join("| " + " | ".join(str(v) for v in r) + " |\n" for r in pct.itertuples(index=False))
    se = 100 * np.sqrt(0.05 * 0.95 / flag_reps)
    text = (f"{GROUPS_HEADING}\n\nFamily-wise false-positive rate in percent ({flag_reps} replications, standard error "
            f"{se:.2f} points at 5 %): a 3-group attribute whose mix differs by account, 3 measures; group FWER = any "
            "group-against-rest flag after Holm (cluster-robust CR2 test; naive: Mann–Whitney of the respondents), "
            "omnibus FWER = any measure whose groups differ after Holm (CR2 Wald, HTZ *F*; naive: Kruskal–Wallis).\n\n"
            + head + body)
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    keep = old.split(GROUPS_HEADING)[0].rstrip() if old else ""
    out.write_text((keep + "\n\n" if keep else "") + text, encoding="utf-8")
    print(text)


def summarise(table: pd.DataFrame, flag_reps: int = 0) -> str:
    """Coverage range per interval kind and the largest and pooled flag rates, from 12 accounts up and at 6 accounts."""
    lines = []
    for label, part in (("≥ 12 accounts", table[table["accounts"] >= 12]), ("6 accounts", table[table["accounts"] == 6])):
        for c in ("mean", "gap", "competitor", "nps", "share", "naive mean"):
            if c in part:
                lines.append(f"- {label}, {c}: {100 * part[c].min():.1f}–{100 * part[c].max():.1f} %")
        for c in ("location FWER", "competitor FWER", "sign-flip competitor FWER"):
            rates = part[c].dropna() if c in part else pd.Series(dtype=float)
            if len(rates):
                se = 100 * np.sqrt(0.05 * 0.95 / max(flag_reps, 1) / len(rates))
                lines.append(f"- {label}, {c}: at most {100 * rates.max():.1f} %, above 5 % at {int((rates > 0.05).sum())} "
                             f"of {len(rates)} points, pooled {100 * rates.mean():.2f} % (standard error {se:.2f})")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
