"""The base of every configuration model, its error type and the small top-level sections.

:class:`StrictModel` refuses unknown keys and is frozen; :class:`ConfigError`
is raised for configuration that cannot be used. :class:`Scale`,
:class:`Quality` and :class:`Pipeline` are the ``scales``, ``quality`` and
``pipeline`` sections of ``defaults.yaml``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import CraError


class ConfigError(CraError, ValueError):
    """Configuration that cannot be used; the message lists every problem."""


class StrictModel(BaseModel):
    """A configuration model: unknown keys are an error and a validated instance cannot be changed."""

    model_config = ConfigDict(extra="forbid", frozen=True)


_Strict = StrictModel
"""The former name of :class:`StrictModel`, kept for existing imports."""


class Scale(StrictModel):
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


class Quality(StrictModel):
    """Thresholds of the data-quality warnings shown in the overview."""

    min_interviews_per_key_account: int = Field(8, ge=0)
    min_verbatim_words: int = Field(3, ge=0)


class Pipeline(StrictModel):
    """How ``cra run`` executes notebooks."""

    workers: int = Field(0, ge=0)
    cell_timeout_s: int = Field(900, gt=0)
    kernel_name: str = "cra-workbench"
