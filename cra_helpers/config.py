"""Configuration as data: package defaults in YAML, overridable per client.

``load_config()`` reads ``cra_helpers/resources/defaults.yaml``, deep-merges an
optional client file over it and validates the result with pydantic. Invalid
configuration raises :class:`ConfigError`, which names the file and every
offending key.
"""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import schema

DEFAULTS_RESOURCE = "defaults.yaml"


class ConfigError(ValueError):
    """Configuration that cannot be used; the message lists every problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scale(_Strict):
    """A rating scale with inclusive bounds.

    Attributes
    ----------
    min, max
        Lowest and highest allowed rating (inclusive).
    label
        Wording shown on axes and in the data contract.
    """

    min: float
    max: float
    label: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> "Scale":
        if not self.min < self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        return self

    @property
    def midpoint(self) -> float:
        """Centre of the scale, ``(min + max) / 2``."""
        return (self.min + self.max) / 2

    def to_unit(self, value: Any) -> Any:
        """Map ratings onto 0–1 (``min`` → 0, ``max`` → 1); works on arrays."""
        return (value - self.min) / (self.max - self.min)


class Quality(_Strict):
    """Thresholds of the data-quality warnings shown in the overview."""

    min_interviews_per_key_account: int = Field(8, ge=0)
    min_verbatim_words: int = Field(3, ge=0)


class Pipeline(_Strict):
    """How ``cra run`` executes notebooks."""

    workers: int = Field(0, ge=0)
    cell_timeout_s: int = Field(900, gt=0)
    kernel_name: str = "cra-workbench"


class Config(_Strict):
    """The whole validated configuration (see ``config/defaults.yaml``)."""

    client: str
    currency: str = "EUR"
    scales: dict[str, Scale]
    quality: Quality = Quality()
    pipeline: Pipeline = Pipeline()
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


def _read_yaml(text: str, where: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
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
        data = _deep_merge(data, _read_yaml(p.read_text(encoding="utf-8"), str(p)))
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
