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
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Callable

import jinja2

from . import export, paths, runstate, steps
from .runstate import INDEX_HTML, SUMMARY_JSON, NotebookResult, RunResult  # noqa: F401  (re-exported)
from .steps import discover  # noqa: F401  (re-exported: the pipeline's notebook discovery)
from .config import Config, load_config
from .errors import KernelError, RunInterrupted
from .outputs import RunFolder, point_link
from .report import RESULTS_DIR, TABLES_DIR

EXECUTED_DIR = "_executed"
LATEST_LINK = "latest"
RUN_ID_ENV = "CRA_RUN_ID"
"""Environment variable set in every worker and kernel of a run (its value identifies the run)."""
POLL_S = 0.1


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


# ---------------------------------------------------------------------- run
def _default_target() -> Path:
    return paths.reports_dir() / datetime.now().strftime("%Y%m%d-%H%M%S")


def _open_run_folder(out: str | Path | None) -> RunFolder:
    """Lock and stage the run folder; the default timestamped folder gets a ``-2`` … suffix when taken."""
    from .errors import OutputBusy

    if out is not None:
        return RunFolder(Path(out)).__enter__()
    base = _default_target()
    for k in range(1, 100):
        target = base if k == 1 else base.with_name(f"{base.name}-{k}")
        if target.exists() or target.with_name(f"{target.name}-failed").exists():
            continue
        try:
            return RunFolder(target, remove_lock_file=True).__enter__()
        except OutputBusy:
            continue
    raise OutputBusy(f"no free run folder under {base.parent}")  # pragma: no cover - 99 runs in one second


class _Signals:
    """Turns SIGINT and SIGTERM into a flag the run loop checks (restored on exit)."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> "_Signals":
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.signum is None:
            self.signum = signum

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def _start_worker(job: dict[str, Any], env: dict[str, str]) -> subprocess.Popen:
    """Start one notebook's worker process in a session of its own (see :mod:`cra_helpers.worker`)."""
    executed = Path(job["executed"])
    executed.parent.mkdir(parents=True, exist_ok=True)
    job_file = executed.with_suffix(".job.json")
    job_file.write_text(json.dumps(job), encoding="utf-8")
    # The worker's and its kernel's chatter goes to a log beside the executed notebook.
    with open(executed.with_suffix(".log"), "w", encoding="utf-8") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "cra_helpers.worker", str(job_file)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=env, start_new_session=True, cwd=job["cwd"],
        )


def _stop_workers(running: dict[str, subprocess.Popen], grace: float = 1.5) -> None:
    """Terminate every running worker and its kernel (and their children); kill what outlives ``grace``."""
    import psutil

    procs: list[psutil.Process] = []
    for proc in running.values():
        try:
            root = psutil.Process(proc.pid)
            procs += root.children(recursive=True) + [root]
        except psutil.NoSuchProcess:
            continue
    for p in procs:
        try:
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=grace)
    for proc in running.values():
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:  # pragma: no cover - killed above
            pass


def _read_outcome(job: dict[str, Any], proc: subprocess.Popen) -> dict[str, Any]:
    try:
        return json.loads(Path(job["result"]).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"status": "failed", "seconds": 0.0,
                "error": {"cell": None, "ename": "WorkerDied", "evalue": f"the notebook's process ended with code {proc.returncode}"}}


