"""Limits that keep a criteria set from exhausting the checker (issue 19).

Two things a criteria file can do grow without bound and are limits, each with
a command-line flag and a default far above anything a real framework needs:

* the size of one ``.crit`` file (``--max-criteria-mb``, default 10 MB: the
  shipped files are under 20 KB each), refused before it is read (E005);
* how deeply an expression or a test's inline evidence nests
  (``--max-depth``, default 100): ``a and b and c ...`` with 800 terms,
  100,000 `not`s, a list inside a list 500 times (E006). The checker, the
  compiler and the evaluator follow an expression's structure, so depth has a
  ceiling; a realistic rung nests fewer than 20 deep, and a long condition
  reads better split into ``let`` names (each starts again at depth 1).

Depth is measured without recursion, so measuring it is safe at any depth.

>>> from engine.language.parse import parse_text
>>> file, _ = parse_text('statement s "" { criterion c "" { level 2 when '
...                      + " and ".join(["x"] * 150) + ' } }', "a.crit")
>>> too_deep(file, 100)[1]
'condition'
>>> too_deep(file, 200) is None
True
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from engine.language import nodes as n
from engine.source import Span

DEFAULT_MAX_FILE_MB = 10.0
DEFAULT_MAX_DEPTH = 100
# Above this the recursive stages (type checker, compiler, evaluator, formatter)
# would meet Python's recursion limit; --max-depth accepts at most this.
MAX_DEPTH_CEILING = 200


@dataclass(frozen=True)
class Limits:
    """How large a criteria file and how deep an expression may be.

    >>> Limits().max_bytes
    10485760
    """

    max_file_mb: float = DEFAULT_MAX_FILE_MB
    max_depth: int = DEFAULT_MAX_DEPTH

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)


# Field types that never hold a node, a JSON value or a tuple of them.
_LEAVES = frozenset({"Span", "Span | None", "bool", "dt.date", "dt.date | None", "float", "int",
                     "int | None", "int | str", "str", "str | None", "tuple[str, ...]",
                     "tuple[tuple[str, str], ...]", "tuple[Comment, ...]",
                     "tuple[ScaleLevel, ...]", "tuple[Band, ...]", "tuple[Expectation, ...]"})


@functools.lru_cache(maxsize=128)
def _child_fields(kind: type) -> tuple[str, ...]:
    """The fields of a node class that can hold nodes, JSON values or tuples of them."""
    fields = getattr(kind, "__dataclass_fields__", {})
    return tuple(name for name, f in fields.items() if str(f.type) not in _LEAVES)


def too_deep(file: n.File, limit: int) -> tuple[Span, str] | None:
    """The first place in ``file`` where an expression or JSON value nests past ``limit``.

    Returns the span to point at (the expression, or the `evidence` line of a
    test) and what nests ("condition" or "test evidence"), or None. Declarations,
    tuples and records that only hold parts do not count as depth; expression
    nodes, lists and JSON objects do.
    """
    expr, containers = n._Expr, (dict, list)
    # (value, depth of expressions or JSON containers above it, span to point at)
    stack: list[tuple[Any, int, Span]] = [(d, 0, d.span) for d in file.declarations]
    pop, push = stack.pop, stack.append
    while stack:
        value, depth, where = pop()
        if isinstance(value, tuple):
            for item in value:
                push((item, depth, where))
            continue
        if isinstance(value, expr):
            if depth == 0 and value.span.line > 0:
                where = value.span  # point at the whole condition, where it starts
            depth += 1
        elif isinstance(value, containers):
            depth += 1
            if depth > limit:
                return where, "test evidence"
            for item in (value.values() if isinstance(value, dict) else value):
                if isinstance(item, containers):
                    push((item, depth, where))
            continue
        elif value is None or not hasattr(value, "__dataclass_fields__"):
            continue
        elif isinstance(value, n.TestEvidence):
            where = value.span
        if depth > limit:
            return where, "condition"
        for name in _child_fields(type(value)):
            child = getattr(value, name)
            if child is not None:
                push((child, depth, where))
    return None
