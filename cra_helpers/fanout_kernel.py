"""The worker side of the per-account fan-out: one kept-alive kernel per worker process.

:func:`render_account` is the task the fan-out sends to a worker (a process
of the local pool or a Dask worker). The first task of a worker starts the
project's Jupyter kernel and warms it up: it imports the notebook's modules
and computes the shared results once
(:func:`cra_helpers.account_view.prepare`, cached in the kernel). Every task
then runs the account notebook's code cells in that same kernel with only
the parameters cell replaced, builds the executed notebook from the captured
outputs and converts it to HTML with the project's exporter (created once
per worker). A failing cell ends that account only: the task returns the
cell's number, first line and error. A kernel that died or timed out is
replaced for the next account.

The HTML text is returned to the orchestrating process, which writes the
file: workers need the data and the kernel, not the run folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import nbformat

from . import export

PLOTLY_SRC = f"../{export.ASSETS_DIR}/{export.PLOTLY_ASSET}"
"""Where an account page (``accounts/<id>.html``) finds the run folder's shared plotly.js."""

_LOCK = threading.Lock()
_RUNNERS: dict[tuple, "KernelRunner"] = {}
_EXPORTER: list[Any] = []


class KernelRunner:
    """A Jupyter kernel kept alive to execute one notebook many times.

    Parameters
    ----------
    kernel_name
        Kernel spec to start (the project's ``cra-workbench``).
    timeout
        Seconds one cell may take.
    cwd
        Working directory of the kernel.
    """

    def __init__(self, kernel_name: str, timeout: int, cwd: str) -> None:
        from nbclient import NotebookClient

        self.client = NotebookClient(nbformat.v4.new_notebook(), kernel_name=kernel_name, timeout=timeout,
                                     allow_errors=False, resources={"metadata": {"path": cwd}})
        self.client.km = self.client.create_kernel_manager()
        # The kernel's own chatter (e.g. its TCP warning) goes to a log file, not to the user's terminal.
        self.log_path = Path(tempfile.gettempdir()) / f"cra-fanout-kernel-{os.getpid()}.log"
        with open(self.log_path, "a", encoding="utf-8") as log:
            self.client.start_new_kernel(stdout=log, stderr=log)
        self.client.start_new_kernel_client()
        self.prepare_seconds: float | None = None

    def warm(self, data_path: str, config_path: str) -> float:
        """Import the notebook's modules and compute the shared results in the kernel; return the seconds."""
        t0 = time.perf_counter()
        scratch = tempfile.mkdtemp(prefix="cra-fanout-")
        code = ("from cra_helpers import account_view as _av, report as _rep, headlines as _h\n"
                "from cra_helpers.figures import account as _f\n"
                f"_rep.Report.start('10_account', {data_path!r}, {scratch!r}, {config_path!r})\n"
                f"_av.prepare({data_path!r}, {config_path!r})")
        err = self.execute(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]))
        shutil.rmtree(scratch, ignore_errors=True)
        if err is not None:
            raise RuntimeError(f"the shared preparation failed: {err['ename']}: {err['evalue']}")
        notebook_html(nbformat.v4.new_notebook(), title="", client="", subtitle="", report_date="")
        self.prepare_seconds = round(time.perf_counter() - t0, 3)
        return self.prepare_seconds

    def execute(self, nb: nbformat.NotebookNode) -> dict[str, Any] | None:
        """Run every code cell of ``nb`` in order, outputs stored in ``nb``; the first failure's details or ``None``.

        Raises
        ------
        nbclient.exceptions.DeadKernelError, nbclient.exceptions.CellTimeoutError
            The kernel died or a cell ran too long (the runner is no longer usable).
        """
        from nbclient.exceptions import CellExecutionError

        c = self.client
        c.nb = nb
        c.reset_execution_trackers()
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            try:
                c.execute_cell(cell, index, execution_count=c.code_cells_executed + 1)
            except CellExecutionError as exc:
                return {"index": index, "ename": exc.ename, "evalue": exc.evalue}
        return None

    def alive(self) -> bool:
        """True while the kernel runs."""
        from nbclient.util import ensure_async, run_sync

        km = self.client.km

        async def _alive() -> bool:
            return bool(await ensure_async(km.is_alive()))

        try:
            return km is not None and run_sync(_alive)()
        except Exception:  # noqa: BLE001 - a broken manager is a dead kernel
            return False

    def close(self) -> None:
        """Stop the kernel (idempotent)."""
        try:
            if self.client.km is not None:
                self.client._cleanup_kernel()
        except Exception:  # noqa: BLE001 - nothing left to stop
            pass


