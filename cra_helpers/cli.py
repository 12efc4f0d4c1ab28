"""The ``cra`` command line.

No traceback reaches the user: an error the user can act on (bad data, bad
configuration, a folder that cannot be written, a run already using the
output folder, Ctrl+C) is printed as one plain message and the command exits
with the code documented in :mod:`cra_helpers.errors`; anything else is
reported as an internal error (exit 70). ``cra --debug ...`` (or
``CRA_DEBUG=1``) adds the traceback.

This module imports only :mod:`click` and :mod:`cra_helpers.errors` at start;
each command imports what it needs, so ``cra validate`` never pays for the
analyses or the report machinery.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from . import errors as E

EXIT_USER_ERROR = E.EXIT_INPUT
_DEBUG = {"on": False}


def _debug_requested(argv: list[str]) -> bool:
    return "--debug" in argv or os.environ.get("CRA_DEBUG", "") not in ("", "0")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cra-workbench")
@click.option("--debug", is_flag=True, help="Show the Python traceback of an error as well as its message.")
def cli(debug: bool) -> None:
    """CRA Workbench: Customer Relationship Assessment analytics.

    Exit codes: 0 ok (also when an unchanged run was reused), 1 a notebook
    failed, 2 input or configuration problem, 3 folder or environment
    problem, 4 output folder in use by another run, 70 internal error,
    130 interrupted (Ctrl+C), 143 terminated.
    """
    _DEBUG["on"] = _DEBUG["on"] or debug


@cli.command()
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write the sample into.")
@click.option("--seed", type=int, default=None, help="Random seed (default: the seed of the committed sample).")
def sample(out: Path, seed: int | None) -> None:
    """Generate the synthetic sample assessment with its planted truth, and its second wave (waves/)."""
    from . import sample as sample_mod
    from . import sample_waves
    from .outputs import ensure_writable_dir

    ensure_writable_dir(out, what="sample folder")
    kwargs = {} if seed is None else {"seed": seed}
    written = sample_mod.write_sample(out, **kwargs) + sample_waves.write_waves(out, **kwargs)
    for path in written:
        click.echo(str(path))


@cli.command()
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Client configuration YAML.")
def validate(data: Path, config_path: Path | None) -> None:
    """Validate an assessment (workbook or CSV folder) and summarise it."""
    from .config import load_config
    from .loader import load_assessment

    assessment = load_assessment(data, config=load_config(config_path))
    click.echo(repr(assessment))


@cli.command()
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Workbook to write (.xlsx).")
@click.option("--force", is_flag=True, help="Overwrite the workbook if it exists.")
def template(out: Path, force: bool) -> None:
    """Write an empty capture workbook with every sheet and column of the data contract."""
    from .outputs import check_can_create

    if out.exists() and not force:
        raise click.UsageError(f"{out} exists; it may hold captured answers. Choose another --out, or add --force to overwrite it.")
    check_can_create(out, what="workbook")
    from .loader import write_template

    click.echo(str(write_template(out)))


@cli.command()
@click.argument("captures", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--base", "base", type=click.Path(path_type=Path), default=None,
              help="Assessment holding the rest (other accounts, sales history, earlier waves).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Merged assessment workbook to write (.xlsx).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Client configuration YAML.")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
def merge(captures: tuple[Path, ...], base: Path | None, out: Path, config_path: Path | None, force: bool) -> None:
    """Merge filled capture workbooks (and a base assessment) into one assessment; conflicts are refused."""
    from .outputs import check_can_create

    given = [p.resolve() for p in (*captures, *([base] if base else []))]
    if out.resolve() in given:
        raise click.UsageError(f"--out {out} is one of the workbooks to merge; write the merged assessment to a new file.")
    if out.exists() and not force:
        raise click.UsageError(f"{out} exists. Choose another --out, or add --force to overwrite it.")
    check_can_create(out, what="merged assessment")
    from .config import load_config
    from .planning.merge import merge_captures, write_merged

    frames = merge_captures(captures, base, load_config(config_path))
    for note in frames.notes:
        click.echo(f"note: {note}")
    click.echo(", ".join(f"{name} {len(frame):,}" for name, frame in frames.items()))
    click.echo(str(write_merged(frames, out)))


@cli.command("import")
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--client", required=True, help="Client the assessment belongs to, e.g. --client acme.")
@click.option("--wave", required=True, help="Wave of the assessment, e.g. --wave 2026; importing a stored wave again replaces it.")
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Store file (default: $CRA_STORE, else data/cra.duckdb).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Client configuration YAML.")
def import_command(data: Path, client: str, wave: str, store_path: Path | None, config_path: Path | None) -> None:
    """Validate an assessment and keep it in the store as one wave of a client."""
    from .config import load_config
    from .store import import_assessment

    result = import_assessment(store_path, data, client, wave, config=load_config(config_path))
    for note in result.notes:
        click.echo(f"note: {note}")
    click.echo(", ".join(f"{name} {count:,}" for name, count in result.rows.items()))
    done = "replaced" if result.replaced else "stored"
    click.echo(f"{done}: client {result.client}, wave {result.wave} in {result.store} (sha256 {result.sha256[:12]})")


@cli.command()
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Store file (default: $CRA_STORE, else data/cra.duckdb).")
def waves(store_path: Path | None) -> None:
    """List the waves in the store: client, wave, import time (UTC), source, row counts, checksum."""
    from .store import list_waves, resolve_store

    table = list_waves(store_path)
    if not len(table):
        click.echo(f"no waves stored in {resolve_store(store_path)}")
        return
    table["imported_at"] = table["imported_at"].dt.strftime("%Y-%m-%d %H:%M:%S")
    shown = table.astype(object).where(table.notna(), "-").astype(str)
    widths = {c: max(len(c), *(len(v) for v in shown[c])) for c in shown.columns}
    click.echo("  ".join(c.ljust(widths[c]) for c in shown.columns).rstrip())
    for row in shown.itertuples(index=False, name=None):
        click.echo("  ".join(v.ljust(widths[c]) for c, v in zip(shown.columns, row)).rstrip())


@cli.command()
@click.option("--data", "data", type=click.Path(path_type=Path), default=None, help="Assessment workbook or CSV folder (default: the bundled sample).")
@click.option("--account", "accounts", multiple=True, help="Key account to plan (repeatable), e.g. --account A012.")
@click.option("--all", "all_keys", is_flag=True, help="Plan every key account (after prioritization).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Plan folder (default: reports/plan_<timestamp>/).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Client configuration YAML.")
@click.option("--first-day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="First interview day, YYYY-MM-DD (default: planning.schedule.first_day, else next Monday).")
@click.option("--window-days", type=click.IntRange(1, 120), default=None, help="Working days the interviews may take (default: planning.schedule.window_days).")
@click.option("--interviewers", default=None, help="Comma-separated interviewer names (default: planning.schedule.interviewers).")
@click.option("--no-pdf", is_flag=True, help="Write the guides as HTML only (faster).")
@click.option("--force", is_flag=True, help="Replace the plan already in --out.")
def plan(data: Path | None, accounts: tuple[str, ...], all_keys: bool, out: Path | None, config_path: Path | None,
         first_day: object, window_days: int | None, interviewers: str | None, no_pdf: bool, force: bool) -> None:
    """Write interview guides, executive letters, the interview schedule and capture workbooks for key accounts."""
    if bool(accounts) == all_keys:
        raise click.UsageError("give --account ID (repeatable) or --all, not both and not neither.")
    if out is not None and out.exists() and any(out.iterdir()) and not force:
        raise click.UsageError(f"{out} exists and is not empty; it may hold a plan in use. Choose another --out, or add --force to replace it.")
    from .config import load_config
    from .loader import load_assessment
    from .paths import sample_path
    from .planning.command import plan_accounts, with_schedule

    names = [n.strip() for n in interviewers.split(",")] if interviewers is not None else None
    config = with_schedule(load_config(config_path), window_days=window_days, interviewers=names,
                           first_day=first_day.date() if first_day else None)
    a = load_assessment(data or sample_path(), config=config)
    click.echo(f"Planning {'every key account' if all_keys else ', '.join(accounts)} of {a.source} …")
    from .planning.schedule import ScheduleError

    try:
        result = plan_accounts(a, accounts, all_keys=all_keys, out=out, pdf=not no_pdf, echo=click.echo)
    except ScheduleError as exc:
        if exc.days_needed is None:
            raise
        raise ScheduleError(f"{exc}; on the command line: --window-days {exc.days_needed} or more, or more names "
                            "in --interviewers") from None
    for note in result.notes:
        click.echo(f"note: {note}")
    click.echo(f"Plan: {result.index}")


@cli.command()
@click.option("--data", "data", type=click.Path(path_type=Path), default=None, help="Assessment workbook or CSV folder (default: the bundled sample).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Report folder (default: reports/<timestamp>/).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Client configuration YAML.")
@click.option("--only", "only", multiple=True, help="Run only this notebook (repeatable), e.g. --only 00_overview.")
@click.option("--workers", type=int, default=None, help="Parallel notebook processes (default from configuration).")
@click.option("--notebooks", "notebooks_dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None, help="Folder of notebooks to run (default: the project's notebooks/).")
@click.option("--inline-plotly", is_flag=True, help="Put plotly.js inside every page (for sending one report on its own) instead of one shared local file.")
@click.option("--partial", is_flag=True, help="When a notebook fails, publish the run in place anyway, marked partial (default: beside it as <out>-failed).")
@click.option("--plan", "plan", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Action-plan workbook of an earlier run, filled in by its owners: its progress goes into this run's summary.")
@click.option("--force", is_flag=True, help="Run even when data, configuration, notebooks and version are unchanged since the last successful run.")
@click.option("--log-json", is_flag=True, help="Print one JSON object per step and one for the run (as in log.jsonl) instead of progress lines.")
@click.option("--compare", default=None, help="The previous wave to compare with: its workbook or CSV folder, or with --wave a wave in the store (adds 07_trends).")
@click.option("--wave", default=None, help="Read the assessment from the store: this wave (see cra waves).")
@click.option("--client", default=None, help="With --wave: the client in the store (needed when it holds several).")
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="With --wave: the store file (default data/cra.duckdb or $CRA_STORE).")
@click.option("--scheduler", default=None, help="Write the account reports on this Dask scheduler, tcp://HOST:PORT (default: a local process pool).")
@click.option("--cluster", default=None, help="Write the account reports on a Dask LocalCluster started here, local:N (N worker processes).")
def run(data: Path | None, out: Path | None, config_path: Path | None, only: tuple[str, ...], workers: int | None,
        notebooks_dir: Path | None, inline_plotly: bool, partial: bool, plan: Path | None, force: bool, log_json: bool,
        compare: str | None, wave: str | None, client: str | None, store_path: Path | None, scheduler: str | None,
        cluster: str | None) -> None:
    """Run the notebooks on an assessment and publish offline HTML reports (an unchanged run is reused: see --force)."""
    import json

    from . import runstate

    if scheduler and cluster:
        raise click.UsageError("give --scheduler or --cluster, not both.")
    data, previous = _wave_inputs(data, compare, wave, client, store_path)
    mode = "inline" if inline_plotly else "shared"
    earlier = None if force else runstate.quick_reuse(data, out, config_path, only, notebooks_dir, mode, partial, plan,
                                                      previous)
    if earlier is not None:
        click.echo(runstate.reused_lines(*earlier, as_json=log_json))
        return
    from .pipeline import run_pipeline

    result = run_pipeline(data=data, out=out, config_path=config_path, only=list(only) or None, workers=workers,
                          notebooks_dir=notebooks_dir, plotly_js=mode, echo=(lambda _l: None) if log_json else click.echo,
                          partial=partial, plan=plan, reuse=not force, compare=previous, dask=scheduler or cluster)
    if log_json:
        for record in result.log:
            click.echo(json.dumps(record, ensure_ascii=False, default=str))
    else:
        click.echo(f"Reports: {result.index_path}")
    if not result.ok:
        sys.exit(E.EXIT_NOTEBOOK_FAILED)


def _wave_inputs(data: Path | None, compare: str | None, wave: str | None, client: str | None,
                 store_path: Path | None) -> tuple[Path | None, Path | None]:
    """The data and previous-wave paths of ``cra run``: files as given, or waves exported from the store."""
    if wave is None:
        if client or store_path:
            raise click.UsageError("--client and --store go with --wave.")
        return data, Path(compare) if compare else None
    if data is not None:
        raise click.UsageError("give --data or --wave, not both.")
    from .store import wave_data

    current = wave_data(store_path, wave, client)
    if compare is None or Path(compare).exists():
        return current, Path(compare) if compare else None
    return current, wave_data(store_path, compare, client)


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base", "base", type=click.Path(path_type=Path), default=None,
              help="Assessment holding the rest (other accounts, sales history), as for cra merge.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Report folder (default: reports/<timestamp>/).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Client configuration YAML.")
@click.option("--only", "only", multiple=True, help="Run only this notebook (repeatable).")
@click.option("--settle", type=click.FloatRange(min=0.0), default=2.0, show_default=True, help="Seconds without a change before the folder is read.")
@click.option("--polling", is_flag=True, help="Poll the folder every second (network shares without file events).")
def watch(folder: Path, base: Path | None, out: Path | None, config_path: Path | None, only: tuple[str, ...],
          settle: float, polling: bool) -> None:
    """Merge the capture workbooks in FOLDER and run the reports, again whenever one lands or changes (Ctrl+C stops)."""
    from .watch import watch as watch_folder

    sys.exit(watch_folder(folder, base=base, out=out, config_path=config_path, only=only, settle=settle,
                          polling=polling, echo=click.echo))


@cli.command("needs-tree")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--text-col", default="text", show_default=True, help="Column holding the verbatim text.")
@click.option("--id-col", default="id", show_default=True, help="Column holding the verbatim id (unique).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder for assignments.csv, tree.json and needs_tree.html.")
@click.option("--primary", type=click.IntRange(min=1), default=None, help="Number of primary needs (default: chosen automatically).")
@click.option("--secondary", type=click.IntRange(min=1), default=None, help="Number of secondary needs (default: chosen automatically).")
@click.option("--tertiary", type=click.IntRange(min=1), default=None, help="Number of tertiary needs (default: chosen automatically).")
@click.option("--backend", type=click.Choice(["auto", "lexical", "embedding", "hybrid"]), default=None, help="Representation (default from configuration: auto).")
@click.option("--seed", type=int, default=None, help="Random seed (default from configuration).")
@click.option("--overrides", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Curation YAML (rename, merge, move, pin, match).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Client configuration YAML.")
def needs_tree_command(input_path: Path, text_col: str, id_col: str, out: Path, primary: int | None, secondary: int | None,
                       tertiary: int | None, backend: str | None, seed: int | None, overrides: Path | None,
                       config_path: Path | None) -> None:
    """Cluster the verbatims of a CSV or xlsx file into primary / secondary / tertiary needs."""
    from .needs_tree.command import run as run_needs_tree
    from .outputs import ensure_writable_dir

    ensure_writable_dir(out, what="needs-tree output folder")
    levels = {"primary": primary, "secondary": secondary, "tertiary": tertiary}
    result = run_needs_tree(input_path, out, text_col=text_col, id_col=id_col, levels=levels, backend=backend,
                            seed=seed, overrides=overrides, config_path=config_path)
    counts = result.tree.counts()
    click.echo(f"{len(result.tree.placed):,} verbatims → {counts['primary']} primary, {counts['secondary']} secondary, "
               f"{counts['tertiary']} tertiary needs (backend {result.tree.backend})")
    for path in (result.assignments, result.tree_json, result.html):
        click.echo(str(path))


@cli.command()
@click.option("--data", "data", type=click.Path(path_type=Path), default=None, help="Assessment workbook or CSV folder (default: the bundled sample).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Client configuration YAML.")
@click.option("--port", type=click.IntRange(min=1, max=65535), default=None, help="Port on 127.0.0.1 (default: a free one).")
@click.option("--open", "open_browser", is_flag=True, help="Open the explorer in the default browser.")
def explore(data: Path | None, config_path: Path | None, port: int | None, open_browser: bool) -> None:
    """Explore an assessment interactively in the browser (served on 127.0.0.1 only, offline; Ctrl+C stops it)."""
    from .explore.serve import serve

    sys.exit(serve(data, config_path, port, open_browser=open_browser, debug=_DEBUG["on"], echo=click.echo))


def _message(exc: BaseException) -> tuple[str, int]:
    """The one-line message and exit code for an error that ended a command."""
    if isinstance(exc, E.CraError):
        return str(exc), exc.exit_code
    if isinstance(exc, FileNotFoundError):
        return (f"{exc.filename}: not found" if exc.filename else str(exc)), E.EXIT_INPUT
    if isinstance(exc, UnicodeError):
        return f"a file could not be read as UTF-8 text ({exc})", E.EXIT_INPUT
    if isinstance(exc, PermissionError):
        return f"permission denied: {exc.filename or exc}", E.EXIT_ENVIRONMENT
    if isinstance(exc, NotADirectoryError):
        return f"{exc.filename or exc}: part of the path is a file, not a folder", E.EXIT_ENVIRONMENT
    if isinstance(exc, IsADirectoryError):
        return f"{exc.filename or exc}: is a folder, a file was expected", E.EXIT_INPUT
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}", E.EXIT_ENVIRONMENT
    if isinstance(exc, MemoryError):
        return "out of memory; try a smaller assessment or fewer --workers", E.EXIT_ENVIRONMENT
    return (f"internal error ({type(exc).__name__}: {exc}). This is a bug of the workbench: run the command "
            "again with --debug and report the traceback."), E.EXIT_INTERNAL


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``cra`` console script."""
    args = sys.argv[1:] if argv is None else list(argv)
    _DEBUG["on"] = _debug_requested(args)
    try:
        cli.main(args=args, standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("Interrupted (Ctrl+C) while starting: nothing was run or published.", err=True)
        sys.exit(E.EXIT_SIGINT)
    except Exception as exc:  # every error ends as one message and a documented exit code
        text, code = _message(exc)
        if _DEBUG["on"]:
            traceback.print_exc()
        if isinstance(exc, E.RunInterrupted):
            click.echo(text[:1].upper() + text[1:], err=True)
        else:
            click.echo(f"Error: {text}", err=True)
        sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
