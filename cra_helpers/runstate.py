"""What a run was made from, so that a scheduled ``cra run`` redoes only what changed, and its JSON log.

A run's *inputs* are the SHA-256 hashes of the assessment (a workbook, or
every file of a CSV folder), of each configuration file merged into its
configuration, of the action-plan workbook read back, of each notebook
run, of the package's own code, and the package version and run options (``only``, ``plotly_js``,
``partial``). :func:`inputs_of` computes them; the pipeline stores them in
``summary.json`` under ``"inputs"``. :func:`reusable_run` finds the last
successful run whose inputs are the same: the explicit ``--out`` folder, or
``reports/latest`` for the default timestamped folders. ``cra run`` then
prints that it reused those reports and exits at once (``--force`` runs
again); a run with a failed notebook is never reused.

Every run also writes ``log.jsonl`` into its folder: one JSON object per
line and per step (``event: "step"``: ``step``, ``status`` ``ok`` /
``failed`` / ``skipped``, ``seconds``, ``reason`` or ``error``), then one
``event: "run"`` line with the outcome; ``cra run --log-json`` prints the same
lines on standard output, for log collectors (journald, cron mail, CI).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

INPUTS_KEY = "inputs"
"""Key of the inputs in ``summary.json``."""
LOG_JSONL = "log.jsonl"
"""The run's structured log, in its folder."""
_CHUNK = 1 << 20
INDEX_HTML = "index.html"
SUMMARY_JSON = "summary.json"


@dataclass
class NotebookResult:
    """Outcome of one notebook in a run.

    Attributes
    ----------
    name, title
        Notebook stem and report title.
    status
        ``"ok"``, ``"failed"`` or ``"skipped"``.
    seconds
        Wall time of execution plus HTML export (0 when skipped).
    html
        Report file name relative to the run folder (``None`` if none was written).
    executed
        Executed notebook kept for debugging (failed notebooks), relative path.
    reason
        Why the notebook was skipped.
    error
        ``{"cell": n, "ename": ..., "evalue": ...}`` for a failure; ``cell`` is
        the 1-based index of the failing code cell as shown in JupyterLab.
    """

    name: str
    title: str
    status: str
    seconds: float = 0.0
    html: str | None = None
    executed: str | None = None
    reason: str = ""
    error: dict[str, Any] | None = None
    headlines: list[dict[str, Any]] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    """Everything a run produced."""

    out_dir: Path
    index_path: Path
    summary_path: Path
    notebooks: list[NotebookResult]
    seconds: float
    reused: bool = False
    """True when an earlier run with the same inputs was reused and nothing ran (:mod:`cra_helpers.runstate`)."""
    log: list[dict[str, Any]] = field(default_factory=list)
    """The run's ``log.jsonl`` records: one per step, then the run's outcome."""

    @property
    def ok(self) -> bool:
        """True when no notebook failed (skipped ones are fine)."""
        return all(n.status != "failed" for n in self.notebooks)

    @property
    def failed(self) -> list[NotebookResult]:
        """The notebooks that failed."""
        return [n for n in self.notebooks if n.status == "failed"]


def file_hash(path: str | Path) -> str:
    """SHA-256 (hex) of a file, or of a folder's files (names and contents, sorted by relative path)."""
    p = Path(path)
    h = hashlib.sha256()
    files = sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")) if p.is_dir() else [p]
    for f in files:
        if p.is_dir():
            h.update(f.relative_to(p).as_posix().encode("utf-8") + b"\0")
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(_CHUNK), b""):
                h.update(block)
        h.update(b"\0")
    return h.hexdigest()


def package_version() -> str:
    """The installed version of the workbench (``"unknown"`` when not installed as a package)."""
    try:
        return metadata.version("cra-workbench")
    except metadata.PackageNotFoundError:  # pragma: no cover - always installed by make env
        return "unknown"


