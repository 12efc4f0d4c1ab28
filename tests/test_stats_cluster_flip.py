"""The cluster sign-flip randomization test against a brute-force loop over respondents.

The reference flips the sign of every respondent's difference in the chosen
accounts, recomputes the weighted mean, its residuals and the CR2 variance
``Σ_g E_g² / (1 − q_g) / W²`` from scratch (no cluster totals, no matrix
expansion) and counts the sign vectors whose ``|t|`` reaches the observed one.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from cra_helpers import stats_cluster_flip as flip


def _cr2_t(d: np.ndarray, w: np.ndarray, cl: np.ndarray) -> float:
    """CR2 t of the weighted mean of ``d`` against 0, respondent by respondent."""
    big_w = w.sum()
    mean = np.sum(w * d) / big_w
    v = 0.0
    for g in np.unique(cl):
        idx = cl == g
        e_g = np.sum(w[idx] * (d[idx] - mean))
        v += e_g**2 / (1 - w[idx].sum() / big_w)
    return mean / np.sqrt(v / big_w**2)


def _brute_p(d: np.ndarray, w: np.ndarray, cl: np.ndarray) -> float:
    groups = np.unique(cl)
    t_obs = abs(_cr2_t(d, w, cl))
    hits = 0
    for signs in itertools.product([1.0, -1.0], repeat=len(groups)):
        s = np.ones(len(d))
        for g, sg in zip(groups, signs):
            s[cl == g] = sg
        hits += abs(_cr2_t(s * d, w, cl)) >= t_obs * (1 - 1e-9)
    return hits / 2 ** len(groups)


def _sample(rng: np.random.Generator, sizes: list[int], shift: float) -> pd.DataFrame:
    cl = np.repeat([f"A{i}" for i in range(len(sizes))], sizes)
    d = rng.normal(shift, 1.0, len(cl)) + np.repeat(rng.normal(0, 0.5, len(sizes)), sizes)
    return pd.DataFrame({"acc": cl, "d": d})


@pytest.mark.parametrize("weighting", ["respondents", "accounts", "revenue"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_exact_p_matches_the_brute_force_loop(seed, weighting):
    rng = np.random.default_rng(seed)
    sizes = [3, 5, 2, 4, 6][: 4 + seed % 2]
    f = _sample(rng, sizes, shift=0.4 * seed)
    revenue = {f"A{i}": float(r) for i, r in enumerate(rng.uniform(1, 10, len(sizes)))}
    n_g = f.groupby("acc")["d"].transform("size").to_numpy(float)
    w = {"respondents": np.ones(len(f)), "accounts": 1 / n_g,
         "revenue": f["acc"].map(revenue).to_numpy(float) / n_g}[weighting]
    got = flip.grouped_sign_flip_p(f, [], "d", "acc", weighting, revenue if weighting == "revenue" else None)
    assert got[0] == pytest.approx(_brute_p(f["d"].to_numpy(), w, f["acc"].to_numpy()), abs=1e-12)


def test_rows_with_different_accounts_are_each_enumerated_over_their_own_accounts():
    rng = np.random.default_rng(4)
    f = pd.concat([_sample(rng, [3, 4, 2, 5], 0.3).assign(cell="x"), _sample(rng, [2, 3, 3, 4, 2], -0.2).assign(cell="y")])
    f.loc[f["cell"] == "y", "acc"] = "B" + f.loc[f["cell"] == "y", "acc"]  # other accounts: 9 columns in all
    got = flip.grouped_sign_flip_p(f, ["cell"], "d", "acc")
    for i, cell in enumerate(["x", "y"]):
        sub = f[f["cell"] == cell]
        assert got[i] == pytest.approx(_brute_p(sub["d"].to_numpy(), np.ones(len(sub)), sub["acc"].to_numpy()), abs=1e-12)


@pytest.mark.parametrize("g", [2, 4, 6, 9, 12])
def test_exact_p_is_at_least_two_over_two_to_the_g(g):
    rng = np.random.default_rng(g)
    sizes = rng.integers(2, 8, g)
    y = np.array([rng.normal(5.0, 0.1, k).sum() for k in sizes])[None, :]  # every account clearly above 0
    p = flip.sign_flip_p(y, sizes[None, :].astype(float))
    assert p[0] == pytest.approx(2 / 2**g, abs=1e-15)  # the observed and the fully flipped vector
    null = flip.sign_flip_p(rng.normal(0, 1, (200, g)), np.tile(sizes.astype(float), (200, 1)))
    assert (null >= 2 / 2**g - 1e-15).all() and (null <= 1).all()


def test_many_accounts_use_a_fixed_seed_monte_carlo_close_to_the_exact_p(monkeypatch):
    rng = np.random.default_rng(8)
    g = 15
    n = rng.integers(5, 15, g).astype(float)
    y = (rng.normal(0.25, 1.0, g) * np.sqrt(n) + 0.25 * n)[None, :]
    mc = flip.sign_flip_p(y, n[None, :])
    assert mc[0] == flip.sign_flip_p(y, n[None, :])[0]  # same seed, same p
    assert len(flip.sign_vectors(g)) == flip.FLIP_DRAWS + 1
    monkeypatch.setattr(flip, "EXACT_MAX", 15)
    exact = flip.sign_flip_p(y, n[None, :])[0]
    assert 0 < exact < 1
    assert mc[0] == pytest.approx(exact, abs=4 * np.sqrt(exact * (1 - exact) / flip.FLIP_DRAWS) + 1e-4)


def test_one_account_has_no_randomization_p_and_zero_effect_has_p_one():
    assert np.isnan(flip.sign_flip_p(np.array([[3.0, 0.0]]), np.array([[2.0, 0.0]]))[0])
    assert flip.sign_flip_p(np.array([[0.0, 0.0, 0.0]]), np.array([[2.0, 3.0, 1.0]]))[0] == 1.0


def test_the_null_rejection_rate_does_not_exceed_its_level():
    """Symmetric differences, 8 accounts (256 vectors): P(p ≤ α) ≤ α up to Monte-Carlo error, for α = 5 % and 1 %."""
    rng = np.random.default_rng(12)
    sizes = np.array([3, 5, 8, 4, 6, 7, 2, 9], float)
    reps = 4000
    y = rng.standard_t(3, (reps, 8)) * np.sqrt(sizes)
    p = flip.sign_flip_p(y, np.tile(sizes, (reps, 1)))
    for alpha in (0.05, 0.01):
        assert np.mean(p <= alpha) <= alpha + 3 * np.sqrt(alpha * (1 - alpha) / reps)
    assert np.mean(p <= 0.05) > 0.03  # not trivially conservative either


def test_the_expanded_t_of_every_sign_vector_is_the_cr2_t_of_the_flipped_answers():
    rng = np.random.default_rng(21)
    f = _sample(rng, [2, 9, 3, 1, 6], shift=0.5)
    d, cl = f["d"].to_numpy(), f["acc"].to_numpy()
    w = rng.uniform(0.5, 2.0, len(d))
    groups = np.unique(cl)
    y = np.array([[np.sum(w[cl == g] * d[cl == g]) for g in groups]])
    big_w = np.array([[w[cl == g].sum() for g in groups]])
    signs = flip.sign_vectors(len(groups))
    got = flip._flip_t(y, big_w, signs)[0]
    for b, s in enumerate(signs):
        ref = _cr2_t(np.repeat(s, [np.sum(cl == g) for g in groups]) * d, w, cl)
        assert got[b] == pytest.approx(ref, rel=1e-10)
