"""Per-account reports fanned out over worker processes: locally or on a Dask cluster.

:func:`fan_out` writes ``accounts/<account>.html`` into a run folder for
every account asked for, by running the per-account notebook
(``notebooks/10_account.ipynb``) once per account in kernels kept alive by
the workers (:mod:`cra_helpers.fanout_kernel`): each worker loads the
assessment and computes the shared results once, then spends its time on
the accounts. Three ways to run, with the same pages:

* default: a local pool of processes (``workers``, default the CPU cores);
* ``cluster="local:N"``: a Dask ``LocalCluster`` of ``N`` single-threaded
  worker processes started and stopped here;
* ``scheduler="tcp://HOST:PORT"``: an existing Dask cluster; its workers need
  this package, the ``cra-workbench`` kernel and the data path.

One failing account never stops the others: it is recorded with its
failing cell (number and first line) and the error, and no page is written
for it. File names come from :func:`cra_helpers.outputs.safe_name` and every
path is checked by :func:`cra_helpers.outputs.inside`. The pages load
plotly.js from the run folder's ``assets/`` (copied here when missing).
:func:`accounts_index_html` gives the landing page's table of the accounts.
"""

from __future__ import annotations

import html
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from . import export, paths
from . import schema as S
from .errors import CraError
from .outputs import inside, safe_name
from .steps import ACCOUNT_STEP

NOTEBOOK = ACCOUNT_STEP
ACCOUNTS_DIR = "accounts"
INDEX_JSON = "accounts.json"


class FanOutError(CraError):
    """The fan-out could not start: bad options, an unreachable scheduler, a missing notebook."""


@dataclass
class AccountResult:
    """Outcome of one account's report.

    Attributes
    ----------
    account, name
        Account id and name (the name is the id when the account is unknown).
    status
        ``"ok"`` or ``"failed"``.
    seconds
        Time of executing the notebook and converting it (the shared preparation not included).
    path
        The page relative to the run folder (``accounts/<safe id>.html``); ``None`` when it failed.
    error
        ``{"cell", "source", "ename", "evalue"}``: the 1-based cell number as
        JupyterLab shows the notebook (``None`` when no cell ran), the
        cell's first line, the error's type and message.
    """

    account: str
    name: str
    status: str
    seconds: float = 0.0
    path: str | None = None
    error: dict[str, Any] | None = None

    def describe(self) -> str:
        """One line: the account and, when it failed, the cell and the error."""
        if self.status == "ok":
            return f"{self.account} ({self.name}): ok, {self.seconds:.2f} s"
        return f"{self.account} ({self.name}): {_failure_text(self)}"


@dataclass
class FanOutResult:
    """Everything a fan-out produced.

    Attributes
    ----------
    run_folder
        Where the pages were written.
    accounts
        One result per account, in the order asked for.
    seconds
        Wall time of the whole fan-out.
    backend
        ``"local pool"``, ``"dask local:N"`` or the scheduler address.
    workers
        Worker processes used.
    prepare_seconds
        Per worker: starting the kernel, importing and computing the shared results.
    """

    run_folder: Path
    accounts: list[AccountResult]
    seconds: float
    backend: str
    workers: int
    prepare_seconds: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every account's page was written."""
        return all(r.status == "ok" for r in self.accounts)

    @property
    def failed(self) -> list[AccountResult]:
        """The accounts whose report failed."""
        return [r for r in self.accounts if r.status != "ok"]

    @property
    def seconds_per_account(self) -> float:
        """Mean time of one account's notebook and conversion, shared preparation excluded."""
        done = [r.seconds for r in self.accounts if r.status == "ok"]
        return sum(done) / len(done) if done else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``summary.json``."""
        return {"run_folder": str(self.run_folder), "seconds": self.seconds, "backend": self.backend,
                "workers": self.workers, "prepare_seconds": self.prepare_seconds,
                "seconds_per_account": round(self.seconds_per_account, 3), "ok": self.ok,
                "accounts": [asdict(r) for r in self.accounts]}


# ---------------------------------------------------------------------- planning
def _notebook(notebooks_dir: str | Path | None) -> str:
    """The account notebook's JSON text (checked to be a notebook)."""
    import nbformat

    nb_path = (Path(notebooks_dir) if notebooks_dir else paths.notebooks_dir()) / f"{NOTEBOOK}.ipynb"
    try:
        text = nb_path.read_text(encoding="utf-8")
        nbformat.reads(text, as_version=4)
        return text
    except (OSError, ValueError) as exc:
        raise FanOutError(f"the account notebook {nb_path} cannot be read: {exc}") from None


