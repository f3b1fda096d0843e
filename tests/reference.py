"""A deliberately simple reference interpreter of the criteria language's expressions.

It walks the AST on every call and shares no code with engine/judge: Kleene
logic is min/max over the order false < unknown < true, and a range is
compared by trying every whole level in it. The differential test checks that
the compiled evaluator agrees with it on every value.
"""

from __future__ import annotations

import itertools

from engine.language import nodes as n

UNKNOWN = "UNKNOWN"
MISSING = object()            # a field or document that was not provided
_RANK = {False: 0, UNKNOWN: 1, True: 2}
_BY_RANK = {0: False, 1: UNKNOWN, 2: True}


class Span:
    """A number known to be one of the whole numbers low..high."""

    def __init__(self, low, high):
        self.low, self.high = low, high

    def points(self):
        return range(self.low, self.high + 1)


def k_and(a, b):
    return _BY_RANK[min(_RANK[a], _RANK[b])]


def k_or(a, b):
    return _BY_RANK[max(_RANK[a], _RANK[b])]


def k_not(a):
    return _BY_RANK[2 - _RANK[a]]


def _points(x):
    return list(x.points()) if isinstance(x, Span) else [x]


def _lift(fn, a, b):
    """Apply fn to every combination of points; all agree -> that, else unknown."""
    results = {fn(x, y) for x, y in itertools.product(_points(a), _points(b))}
    return results.pop() if len(results) == 1 else UNKNOWN


_CMP = {"==": lambda x, y: x == y, "!=": lambda x, y: x != y, "<": lambda x, y: x < y,
        "<=": lambda x, y: x <= y, ">": lambda x, y: x > y, ">=": lambda x, y: x >= y}
_ARITH = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y}


def evaluate(e, env):
    """The value of expression ``e``; env: {"docs": {id: dict | MISSING}, "levels": {id: (lo, hi)}}."""
    if isinstance(e, n.Literal):
        return e.value
    if isinstance(e, n.Name):
        if e.id in env.get("vars", {}):
            return env["vars"][e.id]
        doc = env["docs"][e.id]
        return UNKNOWN if doc is MISSING else doc
    if isinstance(e, n.Field):
        obj = evaluate(e.obj, env)
        if obj is UNKNOWN:
            return UNKNOWN
        value = obj.get(e.name, MISSING)
        return UNKNOWN if value is MISSING else value
    if isinstance(e, n.LevelOf):
        low, high = env["levels"][e.target]
        return Span(low, high)
    if isinstance(e, n.Not):
        return k_not(evaluate(e.operand, env))
    if isinstance(e, n.BoolOp):
        a, b = evaluate(e.left, env), evaluate(e.right, env)
        return k_and(a, b) if e.op == "and" else k_or(a, b)
    if isinstance(e, n.IsCheck):
        value = evaluate(e.operand, env)
        result = value is UNKNOWN if e.what == "missing" else (
            UNKNOWN if value is UNKNOWN else value is None)
        return k_not(result) if e.negated else result
    if isinstance(e, n.Compare):
        a, b = evaluate(e.left, env), evaluate(e.right, env)
        if a is UNKNOWN or b is UNKNOWN:
            return UNKNOWN
        return _lift(_CMP[e.op], a, b)
    if isinstance(e, n.Arith):
        a, b = evaluate(e.left, env), evaluate(e.right, env)
        if a is UNKNOWN or b is UNKNOWN:
            return UNKNOWN
        if isinstance(a, Span) or isinstance(b, Span):
            sums = [_ARITH[e.op](x, y) for x, y in itertools.product(_points(a), _points(b))]
            return Span(min(sums), max(sums))
        return _ARITH[e.op](a, b)
    if isinstance(e, n.Call):
        return _call(e, env)
    raise NotImplementedError(type(e).__name__)


