"""The criteria language's syntax tree: frozen, typed data, every node with its span.

Only ``parse.py`` builds these, from Lark's tree; nothing downstream sees Lark.
Expressions are ``_Expr`` subclasses, declarations ``_Decl`` subclasses.

>>> from engine.language.parse import parse_expression
>>> parse_expression("survey.score >= 70").op
'>='
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from engine.source import Span

# ---------------------------------------------------------------- expressions


class _Expr:
    """An expression: something that evaluates to a value for one bundle."""

    __slots__ = ()
    span: Span


@dataclass(frozen=True, slots=True)
class Literal(_Expr):
    """A number, string, ``true``/``false`` or ``none`` written in the criteria."""

    value: Any
    span: Span


@dataclass(frozen=True, slots=True)
class DateLiteral(_Expr):
    """A date written as ``2025-03-31``."""

    value: dt.date
    span: Span


@dataclass(frozen=True, slots=True)
class Duration(_Expr):
    """``90 days``, ``12 months``: ``unit`` is one of days, weeks, months, years."""

    amount: float
    unit: str
    span: Span


@dataclass(frozen=True, slots=True)
class Name(_Expr):
    """A bare name: an evidence id, ``assessment``, ``provider``, ``children``,
    a ``let``, a quantifier's variable or a scale level's id."""

    id: str
    span: Span


@dataclass(frozen=True, slots=True)
class Field(_Expr):
    """``obj.name``: a property of a record."""

    obj: _Expr
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Index(_Expr):
    """``obj[key]``: ``questions["vision_known"]`` or ``objectives[0]``."""

    obj: _Expr
    key: _Expr
    span: Span


@dataclass(frozen=True, slots=True)
class ListExpr(_Expr):
    """``["staff", "governors"]``."""

    items: tuple[_Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Not(_Expr):
    """``not x`` (Kleene: ``not unknown`` is unknown)."""

    operand: _Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Negate(_Expr):
    """``-x``."""

    operand: _Expr
    span: Span


@dataclass(frozen=True, slots=True)
class BoolOp(_Expr):
    """``left and right`` or ``left or right`` (Kleene three-valued)."""

    op: str
    left: _Expr
    right: _Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Compare(_Expr):
    """``left OP right``, OP one of ``== != < <= > >= in not_in``."""

    op: str
    left: _Expr
    right: _Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Arith(_Expr):
    """``left OP right``, OP one of ``+ - * /``."""

    op: str
    left: _Expr
    right: _Expr
    span: Span


@dataclass(frozen=True, slots=True)
class IsCheck(_Expr):
    """``x is missing``, ``x is not none``: ``what`` is ``missing`` or ``none``."""

    operand: _Expr
    what: str
    negated: bool
    span: Span


@dataclass(frozen=True, slots=True)
class LevelOf(_Expr):
    """``level(id)``: the level (a range) of another criterion or statement."""

    target: str
    target_span: Span
    span: Span


@dataclass(frozen=True, slots=True)
class Comprehension:
    """The ``x in L where COND`` or ``EXPR for x in L where COND`` part of a call."""

    var: str
    source: _Expr
    where: _Expr | None
    element: _Expr | None
    var_span: Span


@dataclass(frozen=True, slots=True)
class Call(_Expr):
    """``count(L)``, ``all(x in L where C)``, ``mean(E for x in L)``, ``max(a, b)``."""

    func: str
    args: tuple[_Expr, ...]
    comprehension: Comprehension | None
    func_span: Span
    span: Span


FUNCTIONS = ("count", "all", "any", "percent", "sum", "mean", "min", "max")
QUANTIFIERS = ("count", "all", "any", "percent")

# ---------------------------------------------------------------- declarations


class _Decl:
    """A top-level declaration, or a part of one."""

    __slots__ = ()
    span: Span


@dataclass(frozen=True, slots=True)
class Framework(_Decl):
    id: str
    title: str
    version: str | None
    publisher: str | None
    scale: str | None
    root: str | None
    source: str | None
    scale_span: Span | None
    root_span: Span | None
    id_span: Span
    span: Span
    categories: tuple[str, ...] | None = None     # `categories a b c`: the only ones allowed
    categories_span: Span | None = None


@dataclass(frozen=True, slots=True)
class ScaleLevel(_Decl):
    number: int
    id: str
    label: str
    description: str
    span: Span


@dataclass(frozen=True, slots=True)
class Scale(_Decl):
    id: str
    levels: tuple[ScaleLevel, ...]
    source: str | None
    id_span: Span
    span: Span


@dataclass(frozen=True, slots=True)
class Evidence(_Decl):
    """``evidence ID [many] "Title" [schema "path"]``."""

    id: str
    title: str
    many: bool
    schema: str | None
    source: str | None
    id_span: Span
    span: Span


@dataclass(frozen=True, slots=True)
class Band(_Decl):
    level: int
    threshold: float
    span: Span


@dataclass(frozen=True, slots=True)
class Aggregation(_Decl):
    """``method`` is percent, min, max or mean; ``round`` is nearest, down, up or None."""

    id: str
    title: str
    method: str | None
    round: str | None
    bands: tuple[Band, ...]
    source: str | None
    id_span: Span
    span: Span
    method_span: Span | None = None
    round_span: Span | None = None


@dataclass(frozen=True, slots=True)
class AggregateRef(_Decl):
    """``aggregate ID [by category ID]``."""

    id: str
    by_category: str | None
    id_span: Span
    by_category_span: Span | None
    span: Span


@dataclass(frozen=True, slots=True)
class Rung(_Decl):
    """``level N when COND`` with its optional ``because`` and ``advice``.

    ``level`` is the number as written, or a scale level's id; the checker
    resolves it to a number."""

    level: int | str
    when: _Expr
    because: str | None
    advice: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class Cap(_Decl):
    """``cap N when COND because "..."``."""

    level: int | str
    when: _Expr
    because: str | None
    advice: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class Concern(_Decl):
    """``concern "TEXT" when COND advice "..."``: a sign to talk about, raised when COND
    is true, not checked when it is unknown. It changes no level."""

    text: str
    when: _Expr
    advice: str | None
    text_span: Span
    span: Span


@dataclass(frozen=True, slots=True)
class Let(_Decl):
    name: str
    value: _Expr
    name_span: Span
    span: Span


@dataclass(frozen=True, slots=True)
class Criterion(_Decl):
    id: str
    title: str
    category: str | None
    good: str | None
    applies: _Expr | None
    lets: tuple[Let, ...]
    rungs: tuple[Rung, ...]
    caps: tuple[Cap, ...]
    source: str | None
    statement: str
    id_span: Span
    span: Span
    category_span: Span | None = None
    concerns: tuple[Concern, ...] = ()


@dataclass(frozen=True, slots=True)
class Statement(_Decl):
    id: str
    title: str
    under: str | None
    we: str | None
    good: str | None
    regulations: tuple[str, ...]
    aggregate: AggregateRef | None
    caps: tuple[Cap, ...]
    criteria: tuple[Criterion, ...]
    source: str | None
    under_span: Span | None
    id_span: Span
    span: Span
    concerns: tuple[Concern, ...] = ()


@dataclass(frozen=True, slots=True)
class KeyQuestion(_Decl):
    id: str
    title: str
    good: str | None
    aggregate: AggregateRef | None
    caps: tuple[Cap, ...]
    source: str | None
    id_span: Span
    span: Span
    concerns: tuple[Concern, ...] = ()


@dataclass(frozen=True, slots=True)
class Expectation(_Decl):
    """``expect NODE is 3``, ``is 2 to 3``, ``>= 3``, ``<= 2``, ``is not_assessed``.

    ``op`` is ``is``, ``range``, ``>=`` or ``<=``; ``value`` is a level number,
    a scale level id, ``not_assessed`` or ``not_applicable``; ``high`` is set
    only for ``range``."""

    node: str
    op: str
    value: int | str
    high: int | None
    node_span: Span
    span: Span


@dataclass(frozen=True, slots=True)
class ConcernExpectation(_Decl):
    """``expect concern "TEXT" is raised`` (or ``not_raised``, ``not_checked``)."""

    text: str
    state: str
    text_span: Span
    state_span: Span
    span: Span


CONCERN_STATES = ("raised", "not_raised", "not_checked")


@dataclass(frozen=True, slots=True)
class TestEvidence(_Decl):
    """``evidence TYPE = {json}`` inside a test block."""

    type: str
    value: Any
    type_span: Span
    span: Span


@dataclass(frozen=True, slots=True)
class Test(_Decl):
    """A ``test "name" { ... }`` block: inline evidence or a bundle, and expectations."""

    name: str
    date: dt.date | None
    provider: tuple[tuple[str, str], ...]
    kind: str | None
    evidence: tuple[TestEvidence, ...]
    bundle: str | None
    expectations: tuple[Expectation, ...]
    span: Span
    concern_expectations: tuple[ConcernExpectation, ...] = ()


@dataclass(frozen=True, slots=True)
class Comment:
    """A ``# comment``, kept so that ``wellled fmt`` can put it back."""

    text: str
    span: Span


