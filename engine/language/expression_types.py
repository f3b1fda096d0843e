"""Expression types: field paths against the evidence schemas, operands, conditions.

Each name's type comes from what the resolver recorded it stands for (evidence:
its schema; a scale level: a number; ``assessment``, ``provider``, ``children``:
their records); a ``let`` or a quantifier's variable has the type of its value.
E040 is a field the schema does not define, E041 an operand or condition of the
wrong kind; where nothing is known, nothing is reported.

>>> from engine.language.parse import parse_expression
>>> checker = _Types({}, {}, Diagnostics(), {})
>>> describe(checker.expr(parse_expression("1 + 2")))
'a number'
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.diagnostics import Diagnostics, did_you_mean
from engine.evidence.schemas import EvidenceSchema
from engine.language import nodes as n
from engine.language.resolve import LOCAL, Reference, Symbols
from engine.language.schema_files import shown_path
from engine.language.schema_types import (
    ANY,
    BOOLEAN,
    DATE,
    DURATION,
    NULL,
    NUMBER,
    STRING,
    Ty,
    describe,
    from_schema,
    item_type,
    known_kinds,
    of_kinds,
    property_schema,
    value_kind,
)
from engine.source import Span

ASSESSMENT = Ty(frozenset({"record"}), fields={"date": DATE, "kind": STRING})
PROVIDER = Ty(frozenset({"record"}), fields={"id": STRING, "name": STRING, "type": STRING})
CHILD = Ty(frozenset({"record"}), fields={"id": STRING, "level": NUMBER, "category": STRING})
CHILDREN_TY = Ty(frozenset({"list"}), item=CHILD)
FACTS = {"assessment": ASSESSMENT, "provider": PROVIDER}

_LITERAL = {"number": NUMBER, "string": STRING, "boolean": BOOLEAN, "null": NULL,
            "list": of_kinds("list"), "record": of_kinds("record")}


def check_expressions(symbols: Symbols, schemas: Mapping[str, EvidenceSchema],
                      diags: Diagnostics) -> None:
    """Type-check every expression of the set: E040 and E041."""
    properties: dict[tuple[int, int, str], tuple[bool, Ty, list[str]]] = {}
    # E040 names the schema file it read: evidence id -> that file, as messages show it.
    schema_files = {ident: shown_path(s.path) for ident, s in schemas.items()}
    evidence: dict[str, Ty] = {}
    for ident, decl in symbols.evidence.items():
        known = schemas.get(ident)
        doc = from_schema(known.schema, known.schema) if known is not None else ANY
        evidence[ident] = Ty(frozenset({"list"}), item=doc) if decl.many else doc
    for criterion in symbols.criteria.values():
        checker = _Types(symbols.references, evidence, diags, properties)
        checker.schema_files = schema_files
        items: list[tuple[Span, n._Expr, str]] = [(let.span, let.value, "") for let in
                                                    criterion.lets]
        lets = {let.span: let.name for let in criterion.lets}
        if criterion.applies is not None:
            items.append((criterion.applies.span, criterion.applies, "`applies when`"))
        items += [(r.span, r.when, f"`level {r.level} when`") for r in criterion.rungs]
        items += [(c.span, c.when, f"`cap {c.level} when`") for c in criterion.caps]
        items += [(c.span, c.when, "`concern ... when`") for c in criterion.concerns]
        for span, expr, what in sorted(items, key=lambda item: (item[0].line, item[0].column)):
            ty = checker.expr(expr)
            if span in lets:
                checker.env[lets[span]] = ty
            else:
                checker.condition(ty, expr, what)
    for owner in (*symbols.statements.values(), *symbols.key_questions.values()):
        checker = _Types(symbols.references, evidence, diags, properties)
        checker.schema_files = schema_files
        for cap in owner.caps:
            checker.condition(checker.expr(cap.when), cap.when, f"`cap {cap.level} when`")
        for concern in owner.concerns:
            checker.condition(checker.expr(concern.when), concern.when, "`concern ... when`")


def _root_name(e: n._Expr) -> str | None:
    """The name a field path starts from (`ftsu` in `ftsu.a["b"].c`), if it is a plain name."""
    while isinstance(e, n.Field | n.Index):
        e = e.obj
    return e.id if isinstance(e, n.Name) else None


class _Types:
    """Computes the type of each expression, reporting E040 and E041 where sure."""

    def __init__(self, references: Mapping[n.Name, Reference], evidence: Mapping[str, Ty],
                 diags: Diagnostics,
                 properties: dict[tuple[int, int, str], tuple[bool, Ty, list[str]]]):
        self.references = references      # what each name stands for (the resolver's)
        self.evidence = evidence          # evidence id -> the type of its document(s)
        self.env: dict[str, Ty] = {}      # `let` and quantifier variables -> their types
        self.diags = diags
        self.schema_files: dict[str, str] = {}
        # property_schema answers, shared by one typecheck run: every schema they
        # are keyed on (by id) stays alive until the run ends.
        self.properties = properties

    def condition(self, ty: Ty, expr: n._Expr, what: str) -> None:
        kinds = known_kinds(ty)
        if kinds is not None and "boolean" not in kinds:
            self.diags.error("E041", f"{what} needs a condition (true or false), not "
                             f"{describe(ty)}", expr.span,
                             "compare it with something, e.g. `>= 50` or `is not missing`")

    def expr(self, expr: n._Expr) -> Ty:
        method = _DISPATCH.get(type(expr))
        if method is None:
            return ANY
        return method(self, expr)

    # ---- leaves
    def _Literal(self, e: n.Literal) -> Ty:
        return _LITERAL[value_kind(e.value)]

    def _DateLiteral(self, e: n.DateLiteral) -> Ty:
        return DATE

    def _Duration(self, e: n.Duration) -> Ty:
        return DURATION

    def _LevelOf(self, e: n.LevelOf) -> Ty:
        return NUMBER

    def _Name(self, e: n.Name) -> Ty:
        ref = self.references.get(e)
        if ref is None:                   # unresolved: the resolver has said so
            return ANY
        if ref.kind in LOCAL:
            return self.env.get(ref.target, ANY)
        if ref.kind == "evidence":
            return self.evidence[ref.target]
        if ref.kind == "fact":
            return FACTS[ref.target]
        return CHILDREN_TY if ref.kind == "children" else NUMBER

    def _ListExpr(self, e: n.ListExpr) -> Ty:
        items = [self.expr(i) for i in e.items]
        kinds = {k for t in items for k in (t.kinds or ())}
        same = items and all(t.kinds is not None for t in items) and len(kinds) == 1
        return Ty(frozenset({"list"}), item=Ty(frozenset(kinds)) if same else ANY)

    # ---- paths
    def _Field(self, e: n.Field) -> Ty:
        obj = self.expr(e.obj)
        return self._member(obj, e.name, e, "field")

    def _member(self, obj: Ty, name: str, e: n._Expr, what: str) -> Ty:
        kinds = known_kinds(obj)
        if kinds is not None and "record" not in kinds:
            hint = ("use a quantifier, e.g. `all(x in LIST where x." + name + " ...)`"
                    if "list" in kinds else None)
            self.diags.error("E041", f"{what} `{name}` of {describe(obj)}: only records have "
                             f"{what}s", e.span, hint)
            return ANY
        if obj.fields is not None:
            if name in obj.fields:
                return obj.fields[name]
            self.diags.error("E040", f"unknown {what} `{name}`", e.span,
                             did_you_mean(name, obj.fields) or "the fields are "
                             + ", ".join(f"`{f}`" for f in obj.fields))
            return ANY
        if not isinstance(obj.schema, dict):
            return ANY
        key = (id(obj.schema), id(obj.root), name)
        found = self.properties.get(key)
        if found is None:
            found = self.properties[key] = property_schema(obj.schema, obj.root, name)
        defined, ty, known = found
        if not defined:
            help_text = did_you_mean(name, known) or (
                "it defines " + ", ".join(f"`{k}`" for k in sorted(known)) if known else None)
            schema_file = self.schema_files.get(_root_name(e))
            if schema_file is not None:
                read = f"schema read: `{schema_file}`"
                help_text = f"{help_text} ({read})" if help_text else read
            self.diags.error("E040", f"the evidence schema defines no {what} `{name}` here",
                             e.span, help_text)
        return ty

    def _Index(self, e: n.Index) -> Ty:
        obj, key = self.expr(e.obj), self.expr(e.key)
        kinds = known_kinds(obj)
        literal = e.key.value if isinstance(e.key, n.Literal) else None
        if kinds == frozenset({"list"}):
            if known_kinds(key) is not None and "number" not in known_kinds(key):
                self.diags.error("E041", f"a list is indexed by a number, not {describe(key)}",
                                 e.key.span)
                return ANY
            return item_type(obj, literal if isinstance(literal, int) else None)
        if kinds is not None and "record" in kinds and "list" not in kinds:
            if isinstance(literal, str):
                return self._member(obj, literal, e, "key")
            if known_kinds(key) is not None and "string" not in known_kinds(key):
                self.diags.error("E041", f"a record is indexed by a string, not {describe(key)}",
                                 e.key.span)
            return ANY
        if kinds is not None and not kinds & {"list", "record", "string"}:
            self.diags.error("E041", f"{describe(obj)} cannot be indexed", e.span)
        return ANY

    # ---- operators
    def _Not(self, e: n.Not) -> Ty:
        self._logic(self.expr(e.operand), e.operand, "not")
        return BOOLEAN

    def _BoolOp(self, e: n.BoolOp) -> Ty:
        for side in (e.left, e.right):
            self._logic(self.expr(side), side, e.op)
        return BOOLEAN

    def _logic(self, ty: Ty, expr: n._Expr, op: str) -> None:
        kinds = known_kinds(ty)
        if kinds is not None and "boolean" not in kinds:
            self.diags.error("E041", f"`{op}` needs true or false, not {describe(ty)}", expr.span)

    def _IsCheck(self, e: n.IsCheck) -> Ty:
        self.expr(e.operand)
        return BOOLEAN

    def _Negate(self, e: n.Negate) -> Ty:
        ty = self.expr(e.operand)
        kinds = known_kinds(ty)
        if kinds is not None and not kinds & {"number", "duration"}:
            self.diags.error("E041", f"`-` needs a number, not {describe(ty)}", e.span)
            return ANY
        return ty

    def _Compare(self, e: n.Compare) -> Ty:
        left, right = self.expr(e.left), self.expr(e.right)
        a, b = known_kinds(left), known_kinds(right)
        if e.op in ("in", "not in"):
            if b is not None and not b & {"list", "string", "record"}:
                self.diags.error("E041", f"`{e.op}` needs a list on its right, not "
                                 f"{describe(right)}", e.right.span)
            return BOOLEAN
        if a is None or b is None:
            return BOOLEAN
        if e.op not in ("==", "!="):
            for ty, kinds, side in ((left, a, e.left), (right, b, e.right)):
                if not kinds & {"number", "string", "date", "duration"}:
                    self.diags.error("E041", f"`{e.op}` cannot order {describe(ty)}", side.span)
                    return BOOLEAN
        if not _classes(a) & _classes(b):
            self.diags.error("E041", f"`{e.op}` compares {describe(left)} with "
                             f"{describe(right)}", e.span,
                             "compare values of the same kind: numbers with numbers, dates "
                             "with dates")
        return BOOLEAN

    def _Arith(self, e: n.Arith) -> Ty:
        left, right = self.expr(e.left), self.expr(e.right)
        a, b = known_kinds(left), known_kinds(right)
        for ty, kinds, side in ((left, a, e.left), (right, b, e.right)):
            if kinds is not None and not kinds & {"number", "date", "duration"}:
                self.diags.error("E041", f"`{e.op}` needs numbers, dates or durations, not "
                                 f"{describe(ty)}", side.span)
                return ANY
        if a is None or b is None or len(a) > 1 or len(b) > 1:
            return ANY
        pair = (next(iter(a)), next(iter(b)))
        result = _ARITH.get((e.op, *pair))
        if result is None:
            self.diags.error("E041", f"`{e.op}` cannot combine {describe(left)} with "
                             f"{describe(right)}", e.span,
                             "add or subtract a duration to a date, e.g. `- 12 months`"
                             if "date" in pair else None)
            return ANY
        return result

    # ---- calls
    def _Call(self, e: n.Call) -> Ty:
        comp = e.comprehension
        if comp is None:
            args = [self.expr(a) for a in e.args]
            if e.func in ("min", "max") and len(args) > 1:
                return args[0] if all(known_kinds(a) == known_kinds(args[0]) for a in args) else ANY
            elements = [self._elements(a, arg, e.func) for a, arg in zip(args, e.args)]
            element = elements[0] if elements else ANY
        else:
            source = self.expr(comp.source)
            var = self._elements(source, comp.source, e.func)
            saved = self.env.get(comp.var)
            self.env[comp.var] = var
            element = var
            if comp.element is not None:
                element = self.expr(comp.element)
            if comp.where is not None:
                self.condition(self.expr(comp.where), comp.where, "`where`")
            if saved is None:
                self.env.pop(comp.var, None)
            else:
                self.env[comp.var] = saved
        if e.func in ("all", "any"):
            return BOOLEAN
        if e.func in ("count", "percent"):
            return NUMBER
        if e.func in ("sum", "mean", "min", "max"):
            kinds = known_kinds(element)
            allowed = {"number"} if e.func in ("sum", "mean") else {"number", "date", "string"}
            if kinds is not None and not kinds & allowed:
                self.diags.error("E041", f"`{e.func}` needs numbers, not {describe(element)}",
                                 e.span)
                return ANY
            return NUMBER if e.func in ("sum", "mean") else element
        return ANY

    def _elements(self, ty: Ty, expr: n._Expr, func: str) -> Ty:
        kinds = known_kinds(ty)
        if kinds is not None and "list" not in kinds:
            self.diags.error("E041", f"`{func}` needs a list, not {describe(ty)}", expr.span)
            return ANY
        return item_type(ty)


# Node class -> the _Types method for it (``_Field`` for ``n.Field``), found once.
_DISPATCH = {cls: getattr(_Types, "_" + cls.__name__) for cls in vars(n).values()
             if isinstance(cls, type) and issubclass(cls, n._Expr)
             and hasattr(_Types, "_" + cls.__name__)}


def _classes(kinds: frozenset[str]) -> frozenset[str]:
    """Kinds that can be compared with each other share a class (a date with its string)."""
    return frozenset("string" if k == "date" else k for k in kinds)


_ARITH = {
    ("+", "number", "number"): NUMBER, ("-", "number", "number"): NUMBER,
    ("*", "number", "number"): NUMBER, ("/", "number", "number"): NUMBER,
    ("+", "date", "duration"): DATE, ("-", "date", "duration"): DATE,
    ("+", "duration", "date"): DATE, ("-", "date", "date"): DURATION,
    ("+", "duration", "duration"): DURATION, ("-", "duration", "duration"): DURATION,
    ("*", "duration", "number"): DURATION, ("*", "number", "duration"): DURATION,
    ("/", "duration", "number"): DURATION,
}
