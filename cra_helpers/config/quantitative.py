"""Settings of the quantitative analysis (02_quantitative) and the GAP analysis (04_gap_analysis).

Intervals, NPS, loyalty segments, role weights, key drivers and comparisons
(:mod:`cra_helpers.quantitative`, :mod:`cra_helpers.drivers`,
:mod:`cra_helpers.comparisons`); crosshairs and tests of :mod:`cra_helpers.gap`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .. import schema
from .base import StrictModel


class NpsRule(StrictModel):
    """Net Promoter categories on the 0–10 recommend scale (Reichheld, HBR 2003).

    Attributes
    ----------
    promoter_min
        Lowest answer of a promoter (9).
    detractor_max
        Highest answer of a detractor (6); answers in between are passives.
    """

    promoter_min: float = Field(9, ge=0, le=10)
    detractor_max: float = Field(6, ge=0, le=10)

    @model_validator(mode="after")
    def _ordered(self) -> "NpsRule":
        if not self.detractor_max < self.promoter_min:
            raise ValueError(f"detractor_max ({self.detractor_max}) must be below promoter_min ({self.promoter_min})")
        return self


class SegmentCuts(StrictModel):
    """Where a rating crosses the verbal answer levels of Burke's Secure Customer Index.

    A rating ``>= top`` counts as the best answer ("very satisfied",
    "definitely would"); ``>= second`` as the second best ("somewhat
    satisfied", "probably would"); ``>= middle`` as the middle ("might or might
    not"); anything lower as negative. On the rating's own scale.
    """

    top: float = 9
    second: float = 7
    middle: float = 5

    @model_validator(mode="after")
    def _ordered(self) -> "SegmentCuts":
        if not self.middle < self.second < self.top:
            raise ValueError(f"need middle < second < top, got {self.middle}, {self.second}, {self.top}")
        return self


class Drivers(StrictModel):
    """Key-driver analysis by relative weights (Johnson 2000).

    Attributes
    ----------
    outcomes
        Loyalty columns explained by need performance.
    min_respondents_per_predictor
        Respondents needed per predictor for a need-level model; below it the
        needs are combined into their primary groups, and below that again only
        correlations are shown.
    min_respondents
        No driver analysis below this many respondents.
    min_share_rated
        A need enters the model only if at least this share of respondents rated it.
    max_missing_share
        Respondents missing more than this share of the model's needs are left
        out; the remaining gaps are filled with the need's mean.
    bootstrap_resamples, seed
        Percentile bootstrap of the weights.
    """

    outcomes: tuple[str, ...] = (schema.SATISFACTION, schema.RECOMMEND)
    min_respondents_per_predictor: float = Field(5, gt=0)
    min_respondents: int = Field(10, ge=4)
    min_share_rated: float = Field(0.5, gt=0, le=1)
    max_missing_share: float = Field(0.25, ge=0, lt=1)
    bootstrap_resamples: int = Field(1000, ge=100)
    seed: int = 2026

    @model_validator(mode="after")
    def _known_outcomes(self) -> "Drivers":
        allowed = {c.name for c in schema.TABLES[schema.LOYALTY].columns if c.scale}
        bad = [o for o in self.outcomes if o not in allowed]
        if bad:
            raise ValueError(f"outcomes: {', '.join(bad)} not a loyalty rating ({', '.join(sorted(allowed))})")
        return self


class Comparisons(StrictModel):
    """Group comparisons: one group against the rest (cluster-robust where groups span accounts), Holm correction.

    Attributes
    ----------
    alpha
        Family-wise error rate after Holm's correction.
    min_group_size
        Groups (and rests) with fewer answers are not tested.
    min_effect
        Smallest |Cliff's delta| called a difference (0.147: above negligible).
    permutation_below
        The Mann–Whitney p-value comes from permutations when the smaller side
        has fewer answers than this, else from the normal approximation with
        tie correction.
    permutation_resamples, seed
        Permutations of the Mann–Whitney p-value.
    """

    alpha: float = Field(0.05, gt=0, lt=1)
    min_group_size: int = Field(3, ge=2)
    min_effect: float = Field(0.147, ge=0, le=1)
    permutation_below: int = Field(10, ge=0)
    permutation_resamples: int = Field(9999, ge=999)
    seed: int = 2026


def _default_segment_cuts() -> dict[str, SegmentCuts]:
    return {schema.SATISFACTION: SegmentCuts(), schema.CONTINUE: SegmentCuts(), schema.RECOMMEND: SegmentCuts()}


class Quantitative(StrictModel):
    """Settings of the quantitative analysis (see ``quantitative`` in defaults.yaml).

    ``portfolio_weighting`` weights the portfolio means of needs and gaps:
    ``respondents`` (every interview once), ``accounts`` (every account once)
    or ``revenue`` (accounts by ``accounts.revenue``); the respondent view is
    kept beside the other two.
    """

    confidence_level: float = Field(0.95, gt=0.5, lt=1)
    top_box_points: int = Field(2, ge=1)
    min_needs_for_index: int = Field(3, ge=1)
    small_account_interviews: int = Field(8, ge=1)
    role_weights: dict[str, float] = Field(default_factory=lambda: {"decision-maker": 3.0, "influencer": 2.0, "user": 1.0})
    nps: NpsRule = NpsRule()
    segments: dict[str, SegmentCuts] = Field(default_factory=_default_segment_cuts)
    drivers: Drivers = Drivers()
    comparisons: Comparisons = Comparisons()
    portfolio_weighting: Literal["respondents", "accounts", "revenue"] = "respondents"

    @model_validator(mode="after")
    def _complete(self) -> "Quantitative":
        roles = set(schema.DECISION_ROLES)
        if set(self.role_weights) != roles:
            raise ValueError(f"role_weights: give exactly the roles {', '.join(schema.DECISION_ROLES)}, got {', '.join(self.role_weights)}")
        if any(w <= 0 for w in self.role_weights.values()):
            raise ValueError("role_weights: every weight must be positive")
        needed = {schema.SATISFACTION, schema.CONTINUE, schema.RECOMMEND}
        if set(self.segments) != needed:
            raise ValueError(f"segments: give cut points for exactly {', '.join(sorted(needed))}")
        return self
# --------------------------------------------------------------------------
# GAP analysis (04_gap_analysis, cra_helpers/gap.py).
# --------------------------------------------------------------------------
class Gap(StrictModel):
    """Settings of the GAP analysis.

    Attributes
    ----------
    crosshair
        Importance–performance crosshairs at the data ``means`` (Martilla &
        James) or at the scale ``midpoints``.
    min_n
        Smallest group (respondents) that is tested; smaller ones are shown only.
    correction
        Multiple-comparison adjustment within each family of tests:
        ``holm`` (family-wise error) or ``fdr_bh`` (Benjamini–Hochberg).
    alpha
        An adjusted *p* below this is called a difference.
    min_needs_for_quadrants
        Fewest rated needs for quadrant names: the crosshairs are means of
        the needs, so with fewer needs every need sits near a crosshair and
        its quadrant says nothing (below it the matrix is drawn without names).
    material_competitor_difference
        A competitor rated better on a need by at least this many performance
        points (and significantly) makes that need a gap whatever its quadrant
        (the quotes beside it are then complaints).
    """

    crosshair: Literal["means", "midpoints"] = "means"
    min_n: int = Field(4, ge=2)
    min_needs_for_quadrants: int = Field(4, ge=2)
    material_competitor_difference: float = Field(1.0, ge=0)
    correction: Literal["holm", "fdr_bh"] = "holm"
    alpha: float = Field(0.05, gt=0, lt=1)