def package_hash() -> str:
    """SHA-256 of the workbench's own code and resources (``cra_helpers/``), so that an edited install counts as changed."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for f in sorted(root.rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts and f.suffix not in (".pyc", ".pyo"):
            h.update(f.relative_to(root).as_posix().encode("utf-8") + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def inputs_of(data: Path, config_files: Iterable[str | Path], notebooks: Iterable[Path], *,
              plan: str | Path | None = None, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """The fingerprint of a run: hashes of its data, configuration, plan and notebooks, version and options.

    Parameters
    ----------
    data
        The assessment workbook or CSV folder.
    config_files
        Configuration files merged into the run's configuration (the package
        defaults are covered by the version; other entries that are not files are ignored).
    notebooks
        The notebooks the run executes.
    plan
        The action-plan workbook read back, if any.
    options
        Run options that change the reports (JSON-serialisable).

    Returns
    -------
    dict
        ``data``, ``config`` (list), ``plan``, ``notebooks`` (name → hash),
        ``version``, ``code`` (:func:`package_hash`), ``options``; equal
        dicts mean the same reports.
    """
    configs = [file_hash(c) for c in map(Path, config_files) if c.is_file()]
    return {"data": file_hash(data), "config": configs, "plan": file_hash(plan) if plan else None,
            "notebooks": {p.name: file_hash(p) for p in notebooks}, "version": package_version(),
            "code": package_hash(), "options": options or {}}


def _summary(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def reusable_run(candidates: Iterable[Path], inputs: dict[str, Any]) -> tuple[Path, dict[str, Any]] | None:
    """The first candidate folder holding a complete, successful run made from exactly ``inputs``.

    Parameters
    ----------
    candidates
        Run folders to look at (missing ones are skipped; links are followed).
    inputs
        The fingerprint of the run about to start (:func:`inputs_of`).

    Returns
    -------
    (Path, dict) or None
        The folder and its ``summary.json``; ``None`` when no run can be reused.
    """
    for folder in candidates:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        summary = _summary(folder.resolve())
        if (summary and summary.get("ok") and summary.get(INPUTS_KEY) == inputs
                and (folder / "index.html").is_file()):
            return folder.resolve(), summary
    return None


def now() -> str:
    """The current time, ISO 8601 with the UTC offset, to the second."""
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def step_events(notebooks: Iterable[Any], run_id: str) -> list[dict[str, Any]]:
    """One ``event: "step"`` record per notebook result: ``step``, ``status``, ``seconds``, and ``reason``
    (skipped) or ``cell`` and ``error`` (failed; the 1-based code cell and ``ename: evalue``)."""
    out = []
    for r in notebooks:
        rec: dict[str, Any] = {"time": now(), "event": "step", "run_id": run_id, "step": r.name, "status": r.status,
                               "seconds": round(float(r.seconds or 0.0), 2)}
        if getattr(r, "reason", ""):
            rec["reason"] = r.reason
        if r.status == "failed":
            err = getattr(r, "error", None) or {}
            rec.update(cell=err.get("cell"), error=f"{err.get('ename', 'Error')}: {err.get('evalue', '')}".strip())
        out.append(rec)
    return out


def run_event(run_id: str, status: str, out: Path, seconds: float, **extra: Any) -> dict[str, Any]:
    """The closing ``event: "run"`` record: ``status`` (``ok``, ``failed``, ``partial``, ``reused``), folder, seconds."""
    return {"time": now(), "event": "run", "run_id": run_id, "status": status, "out": str(out),
            "seconds": round(seconds, 2), **extra}


def write_run_log(folder: Path, notebooks: Iterable[Any], run_id: str, status: str, out: Path,
                  seconds: float) -> list[dict[str, Any]]:
    """Write the run's ``log.jsonl`` (:func:`step_events`, then :func:`run_event`) and return its records."""
    records = step_events(notebooks, run_id) + [run_event(run_id, status, out, seconds)]
    write_log(folder, records)
    return records


def write_log(folder: Path, records: Iterable[dict[str, Any]]) -> Path:
    """Write ``records`` as ``log.jsonl`` in ``folder`` (one JSON object per line, UTF-8)."""
    path = folder / LOG_JSONL
    path.write_text("".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in records), encoding="utf-8")
    return path


def run_notebooks(nb_dir: Path, only: Iterable[str] | None, compare: str | Path | None) -> list[Path]:
    """The notebooks of a ``cra run``: :func:`~cra_helpers.steps.discover`, plus the trends step when a
    previous wave is given without ``only``, and the account notebook a full run fans out."""
    from .steps import ACCOUNT_STEP, TRENDS_STEP, discover

    only = list(only or []) or None
    found = discover(nb_dir, only) if only or not compare else discover(nb_dir) + discover(nb_dir, [TRENDS_STEP])
    account = nb_dir / f"{ACCOUNT_STEP}.ipynb"
    if not only and account.is_file():  # the account reports of every full run (cra_helpers.fanout)
        found.append(account)
    return found


