"""``wellled fmt`` as a library call: format a criteria set's files and write them back.

The layout itself is ``engine.language.fmt`` (pure text in, text out); this module
only decides what to write and writes it, each file atomically.

>>> format_set(Path("criteria/my_set"), write=False)     # doctest: +SKIP
['criteria/my_set/safe.crit']
"""

from __future__ import annotations

from pathlib import Path

from engine.language.fmt import format_changes
from engine.language.limits import Limits
from engine.output.write import atomic_write


def format_set(path: Path, write: bool, limits: Limits = Limits()) -> list[str]:
    """Format every ``.crit`` file of the set at ``path``; the display paths that changed.

    With ``write`` false nothing is written (``wellled fmt --check``). If any
    file has a syntax error, nothing is written and ``CriteriaError`` names them all.
    """
    changed = format_changes(Path(path), limits)
    if write:
        for _, file_path, _, formatted in changed:
            atomic_write(file_path, formatted)
    return [name for name, _, _, _ in changed]
