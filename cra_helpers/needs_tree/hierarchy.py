"""Three levels of needs from vectors: tertiary groups of verbatims, secondary and primary groups above.

Method (``docs/needs-tree.md`` explains the choices):

1. **Tertiary.** Ward's agglomerative clustering of the verbatim vectors
   (scipy), cut into ``k`` groups, then refined by k-means started from the
   groups' centroids (scikit-learn; Lloyd iterations from a fixed start are
   deterministic). Above ``exact_max`` vectors the tree is built over
   ``micro_clusters`` mini-batch k-means centroids instead of the vectors, so
   no step needs memory that grows with the square of the number of
   verbatims; the k-means refinement still sees every verbatim. Every
   verbatim belongs to exactly one tertiary node: there is no outlier bucket.
2. **Secondary** groups the tertiary nodes (Ward's method on their
   centroids), **primary** groups the secondary nodes the same way (each
   secondary node represented by the mean direction of all its verbatims),
   so the levels nest by construction.
3. **How many nodes.** When a count is not given, each level tries every
   candidate count ``k`` on a grid and scores it by the mean silhouette
   (Rousseeuw 1987, cosine distance): for the tertiary level, of a seeded
   sample of verbatims; for the levels above, of the nodes one level down.
   The chosen ``k`` is the smallest whose silhouette reaches ``plateau``
   (default 95 %) of the best one: text clusters usually keep gaining a
   little silhouette as they split further, and this rule stops where the
   gain flattens. Small groups (fewer than ``min_node_size`` verbatims) that
   an automatic cut leaves are dissolved into their nearest node.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.preprocessing import normalize

LEVELS = ("primary", "secondary", "tertiary")
"""Levels of the needs tree, top down (Griffin & Hauser 1993)."""


@dataclass(frozen=True)
class ClusterSettings:
    """Knobs of :func:`build_hierarchy` (from ``needs_tree`` in the configuration).

    Attributes
    ----------
    max_nodes
        Largest automatic count per level, ``{"tertiary": 150, ...}``.
    plateau
        Share (0–1] of the best silhouette the chosen count must reach.
    silhouette_sample
        Verbatims sampled to score tertiary counts.
    min_node_size
        Automatic tertiary nodes smaller than this are dissolved.
    exact_max
        Up to this many verbatims the tree is built on the verbatims
        themselves; above, on ``micro_clusters`` k-means centroids.
    micro_clusters
        Number of micro-clusters above ``exact_max``.
    refine_iter
        Maximum k-means iterations refining the tertiary cut (0 = none).
    max_children
        Most child nodes an automatic upper node may hold on average: the
        automatic count of the secondary and primary levels is at least
        ``ceil(nodes below / max_children)``. Silhouette alone often prefers
        two groups for a few dozen centroids, which leaves a primary level
        of two headings over two dozen needs; a sunburst ring or a workshop
        slide holds about eight headings legibly.
    """

    max_nodes: dict[str, int] = field(default_factory=lambda: {"tertiary": 150, "secondary": 40, "primary": 12})
    plateau: float = 0.95
    silhouette_sample: int = 3000
    min_node_size: int = 3
    exact_max: int = 5000
    micro_clusters: int = 2000
    refine_iter: int = 20
    max_children: int = 8


@dataclass
class Hierarchy:
    """Node membership at the three levels.

    Attributes
    ----------
    tertiary
        Tertiary node (0-based) of every vector, in input order.
    secondary_of_tertiary
        Secondary node of each tertiary node.
    primary_of_secondary
        Primary node of each secondary node.
    choice
        One row per level × candidate count: ``level, k, silhouette,
        chosen`` (``silhouette`` is NaN when the count was given).
    """

    tertiary: np.ndarray
    secondary_of_tertiary: np.ndarray
    primary_of_secondary: np.ndarray
    choice: pd.DataFrame

    @property
    def secondary(self) -> np.ndarray:
        """Secondary node of every vector."""
        return self.secondary_of_tertiary[self.tertiary]

    @property
    def primary(self) -> np.ndarray:
        """Primary node of every vector."""
        return self.primary_of_secondary[self.secondary]

    def counts(self) -> dict[str, int]:
        """Number of nodes per level."""
        return {
            "primary": int(self.primary_of_secondary.max()) + 1 if len(self.primary_of_secondary) else 0,
            "secondary": len(self.primary_of_secondary),
            "tertiary": len(self.secondary_of_tertiary),
        }


def candidate_counts(k_max: int, k_min: int = 2) -> list[int]:
    """Grid of counts tried by the automatic choice: every count to 30, every 2nd to 60, every 5th beyond.

    Parameters
    ----------
    k_max, k_min
        Inclusive bounds.
    """
    grid = [k for k in range(k_min, k_max + 1) if k <= 30 or (k <= 60 and k % 2 == 0) or k % 5 == 0]
    if grid and grid[-1] != k_max:
        grid.append(k_max)
    return grid


def plateau_choice(scores: dict[int, float], plateau: float) -> int:
    """Smallest count whose score reaches ``plateau`` × the best score.

    Parameters
    ----------
    scores
        Silhouette per candidate count (NaN scores are ignored).
    plateau
        Share of the best score, in (0, 1].

    Returns
    -------
    int
        The chosen count (the best one when all scores are ≤ 0).
    """
    valid = {k: s for k, s in scores.items() if np.isfinite(s)}
    if not valid:
        return min(scores)
    best_k = max(valid, key=lambda k: (valid[k], -k))
    best = valid[best_k]
    if best <= 0:
        return best_k
    return min(k for k, s in valid.items() if s >= plateau * best)


def _ward_linkage(units: np.ndarray) -> np.ndarray:
    """Ward linkage of L2-normalised rows, distances from one BLAS product (euclidean² = 2 − 2·cos)."""
    u = units.astype(np.float64)
    g = u @ u.T
    sq = np.maximum(np.diag(g)[:, None] + np.diag(g)[None, :] - 2.0 * g, 0.0)
    np.fill_diagonal(sq, 0.0)
    d = squareform(np.sqrt(sq), checks=False)
    del g, sq
    return linkage(d, method="ward")


def _cosine_distances(x: np.ndarray) -> np.ndarray:
    xn = normalize(x.astype(np.float64))
    d = 1.0 - xn @ xn.T
    np.clip(d, 0.0, 2.0, out=d)
    np.fill_diagonal(d, 0.0)
    return d


def silhouette(d: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of a partition from a precomputed distance matrix (Rousseeuw 1987).

    Same definition as :func:`sklearn.metrics.silhouette_score` with
    ``metric="precomputed"`` (members of single-member groups score 0), but
    all groups at once through one sparse product, so that scoring many
    candidate counts on the same sample stays cheap.

    Parameters
    ----------
    d
        Square matrix of distances between the items (n × n).
    labels
        Group of each item.

    Returns
    -------
    float
        Mean silhouette in [-1, 1]; NaN when there are fewer than 2 groups
        or as many groups as items.
    """
    uniq, lab = np.unique(np.asarray(labels), return_inverse=True)
    n, k = len(lab), len(uniq)
    if k < 2 or k >= n:
        return float("nan")
    onehot = sp.csr_matrix((np.ones(n), (np.arange(n), lab)), shape=(n, k))
    sums = np.asarray((onehot.T @ d).T)  # n × k: total distance of each item to each group
    sizes = np.bincount(lab, minlength=k).astype(np.float64)
    own_size = sizes[lab]
    a = sums[np.arange(n), lab] / np.maximum(own_size - 1.0, 1.0)
    mean_to = sums / sizes[None, :]
    mean_to[np.arange(n), lab] = np.inf
    b = mean_to.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s_i = (b - a) / np.maximum(a, b)
    s_i[(own_size <= 1) | ~np.isfinite(s_i)] = 0.0
    return float(s_i.mean())


