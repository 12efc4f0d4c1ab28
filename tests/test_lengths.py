"""Module and function lengths (tests/lengths.py): nothing new over the limits, and the listed debt only shrinks."""

from __future__ import annotations

import ast

from . import lengths


def test_no_new_item_over_the_limits():
    over, debt = lengths.measure(), lengths.read_debt()
    new = {k: v for k, v in over.items() if k not in debt}
    assert not new, f"over the limits (module {lengths.MODULE_LIMIT}, function {lengths.FUNCTION_LIMIT} lines): {new}"


def test_listed_items_do_not_grow():
    over, debt = lengths.measure(), lengths.read_debt()
    grown = {k: (debt[k], v) for k, v in over.items() if k in debt and v > debt[k]}
    assert not grown, f"grew (listed, now): {grown}"


def test_the_list_only_holds_what_is_still_over():
    over, debt = lengths.measure(), lengths.read_debt()
    fixed = sorted(k for k in debt if k not in over)
    assert not fixed, f"now within the limits, remove from tests/length_debt.txt: {fixed}"


def test_the_measure_counts_decorators_and_nested_functions():
    src = "@dec\ndef f():\n    def g():\n        return 1\n    return g\n\nclass C:\n    def m(self):\n        pass\n"
    assert dict(lengths._functions(ast.parse(src))) == {"f": 5, "f.g": 2, "C.m": 2}
