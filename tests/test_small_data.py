"""Honest about thin data: 6 accounts, 2 needs, 11 verbatims from 8 interviews give notes, not figures."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cra_helpers import gap, paths
from cra_helpers import needs_tree as nt
from cra_helpers import schema as S
from cra_helpers.config import load_config
from cra_helpers.loader import load_assessment
from cra_helpers.pipeline import run_pipeline


def _small_assessment(folder: Path) -> Path:
    """A CSV folder cut from the sample: 6 accounts, 2 needs, 8 interviews, 11 verbatims."""
    a = load_assessment(paths.sample_path())
    t = {k: v.copy() for k, v in a.tables.items()}
    contacts = t[S.CONTACTS]
    interviews = t[S.INTERVIEWS].merge(contacts[[S.CONTACT_ID, S.ACCOUNT_ID]], on=S.CONTACT_ID)
    with_words = interviews[interviews[S.INTERVIEW_ID].isin(t[S.VERBATIMS][S.INTERVIEW_ID])]
    accounts = with_words[S.ACCOUNT_ID].drop_duplicates().head(6).tolist()
    pool = with_words[with_words[S.ACCOUNT_ID].isin(accounts)]
    first = pool.groupby(S.ACCOUNT_ID).head(1)
    chosen = pd.concat([first, pool.drop(first.index).head(2)])
    assert len(chosen) == 8 and chosen[S.ACCOUNT_ID].nunique() == 6
    ids = chosen[S.INTERVIEW_ID].tolist()
    needs = t[S.NEEDS][S.NEED_ID].head(2).tolist()
    verb = t[S.VERBATIMS][t[S.VERBATIMS][S.INTERVIEW_ID].isin(ids)]
    verb = pd.concat([verb.groupby(S.INTERVIEW_ID).head(1), verb]).drop_duplicates(S.VERBATIM_ID).head(11)
    keep = {
        S.ACCOUNTS: t[S.ACCOUNTS][t[S.ACCOUNTS][S.ACCOUNT_ID].isin(accounts)],
        S.LOCATIONS: t[S.LOCATIONS][t[S.LOCATIONS][S.ACCOUNT_ID].isin(accounts)],
        S.CONTACTS: contacts[contacts[S.ACCOUNT_ID].isin(accounts)],
        S.COMPETITORS: t[S.COMPETITORS],
        S.NEEDS: t[S.NEEDS][t[S.NEEDS][S.NEED_ID].isin(needs)],
        S.INTERVIEWS: t[S.INTERVIEWS][t[S.INTERVIEWS][S.INTERVIEW_ID].isin(ids)],
        S.RATINGS: t[S.RATINGS][t[S.RATINGS][S.INTERVIEW_ID].isin(ids) & t[S.RATINGS][S.NEED_ID].isin(needs)],
        S.LOYALTY: t[S.LOYALTY][t[S.LOYALTY][S.INTERVIEW_ID].isin(ids)],
        S.VERBATIMS: verb,
    }
    assert len(verb) == 11
    folder.mkdir(parents=True)
    for name, frame in keep.items():
        out = frame.copy()
        for col in out.columns:
            if pd.api.types.is_datetime64_any_dtype(out[col]):
                out[col] = out[col].dt.strftime("%Y-%m-%d")
        out.to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return _small_assessment(tmp_path_factory.mktemp("small") / "assessment")


def test_quadrants_need_enough_needs(small):
    a = load_assessment(small)
    needs = gap.need_gaps(a)
    assert needs[S.IMPORTANCE].notna().sum() == 2
    assert (needs["quadrant"] == "").all()
    assert "Not enough data to name quadrants" in gap.quadrant_note(needs, a.config)
    mid = gap.need_gaps(a, crosshair="midpoints")  # fixed crosshairs: names stand with any number of needs
    assert (mid["quadrant"] != "").all() and gap.quadrant_note(mid, a.config) is None


def test_saturation_and_tree_need_enough_remarks(small):
    a = load_assessment(small)
    cfg = load_config()
    tree = nt.needs_tree(a, cfg)
    assert "Not enough data for a needs tree: 11 remark(s)" in nt.too_thin(tree, cfg.needs_tree.min_verbatims)
    remarks = nt.plain_remarks(tree)
    assert len(remarks) == 11 and "name" not in remarks.columns
    curves, summary = nt.saturation_tables(tree, min_interviews=cfg.needs_tree.saturation_min_interviews)
    assert not summary["estimable"].any() and summary["share_undiscovered"].isna().all() and curves.empty
    assert "Not enough data to estimate saturation: 8 interview(s)" in nt.saturation_note(summary, 10)


@pytest.mark.slow
def test_reports_on_thin_data_say_so_instead_of_showing_figures(small, tmp_path):
    result = run_pipeline(data=small, out=tmp_path / "out", only=["02_quantitative", "03_needs_tree", "04_gap_analysis"],
                          echo=lambda _l: None)
    assert result.ok, [n.error for n in result.notebooks]
    out = result.out_dir
    tree_page = (out / "03_needs_tree.html").read_text(encoding="utf-8")
    assert "Not enough data for a needs tree" in tree_page and "Not enough data to estimate saturation" in tree_page
    assert not (out / "tables" / "saturation.csv").exists() and not (out / "tables" / "needs_tree_nodes.csv").exists()
    assert (out / "tables" / "needs_tree_remarks.csv").exists()
    gap_page = (out / "04_gap_analysis.html").read_text(encoding="utf-8")
    assert "Not enough data to name quadrants" in gap_page
    for name in gap.QUADRANTS:
        assert name not in gap_page, name
    assert (pd.read_csv(out / "tables" / "gap_needs.csv")["quadrant"].isna()).all()
    heads = {h["label"]: h["value"] for nb in json.loads((out / "summary.json").read_text())["notebooks"] for h in nb["headlines"]}
    assert "Needs not yet heard (estimate)" not in heads
