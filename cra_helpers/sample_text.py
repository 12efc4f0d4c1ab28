"""Text banks of the synthetic sample: names, vocabularies and phrase slots.

Everything a generated sample *says* comes from here or from the needs bank
(``resources/needs_bank.yaml``, read by :func:`load_needs_bank`): company name
parts, industries, regions and cities, person names, job titles, departments,
products, competitor names, interviewers and the values filled into the
``{slot}`` placeholders of the needs bank's phrasings. The generator in
:mod:`cra_helpers.sample` draws from these in a fixed order, so changing a
list changes the generated sample (and the committed ``data/sample``).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from . import schema as s

BANK_RESOURCE = "needs_bank.yaml"


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


COMPETITORS: tuple[tuple[str, str], ...] = (
    ("CMP1", "Kestrel Components"),
    ("CMP2", "Varanta Industrial"),
    ("CMP3", "Oberlin Precision"),
)
"""Competitor ids and names."""
GENERIC_COMPETITOR: tuple[str, ...] = ("the other supplier", "our second source", "the competition", "your competitor")
"""How respondents name a competitor without naming it."""
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
# Values of the ``{slot}`` placeholders in the needs bank's phrasings.
SLOT_VALUES: dict[str, tuple[str, ...]] = {
    "months": ("two", "three", "four", "six", "eight", "nine", "twelve", "18", "6", "3"),
    "weeks": ("two", "three", "four", "six", "eight", "3", "5", "10"),
    "days": ("two", "three", "four", "five", "ten", "2", "3"),
    "count": ("two", "three", "four", "five", "six", "3", "4", "7"),
}
