"""Headline figures: one definition and one computation per figure, used by every page.

A headline figure is a number that appears in big type — on a notebook's
key-figure cards, on the landing page, in the executive summary and in the
workshop decks. Each one is defined here once, by a :class:`Headline` (label,
unit, one-sentence definition), and the figures that more than one step
shows (accounts, key accounts, interviews, accounts interviewed, verbatims)
are computed here once, from the assessment, so every page shows the same
value under the same label.

Two scales for "risk"
    The workbench has two scales that both speak of risk, and they answer
    different questions:

    * the **loyalty segment** (``02_quantitative``: Secure, Favorable,
      Vulnerable, At risk) is what the account's respondents *said*: their
      satisfaction, intention to continue and willingness to recommend;
    * the **risk level** (``05_actions``: High, Medium, Low) is a score from
      0 to 100 that *adds* behaviour and context to what was said: the
      loyalty segment is one of its components, beside the decision-makers'
      NPS, the sales trend, negative remarks, competitors rated above us and
      needs in "Concentrate here" (``risk`` in ``defaults.yaml``).

    :func:`risk_crosswalk` counts the accounts in each pair of the two, and
    :func:`risk_relation_note` says in one sentence how they relate on the
    data at hand; both pages show them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import schema as S
from .assessment import Assessment


@dataclass(frozen=True)
class Headline:
    """A headline figure: its label on every page, its unit and what it counts.

    Attributes
    ----------
    key
        Stable identifier (used in code and tests).
    label
        The words shown under the number, identical on every page.
    unit
        Unit of the value (``"accounts"``, ``"%"``, ``"EUR"`` …); empty for a score.
    definition
        One sentence saying what is counted, shown as the card's tooltip and
        on the landing page.
    """

    key: str
    label: str
    unit: str
    definition: str


def _h(key: str, label: str, unit: str, definition: str) -> Headline:
    return Headline(key, label, unit, definition)


ACCOUNTS = _h("accounts", "Accounts", "accounts", "Rows of the accounts table: every customer account in the data.")
KEY_ACCOUNTS = _h("key_accounts", "Key accounts", "accounts",
                  "Accounts marked as key accounts in the accounts table (column key_account): "
                  "the accounts this assessment covers.")
KEY_ACCOUNTS_PRIORITIZED = _h("key_accounts_prioritized", "Key accounts after prioritization", "accounts",
                              "Accounts marked as key accounts plus the active accounts the prioritization's "
                              "key-account rule selects (prioritize.key_accounts in the configuration).")
KEY_ACCOUNTS_SUGGESTED = _h("key_accounts_suggested", "Accounts the rule suggests adding", "accounts",
                            "Accounts selected by the prioritization rule that are not marked as key accounts.")
INTERVIEWS = _h("interviews", "Interviews", "interviews", "Rows of the interviews table: one per person interviewed.")
ACCOUNTS_INTERVIEWED = _h("accounts_interviewed", "Accounts interviewed", "accounts",
                          "Accounts with at least one interview.")
VERBATIMS = _h("verbatims", "Verbatims", "remarks", "Rows of the verbatims table: remarks noted in the interviews.")
LOCATIONS = _h("locations", "Locations", "locations", "Rows of the locations table.")
CONTACTS = _h("contacts", "Contacts", "people", "Rows of the contacts table.")
RATING_ROWS = _h("rating_rows", "Rating rows", "rows", "Rows of the ratings table (one need rated by one respondent).")
COMPETITORS = _h("competitors", "Competitors", "competitors", "Rows of the competitors table.")
NEEDS_RATED = _h("needs_rated", "Needs rated", "needs", "Rows of the needs table: the needs respondents rated.")
SEGMENT_AT_RISK = _h("segment_at_risk", "Loyalty segment At risk", "accounts",
                     "Interviewed accounts whose respondents, taken together, are in the At risk loyalty segment "
                     "(low satisfaction, unlikely to continue or recommend).")
SEGMENT_VULNERABLE = _h("segment_vulnerable", "Loyalty segment Vulnerable", "accounts",
                        "Interviewed accounts in the Vulnerable loyalty segment.")
RISK_HIGH = _h("risk_high", "Risk level High", "accounts",
               "Accounts whose risk score (0–100: loyalty segment, decision-makers, sales trend, remarks, "
               "competitors, gaps) reaches the High band.")
RISK_MEDIUM = _h("risk_medium", "Risk level Medium", "accounts", "Accounts whose risk score is in the Medium band.")
REVENUE_AT_STAKE = _h("revenue_at_stake", "Revenue at stake", "",
                      "Last-period revenue of the accounts at risk level High or Medium.")

ALL: tuple[Headline, ...] = (
    ACCOUNTS, KEY_ACCOUNTS, KEY_ACCOUNTS_PRIORITIZED, KEY_ACCOUNTS_SUGGESTED, INTERVIEWS, ACCOUNTS_INTERVIEWED,
    VERBATIMS, LOCATIONS, CONTACTS, RATING_ROWS, COMPETITORS, NEEDS_RATED, SEGMENT_AT_RISK, SEGMENT_VULNERABLE,
    RISK_HIGH, RISK_MEDIUM, REVENUE_AT_STAKE,
)
BY_LABEL: dict[str, Headline] = {h.label: h for h in ALL}


def definition(label: str) -> str:
    """The definition of the headline with ``label``; empty for a figure defined only on its own page."""
    h = BY_LABEL.get(label)
    return h.definition if h else ""


# ---------------------------------------------------------------------------- shared counts
def key_account_flags(accounts: pd.DataFrame) -> pd.Series:
    """``True`` for every account marked as a key account (missing marks count as not key)."""
    if S.KEY_ACCOUNT not in accounts.columns:
        return pd.Series(False, index=accounts.index)
    return accounts[S.KEY_ACCOUNT].fillna(False).astype(bool)


def n_key_accounts(a: Assessment) -> int:
    """Number of accounts marked as key accounts (:data:`KEY_ACCOUNTS`)."""
    return int(key_account_flags(a.accounts).sum())


def key_account_selection(a: Assessment) -> pd.Series:
    """Whether each account is a key account after prioritization (:data:`KEY_ACCOUNTS_PRIORITIZED`).

    This is the one set of "the key accounts" every page works with (the
    one-page summaries, the overview's coverage and checks): the accounts
    marked in the data plus those the prioritization's key-account rule
    selects (``prioritize.key_accounts`` in the configuration), as
    :func:`cra_helpers.prioritize.prioritize_accounts` decides.

    Parameters
    ----------
    a
        The assessment (its ``accounts``, ``sales_history`` and configuration).

    Returns
    -------
    Series
        Boolean, indexed by ``account_id`` (text) in accounts-table order.
    """
    from .prioritize import prioritize_accounts

    p = prioritize_accounts(a.accounts, a.sales_history, a.config.prioritize)
    selected = pd.Series(p[S.KEY_ACCOUNT].astype(bool).to_numpy(), index=p[S.ACCOUNT_ID].astype(str).to_numpy(object))
    ids = pd.Index(a.accounts[S.ACCOUNT_ID].astype(str).to_numpy(object), name=S.ACCOUNT_ID)
    return selected.reindex(ids, fill_value=False).rename(S.KEY_ACCOUNT)


def key_account_ids(a: Assessment) -> list[str]:
    """The ids of the key accounts after prioritization (:func:`key_account_selection`), in accounts-table order."""
    selected = key_account_selection(a)
    return selected.index[selected.to_numpy(bool)].tolist()


def n_key_accounts_prioritized(a: Assessment) -> int:
    """Number of key accounts after prioritization (:data:`KEY_ACCOUNTS_PRIORITIZED`)."""
    return int(key_account_selection(a).sum())


def n_accounts_interviewed(a: Assessment) -> int | None:
    """Number of accounts with at least one interview (:data:`ACCOUNTS_INTERVIEWED`); ``None`` without interviews."""
    if not a.has(S.INTERVIEWS, S.CONTACTS):
        return None
    return int(a.respondents()[S.ACCOUNT_ID].nunique())


def n_interviews(a: Assessment) -> int | None:
    """Number of interviews (:data:`INTERVIEWS`); ``None`` without an interviews table."""
    return len(a.interviews) if a.has(S.INTERVIEWS) else None


def table_counts(a: Assessment) -> list[tuple[Headline, int]]:
    """The counts of the data overview, each under its :class:`Headline`: only tables that are present.

    Returns
    -------
    list of (Headline, count)
        Accounts, key accounts (marked in the data, then after
        prioritization), then the rows of each present table, with accounts
        interviewed after interviews.
    """
    out: list[tuple[Headline, int]] = [(ACCOUNTS, len(a.accounts)), (KEY_ACCOUNTS, n_key_accounts(a)),
                                       (KEY_ACCOUNTS_PRIORITIZED, n_key_accounts_prioritized(a))]
    for h, table in ((LOCATIONS, S.LOCATIONS), (CONTACTS, S.CONTACTS), (INTERVIEWS, S.INTERVIEWS)):
        if a.has(table):
            out.append((h, len(a.tables[table])))
    interviewed = n_accounts_interviewed(a)
    if interviewed is not None:
        out.append((ACCOUNTS_INTERVIEWED, interviewed))
    for h, table in ((RATING_ROWS, S.RATINGS), (VERBATIMS, S.VERBATIMS), (COMPETITORS, S.COMPETITORS),
                     (NEEDS_RATED, S.NEEDS)):
        if a.has(table):
            out.append((h, len(a.tables[table])))
    return out


# ---------------------------------------------------------------------------- the two risk scales
SEGMENT_ORDER = ("At risk", "Vulnerable", "Favorable", "Secure")
LEVEL_ORDER = ("High", "Medium", "Low")
NOT_INTERVIEWED = "not interviewed"


def risk_crosswalk(segments: pd.DataFrame, risk: pd.DataFrame) -> pd.DataFrame:
    """Accounts counted by loyalty segment (what respondents said) and risk level (the composite score).

    Parameters
    ----------
    segments
        One row per interviewed account with ``account_id`` and ``loyalty_segment``
        (``quantitative.account_loyalty``).
    risk
        One row per account with ``account_id`` and ``risk_level`` (``actions.account_risk``).

    Returns
    -------
    DataFrame
        ``loyalty_segment`` (rows: At risk, Vulnerable, Favorable, Secure, then
        "not interviewed" when the risk table holds accounts without a segment)
        and one count column per risk level (High, Medium, Low) plus ``total``;
        counts of accounts.
    """
    seg = segments[[S.ACCOUNT_ID, "loyalty_segment"]].drop_duplicates(S.ACCOUNT_ID)
    both = risk[[S.ACCOUNT_ID, "risk_level"]].merge(seg, on=S.ACCOUNT_ID, how="left")
    both["loyalty_segment"] = both["loyalty_segment"].astype("object").where(both["loyalty_segment"].notna(),
                                                                            NOT_INTERVIEWED)
    rows = list(SEGMENT_ORDER)
    if (both["loyalty_segment"] == NOT_INTERVIEWED).any():
        rows.append(NOT_INTERVIEWED)
    table = (pd.crosstab(both["loyalty_segment"], both["risk_level"])
             .reindex(index=rows, columns=list(LEVEL_ORDER), fill_value=0).astype(int))
    table["total"] = table.sum(axis=1)
    table.index.name = "loyalty_segment"
    return table.reset_index()


def risk_relation_note(crosswalk: pd.DataFrame) -> str:
    """One sentence on how the loyalty segments and the risk levels relate in ``crosswalk``.

    Parameters
    ----------
    crosswalk
        Output of :func:`risk_crosswalk`.

    Returns
    -------
    str
        Counts of the at-risk segment and of the high level, and how many
        accounts are in both, with the reason they can differ.
    """
    t = crosswalk.set_index("loyalty_segment")
    at_risk = int(t.loc["At risk", "total"]) if "At risk" in t.index else 0
    high = int(t["High"].sum())
    both = int(t.loc["At risk", "High"]) if "At risk" in t.index else 0
    vulnerable_up = int(t.loc[["At risk", "Vulnerable"], ["High", "Medium"]].to_numpy().sum()) \
        if {"At risk", "Vulnerable"} <= set(t.index) else 0
    lower = int(t.loc[["At risk", "Vulnerable"], "total"].sum()) if {"At risk", "Vulnerable"} <= set(t.index) else 0
    return (
        f"Two scales: the loyalty segment is what an account's respondents said; the risk level (0–100 score) adds "
        f"decision-makers, sales trend, remarks, competitors and gaps to it. {at_risk} account(s) are in the At risk "
        f"segment and {high} at risk level High; {both} are in both. Of the {lower} account(s) in the At risk or "
        f"Vulnerable segments, {vulnerable_up} are at risk level High or Medium."
    )
