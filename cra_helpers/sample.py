"""Synthetic sample assessment with planted, documented truths.

The sample describes an industrial supplier of engineered components and its
customer base: about 80 accounts with long-tailed revenue, 12 key accounts
assessed with a *diagonal slice* of interviews (levels x departments x
decision roles x sites), ratings of our performance and of competitors on 20
needs, loyalty indicators and about 2,000 verbatims.

A handful of facts are planted so that analyses can be checked against a
known answer (``Sample.truth``, written to ``truth.json``):

``top_driver``
    One need whose performance drives overall satisfaction far more than the
    others, while its stated importance is only mid-range.
``at_risk_accounts``
    Two key accounts that are clearly at risk on every indicator.
``location_gap``
    One need rated about 4 points lower at one site of a key account than at
    another site of the same account.
``competitor_gap``
    One need on which one competitor is rated about 2.5 points above us.
``latent_needs``
    Needs that no rated attribute covers and that appear only in verbatims.
``slice_gaps``
    Diagonal-slice holes: a key account without any executive decision-maker
    and one where a major department was not interviewed.

Every verbatim is labelled with its tertiary, secondary and primary need and
its planted polarity (``Sample.verbatim_truth``, written to
``verbatim_truth.csv``). Needs and phrasings come from
``resources/needs_bank.yaml``.

Polarity of the verbatims
-------------------------
Every verbatim is ``negative`` (a complaint), ``neutral`` (a factual or middling
remark, or a wish) or ``positive`` (praise), and its tone follows the
respondent's own ratings, by one rule (:func:`polarity`). On a rating scale
from ``lo`` to ``hi``, with ``x = (rating - lo) / (hi - lo)``:

* ``x <= NEGATIVE_UP_TO`` (0.35): **negative**;
* ``x >= POSITIVE_FROM`` (0.75): **positive**;
* between the two: **negative** if the respondent's importance of the need
  exceeds the rating by at least ``GAP_FROM`` (a third) of the range — it
  matters and we fall short — otherwise **neutral**.

On the 1-10 importance and performance scales of the sample (``scales`` in
``defaults.yaml``; :data:`PERFORMANCE_SCALE`): **performance
1-4 negative, 8-10 positive, 5-7 neutral unless importance is 3 or more
points higher (then negative)**.

* A remark about a **rated need** takes the polarity of the respondent's
  performance (and importance) rating of that need, as recorded in the
  ``ratings`` table. If that performance rating is missing (about 1 % of
  ratings), the respondent's mean recorded performance over all needs is used
  instead, without the importance test; a missing importance skips the test.
* A remark about a **latent need** (not rated by anyone) takes the polarity of
  the respondent's mean recorded performance over all rated needs (their
  overall view of us; no importance test): respondents who rate us low
  across the board complain that it is missing, those who rate us high praise
  what exists of it, and the others — most respondents — ask for it (a wish,
  planted as ``neutral``), so latent needs appear mostly as wishes.
* **Small talk** (off-topic) is always ``neutral``.

The wording comes from the tertiary need's ``positive``, ``negative`` and
``neutral`` (rated) or ``request`` (latent) list of the needs bank, so the
polarity changes the tone of a remark, never the need it is about. The
interview question (``topic``) mostly follows the polarity: praise answers
"what do we do well", complaints "where should we improve", neutral remarks
a descriptive question, wishes "what should we offer" (one in five answers a
general question instead).

Everything is drawn from :func:`numpy.random.default_rng` seeded streams, so a
seed always gives identical tables.

Layout
------
:func:`generate_sample` runs the generator in named phases (accounts, planted
at-risk accounts, sales, sites and contacts, competitors, needs, interviews,
performance, importance, loyalty, ratings, verbatims, truth). Its parts live
in modules of their own, and every name is re-exported here:

* :mod:`cra_helpers.sample_text` — the text banks: names, vocabularies,
  titles, competitor names, ``{slot}`` values, and the needs bank loader;
* :mod:`cra_helpers.sample_accounts` — accounts and sales history
  (vectorised, also for large benchmarks);
* :mod:`cra_helpers.sample_people` — sites, contacts (the diagonal slice) and
  the competitors active at each key account;
* :mod:`cra_helpers.sample_verbatims` — the polarity rule and the verbatims;
* :mod:`cra_helpers.sample_workbook` — byte-stable xlsx writing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import schema as s

# The generator's parts; every name is re-exported here, where callers import it from.
from .sample_accounts import (  # noqa: F401
    COMPANY_SIZE_CUTS, PERIODS, RETURNS_PER_1000_UNITS, REVENUE_SIGMA, _country_table, _draw_accounts, _ids,
    _sales_history,
)
from .sample_people import (  # noqa: F401
    COMPETITOR_GAP_COMPETITOR, _ascii, _assign_roles, _competitor_assignment, _contacts, _locations, _person, _pick,
    _Roles, _slice_for_account, _slug,
)
from .sample_text import (  # noqa: F401
    BANK_RESOURCE, COMPETITORS, CORE_SLICE, DECISION_MAKER, DEPARTMENTS_BY_LEVEL, ENGINEERING, EXECUTIVE, FINANCE,
    GENERAL_MANAGEMENT, GENERIC_COMPETITOR, INDUSTRIES, INDUSTRY_WEIGHTS, INFLUENCER, INTERVIEWERS, LEVEL_WEIGHTS,
    LOGISTICS, MAINTENANCE, MANAGEMENT, MARKETING_SOURCES, NAME_POOLS, NAME_ROOTS, OPERATIONAL, OPERATIONS,
    PLANTS_ABROAD, PRODUCTS, PURCHASING, QUALITY, REGION_WEIGHTS, REGIONS, RELATIONSHIP_SHARES, RND, ROLE_WEIGHTS,
    SITE_KINDS, SLOT_VALUES, TITLES, TOP_ELEMENT_CHOICES, USER, load_needs_bank,
)
from .sample_verbatims import (  # noqa: F401
    CLOSER_RATE, FOLLOW_UP_RATE, GAP_FROM, LOWERCASE_RATE, NEGATIVE, NEGATIVE_UP_TO, NEUTRAL, OFF_TOPIC,
    OPENER_RATE, PERFORMANCE_SCALE, POLARITIES, POLARITY, POSITIVE, POSITIVE_FROM, PRIMARY, SECONDARY, TERTIARY,
    TYPO_RATE, _competitor_mention, _compose, _KEEP_CASE, _lower_first, _typo, _verbatims, polarity,
)
from .sample_workbook import FIXED_TIMESTAMP, _cell, _CORE_DATES, _stable_xlsx, write_workbook  # noqa: F401

DEFAULT_SEED = 2026
"""Seed of the committed sample in ``data/sample``."""

N_KEY_ACCOUNTS = 12
KEY_ACCOUNT_SHARE = 0.15
"""Share of accounts flagged as key accounts by :func:`generate_accounts`."""

WAVE_LABEL = "2026"
INTERVIEW_START = np.datetime64("2026-02-02")  # a Monday
INTERVIEW_WORKDAYS = 30  # six weeks

XLSX_NAME = "assessment.xlsx"
TRUTH_NAME = "truth.json"
VERBATIM_TRUTH_NAME = "verbatim_truth.csv"

# Keys of the truth dictionary / truth.json.
TRUTH_KEY_ACCOUNTS = "key_accounts"
TRUTH_AT_RISK = "at_risk_accounts"
TRUTH_LOCATION_GAP = "location_gap"
TRUTH_COMPETITOR_GAP = "competitor_gap"
TRUTH_TOP_DRIVER = "top_driver"
TRUTH_LATENT = "latent_needs"
TRUTH_SLICE_GAPS = "slice_gaps"
TRUTH_SEED = "seed"
TRUTH_LOCATIONS = "locations"
TRUTH_GAP = "gap"

LATENT = "latent"  # flag column of needs_tree()

# Planted facts (need / competitor ids of the generated needs and competitors;
# the gap competitor, COMPETITOR_GAP_COMPETITOR, is defined with the competitor assignment).
TOP_DRIVER_NEED = "N09"
LOCATION_GAP_NEED = "N04"
COMPETITOR_GAP_NEED = "N18"
LOCATION_GAP_LOW = -3.2  # shift of the low site on the gap need
LOCATION_GAP_HIGH = 1.0  # shift of the high site
COMPETITOR_GAP_SIZE = 2.8
WINNER_SHARE = 0.5  # share of the at-risk shift the winning competitor is spared
AT_RISK_SHIFT = -3.0  # shift of every performance rating at an at-risk account
SLICE_GAP_NO_EXECUTIVE = "no executive decision-maker among the contacts (none interviewed, none known)"
SLICE_GAP_NO_QUALITY = "Quality department not interviewed (a Quality contact is known but was not interviewed)"

COMPETITOR_OFFSET = {"CMP1": -0.3, "CMP2": -0.15, "CMP3": 0.1}
# Needs each department cares a little more about (stated importance shift).
DEPARTMENT_FOCUS: dict[str, tuple[str, ...]] = {
    PURCHASING: ("N12", "N13", "N14", "N17", "N20"),
    ENGINEERING: ("N08", "N10", "N18", "N20"),
    QUALITY: ("N02", "N03", "N09"),
    OPERATIONS: ("N01", "N04", "N05"),
    LOGISTICS: ("N04", "N06", "N07"),
    FINANCE: ("N12", "N13"),
    RND: ("N10", "N18", "N19"),
    MAINTENANCE: ("N01", "N11"),
}


@dataclass
class Sample:
    """A generated sample assessment and its planted truth.

    Attributes
    ----------
    tables
        One DataFrame per table of :data:`cra_helpers.schema.TABLE_ORDER`,
        keyed by table name, columns exactly the contract's.
    truth
        The planted facts (see the module docstring); JSON-serialisable.
    verbatim_truth
        One row per verbatim: ``verbatim_id``, ``tertiary``, ``secondary``,
        ``primary`` (need names; ``Off-topic`` for off-topic remarks) and
        ``polarity`` (``negative`` / ``neutral`` / ``positive``, planted by
        the rule of the module docstring).
    """

    tables: dict[str, pd.DataFrame]
    truth: dict[str, Any]
    verbatim_truth: pd.DataFrame = field(repr=False)


def needs_tree() -> pd.DataFrame:
    """Return the needs hierarchy as a flat table.

    Returns
    -------
    DataFrame
        One row per tertiary need with columns ``primary``, ``secondary``,
        ``tertiary``, ``need_id`` (empty for latent needs) and ``latent``.
    """
    rows = []
    for group in load_needs_bank()["primary_groups"]:
        for need in group["needs"]:
            for tert in need["tertiary"]:
                rows.append({
                    PRIMARY: group["name"],
                    SECONDARY: need["name"],
                    TERTIARY: tert["name"],
                    s.NEED_ID: need.get("need_id"),
                    LATENT: bool(need.get("latent", False)),
                })
    return pd.DataFrame(rows)


def generate_accounts(n: int, seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """Generate ``n`` synthetic accounts and their 3-year sales history.

    Vectorised with numpy; 250,000 accounts take a few seconds. About 15 %
    of accounts (the largest active customers) are flagged as key accounts.

    Parameters
    ----------
    n
        Number of accounts (at least 1).
    seed
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    dict of str to DataFrame
        ``{"accounts": ..., "sales_history": ...}`` with the contract's columns.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    rng = np.random.default_rng(seed)
    accounts, hidden = _draw_accounts(rng, n, max(1, int(round(KEY_ACCOUNT_SHARE * n))))
    sales = _sales_history(accounts, hidden)
    return {
        s.ACCOUNTS: accounts[s.TABLES[s.ACCOUNTS].column_names],
        s.SALES_HISTORY: sales[s.TABLES[s.SALES_HISTORY].column_names],
    }


