"""Deterministic xlsx writing for the synthetic sample.

:func:`write_workbook` writes one sheet per table in contract order and
fixes every timestamp inside the archive, so equal tables give equal bytes
(for a given openpyxl version) and the committed ``data/sample`` only
changes when its data does.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import schema as s

FIXED_TIMESTAMP = datetime(2026, 1, 5, 9, 0, 0)
"""Created/modified date written into the workbook (keeps the file stable)."""
_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def _stable_xlsx(data: bytes) -> bytes:
    """Rewrite an xlsx archive with fixed timestamps so equal data gives equal bytes."""
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            payload = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                payload = _CORE_DATES.sub(rb"\g<1>" + stamp + rb"\g<3>", payload)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, payload)
    return out.getvalue()


def _cell(value: Any) -> Any:
    """A DataFrame value as a plain Python value openpyxl writes natively."""
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and np.isnan(value):
            return None
    return value


def write_workbook(tables: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write tables to an xlsx workbook, one sheet per table in contract order.

    Parameters
    ----------
    tables
        DataFrames keyed by table name (tables absent from the dict are skipped).
        Missing values become empty cells; dates become date cells.
    path
        Workbook to write.

    Returns
    -------
    Path
        The written path. Workbook properties and archive entries carry a fixed
        date, so the same tables always give the same bytes (for a given
        openpyxl version).
    """
    from openpyxl import Workbook

    path = Path(path)
    wb = Workbook(write_only=True)
    props = wb.properties
    props.creator = "CRA Workbench sample generator"
    props.lastModifiedBy = props.creator
    props.created = FIXED_TIMESTAMP
    props.modified = FIXED_TIMESTAMP
    for name in s.TABLE_ORDER:
        if name not in tables:
            continue
        frame = tables[name]
        ws = wb.create_sheet(title=name)
        ws.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            ws.append([_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_stable_xlsx(buf.getvalue()))
    return path
