"""Reading an xlsx workbook: python-calamine cell grids, sheet by sheet, and the cells it reads as empty.

python-calamine returns formulas without a stored result and Excel error
cells as empty cells, so the sheet XML is scanned for them
(:func:`_scan_lost_cells`); the scan looks at a sheet's cells only when the
sheet's XML contains a formula or error cell at all.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import schema as S
from .cells import _CSV_SUFFIX, ACCEPTED, README_SHEET, normalize_header
from .problems import _Collector, _Source
from .raw import _grid_to_raw, _LostCell, _note_unknown, _Raw


def _describe_binary(path: Path, head: bytes) -> str | None:
    """What a file is, when it is not an xlsx workbook; ``None`` when it is one."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
                mimetype = zf.read("mimetype").decode("ascii", "replace") if "mimetype" in names else ""
        except (zipfile.BadZipFile, OSError, KeyError):
            return "a damaged or incomplete ZIP/Excel file"
        if "xl/workbook.xml" in names:
            return None
        if "word/document.xml" in names:
            return "a Word document"
        if "ppt/presentation.xml" in names:
            return "a PowerPoint presentation"
        if "opendocument.spreadsheet" in mimetype:
            return "an OpenDocument spreadsheet (.ods); save it as .xlsx"
        return "a ZIP archive, not a workbook"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        if _is_encrypted_ooxml(path):
            return ("a password-protected (encrypted) workbook; open it in Excel, remove the password "
                    "(File › Info › Protect Workbook › Encrypt with Password) and save it as .xlsx")
        return "a legacy Office file (Excel 97-2003 .xls, or a password-protected workbook); save it as .xlsx without a password"
    if b"\x00" in head:
        return "an unrecognised binary file"
    if path.suffix.lower() == _CSV_SUFFIX:
        return "a single CSV file; give the folder that holds the <table>.csv files"
    return "a text file, not a workbook"


_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")  # stream name inside an encrypted OOXML file


def _is_encrypted_ooxml(path: Path, limit: int = 64 << 20) -> bool:
    """Whether an OLE compound file is an encrypted (password-protected) xlsx.

    Excel saves a workbook with a password to open as an OLE compound file
    holding the streams ``EncryptionInfo`` and ``EncryptedPackage``; their
    names are stored in UTF-16 in the file's directory. Only the first
    ``limit`` bytes are searched.
    """
    try:
        with path.open("rb") as fh:
            data = fh.read(limit)
    except OSError:
        return False
    return _ENCRYPTED_STREAM in data


def _read_workbook(path: Path, wanted: set[str], collector: _Collector) -> dict[str, _Raw]:
    """Read the wanted tables of a workbook; problems with the file go to ``collector``."""
    opened = _open_workbook(path, collector)
    if opened is None:
        return {}
    book, names = opened
    sheets = _read_sheets(book, names, wanted)
    if not sheets.nonempty and not sheets.damaged:
        collector.file_problem("empty workbook: no sheet has any cells", ACCEPTED)
        return {}
    lost = _scan_lost_cells(path, [n for n in names if n in sheets.nonempty and n in sheets.grids], collector)
    return _raws_of_sheets(path, names, sheets, lost, wanted, collector)


def _open_workbook(path: Path, collector: _Collector) -> tuple[Any, list[str]] | None:
    """The python-calamine workbook and its sheet names; ``None`` (reported) when the file is not a readable xlsx."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        collector.file_problem(f"cannot be read ({exc.strerror or exc})", ACCEPTED)
        return None
    if size == 0:
        collector.file_problem("empty file (0 bytes)", ACCEPTED)
        return None
    what = _describe_binary(path, head)
    if what is not None:
        collector.file_problem(what, ACCEPTED)
        return None
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
    except Exception as exc:  # any reader failure is the user's file, not our bug
        collector.file_problem(f"cannot be read as a workbook ({type(exc).__name__}: {exc})", ACCEPTED)
        return None
    return book, names


@dataclass
class _Sheets:
    """What :func:`_read_sheets` found in a workbook's sheets, by sheet name as written."""

    grids: dict[str, list[list[Any]]] = field(default_factory=dict)  # cell grids of wanted tables (empty sheets: [])
    merged: dict[str, list[tuple[int, int, int, int]]] = field(default_factory=dict)  # merged ranges, Excel rows
    damaged: dict[str, str] = field(default_factory=dict)  # sheets that could not be read -> the reader's error
    nonempty: set[str] = field(default_factory=set)  # sheets with at least one cell


