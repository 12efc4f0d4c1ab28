"""The store: every imported assessment in one embedded DuckDB file, keyed by client and wave.

A consultant imports each wave of a client's assessment once (``cra import
PATH --client NAME --wave W``); later runs, trend analyses and exports read
the wave back from the store instead of from the original workbook.

Layout
------
* One DuckDB table per table of the data contract (:data:`cra_helpers.schema.TABLES`,
  same name), created on the first import that has it. Every row carries
  three key columns: :data:`CLIENT_KEY`, :data:`WAVE_KEY` (the store's keys)
  and :data:`ROW_KEY` (the row number the user saw in the source, so
  messages and warnings of a wave read back still point at the original
  cell). The key columns start with an underscore because the contract's
  own ``interviews.wave`` column (the interview wave label) and a client's
  extra columns (e.g. "Client") must not collide with them.
* Column types follow the contract's kinds: ``number`` → ``DOUBLE``,
  ``integer`` → ``BIGINT``, ``bool`` → ``BOOLEAN``, ``date`` → ``DATE``,
  every other kind (ids, references, text, categories, periods, lists) →
  ``VARCHAR``, so an id such as ``A001`` or ``007`` stays text. Missing
  values are ``NULL``. Extra columns (not in the contract) are kept as text.
* A column that a later import has and the table does not is added
  (``ALTER TABLE ... ADD COLUMN``); rows of earlier waves read ``NULL`` there.
  Which columns (and tables) each wave had is recorded, so a wave reads back
  with exactly its own columns, in its own order.
* The catalogue table :data:`CATALOGUE` has one row per (client, wave): the
  import time (UTC), the source's name and path, the SHA-256 of the source
  file (of a CSV folder: of its ``.csv`` files, names and contents, in name
  order), the row count of every table, the loader's notes, the absent
  optional tables and the package version.

Transactions
------------
An import validates the file with :func:`cra_helpers.loader.load_assessment`
first: a file with problems is refused with the loader's located message and
the store is not opened for writing. The write is then one transaction:
``BEGIN``, delete the rows and the catalogue entry of that (client, wave)
in every table, create or widen tables, insert every table and the catalogue
entry, ``COMMIT``; any error rolls back. So re-importing a wave replaces it
(never duplicates it), and a process killed in the middle (power cut,
``kill -9``) leaves the previous version of the wave intact: DuckDB writes a
transaction to its write-ahead log only at commit, and data blocks written
early for a large insert are not part of the database until then.

Why DuckDB
----------
One file next to the data, no server to run, typed columns (text stays text,
dates stay dates), real transactions, and fast column scans for trend
queries across waves; it is a dependency of the project already.

Concurrent access
-----------------
DuckDB lets one process write a database file, or several processes read
it, never both. While an import runs, another ``cra import`` and any reader
(``cra waves``, :func:`load_wave`) in another process wait up to
:data:`LOCK_WAIT_SECONDS` for the lock and then fail with :class:`StoreBusy`
(exit code 4) saying so; nothing is changed. Several readers at once are
fine. Within one process, connections share one database; two imports at
the same moment from two threads may conflict, and the loser fails with
:class:`StoreBusy` and rolls back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from . import schema as S
from .store_db import (
    CATALOGUE,
    CLIENT_KEY,
    DEFAULT_STORE,
    KEY_COLUMNS,
    LOCK_WAIT_SECONDS,
    MAIN_TABLES,
    ROW_KEY,
    STORE_ENV,
    WAVE_KEY,
    StoreAccessError,
    StoreBusy,
    StoreError,
    check_name,
    columns_of,
    connect,
    default_store,
    quote,
    resolve_store,
    tables_in_store,
)

if TYPE_CHECKING:  # pragma: no cover
    from .assessment import Assessment
    from .config import Config

__all__ = [
    "CATALOGUE", "CLIENT_KEY", "DEFAULT_STORE", "KEY_COLUMNS", "LOCK_WAIT_SECONDS", "MAIN_TABLES", "ROW_KEY", "STORE_ENV",
    "WAVE_KEY", "ImportResult", "StoreAccessError", "StoreBusy", "StoreError", "check_name", "default_store",
    "export_wave", "import_assessment", "list_waves", "load_wave", "resolve_store", "source_digest",
]

_SQL_TYPES = {"number": "DOUBLE", "integer": "BIGINT", "bool": "BOOLEAN", "date": "DATE"}
_CATALOGUE_COLUMNS = ("client", "wave", "imported_at", "source", "source_path", "sha256", "rows", "columns",
                      "notes", "absent", "version")
_CATALOGUE_DDL = (
    f"CREATE TABLE IF NOT EXISTS {CATALOGUE} (client VARCHAR NOT NULL, wave VARCHAR NOT NULL, imported_at TIMESTAMP, "
    "source VARCHAR, source_path VARCHAR, sha256 VARCHAR, rows VARCHAR, columns VARCHAR, notes VARCHAR, "
    "absent VARCHAR, version VARCHAR)"
)
_INDEX_NAME = "row"  # the index name of every table of an Assessment

@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_assessment` stored.

    Attributes
    ----------
    store
        The store file.
    client, wave
        The keys the assessment was stored under.
    rows
        Row count of every table stored, in contract order.
    replaced
        Whether a wave with these keys existed (and was replaced).
    source, sha256, imported_at
        The source's name, the SHA-256 of its file(s) and the import time (UTC).
    notes
        The loader's notes about the source (blank rows, extra columns, ...).
    """

    store: Path
    client: str
    wave: str
    rows: dict[str, int]
    replaced: bool
    source: str
    sha256: str
    imported_at: dt.datetime
    notes: list[str] = field(default_factory=list)



