"""The layers of docs/architecture.md, enforced: no module imports a module of a higher layer.

The import graph is read from the source with :mod:`ast` (every ``import`` and
``from … import`` of the package, including those inside functions), so a
lazy import cannot hide an upward dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cra_helpers"

# Layer of each module or package (a package's submodules share its layer unless listed themselves).
LAYERS: dict[str, int] = {
    # 0 foundation: names, errors, paths, safe text and files, styling, workbook writing
    "schema": 0, "errors": 0, "paths": 0, "safe": 0, "style": 0, "formatting": 0, "steps": 0,
    "outputs": 0, "spreadsheet": 0, "resources": 0,
    # 1 configuration
    "config": 1,
    # 2 data in: the assessment, its loading, the template, the sample
    "assessment": 2, "loader": 2, "loading": 2, "template": 2, "sample": 2, "sample_text": 2, "contract_doc": 2,
    "store": 2, "tiling": 2,
    # 3 analyses: data frames in, tidy data frames out
    "stats": 3, "prioritize": 3, "quantitative": 3, "loyalty": 3, "drivers": 3, "comparisons": 3, "gap": 3, "needs_tree": 3,
    "sentiment": 3, "sentiment_rules": 3, "actions": 3, "overview": 3, "headlines": 3, "redact": 3, "prose": 3, "trends": 3, "explore": 3, "explore.app": 5, "explore.serve": 6,
    "account_view": 3,
    "planning": 3, "planning.questions": 1, "planning.knowledge": 3, "planning.guide": 5, "planning.guide_page": 5, "planning.pdf": 5,
    "planning.letters": 5,
    "planning.schedule": 3, "planning.calendar": 5, "planning.capture": 5, "planning.merge": 2,
    "planning.plan_page": 5, "planning.command": 6, "trends_actions": 3,
    # 4 figures: results in, plotly figures out
    "figures": 4,
    # 5 deliverables: pages, reports, decks, customer outputs, the needs-tree command's page
    "report": 5, "export": 5, "customer": 5, "findings": 5, "decks": 5, "needs_tree.command": 5,
    # 6 orchestration: the pipeline, its worker processes, the command line
    "pipeline": 6, "worker": 6, "cli": 6, "fanout": 6, "fanout_kernel": 6, "runstate": 6, "watch": 6,
}
NAMES = {0: "foundation", 1: "configuration", 2: "data", 3: "analyses", 4: "figures", 5: "deliverables",
         6: "orchestration"}

# Known upward imports, each with the reason it is still there. The test fails when one disappears
# (remove it from this list) as well as when a new one appears.
EXCEPTIONS: dict[tuple[str, str], str] = {}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    """Layer of a module name relative to the package (``needs_tree.tree`` → that of ``needs_tree``)."""
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i])
        if key in LAYERS:
            return LAYERS[key]
    stem = parts[0].split("_")[0]  # sample_text, sample_accounts … belong with sample
    if len(parts) == 1 and stem != parts[0] and stem in LAYERS:
        return LAYERS[stem]
    raise KeyError(module)


def imports(path: Path) -> set[str]:
    """Package-relative names of the project modules ``path`` imports."""
    mod = _module(path)
    pkg = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
    if mod == "":
        pkg = []
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[: len(pkg) - (node.level - 1)] if node.level > 1 else pkg
                target = base + (node.module.split(".") if node.module else [])
                if node.module:
                    out.add(".".join(target))
                else:
                    out.update(".".join(target + [a.name]) for a in node.names)
            elif node.module and node.module.split(".")[0] == "cra_helpers":
                out.add(".".join(node.module.split(".")[1:]))
        elif isinstance(node, ast.Import):
            out.update(".".join(a.name.split(".")[1:]) for a in node.names if a.name.split(".")[0] == "cra_helpers")
    return {m for m in out if m}


def _files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def _resolvable(name: str) -> str:
    """The module part of an imported name (``from . import schema as S`` gives ``schema``; a name inside a
    module, e.g. ``needs_tree.needs_tree``, resolves to the longest prefix that is a module or package)."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        cand = PACKAGE.joinpath(*parts[:i])
        if cand.with_suffix(".py").exists() or (cand / "__init__.py").exists():
            return ".".join(parts[:i])
    return name


def upward_imports() -> dict[tuple[str, str], tuple[int, int]]:
    out = {}
    for f in _files():
        mod = _module(f)
        for imp in imports(f):
            target = _resolvable(imp)
            if target.split(".")[0] == mod.split(".")[0] and layer_of(target) == layer_of(mod):
                continue
            if layer_of(target) > layer_of(mod):
                out[(mod, target)] = (layer_of(mod), layer_of(target))
    return out


def test_every_module_has_a_layer():
    missing = [_module(f) for f in _files() if not _has_layer(_module(f))]
    assert not missing, f"assign these modules a layer in tests/test_architecture.py and docs/architecture.md: {missing}"


def _has_layer(mod: str) -> bool:
    try:
        layer_of(mod)
    except KeyError:
        return False
    return True


def test_nothing_imports_upward():
    found = upward_imports()
    new = {k: v for k, v in found.items() if k not in EXCEPTIONS}
    assert not new, "upward imports (module, target): " + "; ".join(
        f"{a} ({NAMES[la]}) imports {b} ({NAMES[lb]})" for (a, b), (la, lb) in sorted(new.items()))
    gone = [k for k in EXCEPTIONS if k not in found]
    assert not gone, f"these listed exceptions no longer occur, remove them: {gone}"


def test_schema_imports_nothing_of_the_project():
    assert imports(PACKAGE / "schema.py") == set()


def test_the_rule_catches_an_upward_import(tmp_path, monkeypatch):
    """The checker itself: an analysis module importing the pipeline is reported."""
    fake = PACKAGE / "stats.py"
    src = fake.read_text(encoding="utf-8") + "\n\ndef _probe():\n    from .pipeline import run_pipeline\n"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None, _orig=Path.read_text:
                        src if self == fake else _orig(self, encoding=encoding))
    assert ("stats", "pipeline") in upward_imports()


@pytest.mark.parametrize("module", ["needs_tree.tree", "needs_tree.command", "figures.gap", "prioritize"])
def test_layer_lookup(module):
    assert layer_of(module) == {"needs_tree.tree": 3, "needs_tree.command": 5, "figures.gap": 4, "prioritize": 3}[module]
