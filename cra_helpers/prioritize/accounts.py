"""The prioritized accounts table: every account with its ABC, value and potential classes and key-account status."""

from __future__ import annotations

import pandas as pd

from .. import schema as S
from ..config import Prioritize
from .abc import abc_classes
from .common import (ABC_CLASS, ABC_CLASS_VOLUME, CLASS, CUMULATIVE, CUMULATIVE_SHARE, CUMULATIVE_VOLUME_SHARE, RANK,
                     REVENUE_SHARE, SHARE, VOLUME_SHARE, _cfg)
from .key_accounts import select_key_accounts
from .value import potential_scores, value_scores


def prioritize_accounts(accounts: pd.DataFrame, sales_history: pd.DataFrame | None = None,
                        config: Prioritize | None = None) -> pd.DataFrame:
    """Every account with its ABC classes, value and potential classes, plan and key-account status.

    Parameters
    ----------
    accounts
        The ``accounts`` table (all that Step 1 needs).
    sales_history
        Optional ``sales_history`` (gives the sales trend of the value score).
    config
        ``config.prioritize``; package defaults when ``None``.

    Returns
    -------
    DataFrame
        One row per account, largest revenue first (ties by id), fresh index: ``rank``,
        ``account_id``, ``name``, ``relationship_type``, ``status``, the breakdown
        attributes, ``revenue`` (currency), ``revenue_share`` and ``cumulative_share``
        (fractions 0–1), ``abc_class``; ``volume``, ``volume_share``,
        ``cumulative_volume_share``, ``abc_class_volume``; ``gross_margin_pct``,
        ``returned_orders``, ``referrals`` and the columns of :func:`value_scores`;
        ``potential_revenue`` and the columns of :func:`potential_scores`; the columns of
        :func:`select_key_accounts` (``key_account`` = selected); the top elements when
        the table has them.
    """
    cfg = _cfg(config)
    acc = accounts.reset_index(drop=True)
    ids = acc[S.ACCOUNT_ID].astype("string")
    rev = abc_classes(acc[S.REVENUE], cfg, ids)
    base_cols = [S.ACCOUNT_ID, S.ACCOUNT_NAME, S.RELATIONSHIP_TYPE, S.STATUS, S.INDUSTRY, S.COMPANY_SIZE, S.REGION,
                 S.PRODUCTS, S.MARKETING_SOURCE]
    out = acc[[c for c in base_cols if c in acc.columns]].copy()
    out.insert(0, RANK, rev[RANK])
    out[S.REVENUE] = acc[S.REVENUE].astype(float)
    out[REVENUE_SHARE], out[CUMULATIVE_SHARE], out[ABC_CLASS] = rev[SHARE], rev[CUMULATIVE], rev[CLASS]
    if S.VOLUME in acc.columns:
        vol = abc_classes(acc[S.VOLUME], cfg, ids)
        out[S.VOLUME] = acc[S.VOLUME].astype(float)
        out[VOLUME_SHARE], out[CUMULATIVE_VOLUME_SHARE], out[ABC_CLASS_VOLUME] = vol[SHARE], vol[CUMULATIVE], vol[CLASS]
    for col in (S.GROSS_MARGIN, S.RETURNED_ORDERS, S.REFERRALS):
        if col in acc.columns:
            out[col] = acc[col]
    val = value_scores(acc, sales_history, cfg)
    out = pd.concat([out, val], axis=1)
    if S.POTENTIAL_REVENUE in acc.columns:
        out[S.POTENTIAL_REVENUE] = acc[S.POTENTIAL_REVENUE].astype(float)
    out = pd.concat([out, potential_scores(acc, cfg)], axis=1)
    flagged = acc[S.KEY_ACCOUNT] if S.KEY_ACCOUNT in acc.columns else None
    out = pd.concat([out, select_key_accounts(out, cfg.key_accounts, flagged)], axis=1)
    for col in S.TOP_ELEMENTS:
        if col in acc.columns:
            out[col] = acc[col]
    out = out.sort_values(RANK, kind="stable").reset_index(drop=True)
    return out