# ----------------------------------------------------------------------
# Import
# ----------------------------------------------------------------------
def source_digest(path: str | Path) -> str:
    """SHA-256 (hex) of an assessment's file, or of a CSV folder's ``.csv`` files (names and contents, in name order).

    Parameters
    ----------
    path
        Workbook or CSV folder.

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    p = Path(path)
    if p.is_file():
        h = hashlib.sha256()
        with p.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    h = hashlib.sha256()
    for f in sorted(q for q in p.iterdir() if q.is_file() and q.suffix.lower() == ".csv"):
        h.update(f.name.encode("utf-8") + b"\0" + hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def _sql_type(table: str, column: str) -> str:
    kinds = {c.name: c.kind for c in S.TABLES[table].columns}
    return _SQL_TYPES.get(kinds.get(column, "text"), "VARCHAR")


def _as_text(value: Any) -> str | None:
    """An extra column's cell as text (numbers without a spurious ``.0``, dates as ISO)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    return str(value)


def _prepared(table: str, frame: pd.DataFrame, client: str, wave: str) -> pd.DataFrame:
    """``frame`` as inserted: key columns first, categories as text, extra columns as text."""
    clash = [c for c in frame.columns if c in KEY_COLUMNS]
    if clash:
        raise StoreError(f"table '{table}' has a column named {clash[0]!r}, which the store reserves for its keys; rename it")
    contract = {c.name: c.kind for c in S.TABLES[table].columns}
    data: dict[str, Any] = {
        CLIENT_KEY: pd.Series(client, index=frame.index, dtype=object),
        WAVE_KEY: pd.Series(wave, index=frame.index, dtype=object),
        ROW_KEY: pd.Series(frame.index.to_numpy(), index=frame.index, dtype="int64"),
    }
    for col in frame.columns:
        values = frame[col]
        if col not in contract:
            values = pd.Series([_as_text(v) for v in values], index=frame.index, dtype=object)
        elif isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object).where(values.notna(), None)
        data[col] = values
    return pd.DataFrame(data, index=frame.index).reset_index(drop=True)


