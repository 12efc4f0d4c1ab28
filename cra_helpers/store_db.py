"""The store's names, errors and connections (the lower half of :mod:`cra_helpers.store`).

Here: where the store is (:func:`default_store`, ``$CRA_STORE``), the checks
of client and wave names, the errors, and opening the DuckDB file with the
wait for another process's lock and plain messages. The design (tables,
keys, transactions, concurrent access) is described in :mod:`cra_helpers.store`.
"""

from __future__ import annotations

import os
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from . import paths
from . import schema as S
from .errors import EXIT_BUSY, EXIT_ENVIRONMENT, CraError

STORE_ENV = "CRA_STORE"
"""Environment variable naming the store used when no ``store_path`` (``--store``) is given."""

DEFAULT_STORE = paths.project_root() / "data" / "cra.duckdb"
"""The store used when neither ``store_path`` nor :data:`STORE_ENV` is given."""

CATALOGUE = "waves"
"""Name of the catalogue table (one row per client and wave)."""

CLIENT_KEY = "_client"
WAVE_KEY = "_wave"
ROW_KEY = "_row"
KEY_COLUMNS = (CLIENT_KEY, WAVE_KEY, ROW_KEY)
"""Columns added to every data table: the store's keys and the source row number."""

MAIN_TABLES = (S.ACCOUNTS, S.CONTACTS, S.INTERVIEWS, S.RATINGS, S.LOYALTY, S.VERBATIMS)
"""Tables whose row counts :func:`list_waves` shows."""

LOCK_WAIT_SECONDS = 2.0
"""How long opening the store waits for another process's lock before :class:`StoreBusy`."""

class StoreError(CraError):
    """The store cannot be used as asked (missing, unknown client or wave, bad name); exit code 2."""


class StoreBusy(StoreError):
    """Another process is writing the store (or reading it while this one wants to write); exit code 4."""

    exit_code = EXIT_BUSY


class StoreAccessError(StoreError):
    """The store's file or folder cannot be created, read or written; exit code 3."""

    exit_code = EXIT_ENVIRONMENT


# ----------------------------------------------------------------------
# Names, paths, connections
# ----------------------------------------------------------------------
def default_store() -> Path:
    """The store used when none is given: ``$CRA_STORE`` when set, else :data:`DEFAULT_STORE`.

    Returns
    -------
    Path
    """
    env = os.environ.get(STORE_ENV, "").strip()
    return Path(env).expanduser().absolute() if env else DEFAULT_STORE


def check_name(value: object, what: str) -> str:
    """A client or wave name, checked: surrounding spaces removed, not empty, no control characters.

    Parameters
    ----------
    value
        The name as given.
    what
        ``"client"`` or ``"wave"`` (used in the message).

    Returns
    -------
    str
        The stripped name.

    Raises
    ------
    StoreError
        When the name is empty or holds a control or invisible formatting character.
    """
    name = "" if value is None else str(value).strip()
    if not name:
        raise StoreError(f"the {what} name is empty; give one, e.g. --{what} {'acme' if what == 'client' else '2026'}")
    for i, ch in enumerate(name):
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            raise StoreError(f"the {what} name {name!r} holds the control character U+{ord(ch):04X} at position {i + 1}; "
                             "use letters, digits, spaces and punctuation only")
    return name


def resolve_store(store_path: str | Path | None) -> Path:
    """The store file meant by ``store_path``: that path, or :func:`default_store` when ``None``.

    Parameters
    ----------
    store_path
        A store file, or ``None``.

    Returns
    -------
    Path
    """
    return Path(store_path).expanduser() if store_path is not None else default_store()


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _open_error(path: Path, exc: Exception) -> StoreError:
    text = str(exc)
    low = text.lower()
    if "lock" in low:
        holder = text.split("(PID", 1)[1].split(")", 1)[0].strip() if "(PID" in text else ""
        by = f" (process {holder})" if holder else ""
        return StoreBusy(f"the store {path} is in use by another process{by} that is writing or reading it; "
                         "try again when that import or run has finished")
    if "not a valid duckdb" in low or "serializ" in low or "version" in low:
        return StoreError(f"{path} is not a store of this workbench (not a DuckDB database of a readable version): {text}")
    return StoreAccessError(f"the store {path} cannot be opened: {text}")


@contextmanager
def connect(path: Path, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the store; waits :data:`LOCK_WAIT_SECONDS` for another process's lock."""
    if read_only and not path.is_file():
        what = "is a folder, not a store file" if path.is_dir() else "does not exist"
        raise StoreError(f"the store {path} {what}; `cra import PATH --client NAME --wave W --store {path}` creates it")
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreAccessError(f"cannot create the folder of the store {path}: {exc.strerror or exc}") from None
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    settings = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=settings)
            break
        except duckdb.Error as exc:
            error = _open_error(path, exc)
            if not isinstance(error, StoreBusy) or time.monotonic() >= deadline:
                raise error from None
            time.sleep(0.1)
    try:
        yield con
    finally:
        con.close()


def tables_in_store(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()
    return {r[0] for r in rows}


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
                       "AND table_name = ? ORDER BY ordinal_position", [table]).fetchall()
    return [r[0] for r in rows]
