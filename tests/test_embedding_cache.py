"""The embedding cache: reruns reuse vectors, never load the model for seen texts, never change a vector."""

from __future__ import annotations

import os

import numpy as np
import pytest

from cra_helpers.needs_tree import backends, cache
from cra_helpers.needs_tree.backends import EmbeddingBackend


def _fake_embed(calls: list[list[str]]):
    def embed(batch: list[str]) -> np.ndarray:
        calls.append(list(batch))
        return np.array([[len(t), t.count("a"), 1.0] for t in batch], dtype=np.float32)

    return embed


def test_cached_embed_computes_only_missing_texts(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path))
    calls: list[list[str]] = []
    first = cache.cached_embed(["aa", "b", "aa"], "k1", 3, _fake_embed(calls))
    assert calls == [["aa", "b"]]  # a duplicate is embedded once
    again = cache.cached_embed(["b", "ccc", "aa"], "k1", 3, _fake_embed(calls))
    assert calls[1] == ["ccc"]
    np.testing.assert_array_equal(again[[0, 2]], first[[1, 0]])
    other_model = cache.cached_embed(["b"], "k2", 3, _fake_embed(calls))
    assert calls[2] == ["b"] and other_model.shape == (1, 3)  # another model never reads these vectors


def test_cache_off_always_computes(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, "off")
    calls: list[list[str]] = []
    cache.cached_embed(["a"], "k", 3, _fake_embed(calls))
    cache.cached_embed(["a"], "k", 3, _fake_embed(calls))
    assert len(calls) == 2


def test_unwritable_cache_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv(cache.CACHE_ENV, str(blocker / "sub"))
    out = cache.cached_embed(["a", "bb"], "k", 3, _fake_embed([]))
    assert out.shape == (2, 3)


def test_model_is_not_loaded_for_cached_texts(tmp_path, monkeypatch):
    backend = EmbeddingBackend()
    if not backend.available():
        pytest.skip("embedding model not installed")  # the embeddings extra is installed by make test
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path))
    texts = ["Deliveries are late again.", "Your support team is excellent."]
    fresh = backend.embed(texts)

    def no_model():
        raise AssertionError("the model was loaded although every text was cached")

    monkeypatch.setattr(backend, "load", no_model)
    monkeypatch.setattr(backend, "load_encoder", no_model)
    np.testing.assert_array_equal(backend.embed(texts[::-1]), fresh[::-1])
    # The same pass cached the layer features the sentiment model reads; their last block is the vector.
    layers = backend.embed_layers(texts)
    assert layers.shape == (2, 6 * fresh.shape[1])
    np.testing.assert_array_equal(layers[:, -fresh.shape[1]:], fresh)


TEXTS = ["Deliveries are late again.", "Your support team is excellent.", "ok",
         "The hotline never answers before noon, and when it does nobody knows our order history or the contract.",
         "Prices went up twice this year without notice.", "Great.", "We'd like the invoices as one PDF per month."]


def test_lean_encoder_gives_the_sentence_transformers_vectors():
    backend = EmbeddingBackend()
    if not backend.available():
        pytest.skip("embedding model not installed")
    from cra_helpers.needs_tree import minilm

    path = backends._resolve_model(backend.model)
    assert minilm.supported(path)
    lean = backend.load_encoder()
    assert isinstance(lean, minilm.MiniLM)
    ours = lean.encode(TEXTS)
    reference = backend.load().encode(TEXTS, batch_size=4, normalize_embeddings=True, convert_to_numpy=True)
    assert ours.dtype == np.float32 and ours.shape == reference.shape
    assert np.abs(ours - reference).max() < 1e-5
    assert np.einsum("ij,ij->i", ours, reference).min() > 1 - 1e-6
    # A remark's vector does not depend on the remarks embedded with it.
    alone = np.vstack([lean.encode([t]) for t in TEXTS])
    np.testing.assert_allclose(alone, ours, atol=1e-6)


