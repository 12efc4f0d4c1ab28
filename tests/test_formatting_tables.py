"""Rules of the tables shown for people (report.html_table with people=True and the formatting helpers)."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from cra_helpers import formatting as F
from cra_helpers.report import html_table


def _parse(markup: str) -> tuple[list[str], list[list[str]]]:
    soup = BeautifulSoup(markup, "html.parser")
    heads = [th.get_text() for th in soup.select("thead th")]
    rows = [[td.get_text() for td in tr.select("td")] for tr in soup.select("tbody tr")]
    return heads, rows


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "account_id": ["A005", "00123", "1e3"],           # ids that are text, some look like numbers
        "need_id": ["N09", "N10", "N11"],
        "revenue_share": [0.2, 0.0152, 1.0],             # fractions 0–1
        "performance_top2_pct": [8.2, 50.0, 100.0],      # already 0–100
        "p_holm": [1.7e-12, 0.0412, np.nan],
        "p_value": [0.0, 0.9999, 0.001],
        "n": [1234567.0, 52.0, 0.0],
        "contacts_per_year": [52.0, 12.0, 4.0],
        "mean_rating": [6.478, 7.0, -1.25],
        "groups": [12, 3, 1_000],                           # integer dtype
        "key_account": [True, False, True],
    })


def test_people_table_headers_in_words_and_values_for_people():
    heads, rows = _parse(html_table(_frame(), people=True, digits=2))
    assert heads == ["Account ID", "Need ID", "Revenue share", "Performance top-2-box %", "p (Holm)", "p", "n",
                     "Contacts per year", "Mean rating", "Groups", "Key account"]
    assert not any("_" in h for h in heads)
    col = {h: [r[i] for r in rows] for i, h in enumerate(heads)}
    assert col["Account ID"] == ["A005", "00123", "1e3"] and col["Need ID"] == ["N09", "N10", "N11"]
    assert col["Revenue share"] == ["20%", "1.5%", "100%"]
    assert col["Performance top-2-box %"] == ["8.2%", "50%", "100%"]
    assert col["p (Holm)"] == ["< 0.001", "0.041", "–"]
    assert col["p"] == ["< 0.001", "1.000", "0.001"]
    assert col["n"] == ["1,234,567", "52", "0"]
    assert col["Contacts per year"] == ["52", "12", "4"]
    assert col["Mean rating"] == ["6.48", "7.00", "-1.25"]
    assert col["Groups"] == ["12", "3", "1,000"]
    assert col["Key account"] == ["yes", "no", "yes"]


def test_share_percent_matches_an_independent_computation():
    shares = pd.Series([0.0, 0.123, 0.5, 0.999, 0.0512])
    _, rows = _parse(html_table(pd.DataFrame({"share": shares}), people=True))
    for (text,), v in zip(rows, shares):
        value = float(text.rstrip("%"))
        decimals = len(text.rstrip("%").partition(".")[2])
        assert math.isclose(value, v * 100, abs_tol=0.5 * 10 ** -decimals + 1e-9), (text, v)


def test_share_column_above_one_is_read_as_percent():
    assert F.column_kind("revenue_share", pd.Series([12.0, 88.0])) == "percent"
    assert F.column_kind("revenue_share", pd.Series([0.12, 0.88])) == "fraction"


def test_without_people_the_table_is_unchanged():
    heads, rows = _parse(html_table(_frame(), people=False))
    assert heads[:3] == ["account_id", "need_id", "revenue_share"] and rows[0][2] == "0.20"


@pytest.mark.parametrize("name, kind", [
    ("p", "p"), ("p_value", "p"), ("p_adjusted", "p"), ("p_holm", "p"),
    ("share", "fraction"), ("accounts_share", "fraction"), ("top_5pct_share", "fraction"),
    ("repeat_pct", "percent"), ("pct_of_r2", "percent"), ("top2_ci_low", "percent"),
    ("n", "count"), ("n_interviews", "count"), ("count", "count"), ("interviews", "count"), ("rank_gap", "count"),
    ("potential_revenue", "number"), ("performance", "number"), ("importance_ci_low", "number"),
])
def test_column_kinds_by_name(name, kind):
    assert F.column_kind(name, pd.Series([0.0, 1.0, 1.0])) == kind


def test_count_named_column_with_fractions_keeps_decimals():
    assert F.column_kind("n", pd.Series([45.3, 12.0])) == "number"


def test_report_table_formats_only_the_display(tmp_path, monkeypatch):
    from cra_helpers import report as R

    shown: list[str] = []
    monkeypatch.setattr(R, "_display", lambda obj: shown.append(obj.html))
    rep = R.Report.__new__(R.Report)
    rep.out_dir, rep.tables = tmp_path, []
    (tmp_path / R.TABLES_DIR).mkdir()
    df = pd.DataFrame({"account_id": ["A005"], "p_holm": [2e-11], "revenue_share": [0.2]})
    R.Report.table(rep, df, "t")
    heads, rows = _parse(shown[0])
    assert heads == ["Account ID", "p (Holm)", "Revenue share"] and rows == [["A005", "< 0.001", "20%"]]
    back = pd.read_csv(tmp_path / R.TABLES_DIR / "t.csv")
    assert list(back.columns) == ["account_id", "p_holm", "revenue_share"]
    assert back.loc[0, "p_holm"] == pytest.approx(2e-11) and back.loc[0, "revenue_share"] == pytest.approx(0.2)


def test_headers_of_machine_names_have_no_underscore():
    for name in ["top_5pct_share", "pct_ci_low", "n_a", "cliffs_delta", "epsilon_squared", "performance_top2_pct",
                 "nps_role_weighted", "rank_opportunity", "quadrant_derived", "A_accounts"]:
        assert "_" not in F.column_header(name), name


@pytest.mark.parametrize("top", [0, 1, 3, 6, 7, 13, 18, 40, 99, 720, 5000, 123456])
def test_count_axis_ticks_are_whole_numbers(top):
    ax = F.count_axis(top)
    step = ax["dtick"]
    assert isinstance(step, int) and step >= 1
    assert max(top, 1) / step <= 6                       # at most six steps up to the tallest bar
    assert re.fullmatch(r"[125]0*", str(step))            # 1, 2, 5 × 10^k
    assert ax["tickformat"] == ",d" and ax["tick0"] == 0


def test_display_names_keep_ids_apart():
    assert F.display_names(["A1", "A2"], {"A1": "Acme", "A2": "Beta"}) == ["Acme", "Beta"]
    assert F.display_names(["A1", "A2"], {"A1": "Acme", "A2": "Acme"}) == ["Acme (A1)", "Acme (A2)"]
    assert F.display_names(["A9"], {}) == ["A9"]
