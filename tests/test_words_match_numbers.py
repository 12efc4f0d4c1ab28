"""Words that match the numbers on the sample: the quotes beside a gap are complaints by the planted polarity."""

from __future__ import annotations

import pandas as pd
import pytest

from cra_helpers import gap, paths
from cra_helpers import needs_tree as nt


@pytest.fixture(scope="module")
def words(sample):
    tree = nt.needs_tree(sample, sample.config)
    needs = gap.need_gaps(sample)
    table = gap.words_beside_numbers(needs, nt.need_evidence(tree), gap.competitor_gaps(sample),
                                     sample.config.gap.material_competitor_difference)
    polarity = pd.read_csv(paths.sample_dir() / "verbatim_truth.csv", dtype=str).set_index("verbatim_id")["polarity"]
    return tree, table, polarity


def test_quotes_beside_concentrate_here_are_complaints(words):
    tree, table, polarity = words
    assert tree.sentiment_method == "minilm-logreg"
    concentrate = table[table["quadrant"] == gap.CONCENTRATE]
    assert len(concentrate) >= 2
    for r in concentrate.itertuples():
        ids = [i for i in r.quote_ids.split(";") if i]
        assert len(ids) == 3, r.need
        assert [polarity[i] for i in ids] == ["negative"] * 3, r.need


def test_quotes_never_contradict_the_stance_without_a_note(words):
    tree, table, _ = words
    tone = nt.results.public_sentiment(tree.verbatims).set_index("verbatim_id")["sentiment"]
    for r in table.itertuples():
        ids = [i for i in r.quote_ids.split(";") if i]
        want = {"gap": "negative", "strength": "positive"}.get(r.stance)
        if want and ids:
            assert set(tone[ids]) == {want}, r.need
        if want and not ids and r.verbatims:
            assert r.words_note, r.need


LEAN = 0.2
"""A node "leans" when its planted net polarity, (positive − negative remarks) / remarks, is at least this far from 0."""


def _node_signs(tree, polarity, level):
    v = tree.placed
    net = v["verbatim_id"].map(polarity).map({"negative": -1, "neutral": 0, "positive": 1})
    assert net.notna().all()
    g = v.assign(net=net).groupby(level).agg(planted=("net", "mean"), score=("sentiment", "mean"))
    lean = g[g["planted"].abs() >= LEAN]
    return lean, lean[(lean["planted"] > 0) != (lean["score"] > 0)]


@pytest.mark.parametrize("level", ["secondary", "primary"])
def test_node_sentiment_has_the_sign_of_the_planted_polarity(words, level):
    tree, _, polarity = words
    lean, wrong = _node_signs(tree, polarity, level)
    assert len(lean) >= 1
    assert wrong.empty, wrong


def test_tertiary_sentiment_sign_mostly_right(words):
    tree, _, polarity = words
    lean, wrong = _node_signs(tree, polarity, "tertiary")
    assert len(lean) >= 15
    assert len(wrong) <= 1, wrong


@pytest.mark.xfail(strict=True, reason="1 of 24 leaning tertiary nodes (improvements to the existing products, "
                                        "-0.22 planted) reads positive (+0.09): its three clear praises score "
                                        "+0.77 to +0.93, its complaints about -0.5, and middling remarks about "
                                        "small improvements read as praise")
def test_every_tertiary_node_has_the_sign_of_the_planted_polarity(words):
    tree, _, polarity = words
    _, wrong = _node_signs(tree, polarity, "tertiary")
    assert wrong.empty


