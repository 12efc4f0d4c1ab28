"""Relative weights (Johnson 2000) against independent computations and published figures."""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd
import pytest

from cra_helpers.drivers import bootstrap_relative_weights, relative_weights

# mtcars (Henderson & Velleman 1981; R's datasets::mtcars): mpg, cyl, disp, hp, gear.
MTCARS = """21 6 160 110 4|21 6 160 110 4|22.8 4 108 93 4|21.4 6 258 110 3|18.7 8 360 175 3|18.1 6 225 105 3|
14.3 8 360 245 3|24.4 4 146.7 62 4|22.8 4 140.8 95 4|19.2 6 167.6 123 4|17.8 6 167.6 123 4|16.4 8 275.8 180 3|
17.3 8 275.8 180 3|15.2 8 275.8 180 3|10.4 8 472 205 3|10.4 8 460 215 3|14.7 8 440 230 3|32.4 4 78.7 66 4|
30.4 4 75.7 52 4|33.9 4 71.1 65 4|21.5 4 120.1 97 3|15.5 8 318 150 3|15.2 8 304 150 3|13.3 8 350 245 3|
19.2 8 400 175 3|27.3 4 79 66 4|26 4 120.3 91 5|30.4 4 95.1 113 5|15.8 8 351 264 5|19.7 6 145 175 5|
15 8 301 335 5|21.4 4 121 109 4"""


def _mtcars() -> pd.DataFrame:
    rows = [[float(v) for v in r.split()] for r in MTCARS.replace("\n", "").split("|")]
    return pd.DataFrame(rows, columns=["mpg", "cyl", "disp", "hp", "gear"])


def _r2_ols(x: np.ndarray, y: np.ndarray) -> float:
    design = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    return float(1 - resid @ resid / np.sum((y - y.mean()) ** 2))


def _shapley_r2(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Exact Shapley decomposition of R² over all subsets of predictors (each fitted by OLS)."""
    p = x.shape[1]
    cache: dict[tuple[int, ...], float] = {}

    def r2(subset: tuple[int, ...]) -> float:
        if subset not in cache:
            cache[subset] = _r2_ols(x[:, list(subset)], y) if subset else 0.0
        return cache[subset]

    out = np.zeros(p)
    for j in range(p):
        others = [k for k in range(p) if k != j]
        for size in range(p):
            for s in combinations(others, size):
                weight = factorial(size) * factorial(p - size - 1) / factorial(p)
                out[j] += weight * (r2(tuple(sorted(s + (j,)))) - r2(s))
    return out


def _johnson_svd(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson's (2000) procedure as published: orthogonal counterparts Z = P Qᵀ from the SVD of X."""
    xs = (x - x.mean(axis=0)) / x.std(axis=0)
    ys = (y - y.mean()) / y.std()
    p_mat, _, qt = np.linalg.svd(xs, full_matrices=False)
    z = p_mat @ qt * np.sqrt(len(y))  # standardised like the predictors
    beta, *_ = np.linalg.lstsq(z, ys, rcond=None)  # outcome on Z
    lam, *_ = np.linalg.lstsq(z, xs, rcond=None)  # each X on Z: Λ (k × j)
    return (lam.T**2) @ (beta**2)


def _correlated(n: int, p: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, p))
    mix = np.eye(p) + 0.6 * rng.uniform(size=(p, p))
    x = base @ mix
    y = x @ rng.normal(size=p) + rng.normal(scale=2.0, size=n)
    return pd.DataFrame(x, columns=[f"x{i}" for i in range(p)]), y


