"""The interactive explorer: slice, drill and search the interview data.

:mod:`.model` computes the views of a selection (analyses layer, no
widgets); :mod:`.app` draws them as linked ipywidgets (deliverables layer,
imported on demand so that the analyses do not pull in the widgets).
"""

from __future__ import annotations

from .model import EXPORT_FILES, ExplorerModel, Filters, Views, export, highlight, search

__all__ = ["EXPORT_FILES", "ExplorerModel", "Filters", "Views", "export", "highlight", "search"]
