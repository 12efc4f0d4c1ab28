"""``cra needs-tree``: a needs tree from any CSV or Excel file of verbatims, for batch runs and evaluation.

Writes ``assignments.csv`` (``id, primary, secondary, tertiary`` node ids and
their ``*_label``), ``tree.json`` (nested nodes: ``id, label, count,
sentiment, children, examples``) and ``needs_tree.html`` (one page that opens
offline: plotly.js is inlined).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from .. import schema as S
from ..report import html_table, page_shell
from ..safe import escape_html, neutralize_frame
from .curation import load_overrides
from .errors import NeedsTreeError
from .hierarchy import LEVELS
from .results import node_table
from .tree import NeedsTree, build_needs_tree

ASSIGNMENTS = "assignments.csv"
TREE_JSON = "tree.json"
HTML = "needs_tree.html"
ID = "id"
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def read_verbatims(path: str | Path, text_col: str, id_col: str) -> pd.DataFrame:
    """Read the verbatims of a CSV or Excel file and check the two columns.

    Parameters
    ----------
    path
        ``.csv`` (UTF-8, any delimiter pandas sniffs) or ``.xlsx`` (first sheet).
    text_col, id_col
        Column headers of the text and of the verbatim id.

    Returns
    -------
    DataFrame
        ``verbatim_id`` and ``text`` columns, as read.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    NeedsTreeError
        For an empty file, a missing column (the message lists those
        present), a text column holding numbers or dates, or ids that are
        missing or repeated.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: input file not found")
    if p.stat().st_size == 0:
        raise NeedsTreeError(f"{p}: the file is empty")
    df = _read_table(p)
    df = df.dropna(how="all")
    if df.empty:
        raise NeedsTreeError(f"{p}: the file has a header but no rows of verbatims")
    cols = [str(c) for c in df.columns]
    df.columns = cols
    missing = [c for c in (text_col, id_col) if c not in cols]
    if missing:
        raise NeedsTreeError(f"{p}: no column {', '.join(repr(m) for m in missing)}; the columns are: {', '.join(cols)}"
                             f" (choose them with --text-col and --id-col)")
    text = _text_column(p, df, text_col)
    as_text = _id_column(p, df, id_col)
    return pd.DataFrame({S.VERBATIM_ID: as_text.to_numpy(), S.TEXT: text.to_numpy()})


def _read_table(p: Path) -> pd.DataFrame:
    """The rows of a workbook's first sheet or of a CSV file (delimiter sniffed); unreadable is a :class:`NeedsTreeError`."""
    try:
        if p.suffix.lower() in EXCEL_SUFFIXES:
            return _read_excel(p)
        head = p.read_text(encoding="utf-8-sig", errors="replace")[:65536]
        if not head.strip():
            raise NeedsTreeError(f"{p}: the file is empty")
        try:
            sep = csv.Sniffer().sniff(head.split("\n", 1)[0], delimiters=",;\t|").delimiter
        except csv.Error:
            sep = ","
        # Only truly empty cells are missing: "n/a" and the like stay text (placeholders, flagged later).
        return pd.read_csv(p, sep=sep, encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise NeedsTreeError(f"{p}: the file is empty") from None
    except NeedsTreeError:
        raise
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError) as exc:
        raise NeedsTreeError(f"{p}: cannot be read as {'Excel' if p.suffix.lower() in EXCEL_SUFFIXES else 'CSV'}: {exc}") from None


def _text_column(p: Path, df: pd.DataFrame, text_col: str) -> pd.Series:
    """The text column, checked to hold some text (not only numbers, dates or booleans)."""
    text = df[text_col]
    if text.isna().all():
        raise NeedsTreeError(f"{p}: column {text_col!r} is empty in every row")
    if pd.api.types.is_numeric_dtype(text) or pd.api.types.is_datetime64_any_dtype(text) or pd.api.types.is_bool_dtype(text):
        raise NeedsTreeError(f"{p}: column {text_col!r} holds {text.dtype} values, not text; is it the right column?")
    return text


def _id_column(p: Path, df: pd.DataFrame, id_col: str) -> pd.Series:
    """The ids as text (``12.0`` read from a spreadsheet is ``"12"``), checked present on every row and unique."""
    ids = df[id_col]
    if ids.isna().any():
        rows = [str(i + 2) for i in df.index[ids.isna()][:10]]
        raise NeedsTreeError(f"{p}: column {id_col!r} is empty on line(s) {', '.join(rows)}")
    as_text = ids.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip())
    dup = as_text[as_text.duplicated()].unique().tolist()
    if dup:
        raise NeedsTreeError(f"{p}: ids in {id_col!r} must be unique; repeated: {', '.join(dup[:10])}")
    return as_text


def _read_excel(p: Path) -> pd.DataFrame:
    """First sheet of a workbook; a damaged, protected or non-workbook file is a :class:`NeedsTreeError`."""
    with p.open("rb") as fh:
        head = fh.read(8)
    if p.suffix.lower() != ".xls" and not head.startswith(b"PK"):
        what = "a password-protected workbook or a legacy .xls file" if head.startswith(b"\xd0\xcf\x11\xe0") else "not an Excel workbook"
        raise NeedsTreeError(f"{p}: {what}; give a .xlsx workbook saved without a password, or a CSV file")
    try:
        return pd.read_excel(p, sheet_name=0, engine="calamine" if p.suffix.lower() != ".xls" else None)
    except ImportError as exc:
        raise NeedsTreeError(f"{p}: cannot read this kind of workbook here ({exc}); save it as .xlsx") from None
    except Exception as exc:  # the reader's own errors (damaged zip, cut XML) are the file's fault
        raise NeedsTreeError(f"{p}: cannot be read as an Excel workbook — the file looks damaged or incomplete "
                             f"({type(exc).__name__}: {exc}); save it again from Excel") from None


