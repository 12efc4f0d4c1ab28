"""Render the data contract (:data:`cra_helpers.schema.TABLES`) as Markdown.

``docs/data-contract.md`` holds a hand-written introduction followed by the
output of :func:`contract_markdown` between the markers :data:`BEGIN` and
:data:`END`; ``tests/test_schema.py`` fails when the two drift apart.
Regenerate the section with::

    python -m cra_helpers.contract_doc docs/data-contract.md
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import schema as S
from .config import Config, load_config

BEGIN = "<!-- BEGIN GENERATED: cra_helpers.contract_doc.contract_markdown(load_config()) -->"
END = "<!-- END GENERATED -->"

_KIND_TEXT = {
    "id": "id",
    "ref": "reference",
    "text": "text",
    "category": "category",
    "number": "number",
    "integer": "whole number",
    "bool": "yes/no",
    "date": "date",
    "period": "period",
    "list": "list",
}


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _num(x: float) -> str:
    return f"{x:g}"


def _allowed(col: S.Column, config: Config) -> str:
    if col.kind == "category":
        return ", ".join(f"`{c}`" for c in col.choices or ())
    if col.kind == "bool":
        return "`yes` / `no` (also true/false, y/n, 1/0)"
    if col.kind == "date":
        return "Excel date or `YYYY-MM-DD`"
    if col.kind == "period":
        return "`YYYY`, `YYYY-Qn` or `YYYY-MM`"
    if col.kind == "ref":
        target = S.TABLES[col.ref] if col.ref else None
        return f"an existing `{target.id_column}` of `{target.name}`" if target else ""
    if col.kind == "list":
        return f"items separated by `{S.LIST_SEPARATOR}`"
    if col.kind == "id":
        return "unique"
    if col.kind in ("number", "integer"):
        if col.scale:
            sc = config.scales[col.scale]
            return f"{_num(sc.min)} to {_num(sc.max)} (scale `{col.scale}`)"
        if col.minimum is not None and col.maximum is not None:
            return f"{_num(col.minimum)} to {_num(col.maximum)}"
        if col.minimum is not None:
            return f"≥ {_num(col.minimum)}"
        if col.maximum is not None:
            return f"≤ {_num(col.maximum)}"
    return ""


def contract_markdown(config: Config) -> str:
    """The data contract as Markdown: one section per table, then the scales.

    Parameters
    ----------
    config
        Supplies the bounds and labels of the rating scales (inclusive).

    Returns
    -------
    str
        Markdown text ending with a newline, deterministic for a given
        schema and configuration.
    """
    out: list[str] = ["## Tables", ""]
    out.append("| table | required | one row is | unique key |")
    out.append("| --- | --- | --- | --- |")
    for t in S.TABLES.values():
        out.append(
            f"| [`{t.name}`](#{t.name}) | {'no' if t.optional else '**yes**'} | {_cell(t.description)} | "
            f"{', '.join(f'`{k}`' for k in t.key)} |"
        )
    out.append("")
    for t in S.TABLES.values():
        out.append(f"### {t.name}")
        out.append("")
        status = "Optional table." if t.optional else "**Required table.**"
        out.append(f"{t.description} {status} Unique key: {' + '.join(f'`{k}`' for k in t.key)}.")
        out.append("")
        out.append("| column | kind | column required | may be empty | allowed values | description |")
        out.append("| --- | --- | --- | --- | --- | --- |")
        for c in t.columns:
            out.append(
                f"| `{c.name}` | {_KIND_TEXT[c.kind]} | {'yes' if c.required else 'no'} | {'yes' if c.nullable else 'no'} | "
                f"{_cell(_allowed(c, config))} | {_cell(c.description)} |"
            )
        for note in t.notes:
            out.append("")
            out.append(f"- {note}")
        out.append("")
    out.append("## Rating scales")
    out.append("")
    out.append("Bounds are inclusive and come from configuration (`scales` in `cra_helpers/resources/defaults.yaml`; "
               "a client configuration may change them).")
    out.append("")
    out.append("| scale | min | max | meaning | used by |")
    out.append("| --- | --- | --- | --- | --- |")
    for name, sc in config.scales.items():
        users = [f"`{t.name}.{c.name}`" for t in S.TABLES.values() for c in t.columns if c.scale == name]
        out.append(f"| `{name}` | {_num(sc.min)} | {_num(sc.max)} | {_cell(sc.label)} | {', '.join(users)} |")
    out.append("")
    return "\n".join(out)


def generated_section(text: str) -> str:
    """The part of a document between :data:`BEGIN` and :data:`END` (exclusive, stripped of the marker lines)."""
    try:
        start = text.index(BEGIN) + len(BEGIN)
        stop = text.index(END, start)
    except ValueError:
        raise ValueError(f"markers {BEGIN!r} / {END!r} not found") from None
    return text[start:stop].strip("\n") + "\n"


def update_document(path: str | Path, config: Config | None = None) -> bool:
    """Rewrite the generated section of ``path``; return whether it changed."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    generated_section(text)  # validates the markers
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{contract_markdown(config or load_config())}{END}{tail}"
    if new != text:
        p.write_text(new, encoding="utf-8")
        return True
    return False


if __name__ == "__main__":  # pragma: no cover
    target = sys.argv[1] if len(sys.argv) > 1 else "docs/data-contract.md"
    print(f"{target}: {'updated' if update_document(target) else 'up to date'}")
