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
import re
import threading
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from .text import TermCounts, Tokenizer

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


# ---------------------------------------------------------------------- phrase labels
_CLAUSE_SPLIT = re.compile(r"[.;:!?()\[\]\"“”]+|,\s|\s[–—-]\s")
# A label is one clause: it does not run on into the next one ("Training is practical and our staff"). Nouns
# joined by "and" stay together ("Labels and delivery notes"); "and" before a pronoun or determiner opens a clause.
_CLAUSE_JOIN = re.compile(r"\s+(?:(?:but|so|because|while|whereas|although|though|which|when|whenever|if|unless|"
                          r"until)\s+|and\s+(?=(?:i|we|you|they|he|she|it|our|your|their|the|this|that|these|those|"
                          r"there|then|now|also|still)\b))", re.IGNORECASE)
_LENGTH_FACTOR = {2: 0.8, 3: 1.0, 4: 1.0, 5: 1.0, 6: 0.93, 7: 0.86}
CUT_PAIR_FACTOR = 0.5
"""Score factor of a label candidate per word pair of its node that it breaks at an edge."""


def _token_terms(tokens: list[str], tokenizer: Tokenizer, cache: dict[str, str | None]) -> list[str | None]:
    """Stem of each whitespace token when it is a content word, else ``None``.

    A contraction of a stop word ("you're", "there's", "it's", "we've") is no
    content word here, so that no label starts or ends on one ("Copy of the
    results when you're"); negations ("don't") and possessives ("Kestrel's") are.
    """
    out = []
    for t in tokens:
        if t not in cache:
            words = tokenizer.words(t)
            base = words[0].split("'")[0] if len(words) == 1 and "'" in words[0] else ""
            cache[t] = tokenizer.stems(words)[0] if len(words) == 1 and base not in tokenizer.stop_words else None
        out.append(cache[t])
    return out


def _windows(text: str, tokenizer: Tokenizer, cache: dict[str, str | None], min_words: int, max_words: int):
    """Every clause window of ``min_words``–``max_words`` words that starts and ends on a content word.

    Yields ``(phrase, stem terms, words, (first stem, last stem), cut)`` where
    the terms are the window's stems and the bigrams of its consecutive content
    stems (as the tokenizer counts them), and ``cut`` the bigrams the window
    breaks at its edges (the content word just outside it with its first or
    last word: "at incoming | inspection").
    """
    for clause in (c for part in _CLAUSE_SPLIT.split(text) for c in _CLAUSE_JOIN.split(part)):
        tokens = clause.split()
        if len(tokens) < min_words:
            continue
        stems = _token_terms(tokens, tokenizer, cache)
        for i in range(len(tokens)):
            if stems[i] is None:
                continue
            for j in range(i + min_words - 1, min(len(tokens), i + max_words)):
                if stems[j] is None:
                    continue
                content = [s for s in stems[i:j + 1] if s is not None]
                terms = set(content) | {f"{a} {b}" for a, b in zip(content, content[1:])}
                cut = ([f"{stems[i - 1]} {stems[i]}"] if i and stems[i - 1] else []) + (
                    [f"{stems[j]} {stems[j + 1]}"] if j + 1 < len(tokens) and stems[j + 1] else [])
                yield " ".join(tokens[i:j + 1]).strip(",'’"), terms, j - i + 1, (stems[i], stems[j]), cut


