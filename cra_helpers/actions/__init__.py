"""At-risk accounts, recommendations ranked by return on resources, metrics and the action plan.

Risk score
----------
Each account interviewed gets components that score 0 (no sign of risk) to
1, combined as a weighted mean ×100 (weights: ``actions.risk.weights``;
components that cannot be computed, e.g. the trend with a single wave, drop
out of the mean and are reported as such):

``segment``             loyalty segment (Burke Secure Customer Index, see
                        :mod:`cra_helpers.quantitative`): At risk 1,
                        Vulnerable 2/3, Favorable 1/3, Secure 0.
``nps``                 role-weighted NPS: ``(100 − NPS) / 200``.
``satisfaction``        ``1 − (mean − min) / (max − min)`` on the satisfaction scale.
``trend``               fall of mean satisfaction since the previous wave,
                        as a share of the scale range (rises score 0).
``decision_makers``     share of the account's decision-makers who are
                        detractors (recommend 0–6).
``concentrate``         share of the needs rated at the account that fall in
                        *Concentrate here* when the account's means are
                        placed on the portfolio's crosshairs.
``negative_verbatims``  share of the account's remarks that
                        :func:`cra_helpers.sentiment.classify` calls negative
                        (the classes of the needs tree's ``verbatim_needs``
                        table when the run has it, so both steps count the
                        same remarks as negative; see :func:`verbatim_sentiment`).
``competitor``          mean advantage over needs of the best-rated competitor
                        at the account (them − us, points), divided by
                        ``competitor_full_points`` and clipped to 0–1.
``sales``               revenue drop over the sales history (first to last
                        period), divided by ``sales_full_drop_pct``, clipped.

Bands: *High* at or above ``risk.high``, *Medium* at or above ``risk.medium``,
else *Low*. Revenue at stake is the account's latest revenue when its risk is
High or Medium (the business that could be lost), else 0.

Return on resources
-------------------
For each need: ``impact = importance × gap⁺ × driver weight × revenue of the
accounts affected`` with importance and gap⁺ = max(importance − performance,
0) in performance-scale points (portfolio means, :func:`cra_helpers.gap.need_gaps`),
driver weight = the need's share of explained satisfaction (relative weights,
% of R² / 100; equal shares when drivers cannot be estimated) and accounts
affected = the accounts where the need's own gap is positive. An action's
impact is the sum over the needs it addresses; its resources are ``cost +
effort_days × day_rate`` (currency); return on resources = impact /
resources. The arithmetic is written out in the recommendations table. Actions with
no impact for this client (none of their needs has a positive gap at an
account, or their needs are not needs of the assessment) get no rank and are
listed apart (:func:`unranked_actions`).

Action plan
-----------
:func:`action_plan` gives one row per ranked action, with its headers in
words (:data:`PLAN_STATUSES`, ``Owner (role)`` and an empty ``Person``,
``Status``, ``Progress (%)``, ``Comment``, a real due date). The baseline the
assessment can give is the customers' own rating of the action's first need,
in rating points, and it is named as such ("Customers' rating of Lead times
(1–10)"); operational baselines and targets (ppm, days, %) are empty columns
whose header names the unit, for the client to fill in from its systems.
:func:`write_action_plan` writes the workbook (status drop-down, progress
0–100, date cells, print set-up); :func:`read_action_plan` reads a filled-in
workbook back, every bad cell located; :func:`plan_progress` summarises it
(counts by status, share done, overdue) for the next run's summary.

Key-account one-pagers
----------------------
:func:`one_pager` gathers what the internal page shows; the quotes follow
the rule of :func:`cra_helpers.gap.words_beside_numbers` per need at the
account (:func:`account_quotes`), and the actions are ranked by their impact
at this account (:func:`account_actions`). :func:`customer_one_pager` is the
version for the customer: no risk, revenue, value class or contact details,
remarks attributed by role and redacted (:mod:`cra_helpers.redact`).

Submodules
----------
:mod:`~cra_helpers.actions.risk`
    Account risk score, its components and reasons, revenue at stake; the
    remarks' sentiment (:func:`verbatim_sentiment`).
:mod:`~cra_helpers.actions.library`
    Action library and metrics catalogue (loading, validation), impact of
    the needs, recommendations ranked by return on resources, metrics for
    the top needs.
:mod:`~cra_helpers.actions.plan`
    The action plan, its workbook (:func:`write_action_plan`),
    :func:`read_action_plan`, :func:`plan_progress`.
:mod:`~cra_helpers.actions.quotes`
    The account's own words beside its gaps (:func:`account_words`,
    :func:`account_quotes`), near-duplicate remarks, attribution by role.
:mod:`~cra_helpers.actions.one_pagers`
    The internal one-pager of a key account and the customer's version.

Every name listed here is importable from :mod:`cra_helpers.actions` itself.
"""

from __future__ import annotations

from .library import (
    RATING_UNIT, ActionItem, ActionLibrary, MetricItem, load_library, metrics_for_needs, need_impact, rating_measure,
    recommendations, resolve_needs, scale_label, unranked_actions,
)
from .one_pagers import CUSTOMER_KEYS, account_actions, customer_one_pager, one_pager
from .plan import (
    METRIC_HEADERS, PLAN_SHEET, PLAN_STATUSES, RECS_HEADERS, RISK_HEADERS, UNRANKED_SHEET, ActionPlanError,
    action_plan, plan_columns, plan_columns_default, plan_progress, plan_summary, progress_headlines,
    read_action_plan, write_action_plan,
)
from .quotes import (
    _role,  # cra_helpers.customer attributes remarks by the same rule
    _tokens,  # used by the tests
    account_quotes,
    account_words,
    distinct_texts,
    near_duplicate,
)
from .risk import (
    COMPONENTS, HIGH, LOW, MEDIUM, NEEDS_TREE_NODES_TABLE, SEGMENT_RISK, VERBATIM_NEEDS_TABLE, account_risk,
    risk_weights_table, verbatim_sentiment,
)

__all__ = [
    "HIGH", "MEDIUM", "LOW", "SEGMENT_RISK", "COMPONENTS", "ActionItem", "RATING_UNIT", "MetricItem", "ActionLibrary",
    "load_library", "resolve_needs", "VERBATIM_NEEDS_TABLE", "NEEDS_TREE_NODES_TABLE", "verbatim_sentiment",
    "account_risk", "need_impact", "recommendations", "unranked_actions", "scale_label", "rating_measure",
    "metrics_for_needs", "PLAN_STATUSES", "PLAN_SHEET", "UNRANKED_SHEET", "plan_columns", "action_plan",
    "risk_weights_table", "RECS_HEADERS", "RISK_HEADERS", "METRIC_HEADERS", "write_action_plan", "ActionPlanError",
    "read_action_plan", "plan_progress", "plan_summary", "progress_headlines", "near_duplicate", "distinct_texts", "account_words",
    "account_quotes", "account_actions", "one_pager", "CUSTOMER_KEYS", "customer_one_pager", "plan_columns_default",
]
