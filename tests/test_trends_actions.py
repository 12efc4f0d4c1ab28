"""Which actions of the previous plan moved their metric: verdicts that follow the adjusted test, the planted
changes of the sample's second wave found at the accounts affected, sentences that state the table's figures."""

from __future__ import annotations

import pandas as pd
import pytest

from cra_helpers import paths, trends
from cra_helpers import trends_actions as TA
from cra_helpers.actions import plan_columns
from cra_helpers.loader import load_assessment


@pytest.fixture(scope="module")
def waves():
    first = load_assessment(paths.sample_path())
    second = load_assessment(paths.sample_dir() / "waves" / "2027" / "assessment.xlsx")
    return first, trends.wave_changes(second, first, first.config)


def _plan(config, rows):
    cols = plan_columns(config)
    return pd.DataFrame([{cols["action"]: action, cols["needs"]: needs, cols["rating_measure"]: f"Customers' rating of {needs.split(';')[0]} (1–10)",
                          cols["rating_baseline"]: 6.0, cols["rating_target"]: target, cols["status"]: "done",
                          cols["progress"]: 100.0, cols["accounts"]: accounts}
                         for action, needs, target, accounts in rows])


def _portfolio(changes, need):
    t = changes[(changes["metric"] == "performance") & (changes["scope"] == "portfolio") & (changes["need_name"] == need)]
    assert len(t) == 1
    return t.iloc[0]


def test_verdicts_follow_the_trend_table(waves):
    first, changes = waves
    plan = _plan(first.config, [
        ("Technical hotline with a callback promise", "Technical support", 9.5, "A068; A005"),
        ("Value-based pricing review", "Price level; Value engineering", 5.0, "A014; A050"),
        ("Carbon report per shipment", "Carbon accounting", 7.0, "A014"),
    ])
    got = TA.action_progress(plan, changes, first.config).set_index("action")
    for action, need in (("Technical hotline with a callback promise", "Technical support"),
                         ("Value-based pricing review", "Price level")):
        row, want = got.loc[action], _portfolio(changes, need)
        assert row["need_name"] == need
        assert row["change"] == pytest.approx(want["change"]) and row["p_adjusted"] == pytest.approx(want["p_adjusted"])
        expected = (TA.IMPROVED if want["change"] > 0 else TA.WORSENED) if want["significant"] else TA.UNCHANGED
        assert row["verdict"] == expected
        assert f"{want['change']:+.2f}" in row["finding"] and f"{want['previous']:.2f} → {want['current']:.2f}" in row["finding"]
    # the planted changes of the second wave at the accounts affected
    assert "Elmsworth Automation plc (-2.15)" in got.loc["Technical hotline with a callback promise", "accounts_moved"]
    moved = got.loc["Value-based pricing review", "accounts_moved"]
    assert "Uppsalund Life Sciences AG (+1.91)" in moved and "Nordhavn Rail GmbH" in moved
    assert got.loc["Value-based pricing review", "target_reached"]  # target 5.0 below the current mean
    assert not got.loc["Technical hotline with a callback promise", "target_reached"]  # 9.5 not reached
    # a need the waves do not hold: nothing is claimed
    assert got.loc["Carbon report per shipment", "verdict"] == TA.NOT_MEASURED
    assert "cannot be said" in got.loc["Carbon report per shipment", "finding"]


def test_accounts_outside_the_plan_are_not_credited(waves):
    first, changes = waves
    plan = _plan(first.config, [("Pricing review at one account", "Price level", 7.0, "A005")])
    got = TA.action_progress(plan, changes, first.config).iloc[0]
    assert got["accounts_moved"] == ""  # Uppsalund's +1.91 is not this plan's account


def test_not_significant_says_why(waves):
    first, changes = waves
    unchanged = changes[(changes["metric"] == "performance") & (changes["scope"] == "portfolio")
                        & ~changes["significant"].astype(bool)]
    need = unchanged["need_name"].iloc[0]
    got = TA.action_progress(_plan(first.config, [("An action", need, 9.0, "")]), changes, first.config).iloc[0]
    assert got["verdict"] == TA.UNCHANGED and "no significant change" in got["finding"] and "adjusted p" in got["finding"]
