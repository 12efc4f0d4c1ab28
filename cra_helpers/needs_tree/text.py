"""Text preparation: normalise, flag and tokenise verbatims.

Only parts of nltk that need no downloaded data are used (a regular-expression
tokenizer, the Snowball stemmer and ``nltk.util.ngrams``); the stop-word list
is scikit-learn's ``ENGLISH_STOP_WORDS`` (it ships inside the package), minus
the content words listed in ``needs_tree.text.keep_words`` and plus
``needs_tree.text.extra_stop_words``.

Every verbatim gets a status:

``ok``
    Placed in the tree.
``duplicate``
    Repeats an earlier verbatim word for word (case and spacing ignored);
    placed, and represented once for the computation.
``short``
    Fewer than ``min_words`` words; placed, and flagged for the analyst.
``empty``
    No text, or only a placeholder such as ``n/a``; not placed (there is no
    need in it) and listed in the preparation report.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize import RegexpTokenizer
from nltk.util import ngrams
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from .. import schema as S
from ..redact import fold

STATUS_OK = "ok"
STATUS_DUPLICATE = "duplicate"
STATUS_SHORT = "short"
STATUS_EMPTY = "empty"
STATUSES = (STATUS_OK, STATUS_DUPLICATE, STATUS_SHORT, STATUS_EMPTY)

# Letters (any script) with inner apostrophes or hyphens: "don't", "on-time", "e-mail".
_TOKEN_PATTERN = r"[^\W\d_]+(?:['’\-][^\W\d_]+)*"
_TOKENIZER = RegexpTokenizer(_TOKEN_PATTERN)
_STEMMER = SnowballStemmer("english")
_SPACES = re.compile(r"\s+")
_HAS_LETTER = re.compile(r"[^\W\d_]")


_STEMS: dict[str, str] = {}


def stem(word: str) -> str:
    """Snowball ("Porter 2") stem of one lower-case word (cached for the process)."""
    s = _STEMS.get(word)
    if s is None:
        if len(_STEMS) > 500_000:
            _STEMS.clear()
        s = _STEMS[word] = _STEMMER.stem(word)
    return s


def normalise(text: object) -> str:
    """Unicode-normalised text with runs of white space collapsed to one space.

    Parameters
    ----------
    text
        Any cell value; ``None``/NA gives ``""``.

    Returns
    -------
    str
        NFKC-normalised, stripped text.
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", str(text))).strip()


@dataclass(frozen=True)
class Tokenizer:
    """Turns a verbatim into content words, stems and stem n-grams.

    Parameters
    ----------
    stop_words
        Lower-case words dropped before stemming.
    ngram_max
        Longest n-gram produced by :meth:`terms` (1 = words only).
    """

    stop_words: frozenset[str]
    ngram_max: int = 2

    def words(self, text: str) -> list[str]:
        """Lower-case content words of ``text`` (stop words and 1-letter words removed), unstemmed."""
        stop = self.stop_words
        return [w for w in _TOKENIZER.tokenize(text.lower().replace("’", "'")) if len(w) > 1 and w not in stop]

    def stems(self, words: Sequence[str]) -> list[str]:
        """Snowball stems of ``words`` (see :func:`stem`)."""
        return [stem(w) for w in words]

    def terms(self, text: str) -> list[str]:
        """Stemmed words and their n-grams (joined by a space), in text order."""
        return self.terms_of_stems(self.stems(self.words(text)))

    def terms_of_stems(self, stems: Sequence[str]) -> list[str]:
        """The stems followed by their 2- … ``ngram_max``-grams (``nltk.util.ngrams``)."""
        out = list(stems)
        for n in range(2, self.ngram_max + 1):
            out.extend(" ".join(g) for g in ngrams(stems, n))
        return out


@dataclass
class TermCounts:
    """Counts of terms and words in a list of texts, from one pass of the tokenizer.

    Attributes
    ----------
    terms
        Sparse counts, texts × stem n-grams (CSR, int32).
    term_names
        The stem n-grams, column order of :attr:`terms`.
    words
        Sparse counts, texts × content words (unstemmed).
    word_names
        The words, column order of :attr:`words`.
    surface
        Most frequent written form of each stem (ties alphabetical), to
        print labels in real words.
    """

    terms: sp.csr_matrix
    term_names: np.ndarray
    words: sp.csr_matrix
    word_names: np.ndarray
    surface: dict[str, str]

    def readable(self, term: str) -> str:
        """A stem n-gram in written words (``"failur rate"`` → ``"failure rate"``)."""
        return " ".join(self.surface.get(s, s) for s in term.split(" "))


def _identity(doc: list[str]) -> list[str]:
    return doc