def tree_json(tree: NeedsTree, examples: int = 3) -> dict[str, Any]:
    """The tree as nested nodes: ``id, label, level, count, sentiment, children, examples`` (verbatim ids).

    Returns
    -------
    dict
        ``{"backend", "seed", "levels": {level: count}, "verbatims": placed,
        "nodes": [primary nodes with their children]}``.
    """
    n = tree.nodes
    kids: dict[str, list[str]] = {}
    for nid, par in zip(n["node_id"], n["parent_id"]):
        if par:
            kids.setdefault(par, []).append(nid)
    rec = n.set_index("node_id")

    def node(nid: str) -> dict[str, Any]:
        r = rec.loc[nid]
        ex = [x for x in str(r["quote_ids"]).split(" | ") if x][:examples]
        out = {"id": nid, "label": r["label"], "level": r["level"], "count": int(r["verbatims"]),
               "sentiment": round(float(r["sentiment"]), 4), "share_negative": round(float(r["share_negative"]), 4),
               "examples": ex, "children": [node(k) for k in kids.get(nid, [])]}
        if "latent" in rec.columns:
            out["latent"] = bool(r["latent"])
        return out

    roots = n.loc[n["level"] == "primary", "node_id"].tolist()
    return {"backend": tree.backend, "seed": tree.seed, "levels": tree.counts(), "verbatims": int(len(tree.placed)),
            "nodes": [node(r) for r in roots]}


def _page(tree: NeedsTree, source: str) -> str:
    """The ``needs_tree.html`` page, in the report look (the report layer's stylesheet, ``cra.css``)."""
    from ..figures.needs_tree import painful_needs, tree_sunburst
    from .. import style

    style.register()
    table = node_table(tree)
    figs = [tree_sunburst(table, title=f"Needs tree of {Path(source).name}"), painful_needs(table)]
    parts = [f.to_html(full_html=False, include_plotlyjs=(i == 0), config={"displaylogo": False}) for i, f in enumerate(figs)]
    nodes = table[["node_id", "level", "parent_id", "label", "verbatims", "sentiment", "share_negative", "quotes"]]
    counts = tree.counts()
    prep = html_table(tree.prep, max_rows=None)
    name = Path(source).name
    body = f"""<div class="jp-RenderedHTMLCommon">
<p>{len(tree.placed):,} verbatims placed in {counts['primary']} primary, {counts['secondary']} secondary and
{counts['tertiary']} tertiary needs (backend {escape_html(tree.backend)}, seed {tree.seed}, {date.today().isoformat()}).</p>
<h2>Text preparation</h2>{prep}
<h2>The tree</h2>{parts[0]}
<h2>Painful needs</h2>{parts[1]}
<h2>Nodes</h2>{html_table(nodes, max_rows=None, digits=2)}
</div>"""
    return page_shell(f"Needs tree — {name}", body, meta_html=date.today().isoformat())


@dataclass
class CommandResult:
    """Files written by :func:`run`."""

    assignments: Path
    tree_json: Path
    html: Path
    tree: NeedsTree


def run(input_path: str | Path, out_dir: str | Path, text_col: str = "text", id_col: str = "id",
        levels: dict[str, int | None] | None = None, backend: str | None = None, seed: int | None = None,
        overrides: str | Path | None = None, config_path: str | Path | None = None) -> CommandResult:
    """Build the needs tree of a verbatims file and write the three outputs.

    Parameters
    ----------
    input_path
        CSV or Excel file.
    out_dir
        Folder for ``assignments.csv``, ``tree.json`` and ``needs_tree.html`` (created).
    text_col, id_col
        Column headers.
    levels
        Node counts per level (``None``: automatic).
    backend, seed
        As in :func:`.tree.build_needs_tree`.
    overrides
        Curation YAML file.
    config_path
        Client configuration YAML (``needs_tree`` section).

    Returns
    -------
    CommandResult
    """
    from ..config import load_config

    cfg = load_config(config_path)
    verb = read_verbatims(input_path, text_col, id_col)
    tree = build_needs_tree(verb[S.VERBATIM_ID].tolist(), verb[S.TEXT].tolist(), cfg.needs_tree, backend=backend,
                            levels=levels, seed=seed, overrides=load_overrides(overrides))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    assign = tree.assignments().rename(columns={S.VERBATIM_ID: ID})
    a_path = out / ASSIGNMENTS
    neutralize_frame(assign).to_csv(a_path, index=False, encoding="utf-8")
    j_path = out / TREE_JSON
    j_path.write_text(json.dumps(tree_json(tree), indent=2, ensure_ascii=False), encoding="utf-8")
    h_path = out / HTML
    h_path.write_text(_page(tree, str(input_path)), encoding="utf-8")
    return CommandResult(a_path, j_path, h_path, tree)


__all__ = ["LEVELS", "CommandResult", "read_verbatims", "run", "tree_json"]
