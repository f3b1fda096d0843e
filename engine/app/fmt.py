"""``wellled fmt`` as a library call: format a criteria set's files, show and write the changes.

The layout itself is ``engine.language.fmt`` (pure text in, text out); this module
decides what to write and writes it, each file atomically, and gives each change as a
unified diff for ``fmt --diff``. The command line only prints what it is handed.

>>> format_set(Path("criteria/my_set"), write=False)     # doctest: +SKIP
['criteria/my_set/safe.crit']
>>> list(diff_lines(Change("a.crit", Path("a.crit"), "x=1\\n", "x = 1\\n")))[2:]
[('@@ -1 +1 @@\\n', 'cyan'), ('-x=1\\n', 'red'), ('+x = 1\\n', 'green')]
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from engine.app.write import atomic_write
from engine.language.fmt import format_changes
from engine.language.limits import Limits

_STYLES = {"+": "green", "-": "red", "@": "cyan"}


@dataclass(frozen=True)
class Change:
    """One file whose layout is not canonical: its display name, path, text now and formatted."""

    name: str
    path: Path
    old: str
    new: str


def format_files(path: Path, write: bool, limits: Limits = Limits()) -> list[Change]:
    """Format every ``.crit`` file of the set at ``path``; the files that changed, in order.

    With ``write`` false nothing is written (``wellled fmt --check``). If any file has a
    syntax error, nothing is written and ``CriteriaError`` names them all.
    """
    changed = [Change(*item) for item in format_changes(Path(path), limits)]
    if write:
        for change in changed:
            atomic_write(change.path, change.new)
    return changed


def format_set(path: Path, write: bool, limits: Limits = Limits()) -> list[str]:
    """``format_files``, as the display paths that changed."""
    return [change.name for change in format_files(path, write, limits)]


def diff_lines(change: Change) -> Iterator[tuple[str, str | None]]:
    """The change as a unified diff: (line ending in a newline, colour or None) per line."""
    for line in difflib.unified_diff(change.old.splitlines(keepends=True),
                                     change.new.splitlines(keepends=True),
                                     f"{change.name} (now)", f"{change.name} (formatted)"):
        line = line if line.endswith("\n") else line + "\n"
        yield line, (None if line.startswith(("+++", "---")) else _STYLES.get(line[:1]))