def count_terms(texts: Sequence[str], tokenizer: Tokenizer) -> TermCounts:
    """Tokenise every text once and count its stem n-grams and content words.

    Parameters
    ----------
    texts
        Distinct, normalised texts.
    tokenizer
        From :func:`make_tokenizer`.

    Returns
    -------
    TermCounts
        Sparse count matrices (rows in the order of ``texts``) and the
        stem → written-word map.
    """
    word_lists, term_lists = [], []
    surface_counts: dict[str, Counter] = {}
    for t in texts:
        ws = tokenizer.words(t)
        st = tokenizer.stems(ws)
        for w, s_ in zip(ws, st):
            c = surface_counts.get(s_)
            if c is None:
                c = surface_counts[s_] = Counter()
            c[w] += 1
        word_lists.append(ws)
        term_lists.append(tokenizer.terms_of_stems(st))
    tv = CountVectorizer(analyzer=_identity, dtype=np.int32)
    wv = CountVectorizer(analyzer=_identity, dtype=np.int32)
    if any(term_lists):
        terms = tv.fit_transform(term_lists).tocsr()
        term_names = tv.get_feature_names_out()
        words = wv.fit_transform(word_lists).tocsr()
        word_names = wv.get_feature_names_out()
    else:
        terms = sp.csr_matrix((len(texts), 0), dtype=np.int32)
        words = sp.csr_matrix((len(texts), 0), dtype=np.int32)
        term_names = word_names = np.array([], dtype=object)
    surface = {s_: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for s_, c in surface_counts.items()}
    return TermCounts(terms, term_names, words, word_names, surface)


def char_ngram_matrix(word_names: Sequence[str], n: int = 4) -> tuple[sp.csr_matrix, list[str]]:
    """Incidence of character ``n``-grams in words padded with spaces (as scikit-learn's ``char_wb``).

    Parameters
    ----------
    word_names
        The vocabulary of words.
    n
        N-gram length; a word shorter than ``n - 2`` letters yields itself, padded.

    Returns
    -------
    (csr_matrix, list of str)
        Words × n-grams counts, and the n-grams.
    """
    index: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for i, w in enumerate(word_names):
        padded = f" {w} "
        grams = [padded[j:j + n] for j in range(max(1, len(padded) - n + 1))]
        for g, c in Counter(grams).items():
            rows.append(i)
            cols.append(index.setdefault(g, len(index)))
            vals.append(c)
    m = sp.csr_matrix((np.asarray(vals, dtype=np.int32), (rows, cols)), shape=(len(word_names), len(index)))
    return m, list(index)


def make_tokenizer(keep_words: Iterable[str] = (), extra_stop_words: Iterable[str] = (), ngram_max: int = 2) -> Tokenizer:
    """The tokenizer used by the lexical backend and the node labels.

    Parameters
    ----------
    keep_words
        Words of scikit-learn's stop-word list that carry meaning in
        customers' remarks (``bill``, ``call``, ``system``, ``top``, ``up`` …).
    extra_stop_words
        Conversational filler to drop as well (``honestly``, ``really`` …).
    ngram_max
        Longest n-gram (1–3).
    """
    stop = (set(ENGLISH_STOP_WORDS) - {w.lower() for w in keep_words}) | {w.lower() for w in extra_stop_words}
    return Tokenizer(frozenset(stop), ngram_max)


@dataclass
class PreparedText:
    """Verbatims after preparation.

    Attributes
    ----------
    frame
        One row per input verbatim, in input order: ``verbatim_id``, ``text``
        (normalised), ``status`` (see the module docstring), ``words``
        (count), ``duplicate_of`` (id of the first verbatim with the same
        text, else empty) and ``unit`` (index into :attr:`unique_texts`, -1
        for empty verbatims).
    unique_texts
        The distinct texts that are represented and clustered.
    """

    frame: pd.DataFrame
    unique_texts: list[str] = field(default_factory=list)

    @property
    def placed(self) -> pd.DataFrame:
        """Rows that go into the tree (every status but ``empty``)."""
        return self.frame[self.frame["status"] != STATUS_EMPTY]

    def report(self) -> pd.DataFrame:
        """How many verbatims have each status, with up to five example ids.

        Returns
        -------
        DataFrame
            ``status, verbatims, placed, examples`` for every status that
            occurs, in the order ok, duplicate, short, empty.
        """
        rows = []
        for st in STATUSES:
            ids = self.frame.loc[self.frame["status"] == st, S.VERBATIM_ID].astype(str).tolist()
            if ids:
                rows.append({"status": st, "verbatims": len(ids), "placed": st != STATUS_EMPTY, "examples": ", ".join(ids[:5])})
        return pd.DataFrame(rows, columns=["status", "verbatims", "placed", "examples"])


