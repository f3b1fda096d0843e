"""The few exceptions the engine raises; the CLI maps each to an exit status.

``CriteriaError`` and ``BundleError`` mean the input has problems (exit 1);
``UsageError`` means the command was used wrongly (exit 2). Anything else is a
bug in wellled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.diagnostics import Diagnostics


class WellledError(Exception):
    """Base class: a problem with the input that a user can fix."""

    exit_code = 1


class CriteriaError(WellledError):
    """The criteria set has errors; ``diagnostics`` holds every one of them."""

    def __init__(self, diagnostics: Diagnostics):
        self.diagnostics = diagnostics
        super().__init__(diagnostics.format())


class BundleError(WellledError):
    """An evidence bundle was refused or is invalid; ``problems`` holds one line each."""

    def __init__(self, problems: list[str], details: list[str] | None = None):
        self.problems = list(problems)
        # The same problems for a terminal: a source line, a caret and help under some.
        self.details = list(details) if details is not None else list(self.problems)
        super().__init__("\n".join(self.problems))


class UsageError(WellledError):
    """The command was used wrongly (a missing folder, an unknown option value)."""

    exit_code = 2


class OutputError(WellledError):
    """An output could not be written (a full disk, no permission); the earlier outputs are
    kept. Exit 1: the command was right, the place is not."""
