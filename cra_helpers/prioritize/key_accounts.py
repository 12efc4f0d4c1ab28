"""Key accounts: the configured rule (``config.prioritize.key_accounts``) and the table of those selected.

An account is selected when its status is in ``key_accounts.statuses`` and it satisfies
the ABC-class and/or value-class conditions (``combine``: ``and`` / ``or``; an empty
list sets no condition), plus — with ``include_flagged`` — every account flagged
``key_account``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema as S
from ..config import KeyAccountRule
from .common import (ABC_CLASS, KEY_BY_RULE, KEY_FLAGGED, KEY_REASON, POTENTIAL_CLASS, REVENUE_SHARE, VALUE_CLASS,
                     VALUE_SCORE)


def select_key_accounts(prioritized: pd.DataFrame, rule: KeyAccountRule | None = None,
                        flagged: pd.Series | None = None) -> pd.DataFrame:
    """Apply the key-account rule.

    Parameters
    ----------
    prioritized
        Frame with ``status``, ``abc_class`` and ``value_class``.
    rule
        ``config.prioritize.key_accounts``.
    flagged
        The manual ``key_account`` flag aligned with ``prioritized`` (NA = not flagged).

    Returns
    -------
    DataFrame
        Same index: ``key_account_flagged``, ``key_account_by_rule``, ``key_account``
        (bool) and ``key_account_reason`` (``"flagged and rule"``, ``"rule"``,
        ``"flagged"`` or empty).
    """
    rule = rule or KeyAccountRule()
    n = len(prioritized)
    conds = []
    if rule.abc_classes:
        conds.append(prioritized[ABC_CLASS].astype("string").isin(rule.abc_classes).fillna(False).to_numpy(bool))
    if rule.value_classes:
        conds.append(prioritized[VALUE_CLASS].astype("string").isin(rule.value_classes).fillna(False).to_numpy(bool))
    if conds:
        by_rule = np.logical_and.reduce(conds) if rule.combine == "and" else np.logical_or.reduce(conds)
    else:
        by_rule = np.zeros(n, dtype=bool)
    if rule.statuses:
        by_rule &= prioritized[S.STATUS].astype("string").isin(rule.statuses).fillna(False).to_numpy(bool)
    flag = (flagged.astype("boolean").fillna(False).to_numpy(bool) if flagged is not None else np.zeros(n, dtype=bool))
    key = by_rule | (flag if rule.include_flagged else False)
    reason = np.where(flag & by_rule, "flagged and rule", np.where(by_rule, "rule", np.where(flag, "flagged", "")))
    reason = np.where(key, reason, "")
    return pd.DataFrame({KEY_FLAGGED: flag, KEY_BY_RULE: by_rule, S.KEY_ACCOUNT: key, KEY_REASON: reason},
                        index=prioritized.index)


def key_account_table(prioritized: pd.DataFrame) -> pd.DataFrame:
    """The selected key accounts with why they were selected, largest revenue first.

    Returns
    -------
    DataFrame
        ``account_id, name, revenue, revenue_share, abc_class, value_score,
        value_class, potential_class, key_account_flagged, key_account_by_rule,
        key_account_reason`` for every account that is a key account, flagged or
        selected by the rule.
    """
    cols = [S.ACCOUNT_ID, S.ACCOUNT_NAME, S.REVENUE, REVENUE_SHARE, ABC_CLASS, VALUE_SCORE, VALUE_CLASS, POTENTIAL_CLASS,
            KEY_FLAGGED, KEY_BY_RULE, KEY_REASON]
    return prioritized.loc[prioritized[S.KEY_ACCOUNT], [c for c in cols if c in prioritized.columns]].reset_index(drop=True)
