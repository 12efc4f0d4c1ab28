"""Notebook helpers of 01_prioritize: headline figures, the settings in use, what the data lacks, one account's profile."""

from __future__ import annotations

import pandas as pd

from .. import headlines
from .. import schema as S
from .. import steps
from ..assessment import Assessment
from ..config import MONEY_WEIGHTS, KeyAccountRule, Prioritize, ValueScore
from .common import ABC_CLASS, KEY_FLAGGED, VALUE_CLASS, _cfg
from .scaling import _labels, safe_total
from .value import MONEY_LABELS, format_money, money_weights


def headline_figures(prioritized: pd.DataFrame, concentration_table: pd.DataFrame, plan: pd.DataFrame,
                     config: Prioritize | None = None) -> list[tuple[str, float | int]]:
    """Key figures of the step: accounts, top class, concentration, key accounts, contact workload.

    Returns
    -------
    list of (label, value)
        Counts, shares and the Gini coefficient in percent (0–100), contacts and staff hours per month.
    """
    cfg = _cfg(config)
    first = cfg.abc_classes[0].name
    top = prioritized[prioritized[ABC_CLASS].astype("string") == first]
    total = safe_total(prioritized[S.REVENUE].to_numpy(dtype=float), S.REVENUE, _labels(prioritized, len(prioritized)))
    out: list[tuple[str, float | int]] = [
        ("Accounts", len(prioritized)),
        ("Accounts with revenue", int((prioritized[S.REVENUE] > 0).sum())),
        (f"Class {first} accounts", len(top)),
        (f"Revenue share of class {first} (%)", round(100 * top[S.REVENUE].sum() / total, 1) if total > 0 else float("nan")),
    ]
    conc = concentration_table.set_index("measure") if len(concentration_table) else None
    if conc is not None and S.REVENUE in conc.index:
        out.append(("Gini of revenue (%)", round(100 * float(conc.at[S.REVENUE, "gini"]), 1)))
    out += [
        (headlines.KEY_ACCOUNTS.label, int(prioritized[KEY_FLAGGED].sum()) if KEY_FLAGGED in prioritized.columns
         else int(headlines.key_account_flags(prioritized).sum())),
        (headlines.KEY_ACCOUNTS_PRIORITIZED.label, int(prioritized[S.KEY_ACCOUNT].sum())),
        (f"{cfg.value_classes[0].name} (value ≤ {cfg.value_classes[0].max}%)",
         int((prioritized[VALUE_CLASS].astype("string") == cfg.value_classes[0].name).sum())),
        ("Contacts per month", round(float(plan["contacts_per_month"].sum()), 1)),
        ("Staff hours per month", round(float(plan["hours_per_month"].sum()), 1)),
    ]
    return out


def settings_table(config: Prioritize | None = None, currency: str = "", accounts: pd.DataFrame | None = None,
                   source: str = "the configuration") -> pd.DataFrame:
    """The value-score weights, class bands and key-account rule in use, for the report.

    Parameters
    ----------
    config
        ``config.prioritize``.
    currency
        Currency label of the amounts.
    accounts
        The accounts (or :func:`prioritize_accounts` output): with them, each money
        amount is shown as used on this data and where it comes from, e.g. ``4.0% of
        the median revenue 118,700 EUR = 4,748 EUR``; without, only the rule.
    source
        Where an amount set by the client comes from (e.g. the client file's path).

    Returns
    -------
    DataFrame
        ``setting, value`` rows (text).
    """
    cfg = _cfg(config)
    w = cfg.value
    margin = "median of the known margins" if w.default_margin_pct is None else f"{w.default_margin_pct:g}%"
    money_rows = _money_rows(cfg, w, currency, accounts, source)
    rows = [
        ("ABC cut points", ", ".join(f"{c.name} up to {c.upto_pct:g}%" for c in cfg.abc_classes)),
        ("Trend weight (w_trend)", f"{w.trend_weight:g} (trend limited to ±{w.max_abs_trend:.0%} a year)"),
        *money_rows,
        ("Margin where none is given", margin),
        ("Reference (100%)", f"quantile {w.reference_quantile:g} of the net value of profitable relationships"),
        ("Value classes", "; ".join(f"{b.name} {'≤ ' if b.min is None else f'{b.min}–'}{b.max}% → {b.relationship_plan} "
                                     f"({b.contacts_per_year:g}/year)" for b in cfg.value_classes)),
        ("Without revenue", f"{cfg.no_business.value_class} → {cfg.no_business.relationship_plan} ({cfg.no_business.contacts_per_year:g}/year)"),
        ("Potential reference (100%)", f"quantile {cfg.potential_reference_quantile:g} of potential_revenue"),
        ("Potential classes", "; ".join(f"{b.name} {'≤ ' if b.min is None else f'{b.min}–'}{b.max}% → {b.interaction_method} "
                                         f"({b.hours_per_contact:g} h/contact)" for b in cfg.potential_classes)),
    ]
    rows.append(("Key-account rule", _key_account_rule_text(cfg.key_accounts)))
    rows.append(("Warning when one class holds more than", f"{cfg.dominant_class_share:.0%} of the accounts"))
    return pd.DataFrame(rows, columns=["setting", "value"])


