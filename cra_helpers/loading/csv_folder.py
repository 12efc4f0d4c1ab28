"""Reading a folder of ``<table>.csv`` files (UTF-8, with or without byte-order mark)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from .. import schema as S
from .cells import _CSV_SUFFIX, _UTF8_BOM, ACCEPTED, README_SHEET, normalize_header
from .problems import _Collector, _Source
from .raw import _grid_to_raw, _note_unknown, _Raw


def _read_csv_folder(folder: Path, wanted: set[str], collector: _Collector) -> dict[str, _Raw]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))
    csvs = [p for p in files if p.suffix.lower() == _CSV_SUFFIX]
    if not csvs:
        others = f" (found: {', '.join(p.name for p in files[:10])})" if files else ""
        collector.file_problem(f"empty folder: no .csv files{others}", ACCEPTED)
        return {}
    for p in files:
        if p.suffix.lower() != _CSV_SUFFIX:
            collector.notes.append(f"file '{p.name}' in {folder.name} is not a .csv file; ignored")
    out: dict[str, _Raw] = {}
    found: dict[str, str] = {}
    unknown: list[str] = []
    for p in csvs:
        key = normalize_header(p.stem)
        if key == normalize_header(README_SHEET):
            continue
        if key not in S.TABLES:
            unknown.append(p.name)
            continue
        if key not in wanted:
            continue
        if key in found:
            collector.file_problem(f"files '{found[key]}' and '{p.name}' both hold table '{key}'", "one file per table", where=f"folder '{folder.name}'")
            continue
        found[key] = p.name
        raw = _read_csv(p, key, collector)
        if raw is None:
            collector.unreadable.add(key)
        else:
            out[key] = raw
    _note_unknown(unknown, "file", found, wanted, collector, all_names=[p.name for p in csvs])
    return out


def _read_csv(path: Path, table: str, collector: _Collector) -> _Raw | None:
    src = _Source(table, str(path), None, f"file '{path.name}'", "line", f"file '{path.name}'")
    try:
        data = path.read_bytes()
    except OSError as exc:
        collector.file_problem(f"cannot be read ({exc.strerror or exc})", ACCEPTED, file=path)
        return None
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        collector.file_problem("empty file (0 bytes)" if not data else "empty file (no header row)", f"a header row naming the columns of '{table}'", file=path)
        return None
    bom = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = bom + exc.start  # offset in the file as saved, byte-order mark included
        before = data[:at]
        line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1  # as the CSV reader counts lines
        collector.file_problem(
            f"not UTF-8 text (byte 0x{data[at]:02X} on line {line})",
            'a CSV saved as "CSV UTF-8" (in Excel: File › Save As › CSV UTF-8 (Comma delimited))',
            file=path,
            value=data[at : at + 1],
            where=f"file '{path.name}', line {line}",
        )
        return None
    first = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first:
        delimiter = ";" if ";" in first else ("\t" if "\t" in first else ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def records() -> Iterable[tuple[int, list[str]]]:
        start = 1
        for rec in reader:
            yield start, rec
            start = reader.line_num + 1

    # The csv module refuses fields over 128 KiB by default; no cell can be longer than the
    # file, so allow that while reading (over-long cells are then reported one by one).
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, min(len(text) + 1, 2**31 - 1)))
    try:
        return _grid_to_raw(src, records(), collector, ragged=True)
    except csv.Error as exc:
        collector.file_problem(f"cannot be parsed as CSV ({exc})", "comma-separated values with text containing commas in double quotes", file=path, where=f"file '{path.name}', line {reader.line_num}")
        return None
    finally:
        csv.field_size_limit(limit)
