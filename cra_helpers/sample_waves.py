"""The second wave of the synthetic sample: the same portfolio a year later, with planted changes.

:func:`generate_second_wave` re-runs the first wave's generator
(:func:`cra_helpers.sample.generate_sample`, same seed) and draws the next
wave of the *same* portfolio from the *same* model: the same accounts, sites,
needs and competitors and the same random effects of the performance model
(account, account x need, and each re-interviewed contact's own level), so
that a re-interviewed contact answers like the same person. Most interviewees
of the first wave are interviewed again (:data:`RETAIN_SHARE`); the others have
left and are replaced by a new contact in the same role at the same site.
Interview and verbatim ids continue the first wave's numbering.

Only these changes are planted (written to ``waves/truth_waves.json``):

``improved``
    Our performance on :data:`IMPROVED_NEED` rises by :data:`NEED_CHANGE`
    points (1-10 scale, before rounding) at the key account with the most
    interviews that carries no planted fact of the first wave.
``worsened``
    Our performance on :data:`WORSENED_NEED` falls by :data:`NEED_CHANGE`
    points at the next such account. The competitors' ratings do not follow
    either change, so the competitor difference moves by the opposite amount.
``turned_at_risk``
    One further account turns at risk exactly as the first wave's at-risk
    accounts are made: our performance falls by ``AT_RISK_SHIFT`` (3 points)
    on every need, satisfaction, recommendation, continuation and increase
    fall with it, and one competitor wins (rated about 1.5 points above the
    others there).

Everything else keeps its expectation: stated importance, the first wave's
at-risk accounts, the location and competitor gaps. The share-of-wallet level
of each account is drawn afresh from the same distribution.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import schema as s
from .sample import (AT_RISK_SHIFT, DEFAULT_SEED, INTERVIEW_START, WAVE_LABEL, XLSX_NAME, Sample,
                     _Effects, _generate, _importance, _interviews, _loyalty, _performance, _ratings, _verbatims)
from .sample_people import _person, _slug
from .sample_text import NAME_POOLS
from .sample_workbook import write_workbook

__all__ = ["generate_second_wave", "write_waves", "second_wave_label", "WAVES_DIR", "TRUTH_WAVES_NAME",
           "IMPROVED_NEED", "WORSENED_NEED", "NEED_CHANGE", "RETAIN_SHARE"]

WAVES_DIR = "waves"
TRUTH_WAVES_NAME = "truth_waves.json"
RETAIN_SHARE = 0.8
"""Share of the first wave's interviewees interviewed again (the others leave and are replaced)."""
IMPROVED_NEED = "N12"  # a need with a low mean, so that +2 points stay inside the 1-10 scale
WORSENED_NEED = "N08"  # a need with a high mean
NEED_CHANGE = 2.0
"""Size of the planted need changes, points on the 1-10 performance scale (before rounding)."""
WAVE_STREAM = 4  # child of the seed's SeedSequence used by the second wave (the first wave uses 0-3)

# Keys of truth_waves.json
TRUTH_PREVIOUS = "previous_wave"
TRUTH_CURRENT = "wave"
TRUTH_CHANGES = "changes"
TRUTH_KIND = "kind"
TRUTH_DIRECTION = "direction"
TRUTH_SIZE = "size"
TRUTH_METRIC = "metric"
TRUTH_CONTACTS = "contacts"
IMPROVED, WORSENED, TURNED_AT_RISK = "improved", "worsened", "turned_at_risk"
UP, DOWN = "up", "down"


def second_wave_label(first: str = WAVE_LABEL) -> str:
    """The next wave's label: one year after ``first``.

    Examples
    --------
    >>> second_wave_label("2026")
    '2027'
    """
    return str(int(first) + 1)


def _next_ids(prefix: str, existing: pd.Series, n: int) -> list[str]:
    """``n`` ids continuing the numbering of ``existing`` (same prefix and width)."""
    width = max(len(str(x)) for x in existing) - len(prefix)
    last = max(int(str(x)[len(prefix):]) for x in existing)
    return [f"{prefix}{i:0{width}d}" for i in range(last + 1, last + 1 + n)]


def _new_contact(rng: np.random.Generator, old: pd.Series, used: set[str], account_name: str) -> dict[str, Any]:
    """A new person in the role and at the site of ``old`` (who has left)."""
    old_last = str(old[s.CONTACT_NAME]).split(" ", 1)[-1]
    pool = next((k for k, (_, lasts) in NAME_POOLS.items() if old_last in lasts), "intl")
    first, last = _person(rng, pool, used)
    domain = "-".join(_slug(w) for w in str(account_name).split()[:2]) + ".example"
    prefix = str(old[s.PHONE]).split(" 555 ")[0].rsplit(" ", 1)[0] if isinstance(old[s.PHONE], str) else None
    row = old.to_dict()
    row.update({s.CONTACT_NAME: f"{first} {last}", s.EMAIL: f"{_slug(first)}.{_slug(last)}@{domain}",
                s.PHONE: f"{prefix} {int(rng.integers(20, 99))} 555 {int(rng.integers(0, 10000)):04d}"
                if prefix else None})
    return row


