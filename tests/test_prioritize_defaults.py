"""Prioritize on data unlike the sample: money defaults that follow the client's account sizes,
a warning when one class holds nearly every account, and sums near the largest float.

The analysis functions are called on DataFrames directly (not through the loader), as a
notebook or a script may do.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cra_helpers import paths
from cra_helpers import prioritize as P
from cra_helpers import schema as S
from cra_helpers.config import ConfigError, load_config
from cra_helpers.loader import assessment_from_frames, load_assessment

SAMPLE_VALUE_CLASSES = {"Eliminate": 12, "Marginal": 35, "Average": 11, "Superior": 7, "No business yet": 15}
"""The sample's value classes with the former fixed amounts (5,000 / 2,000 / 10,000): unchanged."""


def small_accounts(n: int = 5000, median: float = 40.0, seed: int = 11) -> pd.DataFrame:
    """A base of many small accounts: lognormal revenue with the given median (currency per year)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        S.ACCOUNT_ID: [f"S{i:05d}" for i in range(n)],
        S.ACCOUNT_NAME: [f"Shop {i}" for i in range(n)],
        S.RELATIONSHIP_TYPE: "customer",
        S.STATUS: "active",
        S.REVENUE: np.round(median * np.exp(rng.normal(0.0, 1.0, n)), 2),
        S.GROSS_MARGIN: np.round(np.clip(rng.normal(30, 8, n), -20, 80), 1),
        S.RETURNED_ORDERS: rng.poisson(0.2, n),
        S.REFERRALS: rng.poisson(0.05, n),
        S.POTENTIAL_REVENUE: np.round(median * np.exp(rng.normal(0.0, 1.2, n)), 2),
        S.KEY_ACCOUNT: "no",
    })


@pytest.fixture(scope="module")
def sample_a():
    return load_assessment(paths.sample_path())


@pytest.fixture(scope="module")
def small():
    return assessment_from_frames({S.ACCOUNTS: small_accounts()}).accounts


# --------------------------------------------------------------------------
# 1. Money amounts follow the client's data; a client amount wins
# --------------------------------------------------------------------------
def test_small_account_base_is_not_all_in_one_class(small):
    p = P.prioritize_accounts(small, None, load_config().prioritize)
    shares = p[P.VALUE_CLASS].astype(str).value_counts(normalize=True)
    assert shares.max() < 0.9, shares.to_dict()
    assert shares.get("Eliminate", 0.0) < 0.5, shares.to_dict()
    assert p[P.VALUE_CLASS].astype(str).nunique() >= 3
    # with the former fixed amounts, every account without a referral is told to go to a competitor
    fixed = load_config(prioritize={"value": {"cost_to_serve": 5000, "cost_per_returned_order": 2000,
                                              "value_per_referral": 10000}}).prioritize
    old = P.prioritize_accounts(small, None, fixed).set_index(S.ACCOUNT_ID)
    no_referral = small.set_index(S.ACCOUNT_ID)[S.REFERRALS].astype(int).eq(0)
    assert (old.loc[no_referral[no_referral].index, P.VALUE_CLASS] == "Eliminate").all()
    assert (old[P.VALUE_CLASS] == "Eliminate").mean() > 0.9


def test_amounts_are_shares_of_the_median_revenue(small):
    c = load_config().prioritize
    med = float(np.median(small[S.REVENUE][small[S.REVENUE] > 0]))
    w = P.money_weights(small, c)
    assert list(w) == ["cost_to_serve", "cost_per_returned_order", "value_per_referral"]
    assert w["cost_to_serve"].amount == pytest.approx(0.04 * med)
    assert w["cost_per_returned_order"].amount == pytest.approx(0.02 * med)
    assert w["value_per_referral"].amount == pytest.approx(0.10 * med)
    assert all(m.derived and m.median_revenue == pytest.approx(med) for m in w.values())
    v = P.value_scores(small, None, c)
    manual = (small[S.REVENUE] * small[S.GROSS_MARGIN] / 100 - 0.02 * med * small[S.RETURNED_ORDERS]
              + 0.10 * med * small[S.REFERRALS] - 0.04 * med)
    assert v[P.NET_VALUE].to_numpy() == pytest.approx(manual.to_numpy(dtype=float))


def test_scores_do_not_depend_on_the_size_of_the_accounts(small):
    """Derived amounts scale with revenue, so a base 1,000 times larger gets the same scores and classes."""
    c = load_config().prioritize
    big = small.copy()
    big[S.REVENUE] = big[S.REVENUE] * 1000
    small_v, big_v = P.value_scores(small, None, c), P.value_scores(big, None, c)
    assert big_v[P.VALUE_SCORE].to_numpy() == pytest.approx(small_v[P.VALUE_SCORE].to_numpy())
    assert (big_v[P.VALUE_CLASS] == small_v[P.VALUE_CLASS]).all()


def test_an_amount_set_by_the_client_wins(tmp_path, sample_a):
    client = tmp_path / "client.yaml"
    client.write_text("prioritize:\n  value:\n    cost_to_serve: 5000\n", encoding="utf-8")
    cfg = load_config(client)
    c = cfg.prioritize
    assert c.value.cost_to_serve == 5000 and c.value.value_per_referral is None
    w = P.money_weights(sample_a.accounts, c)
    assert w["cost_to_serve"].amount == 5000 and not w["cost_to_serve"].derived
    assert w["value_per_referral"].derived
    table = P.settings_table(c, "EUR", sample_a.accounts, source=cfg.source[-1]).set_index("setting")["value"]
    serve = table[[k for k in table.index if "prioritize.value.cost_to_serve" in k][0]]
    assert serve == f"5,000 EUR (set in {client})"
    referral = table[[k for k in table.index if "prioritize.value.value_per_referral" in k][0]]
    assert referral == "10.0% of the median revenue 118,700 EUR = 11,870 EUR"


def test_settings_table_shows_the_amounts_used_on_the_sample(sample_a):
    c = sample_a.config.prioritize
    table = dict(P.settings_table(c, "EUR", sample_a.accounts).itertuples(index=False, name=None))
    assert table["Cost to serve per account and year (prioritize.value.cost_to_serve)"] == \
        "4.0% of the median revenue 118,700 EUR = 4,748 EUR"
    assert table["Cost per returned order (prioritize.value.cost_per_returned_order)"] == \
        "2.0% of the median revenue 118,700 EUR = 2,374 EUR"
    # without data, the rule
    rule = dict(P.settings_table(c, "EUR").itertuples(index=False, name=None))
    assert rule["Cost to serve per account and year (prioritize.value.cost_to_serve)"] == \
        "4.0% of the median revenue of the accounts with revenue"


def test_small_amounts_are_shown_with_cents(small):
    w = P.money_weights(small, load_config().prioritize)["cost_to_serve"]
    assert w.explain("USD").endswith(f"= {w.amount:,.2f} USD") and w.amount < 100


def test_the_sample_keeps_its_classes(sample_a):
    p = P.prioritize_accounts(sample_a.accounts, sample_a.sales_history, sample_a.config.prioritize)
    assert p[P.VALUE_CLASS].astype(str).value_counts().to_dict() == SAMPLE_VALUE_CLASSES


@pytest.mark.parametrize("value, message", [
    ({"cost_to_serve_share": -0.01}, "cost_to_serve_share"),
    ({"cost_to_serve_share": 4.0}, "cost_to_serve_share"),       # percent typed where a fraction is expected
    ({"value_per_referral_share": float("nan")}, "value_per_referral_share"),
    ({"cost_to_serve": -5}, "cost_to_serve"),
    ({"cost_to_serve": float("inf")}, "cost_to_serve"),
    ({"cost_per_returned_order": "a lot"}, "cost_per_returned_order"),
    ({"cost_to_serve_pct": 4}, "cost_to_serve_pct"),
])
def test_money_settings_are_validated(value, message):
    with pytest.raises(ConfigError) as err:
        load_config(prioritize={"value": value})
    assert f"prioritize.value.{message}" in str(err.value), str(err.value)


def test_no_revenue_at_all_gives_zero_amounts():
    acc = small_accounts(5)
    acc[S.REVENUE] = 0.0
    w = P.money_weights(acc, load_config().prioritize)
    assert all(m.amount == 0.0 for m in w.values())
    assert "no account has revenue" in w["cost_to_serve"].explain()


# --------------------------------------------------------------------------
# 2. One class holding (nearly) every account is warned about
# --------------------------------------------------------------------------
def test_warning_names_the_class_its_share_and_the_setting(small):
    fixed = load_config(prioritize={"value": {"cost_to_serve": 5000}}).prioritize
    p = P.prioritize_accounts(small, None, fixed)
    text = P.dominant_class_warning(p, fixed, currency="USD", source="client.yaml")
    assert text is not None
    assert "Eliminate" in text and "100%" in text and "5,000 USD, set in client.yaml" in text
    assert "prioritize.value.cost_to_serve" in text and "prioritize.dominant_class_share" in text
    # the defaults fit this base: no warning
    c = load_config().prioritize
    assert P.dominant_class_warning(P.prioritize_accounts(small, None, c), c) is None


def test_warning_threshold_is_configurable(sample_a):
    c = sample_a.config.prioritize
    p = P.prioritize_accounts(sample_a.accounts, sample_a.sales_history, c)
    assert c.dominant_class_share == 0.9
    assert P.dominant_class_warning(p, c) is None and P.dominant_class_warning(p, c, "potential") is None
    # Marginal holds 35 of the 65 accounts with revenue (54%)
    low = load_config(prioritize={"dominant_class_share": 0.5}).prioritize
    text = P.dominant_class_warning(p, low)
    assert "Marginal" in text and "54%" in text and "prioritize.value_classes" in text
    with pytest.raises(ConfigError, match="dominant_class_share"):
        load_config(prioritize={"dominant_class_share": 1.5})


def test_potential_warning_without_estimates(small):
    acc = small.copy()
    acc[S.POTENTIAL_REVENUE] = np.nan
    c = load_config().prioritize
    p = P.prioritize_accounts(acc, None, c)
    text = P.dominant_class_warning(p, c, "potential")
    assert text is not None and "Low" in text and "100%" in text and "potential_revenue" in text
    assert "prioritize.potential_classes" in text
    with pytest.raises(ValueError, match="which"):
        P.dominant_class_warning(p, c, "abc")


# --------------------------------------------------------------------------
# 3. Values near the largest float, and infinite values
# --------------------------------------------------------------------------
HUGE = np.array([1e308, 1e308, 5e307, 1e307, 3e306, 2e305, 7e304, 0.0, np.nan])
SMALL = HUGE * 1e-300  # the same data scaled down: 1e8, 1e8, 5e7, ...


def huge_accounts(values: np.ndarray) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame({
        S.ACCOUNT_ID: [f"H{i:02d}" for i in range(n)],
        S.ACCOUNT_NAME: [f"Giant {i}" for i in range(n)],
        S.RELATIONSHIP_TYPE: "customer",
        S.STATUS: "active",
        S.REVENUE: values,
        S.VOLUME: values / 3,
        S.GROSS_MARGIN: np.linspace(10, 40, n),
        S.RETURNED_ORDERS: np.arange(n) % 3,
        S.REFERRALS: np.arange(n) % 2,
        S.POTENTIAL_REVENUE: values[::-1] / 2,
        S.KEY_ACCOUNT: False,
    })


def test_abc_classes_near_the_largest_float_match_the_scaled_down_data():
    c = load_config().prioritize
    ids = pd.Series([f"H{i:02d}" for i in range(len(HUGE))])
    big = P.abc_classes(pd.Series(HUGE, name=S.REVENUE), c, ids)
    ref = P.abc_classes(pd.Series(SMALL, name=S.REVENUE), c, ids)
    assert big[P.CLASS].astype(str).tolist() == ref[P.CLASS].astype(str).tolist()
    assert (big[P.CLASS] == "A").sum() == 3
    assert big[P.SHARE].to_numpy() == pytest.approx(ref[P.SHARE].to_numpy(), nan_ok=True)
    assert big[P.CUMULATIVE].to_numpy() == pytest.approx(ref[P.CUMULATIVE].to_numpy(), nan_ok=True)
    assert np.isfinite(big[P.SHARE].dropna()).all()


def test_concentration_measures_near_the_largest_float_match_the_scaled_down_data():
    assert P.gini(HUGE) == pytest.approx(P.gini(SMALL), rel=1e-12)
    assert P.herfindahl(HUGE) == pytest.approx(P.herfindahl(SMALL), rel=1e-12)
    for pct in (5, 10, 20, 50):
        assert P.top_share(HUGE, pct) == pytest.approx(P.top_share(SMALL, pct), rel=1e-12)
    big, ref = P.lorenz_curve(HUGE, None), P.lorenz_curve(SMALL, None)
    assert big[P.VALUE_SHARE].to_numpy() == pytest.approx(ref[P.VALUE_SHARE].to_numpy())
    assert 0 < P.gini(HUGE) < 1 and 0 < P.herfindahl(HUGE) < 10_000


def test_scaling_is_exact_for_ordinary_data():
    rng = np.random.default_rng(5)
    x = np.exp(rng.normal(10, 1.5, 300))
    s = np.sort(x)
    i = np.arange(1, len(s) + 1)
    assert P.gini(x) == 2.0 * np.sum(i * s) / (len(s) * s.sum()) - (len(s) + 1.0) / len(s)
    assert P.herfindahl(x) == np.sum((100.0 * x / x.sum()) ** 2)


def test_concentration_table_near_the_largest_float():
    """Totals that fit are reported; Gini, HHI and top shares match the scaled-down data."""
    c = load_config().prioritize
    fits = HUGE / 4  # the total (about 6.6e307) still fits in a float
    big = P.concentration(huge_accounts(fits), c).set_index("measure")
    ref = P.concentration(huge_accounts(fits * 1e-300), c).set_index("measure")
    for col in ("gini", "hhi", *(P.top_share_column(p) for p in c.top_shares_pct)):
        assert big[col].to_numpy() == pytest.approx(ref[col].to_numpy(), rel=1e-12), col
    assert big.at[S.REVENUE, "total"] == pytest.approx(np.nansum(fits))
    # a total past the largest float cannot be reported: a clear error, not a blank
    with pytest.raises(ValueError) as err:
        P.concentration(huge_accounts(HUGE), c)
    text = str(err.value)
    assert text.startswith("revenue:") and "H00" in text and "H01" in text and "1.8e308" in text


def test_prioritize_accounts_near_the_largest_float_matches_the_scaled_down_data():
    c = load_config().prioritize
    big = P.prioritize_accounts(huge_accounts(HUGE), None, c).set_index(S.ACCOUNT_ID)
    ref = P.prioritize_accounts(huge_accounts(SMALL), None, c).set_index(S.ACCOUNT_ID)
    assert (big[P.ABC_CLASS] == "A").sum() == 3
    for col in (P.ABC_CLASS, P.ABC_CLASS_VOLUME, P.VALUE_CLASS, P.POTENTIAL_CLASS, S.KEY_ACCOUNT):
        assert big[col].astype(str).tolist() == ref[col].astype(str).tolist(), col
    for col in (P.REVENUE_SHARE, P.CUMULATIVE_SHARE, P.VALUE_SCORE, P.POTENTIAL_SCORE):
        assert big[col].to_numpy() == pytest.approx(ref[col].to_numpy(), nan_ok=True), col
    assert big[P.VALUE_SCORE].notna().sum() == 7
    assert big[P.NET_VALUE].dropna().to_numpy() == pytest.approx(ref[P.NET_VALUE].dropna().to_numpy() * 1e300)


def test_sales_trend_near_the_largest_float():
    periods = ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    rev = np.array([1e307, 1.2e307, 1.1e307, 1.5e307])
    sh = lambda r: pd.DataFrame({S.ACCOUNT_ID: "H00", S.PERIOD: periods, S.REVENUE: r})  # noqa: E731
    big, ref = P.sales_trend(sh(rev), 5.0), P.sales_trend(sh(rev * 1e-300), 5.0)
    assert big.at["H00", P.SALES_TREND] == pytest.approx(ref.at["H00", P.SALES_TREND])
    assert big.at["H00", "history_revenue"] == pytest.approx(rev.sum())
    with pytest.raises(ValueError, match=r"sales_history\.revenue: the history total of H00"):
        P.sales_trend(sh(np.full(4, 1.7e308)))


def test_infinite_values_are_refused_with_column_and_account():
    c = load_config().prioritize
    vals = SMALL.copy()
    vals[3] = np.inf
    acc = huge_accounts(vals)
    with pytest.raises(ValueError, match=r"revenue: 1 value\(s\) are infinite, at H03"):
        P.prioritize_accounts(acc, None, c)
    with pytest.raises(ValueError, match=r"revenue: .*infinite, at H03"):
        P.value_scores(acc, None, c)
    with pytest.raises(ValueError, match=r"revenue: .*infinite, at H03"):
        P.concentration(acc, c)
    with pytest.raises(ValueError, match="infinite"):
        P.gini([1.0, np.inf])
    for f in (P.herfindahl, lambda x: P.top_share(x, 10), P.lorenz_curve):
        with pytest.raises(ValueError, match="infinite"):
            f(pd.Series([1.0, -np.inf], name=S.VOLUME))
    with pytest.raises(ValueError, match=r"sales_history\.revenue.*infinite"):
        P.sales_trend(pd.DataFrame({S.ACCOUNT_ID: ["H00", "H00"], S.PERIOD: ["2024", "2025"],
                                    S.REVENUE: [1.0, np.inf]}))


def test_net_value_past_the_largest_float_is_refused():
    acc = huge_accounts(np.array([1.7e308, 1.6e308, 1e308]))
    acc[S.GROSS_MARGIN] = 100.0
    acc[S.REFERRALS] = [0, 0, 10**9]  # 1e9 referrals at 10% of 1.6e308 each
    with pytest.raises(ValueError, match=r"net_value: .*H02.*1\.8e308"):
        P.value_scores(acc, None, load_config().prioritize)


def test_tables_that_add_up_revenue_refuse_an_overflowing_total():
    c = load_config().prioritize
    # ranks and classes are right; the per-class totals in currency cannot be represented
    p = P.prioritize_accounts(huge_accounts(HUGE), None, c)
    plan = P.contact_plan(p)
    for call in (lambda: P.abc_summary(p, c), lambda: P.segment_breakdown(p, c),
                 lambda: P.value_potential_matrix(p, c), lambda: P.headline_figures(p, pd.DataFrame(), plan, c)):
        with pytest.raises(ValueError, match=r"revenue: the total"):
            call()
    # below the limit they match the scaled-down data
    fits = HUGE / 4
    big = P.abc_summary(P.prioritize_accounts(huge_accounts(fits), None, c), c)
    ref = P.abc_summary(P.prioritize_accounts(huge_accounts(fits * 1e-300), None, c), c)
    assert big[P.SHARE].to_numpy() == pytest.approx(ref[P.SHARE].to_numpy())
    assert big[P.ACCOUNTS_COL].tolist() == ref[P.ACCOUNTS_COL].tolist()
