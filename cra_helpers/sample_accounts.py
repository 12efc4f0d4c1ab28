"""Accounts and sales history of the synthetic sample (vectorised: used for large benchmarks too).

:func:`_draw_accounts` draws the ``accounts`` table in named phases, each
from the same random stream in a fixed order (relationship and status,
revenue, country and name, company size, products, commercial figures, top
elements, key accounts, hidden per-account parameters);
:func:`_sales_history` derives three years of sales from them. The public
entry point is :func:`cra_helpers.sample.generate_accounts`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import schema as s
from .sample_text import (
    INDUSTRIES,
    INDUSTRY_WEIGHTS,
    MARKETING_SOURCES,
    NAME_ROOTS,
    PRODUCTS,
    REGION_WEIGHTS,
    REGIONS,
    RELATIONSHIP_SHARES,
    TOP_ELEMENT_CHOICES,
)

RETURNS_PER_1000_UNITS = 0.15
REVENUE_SIGMA = 1.8
"""Standard deviation of the log revenue (long tail)."""
PERIODS: tuple[str, ...] = ("2023", "2024", "2025")
COMPANY_SIZE_CUTS = (10.8, 12.2, 13.8)  # log-scale cuts between small | medium | large | enterprise
PRODUCT_POPULARITY = (0.55, 0.35, 0.3, 0.3, 0.2, 0.25, 0.2, 0.25)
"""Chance of each of :data:`PRODUCTS` being bought by an account."""


def _ids(prefix: str, n: int, width: int | None = None) -> list[str]:
    width = width or max(3, len(str(n)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


def _country_table() -> pd.DataFrame:
    rows = []
    for r_idx, (region, countries) in enumerate(REGIONS.items()):
        for country, prefix, weight, cities, legal, pool in countries:
            rows.append({
                "region": region, "country": country, "prefix": prefix, "cities": cities, "legal": legal, "pool": pool,
                "p": REGION_WEIGHTS[r_idx] * weight,
            })
    return pd.DataFrame(rows)


def _relationships(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Relationship types in exact proportions (shuffled) and the account status."""
    types = list(RELATIONSHIP_SHARES)
    counts = np.floor(np.array(list(RELATIONSHIP_SHARES.values())) * n).astype(int)
    counts[types.index("customer")] += n - counts.sum()
    rel = rng.permutation(np.repeat(np.array(types, dtype=object), counts))
    is_lead = (rel == "lead") | (rel == "prospect")
    u = rng.random(n)
    status = np.where(u < 0.88, "active", np.where(u < 0.97, "inactive", "archive")).astype(object)
    status[is_lead] = np.where(u[is_lead] < 0.8, "active", np.where(u[is_lead] < 0.95, "inactive", "archive"))
    status[(rel == "sales partner") | (rel == "vendor")] = "active"
    return rel, status


def _revenue(rng: np.random.Generator, n: int, rel: np.ndarray, status: np.ndarray) -> np.ndarray:
    """Long-tailed revenue (lognormal: the top 20 % carry roughly three quarters)."""
    log_rev = rng.normal(np.log(150_000), REVENUE_SIGMA, n)
    revenue = np.exp(log_rev)
    revenue[rel == "sales partner"] *= 0.3
    revenue[status == "inactive"] *= 0.2
    revenue[(status == "archive") | (rel == "lead") | (rel == "prospect") | (rel == "vendor")] = 0.0
    revenue = np.round(np.clip(revenue, 0, None), -2)
    revenue[(revenue > 0) & (revenue < 5_000)] = 5_000.0
    return revenue


def _places_and_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Country index, region, industry and unique company name ``<root> <sector word> <legal form>``."""
    ct = _country_table()
    c_idx = rng.choice(len(ct), size=n, p=(ct["p"] / ct["p"].sum()).to_numpy())
    region = ct["region"].to_numpy()[c_idx]
    ind_names = list(INDUSTRIES)
    i_idx = rng.choice(len(ind_names), size=n, p=np.array(INDUSTRY_WEIGHTS) / sum(INDUSTRY_WEIGHTS))
    industry = np.array(ind_names, dtype=object)[i_idx]
    sector_u = rng.random(n)
    legal_u = rng.random(n)
    roots = np.array(NAME_ROOTS, dtype=object)[rng.integers(0, len(NAME_ROOTS), n)]
    sector = np.empty(n, dtype=object)
    legal = np.empty(n, dtype=object)
    for k, words in enumerate(INDUSTRIES.values()):
        m = i_idx == k
        sector[m] = np.array(words, dtype=object)[(sector_u[m] * len(words)).astype(int)]
    for k, forms in enumerate(ct["legal"]):
        m = c_idx == k
        legal[m] = np.array(forms, dtype=object)[(legal_u[m] * len(forms)).astype(int)]
    names = pd.Series(roots + " " + sector + " " + legal)
    dup = names.groupby(names).cumcount().to_numpy()
    names = np.where(dup == 0, names, names + " " + (dup + 1).astype(str)).astype(object)
    return c_idx, region, industry, names


def _company_size(rng: np.random.Generator, revenue: np.ndarray) -> np.ndarray:
    """Company size follows the customer's own scale, loosely tied to our revenue."""
    n = len(revenue)
    scale = np.where(revenue > 0, np.log(np.maximum(revenue, 1.0)), rng.normal(np.log(180_000), 1.6, n))
    scale = scale + rng.normal(0, 0.8, n)
    return np.array(s.COMPANY_SIZES, dtype=object)[np.searchsorted(COMPANY_SIZE_CUTS, scale)]


