"""Names shared by the Prioritize submodules: output columns, report column sets, gap kinds, statuses.

Every name here is re-exported by :mod:`cra_helpers.prioritize`.
"""

from __future__ import annotations

from .. import schema as S
from ..config import Prioritize

# ----------------------------------------------------------------------
# Output column names
# ----------------------------------------------------------------------
RANK = "rank"
REVENUE_SHARE = "revenue_share"
CUMULATIVE_SHARE = "cumulative_share"
ABC_CLASS = "abc_class"
VOLUME_SHARE = "volume_share"
CUMULATIVE_VOLUME_SHARE = "cumulative_volume_share"
ABC_CLASS_VOLUME = "abc_class_volume"
MARGIN_USED = "margin_used_pct"
GROSS_PROFIT = "gross_profit"
SALES_TREND = "sales_trend"
NET_VALUE = "net_value"
VALUE_SCORE = "value_score"
VALUE_CLASS = "value_class"
RELATIONSHIP_PLAN = "relationship_plan"
CONTACTS_PER_YEAR = "contacts_per_year"
POTENTIAL_SCORE = "potential_score"
POTENTIAL_CLASS = "potential_class"
INTERACTION_METHOD = "interaction_method"
HOURS_PER_CONTACT = "hours_per_contact"
KEY_FLAGGED = "key_account_flagged"
KEY_BY_RULE = "key_account_by_rule"
KEY_REASON = "key_account_reason"

SHARE = "share"
CUMULATIVE = "cumulative"
CLASS = "class"
ACCOUNTS_COL = "accounts"
ACCOUNTS_SHARE = "accounts_share"
VALUE_SHARE = "value_share"
KNOWN = "known_contacts"
INTERVIEWED = "interviewed_contacts"
NOT_GIVEN = "(not given)"
NO_SITE = "(no site)"

BREAKDOWN_DIMENSIONS: tuple[str, ...] = (
    S.RELATIONSHIP_TYPE, S.STATUS, S.INDUSTRY, S.COMPANY_SIZE, S.REGION, S.PRODUCTS, S.MARKETING_SOURCE,
)
"""Account attributes the ABC and concentration figures are broken down by (``products`` is a list:
an account using several products counts in each of them)."""

SUMMARY_COLUMNS: tuple[str, ...] = (
    RANK, S.ACCOUNT_ID, S.ACCOUNT_NAME, S.REVENUE, REVENUE_SHARE, CUMULATIVE_SHARE, ABC_CLASS, VALUE_SCORE, VALUE_CLASS,
    RELATIONSHIP_PLAN, POTENTIAL_CLASS, INTERACTION_METHOD, S.KEY_ACCOUNT,
)
"""Columns of :func:`prioritize_accounts` shown in the report (the CSV has them all)."""
PLAN_COLUMNS: tuple[str, ...] = (
    S.ACCOUNT_ID, S.ACCOUNT_NAME, VALUE_CLASS, RELATIONSHIP_PLAN, POTENTIAL_CLASS, INTERACTION_METHOD, CONTACTS_PER_YEAR,
    "hours_per_month", S.KEY_ACCOUNT,
)
"""Columns of :func:`contact_plan` shown in the report."""
MATRIX_COLUMNS: tuple[str, ...] = (
    VALUE_CLASS, POTENTIAL_CLASS, ACCOUNTS_COL, ACCOUNTS_SHARE, S.REVENUE, REVENUE_SHARE, S.POTENTIAL_REVENUE, "key_accounts",
    CONTACTS_PER_YEAR,
)
"""Columns of :func:`value_potential_matrix` shown in the report (plan and method are on the chart)."""
SEGMENT_COLUMNS: tuple[str, ...] = ("dimension", "group", ACCOUNTS_COL, S.REVENUE, REVENUE_SHARE, "gini")
"""Columns of :func:`segment_breakdown` shown in the report (plus the accounts per ABC class)."""

# Gap kinds of :func:`slice_gaps`.
GAP_NO_CONTACTS = "no known contacts"
GAP_NO_EXEC_DM = "no executive decision-maker"
GAP_EXEC_DM_NOT_INTERVIEWED = "executive decision-maker not interviewed"
GAP_NO_DM_INTERVIEWED = "no decision-maker interviewed"
GAP_LEVEL_UNKNOWN = "level without contacts"
GAP_LEVEL_NOT_INTERVIEWED = "level not interviewed"
GAP_DEPT_UNKNOWN = "core department without contacts"
GAP_DEPT_NOT_INTERVIEWED = "department with no voice"
GAP_SITE_UNKNOWN = "site without contacts"
GAP_SITE_NOT_INTERVIEWED = "site not interviewed"

STATUS_INTERVIEWED = "interviewed"
STATUS_TO_INTERVIEW = "to interview"

_EXEC, _DM = S.LEVELS[0], S.DECISION_ROLES[0]


def _cfg(config: Prioritize | None) -> Prioritize:
    """The given settings, or the package defaults when ``None``."""
    return config if config is not None else Prioritize()
