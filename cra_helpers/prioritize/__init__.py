"""Prioritize (Step 1 of an assessment): which relationships carry the business, what each is
worth and could become, how often and how to contact it, and whom to hear at each key account.

Everything here runs on the ``accounts`` table alone; ``sales_history`` adds the sales
trend to the value score, and ``contacts`` / ``interviews`` / ``locations`` add the
diagonal slice of the key accounts. Settings come from ``config.prioritize``
(:class:`cra_helpers.config.Prioritize`, ``prioritize:`` in ``resources/defaults.yaml``).

Pareto / ABC
    Accounts are sorted by the measure (revenue, or volume), largest first, ties by
    account id. An account's *cumulative share* is the share of the total held by it and
    every larger account (a fraction, 0–1). It belongs to the first class whose cut point
    lies above the cumulative share *before* it: with the default cut points 80 / 95 / 100 %
    the accounts that make the first 80 % are A (the account that crosses 80 % included,
    so A always holds at least 80 % of the total), the next 15 % B, the rest C. Accounts
    without revenue are C.

Concentration
    Over the accounts with a positive measure: the share of the total held by the top
    x % of accounts (``ceil(x% · n)`` accounts, at least one), the Lorenz curve, the Gini
    coefficient ``G = 2·Σ i·x(i) / (n·Σx) − (n + 1)/n`` (values ascending, ``i`` = 1..n;
    0 = all equal, → 1 = one account holds everything) and the Herfindahl–Hirschman
    index ``HHI = Σ (100·sᵢ)²`` on the usual 0–10,000 scale (``sᵢ`` = share of account i;
    10,000 = a single account, 10,000/n = n equal accounts).

Relationship value score (0–100 %, ≤ 0 = the relationship costs more than it earns)
    For every account with revenue (in ``accounts`` or ``sales_history``)::

        gross profit = revenue × gross margin % / 100
        net value    = gross profit × (1 + w_trend × trend)
                       − cost_per_returned_order × returned orders
                       + value_per_referral × referrals
                       − cost_to_serve
        value score  = 100 × net value / reference,   clipped to −100 … 100 %

    ``trend`` is the yearly relative change of revenue in ``sales_history``: the
    least-squares slope of revenue per period (annualised: a quarter's revenue × 4) over
    the period mid-points in years, divided by the mean annualised revenue, limited to
    ± ``max_abs_trend`` (0 when the account has fewer than two periods). The
    ``reference`` is the ``reference_quantile`` (default 0.9) of the net value of the
    profitable relationships, so the top 10 % score 100 % and the score does not depend
    on the currency. A missing margin is taken as ``default_margin_pct`` (default: the
    median margin of the accounts that have one); missing counts as 0. Default weights:
    ``w_trend`` = 1 (an account growing 10 % a year is worth 10 % more).

    The three money amounts follow the size of the client's accounts
    (:func:`money_weights`): unless the client sets an amount (``cost_to_serve``,
    ``cost_per_returned_order``, ``value_per_referral`` in the configured currency, used
    as is), each is its ``*_share`` of the median revenue ``m`` of the accounts with
    revenue — by default cost to serve 0.04·m a year, 0.02·m per returned order, 0.10·m
    per referral (the data has no order counts, so the returned-order cost is tied to
    the median account too). Fixed amounts misfire on other data: the former defaults
    (5,000 / 2,000 / 10,000) put every account of a base of small accounts (median
    revenue about 40 a year) in the lowest class. On the bundled sample (m = 118,700)
    the shares give 4,748 / 2,374 / 11,870 and the same class for every account as the
    former amounts. With derived amounts the score does not change when every revenue
    is multiplied by the same factor. :func:`settings_table` shows the amounts used
    and where each comes from.

    Accounts without any revenue (leads, prospects, vendors) get no score and the class
    ``no_business.value_class``.

Value classes and potential classes
    Both are bands of whole percent (inclusive), lowest first: a score is rounded half up
    to a whole percent and falls in the band whose ``min``–``max`` holds it. Defaults:
    value — Eliminate ≤ 0 % (recommend competitor), Marginal 1–24 % (quarterly contact),
    Average 25–75 % (monthly), Superior 76–100 % (weekly). The *potential score* is
    ``potential_revenue`` (a currency amount) in % of the ``potential_reference_quantile``
    (0.9) of ``potential_revenue`` over the accounts with an estimate, capped at 100 %;
    defaults Low 0–9 % (e-mail only), Average 10–49 % (telephone, e-mail), High 50–100 %
    (face to face, telephone, e-mail). An account without an estimate is in the lowest
    class. A band set with fewer than 3 or more than 5 classes, overlaps, gaps or out of
    order is refused when the configuration is loaded.

A class that holds (nearly) everyone
    When one value class holds more than ``dominant_class_share`` (default 0.9) of the
    accounts with a score, or one potential class of all accounts,
    :func:`dominant_class_warning` returns a warning naming the class, its share, the
    likely cause and the settings to change (YAML key paths).

Key accounts
    Accounts whose status is in ``key_accounts.statuses`` and that satisfy the ABC-class
    and/or value-class conditions (``combine``: ``and`` / ``or``; an empty list sets no
    condition), plus — with ``include_flagged`` — every account flagged ``key_account``.

Diagonal slice
    At each key account: known contacts (the ``contacts`` table) and interviewed contacts
    (those with an interview) by site × organization level × department × decision role;
    gaps such as no executive decision-maker, a level, core department or site with no
    voice; and a greedy recommended interview list that covers every level, department,
    site, decision role and level × department cell of the known contacts.

Numbers
    An infinite measure (revenue, volume, potential revenue, margin, counts, sales
    history) raises ``ValueError`` naming the column and the account ids; NaN means
    "not known", as before. Shares, cumulative shares, Gini, HHI, top shares, the
    Lorenz curve, the sales trend and the value and potential scores are all
    scale-invariant, so they are computed on the values divided by one power of two
    near the largest value: exact (bit for bit the same for ordinary data) and
    right for values up to the largest float (1.8e308) whose plain sum would overflow.
    An amount in currency that itself exceeds the largest float (the total of a
    measure, a net value) cannot be reported and raises ``ValueError`` naming the
    column and the largest accounts.

Submodules
    :mod:`~cra_helpers.prioritize.common`
        Output column names, report column sets, gap kinds and statuses.
    :mod:`~cra_helpers.prioritize.scaling`
        Infinite values refused, totals and shares taken on scaled values.
    :mod:`~cra_helpers.prioritize.abc`
        ABC / Pareto classes, concentration (Lorenz curve, Gini, HHI, top shares),
        ABC summary and breakdowns by account attribute.
    :mod:`~cra_helpers.prioritize.trend`
        Sales periods and the yearly sales trend.
    :mod:`~cra_helpers.prioritize.value`
        Value and potential scores and classes, the money amounts of the value score,
        the dominant-class warning.
    :mod:`~cra_helpers.prioritize.key_accounts`
        The key-account rule and the table of the selected key accounts.
    :mod:`~cra_helpers.prioritize.accounts`
        :func:`prioritize_accounts`, the table every other analysis starts from.
    :mod:`~cra_helpers.prioritize.contacts`
        Value × potential matrix, contact plan and workload.
    :mod:`~cra_helpers.prioritize.elements`
        The elements that matter most to customers.
    :mod:`~cra_helpers.prioritize.slice`
        Diagonal slice of the key accounts: contacts, coverage, gaps, recommended interviews.
    :mod:`~cra_helpers.prioritize.notebook`
        Notebook helpers: headline figures, settings in use, input notes, later steps,
        account profile.

Every public name of the submodules is importable from here.
"""