def phrase_labels(labels: np.ndarray, k: int, row_terms: sp.csr_matrix, counts: TermCounts, texts: Sequence[str],
                  fit: np.ndarray, tokenizer: Tokenizer, fallback: Sequence[str], min_words: int = 2, max_words: int = 7,
                  per_node: int = 25, min_df: int = 2, top_terms: int = 15, tone: Sequence[str] | None = None,
                  node_sentiment: np.ndarray | None = None, case: dict[str, str] | None = None) -> list[str]:
    """A short phrase in the customers' own words naming each node (2–7 words, unique within the level).

    For each node the candidates are the clause windows of ``min_words`` to ``max_words`` words of its
    ``per_node`` most central remarks (highest ``fit``) that start and end on one of the node's most distinctive
    words. A window scores the class-based TF-IDF weight of the node's terms it contains (:func:`ctfidf`: words
    the node uses and other nodes don't), times the centrality of its remark, times a length factor favouring
    3–5 words. The best window not already used by another node of the level wins, first letter capitalised
    (then a window that does not start and end on such words, then the opening words of the most central
    remark); a node with no candidate at all keeps its keyword label (``fallback``). Every label is thus a phrase
    of one of the node's remarks, word for word but for names written as usual (:func:`case_map`). With ``tone``
    and ``node_sentiment``, a remark whose class is the opposite of the node's mean sentiment (beyond ±0.05) names
    it only when no other remark can: a node that customers mostly praise is not named by its one complaint
    ("Application engineers don't understand" over a node of praise for them).

    Parameters
    ----------
    labels, k
        Node (0 … k-1) of each row, and the number of nodes.
    row_terms, counts
        Term counts of each row (columns of ``counts``), and the term counts' names.
    texts, fit
        Raw text of each row, and its cosine similarity to its node's centroid (``representative``).
    tokenizer, fallback
        The tokenizer ``counts`` was built with; the keyword label of each node, used when no phrase qualifies.
    min_words, max_words, per_node, min_df, top_terms
        Phrase length bounds (words); central remarks searched per node; terms used by fewer rows carry no
        weight (typos); a phrase must start and end on one of the node's ``top_terms`` most distinctive words.
    tone, node_sentiment, case
        Optional class (``negative`` / ``neutral`` / ``positive``) of each row, mean sentiment score (−1…1) of
        each node, and :func:`case_map` of ``texts`` (computed when not given; the levels of a tree share one).

    Returns
    -------
    list of str
        One label per node.

    Examples
    --------
    >>> import numpy as np
    >>> from cra_helpers.needs_tree.text import count_terms, make_tokenizer
    >>> texts = ["Deliveries are late again and again.", "Late deliveries, we had to chase the driver.",
    ...          "Your prices are competitive.", "Competitive prices, no question."]
    >>> tok = make_tokenizer()
    >>> c = count_terms(texts, tok)
    >>> labels = np.array([0, 0, 1, 1])
    >>> phrase_labels(labels, 2, c.terms, c, texts, np.ones(4), tok, ["a", "b"])
    ['Deliveries are late', 'Prices are competitive']
    """
    if row_terms.shape[1] == 0 or k == 0:
        return list(fallback)
    weights, column, members = _phrase_setup(labels, k, row_terms, counts, fit, min_df, per_node)
    against = _against_node(labels, tone, node_sentiment)
    cache: dict[str, str | None] = {}
    ranked = [_phrase_candidates(weights.getrow(c), column, members[c], texts, fit, tokenizer, cache, min_words,
                                 max_words, top_terms, against) for c in range(k)]
    return _unique_labels(ranked, fallback, case_map(texts) if case is None else case)


def _against_node(labels: np.ndarray, tone: Sequence[str] | None, node_sentiment: np.ndarray | None) -> np.ndarray:
    """Whether each row's class is the opposite of its node's mean sentiment (all false without both)."""
    if tone is None or node_sentiment is None or not len(labels):
        return np.zeros(len(labels), dtype=bool)
    node = np.asarray(node_sentiment, dtype=float)[labels]
    tone = np.asarray(tone, dtype=object)
    return ((tone == "negative") & (node >= POSITIVE_AT)) | ((tone == "positive") & (node <= NEGATIVE_AT))