def _money_rows(cfg: Prioritize, w: ValueScore, currency: str, accounts: pd.DataFrame | None,
                source: str) -> list[tuple[str, str]]:
    """(label, text) of each money amount of the value score: as used on ``accounts``, else the rule."""
    rows = []
    used = money_weights(accounts, cfg) if accounts is not None else None
    for key in MONEY_WEIGHTS:
        label = f"{MONEY_LABELS[key]} (prioritize.value.{key})"
        if used is not None:
            text = used[key].explain(currency, source)
        elif getattr(w, key) is not None:
            text = f"{format_money(float(getattr(w, key)), currency)} (set in {source})"
        else:
            text = f"{getattr(w, f'{key}_share'):.1%} of the median revenue of the accounts with revenue"
        rows.append((label, text))
    return rows


def _key_account_rule_text(k: KeyAccountRule) -> str:
    """The key-account rule in words, e.g. ``ABC class in A and value class in Superior, status customer``."""
    conds = [f"ABC class in {', '.join(k.abc_classes)}"] if k.abc_classes else []
    conds += [f"value class in {', '.join(k.value_classes)}"] if k.value_classes else []
    rule = f" {k.combine} ".join(conds) or "no condition"
    rule += f", status {', '.join(k.statuses)}" if k.statuses else ""
    rule += "; plus the accounts flagged key_account" if k.include_flagged else ""
    return rule


def input_notes(a: Assessment) -> list[str]:
    """What the optional tables this step benefits from would add, for those the assessment lacks."""
    notes = []
    if not a.has(S.SALES_HISTORY):
        notes.append("No sales_history: the value score has no trend component (taken as 0 for every account).")
    if not a.has(S.CONTACTS):
        notes.append("No contacts: the diagonal slice of the key accounts cannot be shown; list the people you know at "
                     "each key account in a contacts sheet to plan the interviews.")
    elif not a.has(S.INTERVIEWS):
        notes.append("No interviews yet: the slice shows the known contacts and the recommended interview list is the plan.")
    if not a.has(S.LOCATIONS):
        notes.append("No locations: sites without any contact cannot be detected.")
    if S.VOLUME not in a.accounts.columns or a.accounts[S.VOLUME].notna().sum() == 0:
        notes.append("No volume in accounts: the ABC analysis is by revenue only.")
    if not any(c in a.accounts.columns for c in S.TOP_ELEMENTS):
        notes.append("No top_element columns in accounts: the three most important elements cannot be summarized.")
    return notes


def later_steps(a: Assessment) -> pd.DataFrame:
    """Registered analysis steps that this assessment cannot run, and the tables they lack.

    Returns
    -------
    DataFrame
        ``step, title, missing`` (comma-separated table names); empty when every step
        can run.
    """
    rows = []
    for step in sorted(steps.STEPS.values(), key=lambda s: s.name):
        missing = a.missing(*step.requires)
        if missing:
            rows.append({"step": step.name, "title": step.title, "missing": ", ".join(missing)})
    return pd.DataFrame(rows, columns=["step", "title", "missing"])


def account_profile(prioritized: pd.DataFrame, account_id: str) -> pd.DataFrame:
    """Everything the step says about one account, as ``field, value`` rows.

    Raises
    ------
    ValueError
        When the account id is unknown.
    """
    row = prioritized[prioritized[S.ACCOUNT_ID].astype(str) == str(account_id).strip()]
    if row.empty:
        raise ValueError(f"account {account_id!r} is not in the accounts table")
    rec = row.iloc[0]
    return pd.DataFrame({"field": list(rec.index), "value": [None if pd.isna(v) else str(v) for v in rec.to_numpy()]})
