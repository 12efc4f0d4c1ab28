"""Needs tree: each building block against an independent computation, then the planted truth of the sample."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, pairwise_distances, silhouette_score
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from cra_helpers import paths
from cra_helpers import schema as S
from cra_helpers.config import load_config
from cra_helpers.loader import load_assessment
from cra_helpers.needs_tree import (NeedsTreeError, breakdown, build_needs_tree, latent_needs, need_evidence, needs_tree,
                                    node_table, parse_overrides, saturation_tables)
from cra_helpers.needs_tree import backends, hierarchy, labels, saturation, text
from cra_helpers.needs_tree.hierarchy import ClusterSettings, build_hierarchy, candidate_counts, plateau_choice, silhouette

CFG = load_config()
SETTINGS = CFG.needs_tree


# ------------------------------------------------------------------------------------------ text
def test_prepare_flags_empty_duplicate_and_short_verbatims():
    ids = ["a", "b", "c", "d", "e", "f", "g"]
    texts = ["Deliveries are late again.", "  deliveries ARE late   again. ", None, "n/a", "Too expensive", "12345", "Fine"]
    prep = text.prepare(ids, texts, min_words=3, placeholders=["n/a"])
    st = dict(zip(prep.frame[S.VERBATIM_ID], prep.frame["status"]))
    assert st == {"a": "ok", "b": "duplicate", "c": "empty", "d": "empty", "e": "short", "f": "empty", "g": "short"}
    assert prep.frame.set_index(S.VERBATIM_ID).loc["b", "duplicate_of"] == "a"
    assert prep.unique_texts == ["Deliveries are late again.", "Too expensive", "Fine"]
    report = prep.report().set_index("status")
    assert report.loc["empty", "verbatims"] == 3 and not report.loc["empty", "placed"]
    assert report["verbatims"].sum() == len(ids)
    with pytest.raises(ValueError, match="unique"):
        text.prepare(["x", "x"], ["one two three", "four five six"])


def test_tokenizer_keeps_content_words_and_drops_stop_words():
    tok = text.make_tokenizer(keep_words=["top", "up"], extra_stop_words=["honestly"])
    assert tok.words("Honestly, I can't top up my card!") == ["can't", "top", "up", "card"]
    assert tok.terms("Deliveries delayed") == ["deliveri", "delay", "deliveri delay"]
    counts = text.count_terms(["Deliveries delayed", "the delivery was delayed", "late deliveries"], tok)
    assert counts.readable("deliveri delay") == "deliveries delayed"
    assert counts.terms.sum() == 3 + 3 + 3  # stems plus one bigram per adjacent pair


def test_char_grams_match_scikit_learn_char_wb():
    words = ["delivery", "late", "ok", "résumé"]
    ours, names = text.char_ngram_matrix(words, 4)
    ref = CountVectorizer(analyzer="char_wb", ngram_range=(4, 4), lowercase=False)
    ref_m = ref.fit_transform(words)
    ref_names = ref.get_feature_names_out()
    for i in range(len(words)):
        mine = {names[j]: v for j, v in zip(ours[i].indices, ours[i].data)}
        theirs = {ref_names[j]: v for j, v in zip(ref_m[i].indices, ref_m[i].data)}
        assert mine == theirs, words[i]


def test_lexical_encoder_projects_new_text_like_the_fitted_ones():
    texts = ["late delivery again", "delivery was late", "invoice errors", "wrong invoice amount", "great support hotline",
             "hotline never answers", "prices too high", "price increase again"]
    be = backends.LexicalBackend(dims=5, min_df=1)
    vec, enc = be.fit(texts, seed=1)
    assert vec.shape == (8, 5) and np.allclose(np.linalg.norm(vec, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(enc.transform(texts), vec, atol=1e-5)
    again, _ = be.fit(texts, seed=1)
    np.testing.assert_array_equal(vec, again)


# ------------------------------------------------------------------------------------ hierarchy
def test_silhouette_matches_scikit_learn():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(120, 4))
    d = pairwise_distances(x)
    for k in (2, 7, 30):
        lab = rng.integers(0, k, 120)
        lab[0] = k + 5  # a single-member group scores 0
        assert silhouette(d, lab) == pytest.approx(silhouette_score(d, lab, metric="precomputed"), abs=1e-12)
    assert np.isnan(silhouette(d, np.zeros(120)))


def test_plateau_choice_takes_the_smallest_count_near_the_best():
    assert plateau_choice({2: 0.10, 5: 0.30, 8: 0.39, 12: 0.40, 20: 0.41}, 0.95) == 8
    assert plateau_choice({2: 0.10, 5: 0.30, 8: 0.39}, 1.0) == 8
    assert candidate_counts(70)[:3] == [2, 3, 4] and 70 in candidate_counts(70) and 31 not in candidate_counts(70)


def _blobs(n_per: int, k: int, dim: int = 20, spread: float = 0.05, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.linalg.qr(rng.normal(size=(dim, dim)))[0][:k]  # orthonormal: well apart
    y = np.repeat(np.arange(k), n_per)
    x = centres[y] + spread * rng.normal(size=(len(y), dim))
    return x / np.linalg.norm(x, axis=1, keepdims=True), y


def test_hierarchy_recovers_separated_groups_and_nests():
    x, y = _blobs(40, 9)
    h = build_hierarchy(x, ClusterSettings(), seed=5)
    assert adjusted_rand_score(y, h.tertiary) == pytest.approx(1.0)
    assert len(h.tertiary) == len(x) and h.tertiary.min() == 0  # every vector placed
    assert h.secondary_of_tertiary.max() < len(h.secondary_of_tertiary) and len(h.primary_of_secondary) == h.counts()["secondary"]
    chosen = h.choice[h.choice["chosen"]].set_index("level")["k"]
    assert chosen["tertiary"] == 9
    given = build_hierarchy(x, ClusterSettings(), seed=5, tertiary=4, secondary=2, primary=1)
    assert given.counts() == {"primary": 1, "secondary": 2, "tertiary": 4}


def test_primary_level_groups_secondary_nodes_by_the_mean_of_their_verbatims():
    # Planted three levels: 3 primary directions, 2 secondary directions around each, 2 tertiary around those;
    # tertiary groups of unequal sizes, so a size-blind centroid would differ from the verbatims' mean.
    rng = np.random.default_rng(4)
    dim = 30
    basis = np.linalg.qr(rng.normal(size=(dim, dim)))[0]
    rows, truth = [], []
    for p in range(3):
        for s in range(2):
            for t in range(2):
                centre = basis[p] + 0.45 * basis[3 + 2 * p + s] + 0.2 * basis[9 + 4 * p + 2 * s + t]
                n = 15 + 25 * t
                rows.append(centre + 0.03 * rng.normal(size=(n, dim)))
                truth += [(p, 2 * p + s, 4 * p + 2 * s + t)] * n
    x = np.vstack(rows)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    y = np.array(truth)
    h = build_hierarchy(x, ClusterSettings(), seed=3, tertiary=12, secondary=6, primary=3)
    assert adjusted_rand_score(y[:, 2], h.tertiary) == pytest.approx(1.0)
    assert adjusted_rand_score(y[:, 1], h.secondary) == pytest.approx(1.0)
    assert adjusted_rand_score(y[:, 0], h.primary) == pytest.approx(1.0)
    # Independent computation of the primary step: Ward (scipy) on the normalised mean of each secondary's verbatims.
    from scipy.cluster.hierarchy import fcluster, linkage

    sec = h.secondary
    means = np.vstack([x[sec == s].mean(axis=0) for s in range(h.counts()["secondary"])])
    means /= np.linalg.norm(means, axis=1, keepdims=True)
    expected = fcluster(linkage(means, method="ward"), 3, criterion="maxclust")
    assert adjusted_rand_score(expected, h.primary_of_secondary) == pytest.approx(1.0)


def test_large_inputs_cluster_micro_clusters_not_verbatims(monkeypatch):
    x, y = _blobs(150, 8, seed=2)
    sizes = []
    real = hierarchy._ward_linkage
    monkeypatch.setattr(hierarchy, "_ward_linkage", lambda u: sizes.append(len(u)) or real(u))
    s = ClusterSettings(exact_max=300, micro_clusters=100, silhouette_sample=200)
    h = build_hierarchy(x, s, seed=1)
    assert max(sizes) <= 100  # the quadratic step never sees the 1,200 vectors
    assert adjusted_rand_score(y, h.tertiary) > 0.95
    again = build_hierarchy(x, s, seed=1)
    np.testing.assert_array_equal(h.tertiary, again.tertiary)


# --------------------------------------------------------------------------------- labels, sentiment
def test_ctfidf_matches_the_formula_by_hand():
    counts = np.array([[2, 0, 1], [0, 3, 1]], dtype=float)
    w = labels.ctfidf(counts).toarray()
    tf = counts / counts.sum(axis=1, keepdims=True)
    avg = counts.sum() / 2
    expected = tf * np.log(1 + avg / counts.sum(axis=0))
    np.testing.assert_allclose(w, expected)


def test_sentiment_workers_give_the_vader_scores(monkeypatch):
    texts = ["The support is excellent!", "Deliveries are always late, terrible.", "We order bearings."] * 20
    an = SentimentIntensityAnalyzer()
    expected = [an.polarity_scores(t)["compound"] for t in texts]
    monkeypatch.setattr(labels, "_PARALLEL_FROM", 10)
    job = labels.SentimentJob(texts)
    assert job._futures, "the parallel path should have been taken"
    np.testing.assert_allclose(job.result(), expected)


# -------------------------------------------------------------------------------------- saturation
def test_expected_curve_equals_the_average_over_all_orders():
    inc = np.array([[1, 0, 0, 1], [1, 1, 0, 0], [0, 0, 0, 1], [1, 0, 1, 0], [0, 0, 0, 1]], dtype=bool)
    curves = []
    for order in itertools.permutations(range(5)):
        curves.append(np.logical_or.accumulate(inc[list(order)], axis=0).sum(axis=1))
    np.testing.assert_allclose(saturation.expected_curve(inc), np.mean(curves, axis=0))
    random_orders = saturation.discovery_curve(inc, orders=4000, seed=1)
    np.testing.assert_allclose(random_orders["needs_found"], np.mean(curves, axis=0), atol=0.05)


def test_chao2_by_hand():
    # 6 interviews; needs heard in 1, 1, 1, 2, 2, 4 interviews: Q1 = 3, Q2 = 2.
    y = [1, 1, 1, 2, 2, 4]
    inc = np.zeros((6, 6), dtype=bool)
    for k, n in enumerate(y):
        inc[:n, k] = True
    out = saturation.chao2(inc)
    est = 6 + (5 / 6) * 3 * 2 / (2 * 3)
    assert out["needs_found"] == 6 and out["heard_once"] == 3 and out["heard_twice"] == 2
    assert out["needs_estimated"] == pytest.approx(est)
    assert out["share_undiscovered"] == pytest.approx(1 - 6 / est)


# --------------------------------------------------------------------------- a small tree, lexically
TEXTS = {
    "late": ["Deliveries are late again", "Late delivery for the third time", "Your deliveries always arrive late",
             "The delivery was late by a week", "late deliveries stop our line"],
    "invoice": ["The invoices are full of errors", "Wrong amounts on the invoice", "Invoice errors every month",
                "Another invoice with a wrong price", "we keep correcting your invoices"],
    "hotline": ["The hotline never answers", "Nobody picks up at the support hotline", "Hotline waiting times are long",
                "The support hotline is hard to reach", "We call the hotline and wait"],
    "portal": ["We would like to order online in a web shop", "Could you give us an online web shop please",
               "Please set up a web shop for online orders", "We'd like an online shop to order parts",
               "It would help if we could order online in a shop"],
}
NEEDS = pd.DataFrame({S.NEED_ID: ["N1", "N2", "N3"], S.NEED_NAME: ["Delivery reliability", "Invoicing", "Technical hotline"],
                      S.DESCRIPTION: ["Do deliveries arrive on time, never late?", "Are the invoices correct, without errors?",
                                      "Does the support hotline answer when we call?"]})


def _small_tree(**kw):
    ids, texts, truth = [], [], []
    for topic, lst in TEXTS.items():
        for i, t in enumerate(lst):
            ids.append(f"{topic}{i}")
            texts.append(t)
            truth.append(topic)
    kw.setdefault("levels", {"tertiary": 4, "secondary": 2, "primary": 1})
    tree = build_needs_tree(ids, texts, SETTINGS, backend="lexical", needs=NEEDS, **kw)
    return tree, dict(zip(ids, truth))


def test_small_tree_groups_matches_and_finds_the_latent_need():
    tree, truth = _small_tree()
    v = tree.placed
    assert adjusted_rand_score([truth[i] for i in v[S.VERBATIM_ID]], v["tertiary"]) == pytest.approx(1.0)
    ter = tree.level("tertiary").set_index("node_id")
    node_of = v.set_index(S.VERBATIM_ID)["tertiary"]
    assert ter.loc[node_of["late0"], "need_id"] == "N1"
    assert ter.loc[node_of["invoice0"], "need_id"] == "N2"
    assert ter.loc[node_of["hotline0"], "need_id"] == "N3"
    assert bool(ter.loc[node_of["portal0"], "latent"]) and not ter.drop(node_of["portal0"])["latent"].any()
    lat = latent_needs(tree)
    assert list(lat["node_id"]) == [node_of["portal0"]] and lat.loc[0, "reason"] == "asked for"
    # counts add up level by level
    n = tree.nodes
    for level, child in (("primary", "secondary"), ("secondary", "tertiary")):
        sums = n[n["level"] == child].groupby("parent_id")["verbatims"].sum()
        assert sums.to_dict() == n[n["level"] == level].set_index("node_id")["verbatims"].to_dict()
    assert n.loc[n["level"] == "primary", "verbatims"].sum() == len(v) == 20


def test_node_sentiment_quotes_and_evidence_are_consistent():
    tree, _ = _small_tree()
    v = tree.placed
    an = SentimentIntensityAnalyzer()
    np.testing.assert_allclose(v["sentiment"], [an.polarity_scores(t)["compound"] for t in v[S.TEXT]])
    nodes = node_table(tree).set_index("node_id")
    for nid, grp in v.groupby("tertiary"):
        assert nodes.loc[nid, "sentiment"] == pytest.approx(grp["sentiment"].mean())
        assert nodes.loc[nid, "share_negative"] == pytest.approx((grp["sentiment"] <= -0.05).mean())
        assert set(nodes.loc[nid, "quote_ids"].split(" | ")) <= set(grp[S.VERBATIM_ID])
    ev = need_evidence(tree).set_index("need_id")
    assert list(ev.index) == ["N1", "N2", "N3"]
    late = v[v["tertiary"] == ev.loc["N1", "nodes"]]
    assert ev.loc["N1", "verbatims"] == len(late) and ev.loc["N1", "sentiment"] == pytest.approx(late["sentiment"].mean())
    assert ev.loc["N1", "quote_id"] in set(late[S.VERBATIM_ID])


def test_same_input_and_seed_give_the_same_tree():
    a, _ = _small_tree(levels=None)
    b, _ = _small_tree(levels=None)
    pd.testing.assert_frame_equal(a.nodes, b.nodes)
    pd.testing.assert_frame_equal(a.verbatims, b.verbatims)


def test_overrides_are_applied_and_reproduce_the_curated_tree():
    tree, _ = _small_tree()
    node_of = tree.placed.set_index(S.VERBATIM_ID)["tertiary"]
    sec = tree.level("secondary")["node_id"].tolist()
    t_late, t_inv, t_portal = node_of["late0"], node_of["invoice0"], node_of["portal0"]
    other_sec = [s for s in sec if s != tree.nodes.set_index("node_id").loc[t_portal, "parent_id"]][0]
    ov = parse_overrides({
        "pin": {"hotline0": t_late},
        "merge": [[t_late, t_inv]],
        "move": {t_portal: other_sec},
        "rename": {t_portal: "Online ordering portal"},
        "match": {t_late: "N1"},
    })
    cur, _ = _small_tree(overrides=ov)
    v = cur.placed.set_index(S.VERBATIM_ID)
    nodes = cur.nodes.set_index("node_id")
    assert v.loc["hotline0", "tertiary"] == t_late and v.loc["invoice3", "tertiary"] == t_late
    assert t_inv not in nodes.index
    assert nodes.loc[t_portal, "parent_id"] == other_sec and nodes.loc[t_portal, "label"] == "Online ordering portal"
    assert v.loc["portal0", "tertiary_label"] == "Online ordering portal"
    assert nodes.loc[t_late, "match"] == "curated" and nodes.loc[t_late, "need_id"] == "N1"
    assert len(cur.curation) == 5
    again, _ = _small_tree(overrides=ov)
    pd.testing.assert_frame_equal(cur.nodes, again.nodes)
    pd.testing.assert_frame_equal(cur.verbatims, again.verbatims)


def test_overrides_that_do_not_fit_are_errors(tmp_path):
    with pytest.raises(NeedsTreeError, match="unknown section"):
        parse_overrides({"renam": {"T001": "x"}})
    with pytest.raises(NeedsTreeError, match="T999"):
        _small_tree(overrides=parse_overrides({"rename": {"T999": "x"}, "move": {"T001": "P01"}}))
    with pytest.raises(NeedsTreeError, match="N77"):
        _small_tree(overrides=parse_overrides({"match": {"T001": "N77"}}))
    from cra_helpers.needs_tree import load_overrides

    bad = tmp_path / "ov.yaml"
    bad.write_text("merge: T001\n")
    with pytest.raises(NeedsTreeError, match="merge"):
        load_overrides(bad)


def test_backend_choice_and_unavailable_model():
    assert backends.get_backend(SETTINGS, "auto", n_texts=SETTINGS.auto_embedding_max + 1).name == "lexical"
    with pytest.raises(NeedsTreeError, match="unknown backend"):
        backends.get_backend(SETTINGS, "bert")
    broken = SETTINGS.model_copy(update={"embedding": SETTINGS.embedding.model_copy(update={"model": "/nonexistent/model"})})
    with pytest.raises(backends.BackendUnavailable, match="neither a folder nor an installed package"):
        backends.get_backend(broken, "embedding")


def test_nothing_to_analyse_is_an_error():
    with pytest.raises(NeedsTreeError, match="none of the 2 verbatims"):
        build_needs_tree(["a", "b"], ["", "n/a"], SETTINGS, backend="lexical")


# --------------------------------------------------------------------- the sample, default settings
@pytest.fixture(scope="module")
def sample():
    a = load_assessment(paths.sample_path(), CFG)
    truth = pd.read_csv(paths.sample_dir() / "verbatim_truth.csv").set_index(S.VERBATIM_ID)
    planted = json.loads((paths.sample_dir() / "truth.json").read_text())["latent_needs"]
    return a, needs_tree(a, CFG), truth, planted


def test_sample_tertiary_level_recovers_the_planted_needs(sample):
    a, tree, truth, _ = sample
    v = tree.placed.set_index(S.VERBATIM_ID)
    assert len(v) == len(a.verbatims)  # every verbatim placed
    assert normalized_mutual_info_score(truth.loc[v.index, "tertiary"], v["tertiary"]) >= 0.8
    assert normalized_mutual_info_score(truth.loc[v.index, "secondary"], v["secondary"]) >= 0.6


def test_sample_labels_are_phrases_from_the_nodes_own_remarks(sample):
    _, tree, _, _ = sample
    nodes = node_table(tree)
    assert tree.backend == "hybrid"  # the default backend at the sample's size
    placed = tree.placed
    for r in nodes.itertuples():
        words = r.label.split()
        assert 2 <= len(words) <= 7, r.label
        assert "…" not in r.label
        remarks = placed.loc[placed[r.level] == r.node_id, S.TEXT].str.lower()
        assert remarks.str.contains(r.label.lower(), regex=False).any(), (r.node_id, r.label)
    for level, d in nodes.groupby("level"):
        assert d["label"].str.lower().is_unique, level
    assert nodes["keywords"].str.contains(",").mean() > 0.9  # the distinctive terms stay beside the label


def test_phrase_labels_by_hand():
    from cra_helpers.needs_tree.labels import phrase_labels
    from cra_helpers.needs_tree.text import count_terms, make_tokenizer

    texts = ["The hotline never answers before noon.", "Hotline never answers, we wait for hours.",
             "Invoices are always correct.", "Correct invoices, every month."]
    tok = make_tokenizer()
    c = count_terms(texts, tok)
    got = phrase_labels(np.array([0, 0, 1, 1]), 2, c.terms, c, texts, np.ones(4), tok, ["x", "y"])
    assert got[0].lower() in texts[0].lower() and "hotline" in got[0].lower()
    assert got[1].lower() in " ".join(texts[2:]).lower() and "invoices" in got[1].lower()


def test_a_node_of_praise_is_not_named_by_its_complaint():
    from cra_helpers.needs_tree.labels import phrase_labels
    from cra_helpers.needs_tree.text import count_terms, make_tokenizer

    texts = ["Your application engineers really know our process.", "The application engineers know the process well.",
             "Application engineers never understand our process, they never visit.", "Invoices are always correct.",
             "Correct invoices, every month."]
    tok = make_tokenizer()
    c = count_terms(texts, tok)
    nodes, fit = np.array([0, 0, 0, 1, 1]), np.array([0.5, 0.5, 1.0, 1.0, 1.0])  # the complaint is the most central
    tone = ["positive", "positive", "negative", "neutral", "neutral"]
    node_sentiment = np.array([(0.8 + 0.7 - 0.8) / 3, 0.0])  # mean score of each node
    blind = phrase_labels(nodes, 2, c.terms, c, texts, fit, tok, ["x", "y"])
    told = phrase_labels(nodes, 2, c.terms, c, texts, fit, tok, ["x", "y"], tone=tone, node_sentiment=node_sentiment)
    assert blind[0].lower() in texts[2].lower()  # without the tone the complaint names the node
    assert told[0].lower() in " ".join(texts[:2]).lower() and told[1] == blind[1]


def test_sample_labels_agree_with_the_tone_of_their_node(sample):
    """No label of the sample comes from a remark whose class is the opposite of its node's mean sentiment."""
    _, tree, _, _ = sample
    v = tree.placed
    for r in tree.nodes.itertuples():
        members = v[v[r.level] == r.node_id]
        source = members[members["text"].str.lower().str.contains(r.label.lower(), regex=False)]
        against = {"positive": "negative", "negative": "positive"}.get(
            "positive" if r.sentiment >= 0.05 else ("negative" if r.sentiment <= -0.05 else ""))
        assert (source["sentiment_class"] != against).any(), (r.node_id, r.label, r.sentiment)


