"""Sentiment of customers' remarks with the VADER lexicon shipped inside ``vaderSentiment``.

VADER (Hutto & Gilbert, "VADER: A Parsimonious Rule-based Model for
Sentiment Analysis of Social Media Text", ICWSM 2014) needs no download: the
PyPI package carries its lexicon. The *compound* score runs from −1 (most
negative) to +1; the authors' thresholds call ≤ −0.05 negative and ≥ 0.05
positive.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

import numpy as np

NEGATIVE_AT = -0.05
POSITIVE_AT = 0.05


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
