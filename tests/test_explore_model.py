"""The explorer's model against the package's analyses computed independently, and the widget page python-side."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cra_helpers import gap, loyalty, paths, quantitative
from cra_helpers import schema as S
from cra_helpers.assessment import Assessment
from cra_helpers.explore.model import EXPORT_FILES, THIN, ExplorerModel, Filters
from cra_helpers.loader import load_assessment


@pytest.fixture(scope="module")
def a() -> Assessment:
    return load_assessment(paths.sample_path())


@pytest.fixture(scope="module")
def model(a) -> ExplorerModel:
    return ExplorerModel(a, sentiment_method="vader")


def _account(a: Assessment) -> str:
    return str(a.respondents()[S.ACCOUNT_ID].value_counts().index[0])


def test_one_account_equals_the_filtered_assessment(a, model):
    acc = _account(a)
    v = model.views(Filters(account=(acc,)))
    sub = a.filter(accounts=acc)
    pd.testing.assert_frame_equal(v.need_scores.drop(columns=THIN), quantitative.need_scores(sub))
    pd.testing.assert_frame_equal(v.gaps.drop(columns=THIN), gap.need_gaps(sub))
    pd.testing.assert_frame_equal(v.segments[list(loyalty.segment_shares(sub).columns)], loyalty.segment_shares(sub))
    assert v.n_respondents == len(sub.interviews)
    assert set(v.verbatims[S.VERBATIM_ID]) == set(sub.verbatims[S.VERBATIM_ID].astype(str))


def test_whole_portfolio_equals_the_analyses(a, model):
    v = model.views(Filters())
    pd.testing.assert_frame_equal(v.need_scores.drop(columns=THIN), quantitative.need_scores(a))
    ref = gap.account_gaps(a)
    pd.testing.assert_frame_equal(v.account_gaps[list(ref.columns)], ref)
    comp = gap.competitor_gaps(a)
    pd.testing.assert_frame_equal(v.competitors[list(comp.columns)], comp)
    assert v.n_respondents == len(a.interviews)


def test_level_filter_matches_independent_selection(a, model):
    v = model.views(Filters(level=("executive",)))
    resp = a.respondents()
    ids = set(resp.loc[resp[S.LEVEL] == "executive", S.INTERVIEW_ID])
    assert v.n_respondents == len(ids)
    r = a.ratings[a.ratings[S.INTERVIEW_ID].isin(ids)].drop_duplicates([S.INTERVIEW_ID, S.NEED_ID])
    perf = r.groupby(S.NEED_ID)[S.PERFORMANCE].mean()
    mine = v.need_scores[v.need_scores[quantitative.MEASURE] == S.PERFORMANCE].set_index(S.NEED_ID)[quantitative.MEAN]
    np.testing.assert_allclose(mine.reindex(perf.index).to_numpy(float), perf.to_numpy(float))


def test_filters_narrow_n(a, model):
    acc = _account(a)
    whole = model.views(Filters())
    one = model.views(Filters(account=(acc,)))
    narrower = model.views(Filters(account=(acc,), decision_role=("decision-maker",)))
    assert whole.n_respondents > one.n_respondents >= narrower.n_respondents
    lo, hi = model.date_bounds()
    dated = model.views(Filters(date_from=lo, date_to=lo + (hi - lo) / 2))
    assert 0 < dated.n_respondents < whole.n_respondents
    none = model.views(Filters(date_from=hi + dt.timedelta(days=1)))
    assert none.n_respondents == 0 and none.notes


def test_thin_groups_are_flagged_with_the_configured_minimum(a, model):
    v = model.views(Filters(level=("executive",), department=(model.options()["department"][0][1],)))
    min_n = a.config.gap.min_n
    assert (v.gaps[THIN] == (v.gaps["n"] < min_n)).all()
    assert any(str(min_n) in note for note in v.notes) or not v.gaps[THIN].any()


def test_competitor_filter_selects_rows(model):
    comp = model.options()["competitor"][0][1]
    v = model.views(Filters(competitor=(comp,)))
    assert set(v.competitors[S.COMPETITOR_ID]) == {comp}
    assert v.n_respondents == model.views(Filters()).n_respondents


def test_options_use_names(a, model):
    opts = model.options()
    names = a.account_names()
    assert all(label == names[value] for label, value in opts["account"])
    assert {v for _, v in opts["competitor"]} == set(a.competitors[S.COMPETITOR_ID].astype(str))


def _planted(a: Assessment, text: str) -> Assessment:
    tables = dict(a.tables)
    v = tables[S.VERBATIMS].copy()
    v[S.TEXT] = v[S.TEXT].astype(object)
    v.iloc[0, v.columns.get_loc(S.TEXT)] = text
    tables[S.VERBATIMS] = v
    return Assessment(tables, a.config, a.source)


def test_search_finds_a_planted_phrase_and_escapes(a):
    planted = _planted(a, "=HYPERLINK(1) The Zebra invoice <script>alert(1)</script> arrived")
    m = ExplorerModel(planted, sentiment_method="vader")
    v = m.views(Filters())
    hits = m.search(v, "zebra INVOICE")
    assert len(hits) == 1
    h = hits["highlight"].iloc[0]
    assert "<script>" not in h and "&lt;script&gt;" in h
    assert "<mark>Zebra</mark>" in h and "<mark>invoice</mark>" in h
    assert len(m.search(v, "zebra nonexistentword")) == 0
    assert "name" not in v.verbatims.columns and S.CONTACT_ID not in v.verbatims.columns


def test_export_neutralises_formulas(a, tmp_path):
    planted = _planted(a, "=HYPERLINK(\"http://x\")")
    m = ExplorerModel(planted, sentiment_method="vader")
    files = m.export(m.views(Filters()), tmp_path)
    assert [p.name for p in files] == list(EXPORT_FILES.values())
    text = (tmp_path / "explore_verbatims.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text
    assert all(p.parent == tmp_path for p in files)


def test_filters_parameters_round_trip():
    cases = [Filters(), Filters(account=("A025",)), Filters(account=("A1", "A2"), location=("L1",), competitor=("CMP2",)),
             Filters(level=("executive",), wave=("2026",), date_from=dt.date(2026, 2, 1), date_to=dt.date(2026, 3, 1))]
    for f in cases:
        spec = f.to_parameters()
        assert set(spec["parameters"]) == {"account", "location", "competitor"}
        assert Filters.from_parameters(spec) == f
    assert Filters(account=("A1", "A2")).to_parameters()["parameters"]["account"] == ""


def test_build_explorer_set_filters_changes_figures(a):
    from cra_helpers.explore.app import FIGURE_NAMES, build_explorer

    e = build_explorer(a, sentiment_method="vader")
    assert set(e.figures) == set(FIGURE_NAMES)
    before = [list(t.x) for t in e.figures["need_scores"].data]
    acc = _account(a)
    e.set_filters(Filters(account=(acc,)))
    after = [list(t.x) for t in e.figures["need_scores"].data]
    assert before != after
    assert e.controls["account"].value == (acc,)
    assert e.views.n_respondents == len(a.filter(accounts=acc).interviews)
    assert "n = " in e.counts["need_scores"].value
    assert '"account": "' + acc in e.show_parameters()
    e.search_box.value = "<script>"
    assert "<script>" not in e.verbatim_list.value