def test_no_label_starts_or_ends_on_a_contracted_stop_word(sample):
    """"Copy of the results when you're" and "There's a board meeting" were labels of the sample; negations stay."""
    from cra_helpers.needs_tree.labels import _token_terms
    from cra_helpers.needs_tree.text import make_tokenizer

    tok = make_tokenizer()
    assert _token_terms(["you're", "There’s", "it's", "we've", "I'm", "don't", "Kestrel's", "results"], tok, {}) == [
        None, None, None, None, None, "don't", "kestrel", "result"]
    _, tree, _, _ = sample
    for label in tree.nodes["label"]:
        words = label.lower().replace("’", "'").split()
        for w in (words[0], words[-1]):
            assert not ("'" in w and w.split("'")[0] in tok.stop_words), label


def test_sample_planted_latent_needs_are_reported_as_latent(sample):
    _, tree, truth, planted = sample
    v = tree.placed.set_index(S.VERBATIM_ID)
    lat = latent_needs(tree)
    latent_tert = set(tree.nodes.loc[tree.nodes["latent"] & (tree.nodes["level"] == "tertiary"), "node_id"])
    flagged = v["tertiary"].isin(latent_tert)
    sec = truth.loc[v.index, "secondary"]
    for need in planted:
        mine = sec == need
        # a latent node made of this need (at least 80 % of its remarks) is listed ...
        purity = v[flagged].groupby("tertiary").apply(lambda g: (sec[g.index] == need).mean())
        assert (purity >= 0.8).any(), need
        assert bool(set(purity.index[purity >= 0.8]) & _listed_tertiary(tree, lat)), need
        # ... and latent nodes hold a good part of what was said about it
        assert flagged[mine].mean() >= 0.4, need
    # and rated needs are rarely called latent: at least 80 % of flagged remarks are planted latent or small talk
    assert sec[flagged].isin([*planted, "Off-topic"]).mean() >= 0.8


