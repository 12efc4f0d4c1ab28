"""Errors of the needs tree that the user can fix (the ``cra`` command exits with code 2)."""

from __future__ import annotations

from ..errors import CraError


class NeedsTreeError(CraError, ValueError):
    """Input, overrides file or backend settings that cannot be used; the message says how to fix it."""


class BackendUnavailable(NeedsTreeError):
    """The chosen representation backend cannot run here (missing extra or model)."""
