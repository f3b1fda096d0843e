"""The compiled evaluator agrees with the reference interpreter on every value.

Hypothesis writes expressions (as criteria text, parsed by the real parser)
and evidence with gaps; both evaluators run; the values must be equal,
unknowns and ranges included.
"""

import reference as ref
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.judge import values as v
from engine.judge.context import Ctx
from engine.judge.expressions import compile_expression
from engine.judge.values import Ev, Gap, Range
from engine.language.parse import parse_expression

small = st.integers(min_value=0, max_value=5)


def numbers(depth, bound=False):
    """Number-valued expression text; ``bound``: inside a quantifier over s.items (`i`)."""
    names = ["s.a", "s.b", "level(x)", "level(y)", "count(s.items)", "sum(s.items)",
             "min(s.items)", "max(s.items)"] + (["i"] if bound else [])
    leaf = st.one_of(small.map(str), st.sampled_from(names))
    if depth == 0:
        return leaf
    sub = numbers(depth - 1, bound)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["+", "-", "*"]), sub)
          .map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        booleans(depth - 1, bound=True).map(lambda c: f"count(i in s.items where {c})"),
    )


def booleans(depth, bound=False):
    """Boolean-valued expression text."""
    leaf = st.sampled_from(["true", "false", "s.flag", "s.a is missing", "s.flag is not missing"]
                           + (["i > 2", "i == s.b"] if bound else []))
    if depth == 0:
        return leaf
    sub, num = booleans(depth - 1, bound), numbers(depth - 1, bound)
    return st.one_of(
        leaf,
        st.tuples(num, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), num)
          .map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        st.tuples(sub, st.sampled_from(["and", "or"]), sub)
          .map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        sub.map(lambda c: f"not ({c})"),
        sub.map(lambda c: f"({c}) is missing"),
        st.tuples(st.sampled_from(["all", "any"]), booleans(depth - 1, bound=True))
          .map(lambda t: f"{t[0]}(i in s.items where {t[1]})"),
    )


documents = st.one_of(
    st.none(),
    st.fixed_dictionaries({}, optional={"a": small, "b": small, "flag": st.booleans(),
                                        "items": st.lists(small, max_size=4)}))
ranges = st.tuples(st.integers(1, 4), st.integers(0, 3)).map(lambda t: (t[0], min(t[0] + t[1], 4)))


def normal(value):
    if value is v.UNKNOWN or value == ref.UNKNOWN:
        return "unknown"
    if isinstance(value, Range):
        return value.low if value.low == value.high else ("range", value.low, value.high)
    if isinstance(value, ref.Span):
        return value.low if value.low == value.high else ("range", value.low, value.high)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(booleans(3), numbers(3)), doc=documents, x=ranges, y=ranges)
def test_compiled_and_reference_agree(text, doc, x, y):
    expr = parse_expression(text)
    compiled = compile_expression(expr, evidence=frozenset({"s"}))
    docs = {"s": Gap("s", None, "") if doc is None else Ev(doc, "s", "s.json", "")}
    ctx = Ctx(docs, {}, {"x": Range(*x), "y": Range(*y)})
    got = compiled(ctx)
    if isinstance(got, Ev):
        got = got.value
    if isinstance(got, Gap):
        got = v.UNKNOWN
    want = ref.evaluate(expr, {"docs": {"s": ref.MISSING if doc is None else doc},
                               "levels": {"x": x, "y": y}})
    assert not ctx.warnings, ctx.warnings
    assert normal(got) == normal(want), text