def _products(rng: np.random.Generator, n: int) -> np.ndarray:
    """Products: 1-4 of :data:`PRODUCTS`, ';'-joined, via a bitmask lookup."""
    n_prod = len(PRODUCTS)
    mask_bits = rng.random((n, n_prod)) < np.array(PRODUCT_POPULARITY)
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
    return lookup[code]


def _commercials(rng: np.random.Generator, revenue: np.ndarray, is_vendor: np.ndarray) -> dict[str, np.ndarray]:
    """Marketing source, gross margin (a few negative), referrals and potential revenue."""
    n = len(revenue)
    src = np.array(MARKETING_SOURCES, dtype=object)[rng.integers(0, len(MARKETING_SOURCES), n)]
    src[rng.random(n) < 0.05] = None
    margin = np.round(rng.normal(28.0, 7.0, n), 1)
    n_neg = max(1, int(round(0.04 * n)))
    with_rev = np.flatnonzero(revenue > 0)
    if len(with_rev):
        neg = rng.choice(with_rev, size=min(n_neg, len(with_rev)), replace=False)
        margin[neg] = np.round(rng.uniform(-12.0, -1.0, len(neg)), 1)
    margin = np.clip(margin, -100, 100)
    referrals = rng.poisson(0.3 + 0.25 * (revenue > 500_000), n)
    potential = np.where(
        revenue > 0,
        revenue * rng.uniform(0.1, 0.9, n),
        np.exp(rng.normal(np.log(120_000), 1.0, n)),
    )
    potential = np.round(potential, -3)
    return {
        s.MARKETING_SOURCE: src,
        s.GROSS_MARGIN: np.where(revenue > 0, margin, np.nan),
        s.REFERRALS: referrals.astype(np.int64),
        s.POTENTIAL_REVENUE: np.where(is_vendor, np.nan, potential),
    }


def _top_elements(rng: np.random.Generator, n: int, is_lead: np.ndarray) -> np.ndarray:
    """Three top elements per account: weighted sampling without replacement (Gumbel top-k)."""
    el_names = np.array([e for e, _ in TOP_ELEMENT_CHOICES], dtype=object)
    el_w = np.log(np.array([w for _, w in TOP_ELEMENT_CHOICES]))
    keys = el_w + rng.gumbel(size=(n, len(el_names)))
    top = np.argsort(-keys, axis=1)[:, :3]
    top_el = el_names[top]
    unknown = is_lead & (rng.random(n) < 0.5)
    top_el[unknown] = None
    return top_el


def _key_accounts(is_cust: np.ndarray, status: np.ndarray, revenue: np.ndarray, n_key: int) -> np.ndarray:
    """Key accounts: the ``n_key`` largest active customers."""
    key = np.zeros(len(revenue), dtype=bool)
    eligible = np.flatnonzero(is_cust & (status == "active"))
    order = eligible[np.argsort(-revenue[eligible], kind="stable")]
    key[order[:n_key]] = True
    return key


def _hidden(rng: np.random.Generator, c_idx: np.ndarray, key: np.ndarray) -> dict[str, np.ndarray]:
    """Per-account parameters that drive the sales history (growth, prices, quality) but are not tables."""
    n = len(key)
    growth = np.clip(rng.normal(0.04, 0.12, (n, len(PERIODS) - 1)), -0.4, 0.6)
    quality = np.exp(rng.normal(0.0, 0.35, n))
    quality[key] = np.clip(quality[key], 0.7, 1.3)
    unit_price = np.exp(rng.normal(np.log(40.0), 0.5, n))
    unit_price[key] = np.clip(unit_price[key], 32.0, 50.0)
    growth[key] = np.clip(rng.normal(0.05, 0.05, (key.sum(), len(PERIODS) - 1)), -0.02, 0.2)
    return {
        "country": c_idx,
        "key": key,
        "unit_price": unit_price,
        "quality": quality,
        "quality_trend": np.ones((n, len(PERIODS))),
        "growth": growth,
        "noise": rng.normal(0.0, 0.03, (n, len(PERIODS))),
        "returns_seed": rng.integers(0, 2**62, 1),
    }


def _draw_accounts(rng: np.random.Generator, n: int, n_key: int) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Draw ``n`` accounts; return the accounts frame and hidden per-account arrays."""
    rel, status = _relationships(rng, n)
    is_lead = (rel == "lead") | (rel == "prospect")
    revenue = _revenue(rng, n, rel, status)
    c_idx, region, industry, names = _places_and_names(rng, n)
    size = _company_size(rng, revenue)
    products = _products(rng, n)
    commercials = _commercials(rng, revenue, rel == "vendor")
    top_el = _top_elements(rng, n, is_lead)
    key = _key_accounts(rel == "customer", status, revenue, n_key)
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
        s.MARKETING_SOURCE: commercials[s.MARKETING_SOURCE],
        s.REVENUE: revenue,
        s.VOLUME: np.zeros(n),
        s.GROSS_MARGIN: commercials[s.GROSS_MARGIN],
        s.RETURNED_ORDERS: np.zeros(n, dtype=np.int64),
        s.REFERRALS: commercials[s.REFERRALS],
        s.POTENTIAL_REVENUE: commercials[s.POTENTIAL_REVENUE],
        s.KEY_ACCOUNT: np.where(key, "yes", "no"),
        s.TOP_ELEMENTS[0]: top_el[:, 0],
        s.TOP_ELEMENTS[1]: top_el[:, 1],
        s.TOP_ELEMENTS[2]: top_el[:, 2],
    })
    return accounts, _hidden(rng, c_idx, key)


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