def _listed_tertiary(tree, lat) -> set[str]:
    """Tertiary nodes that the latent-needs table lists, directly or through their secondary."""
    n = tree.nodes
    listed = set(lat["node_id"])
    return {t for t, p in zip(n["node_id"], n["parent_id"]) if t.startswith("T") and (t in listed or p in listed)}


def test_sample_tables_add_up(sample):
    a, tree, _, _ = sample
    br = breakdown(tree)
    for dim, grp in br.groupby("dimension"):
        assert grp["verbatims"].sum() == len(tree.placed), dim
    ev = need_evidence(tree)
    assert list(ev["need_id"]) == a.needs[S.NEED_ID].astype(str).tolist()
    assert ev["verbatims"].sum() + tree.placed["tertiary"].isin(
        tree.nodes.loc[tree.nodes["need_id"].isna() & (tree.nodes["level"] == "tertiary"), "node_id"]).sum() == len(tree.placed)
    keys = a.accounts.loc[a.accounts[S.KEY_ACCOUNT].fillna(False).astype(bool), S.ACCOUNT_ID].astype(str).tolist()
    curves, summary = saturation_tables(tree, key_accounts=keys, orders=50)
    assert set(summary["scope"]) == {"all", *keys}
    overall = curves[curves["scope"] == "all"]
    assert overall["needs_found"].is_monotonic_increasing
    assert overall["needs_found"].iloc[-1] == summary.set_index("scope").loc["all", "needs_found"] == tree.counts()["tertiary"]
    np.testing.assert_allclose(overall["needs_found"], overall["needs_expected"], rtol=0.05)