def run_inputs(data_path: Path, config: Any, notebooks: Iterable[Path], *, only: Iterable[str] | None = None,
               plotly_js: str = "shared", partial: bool = False, plan: str | Path | None = None,
               compare: str | Path | None = None) -> dict[str, Any]:
    """:func:`inputs_of` for a ``cra run``: its data, its configuration's files, its notebooks and options
    (the previous wave compared with, ``compare``, by its hash)."""
    return inputs_of(data_path, config.source, notebooks, plan=plan,
                     options={"only": sorted(only or []), "plotly_js": plotly_js, "partial": partial,
                              "compare": file_hash(compare) if compare else None})


def candidates(out: str | Path | None) -> list[Path]:
    """Where an earlier run with the same inputs may be: ``out``, or ``reports/latest`` for default folders."""
    from . import paths

    return [Path(out)] if out is not None else [paths.reports_dir() / "latest"]


def reused_message(folder: Path, summary: dict[str, Any]) -> str:
    """The line a reused run prints."""
    return (f"Inputs unchanged since the run of {summary.get('date')} (data, configuration, notebooks, code, "
            f"version {summary.get(INPUTS_KEY, {}).get('version')}): reused {folder}. Add --force to run again.")


def reused_lines(folder: Path, summary: dict[str, Any], as_json: bool = False) -> str:
    """What ``cra run`` prints when it reuses ``folder``: the message and the index, or one JSON ``run`` record."""
    if as_json:
        return json.dumps(run_event("", "reused", folder, 0.0, reused_date=summary.get("date")))
    return f"{reused_message(folder, summary)}\nReports: {folder / 'index.html'}"


def quick_reuse(data: str | Path | None, out: str | Path | None, config_path: str | Path | None,
                only: Iterable[str] | None, notebooks_dir: str | Path | None, plotly_js: str, partial: bool,
                plan: str | Path | None, compare: str | Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The earlier run ``cra run`` with these options may reuse, found without importing the pipeline.

    Returns
    -------
    (Path, dict) or None
        The run folder and its summary, or ``None`` when the run must go ahead
        (the pipeline then reports any problem with the inputs).
    """
    from . import paths
    from .config import load_config

    try:
        config = load_config(config_path)
        data_path = Path(data).resolve() if data else paths.sample_path()
        nb_dir = Path(notebooks_dir).resolve() if notebooks_dir else paths.notebooks_dir()
        inputs = run_inputs(data_path, config, run_notebooks(nb_dir, only, compare), only=only, plotly_js=plotly_js,
                            partial=partial, plan=plan, compare=compare)
    except Exception:  # noqa: BLE001 - any problem is the full run's to report, with its own message
        return None
    return reusable_run(candidates(out), inputs)


def reused_result(out: str | Path | None, inputs: dict[str, Any], t_start: float,
              echo: Callable[[str], None]) -> RunResult | None:
    """The earlier run with the same inputs, as a :class:`RunResult` marked ``reused``; ``None`` when there is none.

    Parameters
    ----------
    out
        The run's ``--out`` (``None``: ``reports/latest``).
    inputs
        The run's fingerprint (:func:`run_inputs`).
    t_start
        ``time.perf_counter()`` when the run began (for its seconds).
    echo
        Receives the line saying which run was reused.
    """
    found = reusable_run(candidates(out), inputs)
    if found is None:
        return None
    folder, summary = found
    seconds = time.perf_counter() - t_start
    echo(reused_message(folder, summary))
    results = [NotebookResult(**{k: v for k, v in n.items() if k in NotebookResult.__dataclass_fields__})
               for n in summary.get("notebooks", [])]
    log = [run_event(uuid.uuid4().hex, "reused", folder, seconds, reused_date=summary.get("date"))]
    return RunResult(folder, folder / INDEX_HTML, folder / SUMMARY_JSON, results, round(seconds, 2), reused=True, log=log)