Declaration = Framework | Scale | Evidence | Aggregation | KeyQuestion | Statement | Test


@dataclass(frozen=True, slots=True)
class File:
    """One parsed ``.crit`` file: its declarations in source order, and its comments."""

    path: str
    declarations: tuple[Declaration, ...]
    comments: tuple[Comment, ...]
    span: Span


def walk(expr: _Expr):
    """Every expression node in ``expr``, depth first, ``expr`` itself first.

    >>> from engine.language.parse import parse_expression
    >>> [type(e).__name__ for e in walk(parse_expression("a.b > 1"))]
    ['Compare', 'Field', 'Name', 'Literal']
    """
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def children(node: _Expr) -> list[_Expr]:
    """The direct sub-expressions of ``node``, in source order."""
    match node:
        case Field(obj=o) | Not(operand=o) | Negate(operand=o) | IsCheck(operand=o):
            return [o]
        case Index(obj=o, key=k):
            return [o, k]
        case ListExpr(items=items):
            return list(items)
        case BoolOp(left=a, right=b) | Compare(left=a, right=b) | Arith(left=a, right=b):
            return [a, b]
        case Call(args=args, comprehension=c):
            out = list(args)
            if c is not None:
                out.append(c.source)
                if c.element is not None:
                    out.append(c.element)
                if c.where is not None:
                    out.append(c.where)
            return out
    return []