def prepare(
    ids: Sequence[object],
    texts: Sequence[object],
    min_words: int = 3,
    placeholders: Iterable[str] = (),
) -> PreparedText:
    """Normalise verbatims, flag empty, duplicate and very short ones, and list the distinct texts.

    Parameters
    ----------
    ids
        Verbatim identifiers (converted to text), same length as ``texts``.
    texts
        The remarks as typed; NA allowed.
    min_words
        A verbatim with fewer words than this is flagged ``short`` (still placed).
    placeholders
        Texts meaning "nothing to say" (``n/a``, ``-`` …), compared case-
        insensitively without surrounding punctuation; flagged ``empty``.

    Returns
    -------
    PreparedText
        The flagged frame and the distinct texts to represent.

    Raises
    ------
    ValueError
        When ``ids`` and ``texts`` differ in length or an id repeats.
    """
    if len(ids) != len(texts):
        raise ValueError(f"{len(ids)} ids for {len(texts)} texts")
    id_list = _id_texts(ids)
    holders = {p.strip().lower() for p in placeholders}
    norm = [normalise(t) for t in texts]
    status, n_words, dup_of, unit, unique = _flag(id_list, norm, holders, min_words)
    frame = pd.DataFrame(
        {
            S.VERBATIM_ID: id_list,
            S.TEXT: norm,
            "status": status,
            "words": np.asarray(n_words, dtype="int64"),
            "duplicate_of": dup_of,
            "unit": np.asarray(unit, dtype="int64"),
        }
    )
    return PreparedText(frame, unique)


def _id_texts(ids: Sequence[object]) -> list[str]:
    """The ids as stripped text (a missing id is ``""``); a repeated id is a ``ValueError``."""
    id_list = ["" if (v is None or (not isinstance(v, str) and pd.isna(v))) else str(v).strip() for v in ids]
    dup_ids = pd.Series(id_list)[pd.Series(id_list).duplicated()].unique().tolist()
    if dup_ids:
        raise ValueError(f"verbatim ids must be unique; repeated: {', '.join(map(str, dup_ids[:10]))}")
    return id_list


def _flag(id_list: list[str], norm: list[str], holders: set[str], min_words: int):
    """Status, word count, duplicate-of id and distinct-text number (``-1``: empty) of each normalised verbatim.

    Returns ``(status, words, duplicate_of, unit, distinct texts)``.
    """
    status, n_words, dup_of, unit = [], [], [], []
    first_of: dict[str, int] = {}
    unique: list[str] = []
    first_id: dict[str, str] = {}
    for vid, t in zip(id_list, norm):
        key = t.lower()
        bare = key.strip(" .!?,;:-_*'\"()[]")
        n = len(t.split())
        n_words.append(n)
        if not t or not _HAS_LETTER.search(t) or bare in holders:
            status.append(STATUS_EMPTY)
            dup_of.append("")
            unit.append(-1)
            continue
        if key in first_of:
            status.append(STATUS_DUPLICATE)
            dup_of.append(first_id[key])
            unit.append(first_of[key])
            continue
        first_of[key] = len(unique)
        first_id[key] = vid
        unique.append(t)
        unit.append(first_of[key])
        dup_of.append("")
        status.append(STATUS_SHORT if n < min_words else STATUS_OK)
    return status, n_words, dup_of, unit, unique


_QUOTE_TOKEN = re.compile(r"[a-z0-9]+")


def quote_tokens(text: str) -> set[str]:
    """The set of word tokens of a remark: lower case, accents and punctuation removed."""
    return set(_QUOTE_TOKEN.findall(fold(text)))


SHARED_RUN_WORDS = 6
"""Two remarks sharing a run of this many consecutive words (after folding case, accents and punctuation) are near
duplicates: the same clause with another lead-in or tail."""


def _runs(text: str, k: int = SHARED_RUN_WORDS) -> set[tuple[str, ...]]:
    words = _QUOTE_TOKEN.findall(fold(text))
    return {tuple(words[i:i + k]) for i in range(len(words) - k + 1)}


def near_duplicate(a: str, b: str, overlap: float = 0.7) -> bool:
    """Whether two remarks say nearly the same thing.

    The same text once lower-cased, accents and punctuation removed; token
    sets whose overlap (shared tokens / tokens of the shorter remark)
    reaches ``overlap`` (0–1); or a run of :data:`SHARED_RUN_WORDS`
    consecutive words in both: "If you ask me, lead times are far too
    long." and "Lead times are way too long for catalogue items. And lead
    times are far too long." are one remark.

    Examples
    --------
    >>> near_duplicate("If you ask me, lead times are far too long.", "And lead times are far too long. Write that down.")
    True
    >>> near_duplicate("Lead times are far too long.", "Invoices are always right.")
    False
    """
    ta, tb = quote_tokens(a), quote_tokens(b)
    if not ta or not tb:
        return " ".join(sorted(ta)) == " ".join(sorted(tb))
    return (ta == tb or len(ta & tb) / min(len(ta), len(tb)) >= overlap
            or bool(_runs(a) & _runs(b)))


def distinct_texts(texts: Sequence[str], overlap: float = 0.7, limit: int | None = None) -> list[int]:
    """Positions of the texts to keep, in order, dropping every near duplicate (:func:`near_duplicate`) of an
    earlier kept one; with ``limit``, stop once that many are kept (the rest is not compared)."""
    kept: list[int] = []
    for i, t in enumerate(texts):
        if limit is not None and len(kept) >= limit:
            break
        if not any(near_duplicate(t, texts[j], overlap) for j in kept):
            kept.append(i)
    return kept
