"""Sentences that state the settings a report was computed with, rendered from the configuration.

A notebook's markdown explains a method in general words; the numbers of the
method — cut points, class bands, the key-account rule, resample counts —
come from these functions, so that a client configuration that changes them
changes the sentence too. Every function takes the validated configuration
(or a section of it) and returns plain text.

Examples
--------
>>> from cra_helpers.config import load_config
>>> print(key_account_rule(load_config().prioritize))
Key accounts: the active accounts in ABC class A and in value class Average or Superior, plus every account flagged as key account in the data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Config, Prioritize


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _or(items: list[str]) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def abc_rule(cfg: "Prioritize") -> str:
    """How the ABC classes are cut, in words (``prioritize.abc_classes``).

    Examples
    --------
    >>> from cra_helpers.config import load_config
    >>> print(abc_rule(load_config().prioritize))
    Class A holds the accounts that make the first 80% of revenue (the account that crosses 80% included), B the next 15% and C the rest, with every account without revenue.
    """
    classes = list(cfg.abc_classes)
    first = classes[0]
    parts = [f"Class {first.name} holds the accounts that make the first {first.upto_pct:g}% of revenue "
             f"(the account that crosses {first.upto_pct:g}% included)"]
    prev = first.upto_pct
    for c in classes[1:-1]:
        parts.append(f"{c.name} the next {c.upto_pct - prev:g}%")
        prev = c.upto_pct
    last = classes[-1].name
    return ", ".join(parts[:-1] + [parts[-1]]) + f" and {last} the rest, with every account without revenue."


def potential_rule(cfg: "Prioritize") -> str:
    """How potential is scored and classed, and which interaction method each class gets.

    Examples
    --------
    >>> from cra_helpers.config import load_config
    >>> print(potential_rule(load_config().prioritize))  # doctest: +NORMALIZE_WHITESPACE
    Potential is scored in % of the 90th percentile of the estimates, capped at 100%: Low up to 9% (e-mail only),
    Average 10–49% (telephone, e-mail), High 50–100% (face to face, telephone, e-mail); an account without an
    estimate is Low.
    """
    q = round(cfg.potential_reference_quantile * 100)
    bands = [(f"{b.name} {b.min}–{b.max}%" if b.min is not None else f"{b.name} up to {b.max}%")
             + f" ({b.interaction_method})" for b in cfg.potential_classes]
    return (f"Potential is scored in % of the {_ordinal(q)} percentile of the estimates, capped at 100%: "
            f"{', '.join(bands)}; an account without an estimate is {cfg.potential_classes[0].name}.")


def key_account_rule(cfg: "Prioritize") -> str:
    """The key-account rule in words (``prioritize.key_accounts``)."""
    r = cfg.key_accounts
    conds = []
    if r.abc_classes:
        conds.append(f"in ABC class {_or(list(r.abc_classes))}")
    if r.value_classes:
        conds.append(f"in value class {_or(list(r.value_classes))}")
    statuses = _or(list(r.statuses))
    rule = f" {r.combine} ".join(conds) if conds else "of any class"
    text = f"Key accounts: the {statuses} accounts {rule}"
    if r.include_flagged:
        text += ", plus every account flagged as key account in the data"
    return text + "."


def top_box_rule(config: "Config") -> str:
    """Which answers count as top box on the performance scale (``quantitative.top_box_points``).

    Examples
    --------
    >>> from cra_helpers.config import load_config
    >>> print(top_box_rule(load_config()))
    Top-2-box share: answers of 9 or 10 on the 1–10 performance scale.
    """
    k = config.quantitative.top_box_points
    sc = config.scales["performance"]
    top = [sc.max - i for i in range(k)][::-1]
    words = _or([f"{t:g}" for t in top])
    return f"Top-{k}-box share: answers of {words} on the {sc.min:g}–{sc.max:g} performance scale."


def driver_method(config: "Config") -> str:
    """Resamples, minimum respondents and outcomes of the key-driver analysis (``quantitative.drivers``).

    Examples
    --------
    >>> from cra_helpers.config import load_config
    >>> print(driver_method(load_config()))  # doctest: +NORMALIZE_WHITESPACE
    Intervals come from 1,000 bootstrap resamples of the respondents; no driver analysis below 10 respondents,
    and a need-level model needs 5 respondents per need (fewer: needs are combined into their primary groups).
    """
    d = config.quantitative.drivers
    return (f"Intervals come from {d.bootstrap_resamples:,} bootstrap resamples of the respondents; no driver "
            f"analysis below {d.min_respondents} respondents, and a need-level model needs "
            f"{d.min_respondents_per_predictor:g} respondents per need (fewer: needs are combined into their "
            "primary groups).")