def parameterize(template: str, parameters: dict[str, Any]) -> tuple[nbformat.NotebookNode, int]:
    """The notebook with an ``injected-parameters`` cell after the ``parameters`` cell, and where it went.

    The values are written as Python literals (``repr``), so an account id
    such as ``"../x'; import os"`` is a string and nothing else.
    """
    nb = nbformat.reads(template, as_version=4)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    at = tagged[0] + 1 if tagged else 0
    source = "# Parameters\n" + "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    cell.id = "injected-parameters"  # the same page whichever worker wrote it
    nb.cells.insert(at, cell)
    return nb, at


def _exporter() -> Any:
    if not _EXPORTER:
        _EXPORTER.append(export.make_exporter("shared"))
    return _EXPORTER[0]


def notebook_html(nb: nbformat.NotebookNode, *, title: str, client: str, subtitle: str, report_date: str) -> str:
    """HTML of an executed account notebook: no code, no CDN, plotly.js from the run folder's ``assets/``."""
    res = {"cra": {"title": title, "client": client, "subtitle": subtitle, "date": report_date, "plotly_js": "shared",
                   "plotly_inline": "", "plotly_src": PLOTLY_SRC}}
    body, _ = _exporter().from_notebook_node(nb, resources=res)
    # The page sits in accounts/: its link to the landing page goes one folder up.
    return body.replace('<a href="index.html">All reports</a>', '<a href="../index.html">All reports</a>', 1)


def _runner(job: dict[str, Any]) -> KernelRunner:
    """This process's kernel for the job's kernel, data and configuration (started and warmed on first use)."""
    key = (job["kernel_name"], job["data_path"], job["config_path"])
    runner = _RUNNERS.get(key)
    if runner is not None and not runner.alive():
        runner.close()
        runner = None
    if runner is None:
        for old in _RUNNERS.values():
            old.close()
        _RUNNERS.clear()
        runner = KernelRunner(job["kernel_name"], job["timeout"], job["cwd"])
        _RUNNERS[key] = runner
        _register_cleanup()
        runner.warm(job["data_path"], job["config_path"])
    return runner


def _register_cleanup() -> None:
    """Stop the kernels when this worker process ends (multiprocessing children skip ``atexit``)."""
    import atexit
    from multiprocessing import util

    util.Finalize(None, close_runners, exitpriority=10)
    atexit.register(close_runners)


def close_runners() -> int:
    """Stop every kernel this process holds; return how many were stopped."""
    n = len(_RUNNERS)
    for r in list(_RUNNERS.values()):
        r.close()
    _RUNNERS.clear()
    return n


def _failure(nb: nbformat.NotebookNode, err: dict[str, Any], injected: int) -> dict[str, Any]:
    """The failing cell as the user's notebook numbers it (1-based, the injected cell not counted) and its first line."""
    index = err["index"]
    src = nb.cells[index].source.strip().splitlines()
    number = index + 1 - (1 if index > injected else 0)
    return {"cell": number, "source": src[0] if src else "", "ename": err["ename"], "evalue": str(err["evalue"]).strip()}


def render_account(job: dict[str, Any]) -> dict[str, Any]:
    """Execute the account notebook for ``job["account"]`` and return its HTML and outcome (never raises).

    Parameters
    ----------
    job
        ``account, title, template`` (the notebook's JSON text), ``parameters``,
        ``kernel_name, timeout, cwd, data_path, config_path, client,
        subtitle, date``.

    Returns
    -------
    dict
        ``account, status ("ok" | "failed"), seconds, html`` (text or
        ``None``), ``error`` (``cell, source, ename, evalue``) and
        ``prepare_seconds`` when this task started the worker's kernel.
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    out: dict[str, Any] = {"account": job["account"], "status": "ok", "html": None, "error": None, "prepare_seconds": None}
    with _LOCK:
        try:
            key = (job["kernel_name"], job["data_path"], job["config_path"])
            fresh = key not in _RUNNERS
            runner = _runner(job)
            if fresh:
                out["prepare_seconds"] = runner.prepare_seconds
        except Exception as exc:  # noqa: BLE001 - the kernel could not start or warm up: reported per account
            close_runners()
            out.update(status="failed", seconds=0.0, error=_plain_error(None, exc))
            return out
        t0 = time.perf_counter()
        nb, injected = parameterize(job["template"], job["parameters"])
        try:
            err = runner.execute(nb)
        except (DeadKernelError, CellTimeoutError, RuntimeError) as exc:
            close_runners()
            err = None
            out.update(status="failed", error=_plain_error(nb, exc))
        if err is not None:
            out.update(status="failed", error=_failure(nb, err, injected))
        elif out["status"] == "ok":
            out["html"] = notebook_html(nb, title=job["title"], client=job["client"], subtitle=job["subtitle"],
                                        report_date=job["date"])
        out["seconds"] = round(time.perf_counter() - t0, 3)
    return out


def _plain_error(nb: nbformat.NotebookNode | None, exc: BaseException) -> dict[str, Any]:
    text = str(exc).strip()
    return {"cell": None, "source": "", "ename": type(exc).__name__, "evalue": text.splitlines()[-1] if text else ""}
