"""Contacting the accounts: the value × potential matrix, the contact plan per account and its monthly workload.

The value class sets the relationship plan (contacts per year), the potential class the
interaction method and staff hours per contact (``config.prioritize.value_classes`` /
``potential_classes``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema as S
from ..config import Prioritize
from .common import (ABC_CLASS, ACCOUNTS_COL, ACCOUNTS_SHARE, CONTACTS_PER_YEAR, HOURS_PER_CONTACT, INTERACTION_METHOD,
                     POTENTIAL_CLASS, RELATIONSHIP_PLAN, REVENUE_SHARE, VALUE_CLASS, VALUE_SCORE, _cfg)
from .scaling import _labels, safe_total


def value_potential_matrix(prioritized: pd.DataFrame, config: Prioritize | None = None) -> pd.DataFrame:
    """Accounts and revenue in every value class × potential class cell.

    Returns
    -------
    DataFrame
        One row per cell (every combination, empty ones with 0): ``value_class``,
        ``potential_class``, ``accounts``, ``accounts_share`` (0–1), ``revenue``
        (currency), ``revenue_share`` (0–1), ``potential_revenue`` (currency),
        ``key_accounts``, ``relationship_plan``, ``interaction_method``,
        ``contacts_per_year`` (per account). Value classes include the no-business class.
    """
    cfg = _cfg(config)
    v_names = [b.name for b in cfg.value_classes] + [cfg.no_business.value_class]
    p_names = [b.name for b in cfg.potential_classes]
    plans = {b.name: (b.relationship_plan, b.contacts_per_year) for b in cfg.value_classes}
    plans[cfg.no_business.value_class] = (cfg.no_business.relationship_plan, cfg.no_business.contacts_per_year)
    methods = {b.name: b.interaction_method for b in cfg.potential_classes}
    df = pd.DataFrame({
        VALUE_CLASS: pd.Categorical(prioritized[VALUE_CLASS].astype("string"), categories=v_names, ordered=True),
        POTENTIAL_CLASS: pd.Categorical(prioritized[POTENTIAL_CLASS].astype("string"), categories=p_names, ordered=True),
        S.REVENUE: prioritized[S.REVENUE].astype(float),
        S.POTENTIAL_REVENUE: prioritized[S.POTENTIAL_REVENUE].astype(float) if S.POTENTIAL_REVENUE in prioritized else np.nan,
        S.KEY_ACCOUNT: prioritized[S.KEY_ACCOUNT].astype(bool),
    })
    g = df.groupby([VALUE_CLASS, POTENTIAL_CLASS], observed=False)
    out = pd.DataFrame({
        ACCOUNTS_COL: g.size(),
        S.REVENUE: g[S.REVENUE].sum(),
        S.POTENTIAL_REVENUE: g[S.POTENTIAL_REVENUE].sum(min_count=0),
        "key_accounts": g[S.KEY_ACCOUNT].sum(),
    }).reset_index()
    n, ids = len(df), _labels(prioritized, len(df))
    total = safe_total(df[S.REVENUE].to_numpy(dtype=float), S.REVENUE, ids)
    if S.POTENTIAL_REVENUE in prioritized:
        safe_total(df[S.POTENTIAL_REVENUE].to_numpy(dtype=float), S.POTENTIAL_REVENUE, ids)
    out.insert(3, ACCOUNTS_SHARE, out[ACCOUNTS_COL] / n if n else np.nan)
    out.insert(5, REVENUE_SHARE, out[S.REVENUE] / total if total > 0 else np.nan)
    out[ACCOUNTS_COL] = out[ACCOUNTS_COL].astype("int64")
    out["key_accounts"] = out["key_accounts"].astype("int64")
    out[RELATIONSHIP_PLAN] = out[VALUE_CLASS].astype(str).map(lambda c: plans[c][0])
    out[INTERACTION_METHOD] = out[POTENTIAL_CLASS].astype(str).map(methods)
    out[CONTACTS_PER_YEAR] = out[VALUE_CLASS].astype(str).map(lambda c: plans[c][1]).astype(float)
    return out


def contact_plan(prioritized: pd.DataFrame) -> pd.DataFrame:
    """The contact plan per account.

    Returns
    -------
    DataFrame
        One row per account, largest revenue first: ``account_id``, ``name``,
        ``abc_class``, ``value_class``, ``relationship_plan``, ``potential_class``,
        ``interaction_method``, ``contacts_per_year``, ``contacts_per_month``
        (= per year / 12), ``hours_per_contact``, ``hours_per_month`` (staff hours) and
        ``key_account``.
    """
    cols = [S.ACCOUNT_ID, S.ACCOUNT_NAME, ABC_CLASS, S.REVENUE, VALUE_CLASS, VALUE_SCORE, RELATIONSHIP_PLAN, POTENTIAL_CLASS,
            INTERACTION_METHOD, CONTACTS_PER_YEAR, HOURS_PER_CONTACT, S.KEY_ACCOUNT]
    plan = prioritized[[c for c in cols if c in prioritized.columns]].copy()
    plan.insert(plan.columns.get_loc(CONTACTS_PER_YEAR) + 1, "contacts_per_month", plan[CONTACTS_PER_YEAR] / 12.0)
    plan["hours_per_month"] = plan["contacts_per_month"] * plan[HOURS_PER_CONTACT]
    return plan


def contact_workload(plan: pd.DataFrame) -> pd.DataFrame:
    """Workload per month of a contact plan, by relationship plan and interaction method.

    Parameters
    ----------
    plan
        Output of :func:`contact_plan`.

    Returns
    -------
    DataFrame
        ``value_class``, ``relationship_plan``, ``interaction_method``, ``accounts``,
        ``contacts_per_month`` and ``hours_per_month`` (staff hours), only combinations
        that hold accounts, then a ``Total`` row.
    """
    keys = [VALUE_CLASS, RELATIONSHIP_PLAN, INTERACTION_METHOD]
    g = plan.groupby(keys, observed=True, sort=True)
    out = pd.DataFrame({ACCOUNTS_COL: g.size(), "contacts_per_month": g["contacts_per_month"].sum(),
                        "hours_per_month": g["hours_per_month"].sum()}).reset_index()
    out = out[out[ACCOUNTS_COL] > 0]
    out[VALUE_CLASS] = out[VALUE_CLASS].astype(str)
    total = pd.DataFrame([{VALUE_CLASS: "Total", RELATIONSHIP_PLAN: "", INTERACTION_METHOD: "",
                           ACCOUNTS_COL: int(out[ACCOUNTS_COL].sum()),
                           "contacts_per_month": float(out["contacts_per_month"].sum()),
                           "hours_per_month": float(out["hours_per_month"].sum())}])
    return pd.concat([out, total], ignore_index=True)