def _call(e, env):
    c = e.comprehension
    source = evaluate(c.source if c else e.args[0], env)
    if source is UNKNOWN:
        return UNKNOWN
    conds, vals = [], []
    for item in source:
        inner = {**env, "vars": {**env.get("vars", {}), **({c.var: item} if c else {})}}
        conds.append(evaluate(c.where, inner) if c and c.where else True)
        vals.append(evaluate(c.element, inner) if c and c.element else item)
    f = e.func
    if f == "all":
        result = True
        for cond in conds:
            result = k_and(result, cond)
        return result
    if f == "any":
        result = False
        for cond in conds:
            result = k_or(result, cond)
        return result
    if UNKNOWN in conds:
        return UNKNOWN
    if f == "count":
        return conds.count(True)
    if f == "percent":
        return UNKNOWN if not conds else 100 * conds.count(True) / len(conds)
    kept = [val for cond, val in zip(conds, vals) if cond is True]
    if UNKNOWN in kept:
        return UNKNOWN
    if f == "sum":
        return sum(kept)
    if not kept:
        return UNKNOWN
    if f == "mean":
        return sum(kept) / len(kept)
    return min(kept) if f == "min" else max(kept)


# ---------------------------------------------------------------- combining children
# The spec's paragraph on combining children, written out plainly with whole-number
# arithmetic (no Fractions, nothing shared with engine/judge/aggregate.py).


def _floor_div(a, b):
    return a // b


def _ceil_div(a, b):
    return -((-a) // b)


def _rounded(num, den, rounding):
    """num/den to a whole number by ``rounding``; None: (num, den) left exact."""
    if rounding == "nearest":
        return _floor_div(2 * num + den, 2 * den), 1
    if rounding == "down":
        return _floor_div(num, den), 1
    if rounding == "up":
        return _ceil_div(num, den), 1
    return num, den


def combine(method, levels, top, rounding=None, bands=()):
    """One aggregation of whole-number levels (bands: (level, whole-number threshold))."""
    if method == "min":
        return min(levels)
    if method == "max":
        return max(levels)
    if method == "mean":
        value, _ = _rounded(sum(levels), len(levels), rounding or "down")
        return max(1, min(top, value))
    if method == "percent":
        num, den = _rounded(100 * sum(levels), len(levels) * top, rounding)
        level = 1
        for band_level, threshold in bands:
            if num >= threshold * den:            # p >= threshold, exactly
                level = max(level, band_level)
        return level
    raise NotImplementedError(method)


def judge_parent(children, *, top, method, rounding=None, bands=(), by_category=None,
                 caps=()):
    """(status, low, high, (assessed, of)) of a statement or key question.

    children: dicts with id, status (rated | partial | not_assessed | not_applicable),
    low, high (None unless rated or partial) and category. by_category: None or
    (method, rounding, bands). caps: (level, parsed condition over `children`).
    """
    taking = [c for c in children if c.get("status") != "not_applicable"]
    assessed = sum(1 for c in taking if c["status"] != "not_assessed")
    coverage = (assessed, len(taking))
    if not taking:
        return "not_applicable", None, None, coverage
    if assessed == 0:
        return "not_assessed", None, None, coverage

    def span(c):
        return (1, top) if c["status"] == "not_assessed" else (c["low"], c["high"])

    if by_category is None:
        units = [span(c) for c in taking]
    else:
        units = []
        for category in dict.fromkeys(c["category"] for c in taking):
            members = [span(c) for c in taking if c["category"] == category]
            units.append((combine(by_category[0], [lo for lo, _ in members], top,
                                  by_category[1], by_category[2]),
                          combine(by_category[0], [hi for _, hi in members], top,
                                  by_category[1], by_category[2])))
    low = combine(method, [lo for lo, _ in units], top, rounding, bands)
    high = combine(method, [hi for _, hi in units], top, rounding, bands)
    env = {"docs": {"children": [{"id": c["id"], "category": c["category"],
                                  "level": Span(*span(c))} for c in taking]}}
    for level, condition in caps:
        outcome = evaluate(condition, env)
        if outcome is True:
            low, high = min(low, level), min(high, level)
        elif outcome == UNKNOWN:
            low = min(low, level)
    return ("rated" if low == high else "partial"), low, high, coverage