def _account_names(data_path: Path, config: Any) -> dict[str, str]:
    from .loader import load_assessment

    a = load_assessment(data_path, config=config, tables=[S.ACCOUNTS])
    return dict(zip(a.accounts[S.ACCOUNT_ID].astype(str), a.accounts[S.ACCOUNT_NAME].astype(str)))


def _jobs_for(folder: Path, data_path: str | Path, config_path: str | Path | None, ids: list[str],
              notebooks_dir: str | Path | None) -> list[dict[str, Any]]:
    """Validate the configuration, the data's accounts table and the notebook; the jobs."""
    from .config import load_config

    config = load_config(config_path or None)
    conf = str(Path(config_path).resolve()) if config_path else ""
    return _jobs(folder, Path(data_path).resolve(), conf, ids, config, notebooks_dir)


def _jobs(run_folder: Path, data_path: Path, config_path: str, accounts: list[str], config: Any,
          notebooks_dir: str | Path | None) -> list[dict[str, Any]]:
    """One job per account for :func:`cra_helpers.fanout_kernel.render_account`."""
    template = _notebook(notebooks_dir)
    names = _account_names(data_path, config)
    today = date.today().isoformat()
    cwd = str(Path(notebooks_dir).resolve() if notebooks_dir else paths.notebooks_dir())
    return [{
        "account": acc, "title": names.get(acc, acc), "template": template,
        "parameters": {"data_path": str(data_path), "out_dir": str(run_folder), "config_path": config_path, "account": acc},
        "kernel_name": config.pipeline.kernel_name, "timeout": config.pipeline.cell_timeout_s, "cwd": cwd,
        "data_path": str(data_path), "config_path": config_path, "client": config.client,
        "subtitle": f"Account {acc} · Data: {data_path.name}", "date": today,
    } for acc in accounts]


# ---------------------------------------------------------------------- backends
def _local_pool(jobs: list[dict[str, Any]], workers: int) -> Iterator[dict[str, Any]]:
    """Run the jobs in a pool of ``workers`` fresh processes; yield each outcome as it ends."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from .fanout_kernel import render_account

    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(render_account, job): job for job in jobs}
        for fut in as_completed(futures):
            yield _outcome(fut, futures[fut])


def _outcome(fut: Any, job: dict[str, Any]) -> dict[str, Any]:
    """The task's result, or a failure naming what ended the worker."""
    try:
        return fut.result()
    except Exception as exc:  # noqa: BLE001 - a worker process died: that account failed, the others go on
        text = str(exc).strip() or "the worker process ended"
        return {"account": job["account"], "status": "failed", "seconds": 0.0, "html": None, "prepare_seconds": None,
                "error": {"cell": None, "source": "", "ename": type(exc).__name__, "evalue": text.splitlines()[-1]}}


