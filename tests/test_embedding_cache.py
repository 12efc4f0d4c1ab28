"""The embedding cache: reruns reuse vectors, never load the model for seen texts, never change a vector."""

from __future__ import annotations

import numpy as np
import pytest

from cra_helpers.needs_tree import cache
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
    np.testing.assert_array_equal(backend.embed(texts[::-1]), fresh[::-1])
