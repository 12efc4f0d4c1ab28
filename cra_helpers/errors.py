"""Errors a user of the workbench can act on, and the exit codes of the ``cra`` command.

Every error that the user can fix (bad data, bad configuration, an output
folder that cannot be written, another run using the same folder) derives
from :class:`CraError` and carries the exit code the command line ends with.
The command line prints its message — one located sentence, never a
traceback — and exits with that code (``cra --debug ...`` shows the
traceback as well).

This module imports nothing, so that the command line can recognise these
errors without importing the analyses.

Exit codes
----------
===== ==========================================================
code  meaning
===== ==========================================================
0     success
1     the run finished but at least one notebook failed
2     input problem: data, configuration, options, missing files
3     environment problem: a folder that cannot be read or written,
      a full disk, the project's Jupyter kernel missing or wrong
4     the output folder is in use by another ``cra run``
70    internal error (a bug): the message says how to report it
130   interrupted with Ctrl+C (SIGINT)
143   terminated (SIGTERM)
===== ==========================================================
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_NOTEBOOK_FAILED = 1
EXIT_INPUT = 2
EXIT_ENVIRONMENT = 3
EXIT_BUSY = 4
EXIT_INTERNAL = 70
EXIT_SIGINT = 130
EXIT_SIGTERM = 143


class CraError(Exception):
    """An error the user can act on; ``exit_code`` is what ``cra`` exits with."""

    exit_code: int = EXIT_INPUT


class OutputError(CraError):
    """The output folder (or a file in it) cannot be created or written."""

    exit_code = EXIT_ENVIRONMENT


class OutputBusy(CraError):
    """Another run is writing into the same output folder."""

    exit_code = EXIT_BUSY


class KernelError(CraError, RuntimeError):
    """The project's Jupyter kernel is missing or belongs to another Python."""

    exit_code = EXIT_ENVIRONMENT


class RunInterrupted(CraError):
    """The run was stopped by SIGINT (Ctrl+C) or SIGTERM; ``signal`` is the signal number."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.signum = signum
        import signal as _signal

        self.exit_code = EXIT_SIGTERM if signum == _signal.SIGTERM else EXIT_SIGINT
