"""The ``cra`` command line.

Errors the user can fix (bad data, bad configuration, missing files) are
printed as plain messages with exit code 2, never as a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .config import ConfigError

EXIT_USER_ERROR = 2


def _user_errors() -> tuple[type[BaseException], ...]:
    from .loader import AssessmentError

    from .needs_tree.errors import NeedsTreeError
    from .pipeline import KernelError

    return (AssessmentError, ConfigError, FileNotFoundError, KernelError, NeedsTreeError)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cra-workbench")
def cli() -> None:
    """CRA Workbench: Customer Relationship Assessment analytics."""


@cli.command()
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write the sample into.")
@click.option("--seed", type=int, default=None, help="Random seed (default: the seed of the committed sample).")
def sample(out: Path, seed: int | None) -> None:
    """Generate the synthetic sample assessment with its planted truth."""
    from . import sample as sample_mod

    kwargs = {} if seed is None else {"seed": seed}
    written = sample_mod.write_sample(out, **kwargs)
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
def template(out: Path) -> None:
    """Write an empty capture workbook with every sheet and column of the data contract."""
    from .loader import write_template

    click.echo(str(write_template(out)))


@cli.command()
@click.option("--data", "data", type=click.Path(path_type=Path), default=None, help="Assessment workbook or CSV folder (default: the bundled sample).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Report folder (default: reports/<timestamp>/).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Client configuration YAML.")
@click.option("--only", "only", multiple=True, help="Run only this notebook (repeatable), e.g. --only 00_overview.")
@click.option("--workers", type=int, default=None, help="Parallel notebook processes (default from configuration).")
@click.option("--notebooks", "notebooks_dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None, help="Folder of notebooks to run (default: the project's notebooks/).")
@click.option("--inline-plotly", is_flag=True, help="Put plotly.js inside every page (for sending one report on its own) instead of one shared local file.")
def run(
    data: Path | None,
    out: Path | None,
    config_path: Path | None,
    only: tuple[str, ...],
    workers: int | None,
    notebooks_dir: Path | None,
    inline_plotly: bool,
) -> None:
    """Run the notebooks on an assessment and publish offline HTML reports."""
    from .pipeline import run_pipeline

    result = run_pipeline(
        data=data,
        out=out,
        config_path=config_path,
        only=list(only) or None,
        workers=workers,
        notebooks_dir=notebooks_dir,
        plotly_js="inline" if inline_plotly else "shared",
        echo=click.echo,
    )
    click.echo(f"Reports: {result.index_path}")
    if not result.ok:
        sys.exit(1)


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

    levels = {"primary": primary, "secondary": secondary, "tertiary": tertiary}
    result = run_needs_tree(input_path, out, text_col=text_col, id_col=id_col, levels=levels, backend=backend,
                            seed=seed, overrides=overrides, config_path=config_path)
    counts = result.tree.counts()
    click.echo(f"{len(result.tree.placed):,} verbatims → {counts['primary']} primary, {counts['secondary']} secondary, "
               f"{counts['tertiary']} tertiary needs (backend {result.tree.backend})")
    for path in (result.assignments, result.tree_json, result.html):
        click.echo(str(path))


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``cra`` console script."""
    try:
        cli.main(args=argv, standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except _user_errors() as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_USER_ERROR)


if __name__ == "__main__":  # pragma: no cover
    main()
