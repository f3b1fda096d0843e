"""The built-in functions of the criteria language as reducers: count, percent, all,
any, sum, mean, min, max.

Each reducer takes (condition, value) pairs, one per element; the condition is
True, False or UNKNOWN (True when there is no ``where``). A fault of types raises
``Fault`` (the caller's guard turns it into unknown plus a warning).

>>> REDUCERS["percent"]([(True, None), (False, None), (True, None), (True, None)])
75
>>> REDUCERS["max"]([(True, 2), (False, 9), (True, 4)])
4
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.judge import values as v
from engine.judge.values import UNKNOWN, Fault, Range


def _kept(pairs) -> Any:
    """Values whose condition holds; UNKNOWN if any condition or kept value is unknown."""
    out = []
    for cond, value in pairs:
        if cond is UNKNOWN:
            return UNKNOWN
        if cond is True:
            if value is UNKNOWN:
                return UNKNOWN
            out.append(value)
    return out


def _count(pairs) -> Any:
    if any(cond is UNKNOWN for cond, _ in pairs):
        return UNKNOWN
    return sum(1 for cond, _ in pairs if cond is True)


def _percent(pairs) -> Any:
    if not pairs:
        return UNKNOWN
    hits = _count(pairs)
    return UNKNOWN if hits is UNKNOWN else v.arith("/", 100 * hits, len(pairs))


def _all(pairs) -> Any:
    return v.all3([cond for cond, _ in pairs])


def _any(pairs) -> Any:
    return v.any3([cond for cond, _ in pairs])


def _numbers(values: list) -> list:
    for x in values:
        if not v.is_number(x):
            raise Fault(f"expected numbers, got {v.describe(x)}")
    return values


def _sum(pairs) -> Any:
    values = _kept(pairs)
    if values is UNKNOWN:
        return UNKNOWN
    total: Any = 0
    for x in _numbers(values):
        total = v.arith("+", total, x)
    return total


def _mean(pairs) -> Any:
    values = _kept(pairs)
    if values is UNKNOWN or not values:
        return UNKNOWN
    return v.arith("/", _sum([(True, x) for x in values]), len(values))


def _extreme(pick) -> Callable:
    def reducer(pairs) -> Any:
        values = _kept(pairs)
        if values is UNKNOWN or not values:
            return UNKNOWN
        if any(type(x) is Range for x in values):
            _numbers(values)
            lows = [x.low if type(x) is Range else x for x in values]
            highs = [x.high if type(x) is Range else x for x in values]
            return Range(pick(lows), pick(highs))
        kinds = {"number" if v.is_number(x) else type(x) for x in values}
        if len(kinds) > 1 or kinds - {"number", str, v.dt.date}:
            raise Fault("min and max need values of one kind: numbers, strings or dates")
        return pick(values)
    return reducer


REDUCERS: dict[str, Callable] = {
    "count": _count, "percent": _percent, "all": _all, "any": _any, "sum": _sum,
    "mean": _mean, "min": _extreme(min), "max": _extreme(max),
}