from __future__ import annotations

from ..config import MONEY_WEIGHTS
from .abc import (abc_classes, abc_summary, concentration, gini, herfindahl, lorenz_curve, segment_breakdown, top_share,
                  top_share_column)
from .accounts import prioritize_accounts
from .common import (ABC_CLASS, ABC_CLASS_VOLUME, ACCOUNTS_COL, ACCOUNTS_SHARE, BREAKDOWN_DIMENSIONS, CLASS, CONTACTS_PER_YEAR,
                     CUMULATIVE, CUMULATIVE_SHARE, CUMULATIVE_VOLUME_SHARE, GAP_DEPT_NOT_INTERVIEWED, GAP_DEPT_UNKNOWN,
                     GAP_EXEC_DM_NOT_INTERVIEWED, GAP_LEVEL_NOT_INTERVIEWED, GAP_LEVEL_UNKNOWN, GAP_NO_CONTACTS,
                     GAP_NO_DM_INTERVIEWED, GAP_NO_EXEC_DM, GAP_SITE_NOT_INTERVIEWED, GAP_SITE_UNKNOWN, GROSS_PROFIT,
                     HOURS_PER_CONTACT, INTERACTION_METHOD, INTERVIEWED, KEY_BY_RULE, KEY_FLAGGED, KEY_REASON, KNOWN,
                     MARGIN_USED, MATRIX_COLUMNS, NET_VALUE, NO_SITE, NOT_GIVEN, PLAN_COLUMNS, POTENTIAL_CLASS,
                     POTENTIAL_SCORE, RANK, RELATIONSHIP_PLAN, REVENUE_SHARE, SALES_TREND, SEGMENT_COLUMNS, SHARE,
                     STATUS_INTERVIEWED, STATUS_TO_INTERVIEW, SUMMARY_COLUMNS, VALUE_CLASS, VALUE_SCORE, VALUE_SHARE,
                     VOLUME_SHARE)
