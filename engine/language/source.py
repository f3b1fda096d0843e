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


SNIPPET_WIDTH = 100


def snippet(source: SourceFile | None, span: Span) -> str:
    """The source line under ``span`` with a caret line under the spanned text.

    A line longer than ``SNIPPET_WIDTH`` is shown as a window around the
    start of the span, with `...` where it was cut, so that a problem on a
    line of megabytes prints one screen line, not megabytes.

    >>> src = SourceFile(None, "a.crit", "x" * 300 + " bad")
    >>> shown, caret = snippet(src, Span("a.crit", 1, 302, 1, 305)).splitlines()
    >>> len(shown) < 120, shown.endswith("x bad"), caret.index("^") == shown.index(" bad") + 1
    (True, True, True)
    """
    if source is None or span.line <= 0:
        return ""
    text = _line(source.text, span.line).expandtabs(1)
    start = max(span.column - 1, 0)
    end = span.end_column - 1 if span.end_line == span.line else len(text)
    width = max(end - start, 1)
    if len(text) > SNIPPET_WIDTH:
        left = max(0, min(start - SNIPPET_WIDTH * 2 // 3, len(text) - SNIPPET_WIDTH))
        right = left + SNIPPET_WIDTH
        text = ("..." if left else "") + text[left:right] + ("..." if right < len(text) else "")
        start = start - left + (3 if left else 0)
        width = max(1, min(width, SNIPPET_WIDTH - (start - (3 if left else 0))))
    gutter = f"{span.line:>4} | "
    return f"{gutter}{text}\n{' ' * (len(gutter) - 2)}| {' ' * start}{'^' * width}"


def _line(text: str, number: int) -> str:
    """Line ``number`` (1-based) of ``text`` without splitting the whole text."""
    start = 0
    for _ in range(number - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end]