def _dask(jobs: list[dict[str, Any]], address: str | None, n_workers: int | None) -> Iterator[dict[str, Any]]:
    """Run the jobs on a Dask cluster (an existing scheduler, or a LocalCluster of ``n_workers``)."""
    from distributed import Client, LocalCluster, as_completed

    from .fanout_kernel import close_runners, render_account

    cluster = None
    try:
        if address is None:
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40)
        client = Client(cluster if cluster is not None else address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise FanOutError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        futures = client.map(render_account, jobs, pure=False, key=[f"account-{i}" for i in range(len(jobs))])
        by_key = {f.key: j for f, j in zip(futures, jobs)}
        for fut in as_completed(futures):
            yield _outcome(fut, by_key[fut.key])
        client.run(close_runners)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _backend(scheduler: str | None, cluster: str | None, workers: int | None, n: int) -> tuple[str, str | None, int]:
    """``(kind, address, worker count)`` from the options; a plain message for a bad option."""
    if scheduler and cluster:
        raise FanOutError("give either a scheduler address or a local cluster, not both")
    if scheduler:
        if not scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
            raise FanOutError(f"scheduler address {scheduler!r} should look like tcp://HOST:PORT")
        return "scheduler", scheduler, workers or 0
    if cluster:
        kind, _, count = cluster.partition(":")
        if kind != "local" or not count.isdigit() or int(count) < 1:
            raise FanOutError(f"cluster {cluster!r} should be local:N with N ≥ 1 worker processes")
        return "dask", None, int(count)
    count = workers if workers else (os.cpu_count() or 1)
    if count < 1:
        raise FanOutError(f"workers must be at least 1, not {workers}")
    return "local", None, max(1, min(count, n))


# ---------------------------------------------------------------------- fan-out
def fan_out(run_folder: str | Path, data_path: str | Path, config_path: str | Path | None, accounts: Iterable[str], *,
            scheduler: str | None = None, cluster: str | None = None, workers: int | None = None,
            echo: Callable[[str], None] = print, progress: bool = True,
            notebooks_dir: str | Path | None = None) -> FanOutResult:
    """Write one HTML report per account into ``run_folder/accounts/``.

    Parameters
    ----------
    run_folder
        An existing folder (a run's staging folder); pages go to
        ``accounts/<safe id>.html``, plotly.js to ``assets/`` when missing.
    data_path
        Assessment workbook or CSV folder (absolute; Dask workers read it too).
    config_path
        Client configuration YAML, or ``None`` for package defaults.
    accounts
        Account ids, e.g. :func:`cra_helpers.headlines.key_account_ids`.
    scheduler
        ``tcp://HOST:PORT`` of a running Dask scheduler.
    cluster
        ``local:N``: start a Dask LocalCluster of ``N`` single-threaded processes.
    workers
        Processes of the local pool (default: the CPU cores, at most one per account).
    echo
        Where the start, failure and summary lines go.
    progress
        Show a progress bar (only when stderr is a terminal).
    notebooks_dir
        Folder holding ``10_account.ipynb`` (default: the project's ``notebooks/``).

    Returns
    -------
    FanOutResult
        Per account: status, seconds, page, error.

    Raises
    ------
    FanOutError
        Bad options, an unreadable notebook, an unreachable scheduler.
    AssessmentError, ConfigError, OutputError
        Invalid data or configuration (nothing is run); the run folder cannot be written.
    """
    t0 = time.perf_counter()
    ids = [str(a) for a in accounts]
    folder = Path(run_folder).resolve()
    if not folder.is_dir():
        raise FanOutError(f"run folder {folder} does not exist")
    jobs = _jobs_for(folder, data_path, config_path, ids, notebooks_dir)
    kind, address, n = _backend(scheduler, cluster, workers, len(ids))
    label = {"local": "local pool", "dask": f"dask local:{n}"}.get(kind, address or "")
    export.copy_assets(folder)
    if not ids:
        return FanOutResult(folder, [], 0.0, label, 0)
    echo(f"Account reports: {len(ids)} account(s) on {label}" + (f" with {n} worker(s)" if n else "") + f" → {folder / ACCOUNTS_DIR}")
    stream = _local_pool(jobs, n) if kind == "local" else _dask(jobs, address, n or None)
    results, prep = _collect(stream, jobs, folder, echo, progress)
    out = FanOutResult(folder, [results[j["account"]] for j in jobs], round(time.perf_counter() - t0, 2), label, n, prep)
    echo(f"Account reports: {len(ids) - len(out.failed)} written, {len(out.failed)} failed, {out.seconds:.1f} s "
         f"({out.seconds_per_account:.2f} s per account after {_mean(prep):.1f} s of shared preparation per worker)")
    return out


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _collect(stream: Iterator[dict[str, Any]], jobs: list[dict[str, Any]], folder: Path, echo: Callable[[str], None],
             progress: bool) -> tuple[dict[str, AccountResult], list[float]]:
    """Write each page as its outcome arrives; record failures; drive the progress bar."""
    from tqdm.std import tqdm

    titles = {j["account"]: j["title"] for j in jobs}
    taken: set[str] = set()
    names = {j["account"]: safe_name(j["account"], taken=taken) + ".html" for j in jobs}
    results: dict[str, AccountResult] = {}
    prep: list[float] = []
    bar = tqdm(total=len(jobs), unit="account", disable=not progress or not sys.stderr.isatty(), file=sys.stderr)
    try:
        for raw in stream:
            acc = raw["account"]
            res = AccountResult(acc, titles.get(acc, acc), raw["status"], raw.get("seconds", 0.0), None, raw.get("error"))
            if raw.get("prepare_seconds") is not None:
                prep.append(raw["prepare_seconds"])
            if raw["status"] == "ok" and raw.get("html") is not None:
                res.path = _write_page(folder, names[acc], raw["html"])
            elif res.status == "ok":
                res.status = "failed"
            results[acc] = res
            if res.status != "ok":
                (bar.write if not bar.disable else echo)(f"  {res.describe()}")
            bar.update(1)
    finally:
        bar.close()
    return results, prep


def _write_page(folder: Path, name: str, text: str) -> str:
    """Write one account page (atomically, inside the run folder); return its path relative to the folder."""
    from .errors import OutputError

    path = inside(folder, folder / ACCOUNTS_DIR / name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path.relative_to(folder).as_posix()


# ---------------------------------------------------------------------- landing page
def accounts_index_html(result: FanOutResult, run_folder: str | Path) -> str:
    """The landing page's table of account reports: name, id, status, seconds and a link (escaped HTML).

    Parameters
    ----------
    result
        What :func:`fan_out` returned.
    run_folder
        The folder the landing page sits in; links are relative to it (a
        page outside it is not linked).

    Returns
    -------
    str
        A ``<section>`` with one table row per account; failed accounts show
        the cell and the error instead of a link.
    """
    root = Path(run_folder).resolve()
    rows = []
    for r in result.accounts:
        link = "–"
        if r.path:
            target = (result.run_folder / r.path).resolve()
            if target.is_relative_to(root):
                href = html.escape(target.relative_to(root).as_posix(), quote=True)
                link = f'<a href="{href}">report</a>'
        status = "ok" if r.status == "ok" else html.escape(_failure_text(r))
        rows.append(f"<tr><td>{html.escape(r.name)}</td><td>{html.escape(r.account)}</td><td>{status}</td>"
                    f'<td class="num">{r.seconds:.2f}</td><td>{link}</td></tr>')
    n_failed = len(result.failed)
    caption = f"{len(result.accounts)} account report(s), {n_failed} failed." if result.accounts else "No account reports."
    return ('<section class="cra-accounts"><h2>Account reports</h2>'
            f'<div class="cra-caption">{html.escape(caption)}</div>'
            '<div class="cra-table-wrap"><table class="cra-table"><thead><tr><th>Account</th><th>Id</th>'
            '<th>Status</th><th class="num">Seconds</th><th>Page</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div></section>')


def _failure_text(r: AccountResult) -> str:
    e = r.error or {}
    where = f"cell {e['cell']} ({e.get('source', '')})" if e.get("cell") else "before any cell ran"
    return f"failed in {where}: {e.get('ename', 'Error')}: {e.get('evalue', '')}"


def write_accounts_json(result: FanOutResult) -> Path:
    """Write ``accounts/accounts.json`` (the outcome of every account) and return its path."""
    path = inside(result.run_folder, result.run_folder / ACCOUNTS_DIR / INDEX_JSON)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.as_dict(), indent=2, default=str), encoding="utf-8")
    return path


