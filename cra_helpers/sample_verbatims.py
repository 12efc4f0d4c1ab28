"""Verbatims of the synthetic sample and the rule that plants their polarity.

The rule (:func:`polarity`) is described in the docstring of
:mod:`cra_helpers.sample`. :func:`_verbatims` lets every interviewee make
7-15 remarks, in phases: which tertiary needs they talk about
(:func:`_respondent_items`), the values of the phrasings' ``{slot}``
placeholders (:func:`_slots`) and the wording of each remark
(:func:`_remark`, :func:`_compose`), all drawn from one random stream in a
fixed order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import schema as s
from .sample_accounts import _ids
from .sample_text import COMPETITORS, GENERIC_COMPETITOR, SLOT_VALUES

# Columns of verbatim_truth.csv (besides schema.VERBATIM_ID).
TERTIARY = "tertiary"
SECONDARY = "secondary"
PRIMARY = "primary"
POLARITY = "polarity"
OFF_TOPIC = "Off-topic"

# Planted polarity of a verbatim (see "Polarity of the verbatims" in the docstring of cra_helpers.sample).
NEGATIVE = "negative"
NEUTRAL = "neutral"
POSITIVE = "positive"
POLARITIES: tuple[str, ...] = (NEGATIVE, NEUTRAL, POSITIVE)
NEGATIVE_UP_TO = 0.35
"""A rating in the lowest 35 % of its scale's range is negative (1-4 on 1-10)."""
POSITIVE_FROM = 0.75
"""A rating in the top 25 % of its scale's range is positive (8-10 on 1-10)."""
GAP_FROM = 1 / 3
"""Between the two, importance at least a third of the range above performance is negative (3 points on 1-10)."""
PERFORMANCE_SCALE: tuple[int, int] = (1, 10)
"""Bounds of the generated importance, performance and satisfaction ratings (the default scales)."""


def polarity(rating: Any, importance: Any = None, lo: float = PERFORMANCE_SCALE[0],
             hi: float = PERFORMANCE_SCALE[1]) -> Any:
    """Planted polarity of a remark by a respondent who gave ``rating`` (and ``importance``).

    Parameters
    ----------
    rating
        A rating (number) or an array of ratings on the scale ``lo``..``hi``:
        the performance of the need the remark is about, or the
        respondent's mean performance for a latent need.
    importance
        The respondent's importance of that need, on the same scale (or
        ``None`` / NaN: no gap test).
    lo, hi
        Bounds of the scale (for the sample: 1 and 10, the ``importance``
        and ``performance`` scales of ``defaults.yaml``).

    Returns
    -------
    str or ndarray of str
        With ``x = (rating - lo) / (hi - lo)``: ``"negative"`` where
        ``x <= NEGATIVE_UP_TO``, ``"positive"`` where ``x >= POSITIVE_FROM``;
        between the two ``"negative"`` where importance exceeds the rating by
        at least ``GAP_FROM * (hi - lo)`` points, else ``"neutral"``.
        On 1-10: 1-4 negative, 8-10 positive, 5-7 neutral unless importance
        is 3 or more points higher. A missing rating gives ``None``.
    """
    r = np.asarray(rating, dtype=float)
    x = (r - lo) / (hi - lo)
    gap = np.zeros_like(r) if importance is None else (np.asarray(importance, dtype=float) - r) / (hi - lo)
    eps = 1e-9
    out = np.where(x <= NEGATIVE_UP_TO + eps, NEGATIVE,
                   np.where(x >= POSITIVE_FROM - eps, POSITIVE,
                            np.where(np.nan_to_num(gap, nan=0.0) >= GAP_FROM - eps, NEGATIVE, NEUTRAL)))
    out = np.where(np.isnan(r), None, out.astype(object))
    return out.item() if out.ndim == 0 else out


# --------------------------------------------------------------------------
# Wording
# --------------------------------------------------------------------------
OPENER_RATE = 0.2
CLOSER_RATE = 0.12
FOLLOW_UP_RATE = 0.3
TYPO_RATE = 0.06
LOWERCASE_RATE = 0.06
_KEEP_CASE = re.compile(r"^(\{|I\b|I'|[A-Z]{2,}|[A-Z][a-z]*[A-Z])")


def _lower_first(text: str) -> str:
    if not text or _KEEP_CASE.match(text):
        return text
    return text[0].lower() + text[1:]


def _typo(rng: np.random.Generator, text: str) -> str:
    words = text.split(" ")
    cand = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not cand:
        return text
    i = cand[int(rng.integers(0, len(cand)))]
    w = words[i]
    j = int(rng.integers(1, len(w) - 2))
    if rng.random() < 0.6:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:]  # swap two letters
    else:
        w = w[:j] + w[j + 1:]  # drop a letter
    words[i] = w
    return " ".join(words)


