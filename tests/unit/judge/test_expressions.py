"""The compiler's fast paths give exactly what the plain node-by-node closures give.

A static path (``s.rec["y"].z``) is walked as one closure, a comparison has a
fast path for two numbers or two strings and a literal side held as a constant,
``and``/``or`` are written out on three values. Each is checked here against the
general form it replaces (``Plain`` below: the closures as they were before the
fast paths), on a table of expressions x documents that takes every way out of a
fast path: missing keys, gaps, lists and non-records half-way, faults, booleans,
dates, ``none``, keys that need escaping in a JSON pointer. Equal means the same
value, the same reads (kind, value, file, pointer, in order), the same counts of
known and unknown reads, and the same warnings with the same source.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
import pytest

from engine.judge import expressions as ex
from engine.judge import values as v
from engine.judge.context import Ctx, get_field, use
from engine.judge.expressions import ExpressionCompiler, Scope, SourceNames
from engine.judge.values import UNKNOWN, Ev, Fault, Gap, Range
from engine.language import nodes as n
from engine.language.parse import parse_expression
from engine.language.resolve import resolve_expression


class Plain(ExpressionCompiler):
    """Paths, comparisons and ``and``/``or`` compiled node by node, without fast paths."""

    def _static_path(self, e, scope):
        return None

    def _field(self, e, scope):
        return self._plain_field(e, scope)

    def _index(self, e, scope):
        return self._plain_index(e, scope)

    def _compare(self, e, scope):
        left, right, op = self.expr(e.left, scope), self.expr(e.right, scope), e.op
        if op in ("in", "not in"):
            def membership(ctx):
                result = v.member(use(left(ctx), ctx), use(right(ctx), ctx))
                return v.not3(result) if op == "not in" else result
            return self._guard(e, membership)
        return self._guard(e, lambda ctx: v.compare(op, use(left(ctx), ctx),
                                                    use(right(ctx), ctx)))

    def _arith(self, e, scope):
        left, right, op = self.expr(e.left, scope), self.expr(e.right, scope), e.op
        return self._guard(e, lambda ctx: v.arith(op, use(left(ctx), ctx),
                                                  use(right(ctx), ctx)))

    def _boolop(self, e, scope):
        left, right = self.expr(e.left, scope), self.expr(e.right, scope)
        combine = v.and3 if e.op == "and" else v.or3

        def boolop(ctx):
            a = use(left(ctx), ctx)
            b = use(right(ctx), ctx)
            return combine(v.truth(a), v.truth(b))
        return self._guard(e, boolop)

    def condition(self, expr, scope):
        inner, source = self.expr(expr, scope), self.sources.name(expr.span)

        def condition(ctx):
            try:
                return v.truth(use(inner(ctx), ctx))
            except Fault as fault:
                ctx.warn(str(fault), source)
                return UNKNOWN
        return condition


def compiled(cls, text: str):
    """``text`` compiled by ``compile_expression`` with the compiler class ``cls``."""
    original, ex.ExpressionCompiler = ex.ExpressionCompiler, cls
    try:
        return ex.compile_expression(parse_expression(text), evidence=frozenset({"s"}),
                                     levels={"developing": 2})
    finally:
        ex.ExpressionCompiler = original


def compiled_condition(cls, text: str):
    """``text`` compiled as a condition (a rung's ``when``) by the compiler class ``cls``."""
    expr = parse_expression(text)
    references, _ = resolve_expression(expr, evidence=frozenset({"s"}),
                                       levels={"developing": 2})
    compiler = cls(references, {"developing": 2}, SourceNames(Path.cwd()))
    return compiler.condition(expr, Scope(set(), "criterion"))


DOCS = {
    "full": {"a": 3, "b": 2.5, "t": "x", "flag": True, "n": None, "when": "2025-01-31",
             "rec": {"x": 1, "y": {"z": 2}}, "lst": [1, {"x": 1}],
             "k/ey": {"~t": 5}, "items": [{"x": 1}, {"x": 3}, {"y": 1}]},
    "empty": {},
    "absent": None,                                     # the document is not provided
    "rec is a number": {"rec": 5, "a": 1},
    "rec is a list": {"rec": [1, 2], "a": 1},
    "rec.y is none": {"rec": {"y": None, "x": "1"}, "a": True},
    "rec.y is a list": {"rec": {"y": [1], "x": 1.5}, "t": 3},
    "values of other kinds": {"a": "3", "b": True, "t": None, "flag": 1,
                              "rec": {"x": [1], "y": {"z": "2"}}},
    "a document that is a list": [1, 2],
}

EXPRESSIONS = [
    "s.a", "s.rec.x", "s.rec.y.z", 's["k/ey"]["~t"]', 's.rec["y"].z', "s.lst[1].x",
    "s.lst.x", "s.a.x", "s.rec.y", "s.missing.deeper.still",
    "s.a >= 2", "s.b > 2", 's.t == "x"', 's.t >= "a"', "s.flag == true", "s.a == 3.0",
    "s.rec.x >= s.a", "s.t < 3", "s.rec.y.z != 2", "s.n == none", "s.a >= s.b",
    "s.missing >= 1", "s.rec.y.z <= 2.5", "2 < s.a", "s.when >= assessment.date",
    "assessment.date - 6 months <= s.when", "s.a >= developing", 's.t in ["x", "y"]',
    "s.a not in [1, 2]", "s.rec.x + 1 >= s.a", "s.lst[1].x >= 1", "s.lst[0] == 1",
    "min(i.x for i in s.items) >= 1",
    "s.a and s.flag", "s.flag or s.rec.x > 0", '(s.a > 1) and (s.t == "x")',
    "s.flag and s.missing > 1", "s.missing > 1 or s.flag", "not (s.a > 1)",
    "count(i in s.items where i.x >= 2)", "all(i in s.items where i.x > 0)",
    "any(i in s.items where i.x == 3 or i.y == 1)", "sum(i.x for i in s.items)",
    "count(i in s.items where i.x)", "s.a - s.b", "s.a * 2", "s.a / 0", "s.b / 2",
    "s.t + 1", "s.rec.y.z - s.missing", "level(x) + 1", "s.when - assessment.date",
]


def snapshot(value, ctx: Ctx):
    def one(x):
        if type(x) is Ev:
            return ("ev", x.value, x.type, x.file, x.pointer)
        if type(x) is Gap:
            return ("gap", x.type, x.file, x.pointer)
        return x
    return (one(value), [one(r) for r in ctx.reads], ctx.known, ctx.unknown, ctx.warnings)


def run(fn, doc):
    docs = {"s": Gap("s", None, "") if doc is None else Ev(doc, "s", "s.json", "")}
    facts = {"assessment": {"date": dt.date(2025, 6, 30)}, "provider": {}}
    ctx = Ctx(docs, facts, {"x": Range(2, 3)})
    return snapshot(fn(ctx), ctx)


CONDITIONS = ["s.flag", "s.a", "s.n", "s.rec.y", "s.rec.y.z", "s.missing", "s.lst[1].x",
              's["k/ey"]["~t"]', "s.lst.x", "s.flag and s.a > 1", "s.a > 1", "not s.flag"]


@pytest.mark.parametrize("text", EXPRESSIONS + CONDITIONS)
def test_a_condition_gives_what_the_plain_condition_gives(text):
    fast, plain = compiled_condition(ExpressionCompiler, text), compiled_condition(Plain, text)
    for name, doc in DOCS.items():
        assert run(fast, doc) == run(plain, doc), f"{text} on {name}"


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_fast_paths_give_what_the_plain_closures_give(text):
    fast, plain = compiled(ExpressionCompiler, text), compiled(Plain, text)
    for name, doc in DOCS.items():
        assert run(fast, doc) == run(plain, doc), f"{text} on {name}"


def test_the_table_takes_every_way_out_of_the_fast_paths():
    """Not vacuous: the table meets faults, gaps and known reads on both sides."""
    seen = [run(compiled(ExpressionCompiler, t), d) for t in EXPRESSIONS for d in DOCS.values()]
    assert any(w for *_, w in seen)                          # warnings (faults)
    assert any(u for *_, u, _ in seen)                       # unknown reads
    assert any(value is UNKNOWN for value, *_ in seen)
    assert {value for value, *_ in seen if type(value) is bool} == {True, False}


def test_a_static_path_reads_one_value_with_its_whole_pointer():
    fn = compiled(ExpressionCompiler, 's["k/ey"]["~t"] >= 5')
    value, reads, known, unknown, warnings = run(fn, DOCS["full"])
    assert (value, known, unknown, warnings) == (True, 1, 0, [])
    assert reads == [("ev", 5, "s", "s.json", "/k~1ey/~0t")]


def test_a_fault_half_way_is_warned_at_the_node_where_it_happens():
    value, reads, _, _, warnings = run(compiled(ExpressionCompiler, "s.rec.y.z"),
                                       DOCS["rec is a number"])
    assert value is UNKNOWN and reads == []
    assert warnings == [("the number 5 has no field `y`", "<expr>:1")]


@pytest.mark.parametrize("text", [t for t in EXPRESSIONS
                                  if type(parse_expression(t)) in (n.Compare, n.BoolOp, n.Not)])
def test_comparisons_and_logic_give_only_true_false_or_unknown(text):
    """What lets a condition that is a comparison or ``and``/``or`` skip taking its value."""
    fn = compiled(ExpressionCompiler, text)
    for doc in DOCS.values():
        value = run(fn, doc)[0]
        assert value is True or value is False or value is UNKNOWN, (text, value)


def test_get_field_on_a_range_is_a_fault():
    with pytest.raises(Fault):
        get_field(Range(1, 2), "x")