# --------------------------------------------------------------------------
# The full sample, in phases
# --------------------------------------------------------------------------
def _round_clip(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.clip(np.round(x), lo, hi)


def _plant_at_risk(rng: np.random.Generator, accounts: pd.DataFrame, hidden: dict[str, np.ndarray],
                   roles: _Roles) -> None:
    """Shrinking sales, rising returns, no referrals and a thin margin at the at-risk accounts (in place)."""
    for a in roles.at_risk:
        hidden["growth"][a] = rng.uniform(-0.24, -0.14, len(PERIODS) - 1)
        hidden["quality"][a] = rng.uniform(3.5, 4.5)
        hidden["quality_trend"][a] = np.linspace(0.7, 1.3, len(PERIODS))
        accounts.at[a, s.REFERRALS] = 0
        accounts.at[a, s.GROSS_MARGIN] = round(float(rng.uniform(12.0, 18.0)), 1)


def _needs(bank: dict[str, Any]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The rated needs of the bank and their mean stated importance and performance."""
    need_rows, imp_mu, perf_mu = [], [], []
    for group in bank["primary_groups"]:
        for need in group["needs"]:
            if need.get("latent"):
                continue
            need_rows.append({s.NEED_ID: need["need_id"], s.NEED_NAME: need["name"],
                              s.PRIMARY_GROUP: group["name"], s.DESCRIPTION: need["description"]})
            imp_mu.append(float(need["importance"]))
            perf_mu.append(float(need["performance"]))
    return pd.DataFrame(need_rows), np.array(imp_mu), np.array(perf_mu)


def _interviews(rng: np.random.Generator, accounts: pd.DataFrame, contacts: pd.DataFrame, interviewed: pd.Series,
                key_idx: np.ndarray, start: np.datetime64 = INTERVIEW_START, wave: str = WAVE_LABEL) -> pd.DataFrame:
    """One interview per interviewed contact, with the contact's columns and ``_acc`` (account row)."""
    acc_row = {aid: i for i, aid in enumerate(accounts[s.ACCOUNT_ID].to_numpy())}
    iv = contacts[interviewed.to_numpy()].copy()
    iv["_acc"] = iv[s.ACCOUNT_ID].map(acc_row)
    acc_start = {int(a): int(rng.integers(0, INTERVIEW_WORKDAYS - 8)) for a in key_idx}
    acc_interviewer = {int(a): int(rng.integers(0, len(INTERVIEWERS))) for a in key_idx}
    day = np.array([acc_start[a] + int(rng.integers(0, 9)) for a in iv["_acc"]])
    iv[s.DATE] = pd.to_datetime(np.busday_offset(start, day, roll="forward"))
    who = []
    for a in iv["_acc"]:
        main = acc_interviewer[a]
        if rng.random() >= 0.8:  # now and then a colleague stands in
            main = int(rng.integers(0, len(INTERVIEWERS)))
        who.append(INTERVIEWERS[main])
    iv[s.INTERVIEWER] = who
    iv[s.DURATION_MIN] = rng.integers(45, 61, len(iv)).astype(np.int64)
    iv = iv.sort_values([s.DATE, s.CONTACT_ID], kind="stable").reset_index(drop=True)
    iv[s.INTERVIEW_ID] = _ids("I", len(iv))
    iv[s.WAVE] = wave
    return iv


@dataclass
class _Effects:
    """Random effects of the performance model: per account, per account x need, per interview row."""

    acc_eff: dict[int, float]
    acc_need: dict[int, np.ndarray]
    resp: np.ndarray


@dataclass
class _Performance:
    """Our performance on every (interview, need): continuous, site shift, rounded; the gap sites; the effects."""

    cont: np.ndarray
    site_shift: np.ndarray
    rounded: np.ndarray
    gap_sites: list[str]  # low site, high site of the location gap
    effects: _Effects | None = None


def _draw_effects(rng: np.random.Generator, n_iv: int, n_need: int, roles: _Roles) -> _Effects:
    acc_eff = {int(a): rng.normal(0.0, 0.3) for a in roles.key_idx}
    for a in roles.at_risk:
        acc_eff[a] = AT_RISK_SHIFT + rng.normal(0.0, 0.15)
    acc_need = {int(a): rng.normal(0.0, 0.3, n_need) for a in roles.key_idx}
    return _Effects(acc_eff, acc_need, rng.normal(0.0, 0.5, n_iv))


def _performance(rng: np.random.Generator, iv: pd.DataFrame, roles: _Roles, accounts: pd.DataFrame,
                 locations: pd.DataFrame, comp_of: dict[int, list[str]], perf_mu: np.ndarray,
                 need_ids: list[str], effects: _Effects | None = None,
                 shift: np.ndarray | None = None) -> _Performance:
    """Our performance: need mean + account + account x need + respondent + noise, plus the planted shifts.

    ``effects`` (default: drawn) lets a later wave keep the random effects of the first; ``shift`` (interview x
    need) is added like the site shifts, so competitor ratings do not follow it.
    """
    n_iv, n_need = len(iv), len(need_ids)
    a_of = iv["_acc"].to_numpy()
    effects = effects or _draw_effects(rng, n_iv, n_need, roles)
    acc_eff, acc_need, resp = effects.acc_eff, effects.acc_need, effects.resp
    noise_sd = np.full(n_need, 0.85)
    noise_sd[need_ids.index(TOP_DRIVER_NEED)] = 1.45  # real spread on the top driver
    eps = rng.normal(0.0, 1.0, (n_iv, n_need)) * noise_sd
    base = (perf_mu[None, :] + np.array([acc_eff[a] for a in a_of])[:, None]
            + np.vstack([acc_need[a] for a in a_of]) + resp[:, None] + eps)
    site_shift = np.zeros((n_iv, n_need))
    gap_account = locations[s.ACCOUNT_ID] == accounts[s.ACCOUNT_ID].to_numpy()[roles.location_gap]
    gap_locs = locations.loc[gap_account, s.LOCATION_ID].tolist()
    low_loc, high_loc = gap_locs[1], gap_locs[0]
    lg = need_ids.index(LOCATION_GAP_NEED)
    site_shift[(iv[s.LOCATION_ID] == low_loc).to_numpy(), lg] = LOCATION_GAP_LOW
    site_shift[(iv[s.LOCATION_ID] == high_loc).to_numpy(), lg] = LOCATION_GAP_HIGH
    if shift is not None:
        site_shift = site_shift + shift
    perf_cont = base + site_shift
    perf = _round_clip(perf_cont, *PERFORMANCE_SCALE)
    # Where the gap competitor is active nobody gives us a 10 on the gap need (it stays strictly ahead).
    cg = need_ids.index(COMPETITOR_GAP_NEED)
    gap_rows = np.array([COMPETITOR_GAP_COMPETITOR in comp_of[a] for a in a_of])
    perf[gap_rows, cg] = np.minimum(perf[gap_rows, cg], 9)
    return _Performance(perf_cont, site_shift, perf, [low_loc, high_loc], effects)


def _importance(rng: np.random.Generator, iv: pd.DataFrame, imp_mu: np.ndarray, need_ids: list[str]) -> np.ndarray:
    """Stated importance: need mean + respondent + department focus + noise."""
    n_iv, n_need = len(iv), len(need_ids)
    dept_shift = np.zeros((n_iv, n_need))
    for k, dept in enumerate(iv[s.DEPARTMENT]):
        for nid in DEPARTMENT_FOCUS.get(dept, ()):
            dept_shift[k, need_ids.index(nid)] = 0.8
    return _round_clip(imp_mu[None, :] + rng.normal(0, 0.5, n_iv)[:, None] + dept_shift
                       + rng.normal(0, 0.9, (n_iv, n_need)), 1, 10)


def _loyalty(rng: np.random.Generator, iv: pd.DataFrame, perf: np.ndarray, roles: _Roles,
             need_ids: list[str], sow_base: dict[int, float] | None = None) -> pd.DataFrame:
    """Satisfaction and loyalty follow performance (the top driver dominates); low at at-risk accounts."""
    n_iv = len(iv)
    a_of = iv["_acc"].to_numpy()
    at_risk_iv = np.isin(a_of, roles.at_risk)
    w = np.full(len(need_ids), 0.015)
    w[need_ids.index(TOP_DRIVER_NEED)] = 0.55
    sat_cont = 1.3 + perf @ w - 0.6 * at_risk_iv + rng.normal(0, 0.55, n_iv)
    sat = _round_clip(sat_cont, *PERFORMANCE_SCALE)
    dm = (iv[s.DECISION_ROLE] == DECISION_MAKER).to_numpy()
    rec = _round_clip(sat_cont - 0.3 + rng.normal(0, 0.8, n_iv), 0, 10)
    rec[at_risk_iv & dm] = np.minimum(rec[at_risk_iv & dm], 6)
    cont = _round_clip(sat_cont + 1.0 - 1.5 * at_risk_iv + rng.normal(0, 0.8, n_iv), 1, 10)
    incr = _round_clip(sat_cont - 0.8 - 1.0 * at_risk_iv + rng.normal(0, 0.9, n_iv), 1, 10)
    sow_base = sow_base or {int(a): (rng.uniform(15, 28) if a in roles.at_risk else rng.uniform(45, 80))
                            for a in roles.key_idx}
    sow = np.clip(np.round((np.array([sow_base[a] for a in a_of]) + rng.normal(0, 6, n_iv)) / 5) * 5, 0, 100)
    dont_know = rng.random(n_iv) < np.where(iv[s.LEVEL] == OPERATIONAL, 0.15, 0.04)
    sow[dont_know] = np.nan
    loy = {s.SATISFACTION: sat, s.RECOMMEND: rec, s.CONTINUE: cont, s.INCREASE: incr}
    for arr in loy.values():
        arr[rng.random(n_iv) < 0.01] = np.nan
    return pd.DataFrame({s.INTERVIEW_ID: iv[s.INTERVIEW_ID], **loy, s.SHARE_OF_WALLET: sow})


def _ratings(rng: np.random.Generator, iv: pd.DataFrame, imp: np.ndarray, perf: _Performance, roles: _Roles,
             comp_of: dict[int, list[str]], need_ids: list[str], fixed: tuple[dict, dict] | None = None,
             keep: dict[str, Any] | None = None) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The ratings table (ours and each active competitor's) and our recorded importance and performance.

    Competitors are rated close to us, except on the planted competitor gap
    and at at-risk accounts, where one competitor is winning (rated about
    where we would be). About 1 % of our and 2 % of competitor ratings are
    missing. ``fixed`` = (competitor x need offsets, winner per at-risk account) of an earlier wave, drawn if
    None; ``keep`` (a dict) receives them under ``"fixed"``.
    """
    n_need = len(need_ids)
    a_of = iv["_acc"].to_numpy()
    cg = need_ids.index(COMPETITOR_GAP_NEED)
    comp_ids = [c for c, _ in COMPETITORS]
    if fixed is None:
        comp_need = {c: rng.normal(0.0, 0.12, n_need) for c in comp_ids}
        winner = {a: comp_of[a][int(rng.integers(0, len(comp_of[a])))] for a in roles.at_risk}
    else:
        comp_need, winner = fixed
    if keep is not None:
        keep["fixed"] = (comp_need, winner)
    imp_obs = imp.copy()
    perf_obs = perf.rounded.copy()
    imp_obs[rng.random(imp.shape) < 0.01] = np.nan
    perf_obs[rng.random(perf.rounded.shape) < 0.01] = np.nan
    blocks = []
    for c in comp_ids:
        rows_i = np.flatnonzero([c in comp_of[a] for a in a_of])
        if not len(rows_i):
            continue
        cp = (perf.cont[rows_i] - perf.site_shift[rows_i] + COMPETITOR_OFFSET[c] + comp_need[c][None, :]
              + rng.normal(0, 0.6, (len(rows_i), n_need)))
        wins = np.array([winner.get(int(a)) == c for a in a_of[rows_i]])
        cp -= WINNER_SHARE * AT_RISK_SHIFT * wins[:, None]
        if c == COMPETITOR_GAP_COMPETITOR:
            cp[:, cg] += COMPETITOR_GAP_SIZE
        cp = _round_clip(cp, 1, 10)
        if c == COMPETITOR_GAP_COMPETITOR:  # every respondent rates it above us
            cp[:, cg] = np.minimum(np.maximum(cp[:, cg], perf.rounded[rows_i, cg] + 1), 10)
        cp[rng.random(cp.shape) < 0.02] = np.nan
        blocks.append(pd.DataFrame({
            "_row": np.repeat(rows_i, n_need),
            "_need": np.tile(np.arange(n_need), len(rows_i)),
            s.COMPETITOR_ID: c,
            s.COMPETITOR_PERFORMANCE: cp.ravel(),
        }))
    long = pd.concat(blocks, ignore_index=True).sort_values(["_row", "_need", s.COMPETITOR_ID], kind="stable")
    ratings = pd.DataFrame({
        s.INTERVIEW_ID: iv[s.INTERVIEW_ID].to_numpy()[long["_row"]],
        s.NEED_ID: np.array(need_ids, dtype=object)[long["_need"]],
        s.IMPORTANCE: imp_obs[long["_row"], long["_need"]],
        s.PERFORMANCE: perf_obs[long["_row"], long["_need"]],
        s.COMPETITOR_ID: long[s.COMPETITOR_ID].to_numpy(),
        s.COMPETITOR_PERFORMANCE: long[s.COMPETITOR_PERFORMANCE].to_numpy(),
    }).reset_index(drop=True)
    return ratings, imp_obs, perf_obs


def _truth(seed: int, bank: dict[str, Any], accounts: pd.DataFrame, roles: _Roles, gap_sites: list[str]
           ) -> dict[str, Any]:
    """The planted facts, keyed as in ``truth.json``."""
    acc_ids = accounts[s.ACCOUNT_ID].to_numpy()
    latent = [n["name"] for g in bank["primary_groups"] for n in g["needs"] if n.get("latent")]
    return {
        TRUTH_KEY_ACCOUNTS: sorted(acc_ids[roles.key_idx].tolist()),
        TRUTH_AT_RISK: sorted(acc_ids[roles.at_risk].tolist()),
        TRUTH_LOCATION_GAP: {s.ACCOUNT_ID: str(acc_ids[roles.location_gap]), s.NEED_ID: LOCATION_GAP_NEED,
                             TRUTH_LOCATIONS: list(gap_sites)},
        TRUTH_COMPETITOR_GAP: {s.NEED_ID: COMPETITOR_GAP_NEED, s.COMPETITOR_ID: COMPETITOR_GAP_COMPETITOR},
        TRUTH_TOP_DRIVER: {s.NEED_ID: TOP_DRIVER_NEED},
        TRUTH_LATENT: latent,
        TRUTH_SLICE_GAPS: [
            {s.ACCOUNT_ID: str(acc_ids[roles.no_exec]), TRUTH_GAP: SLICE_GAP_NO_EXECUTIVE},
            {s.ACCOUNT_ID: str(acc_ids[roles.no_quality]), TRUTH_GAP: SLICE_GAP_NO_QUALITY},
        ],
        TRUTH_SEED: int(seed),
    }


def generate_sample(seed: int = DEFAULT_SEED, n_accounts: int = 80) -> Sample:
    """Generate the synthetic sample assessment with its planted truth.

    Four random streams spawned from ``seed`` feed the phases: accounts and
    their planted facts, people (sites, contacts, competitors, interviews),
    ratings and loyalty, and verbatims.

    Parameters
    ----------
    seed
        Seed of the random streams (:func:`numpy.random.default_rng`).
    n_accounts
        Number of accounts (at least 40: 12 of them become key accounts).

    Returns
    -------
    Sample
        Tables keyed by :data:`cra_helpers.schema.TABLE_ORDER`, the truth
        dictionary and the verbatim truth table.
    """
    return _generate(seed, n_accounts)[0]


def _generate(seed: int = DEFAULT_SEED, n_accounts: int = 80) -> tuple[Sample, dict[str, Any]]:
    """The sample and the generator's inner state (roles, effects, …) that a later wave builds on."""
    if n_accounts < 40:
        raise ValueError("n_accounts must be at least 40")
    seq = np.random.SeedSequence(seed)
    r_acc, r_people, r_ratings, r_text = (np.random.default_rng(x) for x in seq.spawn(4))
    bank = load_needs_bank()

    accounts, hidden = _draw_accounts(r_acc, n_accounts, N_KEY_ACCOUNTS)
    roles = _assign_roles(r_acc, np.flatnonzero(hidden["key"]))
    _plant_at_risk(r_acc, accounts, hidden, roles)
    sales = _sales_history(accounts, hidden)

    locations = _locations(r_people, accounts, hidden, roles)
    contacts, interviewed = _contacts(r_people, accounts, hidden, roles, locations)
    comp_of = _competitor_assignment(r_people, roles)
    needs, imp_mu, perf_mu = _needs(bank)
    need_ids = needs[s.NEED_ID].tolist()
    iv = _interviews(r_people, accounts, contacts, interviewed, roles.key_idx)

    perf = _performance(r_ratings, iv, roles, accounts, locations, comp_of, perf_mu, need_ids)
    imp = _importance(r_ratings, iv, imp_mu, need_ids)
    loyalty = _loyalty(r_ratings, iv, perf.rounded, roles, need_ids)
    kept: dict[str, Any] = {}
    ratings, imp_obs, perf_obs = _ratings(r_ratings, iv, imp, perf, roles, comp_of, need_ids, keep=kept)

    verbatims, vtruth = _verbatims(r_text, bank, iv, perf.rounded, imp, perf_obs, imp_obs, need_ids, accounts,
                                   locations, comp_of)
    tables = {
        s.ACCOUNTS: accounts,
        s.SALES_HISTORY: sales,
        s.LOCATIONS: locations,
        s.CONTACTS: contacts,
        s.COMPETITORS: pd.DataFrame(COMPETITORS, columns=[s.COMPETITOR_ID, s.COMPETITOR_NAME]),
        s.NEEDS: needs,
        s.INTERVIEWS: iv[s.TABLES[s.INTERVIEWS].column_names].copy(),
        s.RATINGS: ratings,
        s.LOYALTY: loyalty,
        s.VERBATIMS: verbatims,
    }
    tables = {name: tables[name][s.TABLES[name].column_names].reset_index(drop=True) for name in s.TABLE_ORDER}
    sample = Sample(tables=tables, truth=_truth(seed, bank, accounts, roles, perf.gap_sites), verbatim_truth=vtruth)
    state = dict(bank=bank, accounts=accounts, roles=roles, locations=locations, contacts=contacts, iv=iv,
                 comp_of=comp_of, imp_mu=imp_mu, perf_mu=perf_mu, need_ids=need_ids, perf=perf, fixed=kept["fixed"])
    return sample, state


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------
def write_sample(out_dir: str | Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Generate the sample and write it to ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing).
    seed
        Seed passed to :func:`generate_sample`.

    Returns
    -------
    list of Path
        ``assessment.xlsx`` (one sheet per table), ``truth.json`` (sorted keys,
        indent 2) and ``verbatim_truth.csv``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sample = generate_sample(seed=seed)
    xlsx = write_workbook(sample.tables, out / XLSX_NAME)
    truth = out / TRUTH_NAME
    truth.write_text(json.dumps(sample.truth, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    vt = out / VERBATIM_TRUTH_NAME
    vt.write_bytes(sample.verbatim_truth.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return [xlsx, truth, vt]
