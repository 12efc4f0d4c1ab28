"""Serve the interactive explorer on this machine with Voilà (``cra explore``).

:func:`serve` checks the assessment and the configuration, writes a small
Voilà notebook that calls :func:`cra_helpers.explore.app.build_explorer` and
an offline page template into a temporary folder, starts Voilà on
``127.0.0.1`` only and waits until it answers. The data and configuration
paths reach the notebook's kernel through the environment variables
:data:`ENV_DATA` and :data:`ENV_CONFIG`.

Offline: Voilà serves the widget code (ipywidgets, anywidget, plotly's
``FigureWidget``) from the installed JupyterLab extensions; the page
template is Voilà's ``lab`` template without its two links to a CDN (icon
fonts) and without the Mermaid loader, so the page asks nothing of another
host. Every visitor needs the token that is part of the printed address.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import errors as E

HOST = "127.0.0.1"
"""The only interface the explorer listens on."""

ENV_DATA = "CRA_EXPLORE_DATA"
"""Environment variable holding the assessment path for the explorer's kernel."""

ENV_CONFIG = "CRA_EXPLORE_CONFIG"
"""Environment variable holding the configuration path (empty: package defaults)."""

ENV_OUT = "CRA_EXPLORE_OUT"
"""Environment variable holding the folder the export buttons write ``explore_exports/`` into."""

ENV_ESM = "CRA_EXPLORE_ESM"
"""Environment variable holding the address of the plotly widget bundle the page imports (empty: none served)."""

TEMPLATE = "cra-offline"
"""Name of the Voilà template written by :func:`offline_template`."""

NOTEBOOK = "CRA explorer.ipynb"
START_TIMEOUT_S = 60.0

_CELLS = (
    "import os\n"
    "from cra_helpers.config import load_config\n"
    "from cra_helpers.explore.app import build_explorer\n"
    "from cra_helpers.loader import load_assessment\n"
    f"config = load_config(os.environ.get({ENV_CONFIG!r}) or None)\n"
    f"a = load_assessment(os.environ[{ENV_DATA!r}], config=config)",
    f"build_explorer(a, config=config, out_dir=os.environ.get({ENV_OUT!r}) or None,\n"
    f"               widget_esm=os.environ.get({ENV_ESM!r}) or None).widget",
)


class ExplorerError(E.CraError):
    """The explorer's server could not be started or stopped working."""

    exit_code = E.EXIT_ENVIRONMENT


@dataclass
class Explorer:
    """A running explorer server.

    Attributes
    ----------
    url
        Address to open, token included.
    process
        The Voilà process (in its own session, so that Ctrl+C reaches only ``cra``).
    workdir
        Temporary folder with the notebook, the template and Voilà's log.
    startup_s
        Seconds from the start of :func:`start` until the server answered.
    """

    url: str
    process: subprocess.Popen
    workdir: Path
    startup_s: float

    @property
    def log_path(self) -> Path:
        """Voilà's log file."""
        return self.workdir / "voila.log"


def explorer_notebook(kernel_name: str = "cra-workbench"):
    """The notebook Voilà runs: load the assessment named by the environment, show the explorer.

    Examples
    --------
    >>> nb = explorer_notebook()
    >>> len(nb.cells), nb.metadata["kernelspec"]["name"]
    (2, 'cra-workbench')
    """
    import nbformat.v4 as nbf

    nb = nbf.new_notebook(cells=[nbf.new_code_cell(src) for src in _CELLS])
    nb.metadata["kernelspec"] = {"name": kernel_name, "display_name": "CRA Workbench", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def offline_template(root: Path) -> Path:
    """Write the ``cra-offline`` Voilà template under ``root`` (a Jupyter data folder) and return its folder.

    It is Voilà's installed ``lab`` template with every line that links to
    another host removed and the Mermaid loader (a CDN import) emptied.
    """
    from jupyter_core.paths import jupyter_path

    sources = [Path(p) / "index.html.j2" for p in jupyter_path("voila", "templates", "lab")]
    source = next((p for p in sources if p.is_file()), None)
    if source is None:
        raise ExplorerError("Voilà's lab template is not installed; run `make env` to install the environment")
    lines = source.read_text(encoding="utf-8").splitlines()
    kept = [ln for ln in lines if not ("<link" in ln and ("https://" in ln or "http://" in ln))]
    kept.append("{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}")
    folder = root / "voila" / "templates" / TEMPLATE
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html.j2").write_text("\n".join(kept) + "\n", encoding="utf-8")
    (folder / "conf.json").write_text('{"base_template": "lab"}\n', encoding="utf-8")
    return folder


def widget_bundle(folder: Path) -> Path | None:
    """Copy plotly's front-end widget bundle into ``folder`` (named by plotly's version); ``None`` if not installed.

    Voilà serves it from ``/voila/files/``, so the figures of the page import
    it by address, once, instead of each carrying it as text
    (:func:`cra_helpers.explore.app.figure_widget`).
    """
    import importlib.metadata
    import importlib.util

    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    source = Path(list(spec.submodule_search_locations)[0]) / "package_data" / "widgetbundle.js"
    if not source.is_file():
        return None
    target = folder / f"plotly-widget-{importlib.metadata.version('plotly')}.js"
    shutil.copyfile(source, target)
    return target


def start_command(data: str | Path | None = None, config_path: str | Path | None = None) -> str:
    """The shell command that starts the live explorer on ``data`` (and ``config_path``).

    Examples
    --------
    >>> start_command("/data/acme 2025.xlsx")
    "cra explore --data '/data/acme 2025.xlsx'"
    >>> start_command()
    'cra explore'
    """
    import shlex

    parts = ["cra", "explore"]
    if data:
        parts += ["--data", shlex.quote(str(data))]
    if config_path:
        parts += ["--config", shlex.quote(str(config_path))]
    return " ".join(parts)


def free_port(host: str = HOST) -> int:
    """A TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _check_port(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            raise E.CraError(f"port {port} on {HOST} is in use; choose another --port or leave it out for a free one") from None


def _check_inputs(data: Path | None, config_path: Path | None) -> tuple[Path, Path | None, str]:
    """Resolve and validate the assessment and configuration; return them with the kernel name."""
    from .. import paths
    from ..config import load_config
    from ..loader import load_assessment
    from ..pipeline import ensure_kernel

    data = Path(data).resolve() if data else paths.sample_path()
    config_path = Path(config_path).resolve() if config_path else None
    config = load_config(config_path)
    load_assessment(data, config=config)  # a bad workbook is reported here, not inside the page
    ensure_kernel(config.pipeline.kernel_name)
    return data, config_path, config.pipeline.kernel_name


def _voila_command(notebook: Path, port: int, token: str, debug: bool, bundle: Path | None = None) -> list[str]:
    """Voilà's command line; with ``bundle`` that file alone is served from ``/voila/files/`` (no other file is)."""
    import re

    served = [re.escape(bundle.name)] if bundle is not None else []
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}", f"--Voila.ip={HOST}",
            f"--token={token}", f"--template={TEMPLATE}", "--theme=light",
            f"--show_tracebacks={debug}", "--Voila.open_browser=False",
            f"--VoilaConfiguration.file_allowlist={served!r}"]


