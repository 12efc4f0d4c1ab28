"""Settings of the wave-over-wave trends (07_trends, :mod:`cra_helpers.trends`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import StrictModel


class Trends(StrictModel):
    """How changes between two assessment waves are estimated and tested.

    Attributes
    ----------
    min_answers
        Fewest answers in *each* wave for an independent (Welch) comparison;
        below it a row says "not enough data".
    min_paired
        Fewest contacts who answered in both waves for the paired test; with
        fewer the waves are compared as independent samples.
    alpha
        An adjusted *p* below this is called a change (0–1).
    correction
        Multiple-comparison adjustment within each family (one metric at one
        scope): ``fdr_bh`` (Benjamini–Hochberg, false discovery rate) or
        ``holm`` (family-wise error).
    """

    min_answers: int = Field(5, ge=2)
    min_paired: int = Field(5, ge=2)
    alpha: float = Field(0.05, gt=0, lt=1)
    correction: Literal["fdr_bh", "holm"] = "fdr_bh"
