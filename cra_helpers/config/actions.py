"""Settings of 05_actions (at-risk accounts, recommendations, the action plan) and of the executive summary.

Used by :mod:`cra_helpers.actions` and :mod:`cra_helpers.findings`.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from .base import StrictModel


class RiskWeights(StrictModel):
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


class RiskRule(StrictModel):
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


class ActionPlanRule(StrictModel):
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


class Actions(StrictModel):
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

class Summary(StrictModel):
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