def test_evidence_round_trips_through_the_report_table(tmp_path):
    from cra_helpers.needs_tree import read_need_evidence
    from cra_helpers.safe import neutralize_frame

    tree, _ = _small_tree()
    ev = need_evidence(tree)
    ev.loc[0, "quote"] = "=risky start"
    assert read_need_evidence(tmp_path) is None  # the needs tree has not run here
    (tmp_path / "tables").mkdir()
    neutralize_frame(ev).to_csv(tmp_path / "tables" / "needs_tree_evidence.csv", index=False)
    back = read_need_evidence(tmp_path)
    assert back["quote"].tolist() == ev["quote"].tolist() and back["need_id"].tolist() == ["N1", "N2", "N3"]
    np.testing.assert_allclose(back["sentiment"], ev["sentiment"])


def test_figures_escape_text_from_the_data():
    from cra_helpers import figures

    tree, _ = _small_tree()
    t = tree.level("tertiary")["node_id"].iloc[0]
    cur, _ = _small_tree(overrides=parse_overrides({"rename": {t: "<img src=x onerror=alert(1)>"}}))
    nodes = node_table(cur)
    figs = [figures.tree_sunburst(nodes), figures.painful_needs(nodes), figures.latent_needs_chart(latent_needs(cur)),
            figures.breakdown_heatmap(breakdown(cur))]
    for fig in figs:
        assert "<img" not in fig.to_json()
    sun = figs[0].data[0]
    assert len(sun.ids) == len(nodes) and list(sun.values) == nodes["verbatims"].tolist()
    assert "&lt;img" in " ".join(sun.labels)


