"""Readable node labels (class-based TF-IDF), representative quotes and sentiment.

Labels follow the class-based TF-IDF of BERTopic (Grootendorst 2022): the
term counts of all verbatims of a node form one document; a term's weight in
node ``c`` is ``tf(t, c) · log(1 + A / f(t))`` with ``tf`` the term's share
of the node's terms, ``A`` the average number of terms per node and ``f(t)``
the term's frequency over all nodes. The label joins the top terms (word
bigrams first when they say more), written in the words customers used.

Sentiment is VADER's compound score (Hutto & Gilbert 2014, lexicon shipped in
``vaderSentiment``), in [-1, 1]; a verbatim is negative at ≤ -0.05 and
positive at ≥ 0.05 (the thresholds of VADER's authors).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from .text import TermCounts

NEGATIVE_AT = -0.05
POSITIVE_AT = 0.05
_PARALLEL_FROM = 20_000


def _vader_chunk(texts: list[str]) -> list[float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    an = SentimentIntensityAnalyzer()
    return [an.polarity_scores(t)["compound"] for t in texts]


class SentimentJob:
    """VADER compound scores of many texts, computed in worker processes while the caller goes on.

    Below 20,000 texts (or on one core) the scores are computed in this
    process when :meth:`result` is called. Above, the texts are split over
    one worker process per core, started at once, so that sentiment runs
    beside the clustering. Worker processes are forked when this process
    has a single Python thread (a script, the ``cra`` command) and spawned
    otherwise (a notebook kernel); if workers cannot start, the scores are
    computed here.

    Parameters
    ----------
    texts
        The remarks (raw wording: VADER reads punctuation, capitals and negations).
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = list(texts)
        self._pool = None
        self._futures = []
        workers = min(os.cpu_count() or 1, 8)
        if len(self.texts) >= _PARALLEL_FROM and workers > 1:
            try:
                method = "fork" if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods() else "spawn"
                self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))
                size = -(-len(self.texts) // (workers * 4))
                self._futures = [self._pool.submit(_vader_chunk, self.texts[i:i + size]) for i in range(0, len(self.texts), size)]
            except (OSError, RuntimeError):  # pragma: no cover - no processes here: compute in this process
                self._shutdown()

    def _shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool, self._futures = None, []

    def result(self) -> np.ndarray:
        """One compound score per text, in [-1, 1]."""
        if self._futures:
            try:
                scores = [s for f in self._futures for s in f.result()]
                return np.asarray(scores, dtype=np.float64)
            except (BrokenProcessPool, OSError, RuntimeError):  # pragma: no cover
                pass
            finally:
                self._shutdown()
        return np.asarray(_vader_chunk(self.texts), dtype=np.float64)


def vader_compound(texts: Sequence[str]) -> np.ndarray:
    """VADER compound sentiment of each text, in [-1, 1] (see :class:`SentimentJob`).

    Parameters
    ----------
    texts
        The remarks.

    Returns
    -------
    ndarray of float
        One score per text.
    """
    return SentimentJob(texts).result()


def membership(labels: np.ndarray, k: int) -> sp.csr_matrix:
    """Rows × nodes indicator matrix of ``labels`` (0 … k-1)."""
    n = len(labels)
    return sp.csr_matrix((np.ones(n, dtype=np.float32), (np.arange(n), labels)), shape=(n, k))


def ctfidf(node_terms: sp.csr_matrix) -> sp.csr_matrix:
    """Class-based TF-IDF of a nodes × terms count matrix (BERTopic's formula).

    Parameters
    ----------
    node_terms
        Summed term counts of each node's verbatims.

    Returns
    -------
    csr_matrix
        Weights, same shape.
    """
    m = sp.csr_matrix(node_terms, dtype=np.float64)
    tf = normalize(m, norm="l1")
    freq = np.asarray(m.sum(axis=0)).ravel()
    avg = float(m.sum()) / max(m.shape[0], 1)
    idf = np.log1p(avg / np.maximum(freq, 1.0))
    return sp.csr_matrix(tf @ sp.diags(idf))


def _pick_terms(order: np.ndarray, names: np.ndarray, n_terms: int) -> list[str]:
    chosen: list[str] = []
    words: set[str] = set()
    for j in order:
        term = str(names[j])
        parts = term.split(" ")
        if len(parts) == 1 and any(term in c.split(" ") for c in chosen):
            continue
        if len(parts) > 1 and all(p in words for p in parts):
            continue
        if len(parts) > 1:
            chosen = [c for c in chosen if c not in parts]  # the bigram says it better
        chosen.append(term)
        words.update(parts)
        if len(chosen) >= n_terms:
            break
    return chosen


def node_labels(
    labels: np.ndarray,
    k: int,
    row_terms: sp.csr_matrix,
    counts: TermCounts,
    n_terms: int = 3,
    min_df: int = 2,
) -> tuple[list[str], list[list[str]]]:
    """Short, distinct phrase for each node from its most distinctive terms.

    Parameters
    ----------
    labels
        Node (0 … k-1) of each verbatim.
    k
        Number of nodes.
    row_terms
        Term counts of each verbatim (rows aligned with ``labels``).
    counts
        The :class:`.text.TermCounts` the columns come from (names, written forms).
    n_terms
        Terms per label.
    min_df
        Terms used by fewer verbatims than this are not label material (typos).

    Returns
    -------
    (labels, terms)
        One label per node (unique within the level, e.g. ``"failure rate,
        breakdowns, warranty"``) and the readable top terms of each node
        (up to 10).
    """
    if row_terms.shape[1] == 0:
        return [f"node {i + 1}" for i in range(k)], [[] for _ in range(k)]
    df = np.bincount(row_terms.indices, minlength=row_terms.shape[1])
    usable = (df >= min(min_df, max(1, row_terms.shape[0] // 2))).astype(np.float64)
    node_terms = (membership(labels, k).T @ row_terms).tocsr()
    weights = ctfidf(node_terms) @ sp.diags(usable)
    weights = sp.csr_matrix(weights)
    out, tops, used = [], [], set()
    for c in range(k):
        row = weights.getrow(c)
        if row.nnz == 0:
            out.append(f"node {c + 1}")
            tops.append([])
            continue
        order = row.indices[np.lexsort((row.indices, -row.data))]
        picked = _pick_terms(order, counts.term_names, n_terms + 3)
        readable = [counts.readable(t) for t in picked]
        label = ", ".join(readable[:n_terms])
        extra = n_terms
        while label in used and extra < len(readable):
            label = f"{label}, {readable[extra]}"
            extra += 1
        if label in used:
            label = f"{label} ({c + 1})"
        used.add(label)
        out.append(label)
        tops.append([counts.readable(t) for t in _pick_terms(order, counts.term_names, 10)])
    return out, tops


def _quote_key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())[:40]


def representative(x: np.ndarray, labels: np.ndarray, k: int, eligible: np.ndarray, n_quotes: int,
                   keys: Sequence[str]) -> tuple[np.ndarray, list[list[int]]]:
    """Centroid similarity of every row and the most central distinct rows of each node.

    Parameters
    ----------
    x
        L2-normalised vectors of the rows.
    labels
        Node of each row (0 … k-1).
    k
        Number of nodes.
    eligible
        Rows preferred as quotes (e.g. not duplicates, not very short);
        a remark that starts like one already chosen, or whose vector is
        within cosine 0.9 of it, is skipped so that the quotes differ.
    n_quotes
        Quotes per node.
    keys
        Text of each row, so that the same wording is quoted once.

    Returns
    -------
    (fit, quotes)
        Cosine similarity of each row to its node's centroid, and for each
        node the row indices of its quotes, most central first.
    """
    cent = normalize(np.asarray(membership(labels, k).T @ x, dtype=np.float64))
    fit = np.einsum("ij,ij->i", x, cent[labels].astype(x.dtype))
    quotes: list[list[int]] = []
    order = np.lexsort((np.arange(len(labels)), -fit, labels))
    starts = np.searchsorted(labels[order], np.arange(k))
    ends = np.searchsorted(labels[order], np.arange(k), side="right")
    for c in range(k):
        members = order[starts[c]:ends[c]]
        chosen, seen = [], set()
        for pool in (members[eligible[members]], members):
            for i in pool[:200]:
                key = _quote_key(keys[i])
                if key in seen or any(float(x[i] @ x[j]) > 0.9 for j in chosen):
                    continue  # the same remark again, or a near-copy of one already quoted
                seen.add(key)
                chosen.append(int(i))
                if len(chosen) >= n_quotes:
                    break
            if len(chosen) >= n_quotes:
                break
        quotes.append(chosen)
    return fit, quotes
