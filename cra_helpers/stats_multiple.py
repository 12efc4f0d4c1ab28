"""Multiple-testing adjustment of *p*-values (re-exported by :mod:`cra_helpers.stats`).

Holm (1979, *Scandinavian Journal of Statistics* 6) by default, computed
here; every other method from :func:`statsmodels.stats.multitest.multipletests`.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
from statsmodels.stats.multitest import multipletests

__all__ = ["adjust_pvalues", "holm"]


def adjust_pvalues(pvalues: Iterable[float], method: str = "holm") -> np.ndarray:
    """*p*-values adjusted for multiple tests; NaN stay NaN and are not counted as tests.

    Parameters
    ----------
    pvalues
        Unadjusted *p*-values (0–1).
    method
        A method of :func:`statsmodels.stats.multitest.multipletests`:
        ``"holm"`` (Holm 1979, step-down, family-wise error), ``"fdr_bh"``
        (Benjamini–Hochberg 1995, false discovery rate), ``"bonferroni"`` …

    Returns
    -------
    ndarray
        Adjusted *p*-values, in input order.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, float("nan"), 0.03]).round(2).tolist()
    [0.03, 0.06, nan, 0.06]
    """
    p = np.asarray(list(pvalues), dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = _holm(p[ok]) if method == "holm" else multipletests(p[ok], method=method)[1]
    return out


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm (1979) adjusted p: the i-th smallest times (m − i + 1), cumulative maximum, capped at 1.

    Computed here because statsmodels' ``multipletests(method="holm")`` runs a
    full garbage collection on every call (~80 ms in a large interactive
    session); ``tests/test_stats.py`` checks the two agree.
    """
    order = np.argsort(p, kind="mergesort")
    adjusted = np.minimum(1.0, np.maximum.accumulate(p[order] * np.arange(len(p), 0, -1)))
    out = np.empty_like(adjusted)
    out[order] = adjusted
    return out


def holm(pvalues: Iterable[float]) -> np.ndarray:
    """Holm step-down adjusted *p*-values (NaN stay NaN and are not counted as tests).

    Examples
    --------
    >>> holm([0.01, 0.02, 0.04]).round(2).tolist()
    [0.03, 0.04, 0.04]
    """
    return adjust_pvalues(pvalues, "holm")
