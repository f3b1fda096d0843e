"""The few exceptions the engine raises; the CLI maps each to an exit status.

``CriteriaError`` and ``BundleError`` mean the input has problems (exit 1);
``UsageError`` means the command was used wrongly (exit 2). Anything else is a
bug in wellled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.diagnostics import Diagnostic, Diagnostics
    from engine.source import SourceFile


class WellledError(Exception):
    """Base class: a problem with the input that a user can fix."""

    exit_code = 1


class CriteriaError(WellledError):
    """The criteria set has errors; ``diagnostics`` holds every one of them."""

    def __init__(self, diagnostics: Diagnostics):
        self.diagnostics = diagnostics
        super().__init__(diagnostics.format())


class BundleError(WellledError):
    """An evidence bundle was refused or is invalid; ``problems`` holds one line each.

    ``diagnostics`` holds the same problems as located, coded ``Diagnostic``s (E2xx)
    where the code that found them made them so (``from_diagnostics``).
    """

    def __init__(self, problems: list[str], details: list[str] | None = None,
                 diagnostics: Sequence[Diagnostic] = ()):
        self.problems = list(problems)
        # The same problems for a terminal: a source line, a caret and help under some.
        self.details = list(details) if details is not None else list(self.problems)
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(self.problems))

    @classmethod
    def from_diagnostics(cls, diagnostics: Sequence[Diagnostic],
                         sources: Mapping[str, SourceFile] | None = None) -> BundleError:
        """The error for these problems, in this order: one line each (``Diagnostic.line``),
        and for the terminal each with its code, source line and help (``format``)."""
        return cls([d.line() for d in diagnostics], [d.format(sources) for d in diagnostics],
                   diagnostics)


class UsageError(WellledError):
    """The command was used wrongly (a missing folder, an unknown option value)."""

    exit_code = 2


class OutputError(WellledError):
    """An output could not be written (a full disk, no permission); the earlier outputs are
    kept. Exit 1: the command was right, the place is not."""
