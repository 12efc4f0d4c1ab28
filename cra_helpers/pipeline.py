"""``cra run``: execute the analysis notebooks and publish offline HTML reports.

For each notebook in ``notebooks/`` the pipeline decides, from the tables the
assessment holds (:mod:`cra_helpers.steps`), whether it can run; runs the
runnable ones with papermill in the project's registered kernel, in parallel
processes (papermill's working-directory handling is process-wide, so never
threads); converts each executed notebook to HTML without code
(:mod:`cra_helpers.export`); and writes the landing page ``index.html`` and
``summary.json``. A failing notebook does not stop the others: its executed
copy is kept under ``_executed/`` and the run ends with a non-zero exit code.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Callable

import jinja2

from . import export, paths, steps
from .config import Config, load_config
from .report import RESULTS_DIR, TABLES_DIR

EXECUTED_DIR = "_executed"
INDEX_HTML = "index.html"
SUMMARY_JSON = "summary.json"
LATEST_LINK = "latest"


class KernelError(RuntimeError):
    """The project's Jupyter kernel is missing or belongs to another Python."""


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

    @property
    def ok(self) -> bool:
        """True when no notebook failed (skipped ones are fine)."""
        return all(n.status != "failed" for n in self.notebooks)

    @property
    def failed(self) -> list[NotebookResult]:
        """The notebooks that failed."""
        return [n for n in self.notebooks if n.status == "failed"]


# ---------------------------------------------------------------------- kernel
def ensure_kernel(name: str) -> None:
    """Make sure the kernel ``name`` exists and runs this very Python.

    Registers it inside the current environment (``--sys-prefix``) when it is
    missing. Raises :class:`KernelError` when a kernel of that name points at
    another interpreter (e.g. a stale user-level kernelspec that would win).
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    ksm = KernelSpecManager()
    try:
        spec = ksm.get_kernel_spec(name)
    except NoSuchKernel:
        from ipykernel.kernelspec import install

        install(kernel_name=name, display_name="CRA Workbench", prefix=sys.prefix)
        spec = KernelSpecManager().get_kernel_spec(name)
    exe = spec.argv[0] if spec.argv else ""
    if exe not in ("python", "python3") and Path(exe).resolve() != Path(sys.executable).resolve():
        raise KernelError(
            f"Jupyter kernel {name!r} ({spec.resource_dir}) runs {exe}, not this environment's {sys.executable}. "
            f"Remove it (jupyter kernelspec remove {name}) and run `make demo` again."
        )


# ---------------------------------------------------------------------- worker
def _execute_one(job: dict[str, Any]) -> dict[str, Any]:
    """Run one notebook and export it (runs in a child process)."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    t0 = time.perf_counter()
    executed = Path(job["executed"])
    executed.parent.mkdir(parents=True, exist_ok=True)
    # The kernel inherits this process's stderr: keep its chatter in a log beside the
    # executed notebook instead of the run's progress output.
    log = open(executed.with_suffix(".log"), "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the worker
    os.dup2(log.fileno(), 2)
    sys.stderr = log
    import logging

    logging.getLogger("papermill").setLevel(logging.ERROR)
    out: dict[str, Any] = {"name": job["name"], "status": "ok", "error": None}
    try:
        pm.execute_notebook(
            job["notebook"],
            str(executed),
            parameters=job["parameters"],
            kernel_name=job["kernel_name"],
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            execution_timeout=job["timeout"],
            cwd=job["cwd"],
        )
    except PapermillExecutionError as exc:
        out["status"] = "failed"
        out["error"] = {"cell": _code_cell_number(executed, exc.cell_index), "ename": exc.ename, "evalue": exc.evalue}
    except Exception as exc:  # kernel died, timeout, unreadable notebook: still a clear message
        out["status"] = "failed"
        out["error"] = {"cell": None, "ename": type(exc).__name__, "evalue": str(exc).strip().splitlines()[-1] if str(exc).strip() else ""}
        out["trace"] = traceback.format_exc(limit=3)
    if executed.exists():
        try:
            export.export_html(
                executed,
                job["html"],
                title=job["title"],
                client=job["client"],
                subtitle=job["subtitle"],
                report_date=job["date"],
                plotly_js=job["plotly_js"],
            )
            out["html"] = Path(job["html"]).name
        except Exception as exc:  # pragma: no cover - export of a broken notebook
            out["export_error"] = f"{type(exc).__name__}: {exc}"
    out["seconds"] = round(time.perf_counter() - t0, 2)
    return out


def _code_cell_number(executed: Path, cell_index: int) -> int | None:
    """1-based number of the failing cell as JupyterLab shows the original notebook."""
    try:
        import nbformat

        nb = nbformat.read(str(executed), as_version=4)
        # papermill's cell_index counts the cells before it added its red error banner
        # at the top; only the injected-parameters cell is not the user's.
        cells = [c for c in nb.cells if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])]
        number = cell_index + 1
        for cell in cells[:cell_index]:
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                number -= 1
        return number
    except Exception:  # pragma: no cover
        return cell_index + 1


