"""Settings of the Prioritize step (01_prioritize, the ``prioritize:`` section of defaults.yaml).

ABC cut points, value / potential classes, the key-account rule and the
diagonal-slice checks (used by the :mod:`cra_helpers.prioritize` package).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .. import schema
from .base import StrictModel


class AbcClass(StrictModel):
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


class ClassBand(StrictModel):
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


class ValueScore(StrictModel):
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


class NoBusiness(StrictModel):
    """Class and plan of accounts without any revenue (leads, prospects, vendors): they get no value score."""

    value_class: str = "No business yet"
    relationship_plan: str = "qualify and develop by potential"
    contacts_per_year: float = Field(2.0, ge=0)


class KeyAccountRule(StrictModel):
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


class SliceChecks(StrictModel):
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


class Prioritize(StrictModel):
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