from .contacts import contact_plan, contact_workload, value_potential_matrix
from .elements import top_elements
from .key_accounts import key_account_table, select_key_accounts
from .notebook import account_profile, headline_figures, input_notes, later_steps, settings_table
from .scaling import check_finite, median_revenue, safe_total
from .slice import diagonal_slice, key_contacts, recommended_interviews, slice_coverage, slice_gaps, slice_summary
from .trend import period_midpoint, sales_trend
from .value import (MONEY_LABELS, MoneyWeight, classify, dominant_class_warning, format_money, money_weights,
                    potential_scores, round_percent, value_scores)

__all__ = [
    "MONEY_WEIGHTS", "RANK", "REVENUE_SHARE", "CUMULATIVE_SHARE", "ABC_CLASS", "VOLUME_SHARE",
    "CUMULATIVE_VOLUME_SHARE", "ABC_CLASS_VOLUME", "MARGIN_USED", "GROSS_PROFIT", "SALES_TREND", "NET_VALUE",
    "VALUE_SCORE", "VALUE_CLASS", "RELATIONSHIP_PLAN", "CONTACTS_PER_YEAR", "POTENTIAL_SCORE", "POTENTIAL_CLASS",
    "INTERACTION_METHOD", "HOURS_PER_CONTACT", "KEY_FLAGGED", "KEY_BY_RULE", "KEY_REASON", "SHARE", "CUMULATIVE",
    "CLASS", "ACCOUNTS_COL", "ACCOUNTS_SHARE", "VALUE_SHARE", "KNOWN", "INTERVIEWED", "NOT_GIVEN", "NO_SITE",
    "BREAKDOWN_DIMENSIONS", "SUMMARY_COLUMNS", "PLAN_COLUMNS", "MATRIX_COLUMNS", "SEGMENT_COLUMNS", "GAP_NO_CONTACTS",
    "GAP_NO_EXEC_DM", "GAP_EXEC_DM_NOT_INTERVIEWED", "GAP_NO_DM_INTERVIEWED", "GAP_LEVEL_UNKNOWN",
    "GAP_LEVEL_NOT_INTERVIEWED", "GAP_DEPT_UNKNOWN", "GAP_DEPT_NOT_INTERVIEWED", "GAP_SITE_UNKNOWN",
    "GAP_SITE_NOT_INTERVIEWED", "STATUS_INTERVIEWED", "STATUS_TO_INTERVIEW", "check_finite", "safe_total",
    "median_revenue", "abc_classes", "gini", "herfindahl", "top_share", "lorenz_curve", "concentration",
    "top_share_column", "abc_summary", "segment_breakdown", "period_midpoint", "sales_trend", "round_percent",
    "classify", "MONEY_LABELS", "format_money", "MoneyWeight", "money_weights", "value_scores", "potential_scores",
    "select_key_accounts", "prioritize_accounts", "value_potential_matrix", "contact_plan", "contact_workload",
    "top_elements", "key_contacts", "diagonal_slice", "slice_coverage", "slice_gaps", "recommended_interviews",
    "slice_summary", "later_steps", "headline_figures", "settings_table", "dominant_class_warning", "input_notes",
    "key_account_table", "account_profile",
]
