"""``cra watch FOLDER``: run the reports whenever a filled capture workbook lands in a folder.

Interviewers drop their capture workbooks (``cra plan`` wrote them) into a
shared folder. :func:`watch` merges every workbook in it (with an optional
base assessment holding the rest, as ``cra merge --base`` does) into
``<FOLDER>/.cra-watch/assessment.xlsx`` and runs the pipeline on it, then
waits for the next change. A change counts once the folder has been quiet
for ``settle`` seconds, so that a workbook still being copied or saved is
not read half-written; Excel's lock files (``~$name.xlsx``) and hidden files
are ignored. A merge or validation problem is printed with its workbook,
sheet, row and column and the watch goes on; the reports already published
stay as they are. Unchanged inputs reuse the last run
(:mod:`cra_helpers.runstate`), so touching a file costs nothing.

File-system events come from ``watchdog`` (inotify on Linux), with a
polling observer where events are not available (network shares).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import CraError

WORK_DIR = ".cra-watch"
"""Hidden folder inside the watched folder holding the merged assessment."""
MERGED = "assessment.xlsx"


@dataclass
class WatchRound:
    """One merge-and-run of :func:`watch`.

    Attributes
    ----------
    captures
        The workbooks merged, by name.
    ok
        True when the merge worked and no report failed.
    reused
        True when the inputs had not changed and the last run was reused.
    message
        The problem, when there was one.
    """

    captures: list[str]
    ok: bool
    reused: bool = False
    message: str = ""


def captures_in(folder: Path) -> list[Path]:
    """The capture workbooks in ``folder``: ``*.xlsx``, without Excel lock files and hidden files, sorted by name."""
    return sorted(p for p in folder.glob("*.xlsx") if p.is_file() and not p.name.startswith(("~$", ".")))


def run_once(folder: Path, *, base: Path | None = None, out: Path | None = None, config_path: Path | None = None,
             only: Sequence[str] = (), echo: Callable[[str], None] = print) -> WatchRound:
    """Merge the folder's capture workbooks (and ``base``) and run the reports on the result.

    Returns
    -------
    WatchRound
        What was merged and how the run ended; a problem of the data
        (:class:`~cra_helpers.errors.CraError`) is reported, not raised.
    """
    from .config import load_config
    from .pipeline import run_pipeline
    from .planning.merge import merge_captures, write_merged

    found = captures_in(folder)
    names = [p.name for p in found]
    if not found:
        return WatchRound(names, ok=True, message=f"no capture workbook (*.xlsx) in {folder} yet")
    try:
        frames = merge_captures(found, base, load_config(config_path))
        merged = write_merged(frames, folder / WORK_DIR / MERGED)
        result = run_pipeline(data=merged, out=out, config_path=config_path, only=list(only) or None, echo=echo,
                              reuse=True)
    except CraError as exc:
        return WatchRound(names, ok=False, message=str(exc))
    msg = "" if result.ok else f"{len(result.failed)} report(s) failed: see {result.out_dir}"
    return WatchRound(names, ok=result.ok, reused=result.reused, message=msg)


class _Changes:
    """Time of the last relevant file-system event in the watched folder (thread-safe)."""

    def __init__(self) -> None:
        self.last: float | None = None
        self._lock = threading.Lock()

    def dispatch(self, event: object) -> None:
        paths = [getattr(event, "src_path", ""), getattr(event, "dest_path", "")]
        names = [Path(str(p)).name for p in paths if p]
        if any(n.endswith(".xlsx") and not n.startswith(("~$", ".")) for n in names):
            with self._lock:
                self.last = time.monotonic()

    def settled(self, settle: float) -> bool:
        """True (once) when there was a change and the folder has been quiet for ``settle`` seconds."""
        with self._lock:
            if self.last is not None and time.monotonic() - self.last >= settle:
                self.last = None
                return True
            return False


def _observer(folder: Path, handler: _Changes, polling: bool) -> object:
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    class _Handler(FileSystemEventHandler):
        def on_any_event(self, event: object) -> None:
            handler.dispatch(event)

    observer = PollingObserver(timeout=1.0) if polling else Observer()
    observer.schedule(_Handler(), str(folder), recursive=False)
    return observer


def watch(folder: str | Path, *, base: str | Path | None = None, out: str | Path | None = None,
          config_path: str | Path | None = None, only: Sequence[str] = (), settle: float = 2.0,
          polling: bool = False, echo: Callable[[str], None] = print, stop: threading.Event | None = None,
          on_round: Callable[[WatchRound], None] | None = None) -> int:
    """Watch ``folder`` and merge-and-run (:func:`run_once`) at start and after every settled change.

    Parameters
    ----------
    folder
        The folder the capture workbooks land in (must exist).
    base, out, config_path, only
        As for ``cra merge --base`` and ``cra run --out --config --only``.
    settle
        Seconds without a change before the folder is read.
    polling
        Poll the folder every second instead of waiting for events (network shares).
    echo
        Where progress lines go.
    stop
        Set it to end the watch (Ctrl+C ends it too).
    on_round
        Called with each :class:`WatchRound`.

    Returns
    -------
    int
        0 when stopped.

    Raises
    ------
    WatchError
        ``folder`` is not a folder.
    OutputError
        The parent of ``out`` cannot be written.
    """
    from .outputs import ensure_writable_dir

    root = Path(folder)
    if not root.is_dir():
        raise WatchError(f"{root}: not a folder to watch")
    if out is not None:  # an unusable report folder is said at once, not when the first workbook lands
        ensure_writable_dir(Path(out).expanduser().absolute().parent, what="parent of the output folder")
    stop = stop or threading.Event()
    changes = _Changes()
    observer = _observer(root, changes, polling)
    observer.start()
    kwargs = {"base": Path(base) if base else None, "out": Path(out) if out else None,
              "config_path": Path(config_path) if config_path else None, "only": only, "echo": echo}
    echo(f"Watching {root} for capture workbooks (Ctrl+C stops) …")
    try:
        _round(root, kwargs, echo, on_round)
        while not stop.wait(0.2):
            if changes.settled(settle):
                _round(root, kwargs, echo, on_round)
    except KeyboardInterrupt:
        echo("Stopped watching.")
    finally:
        observer.stop()
        observer.join(timeout=5)
    return 0


def _round(root: Path, kwargs: dict, echo: Callable[[str], None], on_round: Callable[[WatchRound], None] | None) -> None:
    r = run_once(root, **kwargs)
    what = ", ".join(r.captures) or "nothing"
    if r.message:
        echo(f"{time.strftime('%H:%M:%S')} {what}: {r.message}")
    elif r.reused:
        echo(f"{time.strftime('%H:%M:%S')} {what}: unchanged, the last reports stand")
    else:
        echo(f"{time.strftime('%H:%M:%S')} {what}: reports published")
    if on_round is not None:
        on_round(r)


class WatchError(CraError):
    """The folder to watch does not exist or is not a folder."""
