"""One notebook of a run, executed in a process of its own: ``python -m cra_helpers.worker JOB.json``.

The pipeline starts one worker per notebook in a new session (its own
process group), so Ctrl+C in the terminal reaches only the pipeline, which
decides what to stop; the worker starts the notebook's kernel as its child.
The worker reads the job (a JSON object written by the pipeline), runs the
notebook with papermill, exports it to HTML, and writes the outcome to
``job["result"]``. When the pipeline disappears (killed), the worker stops
its kernel and exits rather than run on unwatched.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any


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


def _watch_parent(parent: int) -> None:
    """Stop the kernel and exit when the pipeline process is gone."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            import psutil

            for child in psutil.Process().children(recursive=True):
                try:
                    child.kill()
                except psutil.NoSuchProcess:
                    pass
            os._exit(1)


def execute(job: dict[str, Any]) -> dict[str, Any]:
    """Run one notebook and export it; return the outcome (never raises for a notebook's failure)."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from . import export

    t0 = time.perf_counter()
    executed = Path(job["executed"])
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
        text = str(exc).strip()
        out["error"] = {"cell": None, "ename": type(exc).__name__, "evalue": text.splitlines()[-1] if text else ""}
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


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``python -m cra_helpers.worker JOB.json``."""
    args = sys.argv[1:] if argv is None else argv
    job = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    threading.Thread(target=_watch_parent, args=(job["parent_pid"],), daemon=True).start()
    try:
        result = execute(job)
    except Exception as exc:  # pragma: no cover - a bug of the worker itself
        result = {"name": job["name"], "status": "failed", "seconds": 0.0,
                  "error": {"cell": None, "ename": type(exc).__name__, "evalue": str(exc)}, "trace": traceback.format_exc()}
    tmp = Path(job["result"] + ".tmp")
    tmp.write_text(json.dumps(result, default=str), encoding="utf-8")
    os.replace(tmp, job["result"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
