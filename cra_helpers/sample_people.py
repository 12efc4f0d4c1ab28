"""Sites, contacts and competitors of the key accounts of the synthetic sample.

Each key account gets a headquarters and 1-3 further sites, a *diagonal
slice* of interviewed contacts (:data:`~cra_helpers.sample_text.CORE_SLICE`
plus random draws) and a few known contacts who were not interviewed, and
1-2 active competitors. Two key accounts are planted at risk, one carries
the location gap and two carry the slice gaps (:class:`_Roles`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import schema as s
from .sample_accounts import _country_table, _ids
from .sample_text import (
    COMPETITORS,
    CORE_SLICE,
    DEPARTMENTS_BY_LEVEL,
    EXECUTIVE,
    FINANCE,
    INFLUENCER,
    LEVEL_WEIGHTS,
    MANAGEMENT,
    NAME_POOLS,
    PLANTS_ABROAD,
    PURCHASING,
    QUALITY,
    ROLE_WEIGHTS,
    SITE_KINDS,
    TITLES,
)

COMPETITOR_GAP_COMPETITOR = "CMP2"
"""Competitor rated well above us on the competitor-gap need (made active at every second key account)."""


def _pick(rng: np.random.Generator, options: tuple[tuple[str, float], ...]) -> str:
    names = [o[0] for o in options]
    p = np.array([o[1] for o in options], dtype=float)
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def _ascii(text: str) -> str:
    text = text.replace("ß", "ss").replace("ı", "i").replace("ł", "l").replace("ø", "o").replace("æ", "ae")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", _ascii(text).lower())


@dataclass
class _Roles:
    key_idx: np.ndarray  # row indices of key accounts in the accounts frame
    at_risk: list[int]
    location_gap: int
    no_exec: int
    no_quality: int


def _assign_roles(rng: np.random.Generator, key_idx: np.ndarray) -> _Roles:
    perm = rng.permutation(key_idx)
    return _Roles(key_idx=key_idx, at_risk=sorted(int(x) for x in perm[:2]), location_gap=int(perm[2]),
                  no_exec=int(perm[3]), no_quality=int(perm[4]))


def _locations(rng: np.random.Generator, accounts: pd.DataFrame, hidden: dict[str, np.ndarray],
               roles: _Roles) -> pd.DataFrame:
    ct = _country_table()
    rows = []
    for i in range(len(accounts)):
        c = ct.iloc[int(hidden["country"][i])]
        acc_id = accounts.at[i, s.ACCOUNT_ID]
        cities = list(c["cities"])
        if hidden["key"][i]:
            n_loc = int(rng.choice([2, 3, 4], p=[0.4, 0.4, 0.2]))
            order = rng.permutation(len(cities))
            hq_city = cities[order[0]]
            sites = [(f"{hq_city} headquarters", hq_city, c["country"])]
            others = [cities[j] for j in order[1:]]
            for k in range(1, n_loc):
                if rng.random() < 0.3 or not others:  # a plant abroad
                    country, _, city = PLANTS_ABROAD[int(rng.integers(0, len(PLANTS_ABROAD)))]
                    if any(city == x[1] for x in sites):
                        if not others:
                            continue
                        city, country = others.pop(0), c["country"]
                else:
                    city, country = others.pop(0), c["country"]
                kind = _pick(rng, SITE_KINDS)
                sites.append((f"{city} {kind}", city, country))
        else:
            if rng.random() >= 0.7:
                continue
            city = cities[int(rng.integers(0, len(cities)))]
            sites = [(f"{city} head office", city, c["country"])]
        for site, city, country in sites:
            rows.append({s.ACCOUNT_ID: acc_id, s.SITE: site, s.CITY: city, s.COUNTRY: country})
    loc = pd.DataFrame(rows)
    loc.insert(0, s.LOCATION_ID, _ids("L", len(loc)))
    return loc[s.TABLES[s.LOCATIONS].column_names]


def _person(rng: np.random.Generator, pool: str, used: set[str]) -> tuple[str, str]:
    firsts, lasts = NAME_POOLS[pool if rng.random() < 0.85 else "intl"]
    for _ in range(100):
        first = firsts[int(rng.integers(0, len(firsts)))]
        last = lasts[int(rng.integers(0, len(lasts)))]
        if f"{first} {last}" not in used:
            used.add(f"{first} {last}")
            return first, last
    raise RuntimeError("name pool exhausted")  # pragma: no cover


def _slice_for_account(rng: np.random.Generator, n_int: int, no_exec: bool, no_quality: bool
                       ) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """Return (interviewed, known-not-interviewed) (level, department, role) triples."""
    core = [r for r in CORE_SLICE if not (no_exec and r[0] == EXECUTIVE) and not (no_quality and r[1] == QUALITY)]
    if no_exec:
        core.append((MANAGEMENT, FINANCE, INFLUENCER))
    core = core[:n_int]

    def draw() -> tuple[str, str, str]:
        while True:
            level = _pick(rng, LEVEL_WEIGHTS)
            if no_exec and level == EXECUTIVE:
                continue
            dept = _pick(rng, DEPARTMENTS_BY_LEVEL[level])
            if no_quality and dept == QUALITY:
                continue
            return level, dept, _pick(rng, ROLE_WEIGHTS[level])

    interviewed = core + [draw() for _ in range(n_int - len(core))]
    n_known = int(rng.integers(1, 5))
    known = [draw() for _ in range(n_known)]
    if no_quality:
        known[0] = (MANAGEMENT, QUALITY, INFLUENCER)
    if no_exec:
        known = [k if k[0] != EXECUTIVE else (MANAGEMENT, k[1], k[2]) for k in known]
    return interviewed, known


def _contacts(rng: np.random.Generator, accounts: pd.DataFrame, hidden: dict[str, np.ndarray], roles: _Roles,
              locations: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Contacts at key accounts; returns the table and an 'interviewed' flag aligned with it."""
    ct = _country_table()
    rows = []
    interviewed_flags = []
    n_ints = rng.integers(11, 20, len(roles.key_idx))
    for a, n_int in zip(roles.key_idx, n_ints):
        a = int(a)
        n_int = int(n_int)
        acc_id = accounts.at[a, s.ACCOUNT_ID]
        c = ct.iloc[int(hidden["country"][a])]
        locs = locations[locations[s.ACCOUNT_ID] == acc_id]
        loc_ids = locs[s.LOCATION_ID].tolist()
        loc_countries = locs[s.COUNTRY].tolist()
        if a == roles.location_gap:
            n_int = max(n_int, 15)
        interviewed, known = _slice_for_account(rng, n_int, a == roles.no_exec, a == roles.no_quality)
        # Sites: executives and purchasing management at headquarters (site 0), the rest spread.
        people = interviewed + known
        w = np.array([0.45] + [0.55 / (len(loc_ids) - 1)] * (len(loc_ids) - 1))
        site_of = rng.choice(len(loc_ids), size=len(people), p=w)
        at_hq = np.array([lvl == EXECUTIVE or (lvl == MANAGEMENT and dept == PURCHASING) for lvl, dept, _ in people])
        site_of[at_hq] = 0
        if a == roles.location_gap:
            # Enough interviews at the two compared sites: 7 more at site 1, 4 more at headquarters.
            movable = [k for k in range(len(interviewed)) if not at_hq[k]]
            site_of[movable[:7]] = 1
            site_of[movable[7:11]] = 0
        used: set[str] = set()
        domain = "-".join(_slug(w_) for w_ in str(accounts.at[a, s.ACCOUNT_NAME]).split()[:2]) + ".example"
        style = int(rng.integers(0, 3))
        for k, (level, dept, role) in enumerate(people):
            loc_i = int(site_of[k])
            country = loc_countries[loc_i]
            pool = c["pool"]
            prefix = c["prefix"]
            for ab_country, ab_prefix, _city in PLANTS_ABROAD:
                if country == ab_country:
                    pool, prefix = "intl", ab_prefix
            first, last = _person(rng, pool, used)
            f, l_ = _slug(first), _slug(last)
            local = (f"{f}.{l_}", f"{f[0]}.{l_}", f"{f[0]}{l_}")[style]
            title_opts = TITLES[(level, dept)]
            rows.append({
                s.ACCOUNT_ID: acc_id,
                s.LOCATION_ID: loc_ids[loc_i],
                s.CONTACT_NAME: f"{first} {last}",
                s.TITLE: title_opts[int(rng.integers(0, len(title_opts)))],
                s.LEVEL: level,
                s.DEPARTMENT: dept,
                s.DECISION_ROLE: role,
                s.EMAIL: f"{local}@{domain}" if rng.random() > 0.04 else None,
                s.PHONE: f"{prefix} {int(rng.integers(20, 99))} 555 {int(rng.integers(0, 10000)):04d}"
                if rng.random() > 0.15 else None,
            })
            interviewed_flags.append(k < len(interviewed))
    con = pd.DataFrame(rows)
    con.insert(0, s.CONTACT_ID, _ids("C", len(con), 4))
    return con[s.TABLES[s.CONTACTS].column_names], pd.Series(interviewed_flags, index=con.index)


def _competitor_assignment(rng: np.random.Generator, roles: _Roles) -> dict[int, list[str]]:
    """1-2 active competitors per key account; the gap competitor at several accounts."""
    ids = [c for c, _ in COMPETITORS]
    out: dict[int, list[str]] = {}
    for j, a in enumerate(roles.key_idx):
        n_c = 1 + int(rng.random() < 0.5)
        chosen = list(rng.choice(ids, size=n_c, replace=False))
        if j % 2 == 0 and COMPETITOR_GAP_COMPETITOR not in chosen:
            chosen = [COMPETITOR_GAP_COMPETITOR] + chosen[:1]
        out[int(a)] = sorted(str(c) for c in chosen)
    return out
