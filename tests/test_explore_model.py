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


def _fake_tree(a: Assessment):
    """A two-level tree over the sample's verbatims, planted by topic (independent of the tree builder)."""
    from types import SimpleNamespace

    v = a.verbatims[[S.VERBATIM_ID, S.TOPIC]].astype(str).reset_index(drop=True)
    topics = sorted(v[S.TOPIC].unique())[:4]
    v = v[v[S.TOPIC].isin(topics)].copy()
    v["primary"] = "P01"
    v["secondary"] = v[S.TOPIC].map({t: f"S{i:02d}" for i, t in enumerate(topics, 1)})
    v["tertiary"] = ""
    v["sentiment"] = np.where(np.arange(len(v)) % 3 == 0, -0.5, 0.4)
    nodes = pd.DataFrame({"node_id": ["P01", *[f"S{i:02d}" for i in range(1, len(topics) + 1)]],
                          "level": ["primary", *["secondary"] * len(topics)], "parent_id": [None, *["P01"] * len(topics)],
                          "label": ["All", *topics]})
    return SimpleNamespace(verbatims=v, nodes=nodes), v


def test_need_filter_keeps_the_respondents_who_voiced_it(a):
    tree, placed = _fake_tree(a)
    m = ExplorerModel(a, tree, sentiment_method="vader")
    whole = m.views(Filters())
    counts = whole.tree.set_index("node_id")["verbatims"]
    assert counts["P01"] == len(placed) == counts.drop("P01").sum()  # a parent counts its children's verbatims
    ref = placed.groupby("secondary")["sentiment"].mean()
    assert np.allclose(whole.tree.set_index("node_id").loc[ref.index, "sentiment"], ref)
    v = m.views(Filters(node=("S02",)))
    mine = placed.loc[placed["secondary"] == "S02", S.VERBATIM_ID]
    voiced = set(a.verbatims.loc[a.verbatims[S.VERBATIM_ID].astype(str).isin(mine), S.INTERVIEW_ID].astype(str))
    assert v.n_respondents == len(voiced) < whole.n_respondents
    assert set(v.verbatims[S.VERBATIM_ID]) == set(mine)  # the list: that node's verbatims only
    r = a.ratings[a.ratings[S.INTERVIEW_ID].astype(str).isin(voiced)].drop_duplicates([S.INTERVIEW_ID, S.NEED_ID])
    perf = r.groupby(S.NEED_ID)[S.PERFORMANCE].mean()
    shown = v.need_scores[v.need_scores[quantitative.MEASURE] == S.PERFORMANCE].set_index(S.NEED_ID)[quantitative.MEAN]
    assert np.allclose(shown.loc[perf.index], perf)  # the other views: all answers of those respondents
    assert any("Need filter" in n for n in v.notes)
    assert ("Secondary: " + sorted(a.verbatims[S.TOPIC].astype(str).unique())[1], "S02") in m.options()["node"]


def test_estimates_below_the_minimum_are_greyed_in_every_figure(a, model):
    from cra_helpers import style
    from cra_helpers.explore.app import figures_of

    def mixed(f: Filters) -> bool:
        g = model.views(f).gaps
        return 0 < int(g[THIN].sum()) < int((g["n"] > 0).sum())

    accounts = [v for _, v in model.options()["account"]]
    f = next(f for f in (Filters(account=(acc,), level=(lv,)) for acc in accounts for lv in S.LEVELS) if mixed(f))
    v = model.views(f)  # a selection where some needs are rated by too few, others not
    thin_needs = set(v.gaps.loc[v.gaps[THIN] & (v.gaps["n"] > 0), S.NEED_ID])
    figs = figures_of(v, a)
    perf = figs["need_scores"].data[1]
    labels = list(figs["need_scores"].layout.yaxis.ticktext)
    from cra_helpers.safe import escape_html

    names = {k: escape_html(n) for k, n in zip(a.needs[S.NEED_ID], a.needs[S.NEED_NAME])}
    unrated = set(v.gaps.loc[v.gaps["n"] == 0, S.NEED_ID])
    for colour, label in zip(perf.marker.color, labels):
        few = any(label.startswith(names[n] + " ") for n in thin_needs)
        assert ("too few" in label) == few, label
        assert (colour == style.THIN) == (few or any(label.startswith(names[n] + " ") for n in unrated)), label
    matrix = {t.name: t for t in figs["gaps"].data}
    assert set(matrix["Too few ratings (indicative)"].text) == {names[n] for n in thin_needs}
    assert not any(set(t.text) & {names[n] for n in thin_needs} for name, t in matrix.items() if name != "Too few ratings (indicative)")
    heat = figs["account_gaps"].data
    thin_cells = int(v.account_gaps[THIN].sum())
    assert thin_cells and len(heat) == 2 and int(np.isfinite(np.asarray(heat[1].z, dtype=float)).sum()) == thin_cells
    assert int(np.isnan(np.asarray(heat[0].z, dtype=float)).sum()) >= thin_cells