def test_onnx_runtime_engine_gives_the_torch_vectors(tmp_path, monkeypatch):
    backend = EmbeddingBackend()
    if not backend.available():
        pytest.skip("embedding model not installed")
    from cra_helpers.needs_tree import minilm

    path = backends._resolve_model(backend.model)
    monkeypatch.setenv("CRA_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv(minilm.ENGINE_ENV, "torch")
    assert minilm.kind() == minilm.KIND
    torch_enc = minilm.MiniLM.load(path, backend.max_seq_length)
    assert torch_enc.session is None
    monkeypatch.setenv(minilm.ENGINE_ENV, "onnxruntime")
    assert minilm.kind() == minilm.KIND_ORT
    ort_enc = minilm.MiniLM.load(path, backend.max_seq_length)
    assert ort_enc.session is not None
    assert len(list((tmp_path / "onnx").glob("*.onnx"))) == 1  # exported once into the cache folder
    texts = TEXTS + [" ".join(["word"] * 400)]  # longer than max_seq_length: truncated the same way
    ours, reference = ort_enc.encode(texts), torch_enc.encode(texts)
    assert ours.dtype == np.float32 and ours.shape == reference.shape
    assert np.einsum("ij,ij->i", ours, reference).min() > 1 - 1e-6
    layers, torch_layers = ort_enc.encode(texts, layers=True), torch_enc.encode(texts, layers=True)
    width = ours.shape[1]
    assert layers.shape == (len(texts), 6 * width)
    blocks = np.einsum("ikj,ikj->ik", *(x.reshape(len(texts), 6, width) for x in (layers, torch_layers)))
    assert blocks.min() > 1 - 1e-6  # every layer's mean, not only the last
    np.testing.assert_allclose(layers[:, -width:], ours, atol=1e-6)
    assert not np.allclose(layers[:, :width], ours, atol=0.1)  # the first layer is not the sentence vector
    assert minilm.MiniLM.load(path, backend.max_seq_length).session is not None  # reuses the exported graph
    monkeypatch.setenv(minilm.ENGINE_ENV, "gpu")
    with pytest.raises(ValueError, match="CRA_EMBEDDING_ENGINE"):
        minilm.engine()


def test_tree_is_byte_identical_with_empty_warm_and_no_cache(tmp_path, monkeypatch):
    if not EmbeddingBackend().available():
        pytest.skip("embedding model not installed")
    from cra_helpers.config import load_config
    from cra_helpers.needs_tree import build_needs_tree

    settings = load_config().needs_tree
    rng = np.random.default_rng(0)
    texts = [f"{rng.choice(TEXTS)} {w}" for w in rng.choice(["Munich site", "Lyon", "every week", "since May", "again"], 60)]
    ids = [f"V{i:03d}" for i in range(len(texts))]

    def csv() -> str:
        tree = build_needs_tree(ids, texts, settings, backend="hybrid")
        return tree.assignments().to_csv(index=False) + tree.nodes[["node_id", "label", "sentiment"]].to_csv(index=False)

    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    cold = csv()
    assert list((tmp_path / "cache").glob("embeddings-*.sqlite"))
    warm = csv()
    monkeypatch.setenv(cache.CACHE_ENV, "off")
    assert cold == warm == csv()


def test_an_exported_graph_embeds_without_importing_torch(tmp_path):
    """Once the graph is exported, a process embeds with ONNX Runtime alone (importing torch took about 3 s)."""
    import subprocess
    import sys

    if not EmbeddingBackend().available():
        pytest.skip("embedding model not installed")
    from cra_helpers.needs_tree import minilm

    if minilm.engine() != "onnxruntime":
        pytest.skip("onnxruntime not installed")
    code = ("import sys; from cra_helpers.needs_tree.backends import EmbeddingBackend; "
            "v = EmbeddingBackend().embed(['late again and again', 'the hotline never answers']); "
            "print(v.shape, 'torch' in sys.modules)")
    env = {**os.environ, "CRA_CACHE_DIR": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert first.stdout.split()[-1] == "True"  # the first process exports the graph with torch
    for f in tmp_path.glob("embeddings*.sqlite"):
        f.unlink()  # embed again, not from the cache
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert second.stdout.strip() == "(2, 384) False", second.stdout + second.stderr