def _second_contacts(rng: np.random.Generator, first: Sample, state: dict[str, Any]
                     ) -> tuple[pd.DataFrame, pd.Series, dict[str, int]]:
    """Contacts of the second wave, the 'interviewed' flag aligned with them, and the head counts."""
    contacts = first.tables[s.CONTACTS]
    was = contacts[s.CONTACT_ID].isin(state["iv"][s.CONTACT_ID]).to_numpy()
    stays = was & (rng.random(len(contacts)) < RETAIN_SHARE)
    gone = was & ~stays
    names = first.tables[s.ACCOUNTS].set_index(s.ACCOUNT_ID)[s.ACCOUNT_NAME]
    used = set(contacts[s.CONTACT_NAME])
    new = pd.DataFrame([_new_contact(rng, contacts.iloc[k], used, names[contacts.iloc[k][s.ACCOUNT_ID]])
                        for k in np.flatnonzero(gone)], columns=contacts.columns)
    new[s.CONTACT_ID] = _next_ids("C", contacts[s.CONTACT_ID], len(new))
    out = pd.concat([contacts[~gone], new], ignore_index=True)
    interviewed = pd.Series(np.concatenate([stays[~gone], np.ones(len(new), bool)]), index=out.index)
    counts = {"re_interviewed": int(stays.sum()), "left": int(gone.sum()), "new": len(new)}
    return out[s.TABLES[s.CONTACTS].column_names], interviewed, counts


def _planted_accounts(rng: np.random.Generator, state: dict[str, Any]) -> tuple[int, int, int]:
    """Rows of the improved, worsened and newly at-risk accounts (none with a planted fact of wave one)."""
    roles = state["roles"]
    taken = set(roles.at_risk) | {roles.location_gap}
    sizes = state["iv"].groupby("_acc").size()
    free = [int(a) for a in roles.key_idx if int(a) not in taken]
    by_size = sorted(free, key=lambda a: (-int(sizes.get(a, 0)), a))
    improved, worsened = by_size[0], by_size[1]
    rest = by_size[2:]
    return improved, worsened, int(rest[int(rng.integers(0, len(rest)))])


def _effects(rng: np.random.Generator, state: dict[str, Any], iv: pd.DataFrame, turned: int) -> _Effects:
    """The first wave's effects; the contact's own level kept for those interviewed again; turned account down."""
    old: _Effects = state["perf"].effects
    resp_of = dict(zip(state["iv"][s.CONTACT_ID], old.resp))
    fresh = rng.normal(0.0, 0.5, len(iv))
    resp = np.array([resp_of.get(c, f) for c, f in zip(iv[s.CONTACT_ID], fresh)])
    acc_eff = dict(old.acc_eff)
    acc_eff[turned] += AT_RISK_SHIFT
    return _Effects(acc_eff, {a: v.copy() for a, v in old.acc_need.items()}, resp)


def _interview_rows(rng: np.random.Generator, first: Sample, state: dict[str, Any], contacts: pd.DataFrame,
                    interviewed: pd.Series, wave: str) -> pd.DataFrame:
    start = INTERVIEW_START + np.timedelta64(364 * (int(wave) - int(WAVE_LABEL)), "D")  # the same weekday
    iv = _interviews(rng, state["accounts"], contacts, interviewed, state["roles"].key_idx, start=start, wave=wave)
    iv[s.INTERVIEW_ID] = _next_ids("I", first.tables[s.INTERVIEWS][s.INTERVIEW_ID], len(iv))
    return iv


