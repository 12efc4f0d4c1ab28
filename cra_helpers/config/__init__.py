"""Configuration as data: package defaults in YAML, overridable per client.

``load_config()`` reads ``cra_helpers/resources/defaults.yaml``, deep-merges an
optional client file over it and validates the result with pydantic. Invalid
configuration raises :class:`ConfigError`, which names the file and every
offending key.

The models live in one module per section (:mod:`.base`, :mod:`.prioritize`,
:mod:`.quantitative`, :mod:`.actions`, :mod:`.needs_tree`, :mod:`.planning`, :mod:`.trends`); every name is
importable from ``cra_helpers.config``.
"""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError, model_validator

from .. import schema
from .actions import ActionPlanRule, Actions, RiskRule, RiskWeights, Summary
from .base import ConfigError, Pipeline, Quality, Scale, StrictModel, _Strict
from .needs_tree import (NeedsTree, NeedsTreeEmbedding, NeedsTreeLatent, NeedsTreeLevels, NeedsTreeLexical,
                         NeedsTreeMaxNodes, NeedsTreeText)
from .planning import GuideRule, LetterRule, Planning, ScheduleRule
from .prioritize import (MONEY_WEIGHTS, AbcClass, ClassBand, KeyAccountRule, NoBusiness, PotentialBand, Prioritize,
                         SliceChecks, ValueBand, ValueScore, check_class_bands)
from .quantitative import Comparisons, Drivers, Gap, NpsRule, Quantitative, SegmentCuts
from .trends import Trends

__all__ = [
    "DEFAULTS_RESOURCE", "ConfigError", "StrictModel", "Scale", "Quality", "Pipeline",
    "AbcClass", "ClassBand", "ValueBand", "PotentialBand", "check_class_bands", "MONEY_WEIGHTS", "ValueScore",
    "NoBusiness", "KeyAccountRule", "SliceChecks", "Prioritize",
    "NpsRule", "SegmentCuts", "Drivers", "Comparisons", "Quantitative", "Gap",
    "RiskWeights", "RiskRule", "ActionPlanRule", "Actions", "Summary",
    "NeedsTreeText", "NeedsTreeLexical", "NeedsTreeEmbedding", "NeedsTreeLevels", "NeedsTreeMaxNodes",
    "NeedsTreeLatent", "NeedsTree", "Trends", "GuideRule", "LetterRule", "ScheduleRule", "Planning", "Config", "default_config_text", "load_config",
]

DEFAULTS_RESOURCE = "defaults.yaml"


class Config(StrictModel):
    """The whole validated configuration (see ``config/defaults.yaml``)."""

    client: str
    currency: str = "EUR"
    scales: dict[str, Scale]
    quality: Quality = Quality()
    pipeline: Pipeline = Pipeline()
    prioritize: Prioritize = Prioritize()
    quantitative: Quantitative = Quantitative()
    gap: Gap = Gap()
    trends: Trends = Trends()
    actions: Actions = Actions()
    needs_tree: NeedsTree = NeedsTree()
    summary: Summary = Summary()
    planning: Planning = Planning()
    source: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _scales_declared(self) -> "Config":
        needed = {c.scale for t in schema.TABLES.values() for c in t.columns if c.scale}
        missing = sorted(needed - set(self.scales))
        if missing:
            raise ValueError(f"scales: missing scale(s) {', '.join(missing)} used by the data contract")
        return self

    def scale(self, name: str) -> Scale:
        """Return the scale called ``name``."""
        return self.scales[name]


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML loader that refuses a key given twice in one mapping (PyYAML keeps the last one silently)."""


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice (lines {seen[key]} and {line}); keep one", key_node.start_mark)
        seen[key] = line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _decode(raw: bytes, where: str) -> str:
    """Text of a configuration file; it must be UTF-8 (a byte-order mark is allowed)."""
    if b"\x00" in raw[:4096]:
        hint = " (it looks like UTF-16 text: save it as UTF-8)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else " (it is not a text file)"
        raise ConfigError(f"{where}: not a YAML text file{hint}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{where}, line {line}: byte 0x{raw[exc.start]:02X} is not UTF-8 — save the file as UTF-8 text") from None


def _read_yaml(text: str, where: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise ConfigError(f"{where}{at}: not valid YAML: {what}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping of settings at the top level, found {type(data).__name__}")
    return data


def default_config_text() -> str:
    """Return the text of the packaged ``defaults.yaml`` (to copy and edit)."""
    return resources.files("cra_helpers.resources").joinpath(DEFAULTS_RESOURCE).read_text(encoding="utf-8")


def load_config(path: str | Path | None = None, **overrides: Any) -> Config:
    """Load the package defaults, merge a client file and keyword overrides, validate.

    Parameters
    ----------
    path
        A client YAML file whose keys override the defaults (deep merge), or
        ``None`` for the defaults alone.
    **overrides
        Top-level keys to override last (e.g. ``client="ACME"``).

    Returns
    -------
    Config
        The validated configuration.

    Raises
    ------
    ConfigError
        When the file is missing, is not YAML, or any value is invalid; the
        message names the file and each offending key.
    """
    data = _read_yaml(default_config_text(), "cra_helpers/resources/defaults.yaml")
    sources = ["package defaults"]
    where = "package defaults"
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"{p}: configuration file not found")
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{p}: cannot be read ({exc.strerror or exc})") from None
        data = _deep_merge(data, _read_yaml(_decode(raw, str(p)), str(p)))
        sources.append(str(p))
        where = str(p)
    if overrides:
        data = _deep_merge(data, overrides)
    data["source"] = tuple(sources)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
            lines.append(f"  - {loc}: {err['msg']}")
        raise ConfigError(f"{where}: invalid configuration\n" + "\n".join(lines)) from None
