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
