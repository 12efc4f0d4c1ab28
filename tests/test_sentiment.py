"""Sentiment of customers' remarks: B2B complaint language, praise, neutral facts, precomputed embeddings, fallback."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

from cra_helpers import sentiment as sm

COMPLAINTS = [
    "late again and again",
    "hotline never answers before noon",
    "confirmed date means nothing",
    "Still waiting for the replacement, and nothing improved.",
    "We had to chase your office three times for the quote.",
    "The delivery was late.",
]
PRAISE = [
    "You really understand our business.",
    "Excellent quality and always on time.",
    "Great support, thank you.",
]
NEUTRAL = ["We order twice a month."]

needs_model = pytest.mark.skipif(not sm.embedding_available(), reason="sentence model not installed (embeddings extra)")


@pytest.fixture(scope="module")
def texts_and_vectors():
    texts = COMPLAINTS + PRAISE + NEUTRAL
    return texts, sm.embed(texts)


@needs_model
def test_b2b_complaints_are_negative_praise_positive_facts_neutral(texts_and_vectors):
    texts, emb = texts_and_vectors
    df = sm.classify(texts, embeddings=emb)
    got = dict(zip(texts, df["sentiment"]))
    assert all(got[t] == "negative" for t in COMPLAINTS), got
    assert all(got[t] == "positive" for t in PRAISE), got
    assert all(got[t] == "neutral" for t in NEUTRAL), got
    assert (df["method"] == sm.METHOD_EMBEDDING).all() and df.attrs["method"] == sm.METHOD_EMBEDDING
    s = df.set_index(pd.Index(texts))["sentiment_score"]
    assert s[COMPLAINTS].max() < 0 < s[PRAISE].min()


@needs_model
def test_precomputed_embeddings_give_the_same_result_without_embedding(texts_and_vectors, monkeypatch):
    texts, emb = texts_and_vectors
    fresh = sm.classify(texts, method=sm.METHOD_EMBEDDING)

    def no_embedding(_texts):
        raise AssertionError("embedded although embeddings were given")

    monkeypatch.setattr(sm, "embed", no_embedding)
    given = sm.classify(texts, embeddings=emb)
    assert given["sentiment"].tolist() == fresh["sentiment"].tolist()
    np.testing.assert_allclose(given["sentiment_score"], fresh["sentiment_score"], atol=1e-5)
    with pytest.raises(ValueError, match="shape"):
        sm.classify(texts, embeddings=emb[:-1])


@needs_model
def test_scores_lie_in_minus_one_to_one_and_blanks_are_neutral(texts_and_vectors):
    texts, emb = texts_and_vectors
    s = sm.scores(texts, embeddings=emb)
    assert s.shape == (len(texts),) and np.all((s >= -1) & (s <= 1))
    df = sm.classify(["", None, "   ", float("nan")], method=sm.METHOD_EMBEDDING)
    assert df["sentiment"].eq("neutral").all() and df["sentiment_score"].eq(0).all()
    assert len(sm.classify([], method=sm.METHOD_EMBEDDING)) == 0


def test_fallback_to_vader_is_named(monkeypatch):
    monkeypatch.setattr(sm, "embedding_available", lambda: False)
    texts = ["Still waiting for the credit note.", "Great support, thank you.", "We order twice a month.", ""]
    df = sm.classify(texts)
    assert df.attrs["method"] == sm.METHOD_VADER == "vader" and (df["method"] == "vader").all()
    assert df["sentiment"].tolist() == ["negative", "positive", "neutral", "neutral"]
    assert df["sentiment_score"].between(-1, 1).all()
    with pytest.raises(ValueError, match="unknown sentiment method"):
        sm.classify(texts, method="bert")


def test_rule_layer_hears_complaints_and_negated_problems():
    neg = ["We are still waiting for an answer.", "We had to chase them for the invoice.", "Late again.",
           "The hotline never calls back.", "Nothing has improved since the audit.", "Nobody answers the phone.",
           "Your promised date means nothing.", "lifetime is shorter then the datasheet says",
           "the roller bearings wear out much faster than we expected", "The seals fail sooner than the rated hours.",
           "We never see our account manager.", "So hard to reach anyone on the sales side.",
           "The hotline is difficult to get hold of before noon.",
           "Improvements to the existing products? Not that I know of.", "Where are the new products? Where's the innovation?"]
    pos = ["No complaints at all.", "Never had a single problem with deliveries.", "Zero defects this year.",
           "We never have to chase you.", "Could not be better.", "Any problems with the deliveries? Not that I know of."]
    other = ["We order twice a month.", "The delivery was late.", "Great people, but still waiting, no complaints.",
             "lead times are shorter than Varanta", "The lifetime is longer than the datasheet says.",
             "Our account manager is not hard to reach.", "We hardly ever see the technician, which is fine.",
             "Is there a fee? Not that I know of.", "Where is the invoice?"]
    assert sm.rule_polarity(neg).tolist() == [-1] * len(neg)
    assert sm.rule_polarity(pos).tolist() == [1] * len(pos)
    assert sm.rule_polarity(other).tolist() == [0] * len(other)


def _block_cosines(a: np.ndarray, b: np.ndarray, width: int = 384) -> np.ndarray:
    """Cosine of each layer block of two feature matrices (every block is a unit vector), one row per text."""
    n = a.shape[1] // width
    return np.einsum("ikj,ikj->ik", a.reshape(len(a), n, width), b.reshape(len(b), n, width))


def test_vader_helpers_keep_their_meaning():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    texts = ["Great support, thank you.", "Terrible delays.", "", None]
    an = SentimentIntensityAnalyzer()
    np.testing.assert_allclose(sm.compound_scores(texts), [an.polarity_scores(t)["compound"] for t in texts[:2]] + [0, 0])
    assert [sm.label(x) for x in (-0.05, 0.0, 0.05)] == ["negative", "neutral", "positive"]


def test_shipped_model_and_training_sentences():
    m = sm.load_model()
    assert m.classes == sm.LABELS and m.coef.shape == (3, 6 * 384) and m.intercept.shape == (3,)  # 6 layers of MiniLM-L6
    assert "Kotzias" in m.meta["data"] and m.meta["embedding_model"] == sm.EMBEDDING_MODEL
    b2b = sm.b2b_sentences()
    assert set(b2b["sentiment"]) == set(sm.LABELS) and b2b["text"].is_unique
    assert not set(COMPLAINTS + PRAISE + NEUTRAL) & set(b2b["text"])  # the examples above stay a test
    p = m.proba(np.eye(3, m.dim))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_fit_round_trips_through_npz(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 8))
    y = np.array(["negative", "neutral", "positive"] * 20)
    x[y == "positive", 0] += 3
    x[y == "negative", 0] -= 3
    model = sm.fit(x, y, C=1.0, meta={"note": "test"})
    model.save(tmp_path / "m.npz")
    back = sm.SentimentModel.read(tmp_path / "m.npz")
    assert back.meta == {"note": "test"} and back.classes == sm.LABELS
    np.testing.assert_allclose(back.proba(x), model.proba(x), atol=1e-4)
    binary = sm.fit(x[y != "neutral"], y[y != "neutral"])
    assert set(binary.predict(x)[0]) <= {"negative", "positive"}


def test_docstring_examples():
    assert doctest.testmod(sm, optionflags=doctest.ELLIPSIS).failed == 0


@needs_model
def test_bfloat16_embedding_gives_the_float32_classes(texts_and_vectors):
    texts, emb = texts_and_vectors
    b16 = sm.embed(texts, precision="bfloat16")
    assert b16.shape == emb.shape and b16.dtype == np.float32
    assert float(_block_cosines(b16, emb).min()) > 0.999
    assert sm.classify(texts, embeddings=b16)["sentiment"].tolist() == sm.classify(texts, embeddings=emb)["sentiment"].tolist()
    with pytest.raises(ValueError, match="precision"):
        sm.embed(texts, precision="int4")


def test_int8_embedding_stays_close_to_float32(tmp_path, monkeypatch):
    from cra_helpers.needs_tree import minilm

    if not sm.embedding_available() or minilm.engine() != "onnxruntime":
        pytest.skip("sentence model or onnxruntime not installed")
    monkeypatch.setenv("CRA_CACHE_DIR", str(tmp_path))
    texts = ["Deliveries are late again and again.", "Your support team is excellent.", "We order twice a month.",
             "The hotline never answers before noon.", "No complaints at all about the invoices."]
    e8, e32 = sm.embed(texts, precision="int8"), sm.embed(texts, precision="float32")
    assert e8.shape == e32.shape and e8.dtype == np.float32
    cos = _block_cosines(e8, e32)
    assert np.median(cos) > 0.97 and cos.min() > 0.9 and not np.allclose(e8, e32, atol=1e-4)  # quantized, and close
    assert list((tmp_path / "onnx").glob("*-int8.onnx"))
    np.testing.assert_array_equal(sm.embed(texts, precision="int8"), e8)  # from the cache the second time
    a, b = sm.classify(texts, embeddings=e8), sm.classify(texts, embeddings=e32)
    gap = np.abs(a["sentiment_score"] - b["sentiment_score"])
    assert gap.mean() < 0.1 and gap.max() < 0.25  # the first layers' features move most under int8
    polar = [0, 1, 3, 4]  # a borderline factual remark may change class ("We order twice a month." does)
    assert a["sentiment"].iloc[polar].tolist() == b["sentiment"].iloc[polar].tolist() == ["negative", "positive", "negative", "positive"]