def _compose(rng: np.random.Generator, phrases: list[str], bank: dict[str, Any], slots: dict[str, str]) -> str:
    """Build one remark from a phrase list: phrase [+ follow-up], filler, slots, noise."""
    text = phrases[int(rng.integers(0, len(phrases)))]
    if rng.random() < FOLLOW_UP_RATE and len(phrases) > 1:
        other = [p for p in phrases if p != text]
        second = other[int(rng.integers(0, len(other)))]
        connector = bank["connectors"][int(rng.integers(0, len(bank["connectors"])))]
        if text[-1] not in ".?!":
            text += "."
        text = f"{text} {connector} {_lower_first(second)}" if connector else f"{text} {second}"
    if rng.random() < OPENER_RATE:
        opener = bank["openers"][int(rng.integers(0, len(bank["openers"])))]
        text = f"{opener} {_lower_first(text)}"
    if rng.random() < CLOSER_RATE and not text.rstrip().endswith("?"):
        closer = bank["closers"][int(rng.integers(0, len(bank["closers"])))]
        text = text.rstrip().rstrip(".!") + closer
    text = text.format_map(slots)
    if rng.random() < TYPO_RATE:
        text = _typo(rng, text)
    if rng.random() < LOWERCASE_RATE:
        text = text.lower()
    if rng.random() < 0.1 and text.endswith("."):
        text = text[:-1]
    return text


def _competitor_mention(rng: np.random.Generator, name: str) -> str:
    """How a respondent names a competitor: short name, full name or generically."""
    u = rng.random()
    if u < 0.5:
        return name.split()[0]
    if u < 0.65:
        return name
    return GENERIC_COMPETITOR[int(rng.integers(0, len(GENERIC_COMPETITOR)))]


# --------------------------------------------------------------------------
# Verbatims
# --------------------------------------------------------------------------
LATENT_PHRASING = {NEGATIVE: "negative", NEUTRAL: "request", POSITIVE: "positive"}
"""Phrase list of a latent need's entry in the needs bank, by planted polarity."""


@dataclass
class _Tertiaries:
    """The tertiary needs of the needs bank, in bank order."""

    rated: list[tuple[str, str, str, int, dict[str, Any]]]  # primary, secondary, tertiary, need index, entry
    latent: list[tuple[str, str, str, dict[str, Any]]]  # primary, secondary, tertiary, entry
    need_of: np.ndarray  # need index of every rated tertiary
    per_need: np.ndarray  # number of tertiaries of every rated need


def _tertiaries(bank: dict[str, Any], need_ids: list[str]) -> _Tertiaries:
    rated: list[tuple[str, str, str, int, dict[str, Any]]] = []
    latent: list[tuple[str, str, str, dict[str, Any]]] = []
    for group in bank["primary_groups"]:
        for need in group["needs"]:
            for tert in need["tertiary"]:
                if need.get("latent"):
                    latent.append((group["name"], need["name"], tert["name"], tert))
                else:
                    rated.append((group["name"], need["name"], tert["name"], need_ids.index(need["need_id"]), tert))
    need_of = np.array([r[3] for r in rated])
    return _Tertiaries(rated, latent, need_of, np.bincount(need_of, minlength=len(need_ids)))