# ---------------------------------------------------------------------- run
def _default_out_dir() -> Path:
    return paths.reports_dir() / datetime.now().strftime("%Y%m%d-%H%M%S")


def _point_latest(out: Path) -> None:
    link = out.parent / LATEST_LINK
    try:
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(out.name, target_is_directory=True)
    except OSError:  # e.g. a file system without symlinks: the printed path still tells
        pass


def discover(notebooks_dir: Path, only: list[str] | None = None) -> list[Path]:
    """Notebooks to consider, sorted by name; ``only`` restricts to those stems.

    Raises
    ------
    FileNotFoundError
        When the folder has no notebooks or an ``only`` name matches none.
    """
    found = sorted(p for p in notebooks_dir.glob("*.ipynb") if not p.name.startswith("."))
    if not found:
        raise FileNotFoundError(f"no notebooks in {notebooks_dir}")
    if only:
        stems = {p.stem: p for p in found}
        unknown = [o for o in only if o not in stems]
        if unknown:
            raise FileNotFoundError(f"unknown notebook(s) {', '.join(unknown)}; available: {', '.join(stems)}")
        found = [stems[o] for o in only]
    return found


def run_pipeline(
    data: str | Path | None = None,
    out: str | Path | None = None,
    config_path: str | Path | None = None,
    only: list[str] | None = None,
    workers: int | None = None,
    notebooks_dir: str | Path | None = None,
    plotly_js: export.PlotlyMode = "shared",
    echo: Callable[[str], None] = print,
) -> RunResult:
    """Run the analysis notebooks on an assessment and publish the reports.

    Parameters
    ----------
    data
        Assessment workbook or CSV folder (default: the bundled sample).
    out
        Run folder (default: ``reports/<YYYYmmdd-HHMMSS>/``, and
        ``reports/latest`` is pointed at it).
    config_path
        Client configuration YAML (default: package defaults).
    only
        Notebook stems to run (default: all).
    workers
        Parallel processes (default: ``pipeline.workers`` from configuration,
        0 meaning the number of CPU cores).
    notebooks_dir
        Folder of notebooks (default: the project's ``notebooks/``).
    plotly_js
        ``"shared"`` (one local plotly.js for all reports) or ``"inline"``.
    echo
        Where progress lines go.

    Returns
    -------
    RunResult
        Paths written and the outcome of every notebook.

    Raises
    ------
    AssessmentError
        The data is invalid (nothing is run).
    ConfigError
        The configuration is invalid (nothing is run).
    """
    from .loader import load_assessment

    t_start = time.perf_counter()
    config: Config = load_config(config_path)
    data_path = Path(data).resolve() if data else paths.sample_path()
    nb_dir = Path(notebooks_dir).resolve() if notebooks_dir else paths.notebooks_dir()
    default_out = out is None
    out_dir = (Path(out) if out else _default_out_dir()).resolve()

    notebooks = discover(nb_dir, only)
    assessment = load_assessment(data_path, config=config)
    present = set(assessment.tables)

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / TABLES_DIR).mkdir(exist_ok=True)
    (out_dir / RESULTS_DIR).mkdir(exist_ok=True)
    export.copy_assets(out_dir)
    if default_out:
        _point_latest(out_dir)
    ensure_kernel(config.pipeline.kernel_name)

    run_date = datetime.now().date().isoformat()
    subtitle = f"Data: {data_path.name}"
    results: dict[str, NotebookResult] = {}
    jobs: dict[str, dict[str, Any]] = {}
    order = [p.stem for p in notebooks]
    for nb in notebooks:
        step = steps.step_for(nb.stem)
        missing = [t for t in step.requires if t not in present]
        if missing:
            results[nb.stem] = NotebookResult(
                nb.stem, step.title, "skipped", reason=f"needs table(s) {', '.join(missing)}, absent from {data_path.name}"
            )
            continue
        jobs[nb.stem] = {
            "name": nb.stem,
            "title": step.title,
            "notebook": str(nb),
            "executed": str(out_dir / EXECUTED_DIR / nb.name),
            "html": str(out_dir / f"{nb.stem}.html"),
            "parameters": {
                "data_path": str(data_path),
                "out_dir": str(out_dir),
                "config_path": str(Path(config_path).resolve()) if config_path else "",
            },
            "kernel_name": config.pipeline.kernel_name,
            "timeout": config.pipeline.cell_timeout_s,
            "cwd": str(nb_dir),
            "client": config.client,
            "subtitle": subtitle,
            "date": run_date,
            "plotly_js": plotly_js,
            "after": [a for a in steps.step_for(nb.stem).after if a in order],
        }

    for name, res in results.items():
        echo(f"  skipped  {name}: {res.reason}")
    n_workers = workers if workers is not None else config.pipeline.workers
    n_workers = max(1, min(n_workers or (os.cpu_count() or 1), max(1, len(jobs))))
    total = len(jobs)
    echo(f"Running {total} notebook(s) on {data_path.name} with {n_workers} process(es) → {out_dir}")
    done_count = 0
    if jobs:
        ctx = multiprocessing.get_context("spawn")
        pending = dict(jobs)
        running: dict[Future, str] = {}
        with ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx) as pool:
            while pending or running:
                for name in list(pending):
                    deps = pending[name]["after"]
                    if any(d in pending or d in running.values() for d in deps):
                        continue
                    job = pending.pop(name)
                    running[pool.submit(_execute_one, job)] = name
                if not running:
                    continue
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for fut in finished:
                    name = running.pop(fut)
                    job = jobs[name]
                    try:
                        raw = fut.result()
                    except Exception as exc:  # the worker process itself died
                        raw = {"status": "failed", "seconds": 0.0, "error": {"cell": None, "ename": type(exc).__name__, "evalue": str(exc)}}
                    res = NotebookResult(name, job["title"], raw["status"], seconds=raw.get("seconds", 0.0), html=raw.get("html"), error=raw.get("error"))
                    if res.status == "failed":
                        res.executed = f"{EXECUTED_DIR}/{Path(job['executed']).name}"
                    results[name] = res
                    done_count += 1
                    if res.status == "ok":
                        echo(f"[{done_count}/{total}] ok       {name} ({res.seconds:.1f} s)")
                    else:
                        echo(f"[{done_count}/{total}] FAILED   {name}: {describe_error(res)}")

    for name, res in results.items():
        payload_path = out_dir / RESULTS_DIR / f"{name}.json"
        if payload_path.exists():
            payload = json.loads(payload_path.read_text(encoding="utf-8"))
            res.headlines = payload.get("headlines", [])
            res.tables = payload.get("tables", [])
    ordered = [results[n] for n in order if n in results]
    seconds = round(time.perf_counter() - t_start, 2)
    summary = {
        "client": config.client,
        "date": run_date,
        "data": str(data_path),
        "config": list(config.source),
        "tables_present": sorted(present),
        "tables_absent": list(assessment.absent),
        "data_notes": list(assessment.notes),
        "ok": all(r.status != "failed" for r in ordered),
        "seconds": seconds,
        "notebooks": [asdict(r) for r in ordered],
    }
    summary_path = out_dir / SUMMARY_JSON
    summary_path.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    index_path = write_index(out_dir, summary)
    if not summary["ok"]:
        for r in ordered:
            if r.status == "failed":
                echo(f"FAILED {r.name}: {describe_error(r)}; executed notebook kept at {out_dir / (r.executed or '')}")
    return RunResult(out_dir, index_path, summary_path, ordered, seconds)


def describe_error(res: NotebookResult) -> str:
    """One line naming the notebook, the failing cell and the error."""
    err = res.error or {}
    cell = f"cell {err['cell']}" if err.get("cell") else "before any cell ran"
    return f"{res.name}.ipynb, {cell}: {err.get('ename', 'Error')}: {err.get('evalue', '')}".strip()


def write_index(out_dir: Path, summary: dict[str, Any]) -> Path:
    """Write the landing page ``index.html`` from a run summary."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(export.template_dir() / "cra"), str(_report_templates())]),
        autoescape=True,
    )
    tables = sorted(p.name for p in (out_dir / TABLES_DIR).iterdir() if p.suffix in (".csv", ".xlsx"))
    html = env.get_template("index_page.html.j2").render(s=summary, tables=tables, describe_error=_describe_dict)
    path = out_dir / INDEX_HTML
    path.write_text(html, encoding="utf-8")
    return path


def _describe_dict(nb: dict[str, Any]) -> str:
    return describe_error(NotebookResult(nb["name"], nb["title"], nb["status"], error=nb.get("error")))


def _report_templates() -> Path:
    return Path(str(resources.files("cra_helpers.resources").joinpath("report")))