def wanted(only: Iterable[str] | None, present: set[str]) -> bool:
    """Whether a run writes the account reports: every full run, or ``--only 10_account``; never without
    the tables the account notebook needs (:data:`cra_helpers.steps.STEPS`)."""
    from .steps import step_for

    return (not only or NOTEBOOK in set(only)) and not set(step_for(NOTEBOOK).requires) - present


def dask_options(dask: str | None) -> dict[str, str | None]:
    """``scheduler`` / ``cluster`` keyword arguments of :func:`fan_out` from one address:
    ``None`` (the local pool), ``local:N`` (a Dask LocalCluster) or ``tcp://HOST:PORT``."""
    if not dask:
        return {"scheduler": None, "cluster": None}
    return {"scheduler": None, "cluster": dask} if dask.startswith("local:") else {"scheduler": dask, "cluster": None}


def account_reports(work: Path, data_path: Path, config_path: str | Path | None, account_ids: Iterable[str], *,
                    workers: int | None = None, dask: str | None = None, notebooks_dir: str | Path | None = None,
                    echo: Callable[[str], None] = print) -> dict[str, Any]:
    """The account reports of a run: :func:`fan_out` into ``work``, ``accounts/accounts.json``, and the
    summary's ``account_reports`` section.

    Returns
    -------
    dict
        :meth:`FanOutResult.as_dict` without the (staging) folder, each
        account with ``failure`` (the cell and error in words, ``""`` when ok).
    """
    result = fan_out(work, data_path, config_path, account_ids, workers=workers, echo=echo,
                     notebooks_dir=notebooks_dir, **dask_options(dask))
    write_accounts_json(result)
    out = result.as_dict()
    out.pop("run_folder", None)
    for rec, r in zip(out["accounts"], result.accounts):
        rec["failure"] = "" if r.status == "ok" else _failure_text(r)
    return out