# ------------------------------------------------------------------ spreadsheet formulas in the CSV tables
HOSTILE = {"=": "=HYPERLINK(\"http://x\") deliveries are late again", "+": "+SUM(1) wrong amounts on the invoice",
           "-": "-2+3 the hotline never answers", "@": "@SUM(1) we would like an online web shop",
           "\t": "\t=cmd late delivery for the third time", "\r": "\r+cmd invoice errors every month"}


def _written(df: pd.DataFrame, path) -> list[list[str]]:
    """``df`` written as the report writes its tables (``Report.save_table``), read back cell by cell."""
    import csv

    from cra_helpers.safe import neutralize_frame

    neutralize_frame(df).to_csv(path, index=False, encoding="utf-8")
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_hostile_remarks_land_neutralised_in_every_table(tmp_path):
    from cra_helpers.needs_tree import plain_remarks, read_need_evidence, verbatim_table
    from cra_helpers.needs_tree.results import EVIDENCE_TABLE, TABLES_DIR
    from cra_helpers.safe import FORMULA_PREFIXES

    ids, texts = [], []
    for topic, lst in TEXTS.items():
        ids += [f"{topic}{i}" for i in range(len(lst))]
        texts += lst
    ids += [f"h{i}" for i in range(len(HOSTILE))]
    texts += list(HOSTILE.values())
    tree = build_needs_tree(ids, texts, SETTINGS, backend="lexical", needs=NEEDS,
                            levels={"tertiary": 4, "secondary": 2, "primary": 1})
    (tmp_path / TABLES_DIR).mkdir()
    ev = need_evidence(tree)
    # Quotes and need names as typed, not prepared (a carriage return is written as a line break, quoted).
    for i, remark in enumerate(HOSTILE.values()):
        ev.loc[i % len(ev), ["quote", "negative_quotes", "need_name"][i % 3]] = remark
    tables = {"needs_tree_nodes": node_table(tree), "verbatim_needs": verbatim_table(tree), EVIDENCE_TABLE: ev,
              "latent_needs": latent_needs(tree), "needs_tree_remarks": plain_remarks(tree)}
    for name, df in tables.items():
        rows = _written(df, tmp_path / TABLES_DIR / f"{name}.csv")
        assert len(rows) == len(df) + 1, name
        for row in rows[1:]:
            for col, cell in zip(rows[0], row):
                text_col = df[col].dtype == object or pd.api.types.is_string_dtype(df[col])
                assert not (text_col and cell.startswith(FORMULA_PREFIXES)), (name, col, cell)
    verb = {r[0]: r for r in _written(verbatim_table(tree), tmp_path / "v.csv")}
    text_at = _written(verbatim_table(tree), tmp_path / "v.csv")[0].index(S.TEXT)
    for i, remark in enumerate(HOSTILE.values()):
        assert verb[f"h{i}"][text_at] == "'" + text.normalise(remark)  # every prefix that survives preparation
    back = read_need_evidence(tmp_path)  # the GAP analysis reads the words back as they were said
    for col in ("quote", "negative_quotes", "need_name"):
        assert back[col].tolist() == ev[col].fillna("").astype(str).str.replace("\r", "\n").tolist(), col


