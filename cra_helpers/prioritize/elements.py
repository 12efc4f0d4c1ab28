"""The elements that matter most to customers (``top_element_1..3`` of the accounts), across accounts and key accounts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema as S
from .common import ACCOUNTS_COL, ACCOUNTS_SHARE, REVENUE_SHARE
from .scaling import _labels, safe_total


def top_elements(prioritized: pd.DataFrame) -> pd.DataFrame:
    """The elements that matter most to customers, across accounts and across key accounts.

    Elements are compared after trimming and ignoring case (shown in their most frequent
    spelling). Points: 3 for rank 1, 2 for rank 2, 1 for rank 3.

    Parameters
    ----------
    prioritized
        Output of :func:`prioritize_accounts` (``top_element_1..3`` and ``key_account``).

    Returns
    -------
    DataFrame
        ``element``, ``accounts`` (naming it in any rank), ``accounts_share`` (0–1 of the
        accounts that name at least one element), ``rank_1`` (accounts naming it first),
        ``points``, ``key_accounts``, ``key_accounts_share`` (0–1 of the key accounts that
        name one), ``revenue_share`` (0–1 of total revenue held by the accounts naming
        it). Most points first; empty when the table has no top elements.
    """
    cols = [c for c in S.TOP_ELEMENTS if c in prioritized.columns]
    out_cols = ["element", ACCOUNTS_COL, ACCOUNTS_SHARE, "rank_1", "points", "key_accounts", "key_accounts_share", REVENUE_SHARE]
    if not cols:
        return pd.DataFrame(columns=out_cols)
    cell, elements = _element_cells(prioritized, cols)
    named = (cell >= 0).any(axis=1)
    if not named.any():
        return pd.DataFrame(columns=out_cols)
    key = prioritized[S.KEY_ACCOUNT].astype(bool).to_numpy()
    rev = prioritized[S.REVENUE].to_numpy(dtype=float)
    total_rev = safe_total(rev, S.REVENUE, _labels(prioritized, len(prioritized)))
    out = _element_counts(cell, elements, key, rev, total_rev)
    out = out[out[ACCOUNTS_COL] > 0]
    out[ACCOUNTS_SHARE] = out[ACCOUNTS_COL] / int(named.sum())
    n_key = int((named & key).sum())
    out["key_accounts_share"] = out["key_accounts"] / n_key if n_key else np.nan
    out = out.sort_values(["points", "element"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return out[out_cols]


def _element_cells(prioritized: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, list[str]]:
    """Element code of every account (row) and rank (column), and the display name of each code.

    Works on the distinct spellings only: every cell is coded by its trimmed, case-folded
    text; empty cells are -1, and an account naming an element twice keeps it at its
    best rank only. The display name is the element's most frequent spelling.
    """
    raw_codes, spellings = pd.factorize(pd.concat([prioritized[c].astype(object) for c in cols], ignore_index=True),
                                        use_na_sentinel=True)
    folded = [str(s).strip().casefold() for s in spellings]
    key_codes, keys = pd.factorize(np.array(folded + [""], dtype=object))
    empty = key_codes[-1]
    n = len(prioritized)
    cell = np.where(raw_codes < 0, -1, key_codes[np.where(raw_codes < 0, len(spellings), raw_codes)])
    cell = np.where(cell == empty, -1, cell).reshape(len(cols), n).T.copy()
    for j in range(1, len(cols)):  # an account naming an element twice counts once, at its best rank
        for i in range(j):
            cell[cell[:, j] == cell[:, i], j] = -1
    spelled = np.bincount(raw_codes[raw_codes >= 0], minlength=len(spellings))
    best: dict[int, str] = {}  # most frequent spelling of each element
    for i in np.argsort(-spelled, kind="stable"):
        kc = int(key_codes[i])
        if kc != empty and kc not in best:
            best[kc] = str(spellings[i]).strip()
    return cell, [best.get(i, "") for i in range(len(keys))]


def _element_counts(cell: np.ndarray, elements: list[str], key: np.ndarray, rev: np.ndarray,
                    total_rev: float) -> pd.DataFrame:
    """Accounts, first ranks, points, key accounts and revenue share per element code (all codes, 0 where none)."""
    n, m = cell.shape
    k = len(elements)
    rows = np.repeat(np.arange(n)[:, None], m, axis=1)
    points = np.repeat((3 - np.arange(m))[None, :], n, axis=0)
    ok = cell >= 0
    c, r, pts = cell[ok], rows[ok], points[ok]
    return pd.DataFrame({
        "element": elements,
        ACCOUNTS_COL: np.bincount(c, minlength=k),
        "rank_1": np.bincount(c[pts == 3], minlength=k),
        "points": np.bincount(c, weights=pts, minlength=k).astype("int64"),
        "key_accounts": np.bincount(c[key[r]], minlength=k),
        REVENUE_SHARE: np.bincount(c, weights=np.nan_to_num(rev[r]), minlength=k) / total_rev if total_rev > 0 else np.nan,
    })