def test_primary_level_is_not_two_headings(words, sample):
    """Silhouette alone chose 2 primary headings over 24 secondary needs; max_children keeps a readable level."""
    tree, _, _ = words
    counts = tree.counts()
    assert counts["primary"] >= -(-counts["secondary"] // sample.config.needs_tree.max_children) >= 3, counts


def test_quotes_beside_a_need_are_distinct(words):
    """Beside each need three different remarks, not one clause with three lead-ins ("If you ask me, …")."""
    from cra_helpers.needs_tree.text import near_duplicate

    _, table, _ = words
    shown = 0
    for r in table.itertuples():
        quotes = [q for q in r.quotes.split(" | ") if q]
        shown += len(quotes)
        for i in range(len(quotes)):
            for j in range(i):
                assert not near_duplicate(quotes[i], quotes[j]), (r.need, quotes[j], quotes[i])
    assert shown >= 30


def test_near_duplicate_rule():
    from cra_helpers.needs_tree.text import near_duplicate

    assert near_duplicate("If you ask me, lead times are far too long.",
                          "Lead times are way too long for catalogue items. And lead times are far too long.")
    assert near_duplicate("Dimensions are reliable, consistently within tolerance, our inspection waves them through.",
                          "Good. So dimensions are reliable, consistently witihn tolerance, our inspection waves them through.")
    assert not near_duplicate("Lead times are far too long.", "Delivery dates are far too often wrong.")
    assert not near_duplicate("The hotline answers quickly.", "The invoices are always right.")


def _shown_quote_ids(table) -> list[tuple[str, str]]:
    """(need name, verbatim id) of every quote the GAP words show, both sides."""
    out = []
    for r in table.itertuples():
        ids = [i for i in str(r.quote_ids).split(";") if i and i != "nan"]
        if isinstance(r.other_side_quote_id, str) and r.other_side_quote_id:
            ids.append(r.other_side_quote_id)
        out += [(r.need, i) for i in ids]
    return out


def test_quotes_beside_a_need_are_about_that_need(words):
    """By the planted truth: no small talk beside a rated need, and nearly every quote is about its need.

    Before unsure matches (2026-12-03) the sample quoted "my successor starts in January" beside proactive
    communication and four remarks on batch-to-batch consistency beside contract flexibility: 66 of 80 quotes
    were about their need; with them 71 of 80."""
    _, table, _ = words
    truth = pd.read_csv(paths.sample_dir() / "verbatim_truth.csv", dtype=str).set_index("verbatim_id")["secondary"]
    shown = _shown_quote_ids(table)
    assert len(shown) >= 60
    assert not [(n, i) for n, i in shown if truth[i] == "Off-topic"]
    assert sum(truth[i] == n for n, i in shown) / len(shown) >= 0.85


def test_unsure_matches_are_evidence_of_no_need(words, sample):
    tree, table, _ = words
    floor = sample.config.needs_tree.latent.match_similarity
    t = tree.nodes[tree.nodes["level"] == "tertiary"]
    unsure = nt.unsure_matches(tree)
    assert len(unsure) >= 3 and (unsure["similarity"] < floor).all()
    assert set(unsure["node_id"]) == set(t.loc[t["match"] == "unsure", "node_id"])
    assert t.loc[t["match"] == "unsure", "need_id"].isna().all() and not t.loc[t["match"] == "unsure", "latent"].any()
    # every sure automatic match is at least the floor close, and no quote comes from an unsure node
    matched = t[(t["match"] == "auto") & t["need_id"].notna()]
    assert (matched["similarity"] >= floor).all()
    node_of = tree.placed.set_index("verbatim_id")["tertiary"]
    assert not {node_of[i] for _, i in _shown_quote_ids(table)} & set(unsure["node_id"])
    # an upper node is latent only when every tertiary node below it is
    placed = tree.placed
    for r in tree.nodes[(tree.nodes["level"] != "tertiary") & tree.nodes["latent"].astype(bool)].itertuples():
        below = set(placed.loc[placed[r.level] == r.node_id, "tertiary"])
        assert t.set_index("node_id").loc[sorted(below), "latent"].all(), r.node_id


def test_quotes_have_the_tone_of_the_stance_by_the_planted_polarity(words):
    """Beside a gap only planted complaints, beside a strength only planted praise, and the other side's quote the
    opposite. Before the rules heard "we never see our account manager" (2026-12-03) one complaint stood beside the
    strength "Account management"."""
    _, table, polarity = words
    checked = 0
    for r in table.itertuples():
        want = {"gap": "negative", "strength": "positive"}.get(r.stance)
        if not want:
            continue
        ids = [i for i in str(r.quote_ids).split(";") if i and i != "nan"]
        assert [polarity[i] for i in ids] == [want] * len(ids), r.need
        if isinstance(r.other_side_quote_id, str) and r.other_side_quote_id:
            assert polarity[r.other_side_quote_id] != want, r.need
        checked += len(ids)
    assert checked >= 30
