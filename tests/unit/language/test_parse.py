"""The grammar and parser: strict LALR, every rule transformed, syntax errors that help."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from lark import Lark

from engine import resources
from engine.language import nodes as n
from engine.language.parse import parse_expression, parse_text, parser, tree_leaks

CONFORMANCE = (Path(__file__).resolve().parents[2] / "data" / "conformance/criteria/well_led.crit")
GRAMMAR = resources.data_dir("grammar") / "criteria.lark"


def test_grammar_builds_with_no_conflicts() -> None:
    Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", strict=True)


def test_every_rule_and_alias_has_a_transformer_method() -> None:
    from engine.language.parse import _ARITH, _COMPARE, _ToAst

    # The tree name of a rule is its alias, else its own name; `?` rules with no
    # alias are inlined and never reach the transformer.
    names = {str(r.alias or r.origin.name) for r in parser().rules
             if not (r.options.expand1 and r.alias is None)
             and not str(r.origin.name).startswith("_")}
    handled = set(dir(_ToAst)) | set(_COMPARE) | set(_ARITH)
    assert sorted(names - handled) == []


@pytest.mark.skipif(not CONFORMANCE.exists(), reason="shared conformance set not present")
def test_conformance_example_parses_to_plain_ast() -> None:
    file, diags = parse_text(CONFORMANCE.read_text(encoding="utf-8"), "well_led.crit")
    assert file is not None and len(diags) == 0
    assert not tree_leaks(file)
    kinds = [type(d).__name__ for d in file.declarations]
    assert kinds == ["Framework", "Scale", "Evidence", "Evidence", "Evidence", "Aggregation",
                     "Aggregation", "KeyQuestion", "Statement"]
    statement = file.declarations[-1]
    assert [c.id for c in statement.criteria] == ["vision_coproduced", "staff_know_vision",
                                                  "raise_concerns"]
    assert all(c.statement == "shared_direction" for c in statement.criteria)


@pytest.mark.parametrize("text, expected", [
    ("a or b and c", "(a or (b and c))"),
    ("not a and b", "((not a) and b)"),
    ("not a == 1", "(not (a == 1))"),
    ("a + b * c", "(a + (b * c))"),
    ("a - b - c", "((a - b) - c)"),
    ("-a.b", "(-a.b)"),
    ("(a or b) and c", "((a or b) and c)"),
    ("a.b[0].c >= 3", "(a.b[0].c >= 3)"),
    ("x in [1, 2]", "(x in [1, 2])"),
    ("x not in l", "(x not in l)"),
    ("x is not missing", "(x is not missing)"),
    ("x is none", "(x is none)"),
    ("date - 12 months", "(date - 12 months)"),
    ("level(x) >= established", "(level(x) >= established)"),
])
def test_precedence(text: str, expected: str) -> None:
    assert show(parse_expression(text)) == expected


def show(e: n._Expr) -> str:
    """A fully parenthesised rendering, to pin the tree's shape."""
    match e:
        case n.BoolOp(op=op, left=a, right=b) | n.Compare(op=op, left=a, right=b) \
                | n.Arith(op=op, left=a, right=b):
            return f"({show(a)} {op} {show(b)})"
        case n.Not(operand=a):
            return f"(not {show(a)})"
        case n.Negate(operand=a):
            return f"(-{show(a)})"
        case n.IsCheck(operand=a, what=w, negated=neg):
            return f"({show(a)} is {'not ' if neg else ''}{w})"
        case n.Field(obj=o, name=name):
            return f"{show(o)}.{name}"
        case n.Index(obj=o, key=k):
            return f"{show(o)}[{show(k)}]"
        case n.Name(id=i):
            return i
        case n.Literal(value=v):
            return repr(v) if isinstance(v, str) else str(v)
        case n.Duration(amount=a, unit=u):
            return f"{a} {u}"
        case n.LevelOf(target=t):
            return f"level({t})"
        case n.ListExpr(items=items):
            return "[" + ", ".join(show(i) for i in items) + "]"
    raise AssertionError(type(e))


@pytest.mark.parametrize("text, value", [
    ('"a \\"b\\" \\\\ \\n"', 'a "b" \\ \n'),
    ('"""first\n      second"""', "first\nsecond"),
    ("0.85", 0.85),
    ("-3", -3),
    ("12", 12),
    ("true", True),
    ("none", None),
])
def test_literals(text: str, value: object) -> None:
    expr = parse_expression(text)
    assert isinstance(expr, n.Literal) and expr.value == value


@pytest.mark.parametrize("text, amount, unit", [
    ("90 days", 90, "days"), ("1 year", 1, "years"), ("6 weeks", 6, "weeks"),
    ("12 months", 12, "months"),
])
def test_durations(text: str, amount: int, unit: str) -> None:
    expr = parse_expression(text)
    assert isinstance(expr, n.Duration) and (expr.amount, expr.unit) == (amount, unit)


def test_dates_are_dates() -> None:
    expr = parse_expression("2025-03-31")
    assert isinstance(expr, n.DateLiteral) and expr.value == dt.date(2025, 3, 31)


@pytest.mark.parametrize("field", ["year", "level", "category", "months", "date", "kind"])
def test_keywords_after_a_dot_are_field_names(field: str) -> None:
    expr = parse_expression(f"survey.{field}")
    assert isinstance(expr, n.Field) and expr.name == field


@pytest.mark.parametrize("text, func, var, has_where, has_element", [
    ("count(p in l where p == 1)", "count", "p", True, False),
    ("mean(x.s for x in l)", "mean", "x", False, True),
    ("max(x.s for x in l where x.t)", "max", "x", True, True),
])
def test_comprehensions(text: str, func: str, var: str, has_where: bool,
                        has_element: bool) -> None:
    call = parse_expression(text)
    assert isinstance(call, n.Call) and call.func == func
    comp = call.comprehension
    assert comp is not None and comp.var == var
    assert (comp.where is not None, comp.element is not None) == (has_where, has_element)


@pytest.mark.parametrize("note, text, message, help_part", [
    ("= for ==", 'statement s "" { criterion c "" { level 2 when a = 1 } }',
     "syntax error: unexpected `=`", "`==`"),
    ("string not closed", 'evidence e "open\n', "syntax error: a string is not closed",
     '`"""`'),
    ("level without when", 'statement s "" { criterion c "" { level 2 a } }',
     "syntax error: unexpected `a`", "`when`"),
    ("file ends in a block", 'scale m {', "syntax error: the scale `m` opened at line 1 is not",
     "`}`"),
    ("not a date", 'test "t" { date 2025-02-30 }', "`2025-02-30` is not a real date",
     "YYYY-MM-DD"),
    ("where without in", 'statement s "" { criterion c "" { level 2 when all(x where x) } }',
     "needs `name in list` before `where`", "all(x in LIST"),
])
def test_syntax_errors(note: str, text: str, message: str, help_part: str) -> None:
    _, diags = parse_text(text, "bad.crit")
    errors = diags.errors
    assert errors, note
    assert errors[0].code == "E001"
    assert message in errors[0].message
    assert help_part in (errors[0].help or "")


def test_comments_are_kept_with_their_place_and_not_inside_strings() -> None:
    text = '# one\nevidence e "a # not a comment" # two\n'
    file, _ = parse_text(text, "c.crit")
    assert file is not None
    assert [(c.text, c.span.line, c.span.column) for c in file.comments] == [
        ("# one", 1, 1), ("# two", 2, 32)]
