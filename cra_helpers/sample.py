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
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from . import schema as s

DEFAULT_SEED = 2026
"""Seed of the committed sample in ``data/sample``."""

N_KEY_ACCOUNTS = 12
KEY_ACCOUNT_SHARE = 0.15
RETURNS_PER_1000_UNITS = 0.15
REVENUE_SIGMA = 1.8
"""Share of accounts flagged as key accounts by :func:`generate_accounts`."""

BANK_RESOURCE = "needs_bank.yaml"
WAVE_LABEL = "2026"
PERIODS: tuple[str, ...] = ("2023", "2024", "2025")
INTERVIEW_START = np.datetime64("2026-02-02")  # a Monday
INTERVIEW_WORKDAYS = 30  # six weeks
FIXED_TIMESTAMP = datetime(2026, 1, 5, 9, 0, 0)
"""Created/modified date written into the workbook (keeps the file stable)."""

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

# Columns of verbatim_truth.csv (besides schema.VERBATIM_ID).
TERTIARY = "tertiary"
SECONDARY = "secondary"
PRIMARY = "primary"
POLARITY = "polarity"
OFF_TOPIC = "Off-topic"

# Planted polarity of a verbatim (see "Polarity of the verbatims" above).
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
LATENT = "latent"  # flag column of needs_tree()

# Planted facts (need / competitor ids of the generated needs and competitors).
TOP_DRIVER_NEED = "N09"
LOCATION_GAP_NEED = "N04"
COMPETITOR_GAP_NEED = "N18"
COMPETITOR_GAP_COMPETITOR = "CMP2"
LOCATION_GAP_LOW = -3.2  # shift of the low site on the gap need
LOCATION_GAP_HIGH = 1.0  # shift of the high site
COMPETITOR_GAP_SIZE = 2.8
WINNER_SHARE = 0.5  # share of the at-risk shift the winning competitor is spared
AT_RISK_SHIFT = -3.0  # shift of every performance rating at an at-risk account
SLICE_GAP_NO_EXECUTIVE = "no executive decision-maker among the contacts (none interviewed, none known)"
SLICE_GAP_NO_QUALITY = "Quality department not interviewed (a Quality contact is known but was not interviewed)"

COMPETITORS: tuple[tuple[str, str], ...] = (
    ("CMP1", "Kestrel Components"),
    ("CMP2", "Varanta Industrial"),
    ("CMP3", "Oberlin Precision"),
)
COMPETITOR_OFFSET = {"CMP1": -0.3, "CMP2": -0.15, "CMP3": 0.1}
INTERVIEWERS: tuple[str, ...] = ("Hanna Brecht", "Tom Eriksen", "Lucia Marin")

# --------------------------------------------------------------------------
# Vocabularies of the synthetic world
# --------------------------------------------------------------------------
RELATIONSHIP_SHARES = {"lead": 0.08, "prospect": 0.08, "customer": 0.76, "sales partner": 0.04, "vendor": 0.04}
INDUSTRIES: dict[str, tuple[str, ...]] = {
    "Automotive": ("Automotive", "Mobility", "Drivetrain"),
    "Industrial machinery": ("Machinery", "Automation", "Machine Tools"),
    "Food & beverage": ("Foods", "Food Systems", "Beverages"),
    "Energy": ("Energy", "Power Systems", "Turbines"),
    "Rail": ("Rail", "Rail Systems", "Transit"),
    "Medical technology": ("Medical", "MedTech", "Life Sciences"),
}
INDUSTRY_WEIGHTS = (0.24, 0.30, 0.12, 0.14, 0.09, 0.11)
# region -> (country, phone prefix, weight, cities, legal forms, name pool)
REGIONS: dict[str, tuple[tuple[str, str, float, tuple[str, ...], tuple[str, ...], str], ...]] = {
    "DACH": (
        ("Germany", "+49", 0.70, ("Stuttgart", "Munich", "Hamburg", "Cologne", "Dortmund", "Nuremberg", "Bielefeld"),
         ("GmbH", "AG", "SE"), "de"),
        ("Austria", "+43", 0.15, ("Linz", "Graz", "Salzburg"), ("GmbH",), "de"),
        ("Switzerland", "+41", 0.15, ("Basel", "Winterthur", "Zug"), ("AG",), "de"),
    ),
    "Nordics": (
        ("Sweden", "+46", 0.40, ("Gothenburg", "Västerås", "Malmö"), ("AB",), "nordic"),
        ("Finland", "+358", 0.25, ("Tampere", "Vaasa", "Oulu"), ("Oy",), "nordic"),
        ("Denmark", "+45", 0.20, ("Aarhus", "Odense"), ("A/S",), "nordic"),
        ("Norway", "+47", 0.15, ("Stavanger", "Trondheim"), ("AS",), "nordic"),
    ),
    "Benelux": (
        ("Netherlands", "+31", 0.60, ("Eindhoven", "Rotterdam", "Venlo", "Enschede"), ("B.V.",), "nl"),
        ("Belgium", "+32", 0.40, ("Antwerp", "Ghent", "Liège"), ("NV", "SA"), "nl"),
    ),
    "UK & Ireland": (
        ("United Kingdom", "+44", 0.80, ("Birmingham", "Sheffield", "Derby", "Glasgow", "Leeds"), ("Ltd", "plc"), "uk"),
        ("Ireland", "+353", 0.20, ("Cork", "Galway", "Limerick"), ("Ltd",), "uk"),
    ),
    "Southern Europe": (
        ("Italy", "+39", 0.45, ("Turin", "Bologna", "Brescia"), ("S.p.A.", "S.r.l."), "south"),
        ("Spain", "+34", 0.40, ("Bilbao", "Zaragoza", "Valencia"), ("S.A.", "S.L."), "south"),
        ("Portugal", "+351", 0.15, ("Porto", "Aveiro"), ("S.A.",), "south"),
    ),
}
REGION_WEIGHTS = (0.36, 0.16, 0.16, 0.14, 0.18)
SITE_KINDS: tuple[tuple[str, float], ...] = (
    ("plant", 0.6), ("distribution centre", 0.2), ("R&D centre", 0.1), ("service centre", 0.1),
)
PLANTS_ABROAD: tuple[tuple[str, str, str], ...] = (
    ("Poland", "+48", "Wrocław"),
    ("Czech Republic", "+420", "Pilsen"),
    ("Hungary", "+36", "Győr"),
    ("Slovakia", "+421", "Žilina"),
    ("Romania", "+40", "Timișoara"),
)
NAME_ROOTS: tuple[str, ...] = (
    "Altmark", "Brenner", "Castell", "Dunmore", "Eskil", "Falkenrath", "Grafton", "Helvig", "Ilsen", "Jorvik",
    "Kaltberg", "Lindholm", "Marwick", "Norrland", "Osterwald", "Pellwood", "Quarnstedt", "Rheinfeld", "Solvang",
    "Talbrook", "Ulmstead", "Valdora", "Westerholt", "Ytterby", "Zandvoort", "Arnholt", "Birkenfeld", "Corvara",
    "Dahlberg", "Elmsworth", "Fjordal", "Greystone", "Hallberg", "Isarwerk", "Jadestrom", "Kronvall", "Lakemoor",
    "Montalto", "Nordhavn", "Oakridge", "Pradella", "Ravensholm", "Stenvik", "Thornbury", "Uppsalund", "Varenna",
    "Wexford", "Ardenne", "Bellmont", "Calderon", "Drummond", "Emsland", "Ferrino", "Gotland", "Harwell",
    "Idaro", "Kielmark", "Lorenzetti", "Meridian", "Nevada", "Orlik", "Portola", "Rosmund", "Silberhorn", "Tessaro",
)
PRODUCTS: tuple[str, ...] = (
    "Ball bearings", "Roller bearings", "Linear guides", "Seals", "Gearboxes", "Couplings", "Precision shafts",
    "Custom machined parts",
)
MARKETING_SOURCES: tuple[str, ...] = (
    "Trade fair", "Referral", "Website inquiry", "Cold call", "Distributor introduction", "Webinar",
    "Existing relationship",
)
TOP_ELEMENT_CHOICES: tuple[tuple[str, float], ...] = (
    ("On-time delivery", 3.0), ("Product quality", 3.0), ("Price", 2.5), ("Technical support", 2.0),
    ("Short lead times", 1.6), ("Engineering know-how", 1.2), ("Flexibility", 1.2), ("Fast complaint handling", 1.0),
    ("Personal contact", 0.9), ("Sustainability", 0.6),
)
COMPANY_SIZE_CUTS = (10.8, 12.2, 13.8)  # log-scale cuts between small | medium | large | enterprise

