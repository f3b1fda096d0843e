"""Source text and spans: where in which ``.crit`` file a node came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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
    r"""A criteria file's text, with the name it is shown by in messages.

    >>> SourceFile(None, "a.crit", "one\ntwo\r\nthree").line(2)
    'two'
    """

    path: Path
    name: str
    text: str
    # Where each line starts, found once on the first `line()` call: a file with
    # thousands of diagnostics must not be scanned from the top for each (issue 19).
    starts: list[int] | None = field(default=None, compare=False, repr=False)

    def line(self, number: int) -> str:
        starts = self.starts
        if starts is None:
            starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
            object.__setattr__(self, "starts", starts)
        if not 0 < number <= len(starts):
            return ""
        end = starts[number] - 1 if number < len(starts) else len(self.text)
        return self.text[starts[number - 1]:end].removesuffix("\r")


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
    # Control characters are shown as `?`: nothing in a file may drive the terminal.
    text = "".join(c if c.isprintable() else "?" for c in source.line(span.line).expandtabs(1))
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
