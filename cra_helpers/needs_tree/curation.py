"""Curation: an analyst's overrides, kept in a YAML file and applied on every rerun.

The file (``docs/needs-tree.md`` shows a complete one)::

    rename:            # node id: label shown instead of the automatic one
      T012: Online ordering portal
    merge:             # each list: the first node absorbs the others (same level)
      - [T004, T017]
    move:              # tertiary under another secondary, secondary under another primary
      T020: S05
    pin:               # verbatim id: tertiary node it belongs to
      V0123: T005
    match:             # node id: rated need id that covers it, "latent", or "none"
      T031: N06        #   (none: neither a rated nor a latent need, e.g. small talk)
      T044: latent

Node ids (``P01``, ``S01``, ``T001``) are stable for the same verbatims,
settings and seed, so the same file reproduces the same curated tree.
Operations apply in the order pin, merge, move, rename; an id the tree does
not have is an error (the data or the settings changed: review the file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import NeedsTreeError

LATENT = "latent"
NONE = "none"
SECTIONS = ("rename", "merge", "move", "pin", "match")
LEVEL_OF_PREFIX = {"P": "primary", "S": "secondary", "T": "tertiary"}


@dataclass
class Overrides:
    """Parsed overrides (see the module docstring).

    Attributes
    ----------
    rename, move, pin, match
        ``id -> value`` mappings.
    merge
        Lists of node ids of one level; the first absorbs the rest.
    source
        File the overrides came from (for messages).
    """

    rename: dict[str, str] = field(default_factory=dict)
    merge: list[list[str]] = field(default_factory=list)
    move: dict[str, str] = field(default_factory=dict)
    pin: dict[str, str] = field(default_factory=dict)
    match: dict[str, str] = field(default_factory=dict)
    source: str = "overrides"

    @property
    def empty(self) -> bool:
        """True when nothing is overridden."""
        return not (self.rename or self.merge or self.move or self.pin or self.match)


def _mapping(data: dict[str, Any], key: str, where: str) -> dict[str, str]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise NeedsTreeError(f"{where}: '{key}' must map ids to values (id: value), found {type(value).__name__}")
    out = {}
    for k, v in value.items():
        if v is None or (isinstance(v, str) and not v.strip()):
            raise NeedsTreeError(f"{where}: {key}.{k} has no value")
        out[str(k).strip()] = str(v).strip()
    return out


def parse_overrides(data: dict[str, Any] | None, where: str = "overrides") -> Overrides:
    """Validate overrides given as a mapping (e.g. parsed YAML).

    Raises
    ------
    NeedsTreeError
        For an unknown section or a malformed entry; the message names it.
    """
    data = data or {}
    if not isinstance(data, dict):
        raise NeedsTreeError(f"{where}: expected a mapping with sections {', '.join(SECTIONS)}")
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise NeedsTreeError(f"{where}: unknown section(s) {', '.join(map(str, unknown))}; allowed: {', '.join(SECTIONS)}")
    merge = data.get("merge") or []
    if not isinstance(merge, list) or not all(isinstance(g, list) and len(g) >= 2 for g in merge):
        raise NeedsTreeError(f"{where}: 'merge' must be a list of lists of at least two node ids, e.g. [[T004, T017]]")
    return Overrides(
        rename=_mapping(data, "rename", where),
        merge=[[str(x).strip() for x in g] for g in merge],
        move=_mapping(data, "move", where),
        pin=_mapping(data, "pin", where),
        match=_mapping(data, "match", where),
        source=where,
    )


def load_overrides(path: str | Path | None) -> Overrides:
    """Read an overrides YAML file (``None`` or ``""``: no overrides).

    Raises
    ------
    NeedsTreeError
        Missing file, invalid YAML or malformed content.
    """
    if not path:
        return Overrides()
    p = Path(path)
    if not p.is_file():
        raise NeedsTreeError(f"{p}: overrides file not found")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise NeedsTreeError(f"{p}: not valid YAML: {exc}") from None
    return parse_overrides(data, str(p))


def level_of(node_id: str) -> str | None:
    """Level of a node id by its prefix (``T012`` → ``tertiary``), ``None`` if not a node id."""
    return LEVEL_OF_PREFIX.get(node_id[:1]) if node_id else None


@dataclass
class Structure:
    """The tree being curated: tertiary node of each placed verbatim, parents and names."""

    row_ids: list[str]
    row_tertiary: list[str]
    parent: dict[str, str]
    names: dict[str, str] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    def nodes(self, level: str) -> set[str]:
        """Ids of the nodes of ``level`` that are still in the tree."""
        ter = set(self.row_tertiary)
        sec = {self.parent[t] for t in ter}
        pri = {self.parent[s] for s in sec}
        return {"tertiary": ter, "secondary": sec, "primary": pri}[level]


def apply(structure: Structure, ov: Overrides) -> Structure:
    """Apply overrides to a tree (pin, merge, move, rename, in that order).

    Parameters
    ----------
    structure
        The automatic tree.
    ov
        The analyst's overrides.

    Returns
    -------
    Structure
        The curated tree; ``log`` lists what was done.

    Raises
    ------
    NeedsTreeError
        Listing every id that is unknown or of the wrong level.
    """
    problems: list[str] = []
    s = structure
    _pin(s, ov, problems)
    _merge(s, ov, problems)
    _move(s, ov, problems)
    _rename(s, ov, problems)
    _log_matches(s, ov, problems)
    if problems:
        raise NeedsTreeError(f"{ov.source}: the overrides do not fit this tree:\n" + "\n".join(f"  - {p}" for p in problems))
    return s


def _check(s: Structure, problems: list[str], node: str, level: str, what: str) -> bool:
    """Whether ``node`` is a ``level`` node of the tree as it stands; if not, say so in ``problems``."""
    if node not in s.nodes(level):
        lv = level_of(node)
        hint = f" (a {lv} node)" if lv and lv != level else ""
        problems.append(f"{what}: {node!r} is not a {level} node of this tree{hint}")
        return False
    return True


def _pin(s: Structure, ov: Overrides, problems: list[str]) -> None:
    """Put pinned verbatims under their tertiary node."""
    index = {vid: i for i, vid in enumerate(s.row_ids)}
    for vid, node in ov.pin.items():
        ok_v = vid in index
        if not ok_v:
            problems.append(f"pin: verbatim {vid!r} is not in the tree (unknown or empty)")
        if _check(s, problems, node, "tertiary", f"pin {vid}") and ok_v:
            s.row_tertiary[index[vid]] = node
            s.log.append(f"pinned {vid} to {node}")


def _merge(s: Structure, ov: Overrides, problems: list[str]) -> None:
    """Merge each group of nodes into its first node."""
    for group in ov.merge:
        level = level_of(group[0]) or "tertiary"
        if all(_check(s, problems, n, level, "merge") for n in group):
            keep, gone = group[0], set(group[1:])
            if level == "tertiary":
                s.row_tertiary = [keep if t in gone else t for t in s.row_tertiary]
            else:
                for child, par in list(s.parent.items()):
                    if par in gone:
                        s.parent[child] = keep
            s.log.append(f"merged {', '.join(sorted(gone))} into {keep}")


def _move(s: Structure, ov: Overrides, problems: list[str]) -> None:
    """Move tertiary and secondary nodes under another parent."""
    for node, target in ov.move.items():
        level = level_of(node)
        up = {"tertiary": "secondary", "secondary": "primary"}.get(level or "")
        if up is None:
            problems.append(f"move: {node!r} must be a tertiary or secondary node id")
            continue
        if _check(s, problems, node, level, "move") and _check(s, problems, target, up, f"move {node}"):
            s.parent[node] = target
            s.log.append(f"moved {node} under {target}")


def _rename(s: Structure, ov: Overrides, problems: list[str]) -> None:
    """Give nodes the analyst's names."""
    for node, name in ov.rename.items():
        level = level_of(node)
        if level is None:
            problems.append(f"rename: {node!r} is not a node id")
            continue
        if _check(s, problems, node, level, "rename"):
            s.names[node] = name
            s.log.append(f"renamed {node} to {name!r}")


def _log_matches(s: Structure, ov: Overrides, problems: list[str]) -> None:
    """Check the nodes of the analyst's need matches (applied later, when the needs are matched) and log them."""
    for node, need in ov.match.items():
        if level_of(node) is None:
            problems.append(f"match: {node!r} is not a node id")
        elif _check(s, problems, node, level_of(node), "match"):
            s.log.append(f"matched {node} to {need}")