NAME_POOLS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "de": (
        ("Jonas", "Lukas", "Stefan", "Thomas", "Michael", "Andreas", "Katrin", "Sabine", "Julia", "Anna", "Laura",
         "Markus", "Tobias", "Claudia", "Petra", "Felix", "Miriam", "Jürgen"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann", "Schulz", "Koch",
         "Richter", "Wolf", "Neumann", "Zimmermann", "Krüger", "Hartmann", "Lange", "Brandt", "Vogel", "Keller"),
    ),
    "nordic": (
        ("Erik", "Lars", "Anders", "Johan", "Mikko", "Jukka", "Henrik", "Mette", "Ingrid", "Sofia", "Karin", "Elin",
         "Sanna", "Freja", "Nils", "Oskar", "Astrid", "Tuomas"),
        ("Andersson", "Johansson", "Lindberg", "Nilsson", "Eriksson", "Virtanen", "Korhonen", "Mäkinen", "Hansen",
         "Jensen", "Nielsen", "Larsen", "Berg", "Holm", "Lund", "Dahl", "Halvorsen", "Strand", "Nyström", "Sjöberg"),
    ),
    "nl": (
        ("Jeroen", "Pieter", "Bram", "Sander", "Lotte", "Sanne", "Femke", "Joost", "Maarten", "Eline", "Wouter",
         "Inge", "Koen", "Anouk", "Thijs", "Els", "Dirk", "Nathalie"),
        ("de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Peeters",
         "Janssens", "Maes", "Claes", "Willems", "Goossens", "Hendriks", "van Dijk", "Vermeulen", "De Smet", "Wouters"),
    ),
    "uk": (
        ("James", "Oliver", "Sarah", "Emma", "David", "Claire", "Mark", "Rachel", "Paul", "Siobhan", "Liam", "Aoife",
         "Gareth", "Helen", "Ian", "Fiona", "Neil", "Rebecca"),
        ("Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts", "Walker", "Wright", "Murphy",
         "Kelly", "O'Brien", "Byrne", "Campbell", "Hughes", "Morgan", "Clarke", "Patel", "Khan"),
    ),
    "south": (
        ("Marco", "Luca", "Giulia", "Francesca", "Alessandro", "Chiara", "Javier", "Carlos", "Lucía", "Marta",
         "Pablo", "Elena", "João", "Inês", "Miguel", "Sofía", "Davide", "Raquel"),
        ("Rossi", "Bianchi", "Ferrari", "Romano", "Colombo", "Ricci", "Conti", "Greco", "García", "Fernández",
         "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Silva", "Santos", "Ferreira", "Costa", "Oliveira"),
    ),
    "intl": (
        ("Ahmet", "Elif", "Piotr", "Katarzyna", "Tomáš", "Zsófia", "Dimitris", "Ana", "Mehmet", "Agnieszka",
         "Bogdan", "Ioana", "Martin", "Eva"),
        ("Yilmaz", "Kaya", "Kowalski", "Nowak", "Novák", "Horváth", "Papadopoulos", "Popescu", "Demir",
         "Wiśniewska", "Dvořák", "Szabó", "Ionescu", "Kovács"),
    ),
}

