"""A deck as one reveal.js HTML file that works offline: reveal.js, its notes plugin and plotly.js inlined.

reveal.js comes from the npm registry at environment set-up (``make env``
unpacks it under ``<venv>/share/reveal.js``); plotly.js is the copy inside
the installed plotly package. The file requests nothing from the network:
arrow keys move, ``S`` opens the speaker view with the notes, ``?print-pdf``
lays every slide out for the browser's print-to-PDF.
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path

import jinja2
import plotly.io as pio

from ..errors import EXIT_ENVIRONMENT, CraError
from ..export import plotly_js_path, script_safe_json
from .model import Deck

REVEAL_FILES = ("dist/reveal.js", "dist/reveal.css", "dist/plugin/notes.js")


class RevealMissing(CraError):
    """reveal.js is not installed in the environment (``make env`` installs it)."""

    exit_code = EXIT_ENVIRONMENT


def reveal_dir() -> Path:
    """Where ``make env`` unpacks reveal.js: ``<sys.prefix>/share/reveal.js``."""
    return Path(sys.prefix) / "share" / "reveal.js"


def reveal_assets(root: Path | None = None) -> dict[str, str]:
    """Text of reveal.js, its CSS and the notes plugin.

    Raises
    ------
    RevealMissing
        When a file is missing; the message names the folder and ``make env``.
    """
    root = Path(root) if root is not None else reveal_dir()
    missing = [f for f in REVEAL_FILES if not (root / f).is_file()]
    if missing:
        raise RevealMissing(
            f"The workshop decks need reveal.js, which is not installed at {root} (missing {', '.join(missing)}): "
            "run `make env` to install it.")
    js, css, notes = (root / f for f in REVEAL_FILES)
    return {"reveal_js": js.read_text(encoding="utf-8"), "reveal_css": css.read_text(encoding="utf-8"),
            "notes_js": notes.read_text(encoding="utf-8")}


def _template() -> jinja2.Template:
    text = resources.files("cra_helpers.resources").joinpath("decks/deck.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.from_string(text)


def _script_text(text: str) -> str:
    """Library code inside a ``<script>`` element: no ``</script`` may end it early."""
    return text.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")


def write_html(deck: Deck, path: Path, assets: dict[str, str]) -> Path:
    """Write ``deck`` as one self-contained reveal.js file at ``path``."""
    figures, slides = [], []
    for i, s in enumerate(deck.slides, 1):
        fid = f"{deck.name}-fig-{i}" if s.figure is not None else ""
        if s.figure is not None:
            figures.append(f"{json.dumps(fid)}:{pio.to_json(s.figure, validate=False, pretty=False)}")
        slides.append({**s.__dict__, "figure_id": fid})
    css = resources.files("cra_helpers.resources").joinpath("decks/deck.css").read_text(encoding="utf-8")
    html = _template().render(
        deck=deck, slides=slides, deck_css=css, figures_json=script_safe_json("{" + ",".join(figures) + "}"),
        plotly_js=_script_text(plotly_js_path().read_text(encoding="utf-8")),
        reveal_js=_script_text(assets["reveal_js"]), notes_js=_script_text(assets["notes_js"]),
        reveal_css=assets["reveal_css"].replace("</style", "<\\/style"),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