def test_tables_folder_is_the_report_folder_of_tables():
    from cra_helpers import report
    from cra_helpers.needs_tree import results

    assert results.TABLES_DIR == report.TABLES_DIR


# --------------------------------------------------------------------------------- which backend ran
def test_sample_with_default_settings_runs_the_hybrid_backend(sample):
    from cra_helpers import sentiment

    _, tree, _, _ = sample
    assert SETTINGS.backend == "auto" and tree.backend == "hybrid"
    assert tree.sentiment_method == sentiment.METHOD_EMBEDDING


def test_hybrid_backend_on_a_small_set():
    ids, texts, truth = [], [], []
    for topic, lst in TEXTS.items():
        for i, t in enumerate(lst):
            for j, form in enumerate(("{t}", "{t}, again and again", "Honestly: {l}")):
                ids.append(f"{topic}{i}.{j}")
                texts.append(form.format(t=t, l=t.lower()))
                truth.append(topic)
    assert len(ids) == 60
    tree = build_needs_tree(ids, texts, SETTINGS, backend="hybrid", needs=NEEDS,
                            levels={"tertiary": 4, "secondary": 2, "primary": 1})
    assert tree.backend == "hybrid" and tree.counts() == {"primary": 1, "secondary": 2, "tertiary": 4}
    assert len(tree.placed) == 60 and tree.vectors.shape[0] == 60
    assert np.allclose(np.linalg.norm(tree.vectors, axis=1), 1, atol=1e-4)
    n = tree.nodes
    assert n.loc[n["level"] == "tertiary", "verbatims"].sum() == 60
    assert {"need_id", "similarity", "latent", "match"} <= set(n.columns)
    assert tree.placed["sentiment"].between(-1, 1).all()
    assert set(tree.placed["sentiment_class"]) <= {"negative", "neutral", "positive"}
    assert adjusted_rand_score([truth[ids.index(i)] for i in tree.placed[S.VERBATIM_ID]], tree.placed["tertiary"]) > 0.5


