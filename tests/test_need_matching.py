"""Matching tertiary needs to rated needs: sure matches, unsure ones and latent needs (cra_helpers.needs_tree.latent)."""

from __future__ import annotations

import numpy as np
import pytest

from cra_helpers.needs_tree.latent import REASON_ASKED, REASON_FAR, match_tertiary


NEEDS = np.eye(4)[:3]
"""Three rated needs along the first three axes, so a unit node's cosine with need j is its j-th coordinate."""


def _node(best: float, j: int = 0) -> np.ndarray:
    """A unit vector at cosine ``best`` with need ``j``, half that with the next need, the rest off every need."""
    v = np.zeros(4)
    v[j], v[(j + 1) % 3] = best, best / 2
    v[3] = np.sqrt(1 - 1.25 * best ** 2)
    return v


@pytest.mark.parametrize("best, latent, reason, unsure", [
    (0.60, False, "", False),       # close: matched
    (0.20, False, "", False),       # above match_similarity: matched
    (0.12, False, "", True),        # between min_similarity and match_similarity: matched to none, not latent
    (0.05, True, REASON_FAR, False),  # below min_similarity: latent, far from every rated need
])
def test_bands_of_the_closest_similarity(best, latent, reason, unsure):
    nodes = np.vstack([_node(best, 1)])
    assert np.isclose(nodes[0] @ NEEDS[1], best) and (nodes[0] @ NEEDS.T).argmax() == 1
    m = match_tertiary(nodes, NEEDS, ["N1", "N2", "N3"], np.zeros(1), 0.08, 0.5, 0.45, 0.16)
    row = m.iloc[0]
    assert row["closest_need"] == "N2" and np.isclose(row["similarity"], best)
    assert (bool(row["latent"]), row["latent_reason"], bool(row["unsure"])) == (latent, reason, unsure)


def test_wishes_make_a_node_latent_before_it_can_be_unsure():
    m = match_tertiary(np.vstack([_node(0.12)]), NEEDS, ["N1", "N2", "N3"], np.array([0.9]), 0.08, 0.5, 0.45, 0.16)
    assert bool(m.loc[0, "latent"]) and m.loc[0, "latent_reason"] == REASON_ASKED and not m.loc[0, "unsure"]


def test_without_a_match_floor_nothing_is_unsure():
    m = match_tertiary(np.vstack([_node(0.12), _node(0.3)]), NEEDS, ["N1", "N2", "N3"], np.zeros(2), 0.08, 0.5, 0.45)
    assert not m["unsure"].any() and not m["latent"].any()
    # a floor below min_similarity changes nothing either
    m = match_tertiary(np.vstack([_node(0.12)]), NEEDS, ["N1", "N2", "N3"], np.zeros(1), 0.08, 0.5, 0.45, 0.0)
    assert not m["unsure"].any()


def test_no_rated_needs_makes_every_node_latent():
    m = match_tertiary(np.vstack([_node(0.5)]), np.zeros((0, 4)), [], np.zeros(1), 0.08, 0.5, 0.45, 0.16)
    assert bool(m.loc[0, "latent"]) and not m.loc[0, "unsure"] and m.loc[0, "closest_need"] is None
