"""Notebook sentences about settings follow the configuration, not the defaults."""

from __future__ import annotations

from cra_helpers import prose
from cra_helpers.config import load_config


def test_a_client_rule_changes_the_sentence():
    cfg = load_config(prioritize={"key_accounts": {"value_classes": ["Superior"], "include_flagged": False},
                                  "abc_classes": [{"name": "A", "upto_pct": 70}, {"name": "B", "upto_pct": 90},
                                                  {"name": "C", "upto_pct": 100}]},
                      quantitative={"drivers": {"bootstrap_resamples": 500}, "top_box_points": 3})
    assert prose.key_account_rule(cfg.prioritize) == "Key accounts: the active accounts in ABC class A and in value class Superior."
    assert prose.abc_rule(cfg.prioritize).startswith("Class A holds the accounts that make the first 70% of revenue")
    assert "B the next 20%" in prose.abc_rule(cfg.prioritize)
    assert "500 bootstrap resamples" in prose.driver_method(cfg)
    assert prose.top_box_rule(cfg) == "Top-3-box share: answers of 8, 9 or 10 on the 1–10 performance scale."


def test_notebooks_do_not_hard_code_these_settings():
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "notebooks"
    text = {p.name: " ".join("".join(c["source"]) for c in json.loads(p.read_text())["cells"] if c["cell_type"] == "markdown")
            for p in root.glob("*.ipynb")}
    for phrase in ("1,000 bootstrap", "first 80% of revenue", "answers of 9 or", "Low below 10%",
                   "class A whose value class is Average or"):
        assert not any(phrase in t for t in text.values()), phrase