def _ensure_table(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> None:
    """Create ``table`` with the key columns and ``columns``, or add the columns it lacks."""
    have = columns_of(con, table)
    if not have:
        defs = [f"{CLIENT_KEY} VARCHAR NOT NULL", f"{WAVE_KEY} VARCHAR NOT NULL", f"{ROW_KEY} BIGINT NOT NULL"]
        defs += [f"{quote(c)} {_sql_type(table, c)}" for c in columns]
        con.execute(f"CREATE TABLE {quote(table)} ({', '.join(defs)})")
        return
    for c in columns:
        if c not in have:
            con.execute(f"ALTER TABLE {quote(table)} ADD COLUMN {quote(c)} {_sql_type(table, c)}")


def _insert_table(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, client: str, wave: str) -> int:
    """Insert one table of a wave (inside the caller's transaction); the number of rows."""
    incoming = _prepared(table, frame, client, wave)
    _ensure_table(con, table, [str(c) for c in frame.columns])
    view = f"_incoming_{table}"
    con.register(view, incoming)
    try:
        con.execute(f"INSERT INTO {quote(table)} BY NAME SELECT * FROM {quote(view)}")
    finally:
        con.unregister(view)
    return len(incoming)


def _delete_wave(con: duckdb.DuckDBPyConnection, client: str, wave: str) -> bool:
    """Delete a wave's rows from every table (inside the caller's transaction); whether it was catalogued."""
    present = tables_in_store(con)
    for table in S.TABLE_ORDER:
        if table in present:
            con.execute(f"DELETE FROM {quote(table)} WHERE {CLIENT_KEY} = ? AND {WAVE_KEY} = ?", [client, wave])
    gone = con.execute(f"DELETE FROM {CATALOGUE} WHERE client = ? AND wave = ? RETURNING wave", [client, wave]).fetchall()
    return bool(gone)


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("cra-workbench")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a plain checkout
        return "unknown"


def _write_wave(store: Path, assessment: "Assessment", client: str, wave: str, source: Path, sha256: str) -> ImportResult:
    """Replace (client, wave) in the store by ``assessment``, in one transaction."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    with connect(store, read_only=False) as con:
        con.execute(_CATALOGUE_DDL)
        try:
            con.execute("BEGIN TRANSACTION")
            replaced = _delete_wave(con, client, wave)
            rows = {name: _insert_table(con, name, frame, client, wave) for name, frame in assessment.tables.items()}
            columns = {name: [str(c) for c in frame.columns] for name, frame in assessment.tables.items()}
            values = [client, wave, now, source.name, str(source.absolute()), sha256, json.dumps(rows), json.dumps(columns),
                      json.dumps(list(assessment.notes)), json.dumps(list(assessment.absent)), _version()]
            con.execute(f"INSERT INTO {CATALOGUE} ({', '.join(_CATALOGUE_COLUMNS)}) VALUES "
                        f"({', '.join('?' * len(values))})", values)
            con.execute("COMMIT")
        except BaseException as exc:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass  # the transaction was already aborted
            if isinstance(exc, duckdb.TransactionException):
                raise StoreBusy(f"the store {store} was changed by another import of the same moment; nothing was "
                                f"written for client {client!r}, wave {wave!r}: try again") from None
            if isinstance(exc, duckdb.IOException):
                raise StoreAccessError(f"writing the store {store} failed ({exc}); nothing was written") from None
            raise
    return ImportResult(store, client, wave, rows, replaced, source.name, sha256, now, list(assessment.notes))


def import_assessment(
    store_path: str | Path | None, data_path: str | Path, client: str, wave: str, config: "Config | None" = None
) -> ImportResult:
    """Validate an assessment and store it as (client, wave), replacing that wave if it exists.

    Parameters
    ----------
    store_path
        The store file (created when missing); ``None`` for :func:`default_store`.
    data_path
        Workbook or CSV folder, as for :func:`cra_helpers.loader.load_assessment`.
    client, wave
        The keys to store it under (see :func:`check_name`).
    config
        Configuration to validate against (scales); the package default when ``None``.

    Returns
    -------
    ImportResult
        Row counts per table and whether an existing wave was replaced.

    Raises
    ------
    AssessmentError
        When the assessment has problems (nothing is written).
    StoreError
        For a bad client or wave name, a file that is not a store, or a store
        that cannot be written (:class:`StoreAccessError`) or is in use by
        another process (:class:`StoreBusy`).
    """
    from .loader import load_assessment

    client, wave = check_name(client, "client"), check_name(wave, "wave")
    store, source = resolve_store(store_path), Path(data_path)
    assessment = load_assessment(source, config=config)
    return _write_wave(store, assessment, client, wave, source, source_digest(source))


# ----------------------------------------------------------------------
# Reading back
# ----------------------------------------------------------------------
def _catalogue(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    if CATALOGUE not in tables_in_store(con):
        return pd.DataFrame(columns=list(_CATALOGUE_COLUMNS))
    rows = con.execute(f"SELECT {', '.join(_CATALOGUE_COLUMNS)} FROM {CATALOGUE} ORDER BY client, imported_at, wave").fetchall()
    return pd.DataFrame(rows, columns=list(_CATALOGUE_COLUMNS), dtype=object)


def list_waves(store_path: str | Path | None = None) -> pd.DataFrame:
    """The catalogue of the store: one row per stored (client, wave).

    Parameters
    ----------
    store_path
        The store file; ``None`` for :func:`default_store`.

    Returns
    -------
    DataFrame
        Columns ``client``, ``wave``, ``imported_at`` (UTC), ``source`` (file
        name), one row-count column per table of :data:`MAIN_TABLES`
        (``Int64``; missing when the wave lacks the table), ``sha256`` (first
        12 hex digits) and ``version``; sorted by client and import time.
        Empty (with these columns) when no wave is stored.

    Raises
    ------
    StoreError
        When the store does not exist or is not a store; :class:`StoreBusy`
        while another process writes it.
    """
    store = resolve_store(store_path)
    with connect(store, read_only=True) as con:
        cat = _catalogue(con)
    out = pd.DataFrame({
        "client": cat["client"].astype("string"),
        "wave": cat["wave"].astype("string"),
        "imported_at": pd.to_datetime(cat["imported_at"]),
        "source": cat["source"].astype("string"),
    })
    counts = [json.loads(r) for r in cat["rows"]]
    for table in MAIN_TABLES:
        out[table] = pd.array([c.get(table) for c in counts], dtype="Int64")
    out["sha256"] = cat["sha256"].astype("string").str[:12]
    out["version"] = cat["version"].astype("string")
    return out.reset_index(drop=True)


def _entry(con: duckdb.DuckDBPyConnection, store: Path, client: str, wave: str) -> dict[str, Any]:
    """The catalogue row of (client, wave), or :class:`StoreError` listing the stored waves."""
    cat = _catalogue(con)
    hit = cat[(cat["client"] == client) & (cat["wave"] == wave)]
    if len(hit):
        return hit.iloc[0].to_dict()
    if not len(cat):
        raise StoreError(f"the store {store} holds no waves yet; `cra import PATH --client NAME --wave W` adds one")
    known = cat[cat["client"] == client]
    if len(known):
        waves = ", ".join(repr(w) for w in known["wave"])
        raise StoreError(f"client {client!r} has no wave {wave!r} in the store {store}; its waves: {waves}")
    pairs = ", ".join(f"{c!r} (waves {', '.join(repr(w) for w in g['wave'])})" for c, g in cat.groupby("client", sort=True))
    raise StoreError(f"client {client!r} is not in the store {store}; stored clients: {pairs}")


def _read_table(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], client: str, wave: str) -> pd.DataFrame:
    """One table of a wave as Python objects (``None`` for NULL), with :data:`ROW_KEY` first, in source order."""
    cols = ", ".join(quote(c) for c in (ROW_KEY, *columns))
    rel = con.execute(f"SELECT {cols} FROM {quote(table)} WHERE {CLIENT_KEY} = ? AND {WAVE_KEY} = ? ORDER BY {ROW_KEY}",
                      [client, wave])
    return pd.DataFrame(rel.fetchall(), columns=[ROW_KEY, *columns], dtype=object)


def load_wave(store_path: str | Path | None, client: str, wave: str, config: "Config | None" = None) -> "Assessment":
    """Read a stored wave back as the :class:`~cra_helpers.assessment.Assessment` its source gave.

    The tables are validated again with :func:`cra_helpers.loader.assessment_from_frames`
    (so they are typed exactly as the loader types them), then get back the
    source's row numbers as their index, the loader's notes and absent
    tables, and the source path. Extra (non-contract) columns come back as
    text.

    Parameters
    ----------
    store_path
        The store file; ``None`` for :func:`default_store`.
    client, wave
        The keys the wave was imported under.
    config
        Configuration to validate against; the package default when ``None``.

    Returns
    -------
    Assessment

    Raises
    ------
    StoreError
        For a missing store, or an unknown client or wave (the message lists
        the stored ones); :class:`StoreBusy` while another process writes it.
    AssessmentError
        When the stored wave does not pass ``config`` (e.g. narrower scales
        than at import).
    """
    from .assessment import Assessment
    from .loader import assessment_from_frames

    client, wave = check_name(client, "client"), check_name(wave, "wave")
    store = resolve_store(store_path)
    with connect(store, read_only=True) as con:
        entry = _entry(con, store, client, wave)
        columns: dict[str, list[str]] = json.loads(entry["columns"])
        raw = {t: _read_table(con, t, cols, client, wave) for t, cols in columns.items()}
    frames = {t: r.drop(columns=[ROW_KEY]) for t, r in raw.items()}
    checked = assessment_from_frames(frames, config, source=f"{store.name}, client {client}, wave {wave}")
    tables = {}
    for name, frame in checked.tables.items():
        frame = frame.copy()
        frame.index = pd.Index(raw[name][ROW_KEY].to_numpy("int64"), name=_INDEX_NAME)
        tables[name] = frame
    return Assessment(tables, checked.config, entry["source_path"], notes=json.loads(entry["notes"]),
                      absent=json.loads(entry["absent"]))


# ----------------------------------------------------------------------
# Export
# ----------------------------------------------------------------------
def _csv_cell(value: Any) -> str:
    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, float):
        return repr(float(value))
    return str(value)


def _prepare_folder(folder: Path) -> Path:
    """Create ``folder``; refuse one holding anything but contract ``<table>.csv`` files (which are removed)."""
    from .outputs import ensure_writable_dir

    if folder.is_file():
        raise StoreAccessError(f"cannot export into {folder}: it is a file, not a folder")
    if folder.is_dir():
        own = {f"{t}.csv" for t in S.TABLE_ORDER}
        others = sorted(p.name for p in folder.iterdir() if p.name not in own)
        if others:
            raise StoreAccessError(f"cannot export into {folder}: it holds other files ({', '.join(others[:5])}); "
                                   "choose a new or empty folder")
        for p in folder.iterdir():
            p.unlink()
    return ensure_writable_dir(folder, what="export folder")


def export_wave(store_path: str | Path | None, client: str, wave: str, folder: str | Path) -> Path:
    """Write a stored wave as an assessment that ``cra validate`` and ``cra run`` read back.

    Parameters
    ----------
    store_path
        The store file; ``None`` for :func:`default_store`.
    client, wave
        The keys the wave was imported under.
    folder
        A folder (created; it may already hold an earlier export) that
        receives one ``<table>.csv`` per table (UTF-8 with byte-order mark,
        dates ``YYYY-MM-DD``, yes/no, numbers exact), extra columns included;
        or a path ending in ``.xlsx`` for a workbook (contract columns only,
        text as text cells). The CSV files are meant for the loader: text is
        written as stored, so do not open them in a spreadsheet program to edit.

    Returns
    -------
    Path
        The folder (or workbook) written.

    Raises
    ------
    StoreError
        As for :func:`load_wave`; :class:`StoreAccessError` when the folder
        holds other files or cannot be written.
    """
    import csv

    assessment = load_wave(store_path, client, wave)
    target = Path(folder).expanduser()
    if target.suffix.lower() == ".xlsx":
        from .planning.merge import write_merged

        return write_merged(assessment.tables, target)
    target = _prepare_folder(target)
    for name, frame in assessment.tables.items():
        with (target / f"{name}.csv").open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([str(c) for c in frame.columns])
            for row in frame.astype(object).itertuples(index=False, name=None):
                writer.writerow([_csv_cell(v) for v in row])
    return target


WAVES_CACHE = ".cra-waves"
"""Folder beside the store holding the waves exported for ``cra run --wave`` (one CSV folder per client and wave)."""


def wave_data(store_path: str | Path | None, wave: str, client: str | None = None) -> Path:
    """A stored wave as a CSV folder ``cra run`` can read: ``<store folder>/.cra-waves/<client>/<wave>/``.

    Parameters
    ----------
    store_path
        The store file; ``None`` for :func:`default_store`.
    wave
        The wave.
    client
        The client; may be left out when the store holds one client only.

    Returns
    -------
    Path
        The exported folder (rewritten on every call, so it always matches the store).

    Raises
    ------
    StoreError
        Unknown client or wave (the stored ones are listed), or a client left
        out of a store holding several.
    """
    from .outputs import inside, safe_name

    store = resolve_store(store_path)
    if client is None:
        clients = sorted(set(list_waves(store)["client"].dropna().astype(str)))
        if len(clients) != 1:
            named = ", ".join(repr(c) for c in clients) or "none"
            raise StoreError(f"the store {store} holds the clients {named}: name one with --client")
        client = clients[0]
    root = store.parent / WAVES_CACHE
    folder = inside(root, root / safe_name(check_name(client, "client")) / safe_name(check_name(wave, "wave")))
    return export_wave(store, client, wave, folder)