def _run_jobs(jobs: dict[str, dict[str, Any]], n_workers: int, run_id: str, echo: Callable[[str], None],
              sig: "_Signals") -> dict[str, NotebookResult]:
    """Run the jobs in at most ``n_workers`` worker processes, honouring ``after``; stop cleanly on a signal.

    Raises
    ------
    RunInterrupted
        On SIGINT/SIGTERM, after every worker and kernel of the run has been stopped.
    """
    env = dict(os.environ, **{RUN_ID_ENV: run_id})
    pending = dict(jobs)
    running: dict[str, subprocess.Popen] = {}
    results: dict[str, NotebookResult] = {}
    total = len(jobs)
    try:
        while pending or running:
            if sig.signum is not None:
                break
            for name in list(pending):
                if len(running) >= n_workers:
                    break
                if any(d in pending or d in running for d in pending[name]["after"]):
                    continue
                running[name] = _start_worker(pending.pop(name), env)
            for name, proc in list(running.items()):
                if proc.poll() is None:
                    continue
                del running[name]
                job = jobs[name]
                raw = _read_outcome(job, proc)
                res = NotebookResult(name, job["title"], raw["status"], seconds=raw.get("seconds", 0.0),
                                     html=raw.get("html"), error=raw.get("error"))
                if res.status == "failed":
                    res.executed = f"{EXECUTED_DIR}/{Path(job['executed']).name}"
                results[name] = res
                if res.status == "ok":
                    echo(f"[{len(results)}/{total}] ok       {name} ({res.seconds:.1f} s)")
                else:
                    echo(f"[{len(results)}/{total}] FAILED   {name}: {describe_error(res)}")
            time.sleep(POLL_S)
    finally:
        stopped = list(running)
        if running:
            _stop_workers(running)
    if sig.signum is not None:
        word = "Ctrl+C" if sig.signum == signal.SIGINT else "SIGTERM"
        parts = [f"stopped {', '.join(stopped)}" if stopped else "no notebook was running"]
        if pending:
            parts.append(f"not started: {', '.join(pending)}")
        if results:
            parts.append(f"finished: {', '.join(results)}")
        raise RunInterrupted(f"interrupted ({word}): {'; '.join(parts)}. Nothing was published: the last complete report is unchanged", sig.signum)
    return results


def _check_signal(sig: "_Signals", stage: str) -> None:
    """Raise :class:`RunInterrupted` when SIGINT/SIGTERM arrived before the notebooks started."""
    if sig.signum is not None:
        word = "Ctrl+C" if sig.signum == signal.SIGINT else "SIGTERM"
        raise RunInterrupted(f"interrupted ({word}) {stage}: no notebook was started and nothing was published; "
                             "the last complete report is unchanged", sig.signum)


def run_pipeline(data: str | Path | None = None, out: str | Path | None = None, config_path: str | Path | None = None,
                 only: list[str] | None = None, workers: int | None = None, notebooks_dir: str | Path | None = None,
                 plotly_js: export.PlotlyMode = "shared", echo: Callable[[str], None] = print, partial: bool = False,
                 plan: str | Path | None = None, reuse: bool = False, compare: str | Path | None = None,
                 dask: str | None = None) -> RunResult:
    """Run the analysis notebooks on an assessment and publish the reports (staged, then moved into place:
    an interrupted run publishes nothing; :mod:`cra_helpers.outputs`).

    Parameters
    ----------
    data
        Assessment workbook or CSV folder (default: the bundled sample).
    out
        Run folder (default ``reports/<YYYYmmdd-HHMMSS>/``, then ``reports/latest`` points at it); an
        existing folder is replaced as a whole, only when empty or a previous run's.
    config_path
        Client configuration YAML (default: package defaults).
    only
        Notebook stems to run (default: all).
    workers
        Parallel processes (default: ``pipeline.workers``; 0 = the CPU cores).
    notebooks_dir
        Folder of notebooks (default: the project's ``notebooks/``).
    plotly_js
        ``"shared"`` (one local plotly.js for all reports) or ``"inline"``.
    echo
        Where progress lines go.
    partial
        When a notebook fails, publish the run in place anyway, marked partial;
        without it such a run goes to ``<target>-failed/`` and the last good report stays.
    plan
        Filled-in action-plan workbook of an earlier run (its progress goes into the summary).
    reuse
        Return the last successful run in ``out`` (or ``reports/latest``) made
        from the same inputs (:mod:`cra_helpers.runstate`), running nothing.
    dask
        Where the account reports (``accounts/``) run: ``None`` a local process pool,
        ``local:N`` a Dask LocalCluster, ``tcp://HOST:PORT`` a Dask scheduler.
    compare
        The previous wave's assessment: every notebook's ``compare_path``; adds ``07_trends`` unless ``only`` is given.

    Returns
    -------
    RunResult
        Where the run was published and the outcome of every notebook.

    Raises
    ------
    AssessmentError, ConfigError
        The data or the configuration is invalid (nothing is run).
    OutputError, OutputBusy
        The output folder cannot be written, holds other files, or is in use by another run.
    RunInterrupted
        SIGINT or SIGTERM arrived: workers and kernels were stopped, nothing was published.
    """
    options = _Options(data, out, config_path, only, workers, notebooks_dir, plotly_js, echo, partial, plan, reuse,
                       compare, dask)
    with _Signals() as sig:
        _check_signal(sig, "while starting")
        return _run(options, sig)