def test_labels_stay_in_one_clause(sample):
    """"Training is consistently practical and our staff" ran on into the next clause; nouns joined by "and" stay."""
    from cra_helpers.needs_tree.labels import _CLAUSE_JOIN

    assert _CLAUSE_JOIN.split("Your training is practical and our staff really learn something") == [
        "Your training is practical", "our staff really learn something"]
    assert _CLAUSE_JOIN.split("Labels and delivery notes match, so receiving is easy") == [
        "Labels and delivery notes match,", "receiving is easy"]
    _, tree, _, _ = sample
    for label in tree.nodes["label"]:
        assert len(_CLAUSE_JOIN.split(label)) == 1, label


def _broken_pairs(tree, tok) -> list[str]:
    """Labels that break, at an edge, a word pair their node's remarks use at least twice ("… at incoming | inspection")."""
    import collections
    import re

    from cra_helpers.needs_tree.labels import _token_terms

    cache, out, v = {}, [], tree.placed
    for r in tree.nodes.itertuples():
        remarks = v.loc[v[r.level] == r.node_id, S.TEXT].astype(str).tolist()
        pairs = collections.Counter()
        for t in remarks:
            st = _token_terms(t.split(), tok, cache)
            pairs.update({f"{x} {y}" for x, y in zip(st, st[1:]) if x and y})
        t = next(t for t in remarks if r.label.lower() in t.lower())
        k = t.lower().find(r.label.lower())
        before, after = t[:k], t[k + len(r.label):]
        words = r.label.split()
        first, last = _token_terms([words[0]], tok, cache)[0], _token_terms([words[-1]], tok, cache)[0]
        nxt = None if re.match(r"\s*[,.;:!?]", after) or not after.split() else _token_terms(after.split()[:1], tok, cache)[0]
        prv = None if re.search(r"[,.;:!?]\s*$", before) or not before.split() else _token_terms(before.split()[-1:], tok, cache)[0]
        if (last and nxt and pairs[f"{last} {nxt}"] >= 2) or (prv and first and pairs[f"{prv} {first}"] >= 2):
            out.append(r.label)
    return out


