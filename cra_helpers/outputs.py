"""Output folders: safe file names from data, paths kept inside, locks and atomic publish.

Three guarantees for everything the workbench writes:

* **A path built from data never leaves the output folder.** File names
  derived from data (an account id, a client name) go through
  :func:`safe_name`, and every path is checked by :func:`inside` before it
  is written.
* **One run per folder.** :class:`RunFolder` holds a lock
  (``<parent>/.<name>.lock``, an OS-level lock released when the process
  ends, however it ends) for as long as a run writes; a second run into the
  same folder is refused with :class:`~cra_helpers.errors.OutputBusy`.
* **An interrupted or failed run never replaces the last good report.** A
  run writes into a hidden staging folder beside the target
  (``<parent>/.<name>.staging-<pid>``) and :meth:`RunFolder.publish` moves it
  into place only when it is complete; the previous report is moved aside
  and deleted only after the new one is in place.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
import unicodedata
from pathlib import Path
from typing import Any

from .errors import OutputBusy, OutputError

MAX_NAME = 80
"""Longest file-name stem :func:`safe_name` returns (characters, before the suffix)."""

RUN_MARKER = ".cra-run"
"""File every run folder holds; only folders with it (or empty ones) may be replaced by a new run."""

# Device names Windows refuses as file names, with or without an extension.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: object, taken: set[str] | None = None, max_len: int = MAX_NAME) -> str:
    """A file-name stem made from ``text`` that is safe on every file system.

    Keeps ASCII letters, digits, ``.``, ``_`` and ``-`` (accents are folded,
    everything else becomes ``-``); never starts with a dot or dash, never a
    reserved device name (``CON``, ``NUL``, ``COM1`` …), at most ``max_len``
    characters. When the result differs from ``text`` a short hash of the
    original is appended, so that two different ids never share a file; with
    ``taken`` (names already used, compared case-insensitively and updated)
    a ``-2``, ``-3`` … suffix resolves any remaining collision.

    Parameters
    ----------
    text
        The value to turn into a name (e.g. an account id).
    taken
        Names already used in the same folder; the returned name is added.
    max_len
        Maximum length of the stem, in characters (at least 16).

    Returns
    -------
    str
        The stem, without a suffix.

    Examples
    --------
    >>> safe_name("A012")
    'A012'
    >>> safe_name("../../x")
    'x-9bdbf20b'
    >>> safe_name("<img src=x>")
    'img-src-x-f4285014'
    >>> safe_name("CON")
    'CON-7679a072'
    """
    original = "" if text is None else str(text)
    folded = unicodedata.normalize("NFKD", original).encode("ascii", "ignore").decode("ascii")
    stem = _UNSAFE.sub("-", folded).strip(".-_ ")
    stem = re.sub(r"-{2,}", "-", stem)
    budget = max(16, max_len) - 9
    reserved = stem.split(".")[0].lower() in _RESERVED
    if stem != original or reserved or len(stem) > max(16, max_len) or not stem:
        digest = hashlib.sha1(original.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        stem = f"{stem[:budget].rstrip('.-_')}-{digest}" if stem else f"item-{digest}"
    if stem.split(".")[0].lower() in _RESERVED:  # "con.txt-1a2b3c4d" is still a device name on Windows
        stem = "_" + stem
    if taken is not None:
        base, k = stem, 2
        lowered = {t.lower() for t in taken}
        while stem.lower() in lowered:
            stem = f"{base}-{k}"
            k += 1
        taken.add(stem)
    return stem


def inside(root: str | Path, path: str | Path) -> Path:
    """Return ``path`` resolved, after checking that it lies inside ``root``.

    Parameters
    ----------
    root
        The output folder.
    path
        A path to be written (absolute, or relative to the current directory).

    Raises
    ------
    OutputError
        When ``path`` resolves (symbolic links followed) outside ``root``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> inside(root, root / "tables" / "a.csv").name
    'a.csv'
    >>> inside(root, root / ".." / "x.html")
    Traceback (most recent call last):
    ...
    cra_helpers.errors.OutputError: refusing to write ... outside the output folder ...
    """
    base = Path(root).resolve()
    target = Path(path).resolve()
    if target != base and base not in target.parents:
        raise OutputError(f"refusing to write {target}: it lies outside the output folder {base}")
    return target


def ensure_writable_dir(path: str | Path, what: str = "output folder") -> Path:
    """Create ``path`` (and parents) if needed and check that files can be written in it.

    Raises
    ------
    OutputError
        With one plain sentence when the folder cannot be created (a parent
        is a file, no permission, read-only or full file system) or written.
    """
    p = Path(path).expanduser()
    try:
        p.mkdir(parents=True, exist_ok=True)
        probe = p / f".cra-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except FileExistsError:
        raise OutputError(f"cannot use {p} as {what}: a file of that name exists") from None
    except NotADirectoryError:
        raise OutputError(f"cannot use {p} as {what}: part of the path is a file, not a folder") from None
    except PermissionError:
        raise OutputError(f"cannot write into {p} ({what}): permission denied") from None
    except OSError as exc:
        raise OutputError(f"cannot write into {p} ({what}): {exc.strerror or exc}") from None
    return p


def check_can_create(path: str | Path, what: str = "file") -> Path:
    """Check before any work that ``path`` can be written (its folder exists or can be made, and is writable)."""
    p = Path(path).expanduser()
    if p.is_dir():
        raise OutputError(f"cannot write {what} {p}: it is a folder")
    ensure_writable_dir(p.parent, what=f"folder of the {what}")
    return p


def _is_replaceable(folder: Path) -> bool:
    """True when ``folder`` is missing, empty, or a previous run's folder."""
    if not folder.exists():
        return True
    if not folder.is_dir():
        return False
    if (folder / RUN_MARKER).is_file():
        return True
    return not any(folder.iterdir())