@dataclass
class _Options:
    """The arguments of :func:`run_pipeline`."""

    data: str | Path | None
    out: str | Path | None
    config_path: str | Path | None
    only: list[str] | None
    workers: int | None
    notebooks_dir: str | Path | None
    plotly_js: export.PlotlyMode
    echo: Callable[[str], None]
    partial: bool
    plan: str | Path | None
    reuse: bool
    compare: str | Path | None
    dask: str | None


def _run(o: _Options, sig: _Signals) -> RunResult:
    """The body of :func:`run_pipeline`, with the signal flag installed: check, reuse or load, then execute."""
    from .actions import plan_summary
    from .loader import load_assessment

    t_start = time.perf_counter()
    config: Config = load_config(o.config_path)
    data_path = Path(o.data).resolve() if o.data else paths.sample_path()
    nb_dir = Path(o.notebooks_dir).resolve() if o.notebooks_dir else paths.notebooks_dir()
    notebooks = runstate.run_notebooks(nb_dir, o.only, o.compare)
    inputs = runstate.run_inputs(data_path, config, notebooks, only=o.only, plotly_js=o.plotly_js, partial=o.partial,
                                 plan=o.plan, compare=o.compare)
    if o.reuse and (earlier := runstate.reused_result(o.out, inputs, t_start, o.echo)) is not None:
        return earlier
    progress = plan_summary(o.plan) if o.plan else None  # a bad workbook stops the run before any work
    assessment = load_assessment(data_path, config=config)
    ensure_kernel(config.pipeline.kernel_name)
    _check_signal(sig, "while loading the data")
    return _execute(o, sig, config=config, data_path=data_path, nb_dir=nb_dir, notebooks=notebooks, inputs=inputs,
                    progress=progress, assessment=assessment, t_start=t_start)


def _execute(o: _Options, sig: _Signals, *, config: Config, data_path: Path, nb_dir: Path, notebooks: list[Path],
             inputs: dict[str, Any], progress: dict[str, Any] | None, assessment: Any, t_start: float) -> RunResult:
    """Run the notebooks and the account reports in a staged run folder, then publish it."""
    echo, present = o.echo, set(assessment.tables)
    folder = _open_run_folder(o.out)
    try:
        target, work = folder.target, folder.staging
        (work / TABLES_DIR).mkdir(exist_ok=True)
        (work / RESULTS_DIR).mkdir(exist_ok=True)
        export.copy_assets(work)
        run_id, run_date = uuid.uuid4().hex, datetime.now().date().isoformat()
        results, jobs = _plan_jobs([p for p in notebooks if p.stem != steps.ACCOUNT_STEP], present, data_path, work,
                                   config, o.config_path, o.plotly_js, run_date, run_id, o.compare, o.plan)
        for name, res in results.items():
            echo(f"  skipped  {name}: {res.reason}")
        n_workers = _worker_count(o.workers, config, len(jobs))
        echo(f"Running {len(jobs)} notebook(s) on {data_path.name} with {n_workers} process(es) → {target}")
        results.update(_run_jobs(jobs, n_workers, run_id, echo, sig))
        reports = _account_reports(work, data_path, o.config_path, assessment, o.only, nb_dir, o.workers, o.dask,
                                   lambda line: echo(line.replace(str(work), str(target))))
        _check_signal(sig, "while the account reports were written")
        _read_payloads(results, work)
        ordered = [results[p.stem] for p in notebooks if p.stem in results]
        ok = all(r.status != "failed" for r in ordered) and reports.get("ok", True)
        summary = _summary(config, run_date, data_path, present, assessment, ordered, t_start, progress)
        summary.update({"ok": ok, "partial": not ok, "account_reports": reports, runstate.INPUTS_KEY: inputs})
        summary.update(_deliverables(work, assessment, config, summary, echo))
        log = runstate.write_run_log(work, ordered, run_id, "ok" if ok else ("partial" if o.partial else "failed"),
                                     target, time.perf_counter() - t_start)
        (work / SUMMARY_JSON).write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
        write_index(work, summary)
        published = folder.publish(as_failed=not ok and not o.partial)
    finally:
        folder.__exit__(None, None, None)
    if o.out is None and (ok or o.partial):
        point_link(published.parent / LATEST_LINK, published)
    if not ok:
        _echo_failures(ordered, published, target, echo)
    return RunResult(published, published / INDEX_HTML, published / SUMMARY_JSON, ordered, summary["seconds"], log=log)


