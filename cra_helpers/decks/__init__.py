"""Workshop decks: leadership and business-team slides from a run folder, as offline reveal.js HTML and PowerPoint.

The assessment ends in two workshops. :func:`write_decks` reads a run
folder's result tables and its summary and writes, under ``decks/``:

- ``leadership.html`` and ``business_team.html``: reveal.js slides in one
  file each (reveal.js, its notes plugin and plotly.js inlined; nothing is
  requested from the network). Arrow keys move, ``S`` opens the speaker
  view, ``?print-pdf`` prints one slide per page.
- ``leadership.pptx`` and ``business_team.pptx``: the same slides in 16:9
  PowerPoint, charts as PNG images, speaker notes on every slide.

A step that did not run gives a slide saying what could not be shown and why.

Examples
--------
>>> from pathlib import Path
>>> import json
>>> from cra_helpers.config import load_config
>>> from cra_helpers.decks import write_decks
>>> run = Path("reports/latest")                                  # doctest: +SKIP
>>> write_decks(run, json.loads((run / "summary.json").read_text()), load_config())  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from .content import business_team, leadership
from .html import RevealMissing, reveal_assets, write_html
from .model import MAX_WORDS, Deck, Slide, count_words, slide_words
from .pptx import ChartImageError, write_pptx
from .rundata import RunData

DECKS_DIR = "decks"

__all__ = ["DECKS_DIR", "MAX_WORDS", "ChartImageError", "Deck", "RevealMissing", "Slide", "build_decks", "count_words",
           "slide_words", "write_decks"]


def build_decks(run_dir: Path, summary: dict, config: Config) -> list[Deck]:
    """The leadership and business-team decks of a run, as slide objects (no file written).

    Parameters
    ----------
    run_dir
        A run folder written by ``cra run`` (``tables/*.csv`` inside).
    summary
        The run summary (the dict written to ``summary.json``); an optional
        ``findings`` list of ``{text, evidence, action, link}`` opens the
        leadership deck.
    config
        The configuration of the run (client, currency, rating scales).
    """
    data = RunData(Path(run_dir), summary, config)
    return [leadership(data), business_team(data)]


def write_decks(run_dir: Path, summary: dict, config: Config) -> list[Path]:
    """Write the two workshop decks of a run as HTML and PowerPoint under ``run_dir/decks``.

    Parameters
    ----------
    run_dir
        A run folder written by ``cra run``.
    summary
        The run summary (the dict written to ``summary.json``).
    config
        The configuration of the run.

    Returns
    -------
    list of Path
        ``decks/leadership.html``, ``decks/leadership.pptx``,
        ``decks/business_team.html``, ``decks/business_team.pptx``.

    Raises
    ------
    RevealMissing
        reveal.js is not installed (exit code 3; ``make env`` installs it).
    ChartImageError
        Chart images cannot be rendered (exit code 3; kaleido needs Chromium).
    """
    assets = reveal_assets()  # fail before any work when reveal.js is missing
    out = Path(run_dir) / DECKS_DIR
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for deck in build_decks(run_dir, summary, config):
        written.append(write_html(deck, out / f"{deck.name}.html", assets))
        written.append(write_pptx(deck, out / f"{deck.name}.pptx"))
    return written