class RunFolder:
    """A run's output folder: lock, staging folder, and atomic publish.

    Use as a context manager::

        with RunFolder(target) as rf:
            write everything into rf.staging
            rf.publish()            # or rf.publish(as_failed=True)

    Leaving the block without :meth:`publish` (an error, an interrupt)
    deletes the staging folder and leaves the target as it was.

    Parameters
    ----------
    target
        The folder the finished run will occupy.
    remove_lock_file
        Delete the (empty) lock file when done; only for a folder no other
        run will ask for, such as a fresh timestamped one.
    """

    def __init__(self, target: str | Path, remove_lock_file: bool = False) -> None:
        self.remove_lock_file = remove_lock_file
        self.target = Path(target).expanduser().absolute()
        self.parent = self.target.parent
        self.staging = self.parent / f".{self.target.name}.staging-{os.getpid()}"
        self.lock_path = self.parent / f".{self.target.name}.lock"
        self.published: Path | None = None
        self._lock: Any = None

    # ------------------------------------------------------------------ lock
    def _holder(self) -> str:
        try:
            info = json.loads((self.parent / f".{self.target.name}.lock.json").read_text(encoding="utf-8"))
            return f" (pid {info.get('pid')}, started {info.get('started')})"
        except (OSError, ValueError):
            return ""

    def __enter__(self) -> "RunFolder":
        from filelock import FileLock, Timeout

        if not _is_replaceable(self.target):
            raise OutputError(
                f"{self.target} already holds files that are not a CRA report; "
                "choose a new or empty folder for --out (a previous report folder is replaced as a whole)"
            )
        ensure_writable_dir(self.parent, what="parent of the output folder")
        lock = FileLock(str(self.lock_path), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise OutputBusy(
                f"another cra run is writing into {self.target}{self._holder()}; "
                "wait for it to finish or choose another --out"
            ) from None
        except OSError as exc:
            raise OutputError(f"cannot lock {self.target}: {exc.strerror or exc}") from None
        self._lock = lock
        info = {"pid": os.getpid(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
        try:
            (self.parent / f".{self.target.name}.lock.json").write_text(json.dumps(info), encoding="utf-8")
            # Holding the lock means no other run uses this target: leftovers of killed runs can go.
            for old in self.parent.glob(f".{self.target.name}.staging-*"):
                shutil.rmtree(old, ignore_errors=True)
            self.staging.mkdir()
            (self.staging / RUN_MARKER).write_text("CRA Workbench run folder\n", encoding="utf-8")
        except OSError as exc:
            self._release()
            raise OutputError(f"cannot create the run folder beside {self.target}: {exc.strerror or exc}") from None
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.published is None:
            shutil.rmtree(self.staging, ignore_errors=True)
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            try:
                (self.parent / f".{self.target.name}.lock.json").unlink(missing_ok=True)
            except OSError:
                pass
            self._lock.release()
            self._lock = None
            if self.remove_lock_file:  # a folder no other run will ask for (a fresh timestamped one)
                self.lock_path.unlink(missing_ok=True)

    # ------------------------------------------------------------------ publish
    def failed_target(self) -> Path:
        """Where a run with failures is published without ``--partial``: ``<target>-failed``."""
        return self.parent / f"{self.target.name}-failed"

    def publish(self, as_failed: bool = False) -> Path:
        """Move the staging folder into place; return where it now is.

        With ``as_failed`` the run goes to :meth:`failed_target` and the
        target (the last good report) is left untouched.
        """
        dest = self.failed_target() if as_failed else self.target
        if not _is_replaceable(dest):
            raise OutputError(f"{dest} already holds files that are not a CRA report; the run is kept at {self.staging}")
        aside = self.parent / f".{dest.name}.old-{os.getpid()}"
        try:
            if dest.exists():
                os.replace(dest, aside)
            os.replace(self.staging, dest)
        except OSError as exc:
            if aside.exists() and not dest.exists():
                os.replace(aside, dest)
            raise OutputError(f"cannot move the finished run into {dest}: {exc.strerror or exc}") from None
        shutil.rmtree(aside, ignore_errors=True)
        self.published = dest
        return dest


def point_link(link: Path, target: Path) -> None:
    """Point the symbolic link ``link`` at ``target`` (a sibling folder), replacing it atomically.

    A file system without symbolic links leaves ``link`` as it was: the
    printed path of the run still tells where it is.
    """
    tmp = link.parent / f".{link.name}.tmp-{os.getpid()}"
    try:
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(target.name, target_is_directory=True)
        os.replace(tmp, link)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