def generate_second_wave(seed: int = DEFAULT_SEED) -> tuple[Sample, dict[str, Any]]:
    """Generate the next wave of the sample portfolio with the planted changes of the module docstring.

    Parameters
    ----------
    seed
        Seed of the first wave (:func:`cra_helpers.sample.generate_sample`);
        the second wave draws from a further child stream of the same seed.

    Returns
    -------
    (Sample, dict)
        The second wave's tables (contract order; its ``truth`` is the first
        wave's) and the truth of the planted changes, as in ``truth_waves.json``.
    """
    first, st = _generate(seed)
    wave = second_wave_label(str(first.tables[s.INTERVIEWS][s.WAVE].iloc[0]))
    r_people, r_ratings, r_text = (np.random.default_rng(x)
                                   for x in np.random.SeedSequence(seed).spawn(WAVE_STREAM + 1)[-1].spawn(3))
    improved, worsened, turned = _planted_accounts(r_people, st)
    contacts, interviewed, counts = _second_contacts(r_people, first, st)
    iv = _interview_rows(r_people, first, st, contacts, interviewed, wave)
    need_ids, roles, comp_of = st["need_ids"], st["roles"], st["comp_of"]
    roles2 = dataclasses.replace(roles, at_risk=sorted([*roles.at_risk, turned]))
    shift = np.zeros((len(iv), len(need_ids)))
    shift[(iv["_acc"] == improved).to_numpy(), need_ids.index(IMPROVED_NEED)] = NEED_CHANGE
    shift[(iv["_acc"] == worsened).to_numpy(), need_ids.index(WORSENED_NEED)] = -NEED_CHANGE
    perf = _performance(r_ratings, iv, roles2, st["accounts"], st["locations"], comp_of, st["perf_mu"], need_ids,
                        effects=_effects(r_ratings, st, iv, turned), shift=shift)
    imp = _importance(r_ratings, iv, st["imp_mu"], need_ids)
    loyalty = _loyalty(r_ratings, iv, perf.rounded, roles2, need_ids)
    comp_need, winner = st["fixed"]
    winner = {**winner, turned: comp_of[turned][int(r_ratings.integers(0, len(comp_of[turned])))]}
    ratings, imp_obs, perf_obs = _ratings(r_ratings, iv, imp, perf, roles2, comp_of, need_ids,
                                          fixed=(comp_need, winner))
    verbatims, vtruth = _verbatims(r_text, st["bank"], iv, perf.rounded, imp, perf_obs, imp_obs, need_ids,
                                   st["accounts"], st["locations"], comp_of)
    vid = dict(zip(verbatims[s.VERBATIM_ID], _next_ids("V", first.tables[s.VERBATIMS][s.VERBATIM_ID],
                                                      len(verbatims))))
    verbatims[s.VERBATIM_ID] = verbatims[s.VERBATIM_ID].map(vid)
    vtruth[s.VERBATIM_ID] = vtruth[s.VERBATIM_ID].map(vid)
    tables = {**first.tables, s.CONTACTS: contacts, s.INTERVIEWS: iv, s.RATINGS: ratings, s.LOYALTY: loyalty,
              s.VERBATIMS: verbatims}
    tables = {n: tables[n][s.TABLES[n].column_names].reset_index(drop=True) for n in s.TABLE_ORDER}
    acc_ids = st["accounts"][s.ACCOUNT_ID].to_numpy()
    truth = _wave_truth(seed, str(first.tables[s.INTERVIEWS][s.WAVE].iloc[0]), wave,
                        [str(acc_ids[a]) for a in (improved, worsened, turned)], counts, winner[turned])
    return Sample(tables=tables, truth=first.truth, verbatim_truth=vtruth), truth


def _wave_truth(seed: int, previous: str, wave: str, accounts: list[str], counts: dict[str, int],
                winner: str) -> dict[str, Any]:
    improved, worsened, turned = accounts
    return {
        TRUTH_PREVIOUS: previous,
        TRUTH_CURRENT: wave,
        "seed": int(seed),
        TRUTH_CONTACTS: counts,
        TRUTH_CHANGES: [
            {TRUTH_KIND: IMPROVED, s.ACCOUNT_ID: improved, s.NEED_ID: IMPROVED_NEED, TRUTH_METRIC: s.PERFORMANCE,
             TRUTH_DIRECTION: UP, TRUTH_SIZE: NEED_CHANGE},
            {TRUTH_KIND: WORSENED, s.ACCOUNT_ID: worsened, s.NEED_ID: WORSENED_NEED, TRUTH_METRIC: s.PERFORMANCE,
             TRUTH_DIRECTION: DOWN, TRUTH_SIZE: -NEED_CHANGE},
            {TRUTH_KIND: TURNED_AT_RISK, s.ACCOUNT_ID: turned, s.NEED_ID: None, TRUTH_METRIC: s.PERFORMANCE,
             TRUTH_DIRECTION: DOWN, TRUTH_SIZE: AT_RISK_SHIFT, s.COMPETITOR_ID: winner,
             "loyalty": "satisfaction, recommend, continue and increase down; promoters fewer"},
        ],
    }


def write_waves(out_dir: str | Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the second wave beside the first: ``<out_dir>/waves/<wave>/assessment.xlsx`` and its truth.

    Parameters
    ----------
    out_dir
        The sample folder (the first wave's, e.g. ``data/sample``); created if missing.
    seed
        Seed of :func:`generate_second_wave`.

    Returns
    -------
    list of Path
        The workbook and ``waves/truth_waves.json`` (sorted keys, indent 2).
    """
    wave2, truth = generate_second_wave(seed)
    base = Path(out_dir) / WAVES_DIR
    folder = base / truth[TRUTH_CURRENT]
    folder.mkdir(parents=True, exist_ok=True)
    xlsx = write_workbook(wave2.tables, folder / XLSX_NAME)
    path = base / TRUTH_WAVES_NAME
    path.write_text(json.dumps(truth, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return [xlsx, path]