def _read_sheets(book: Any, names: list[str], wanted: set[str]) -> _Sheets:
    """Read sheets one by one, so that a damaged sheet is named and the others are still checked; closes ``book``."""
    sheets = _Sheets()
    try:
        for name in names:
            key = normalize_header(name)
            is_table = key in S.TABLES and key in wanted
            if key in S.TABLES and not is_table:
                continue  # not asked for (``tables=``)
            try:
                sheet = book.get_sheet_by_name(name)
                if sheet.start is None:
                    sheets.grids[name] = []
                    continue
                sheets.nonempty.add(name)
                if is_table:  # other sheets: only whether they have cells matters
                    sheets.grids[name] = sheet.to_python(skip_empty_area=False)
                    sheets.merged[name] = [(r0 + 1, c0, r1 + 1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
            except Exception as exc:  # a damaged sheet: name it, read the others
                sheets.damaged[name] = f"{type(exc).__name__}: {exc}"
    finally:
        try:
            book.close()
        except Exception:  # pragma: no cover - closing never matters for the result
            pass
    return sheets


def _raws_of_sheets(
    path: Path, names: list[str], sheets: _Sheets, lost: dict[str, list[_LostCell]], wanted: set[str], collector: _Collector
) -> dict[str, _Raw]:
    """One :class:`_Raw` per wanted table sheet; notes and problems for the other sheets."""
    out: dict[str, _Raw] = {}
    found: dict[str, str] = {}
    unknown: list[str] = []
    for name in names:
        key = normalize_header(name)
        if key == normalize_header(README_SHEET):
            continue
        if key not in S.TABLES:
            if name in sheets.damaged:
                collector.notes.append(f"sheet '{name}' cannot be read (the workbook is damaged: {sheets.damaged[name]}); ignored")
            elif name in sheets.nonempty:
                unknown.append(name)
            continue
        if key not in wanted:
            continue
        if key in found:
            collector.file_problem(
                f"sheets '{found[key]}' and '{name}' both hold table '{key}'", "one sheet per table; rename or delete one"
            )
            continue
        found[key] = name
        src = _Source(key, str(path), name, f"sheet '{name}'", "row", f"sheet '{name}'")
        if name in sheets.damaged:
            collector.problem(
                src, None, None, None,
                "a sheet Excel or LibreOffice can open; open the workbook, check this sheet and save it again as .xlsx",
                what=f"cannot be read (the workbook is damaged: {sheets.damaged[name]})",
            )
            collector.unreadable.add(key)
            continue
        raw = _grid_to_raw(src, ((i + 1, row) for i, row in enumerate(sheets.grids.get(name, []))), collector, nan_is_value=True)
        raw.lost = lost.get(name, [])
        raw.merged = sheets.merged.get(name, [])
        out[key] = raw
    _note_unknown(unknown, "sheet", found, wanted, collector, all_names=names)
    return out


# ----------------------------------------------------------------------
# Cells python-calamine reads as empty although Excel shows something
# ----------------------------------------------------------------------
_LOST_HINTS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/", b't="e"', b"t='e'")
_CELL_RE = re.compile(rb"<(?:[\w.-]+:)?c(?=[\s/>])([^>]*?)(?:/>|>(.*?)</(?:[\w.-]+:)?c\s*>)", re.S)
_FORMULA_RE = re.compile(rb"<(?:[\w.-]+:)?f(?=[\s/>])[^>]*?(?:/>|>(.*?)</(?:[\w.-]+:)?f\s*>)", re.S)
_VALUE_RE = re.compile(rb"<(?:[\w.-]+:)?v(?=[\s/>])[^>]*?(?:/>|>(.*?)</(?:[\w.-]+:)?v\s*>)", re.S)
_TYPE_ATTR_RE = re.compile(rb"""(?:^|\s)t\s*=\s*["']([^"']*)["']""")
_REF_ATTR_RE = re.compile(rb"""(?:^|\s)r\s*=\s*["']\$?([A-Za-z]{1,3})\$?(\d+)["']""")
_STORE_HINT = "a stored value: open and save the workbook in Excel or LibreOffice (which store formula results), or type the value"


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → path of its XML part inside the xlsx archive."""
    import posixpath
    import xml.etree.ElementTree as ET

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    rels: dict[str, str] = {}
    for el in ET.fromstring(zf.read("xl/_rels/workbook.xml.rels")).iter():
        if local(el.tag) == "Relationship" and el.get("Id") and el.get("Target"):
            target = el.get("Target", "")
            rels[el.get("Id", "")] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    parts: dict[str, str] = {}
    for el in ET.fromstring(zf.read("xl/workbook.xml")).iter():
        if local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if local(k) == "id"), None)
        if el.get("name") is not None and rid in rels:
            parts[el.get("name", "")] = rels[rid]
    return parts


def _col_position(letters: bytes) -> int:
    pos = 0
    for ch in letters.upper():
        pos = pos * 26 + (ch - 64)
    return pos - 1


def _lost_in_sheet(xml: bytes) -> list[_LostCell]:
    """Formula cells without a stored result and Excel error cells of one sheet's XML."""
    from html import unescape

    if not any(h in xml for h in _LOST_HINTS):
        return []  # no formula and no error cell: nothing to look at (the usual case)
    out: list[_LostCell] = []
    for m in _CELL_RE.finditer(xml):
        attrs, content = m.group(1), m.group(2) or b""
        t = _TYPE_ATTR_RE.search(attrs)
        ctype = t.group(1).decode("ascii", "replace") if t else "n"
        f = _FORMULA_RE.search(content)
        if f is None and ctype != "e":
            continue
        v = _VALUE_RE.search(content)
        stored = None if v is None or v.group(1) is None else unescape(v.group(1).decode("utf-8", "replace"))
        formula = None
        if f is not None:
            text = unescape((f.group(1) or b"").decode("utf-8", "replace")).strip()
            formula = f"formula ={text}" if text else "a shared formula"
            if len(formula) > 70:
                formula = formula[:67] + "..."
        if ctype == "e":
            what = (f"the Excel error {stored}" if stored else "an Excel error value") + (f" (from {formula})" if formula else "")
            expected = "a value; correct the formula or the cell so that it holds a value, or leave it empty"
        elif stored is None or (stored == "" and ctype not in ("str", "inlineStr", "s")):
            what = f"{formula} without a stored result"
            expected = _STORE_HINT
        else:
            continue  # a formula with its result: the result is read
        ref = _REF_ATTR_RE.search(attrs)
        row, pos = (int(ref.group(2)), _col_position(ref.group(1))) if ref else (None, None)
        out.append(_LostCell(row, pos, what, expected))
    return out


def _scan_lost_cells(path: Path, sheets: list[str], collector: _Collector) -> dict[str, list[_LostCell]]:
    """:func:`_lost_in_sheet` for the named sheets.

    A sheet part that cannot be decompressed is skipped (python-calamine
    reports it); a workbook whose structure cannot be followed gets a note
    saying that formulas were not checked.
    """
    out: dict[str, list[_LostCell]] = {}
    if not sheets:
        return out
    try:
        with zipfile.ZipFile(path) as zf:
            parts = _sheet_parts(zf)
            for name in sheets:
                part = parts.get(name)
                if part is None:
                    continue
                try:
                    cells = _lost_in_sheet(zf.read(part))
                except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError):
                    continue
                if cells:
                    out[name] = cells
    except Exception as exc:  # the workbook's structure could not be followed; python-calamine's reading stands
        collector.notes.append(
            f"file '{path.name}': formulas without a stored result and Excel error cells could not be looked for "
            f"({type(exc).__name__}: {exc}); such cells read as empty"
        )
    return out
