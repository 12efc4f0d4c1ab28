"""Every ``Examples`` section in the package runs and gives what it shows (doctest over each module)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cra_helpers

MODULES = sorted(m.name for m in pkgutil.walk_packages(cra_helpers.__path__, "cra_helpers."))


def _examples(module) -> int:
    return sum(len(t.examples) for t in doctest.DocTestFinder().find(module))


@pytest.mark.parametrize("name", [n for n in MODULES if _examples(importlib.import_module(n))])
def test_examples_hold(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def test_the_statistics_have_examples():
    """The statistics every analysis builds on each show a runnable example."""
    from cra_helpers import stats

    public = [n for n, f in vars(stats).items() if callable(f) and not n.startswith("_")
              and getattr(f, "__module__", "") == stats.__name__ and not isinstance(f, type)]
    missing = [n for n in public if ">>>" not in (getattr(stats, n).__doc__ or "")]
    assert not missing, missing
