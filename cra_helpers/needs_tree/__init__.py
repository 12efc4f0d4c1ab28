"""Needs tree: interview verbatims clustered into primary, secondary and tertiary needs.

Griffin & Hauser ("The Voice of the Customer", Marketing Science 1993) group
customers' own words into a hierarchy of needs. This subpackage builds that
hierarchy, finds the needs nobody asked about (latent needs), measures
saturation, and applies an analyst's curation on every rerun. Method and
settings: ``docs/needs-tree.md``.

Modules: :mod:`.text` (preparation), :mod:`.backends` (representations),
:mod:`.hierarchy` (clustering), :mod:`.labels` (labels, quotes, sentiment),
:mod:`.latent`, :mod:`.saturation`, :mod:`.curation`, :mod:`.tree`
(orchestration), :mod:`.results` (tables for reports and other analyses),
:mod:`.command` (the ``cra needs-tree`` command and its HTML page).
"""

from __future__ import annotations

from .curation import Overrides, load_overrides, parse_overrides
from .errors import BackendUnavailable, NeedsTreeError
from .hierarchy import LEVELS
from .results import (breakdown, latent_needs, need_evidence, node_table, plain_remarks, read_need_evidence,
                      saturation_tables, too_thin, unsure_matches, verbatim_table)
from .saturation import saturation_note
from .tree import NeedsTree, build_needs_tree, needs_tree

__all__ = [
    "LEVELS", "BackendUnavailable", "NeedsTree", "NeedsTreeError", "Overrides", "breakdown", "build_needs_tree",
    "latent_needs", "load_overrides", "need_evidence", "needs_tree", "node_table", "parse_overrides", "read_need_evidence",
    "plain_remarks", "saturation_note", "saturation_tables", "too_thin", "unsure_matches", "verbatim_table",
]
