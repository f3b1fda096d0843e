"""Expressions printed from the AST in ``wellled fmt``'s canonical form.

``wellled fmt`` prints files from the concrete tree (it keeps comments and the
quoting of strings). Tools that compare or show conditions (``wellled diff``,
``wellled table``) need the same text from an AST node alone: one line, single
spaces, only the parentheses precedence needs, so two conditions that differ
only in layout or comments print the same.

>>> from engine.language.parse import parse_expression
>>> format_expr(parse_expression("(survey.score>=70)  and (x.done or  y.done)"))
'survey.score >= 70 and (x.done or y.done)'
>>> format_expr(parse_expression('count(p in s.with where p in ["a", "b"]) >= 2'))
'count(p in s.with where p in ["a", "b"]) >= 2'
>>> format_expr(parse_expression("s.on >= assessment.date - 12 months"))
's.on >= assessment.date - 12 months'
"""

from __future__ import annotations

import json

from engine.language import nodes as n
from engine.language.fmt import _BINARY

# The precedence table is fmt's own (or 1 ... atoms 9), looked up by operator, so the
# two printers cannot drift apart.
_BY_OP = {op: (precedence, left, right) for op, precedence, left, right in _BINARY.values()}


def format_expr(expr: n._Expr) -> str:
    """The canonical one-line text of an expression."""
    return _printed(expr)[0]


def format_number(value: int | float) -> str:
    """A number as the language writes it: ``70``, ``0.8`` (a whole float prints whole).

    >>> format_number(70.0), format_number(0.80), format_number(-3)
    ('70', '0.8', '-3')
    """
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def format_string(text: str) -> str:
    """A string literal as the language reads it back (escapes where needed).

    >>> format_string('say "yes"')
    '"say \\\\"yes\\\\""'
    """
    return json.dumps(text, ensure_ascii=False)


def _wrap(expr: n._Expr, least: int) -> str:
    text, precedence = _printed(expr)
    return f"({text})" if precedence < least else text


def _printed(expr: n._Expr) -> tuple[str, int]:
    """The text of an expression and its precedence."""
    match expr:
        case n.BoolOp(op=op, left=a, right=b) | n.Compare(op=op, left=a, right=b) \
                | n.Arith(op=op, left=a, right=b):
            precedence, left, right = _BY_OP[op]
            return f"{_wrap(a, left)} {op} {_wrap(b, right)}", precedence
        case n.IsCheck(operand=o, what=what, negated=negated):
            return f"{_wrap(o, 5)} is {'not ' if negated else ''}{what}", 4
        case n.Not(operand=o):
            return f"not {_wrap(o, 3)}", 3
        case n.Negate(operand=o):
            return f"-{_wrap(o, 7)}", 7
        case n.Field(obj=o, name=name):
            return f"{_wrap(o, 8)}.{name}", 8
        case n.Index(obj=o, key=k):
            return f"{_wrap(o, 8)}[{format_expr(k)}]", 8
        case n.Literal(value=value):
            return _literal(value), 9 if not _negative(value) else 7
        case n.DateLiteral(value=value):
            return value.isoformat(), 9
        case n.Duration(amount=amount, unit=unit):
            unit = unit[:-1] if amount == 1 else unit
            return f"{format_number(amount)} {unit}", 9
        case n.Name(id=ident):
            return ident, 9
        case n.LevelOf(target=target):
            return f"level({target})", 9
        case n.ListExpr(items=items):
            return "[" + ", ".join(format_expr(i) for i in items) + "]", 9
        case n.Call(func=func, args=args, comprehension=c):
            return f"{func}({_args(args, c)})", 9
    raise AssertionError(f"no printed form for expression {type(expr).__name__}")


def _negative(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value < 0


def _literal(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "none"
    if isinstance(value, str):
        return format_string(value)
    if isinstance(value, int | float):
        return format_number(value)
    return str(value)


def _args(args: tuple[n._Expr, ...], c: n.Comprehension | None) -> str:
    if c is None:
        return ", ".join(format_expr(a) for a in args)
    where = f" where {format_expr(c.where)}" if c.where is not None else ""
    if c.element is None:   # read as the comparison `var in source`: source binds as one
        return f"{c.var} in {_wrap(c.source, 5)}{where}"
    return f"{format_expr(c.element)} for {c.var} in {format_expr(c.source)}{where}"