def _account_reports(work: Path, data_path: Path, config_path: str | Path | None, assessment: Any,
                     only: list[str] | None, nb_dir: Path, workers: int | None, dask: str | None,
                     echo: Callable[[str], None]) -> dict[str, Any]:
    """One report per key account (``accounts/``) when the run wants them (:func:`cra_helpers.fanout.wanted`)."""
    from . import fanout
    from .headlines import key_account_ids

    if not fanout.wanted(only, set(assessment.tables)) or not (nb_dir / f"{fanout.NOTEBOOK}.ipynb").is_file():
        return {}
    return fanout.account_reports(work, data_path, config_path, key_account_ids(assessment), workers=workers, dask=dask,
                                  notebooks_dir=nb_dir, echo=echo)


def _worker_count(workers: int | None, config: Config, n_jobs: int) -> int:
    """Worker processes: ``workers`` or ``pipeline.workers`` (0: the CPU cores), at least 1, at most one per job."""
    n_workers = workers if workers is not None else config.pipeline.workers
    return max(1, min(n_workers or (os.cpu_count() or 1), max(1, n_jobs)))


def _read_payloads(results: dict[str, NotebookResult], work: Path) -> None:
    """Attach each notebook's headlines and tables from ``results/<name>.json`` (when it wrote one)."""
    for name, res in results.items():
        payload_path = work / RESULTS_DIR / f"{name}.json"
        if payload_path.exists():
            payload = json.loads(payload_path.read_text(encoding="utf-8"))
            res.headlines = payload.get("headlines", [])
            res.tables = payload.get("tables", [])


def _summary(config: Config, run_date: str, data_path: Path, present: set[str], assessment: Any,
             ordered: list[NotebookResult], t_start: float, progress: dict[str, Any] | None) -> dict[str, Any]:
    """The run's ``summary.json`` before the deliverables add to it."""
    ok = all(r.status != "failed" for r in ordered)
    return {"client": config.client, "date": run_date, "data": str(data_path), "config": list(config.source),
            "tables_present": sorted(present), "tables_absent": list(assessment.absent),
            "data_notes": list(assessment.notes), "ok": ok, "partial": not ok,
            "seconds": round(time.perf_counter() - t_start, 2), "notebooks": [asdict(r) for r in ordered],
            "plan_progress": progress}


def _echo_failures(ordered: list[NotebookResult], published: Path, target: Path, echo: Callable[[str], None]) -> None:
    """Name each failed notebook and where the run went when it was not published in place."""
    for r in ordered:
        if r.status == "failed":
            echo(f"FAILED {r.name}: {describe_error(r)}; executed notebook kept at {published / (r.executed or '')}")
    if published != target:
        kept = f"{target} is unchanged" if target.exists() else f"nothing was published at {target}"
        echo(f"Some reports failed: this run is at {published}; {kept} (use --partial to publish a partial run in place).")


def _deliverables(work: Path, assessment: Any, config: Config, summary: dict[str, Any],
                  echo: Callable[[str], None]) -> dict[str, Any]:
    """Executive summary (and the pages built from it) after the notebooks ran.

    A failure here never loses the run: the notebooks' reports stand, and the
    summary records which deliverable could not be built and why.
    """
    from . import findings as fnd

    out: dict[str, Any] = {"findings": [], "deliverable_errors": []}
    try:
        found = fnd.executive_findings(work, assessment, config)
        out["findings"] = [f.as_dict() for f in found]
        fnd.write_summary_page(work, found, {**summary, **out}, render=render_template)
    except Exception as exc:  # noqa: BLE001 - reported in the summary and on the landing page
        out["deliverable_errors"].append(f"executive summary: {type(exc).__name__}: {exc}")
        echo(f"  the executive summary could not be built: {exc}")
    try:
        from .customer import write_customer_outputs

        written = write_customer_outputs(work, assessment, config, summary["date"])
        out["customer"] = [str(p.relative_to(work)) for p in written]
    except Exception as exc:  # noqa: BLE001 - reported in the summary and on the landing page
        out["deliverable_errors"].append(f"customer report: {type(exc).__name__}: {exc}")
        echo(f"  the customer report could not be built: {exc}")
    out.update(_decks(work, config, {**summary, **out}, echo, out["deliverable_errors"]))
    return out