def _wait_until_listening(proc: subprocess.Popen, port: int, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ExplorerError(f"the explorer's server stopped while starting (exit {proc.returncode}):\n{_tail(log)}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            if s.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.1)
    stop(proc)
    raise ExplorerError(f"the explorer's server did not answer within {timeout:.0f} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start(data: Path | None = None, config_path: Path | None = None, port: int | None = None,
          debug: bool = False, timeout: float = START_TIMEOUT_S) -> Explorer:
    """Validate the inputs and start the explorer's server; return once it answers.

    Parameters
    ----------
    data
        Assessment workbook or CSV folder; ``None``: the bundled sample.
    config_path
        Client configuration YAML; ``None``: package defaults.
    port
        TCP port on 127.0.0.1; ``None``: a free one.
    debug
        Show Python tracebacks in the page.
    timeout
        Seconds to wait for the server.

    Raises
    ------
    cra_helpers.errors.CraError
        Bad data or configuration, or the port is taken (exit 2); the server did not start (exit 3).
    """
    t0 = time.perf_counter()
    data, config_path, kernel = _check_inputs(data, config_path)
    if port is None:
        port = free_port()
    else:
        _check_port(port)
    import nbformat

    workdir = Path(tempfile.mkdtemp(prefix="cra-explore-"))
    notebook = workdir / NOTEBOOK
    nbformat.write(explorer_notebook(kernel), str(notebook))
    offline_template(workdir / "share")
    bundle = widget_bundle(workdir)
    token = secrets.token_urlsafe(24)
    esm = f"http://{HOST}:{port}/voila/files/{bundle.name}" if bundle is not None else ""
    env = dict(os.environ, **{ENV_DATA: str(data), ENV_CONFIG: str(config_path or ""), ENV_OUT: str(Path.cwd()),
                              ENV_ESM: esm})
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(workdir / "share"), os.environ.get("JUPYTER_PATH", "")) if p)
    log = workdir / "voila.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(_voila_command(notebook, port, token, debug, bundle), cwd=workdir, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_until_listening(proc, port, log, timeout)
    except BaseException:
        stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return Explorer(f"http://{HOST}:{port}/?token={token}", proc, workdir, time.perf_counter() - t0)


def stop(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """Stop the Voilà process and its kernels (SIGTERM to its session, then SIGKILL after ``grace`` seconds)."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _raise_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(E.EXIT_SIGTERM)


def serve(data: Path | None = None, config_path: Path | None = None, port: int | None = None,
          open_browser: bool = False, debug: bool = False, echo: Callable[[str], None] = print) -> int:
    """Run the explorer until Ctrl+C (or SIGTERM); return the exit code (0 after Ctrl+C).

    Prints the address (and with ``open_browser`` opens it in the default browser).
    """
    explorer = start(data, config_path, port, debug=debug)
    previous = signal.signal(signal.SIGTERM, _raise_on_sigterm)
    try:
        echo(f"Explorer running at {explorer.url}")
        echo(f"  (server ready in {explorer.startup_s:.1f} s; the page builds the explorer when opened)")
        echo("  listening on 127.0.0.1 only; press Ctrl+C to stop it")
        if open_browser:
            webbrowser.open(explorer.url)
        code = explorer.process.wait()
        raise ExplorerError(f"the explorer's server stopped (exit {code}):\n{_tail(explorer.log_path)}")
    except KeyboardInterrupt:
        echo("Explorer stopped.")
        return E.EXIT_OK
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop(explorer.process)
        shutil.rmtree(explorer.workdir, ignore_errors=True)
