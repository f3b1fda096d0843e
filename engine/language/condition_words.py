"""A condition in words for a policy board: ``aware >= 70`` reads "aware is at least 70".

The words are mechanical but plain: evidence ids become their titles, field paths
are written with " › " between their parts, operators become phrases, and
quantifiers say what they count. The formatted condition is always shown beside
them, so the words never have to carry every detail on their own.

>>> from engine.language.parse import parse_expression
>>> condition_words(parse_expression("aware >= 70 and s.done"), {})
'aware is at least 70, and s › done is yes'
>>> condition_words(parse_expression(
...     "count(p in strategy.with where p in [\\"staff\\", \\"partners\\"]) >= 2"),
...     {"strategy": "Trust strategy"})
'the number of Trust strategy › with where each is one of “staff”, “partners” is at least 2'
>>> condition_words(parse_expression("s.reviewed_on >= assessment.date - 12 months"), {})
's › reviewed on is on or after 12 months before the assessment date'
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.language import nodes as n
from engine.words import number

_COMPARE = {">=": "is at least", ">": "is more than", "<=": "is at most", "<": "is less than",
            "==": "is", "!=": "is not", "in": "is one of", "not in": "is not one of"}
_DATE_COMPARE = {">=": "is on or after", ">": "is after", "<=": "is on or before",
                 "<": "is before"}
_ARITH = {"+": "plus", "-": "minus", "*": "times", "/": "divided by"}
_SPECIAL = {("assessment", "date"): "the assessment date",
            ("assessment", "kind"): "the kind of assessment",
            ("provider", "type"): "the provider type", ("provider", "id"): "the provider code",
            ("provider", "name"): "the provider name"}
_CALLS = {"count": "the number of", "percent": "the percentage of", "sum": "the total of",
          "mean": "the average of", "min": "the lowest of", "max": "the highest of"}


def condition_words(expr: n._Expr, titles: Mapping[str, str]) -> str:
    """Condition ``expr`` in words; ``titles`` maps evidence ids and node ids to titles."""
    return _Words(titles).cond(expr)


def value_words(expr: n._Expr, titles: Mapping[str, str]) -> str:
    """A value (a ``let``) in words: a bare field is the field, not "... is yes".

    >>> from engine.language.parse import parse_expression
    >>> value_words(parse_expression("s.people_promise.inclusive"), {"s": "Survey"})
    'Survey › people promise › inclusive'
    """
    return _Words(titles).say(expr)


class _Words:
    def __init__(self, titles: Mapping[str, str]):
        self.titles = titles

    def cond(self, e: n._Expr, inside: str | None = None) -> str:
        """A condition: a bare true-or-false value reads "... is yes"."""
        if isinstance(e, n.Field | n.Index | n.Name):
            return f"{self.path(e)} is yes"
        return self.say(e, inside)

    def say(self, e: n._Expr, inside: str | None = None) -> str:
        match e:
            case n.BoolOp(op=op, left=a, right=b):
                text = f"{self.cond(a, op)}, {op} {self.cond(b, op)}"
                if op == "or" and inside != "or":
                    text = f"either {text}"
                return f"({text})" if inside not in (None, op) else text
            case n.Not(operand=o):
                return f"not ({self.cond(o)})"
            case n.Compare(op=op, left=a, right=b):
                phrase = _DATE_COMPARE.get(op) if _is_date(a) or _is_date(b) else None
                return f"{self.say(a, 'cmp')} {phrase or _COMPARE[op]} {self.say(b, 'cmp')}"
            case n.IsCheck(operand=o, what=what, negated=negated):
                if what == "missing":
                    return f"{self.say(o)} is {'provided' if negated else 'not provided'}"
                return f"{self.say(o)} is {'filled in' if negated else 'empty'}"
            case n.Arith(op=op, left=a, right=b):
                if isinstance(b, n.Duration) and op in "+-":
                    return f"{self.say(b)} {'before' if op == '-' else 'after'} {self.say(a)}"
                return f"{self.say(a, 'arith')} {_ARITH[op]} {self.say(b, 'arith')}"
            case n.Negate(operand=o):
                return f"minus {self.say(o)}"
            case n.Literal(value=value):
                return _literal(value)
            case n.DateLiteral(value=value):
                return value.isoformat()
            case n.Duration(amount=amount, unit=unit):
                return f"{number(amount)} {unit[:-1] if amount == 1 else unit}"
            case n.ListExpr(items=items):
                return ", ".join(self.say(i) for i in items)
            case n.LevelOf(target=target):
                return f"the level of “{self.titles.get(target, target)}”"
            case n.Field() | n.Index() | n.Name():
                return self.path(e)
            case n.Call(func=func, args=args, comprehension=c):
                return self.call(func, args, c)
        return type(e).__name__

    def path(self, e: n._Expr) -> str:
        parts: list[str] = []
        while isinstance(e, n.Field | n.Index):
            if isinstance(e, n.Field):
                parts.append(e.name.replace("_", " "))
            elif isinstance(e.key, n.Literal) and isinstance(e.key.value, str):
                parts.append(e.key.value.replace("_", " "))
            else:
                parts.append(f"item {self.say(e.key)}")
            e = e.obj
        parts.reverse()
        if isinstance(e, n.Name):
            if len(parts) == 1 and (e.id, parts[0].replace(" ", "_")) in _SPECIAL:
                return _SPECIAL[(e.id, parts[0].replace(" ", "_"))]
            head = {"children": "the parts below"}.get(e.id) or self.titles.get(e.id, e.id)
        else:
            head = self.say(e)
        return " › ".join([head, *parts])

    def call(self, func: str, args: tuple[n._Expr, ...], c: n.Comprehension | None) -> str:
        if c is None:
            inner = ", ".join(self.say(a) for a in args)
            if func in ("all", "any"):
                return f"{'every' if func == 'all' else 'at least one'} of {inner} is true"
            return f"{_CALLS.get(func, func)} {inner}"
        source = self.say(c.source)
        where = f" where {self.cond(c.where).replace(c.var + ' › ', 'its ')}" \
            if c.where is not None else ""
        where = where.replace(f" {c.var} is", " each is")
        if c.element is not None:
            element = self.say(c.element).replace(c.var + " › ", "")
            return f"{_CALLS.get(func, func)} {element} over {source}{where}"
        if func == "all":
            return f"every one of {source} meets: {where[7:] or 'true'}"
        if func == "any":
            return f"at least one of {source} meets: {where[7:] or 'true'}"
        return f"{_CALLS.get(func, func)} {source}{where}"


def _is_date(e: n._Expr) -> bool:
    if isinstance(e, n.DateLiteral):
        return True
    if isinstance(e, n.Arith):
        return isinstance(e.right, n.Duration) or _is_date(e.left)
    return isinstance(e, n.Field) and (e.name.endswith("_on") or e.name == "date")


def _literal(value: object) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"“{value}”"
    return number(value)