def test_labels_rarely_break_a_word_pair_of_their_node(sample):
    """19 of the sample's 94 labels did ("Finding parts out of tolerance at incoming", "Payable team processes your
    invoices") before candidates breaking a pair lost half their score (2026-12-03: 6, mostly verb and object:
    "[like] prototypes much earlier")."""
    from cra_helpers.needs_tree.text import make_tokenizer

    _, tree, _, _ = sample
    broken = _broken_pairs(tree, make_tokenizer())
    assert len(broken) <= 8, broken


def test_labels_write_names_as_customers_usually_do():
    """A label taken from a remark typed in lower case gets the company name back; ordinary words stay lower case."""
    from cra_helpers.needs_tree.labels import _truecase, case_map

    texts = ["Durability is better than Varanta Industrial, honestly.", "We compared you with Varanta Industrial.",
             "better than varanta industrial", "The PPAP came late. Your PPAP report was complete.", "Labels are fine."]
    case = case_map(texts)
    assert case["varanta"] == "Varanta" and case["industrial"] == "Industrial" and case["ppap"] == "PPAP"
    assert "labels" not in case and "better" not in case
    assert _truecase("better than varanta industrial", case) == "Better than Varanta Industrial"
    assert _truecase("Labels are fine", case) == "Labels are fine"
    assert _truecase("ppap report", case) == "PPAP report"
