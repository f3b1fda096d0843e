"""Source text and spans: where in which ``.crit`` file a node came from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A region of a source file, 1-based lines and columns, end exclusive.

    >>> Span("a.crit", 3, 5, 3, 9).start
    'a.crit:3:5'
    """

    path: str
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def start(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


NO_SPAN = Span("<none>", 0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A criteria file's text, with the name it is shown by in messages."""

    path: Path
    name: str
    text: str

    def line(self, number: int) -> str:
        lines = self.text.splitlines()
        return lines[number - 1] if 0 < number <= len(lines) else ""


def snippet(source: SourceFile | None, span: Span) -> str:
    """The source line under ``span`` with a caret line under the spanned text."""
    if source is None or span.line <= 0:
        return ""
    text = source.line(span.line).expandtabs(1)
    start = max(span.column - 1, 0)
    end = span.end_column - 1 if span.end_line == span.line else len(text)
    width = max(end - start, 1)
    gutter = f"{span.line:>4} | "
    return f"{gutter}{text}\n{' ' * (len(gutter) - 2)}| {' ' * start}{'^' * width}"