def _centroids(x: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """L2-normalised mean of the rows of each group 0 … k-1 (one sparse product)."""
    n = len(labels)
    member = sp.csr_matrix((np.ones(n, dtype=x.dtype), (labels, np.arange(n))), shape=(k, n))
    return normalize(np.asarray(member @ x, dtype=np.float64))


def _relabel(labels: np.ndarray) -> np.ndarray:
    """Number groups by size (largest first), ties by first appearance: stable ids for the same input."""
    uniq, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(len(uniq)), key=lambda i: (-counts[i], first[i]))
    mapping = np.empty(uniq.max() + 1, dtype=np.int64)
    mapping[uniq[order]] = np.arange(len(uniq))
    return mapping[labels]


def _dissolve_small(x: np.ndarray, labels: np.ndarray, min_size: int) -> np.ndarray:
    """Move the members of groups smaller than ``min_size`` to the nearest remaining group."""
    labels = labels.copy()
    while True:
        uniq, counts = np.unique(labels, return_counts=True)
        small = uniq[counts < min_size]
        if len(small) == 0 or len(uniq) - len(small) < 1:
            return labels
        keep = uniq[counts >= min_size]
        cent = _centroids(x, labels, int(uniq.max()) + 1)[keep]
        idx = np.flatnonzero(np.isin(labels, small))
        labels[idx] = keep[np.argmax(x[idx] @ cent.T, axis=1)]


