"""The analysis steps: which notebook runs on which tables, and in what order.

The pipeline reads this registry to decide what to run, what to skip (and
why), and which notebooks can run side by side. A notebook in ``notebooks/``
that is not listed here still runs, on the ``accounts`` table alone.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        Steps whose results this one reads; it starts when they have finished
        and is skipped if one of them failed.
    """

    name: str
    title: str
    requires: tuple[str, ...] = (schema.ACCOUNTS,)
    after: tuple[str, ...] = ()


STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step("00_overview", "What the data holds", (schema.ACCOUNTS,)),
    )
}


def step_for(name: str) -> Step:
    """Return the registered step called ``name``, or a default one for an unlisted notebook."""
    return STEPS.get(name, Step(name, name.replace("_", " ").strip()))