def _decks(work: Path, config: Config, summary: dict[str, Any], echo: Callable[[str], None],
           errors: list[str]) -> dict[str, Any]:
    """The workshop decks (HTML and PowerPoint); a failure is recorded, never fatal to the run."""
    from .decks import write_decks

    t0 = time.perf_counter()
    try:
        written = write_decks(work, summary, config)
    except Exception as exc:  # noqa: BLE001 - the notebooks' reports stand without the decks
        errors.append(f"workshop decks: {exc}")
        echo(f"  the workshop decks could not be built: {exc}")
        return {"decks": []}
    echo(f"  decks    {', '.join(p.name for p in written)} ({time.perf_counter() - t0:.1f} s)")
    return {"decks": [str(p.relative_to(work)) for p in written]}


def _plan_jobs(notebooks: list[Path], present: set[str], data_path: Path, work: Path, config: Config,
               config_path: str | Path | None, plotly_js: str, run_date: str, run_id: str,
               compare: str | Path | None = None,
               plan: str | Path | None = None) -> tuple[dict[str, NotebookResult], dict[str, dict[str, Any]]]:
    """Skipped steps (with the reason) and the job of every runnable notebook."""
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
        executed = work / EXECUTED_DIR / nb.name
        jobs[nb.stem] = {
            "name": nb.stem,
            "title": step.title,
            "notebook": str(nb),
            "executed": str(executed),
            "result": str(executed.with_suffix(".result.json")),
            "html": str(work / f"{nb.stem}.html"),
            "parameters": {
                "data_path": str(data_path),
                "out_dir": str(work),
                "config_path": str(Path(config_path).resolve()) if config_path else "",
                "compare_path": str(Path(compare).resolve()) if compare else "",
                "plan_path": str(Path(plan).resolve()) if plan else "",
            },
            "kernel_name": config.pipeline.kernel_name,
            "timeout": config.pipeline.cell_timeout_s,
            "cwd": str(nb.parent),
            "client": config.client,
            "subtitle": f"Data: {data_path.name}",
            "date": run_date,
            "plotly_js": plotly_js,
            "after": [a for a in step.after if a in order],
            "parent_pid": os.getpid(),
            "run_id": run_id,
        }
    return results, jobs

def describe_error(res: NotebookResult) -> str:
    """One line naming the notebook, the failing cell and the error."""
    err = res.error or {}
    cell = f"cell {err['cell']}" if err.get("cell") else "before any cell ran"
    return f"{res.name}.ipynb, {cell}: {err.get('ename', 'Error')}: {err.get('evalue', '')}".strip()


def render_template(name: str, **context: Any) -> str:
    """Render one of the run-folder page templates (landing page, executive summary) with autoescaping."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(export.template_dir() / "cra"), str(_report_templates())]),
        autoescape=True,
    )
    return env.get_template(name).render(describe_error=_describe_dict, **context)


def write_index(out_dir: Path, summary: dict[str, Any]) -> Path:
    """Write the landing page ``index.html`` from a run summary (executive summary on top)."""
    from .findings import not_run

    tables = sorted(p.name for p in (out_dir / TABLES_DIR).iterdir() if p.suffix in (".csv", ".xlsx"))
    html = render_template("index_page.html.j2", s=summary, tables=tables, findings=summary.get("findings", []),
                           not_run=not_run(summary))
    path = out_dir / INDEX_HTML
    path.write_text(html, encoding="utf-8")
    return path


def _describe_dict(nb: dict[str, Any]) -> str:
    return describe_error(NotebookResult(nb["name"], nb["title"], nb["status"], error=nb.get("error")))


def _report_templates() -> Path:
    return Path(str(resources.files("cra_helpers.resources").joinpath("report")))
