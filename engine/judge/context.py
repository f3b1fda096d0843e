"""What one evaluation sees at run time, and the helpers every compiled closure uses.

``Ctx`` holds a bundle's documents, facts and levels so far, and the log of value
reads; ``use`` takes a value into an operator (a *read*: logged if it is
evidence), ``use_list`` a list into a function, ``get_field`` goes one step down a
record or list keeping provenance. Evidence values travel as ``Ev`` (known, with
file and pointer) or ``Gap`` (unknown, with where it would have been); records a
path passes through are not reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.judge import values as v
from engine.judge.values import UNKNOWN, Ev, Fault, Gap, Range, new_ev

Fn = Callable[["Ctx"], Any]


class Ctx:
    """What one evaluation sees: a bundle's documents, facts, levels so far, and its log."""

    __slots__ = ("docs", "facts", "levels", "locals", "reads", "warnings", "children",
                 "level_uses", "known", "unknown", "memo")

    def __init__(self, docs: Mapping[str, Any], facts: Mapping[str, Any],
                 levels: dict[str, Range], memo: dict[int, Any] | None = None):
        self.docs = docs
        self.facts = facts
        self.levels = levels
        self.memo = {} if memo is None else memo   # one bundle's constant subexpressions
        self.locals: dict[str, Any] = {}
        self.reads: list[Ev | Gap] = []   # the first READ_LIMIT known and unknown reads
        self.known = 0                     # every known value read, counted
        self.unknown = 0                   # every unknown value read, counted
        self.warnings: list[tuple[str, str]] = []
        self.children: Any = UNKNOWN
        self.level_uses: list[str] = []   # ids whose level(...) was taken: shown in the trace

    def warn(self, message: str, source: str) -> None:
        self.warnings.append((message, source))


# A condition over a list of 100,000 records reads 100,000 values: every one is
# counted (the status depends on them), the first READ_LIMIT known and unknown are
# kept for the trace.
READ_LIMIT = 100


def use(value: Any, ctx: Ctx) -> Any:
    """Take a value into an operator: log it if it is evidence, and return it plain."""
    t = type(value)
    if t is Ev:
        ctx.known += 1
        if ctx.known <= READ_LIMIT:
            ctx.reads.append(value)
        return value.value
    if t is Gap:
        ctx.unknown += 1
        if ctx.unknown <= READ_LIMIT:
            ctx.reads.append(value)
        return UNKNOWN
    return value


def use_list(value: Any, ctx: Ctx) -> Any:
    """Take a list into a function or quantifier: its elements keep their provenance."""
    t = type(value)
    if t is Gap:
        use(value, ctx)
        return UNKNOWN
    if t is Ev:
        use(value, ctx)
        items = value.value
        if type(items) is not list:
            raise Fault(f"expected a list, got {v.describe(items)}")
        # Records keep their provenance for the fields read from them; plain values
        # are covered by the read of the list itself.
        t, file, pointer, schema = value.type, value.file, value.pointer + "/", value.schema
        return [item if type(item) is Ev else
                new_ev(Ev, (item, t, file, pointer + str(i), schema))
                if type(item) in (dict, list) else item
                for i, item in enumerate(items)]
    if value is UNKNOWN or type(value) is list:
        return value
    raise Fault(f"expected a list, got {v.describe(value)}")


def pointer_part(key: Any) -> str:
    """One key of a JSON pointer, escaped: ``a/b`` -> ``a~1b``."""
    key = str(key)
    if "~" not in key and "/" not in key:      # nearly always: skip two copies
        return key
    return key.replace("~", "~0").replace("/", "~1")


def get_field(obj: Any, name: Any) -> Any:
    """``obj.name`` or ``obj["name"]`` (also ``obj[0]`` on lists), keeping provenance."""
    t = type(obj)
    if t is Ev:
        value = obj.value
        pointer = f"{obj.pointer}/{pointer_part(name)}"
        if type(value) is dict:
            if type(name) is not str:
                raise Fault(f"a record is indexed by a string, not {v.describe(name)}")
            if name in value:
                return Ev(value[name], obj.type, obj.file, pointer, obj.schema)
            return Gap(obj.type, obj.file, pointer, obj.schema)
        if type(value) is list:
            if type(name) is not int or name < 0:
                raise Fault(f"a list is indexed by a whole number from 0, not {v.describe(name)}")
            if name < len(value):
                item = value[name]
                return item if type(item) is Ev else Ev(item, obj.type, obj.file, pointer,
                                                        obj.schema)
            return Gap(obj.type, obj.file, pointer, obj.schema)
        raise Fault(f"{v.describe(value)} has no field `{name}`")
    if t is Gap:
        return Gap(obj.type, obj.file, f"{obj.pointer}/{pointer_part(name)}", obj.schema)
    if obj is UNKNOWN:
        return UNKNOWN
    if t is dict:
        return obj.get(name, UNKNOWN)
    if t is list and type(name) is int:
        return obj[name] if 0 <= name < len(obj) else UNKNOWN
    raise Fault(f"{v.describe(obj)} has no field `{name}`")
