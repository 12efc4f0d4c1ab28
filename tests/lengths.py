"""Measure the length of every module and function of ``cra_helpers`` against the limits of docs/architecture.md.

Limits: a module of at most :data:`MODULE_LIMIT` lines, a function (or
method) of at most :data:`FUNCTION_LIMIT` lines, counted from its ``def`` (or
first decorator) to its last line, docstring included. Module-level data
(text banks, tables of names) is not a function and counts only towards its
module.

Items over a limit today are listed with their length in
``tests/length_debt.txt``; ``tests/test_lengths.py`` fails when an item not
listed goes over a limit, when a listed item grows, and when a listed item
has come back within the limit (so the list only shrinks).

Usage::

    .venv/bin/python tests/lengths.py            # print every item over a limit
    .venv/bin/python tests/lengths.py --write    # rewrite tests/length_debt.txt from the current code
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cra_helpers"
DEBT = Path(__file__).resolve().parent / "length_debt.txt"
MODULE_LIMIT = 600
FUNCTION_LIMIT = 60


def measure(package: Path = PACKAGE) -> dict[str, int]:
    """Lengths over the limits: ``{"module path": lines}`` and ``{"module path::qualified.function": lines}``."""
    over: dict[str, int] = {}
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).as_posix()
        text = path.read_text(encoding="utf-8")
        n = len(text.splitlines())
        if n > MODULE_LIMIT:
            over[rel] = n
        for qual, length in _functions(ast.parse(text)):
            if length > FUNCTION_LIMIT:
                over[f"{rel}::{qual}"] = length
    return over


def _functions(tree: ast.AST, prefix: str = ""):
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            yield prefix + node.name, node.end_lineno - start + 1
            yield from _functions(node, prefix + node.name + ".")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, prefix + node.name + ".")


def read_debt(path: Path = DEBT) -> dict[str, int]:
    """The listed items: one ``<lines> <item>`` per line; ``#`` starts a comment."""
    out = {}
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            n, item = line.split(maxsplit=1)
            out[item] = int(n)
    return out


def write_debt(over: dict[str, int], path: Path = DEBT) -> None:
    head = ("# Modules over 600 lines and functions over 60 lines today (tests/lengths.py --write).\n"
            "# The list may only shrink: tests/test_lengths.py fails when an item grows or a new one appears.\n")
    path.write_text(head + "".join(f"{n} {item}\n" for item, n in sorted(over.items())), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--write", action="store_true", help="rewrite tests/length_debt.txt")
    args = ap.parse_args(argv)
    over = measure()
    for item, n in sorted(over.items(), key=lambda kv: -kv[1]):
        print(f"{n:6d}  {item}")
    print(f"{len(over)} items over the limits (module {MODULE_LIMIT} lines, function {FUNCTION_LIMIT} lines)")
    if args.write:
        write_debt(over)
        print(f"wrote {DEBT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