def _tertiary(x: np.ndarray, k_given: int | None, s: ClusterSettings, seed: int) -> tuple[np.ndarray, list[dict]]:
    n = len(x)
    rng = np.random.default_rng(seed)
    if n <= s.exact_max:
        units, unit_of = x, np.arange(n)
    else:
        m = min(s.micro_clusters, n)
        # Random initial centres: k-means++ over thousands of centres costs more than the whole
        # clustering, and micro-clusters only summarise the data for the tree built on them.
        mbk = MiniBatchKMeans(m, init="random", random_state=seed, batch_size=4096, n_init=1, max_iter=30,
                              init_size=min(n, 3 * m), max_no_improvement=5)
        unit_of = mbk.fit_predict(x)
        used = np.unique(unit_of)
        remap = np.full(m, -1)
        remap[used] = np.arange(len(used))
        unit_of = remap[unit_of]
        units = _centroids(x, unit_of, len(used))
    link = _ward_linkage(units)
    rows: list[dict] = []
    auto = k_given is None
    if auto:
        k_max = max(2, min(s.max_nodes["tertiary"], len(units) - 1, n // max(1, s.min_node_size)))
        sample = np.sort(rng.choice(n, min(n, s.silhouette_sample), replace=False))
        d = _cosine_distances(x[sample])
        scores = {}
        for k in candidate_counts(k_max):
            lab = fcluster(link, k, criterion="maxclust")[unit_of[sample]]
            scores[k] = silhouette(d, lab)
        k = plateau_choice(scores, s.plateau)
        rows = [{"level": "tertiary", "k": kk, "silhouette": sc, "chosen": kk == k} for kk, sc in scores.items()]
    else:
        k = max(1, min(int(k_given), len(units)))
        rows = [{"level": "tertiary", "k": k, "silhouette": float("nan"), "chosen": True}]
    labels = fcluster(link, k, criterion="maxclust")[unit_of] - 1
    k_eff = int(labels.max()) + 1
    if s.refine_iter > 0 and k_eff > 1:
        init = _centroids(x, labels, k_eff)
        km = KMeans(k_eff, init=init, n_init=1, max_iter=s.refine_iter, random_state=seed, algorithm="lloyd")
        labels = km.fit_predict(x)
    if auto and s.min_node_size > 1:
        labels = _dissolve_small(x, labels, s.min_node_size)
    return _relabel(labels), rows


def _group(nodes: np.ndarray, k_given: int | None, level: str, k_cap: int, plateau: float,
           max_children: int = 0) -> tuple[np.ndarray, list[dict]]:
    """Group node centroids with Ward's method; automatic count by the silhouette plateau, at least ``m / max_children``."""
    m = len(nodes)
    if m <= 2:
        lab = np.arange(m) if (k_given is not None and k_given >= m) else np.zeros(m, dtype=np.int64)
        return lab, [{"level": level, "k": int(lab.max()) + 1, "silhouette": float("nan"), "chosen": True}]
    link = _ward_linkage(nodes)
    if k_given is None:
        d = _cosine_distances(nodes)
        k_hi = max(2, min(k_cap, m - 1))
        k_lo = min(k_hi, max(2, -(-m // max_children))) if max_children > 0 else 2
        scores = {k: silhouette(d, fcluster(link, k, criterion="maxclust")) for k in candidate_counts(k_hi, k_lo)}
        k = plateau_choice(scores, plateau)
        rows = [{"level": level, "k": kk, "silhouette": sc, "chosen": kk == k} for kk, sc in scores.items()]
    else:
        k = max(1, min(int(k_given), m))
        rows = [{"level": level, "k": k, "silhouette": float("nan"), "chosen": True}]
    return _relabel(fcluster(link, k, criterion="maxclust") - 1), rows


def build_hierarchy(
    x: np.ndarray,
    settings: ClusterSettings | None = None,
    seed: int = 0,
    tertiary: int | None = None,
    secondary: int | None = None,
    primary: int | None = None,
) -> Hierarchy:
    """Cluster vectors into tertiary nodes and group those into secondary and primary nodes.

    Parameters
    ----------
    x
        One L2-normalised row per verbatim (any number ≥ 1 of rows).
    settings
        Clustering knobs (defaults: :class:`ClusterSettings`).
    seed
        Seed of every random step (sampling, mini-batch k-means).
    tertiary, secondary, primary
        Node counts; ``None`` lets the silhouette plateau choose. A count
        larger than what the level below offers is reduced to that.

    Returns
    -------
    Hierarchy
        Nested membership; node numbers ordered by size (largest first).
    """
    s = settings or ClusterSettings()
    x = np.ascontiguousarray(x, dtype=np.float32)
    n = len(x)
    if n == 0:
        raise ValueError("no verbatims to cluster")
    if n == 1:
        empty = pd.DataFrame([{"level": lv, "k": 1, "silhouette": float("nan"), "chosen": True} for lv in reversed(LEVELS)])
        return Hierarchy(np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), empty)
    ter, rows = _tertiary(x, tertiary, s, seed)
    k_t = int(ter.max()) + 1
    c_t = _centroids(x, ter, k_t)
    sec_of_ter, rows_s = _group(c_t, secondary, "secondary", s.max_nodes["secondary"], s.plateau, s.max_children)
    k_s = int(sec_of_ter.max()) + 1
    c_s = _centroids(x, sec_of_ter[ter], k_s)  # the mean direction of each secondary node's verbatims
    pri_of_sec, rows_p = _group(c_s, primary, "primary", s.max_nodes["primary"], s.plateau, s.max_children)
    choice = pd.DataFrame(rows + rows_s + rows_p, columns=["level", "k", "silhouette", "chosen"])
    return Hierarchy(ter, sec_of_ter, pri_of_sec, choice)
