"""Latent needs: nodes that no rated need covers, and the evidence per rated need.

Each tertiary node is compared with every rated need (name and interview
wording, projected into the same vector space as the verbatims) by cosine
similarity between the node's centroid and the need. Wording alone cannot
separate a new need from a neighbouring rated one (an "online order
tracking" node is close to "placing and changing orders"), so a second,
documented sign is used: customers voice needs that nobody asked about as
wishes and requests ("we'd like…", "could you…", "please…"). A tertiary node
is **latent** when

* at least ``wish_share`` of its verbatims are wishes and its closest rated
  need is below ``strong_similarity``, or
* even its closest rated need is below ``min_similarity``;

otherwise it is matched to its closest rated need, unless that need is
below ``match_similarity`` too: then the match is **unsure** (``match``
"unsure"): the node keeps its ``closest_need`` and ``similarity`` but counts
as the evidence of no rated need, so its remarks are neither counted nor
quoted beside a need they may not be about. On the bundled sample (65
tertiary nodes, 2026-12-03) nodes whose closest need was below 0.16 had it
right 1 time in 11 (batch-to-batch consistency matched to contract
flexibility, small talk to proactive communication), matched nodes above it
39 times in 46. The second kind of latent node also catches small talk; the analyst
marks it with ``match: none`` (neither rated nor latent), and confirms or
corrects an unsure match with ``match: <need id>``. A secondary or primary
node is latent when all its tertiary nodes are, and is matched to the rated
need that covers most of its verbatims. The analyst's ``match`` overrides
(:mod:`.curation`) win over all of this, the most specific level last.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from .. import schema as S

MATCH_AUTO = "auto"
MATCH_CURATED = "curated"
MATCH_UNSURE = "unsure"
"""Matched to no rated need: not latent, but even the closest rated need is below ``match_similarity``."""
REASON_ASKED = "asked for"
"""Latent because customers ask for it (wishes) and no rated need is very close."""
REASON_FAR = "no close rated need"
"""Latent because even the closest rated need is far (may also be small talk: curate with ``match: none``)."""
REASON_CURATED = "curated"


def wish_flags(texts: Sequence[str], patterns: Iterable[str]) -> np.ndarray:
    """Whether each text is phrased as a wish or request (any pattern matches, case-insensitive)."""
    pats = [p for p in patterns if p]
    if not pats:
        return np.zeros(len(texts), dtype=bool)
    rx = re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE)
    return np.fromiter((bool(rx.search(t)) for t in texts), dtype=bool, count=len(texts))


def need_texts(needs: pd.DataFrame) -> list[str]:
    """Wording of each rated need used for matching: ``"<name>. <description>"``."""
    desc = needs[S.DESCRIPTION].fillna("").astype(str) if S.DESCRIPTION in needs else ""
    return [f"{n}. {d}".strip().rstrip(".") + "." for n, d in zip(needs[S.NEED_NAME].astype(str), desc)]


def match_tertiary(node_vectors: np.ndarray, need_vectors: np.ndarray, need_ids: Sequence[str],
                   wish_share: np.ndarray, min_similarity: float, strong_similarity: float,
                   wish_min: float, match_similarity: float | None = None) -> pd.DataFrame:
    """Closest rated need of each tertiary node and whether the node is latent.

    Parameters
    ----------
    node_vectors
        L2-normalised centroid of each node (k × d).
    need_vectors
        L2-normalised vector of each rated need (m × d), same space.
    need_ids
        Id of each need.
    wish_share
        Share (0–1) of each node's verbatims phrased as wishes.
    min_similarity, strong_similarity, wish_min, match_similarity
        Thresholds of the rule in the module docstring (cosine; share);
        ``match_similarity`` defaults to ``min_similarity`` (no unsure band).

    Returns
    -------
    DataFrame
        ``closest_need, similarity, wish_share, latent, latent_reason,
        unsure`` per node (rows in node order).
    """
    k = len(node_vectors)
    if len(need_ids) == 0:
        return pd.DataFrame({"closest_need": [None] * k, "similarity": np.full(k, np.nan), "wish_share": wish_share,
                             "latent": np.ones(k, dtype=bool), "latent_reason": [REASON_FAR] * k,
                             "unsure": np.zeros(k, dtype=bool)})
    sims = node_vectors @ need_vectors.T
    best = sims.argmax(axis=1)
    best_sim = sims[np.arange(k), best]
    asked = (wish_share >= wish_min) & (best_sim < strong_similarity)
    far = best_sim < min_similarity
    reason = np.where(asked, REASON_ASKED, np.where(far, REASON_FAR, ""))
    floor = min_similarity if match_similarity is None else max(match_similarity, min_similarity)
    unsure = ~(asked | far) & (best_sim < floor)
    return pd.DataFrame({"closest_need": [str(need_ids[j]) for j in best], "similarity": best_sim,
                         "wish_share": wish_share, "latent": asked | far, "latent_reason": reason, "unsure": unsure})