def _phrase_setup(labels: np.ndarray, k: int, row_terms: sp.csr_matrix, counts: TermCounts, fit: np.ndarray,
                  min_df: int, per_node: int) -> tuple[sp.csr_matrix, dict[str, int], list[np.ndarray]]:
    """Node × term c-TF-IDF weights (rare terms at 0), the column of each term, and each node's most central rows."""
    df = np.bincount(row_terms.indices, minlength=row_terms.shape[1])
    usable = (df >= min(min_df, max(1, row_terms.shape[0] // 2))).astype(np.float64)
    weights = sp.csr_matrix(ctfidf((membership(labels, k).T @ row_terms).tocsr()) @ sp.diags(usable))
    column = {str(t): j for j, t in enumerate(counts.term_names)}
    order = np.lexsort((np.arange(len(labels)), -np.asarray(fit, dtype=float), labels))
    starts = np.searchsorted(labels[order], np.arange(k))
    ends = np.searchsorted(labels[order], np.arange(k), side="right")
    return weights, column, [order[starts[c]:ends[c]][:per_node] for c in range(k)]


def _phrase_candidates(row: sp.csr_matrix, column: dict[str, int], members: np.ndarray, texts: Sequence[str],
                       fit: np.ndarray, tokenizer: Tokenizer, cache: dict[str, str | None], min_words: int,
                       max_words: int, top_terms: int, against: np.ndarray) -> list[tuple[int, float, str]]:
    """One node's candidate phrases as ``(tier, -score, phrase)``, best first (see :func:`phrase_labels`); the
    phrases of a remark ``against`` its node's tone come after every other remark's (three tiers later)."""
    w = dict(zip(row.indices.tolist(), row.data.tolist()))
    top = set(row.indices[np.argsort(-row.data, kind="stable")[:top_terms]].tolist())
    cands: dict[str, tuple[int, float, str]] = {}
    for i in members:
        centrality = max(float(fit[i]), 0.05)
        for phrase, terms, n, edges, cut in _windows(str(texts[i]), tokenizer, cache, min_words, max_words):
            # Best: a phrase that starts and ends on words that mark this node; else any phrase with its terms.
            tier = (0 if all(column.get(e, -1) in top for e in edges) else 1) + 3 * int(against[i])
            score = sum(w.get(column.get(t, -1), 0.0) for t in terms) * centrality * _LENGTH_FACTOR[n]
            # a phrase that breaks one of the node's word pairs at its edge ("… at incoming | inspection") loses half
            score *= CUT_PAIR_FACTOR ** sum(w.get(column.get(t, -1), 0.0) > 0 for t in cut)
            key = phrase.lower()
            if score > 0 and (tier, -score) < cands.get(key, (2, 0.0, ""))[:2]:
                cands[key] = (tier, -score, phrase)
    for i in members:  # last resort: the opening words of the most central remark
        words = _CLAUSE_SPLIT.split(str(texts[i]))[0].split()[:max_words]
        if len(words) >= min_words:
            cands.setdefault(" ".join(words).lower(), (2 + 3 * int(against[i]), 0.0, " ".join(words).strip(",'’")))
    return sorted(cands.values())


def case_map(texts: Sequence[str]) -> dict[str, str]:
    """The usual written form of words that customers capitalise inside sentences ("Varanta", "PPAP").

    A word counts when, away from the start of a sentence, one capitalised form
    makes up more than half of its occurrences; remarks typed in lower case
    ("better than varanta industrial") then get the name back in labels.
    """
    forms: dict[str, Counter] = {}
    for text in texts:
        for sentence in re.split(r"[.!?]\s+", str(text)):
            for w in re.findall(r"[A-Za-z][\w&-]*", sentence)[1:]:
                forms.setdefault(w.lower(), Counter())[w] += 1
    out = {}
    for low, c in forms.items():
        form, n = c.most_common(1)[0]
        if form != low and n * 2 > sum(c.values()):
            out[low] = form
    return out


def _truecase(label: str, case: dict[str, str]) -> str:
    """``label`` with each word in its usual written form (:func:`case_map`), first letter capitalised."""
    words = [case.get(w.lower(), w) if w.islower() or (w[:1].isupper() and w[1:].islower()) else w
             for w in label.split(" ")]
    out = " ".join(words)
    return out[:1].upper() + out[1:]


def _unique_labels(ranked: list[list[tuple[int, float, str]]], fallback: Sequence[str],
                   case: dict[str, str] | None = None) -> list[str]:
    """Each node's best phrase not used by an earlier node, first letter capitalised and names written as
    ``case`` has them (:func:`_truecase`), else its ``fallback``."""
    out: list[str] = []
    used: set[str] = set()
    for c, cands in enumerate(ranked):
        label = next((p for _, _, p in cands if p.lower() not in used), None)
        if label is None:
            label = fallback[c]
        else:
            label = _truecase(label, case or {})
        used.add(label.lower())
        out.append(label)
    return out