def test_published_mtcars_weights():
    """rwa (R package, Chan) README: mpg ~ cyl + disp + hp + gear, R² = 0.7791896."""
    d = _mtcars()
    rw = relative_weights(d[["cyl", "disp", "hp", "gear"]], d["mpg"])
    assert rw.r2 == pytest.approx(0.7791896, abs=1e-6)
    assert rw.raw.to_numpy() == pytest.approx([0.2284797, 0.2221469, 0.2321744, 0.0963886], abs=1e-6)
    assert rw.pct.to_numpy() == pytest.approx([29.32274, 28.50999, 29.79691, 12.37037], abs=1e-4)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_raw_weights_sum_to_the_r2_of_ols(seed):
    x, y = _correlated(60, 6, seed)
    rw = relative_weights(x, y)
    assert rw.r2 == pytest.approx(_r2_ols(x.to_numpy(), y), abs=1e-10)
    assert rw.raw.sum() == pytest.approx(rw.r2, abs=1e-10)
    assert (rw.raw >= 0).all()


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_matches_johnsons_svd_procedure(seed):
    x, y = _correlated(40, 7, seed)
    assert relative_weights(x, y).raw.to_numpy() == pytest.approx(_johnson_svd(x.to_numpy(), y), abs=1e-10)


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_two_predictors_equal_the_exact_shapley_decomposition(seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=30)
    b = 0.7 * a + rng.normal(size=30)
    y = a + 0.4 * b + rng.normal(size=30)
    x = pd.DataFrame({"a": a, "b": b})
    assert abs(np.corrcoef(a, b)[0, 1]) > 0.3  # really correlated
    assert relative_weights(x, y).raw.to_numpy() == pytest.approx(_shapley_r2(x.to_numpy(), y), abs=1e-10)


def test_uncorrelated_predictors_equal_shapley_and_squared_correlations():
    rng = np.random.default_rng(11)
    q, _ = np.linalg.qr(rng.normal(size=(25, 4)) - rng.normal(size=(25, 4)).mean(axis=0))
    q = q - q.mean(axis=0)
    q, _ = np.linalg.qr(q)  # orthonormal, centred columns: correlations exactly 0
    x = pd.DataFrame(q, columns=list("abcd"))
    y = q @ [3.0, 1.0, 0.5, 0.0] + rng.normal(scale=0.05, size=25)
    rw = relative_weights(x, y).raw.to_numpy()
    r2 = np.array([np.corrcoef(q[:, j], y)[0, 1] ** 2 for j in range(4)])
    assert rw == pytest.approx(_shapley_r2(q, y), abs=1e-10)
    assert rw == pytest.approx(r2, abs=1e-10)


def test_four_correlated_predictors_approximate_shapley():
    """With more than two predictors relative weights approximate the Shapley values (same total)."""
    d = _mtcars()
    x = d[["cyl", "disp", "hp", "gear"]].to_numpy()
    shap = _shapley_r2(x, d["mpg"].to_numpy())
    rw = relative_weights(d[["cyl", "disp", "hp", "gear"]], d["mpg"]).raw.to_numpy()
    assert rw.sum() == pytest.approx(shap.sum(), abs=1e-10)
    assert np.abs(rw - shap).max() < 0.03


def test_constant_predictor_gets_zero_and_changes_nothing():
    x, y = _correlated(50, 3, 12)
    with_const = x.assign(flat=7.0)
    a, b = relative_weights(x, y), relative_weights(with_const, y)
    assert b.raw["flat"] == 0.0
    assert b.raw[x.columns].to_numpy() == pytest.approx(a.raw.to_numpy(), abs=1e-12)


def test_missing_values_are_refused():
    x, y = _correlated(10, 2, 1)
    x.iloc[0, 0] = np.nan
    with pytest.raises(ValueError, match="missing"):
        relative_weights(x, y)


def test_bootstrap_intervals():
    x, y = _correlated(80, 4, 13)
    a = bootstrap_relative_weights(x, y, resamples=300, seed=1)
    b = bootstrap_relative_weights(x, y, resamples=300, seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert ((a["ci_low"] <= a["raw_weight"]) & (a["raw_weight"] <= a["ci_high"])).all()
    assert a["pct_of_r2"].sum() == pytest.approx(100)
    assert a.attrs["r2_ci_low"] <= a.attrs["r2"] <= a.attrs["r2_ci_high"]
    assert sorted(a["rank"]) == [1, 2, 3, 4]
