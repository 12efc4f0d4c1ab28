"""The empty capture workbook: every sheet and column of the data contract, with a README sheet.

openpyxl is imported by :func:`write_template` only, so importing this module
(and :mod:`cra_helpers.loader`, which re-exports it) stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import schema as S
from .config import Config, load_config
from .loading.cells import README_SHEET, _a
from .loading.columns import expected_phrase

__all__ = ["write_template"]

_README_WIDTHS = (24, 22, 10, 10, 10, 60, 60)
"""Widths of the README sheet's columns A-G."""


def _allowed(col: S.Column, config: Config) -> str:
    """The allowed values of ``col``, as described in the README sheet."""
    if col.kind in ("number", "integer", "category", "bool", "date", "period"):
        text = expected_phrase(col, config)
    elif col.kind == "ref":
        text = f"{_a(S.TABLES[col.ref].id_column)} from sheet '{col.ref}'" if col.ref else ""
    elif col.kind == "id":
        text = "unique, non-empty"
    elif col.kind == "list":
        text = f"items separated by '{S.LIST_SEPARATOR}'"
    else:
        text = "free text"
    if col.scale:
        label = config.scales[col.scale].label
        text += f" — {label}" if label else ""
    return text


def write_template(path: str | Path, config: Config | None = None) -> Path:
    """Write an empty capture workbook with every sheet and column of the contract.

    Parameters
    ----------
    path
        Workbook to write (``.xlsx``); parent folders are created.
    config
        Configuration whose scales are described in the README sheet;
        defaults to :func:`cra_helpers.config.load_config`.

    Returns
    -------
    Path
        The workbook written. It has a ``README`` sheet (tables, columns,
        kinds, descriptions, allowed values and scales; ignored when loading)
        and one sheet per table with a bold, frozen header row; category and
        yes/no columns carry a drop-down list.
    """
    from openpyxl import Workbook

    config = config or load_config()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    _write_readme(wb.active, config)
    for table in S.TABLES.values():
        _write_table_sheet(wb.create_sheet(table.name), table, config)
    wb.save(out)
    return out


def _bold_last_row(ws: Any, columns: int) -> None:
    """Make the first ``columns`` cells of the sheet's last row bold."""
    from openpyxl.styles import Font

    bold = Font(bold=True)
    for c in range(1, columns + 1):
        ws.cell(row=ws.max_row, column=c).font = bold


def _write_readme(readme: Any, config: Config) -> None:
    """Fill the README sheet: how to fill the workbook, every column of the contract, and the scales."""
    from openpyxl.styles import Font

    readme.title = README_SHEET
    readme.append(["CRA assessment capture workbook"])
    readme["A1"].font = Font(bold=True, size=14)
    readme.append(["Fill one sheet per table; keep the header row. 'accounts' is required, every other sheet is optional "
                   "(leave it empty if you have no such data). This README sheet is ignored when loading."])
    readme.append([])
    header = ["sheet", "column", "kind", "required column", "may be empty", "description", "allowed values"]
    readme.append(header)
    _bold_last_row(readme, len(header))
    readme.freeze_panes = f"A{readme.max_row + 1}"
    for table in S.TABLES.values():
        for col in table.columns:
            readme.append([
                table.name + ("" if table.optional else " (required sheet)"),
                col.name, col.kind, "yes" if col.required else "no", "yes" if col.nullable else "no",
                col.description, _allowed(col, config),
            ])
    readme.append([])
    readme.append(["scale", "min", "max", "label"])
    _bold_last_row(readme, 4)
    for name, scale in config.scales.items():
        readme.append([name, scale.min, scale.max, scale.label])
    for letter, width in zip("ABCDEFG", _README_WIDTHS):
        readme.column_dimensions[letter].width = width


def _write_table_sheet(ws: Any, table: S.Table, config: Config) -> None:
    """Fill one table's sheet: a bold, frozen header row; drop-down lists on category and yes/no columns."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    bold = Font(bold=True)
    ws.append(table.column_names)
    for pos, col in enumerate(table.columns, start=1):
        cell = ws.cell(row=1, column=pos)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=False)
        letter = get_column_letter(pos)
        ws.column_dimensions[letter].width = max(12, len(col.name) + 4)
        choices = col.choices if col.kind == "category" else (("yes", "no") if col.kind == "bool" else None)
        if choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=col.nullable)
            dv.error = f"Expected {expected_phrase(col, config)}"
            dv.add(f"{letter}2:{letter}5000")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