EXECUTIVE, MANAGEMENT, OPERATIONAL = s.LEVELS
DECISION_MAKER, INFLUENCER, USER = s.DECISION_ROLES
GENERAL_MANAGEMENT = "General Management"
PURCHASING, ENGINEERING, QUALITY, OPERATIONS, LOGISTICS, FINANCE, RND, MAINTENANCE = (
    "Purchasing", "Engineering", "Quality", "Operations", "Logistics", "Finance", "R&D", "Maintenance",
)
DEPARTMENTS_BY_LEVEL: dict[str, tuple[tuple[str, float], ...]] = {
    EXECUTIVE: ((GENERAL_MANAGEMENT, 0.35), (PURCHASING, 0.2), (ENGINEERING, 0.15), (OPERATIONS, 0.2), (FINANCE, 0.1)),
    MANAGEMENT: ((PURCHASING, 0.2), (ENGINEERING, 0.16), (QUALITY, 0.14), (OPERATIONS, 0.16), (LOGISTICS, 0.12),
                 (FINANCE, 0.07), (RND, 0.08), (MAINTENANCE, 0.07)),
    OPERATIONAL: ((PURCHASING, 0.2), (ENGINEERING, 0.15), (QUALITY, 0.15), (OPERATIONS, 0.15), (LOGISTICS, 0.13),
                  (FINANCE, 0.05), (RND, 0.08), (MAINTENANCE, 0.09)),
}
LEVEL_WEIGHTS = ((EXECUTIVE, 0.1), (MANAGEMENT, 0.38), (OPERATIONAL, 0.52))
ROLE_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    EXECUTIVE: ((DECISION_MAKER, 0.85), (INFLUENCER, 0.15)),
    MANAGEMENT: ((DECISION_MAKER, 0.3), (INFLUENCER, 0.62), (USER, 0.08)),
    OPERATIONAL: ((INFLUENCER, 0.2), (USER, 0.8)),
}
TITLES: dict[tuple[str, str], tuple[str, ...]] = {
    (EXECUTIVE, GENERAL_MANAGEMENT): ("Managing Director", "Chief Executive Officer", "General Manager"),
    (EXECUTIVE, PURCHASING): ("Chief Procurement Officer", "VP Procurement"),
    (EXECUTIVE, ENGINEERING): ("Chief Technology Officer", "VP Engineering"),
    (EXECUTIVE, OPERATIONS): ("Chief Operating Officer", "VP Operations"),
    (EXECUTIVE, FINANCE): ("Chief Financial Officer",),
    (MANAGEMENT, PURCHASING): ("Purchasing Manager", "Head of Strategic Sourcing", "Category Manager"),
    (MANAGEMENT, ENGINEERING): ("Engineering Manager", "Head of Design"),
    (MANAGEMENT, QUALITY): ("Quality Manager", "Head of Supplier Quality"),
    (MANAGEMENT, OPERATIONS): ("Plant Manager", "Production Manager"),
    (MANAGEMENT, LOGISTICS): ("Logistics Manager", "Supply Chain Manager"),
    (MANAGEMENT, FINANCE): ("Finance Manager", "Head of Controlling"),
    (MANAGEMENT, RND): ("R&D Manager", "Head of Development"),
    (MANAGEMENT, MAINTENANCE): ("Maintenance Manager",),
    (OPERATIONAL, PURCHASING): ("Buyer", "Senior Buyer", "Operational Buyer"),
    (OPERATIONAL, ENGINEERING): ("Design Engineer", "Mechanical Engineer", "Application Engineer"),
    (OPERATIONAL, QUALITY): ("Quality Engineer", "Supplier Quality Engineer", "Quality Inspector"),
    (OPERATIONAL, OPERATIONS): ("Production Planner", "Shift Supervisor", "Production Engineer"),
    (OPERATIONAL, LOGISTICS): ("Logistics Coordinator", "Warehouse Supervisor", "Materials Planner"),
    (OPERATIONAL, FINANCE): ("Accounts Payable Specialist",),
    (OPERATIONAL, RND): ("Development Engineer", "Test Engineer"),
    (OPERATIONAL, MAINTENANCE): ("Maintenance Technician", "Maintenance Planner"),
}
# The core of every diagonal slice: (level, department, decision role).
CORE_SLICE: tuple[tuple[str, str, str], ...] = (
    (EXECUTIVE, GENERAL_MANAGEMENT, DECISION_MAKER),
    (MANAGEMENT, PURCHASING, DECISION_MAKER),
    (MANAGEMENT, ENGINEERING, INFLUENCER),
    (MANAGEMENT, QUALITY, INFLUENCER),
    (MANAGEMENT, OPERATIONS, INFLUENCER),
    (MANAGEMENT, LOGISTICS, INFLUENCER),
    (OPERATIONAL, PURCHASING, USER),
    (OPERATIONAL, QUALITY, USER),
    (OPERATIONAL, ENGINEERING, USER),
    (OPERATIONAL, LOGISTICS, USER),
)
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
SLOT_VALUES: dict[str, tuple[str, ...]] = {
    "months": ("two", "three", "four", "six", "eight", "nine", "twelve", "18", "6", "3"),
    "weeks": ("two", "three", "four", "six", "eight", "3", "5", "10"),
    "days": ("two", "three", "four", "five", "ten", "2", "3"),
    "count": ("two", "three", "four", "five", "six", "3", "4", "7"),
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


# --------------------------------------------------------------------------
# Needs bank
# --------------------------------------------------------------------------
@lru_cache(maxsize=1)
def load_needs_bank() -> dict[str, Any]:
    """Return the parsed ``resources/needs_bank.yaml`` (do not mutate it).

    Returns
    -------
    dict
        Keys ``primary_groups``, ``off_topic``, ``openers``, ``closers``,
        ``topics`` (see the comments in the YAML file).
    """
    text = resources.files("cra_helpers.resources").joinpath(BANK_RESOURCE).read_text(encoding="utf-8")
    return yaml.safe_load(text)


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


# --------------------------------------------------------------------------
# Polarity rule
# --------------------------------------------------------------------------
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
# Small helpers
# --------------------------------------------------------------------------
def _ids(prefix: str, n: int, width: int | None = None) -> list[str]:
    width = width or max(3, len(str(n)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


def _pick(rng: np.random.Generator, options: tuple[tuple[str, float], ...]) -> str:
    names = [o[0] for o in options]
    p = np.array([o[1] for o in options], dtype=float)
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def _ascii(text: str) -> str:
    text = text.replace("ß", "ss").replace("ı", "i").replace("ł", "l").replace("ø", "o").replace("æ", "ae")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", _ascii(text).lower())


# --------------------------------------------------------------------------
# Accounts and sales history (vectorised: used for large benchmarks too)
# --------------------------------------------------------------------------
def _country_table() -> pd.DataFrame:
    rows = []
    for r_idx, (region, countries) in enumerate(REGIONS.items()):
        for country, prefix, weight, cities, legal, pool in countries:
            rows.append({
                "region": region, "country": country, "prefix": prefix, "cities": cities, "legal": legal, "pool": pool,
                "p": REGION_WEIGHTS[r_idx] * weight,
            })
    return pd.DataFrame(rows)


def _draw_accounts(rng: np.random.Generator, n: int, n_key: int) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Draw ``n`` accounts; return the accounts frame and hidden per-account arrays."""
    # Relationship types in exact proportions, shuffled.
    types = list(RELATIONSHIP_SHARES)
    counts = np.floor(np.array(list(RELATIONSHIP_SHARES.values())) * n).astype(int)
    counts[types.index("customer")] += n - counts.sum()
    rel = rng.permutation(np.repeat(np.array(types, dtype=object), counts))
    is_cust = rel == "customer"
    is_partner = rel == "sales partner"
    is_vendor = rel == "vendor"
    is_lead = (rel == "lead") | (rel == "prospect")

    u = rng.random(n)
    status = np.where(u < 0.88, "active", np.where(u < 0.97, "inactive", "archive")).astype(object)
    status[is_lead] = np.where(u[is_lead] < 0.8, "active", np.where(u[is_lead] < 0.95, "inactive", "archive"))
    status[is_partner | is_vendor] = "active"

    # Long-tailed revenue (lognormal: the top 20 % carry roughly three quarters).
    log_rev = rng.normal(np.log(150_000), REVENUE_SIGMA, n)
    revenue = np.exp(log_rev)
    revenue[is_partner] *= 0.3
    revenue[status == "inactive"] *= 0.2
    revenue[(status == "archive") | is_lead | is_vendor] = 0.0
    revenue = np.round(np.clip(revenue, 0, None), -2)
    revenue[(revenue > 0) & (revenue < 5_000)] = 5_000.0

    # Country / region / city.
    ct = _country_table()
    c_idx = rng.choice(len(ct), size=n, p=(ct["p"] / ct["p"].sum()).to_numpy())
    region = ct["region"].to_numpy()[c_idx]

    # Industry and company name "<root> <sector word> <legal form>".
    ind_names = list(INDUSTRIES)
    i_idx = rng.choice(len(ind_names), size=n, p=np.array(INDUSTRY_WEIGHTS) / sum(INDUSTRY_WEIGHTS))
    industry = np.array(ind_names, dtype=object)[i_idx]
    sector_u = rng.random(n)
    legal_u = rng.random(n)
    roots = np.array(NAME_ROOTS, dtype=object)[rng.integers(0, len(NAME_ROOTS), n)]
    sector_lists = [INDUSTRIES[k] for k in ind_names]
    sector = np.empty(n, dtype=object)
    legal = np.empty(n, dtype=object)
    for k, words in enumerate(sector_lists):
        m = i_idx == k
        sector[m] = np.array(words, dtype=object)[(sector_u[m] * len(words)).astype(int)]
    for k, forms in enumerate(ct["legal"]):
        m = c_idx == k
        legal[m] = np.array(forms, dtype=object)[(legal_u[m] * len(forms)).astype(int)]
    names = pd.Series(roots + " " + sector + " " + legal)
    dup = names.groupby(names).cumcount().to_numpy()
    names = np.where(dup == 0, names, names + " " + (dup + 1).astype(str)).astype(object)

    # Company size follows the customer's own scale, loosely tied to our revenue.
    scale = np.where(revenue > 0, np.log(np.maximum(revenue, 1.0)), rng.normal(np.log(180_000), 1.6, n))
    scale = scale + rng.normal(0, 0.8, n)
    size = np.array(s.COMPANY_SIZES, dtype=object)[np.searchsorted(COMPANY_SIZE_CUTS, scale)]

    # Products (1-4 of the product list, ';'-joined) via a bitmask lookup.
    n_prod = len(PRODUCTS)
    pop = np.array([0.55, 0.35, 0.3, 0.3, 0.2, 0.25, 0.2, 0.25])
    mask_bits = rng.random((n, n_prod)) < pop
    none = ~mask_bits.any(axis=1)
    mask_bits[none, rng.integers(0, n_prod, none.sum())] = True
    too_many = mask_bits.sum(axis=1) > 4
    if too_many.any():  # keep the first four chosen products
        keep = np.cumsum(mask_bits, axis=1) <= 4
        mask_bits[too_many] &= keep[too_many]
    code = mask_bits @ (1 << np.arange(n_prod))
    lookup = np.array(
        [s.LIST_SEPARATOR.join(p for j, p in enumerate(PRODUCTS) if c >> j & 1) for c in range(1 << n_prod)],
        dtype=object,
    )
    products = lookup[code]

    src = np.array(MARKETING_SOURCES, dtype=object)[rng.integers(0, len(MARKETING_SOURCES), n)]
    src[rng.random(n) < 0.05] = None

    margin = np.round(rng.normal(28.0, 7.0, n), 1)
    n_neg = max(1, int(round(0.04 * n)))
    with_rev = np.flatnonzero(revenue > 0)
    if len(with_rev):
        neg = rng.choice(with_rev, size=min(n_neg, len(with_rev)), replace=False)
        margin[neg] = np.round(rng.uniform(-12.0, -1.0, len(neg)), 1)
    margin = np.clip(margin, -100, 100)
    margin_out = np.where(revenue > 0, margin, np.nan)

    referrals = rng.poisson(0.3 + 0.25 * (revenue > 500_000), n)
    potential = np.where(
        revenue > 0,
        revenue * rng.uniform(0.1, 0.9, n),
        np.exp(rng.normal(np.log(120_000), 1.0, n)),
    )
    potential = np.round(potential, -3)
    potential_out = np.where(is_vendor, np.nan, potential)

    # Top elements: weighted sampling without replacement (Gumbel top-k).
    el_names = np.array([e for e, _ in TOP_ELEMENT_CHOICES], dtype=object)
    el_w = np.log(np.array([w for _, w in TOP_ELEMENT_CHOICES]))
    keys = el_w + rng.gumbel(size=(n, len(el_names)))
    top = np.argsort(-keys, axis=1)[:, :3]
    top_el = el_names[top]
    unknown = is_lead & (rng.random(n) < 0.5)
    top_el[unknown] = None

    # Key accounts: the largest active customers.
    key = np.zeros(n, dtype=bool)
    eligible = np.flatnonzero(is_cust & (status == "active"))
    order = eligible[np.argsort(-revenue[eligible], kind="stable")]
    key[order[:n_key]] = True
    size[key] = np.where(revenue[key] >= np.median(revenue[key]), "enterprise", "large")

    accounts = pd.DataFrame({
        s.ACCOUNT_ID: _ids("A", n),
        s.ACCOUNT_NAME: names,
        s.RELATIONSHIP_TYPE: rel,
        s.STATUS: status,
        s.INDUSTRY: industry,
        s.COMPANY_SIZE: size,
        s.REGION: region,
        s.PRODUCTS: products,
        s.MARKETING_SOURCE: src,
        s.REVENUE: revenue,
        s.VOLUME: np.zeros(n),
        s.GROSS_MARGIN: margin_out,
        s.RETURNED_ORDERS: np.zeros(n, dtype=np.int64),
        s.REFERRALS: referrals.astype(np.int64),
        s.POTENTIAL_REVENUE: potential_out,
        s.KEY_ACCOUNT: np.where(key, "yes", "no"),
        s.TOP_ELEMENTS[0]: top_el[:, 0],
        s.TOP_ELEMENTS[1]: top_el[:, 1],
        s.TOP_ELEMENTS[2]: top_el[:, 2],
    })
    growth = np.clip(rng.normal(0.04, 0.12, (n, len(PERIODS) - 1)), -0.4, 0.6)
    quality = np.exp(rng.normal(0.0, 0.35, n))
    quality[key] = np.clip(quality[key], 0.7, 1.3)
    unit_price = np.exp(rng.normal(np.log(40.0), 0.5, n))
    unit_price[key] = np.clip(unit_price[key], 32.0, 50.0)
    growth[key] = np.clip(rng.normal(0.05, 0.05, (key.sum(), len(PERIODS) - 1)), -0.02, 0.2)
    hidden = {
        "country": c_idx,
        "key": key,
        "unit_price": unit_price,
        "quality": quality,
        "quality_trend": np.ones((n, len(PERIODS))),
        "growth": growth,
        "noise": rng.normal(0.0, 0.03, (n, len(PERIODS))),
        "returns_seed": rng.integers(0, 2**62, 1),
    }
    return accounts, hidden


def _sales_history(accounts: pd.DataFrame, hidden: dict[str, np.ndarray]) -> pd.DataFrame:
    """Build 3 years of sales consistent with the latest revenue; fill volume and returns."""
    rev_last = accounts[s.REVENUE].to_numpy(dtype=float)
    n_per = len(PERIODS)
    growth = hidden["growth"]
    rev = np.empty((len(rev_last), n_per))
    rev[:, -1] = rev_last
    for t in range(n_per - 2, -1, -1):
        rev[:, t] = rev[:, t + 1] / (1.0 + growth[:, t])
    rev[:, :-1] = np.round(rev[:, :-1], -2)
    volume = np.round(rev / hidden["unit_price"][:, None] * (1.0 + hidden["noise"]))
    lam = RETURNS_PER_1000_UNITS * volume / 1000.0 * hidden["quality"][:, None] * hidden["quality_trend"]
    # A stream of its own, seeded at draw time, so that changing an account's
    # quality afterwards does not shift any other random draw.
    returns = np.random.default_rng(int(hidden["returns_seed"][0])).poisson(lam)
    accounts[s.VOLUME] = volume[:, -1]
    accounts[s.RETURNED_ORDERS] = returns[:, -1].astype(np.int64)
    has = rev_last > 0
    idx = np.flatnonzero(has)
    return pd.DataFrame({
        s.ACCOUNT_ID: np.repeat(accounts[s.ACCOUNT_ID].to_numpy()[idx], n_per),
        s.PERIOD: np.tile(np.array(PERIODS, dtype=object), len(idx)),
        s.REVENUE: rev[idx].ravel(),
        s.VOLUME: volume[idx].ravel(),
        s.RETURNS: returns[idx].ravel().astype(np.int64),
    })


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
# The full sample
# --------------------------------------------------------------------------
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


def _round_clip(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.clip(np.round(x), lo, hi)


def generate_sample(seed: int = DEFAULT_SEED, n_accounts: int = 80) -> Sample:
    """Generate the synthetic sample assessment with its planted truth.

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
    if n_accounts < 40:
        raise ValueError("n_accounts must be at least 40")
    seq = np.random.SeedSequence(seed)
    r_acc, r_people, r_ratings, r_text = (np.random.default_rng(x) for x in seq.spawn(4))
    bank = load_needs_bank()

    # ---- accounts, planted account-level facts, sales ----------------------
    accounts, hidden = _draw_accounts(r_acc, n_accounts, N_KEY_ACCOUNTS)
    key_idx = np.flatnonzero(hidden["key"])
    roles = _assign_roles(r_acc, key_idx)
    for a in roles.at_risk:
        hidden["growth"][a] = r_acc.uniform(-0.24, -0.14, len(PERIODS) - 1)
        hidden["quality"][a] = r_acc.uniform(3.5, 4.5)
        hidden["quality_trend"][a] = np.linspace(0.7, 1.3, len(PERIODS))
        accounts.at[a, s.REFERRALS] = 0
        accounts.at[a, s.GROSS_MARGIN] = round(float(r_acc.uniform(12.0, 18.0)), 1)
    sales = _sales_history(accounts, hidden)

    locations = _locations(r_people, accounts, hidden, roles)
    contacts, interviewed = _contacts(r_people, accounts, hidden, roles, locations)
    comp_of = _competitor_assignment(r_people, roles)
    competitors = pd.DataFrame(COMPETITORS, columns=[s.COMPETITOR_ID, s.COMPETITOR_NAME])

    # ---- needs ---------------------------------------------------------------
    need_rows, imp_mu, perf_mu = [], [], []
    for group in bank["primary_groups"]:
        for need in group["needs"]:
            if need.get("latent"):
                continue
            need_rows.append({s.NEED_ID: need["need_id"], s.NEED_NAME: need["name"],
                              s.PRIMARY_GROUP: group["name"], s.DESCRIPTION: need["description"]})
            imp_mu.append(float(need["importance"]))
            perf_mu.append(float(need["performance"]))
    needs = pd.DataFrame(need_rows)
    need_ids = needs[s.NEED_ID].tolist()
    n_need = len(need_ids)
    td = need_ids.index(TOP_DRIVER_NEED)
    lg = need_ids.index(LOCATION_GAP_NEED)
    cg = need_ids.index(COMPETITOR_GAP_NEED)

    # ---- interviews ------------------------------------------------------------
    acc_ids = accounts[s.ACCOUNT_ID].to_numpy()
    acc_row = {aid: i for i, aid in enumerate(acc_ids)}
    iv = contacts[interviewed.to_numpy()].copy()
    iv["_acc"] = iv[s.ACCOUNT_ID].map(acc_row)
    acc_start = {int(a): int(r_people.integers(0, INTERVIEW_WORKDAYS - 8)) for a in key_idx}
    acc_interviewer = {int(a): int(r_people.integers(0, len(INTERVIEWERS))) for a in key_idx}
    day = np.array([acc_start[a] + int(r_people.integers(0, 9)) for a in iv["_acc"]])
    iv[s.DATE] = pd.to_datetime(np.busday_offset(INTERVIEW_START, day, roll="forward"))
    who = []
    for a in iv["_acc"]:
        main = acc_interviewer[a]
        if r_people.random() >= 0.8:  # now and then a colleague stands in
            main = int(r_people.integers(0, len(INTERVIEWERS)))
        who.append(INTERVIEWERS[main])
    iv[s.INTERVIEWER] = who
    iv[s.DURATION_MIN] = r_people.integers(45, 61, len(iv)).astype(np.int64)
    iv = iv.sort_values([s.DATE, s.CONTACT_ID], kind="stable").reset_index(drop=True)
    iv[s.INTERVIEW_ID] = _ids("I", len(iv))
    iv[s.WAVE] = WAVE_LABEL
    interviews = iv[s.TABLES[s.INTERVIEWS].column_names].copy()
    n_iv = len(iv)
    a_of = iv["_acc"].to_numpy()
    at_risk_iv = np.isin(a_of, roles.at_risk)

    # ---- ratings ------------------------------------------------------------------
    rr = r_ratings
    acc_eff = {int(a): rr.normal(0.0, 0.3) for a in key_idx}
    for a in roles.at_risk:
        acc_eff[a] = AT_RISK_SHIFT + rr.normal(0.0, 0.15)
    acc_need = {int(a): rr.normal(0.0, 0.3, n_need) for a in key_idx}
    resp = rr.normal(0.0, 0.5, n_iv)
    noise_sd = np.full(n_need, 0.85)
    noise_sd[td] = 1.45  # real spread on the top driver
    eps = rr.normal(0.0, 1.0, (n_iv, n_need)) * noise_sd
    base = (np.array(perf_mu)[None, :] + np.array([acc_eff[a] for a in a_of])[:, None]
            + np.vstack([acc_need[a] for a in a_of]) + resp[:, None] + eps)
    site_shift = np.zeros((n_iv, n_need))
    gap_locs = locations.loc[locations[s.ACCOUNT_ID] == acc_ids[roles.location_gap], s.LOCATION_ID].tolist()
    low_loc, high_loc = gap_locs[1], gap_locs[0]
    site_shift[(iv[s.LOCATION_ID] == low_loc).to_numpy(), lg] = LOCATION_GAP_LOW
    site_shift[(iv[s.LOCATION_ID] == high_loc).to_numpy(), lg] = LOCATION_GAP_HIGH
    perf_cont = base + site_shift
    perf = _round_clip(perf_cont, *PERFORMANCE_SCALE)
    # Where the gap competitor is active nobody gives us a 10 on the gap need (it stays strictly ahead).
    gap_rows = np.array([COMPETITOR_GAP_COMPETITOR in comp_of[a] for a in a_of])
    perf[gap_rows, cg] = np.minimum(perf[gap_rows, cg], 9)

    dept_shift = np.zeros((n_iv, n_need))
    for k, dept in enumerate(iv[s.DEPARTMENT]):
        for nid in DEPARTMENT_FOCUS.get(dept, ()):
            dept_shift[k, need_ids.index(nid)] = 0.8
    imp = _round_clip(np.array(imp_mu)[None, :] + rr.normal(0, 0.5, n_iv)[:, None] + dept_shift
                      + rr.normal(0, 0.9, (n_iv, n_need)), 1, 10)

    # Satisfaction and loyalty follow performance (top driver dominates).
    w = np.full(n_need, 0.015)
    w[td] = 0.55
    sat_cont = 1.3 + perf @ w - 0.6 * at_risk_iv + rr.normal(0, 0.55, n_iv)
    sat = _round_clip(sat_cont, *PERFORMANCE_SCALE)
    dm = (iv[s.DECISION_ROLE] == DECISION_MAKER).to_numpy()
    rec = _round_clip(sat_cont - 0.3 + rr.normal(0, 0.8, n_iv), 0, 10)
    rec[at_risk_iv & dm] = np.minimum(rec[at_risk_iv & dm], 6)
    cont = _round_clip(sat_cont + 1.0 - 1.5 * at_risk_iv + rr.normal(0, 0.8, n_iv), 1, 10)
    incr = _round_clip(sat_cont - 0.8 - 1.0 * at_risk_iv + rr.normal(0, 0.9, n_iv), 1, 10)
    sow_base = {int(a): (rr.uniform(15, 28) if a in roles.at_risk else rr.uniform(45, 80)) for a in key_idx}
    sow = np.clip(np.round((np.array([sow_base[a] for a in a_of]) + rr.normal(0, 6, n_iv)) / 5) * 5, 0, 100)
    dont_know = rr.random(n_iv) < np.where(iv[s.LEVEL] == OPERATIONAL, 0.15, 0.04)
    sow[dont_know] = np.nan
    loy = {s.SATISFACTION: sat, s.RECOMMEND: rec, s.CONTINUE: cont, s.INCREASE: incr}
    for col, arr in loy.items():
        arr[rr.random(n_iv) < 0.01] = np.nan
    loyalty = pd.DataFrame({s.INTERVIEW_ID: iv[s.INTERVIEW_ID], **loy, s.SHARE_OF_WALLET: sow})

    # Competitor ratings: close to ours, except the planted gap and at-risk accounts.
    comp_ids = [c for c, _ in COMPETITORS]
    comp_need = {c: rr.normal(0.0, 0.12, n_need) for c in comp_ids}
    # At an at-risk account one competitor is winning: rated about where we would be.
    winner = {a: comp_of[a][int(rr.integers(0, len(comp_of[a])))] for a in roles.at_risk}
    imp_obs = imp.copy()
    perf_obs = perf.copy()
    imp_obs[rr.random(imp.shape) < 0.01] = np.nan
    perf_obs[rr.random(perf.shape) < 0.01] = np.nan
    blocks = []
    for c in comp_ids:
        active = np.array([c in comp_of[a] for a in a_of])
        if not active.any():
            continue
        rows_i = np.flatnonzero(active)
        cp = (perf_cont[rows_i] - site_shift[rows_i] + COMPETITOR_OFFSET[c] + comp_need[c][None, :]
              + rr.normal(0, 0.6, (len(rows_i), n_need)))
        wins = np.array([winner.get(int(a)) == c for a in a_of[rows_i]])
        cp -= WINNER_SHARE * AT_RISK_SHIFT * wins[:, None]
        if c == COMPETITOR_GAP_COMPETITOR:
            cp[:, cg] += COMPETITOR_GAP_SIZE
        cp = _round_clip(cp, 1, 10)
        if c == COMPETITOR_GAP_COMPETITOR:  # every respondent rates it above us
            cp[:, cg] = np.minimum(np.maximum(cp[:, cg], perf[rows_i, cg] + 1), 10)
        cp[rr.random(cp.shape) < 0.02] = np.nan
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

    # ---- verbatims ----------------------------------------------------------------------
    verbatims, vtruth = _verbatims(r_text, bank, iv, perf, imp, perf_obs, imp_obs, need_ids, accounts, locations,
                                   comp_of)

    # ---- assemble ---------------------------------------------------------------------------
    tables = {
        s.ACCOUNTS: accounts,
        s.SALES_HISTORY: sales,
        s.LOCATIONS: locations,
        s.CONTACTS: contacts,
        s.COMPETITORS: competitors,
        s.NEEDS: needs,
        s.INTERVIEWS: interviews,
        s.RATINGS: ratings,
        s.LOYALTY: loyalty,
        s.VERBATIMS: verbatims,
    }
    tables = {name: tables[name][s.TABLES[name].column_names].reset_index(drop=True) for name in s.TABLE_ORDER}
    latent = [n["name"] for g in bank["primary_groups"] for n in g["needs"] if n.get("latent")]
    truth = {
        TRUTH_KEY_ACCOUNTS: sorted(acc_ids[key_idx].tolist()),
        TRUTH_AT_RISK: sorted(acc_ids[roles.at_risk].tolist()),
        TRUTH_LOCATION_GAP: {s.ACCOUNT_ID: str(acc_ids[roles.location_gap]), s.NEED_ID: LOCATION_GAP_NEED,
                             TRUTH_LOCATIONS: [low_loc, high_loc]},
        TRUTH_COMPETITOR_GAP: {s.NEED_ID: COMPETITOR_GAP_NEED, s.COMPETITOR_ID: COMPETITOR_GAP_COMPETITOR},
        TRUTH_TOP_DRIVER: {s.NEED_ID: TOP_DRIVER_NEED},
        TRUTH_LATENT: latent,
        TRUTH_SLICE_GAPS: [
            {s.ACCOUNT_ID: str(acc_ids[roles.no_exec]), TRUTH_GAP: SLICE_GAP_NO_EXECUTIVE},
            {s.ACCOUNT_ID: str(acc_ids[roles.no_quality]), TRUTH_GAP: SLICE_GAP_NO_QUALITY},
        ],
        TRUTH_SEED: int(seed),
    }
    return Sample(tables=tables, truth=truth, verbatim_truth=vtruth)


# --------------------------------------------------------------------------
# Verbatims
# --------------------------------------------------------------------------
GENERIC_COMPETITOR: tuple[str, ...] = ("the other supplier", "our second source", "the competition", "your competitor")
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


def _verbatims(rng: np.random.Generator, bank: dict[str, Any], iv: pd.DataFrame, perf: np.ndarray, imp: np.ndarray,
               perf_obs: np.ndarray, imp_obs: np.ndarray, need_ids: list[str], accounts: pd.DataFrame,
               locations: pd.DataFrame, comp_of: dict[int, list[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Verbatims and their truth; polarity by the rule of the module docstring.

    ``perf`` / ``imp`` are the complete ratings (they steer which needs a
    respondent talks about); ``perf_obs`` and ``imp_obs`` are the recorded
    ones (missing values as NaN), from which the polarity is planted.
    """
    rated: list[tuple[str, str, str, int, dict[str, Any]]] = []  # primary, secondary, tertiary, need index, entry
    latent: list[tuple[str, str, str, dict[str, Any]]] = []
    for group in bank["primary_groups"]:
        for need in group["needs"]:
            for tert in need["tertiary"]:
                if need.get("latent"):
                    latent.append((group["name"], need["name"], tert["name"], tert))
                else:
                    rated.append((group["name"], need["name"], tert["name"], need_ids.index(need["need_id"]), tert))
    t_need = np.array([r[3] for r in rated])
    per_need = np.bincount(t_need, minlength=len(need_ids))
    comp_name = dict(COMPETITORS)
    city_of = dict(zip(locations[s.LOCATION_ID], locations[s.CITY]))
    products_of = dict(zip(accounts[s.ACCOUNT_ID], accounts[s.PRODUCTS]))
    topics = bank["topics"]
    general = topics["general"]

    def topic(kind: str) -> str:
        opts = topics[kind] if rng.random() < 0.8 else general
        return opts[int(rng.integers(0, len(opts)))]

    # Polarity of every (respondent, rated need) and of every respondent's latent-need remarks.
    n_recorded = (~np.isnan(perf_obs)).sum(axis=1)
    mean_perf = np.where(n_recorded > 0, np.nansum(perf_obs, axis=1) / np.maximum(n_recorded, 1),
                         np.mean(PERFORMANCE_SCALE))  # no rating at all: the scale's midpoint (neutral)
    rated_basis = np.where(np.isnan(perf_obs), mean_perf[:, None], perf_obs)
    rated_pol = polarity(rated_basis, np.where(np.isnan(perf_obs), np.nan, imp_obs))
    latent_pol = polarity(mean_perf)
    latent_kind = {NEGATIVE: "negative", NEUTRAL: "request", POSITIVE: "positive"}

    rows, truth_rows = [], []
    iv_acc = iv["_acc"].tolist()
    iv_account = iv[s.ACCOUNT_ID].tolist()
    iv_id = iv[s.INTERVIEW_ID].tolist()
    iv_city = [city_of[x] for x in iv[s.LOCATION_ID]]
    for i in range(len(iv)):
        a = int(iv_acc[i])
        comps = [comp_name[c] for c in comp_of[a]]
        prods = [p.lower() for p in str(products_of[iv_account[i]]).split(s.LIST_SEPARATOR)]
        n_v = int(rng.integers(7, 16))
        kinds = rng.choice(3, size=n_v, p=[0.05, 0.09, 0.86])  # off-topic, latent, rated
        n_rated = int((kinds == 2).sum())
        n_lat = int((kinds == 1).sum())
        p_i = perf[i]
        # Respondents talk about what matters to them and where we stand out (good or bad).
        wt = (imp[i] * (1.0 + 0.6 * np.abs(p_i - 6.5)))[t_need] / per_need[t_need] * np.sqrt(per_need[t_need])
        chosen_r = list(rng.choice(len(rated), size=n_rated, replace=False, p=wt / wt.sum()))
        chosen_l = list(rng.choice(len(latent), size=min(n_lat, len(latent)), replace=False))
        order = rng.permutation(len(chosen_r) + len(chosen_l) + int((kinds == 0).sum()))
        items: list[tuple[str, Any]] = ([("r", c) for c in chosen_r] + [("l", c) for c in chosen_l]
                                        + [("o", None)] * int((kinds == 0).sum()))
        for k in order:
            kind, c = items[k]
            slots = {
                "site": iv_city[i],
                "competitor": _competitor_mention(rng, comps[int(rng.integers(0, len(comps)))]),
                "product": prods[int(rng.integers(0, len(prods)))],
                **{slot: vals[int(rng.integers(0, len(vals)))] for slot, vals in SLOT_VALUES.items()},
            }
            if kind == "o":
                phrases = bank["off_topic"]
                text = phrases[int(rng.integers(0, len(phrases)))].format_map(slots)
                names = (OFF_TOPIC, OFF_TOPIC, OFF_TOPIC)
                pol = NEUTRAL
                tp = general[int(rng.integers(0, len(general)))]
            elif kind == "l":
                prim, sec, ter, entry = latent[c]
                pol = str(latent_pol[i])
                phrasing = latent_kind[pol]
                text = _compose(rng, entry[phrasing], bank, slots)
                names = (ter, sec, prim)
                tp = topic(phrasing)
            else:
                prim, sec, ter, n_idx, entry = rated[c]
                pol = str(rated_pol[i, n_idx])
                text = _compose(rng, entry[pol], bank, slots)
                names = (ter, sec, prim)
                tp = topic(pol)
            rows.append({s.INTERVIEW_ID: iv_id[i], s.TOPIC: tp, s.TEXT: text})
            truth_rows.append(dict(zip((TERTIARY, SECONDARY, PRIMARY, POLARITY), (*names, pol))))
    verb = pd.DataFrame(rows)
    vid = _ids("V", len(verb), 4)
    verb.insert(0, s.VERBATIM_ID, vid)
    vt = pd.DataFrame(truth_rows)
    vt.insert(0, s.VERBATIM_ID, vid)
    return verb[s.TABLES[s.VERBATIMS].column_names], vt


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------
_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def _stable_xlsx(data: bytes) -> bytes:
    """Rewrite an xlsx archive with fixed timestamps so equal data gives equal bytes."""
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            payload = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                payload = _CORE_DATES.sub(rb"\g<1>" + stamp + rb"\g<3>", payload)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, payload)
    return out.getvalue()


def _cell(value: Any) -> Any:
    """A DataFrame value as a plain Python value openpyxl writes natively."""
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and np.isnan(value):
            return None
    return value


def write_workbook(tables: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write tables to an xlsx workbook, one sheet per table in contract order.

    Parameters
    ----------
    tables
        DataFrames keyed by table name (tables absent from the dict are skipped).
        Missing values become empty cells; dates become date cells.
    path
        Workbook to write.

    Returns
    -------
    Path
        The written path. Workbook properties and archive entries carry a fixed
        date, so the same tables always give the same bytes (for a given
        openpyxl version).
    """
    from openpyxl import Workbook

    path = Path(path)
    wb = Workbook(write_only=True)
    props = wb.properties
    props.creator = "CRA Workbench sample generator"
    props.lastModifiedBy = props.creator
    props.created = FIXED_TIMESTAMP
    props.modified = FIXED_TIMESTAMP
    for name in s.TABLE_ORDER:
        if name not in tables:
            continue
        frame = tables[name]
        ws = wb.create_sheet(title=name)
        ws.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            ws.append([_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_stable_xlsx(buf.getvalue()))
    return path


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
