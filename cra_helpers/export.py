"""Executed notebook → HTML report that opens offline.

nbconvert drops plotly's ``application/vnd.plotly.v1+json`` outputs from
HTML, and its stock templates load require.js, MathJax and mermaid from CDNs.
This module converts with the workbench's own template (``cra``, built on
nbconvert's ``lab`` template) which loads nothing from the network, and a
preprocessor that turns each plotly output into a ``<div>`` drawn by a single
plotly.js per page: a shared local file (``assets/plotly.min.js`` beside the
reports, the default) or inlined once (``plotly_js="inline"``, for a report
sent on its own).
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets.config import Config as TraitletsConfig

PLOTLY_MIME = "application/vnd.plotly.v1+json"
ASSETS_DIR = "assets"
PLOTLY_ASSET = "plotly.min.js"
DEFAULT_FIGURE_HEIGHT = 450

PlotlyMode = Literal["shared", "inline"]


def plotly_js_path() -> Path:
    """Path of the plotly.min.js that ships inside the installed plotly package."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / PLOTLY_ASSET


def copy_assets(out_dir: str | Path) -> Path:
    """Copy the shared report assets (plotly.min.js) into ``out_dir/assets``; return that folder."""
    target = Path(out_dir) / ASSETS_DIR
    target.mkdir(parents=True, exist_ok=True)
    src = plotly_js_path()
    dst = target / PLOTLY_ASSET
    if not dst.exists() or dst.stat().st_size != src.stat().st_size:
        shutil.copyfile(src, dst)
    return target


def script_safe_json(obj: Any) -> str:
    """JSON text that can sit inside a ``<script>`` element.

    ``<``, ``>`` and ``&`` are written as ``\\u003c``, ``\\u003e``, ``\\u0026``
    so that no string in the data (a verbatim, an account name) can close the
    script element or open a new one; JSON parsers read them back unchanged.
    """
    if isinstance(obj, str):
        text = obj
    else:
        text = json.dumps(obj, separators=(",", ":"), allow_nan=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def figure_html(spec: dict[str, Any], div_id: str) -> str:
    """HTML that draws one plotly figure spec (``{"data", "layout", "config"}``) with a page-level Plotly."""
    layout = spec.get("layout", {}) or {}
    height = int(layout.get("height") or DEFAULT_FIGURE_HEIGHT)
    config = {"responsive": True, "displaylogo": False, **(spec.get("config") or {})}
    payload = script_safe_json({"data": spec.get("data", []), "layout": layout, "config": config})
    return (
        f'<div id="{div_id}" class="cra-figure plotly-graph-div" style="height:{height}px;width:100%;"></div>\n'
        '<script type="text/javascript">(function(){'
        f'var el=document.getElementById("{div_id}");var spec={payload};'
        "if(!window.Plotly){el.className+=' cra-figure-missing';"
        "el.textContent='This figure needs assets/plotly.min.js next to the report.';return;}"
        "Plotly.newPlot(el,spec.data,spec.layout,spec.config);})();</script>"
    )


WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


class PlotlyToHTMLPreprocessor(Preprocessor):
    """Give every plotly output an HTML representation and drop stderr noise from the report."""

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict[str, Any]):  # noqa: D102
        self._count = 0
        resources.setdefault("cra_stderr", [])
        # Live widgets' saved state (the explorer's FigureWidgets and their JavaScript, tens of MB) cannot run
        # without a kernel and would need a CDN widget manager: the report keeps only the static outputs.
        nb.metadata.pop("widgets", None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):  # noqa: D102
        if cell.get("cell_type") != "code":
            return cell, resources
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                resources["cra_stderr"].append(out.get("text", ""))
                continue
            data = out.get("data")
            if data is not None:
                data.pop(WIDGET_MIME, None)  # a widget view: nothing to show without a kernel
                if not data:
                    continue
            if data is not None and PLOTLY_MIME in data:
                self._count += 1
                spec = data[PLOTLY_MIME]
                if isinstance(spec, str):
                    spec = json.loads(spec)
                data["text/html"] = figure_html(spec, f"cra-fig-{self._count}")
                del data[PLOTLY_MIME]
            kept.append(out)
        cell["outputs"] = kept
        return cell, resources


def template_dir() -> Path:
    """Folder holding the workbench's nbconvert template (``cra``)."""
    return Path(str(resources.files("cra_helpers.resources").joinpath("nbconvert")))


def make_exporter(plotly_js: PlotlyMode = "shared") -> HTMLExporter:
    """An HTMLExporter set up for offline workbench reports (no code, no CDN)."""
    c = TraitletsConfig()
    c.HTMLExporter.extra_template_basedirs = [str(template_dir())]
    c.HTMLExporter.template_name = "cra"
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.embed_images = True
    # Nothing from a CDN: these are referenced only by stock blocks the cra template removes;
    # emptied here as well so a template change cannot bring a CDN back silently.
    c.HTMLExporter.require_js_url = ""
    c.HTMLExporter.mathjax_url = ""
    c.HTMLExporter.jupyter_widgets_base_url = ""
    c.HTMLExporter.widget_renderer_url = ""
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = ("remove_cell",)
    c.TagRemovePreprocessor.remove_all_outputs_tags = ("remove_output", "parameters", "injected-parameters")
    exporter = HTMLExporter(config=c)
    exporter.register_preprocessor(PlotlyToHTMLPreprocessor(), enabled=True)
    exporter.cra_plotly_js = plotly_js  # type: ignore[attr-defined]
    return exporter


def export_html(
    notebook: str | Path | nbformat.NotebookNode,
    html_path: str | Path,
    *,
    title: str,
    client: str = "",
    subtitle: str = "",
    report_date: str | None = None,
    plotly_js: PlotlyMode = "shared",
) -> Path:
    """Convert an executed notebook to an offline HTML report.

    Parameters
    ----------
    notebook
        Path of an executed ``.ipynb`` or a notebook object.
    html_path
        Where to write the HTML. With ``plotly_js="shared"`` the plotly.js file
        is copied to ``<html folder>/assets/``.
    title, client, subtitle
        Shown in the report header (escaped).
    report_date
        ISO date shown in the header (default: today).
    plotly_js
        ``"shared"`` (one local file for all reports) or ``"inline"`` (the
        4.8 MB library inside the page, once).

    Returns
    -------
    Path
        The HTML file written.
    """
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(str(notebook), as_version=4)
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    exporter = make_exporter(plotly_js)
    res: dict[str, Any] = {
        "cra": {
            "title": title,
            "client": client,
            "subtitle": subtitle,
            "date": report_date or date.today().isoformat(),
            "plotly_js": plotly_js,
            "plotly_inline": plotly_js_path().read_text(encoding="utf-8") if plotly_js == "inline" else "",
            "plotly_src": f"{ASSETS_DIR}/{PLOTLY_ASSET}",
        }
    }
    body, _ = exporter.from_notebook_node(nb, resources=res)
    html_path.write_text(body, encoding="utf-8")
    if plotly_js == "shared":
        copy_assets(html_path.parent)
    return html_path
