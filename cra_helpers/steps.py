"""The analysis steps: which notebook runs on which tables, and in what order.

The pipeline reads this registry to decide what to run, what to skip (and
why), and which notebooks can run side by side. A notebook in ``notebooks/``
that is not listed here still runs, on the ``accounts`` table alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import schema


@dataclass(frozen=True)
class Step:
    """One analysis notebook.

    Attributes
    ----------
    name
        Notebook file stem, e.g. ``"00_overview"``.
    title
        Report title.
    requires
        Tables the step cannot run without.
    after
        Steps whose result files this one reads when they are there; it
        starts when they have finished, whatever their outcome, and says in
        its report what it missed.
    on_request
        Runs only when asked for by name (``cra run --only <name>``), not
        in every run; e.g. planning the next wave's interviews.
    """

    name: str
    title: str
    requires: tuple[str, ...] = (schema.ACCOUNTS,)
    after: tuple[str, ...] = ()
    on_request: bool = False


TRENDS_STEP = "07_trends"
"""The wave-over-wave step: run on request, or whenever the pipeline is given a previous wave to compare."""
ACCOUNT_STEP = "10_account"
"""The per-account notebook: every full run fans it out over the key accounts (:mod:`cra_helpers.fanout`)."""

STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step("00_overview", "What the data holds", (schema.ACCOUNTS,)),
        Step("00_plan", "Plan the interviews: guides, letters, schedule and capture workbooks", (schema.ACCOUNTS,),
             on_request=True),
        Step("01_prioritize", "Prioritize: which relationships matter and how to contact them", (schema.ACCOUNTS,)),
        Step("04_gap_analysis", "GAP analysis: priorities, perceptions, accounts, sites and competitors",
             (schema.ACCOUNTS, schema.CONTACTS, schema.INTERVIEWS, schema.NEEDS, schema.RATINGS),
             after=("03_needs_tree",)),
        Step("05_actions", "At-risk accounts, recommendations and the action plan",
             (schema.ACCOUNTS, schema.CONTACTS, schema.INTERVIEWS, schema.NEEDS, schema.RATINGS, schema.LOYALTY),
             after=("03_needs_tree",)),  # reads the tree's classes and need matches (actions.verbatim_sentiment)
        Step("02_quantitative", "Satisfaction, loyalty and key drivers",
             (schema.ACCOUNTS, schema.INTERVIEWS, schema.CONTACTS, schema.RATINGS, schema.LOYALTY)),
        Step("03_needs_tree", "Needs tree: what customers say, grouped into needs", (schema.ACCOUNTS, schema.VERBATIMS)),
        Step(ACCOUNT_STEP, "One key account against the portfolio",
             (schema.ACCOUNTS, schema.CONTACTS, schema.INTERVIEWS, schema.NEEDS, schema.RATINGS, schema.LOYALTY),
             on_request=True),
        Step("06_explore", "Explore: filter the assessment and watch the views change",
             (schema.ACCOUNTS, schema.CONTACTS, schema.INTERVIEWS)),
        Step(TRENDS_STEP, "Trends: what changed since the previous wave",
             (schema.ACCOUNTS, schema.CONTACTS, schema.INTERVIEWS, schema.NEEDS, schema.RATINGS), on_request=True),
    )
}


def step_for(name: str) -> Step:
    """Return the registered step called ``name``, or a default one for an unlisted notebook."""
    return STEPS.get(name, Step(name, name.replace("_", " ").strip()))


def discover(notebooks_dir: Path, only: list[str] | None = None) -> list[Path]:
    """Notebooks to consider, sorted by name; ``only`` restricts to those stems.

    Without ``only``, steps registered ``on_request`` (:class:`cra_helpers.steps.Step`)
    are left out: they run only when named.

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
        return [stems[o] for o in only]
    return [p for p in found if not step_for(p.stem).on_request]