def _planted_polarities(perf_obs: np.ndarray, imp_obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polarity of every (respondent, rated need) and of every respondent's latent-need remarks."""
    n_recorded = (~np.isnan(perf_obs)).sum(axis=1)
    mean_perf = np.where(n_recorded > 0, np.nansum(perf_obs, axis=1) / np.maximum(n_recorded, 1),
                         np.mean(PERFORMANCE_SCALE))  # no rating at all: the scale's midpoint (neutral)
    rated_basis = np.where(np.isnan(perf_obs), mean_perf[:, None], perf_obs)
    rated_pol = polarity(rated_basis, np.where(np.isnan(perf_obs), np.nan, imp_obs))
    return rated_pol, polarity(mean_perf)


def _respondent_items(rng: np.random.Generator, tert: _Tertiaries, perf_i: np.ndarray, imp_i: np.ndarray
                      ) -> list[tuple[str, Any]]:
    """What one respondent talks about, in spoken order.

    Items are ``("r", index into rated)``, ``("l", index into latent)`` or
    ``("o", None)`` (small talk).
    """
    n_v = int(rng.integers(7, 16))
    kinds = rng.choice(3, size=n_v, p=[0.05, 0.09, 0.86])  # off-topic, latent, rated
    n_rated = int((kinds == 2).sum())
    n_lat = int((kinds == 1).sum())
    # Respondents talk about what matters to them and where we stand out (good or bad).
    t_need, per_need = tert.need_of, tert.per_need
    wt = (imp_i * (1.0 + 0.6 * np.abs(perf_i - 6.5)))[t_need] / per_need[t_need] * np.sqrt(per_need[t_need])
    chosen_r = list(rng.choice(len(tert.rated), size=n_rated, replace=False, p=wt / wt.sum()))
    chosen_l = list(rng.choice(len(tert.latent), size=min(n_lat, len(tert.latent)), replace=False))
    order = rng.permutation(len(chosen_r) + len(chosen_l) + int((kinds == 0).sum()))
    items: list[tuple[str, Any]] = ([("r", c) for c in chosen_r] + [("l", c) for c in chosen_l]
                                    + [("o", None)] * int((kinds == 0).sum()))
    return [items[k] for k in order]


def _slots(rng: np.random.Generator, city: str, competitors: list[str], products: list[str]) -> dict[str, str]:
    """Values of the ``{slot}`` placeholders for one remark."""
    return {
        "site": city,
        "competitor": _competitor_mention(rng, competitors[int(rng.integers(0, len(competitors)))]),
        "product": products[int(rng.integers(0, len(products)))],
        **{slot: vals[int(rng.integers(0, len(vals)))] for slot, vals in SLOT_VALUES.items()},
    }


def _topic(rng: np.random.Generator, topics: dict[str, list[str]], kind: str) -> str:
    """The interview question of a remark: mostly one matching its kind, else a general one."""
    opts = topics[kind] if rng.random() < 0.8 else topics["general"]
    return opts[int(rng.integers(0, len(opts)))]


def _remark(rng: np.random.Generator, bank: dict[str, Any], tert: _Tertiaries, item: tuple[str, Any],
            slots: dict[str, str], rated_pol: np.ndarray, latent_pol: Any) -> tuple[str, str, tuple[str, ...], str]:
    """One remark of a respondent: ``(topic, text, (tertiary, secondary, primary), polarity)``."""
    kind, c = item
    if kind == "o":
        phrases = bank["off_topic"]
        text = phrases[int(rng.integers(0, len(phrases)))].format_map(slots)
        general = bank["topics"]["general"]
        return general[int(rng.integers(0, len(general)))], text, (OFF_TOPIC, OFF_TOPIC, OFF_TOPIC), NEUTRAL
    if kind == "l":
        prim, sec, ter, entry = tert.latent[c]
        pol = str(latent_pol)
        phrasing = LATENT_PHRASING[pol]
        text = _compose(rng, entry[phrasing], bank, slots)
        return _topic(rng, bank["topics"], phrasing), text, (ter, sec, prim), pol
    prim, sec, ter, n_idx, entry = tert.rated[c]
    pol = str(rated_pol[n_idx])
    text = _compose(rng, entry[pol], bank, slots)
    return _topic(rng, bank["topics"], pol), text, (ter, sec, prim), pol


def _verbatims(rng: np.random.Generator, bank: dict[str, Any], iv: pd.DataFrame, perf: np.ndarray, imp: np.ndarray,
               perf_obs: np.ndarray, imp_obs: np.ndarray, need_ids: list[str], accounts: pd.DataFrame,
               locations: pd.DataFrame, comp_of: dict[int, list[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Verbatims and their truth; polarity by the rule of the module docstring.

    ``perf`` / ``imp`` are the complete ratings (they steer which needs a
    respondent talks about); ``perf_obs`` and ``imp_obs`` are the recorded
    ones (missing values as NaN), from which the polarity is planted.
    """
    tert = _tertiaries(bank, need_ids)
    rated_pol, latent_pol = _planted_polarities(perf_obs, imp_obs)
    comp_name = dict(COMPETITORS)
    city_of = dict(zip(locations[s.LOCATION_ID], locations[s.CITY]))
    products_of = dict(zip(accounts[s.ACCOUNT_ID], accounts[s.PRODUCTS]))
    rows, truth_rows = [], []
    iv_acc = iv["_acc"].tolist()
    iv_account = iv[s.ACCOUNT_ID].tolist()
    iv_id = iv[s.INTERVIEW_ID].tolist()
    iv_city = [city_of[x] for x in iv[s.LOCATION_ID]]
    for i in range(len(iv)):
        comps = [comp_name[c] for c in comp_of[int(iv_acc[i])]]
        prods = [p.lower() for p in str(products_of[iv_account[i]]).split(s.LIST_SEPARATOR)]
        for item in _respondent_items(rng, tert, perf[i], imp[i]):
            slots = _slots(rng, iv_city[i], comps, prods)
            tp, text, names, pol = _remark(rng, bank, tert, item, slots, rated_pol[i], latent_pol[i])
            rows.append({s.INTERVIEW_ID: iv_id[i], s.TOPIC: tp, s.TEXT: text})
            truth_rows.append(dict(zip((TERTIARY, SECONDARY, PRIMARY, POLARITY), (*names, pol))))
    verb = pd.DataFrame(rows)
    vid = _ids("V", len(verb), 4)
    verb.insert(0, s.VERBATIM_ID, vid)
    vt = pd.DataFrame(truth_rows)
    vt.insert(0, s.VERBATIM_ID, vid)
    return verb[s.TABLES[s.VERBATIMS].column_names], vt
