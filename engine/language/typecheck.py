"""Types: evidence field paths against JSON Schemas, operand types, levels and aggregations.

A type here is what is known of a value: the kinds it may be (number, string,
date, duration, boolean, null, list, record) and, for evidence, the JSON
Schema node that describes it. Where nothing is known (a schema without a
``type``, an unresolved name) the checker is permissive: it never reports a
problem it cannot be sure of.

>>> schema = {"type": "object", "properties": {"score": {"type": "number"}}}
>>> field_type(from_schema(schema, schema), "score").kinds
frozenset({'number'})
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.diagnostics import Diagnostics, did_you_mean
from engine.evidence.patterns import pattern_problem
from engine.evidence.patterns import search as pattern_search
from engine.evidence.schemas import EvidenceSchema, read_schema, schema_path
from engine.language import nodes as n
from engine.language.resolve import LOCAL, Reference, Symbols
from engine.source import Span

# ---------------------------------------------------------------- types


@dataclass(frozen=True, eq=False)
class Ty:
    """What is known of a value's type; ``kinds`` None means nothing is known."""

    kinds: frozenset[str] | None = None
    schema: Any = None
    root: Any = None
    item: Ty | None = None
    fields: dict[str, Ty] | None = None


def _ty(*kinds: str) -> Ty:
    return Ty(frozenset(kinds))


ANY, NUMBER, STRING, BOOLEAN = Ty(), _ty("number"), _ty("string"), _ty("boolean")
DATE, DURATION, NULL = _ty("date"), _ty("duration"), _ty("null")
ASSESSMENT = Ty(frozenset({"record"}), fields={"date": DATE, "kind": STRING})
PROVIDER = Ty(frozenset({"record"}), fields={"id": STRING, "name": STRING, "type": STRING})
CHILD = Ty(frozenset({"record"}), fields={"id": STRING, "level": NUMBER, "category": STRING})
CHILDREN_TY = Ty(frozenset({"list"}), item=CHILD)
FACTS = {"assessment": ASSESSMENT, "provider": PROVIDER}

_LITERAL = {"number": NUMBER, "string": STRING, "boolean": BOOLEAN, "null": NULL,
            "list": _ty("list"), "record": _ty("record")}

WORDS = {"number": "a number", "string": "a string", "date": "a date",
         "duration": "a duration", "boolean": "true or false", "list": "a list",
         "record": "a record", "null": "none"}
_JSON_KINDS = {"integer": "number", "number": "number", "string": "string",
               "boolean": "boolean", "null": "null", "array": "list", "object": "record"}


def describe(ty: Ty) -> str:
    kinds = sorted((ty.kinds or frozenset()) - {"null"}) or sorted(ty.kinds or ())
    return " or ".join(WORDS[k] for k in kinds)


def _known(ty: Ty) -> frozenset[str] | None:
    """The kinds of ``ty`` apart from null, or None if nothing useful is known."""
    return None if ty.kinds is None else _without_null(ty.kinds)


@functools.lru_cache(maxsize=None)      # pure, over at most 2^8 kind sets
def _without_null(kinds: frozenset[str]) -> frozenset[str] | None:
    return (kinds - {"null"}) or None


# ---------------------------------------------------------------- JSON Schema


def deref(node: Any, root: Any) -> Any:
    """Follow local ``$ref`` pointers (``#/$defs/x``); an unresolvable one gives ``{}``."""
    for _ in range(32):
        if not isinstance(node, dict) or "$ref" not in node:
            return node
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#"):
            return {}
        target: Any = root
        for part in [p for p in ref[1:].split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, dict) and part in target:
                target = target[part]
            elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            else:
                return {}
        node = target
    return {}


def from_schema(node: Any, root: Any) -> Ty:
    """The type a JSON Schema node describes."""
    node = deref(node, root)
    if not isinstance(node, dict):
        return ANY
    return Ty(_schema_kinds(node, root), node, root)


def _schema_kinds(node: dict, root: Any, depth: int = 0) -> frozenset[str] | None:
    declared = node.get("type")
    if isinstance(declared, str):
        declared = [declared]
    if isinstance(declared, list):
        kinds = {_JSON_KINDS.get(t) for t in declared if isinstance(t, str)}
        if None in kinds:
            return None
        if "string" in kinds and node.get("format") == "date":
            kinds = (kinds - {"string"}) | {"date"}
        return frozenset(kinds)
    values = node["enum"] if isinstance(node.get("enum"), list) else (
        [node["const"]] if "const" in node else None)
    if values is not None:
        return frozenset(_value_kind(v) for v in values)
    for key in ("anyOf", "oneOf"):
        if isinstance(node.get(key), list) and depth < 8:
            parts = [_schema_kinds(deref(s, root), root, depth + 1) if isinstance(
                deref(s, root), dict) else None for s in node[key]]
            if not parts or any(p is None for p in parts):
                return None
            return frozenset().union(*parts)
    return None


def _value_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "list", dict: "record"}.get(type(value), "string")


def _parts(node: dict, root: Any) -> list[dict]:
    """``node`` and its ``allOf`` parts, dereferenced."""
    out = [node]
    for sub in node.get("allOf", []) if isinstance(node.get("allOf"), list) else []:
        sub = deref(sub, root)
        if isinstance(sub, dict):
            out.append(sub)
    return out


def property_schema(node: dict, root: Any, name: str) -> tuple[bool, Ty, list[str]]:
    """``(defined, type, known names)`` of property ``name`` of an object schema."""
    parts = _parts(node, root)
    names: list[str] = []
    for part in parts:
        props = part.get("properties")
        if isinstance(props, dict):
            if name in props:
                return True, from_schema(props[name], root), []
            names.extend(props)
    for part in parts:
        patterns = part.get("patternProperties")
        if isinstance(patterns, dict):
            for pattern, sub in patterns.items():
                if pattern_problem(pattern) is not None:   # E042 already said so
                    return True, ANY, []
                if pattern_search(pattern, name):         # RE2: linear time, see patterns.py
                    return True, from_schema(sub, root), []
    if any(isinstance(part.get(k), list) for part in parts for k in ("anyOf", "oneOf")):
        return True, ANY, names
    extra = [part.get("additionalProperties") for part in parts]
    if any(isinstance(x, dict) for x in extra):
        sub = next(x for x in extra if isinstance(x, dict))
        return True, from_schema(sub, root), names
    if any(x is True for x in extra):
        return True, ANY, names
    # INVARIANT: an object schema that lists its properties and says nothing of
    # others is taken as closed, so that a misspelt field is caught (see decisions).
    closed = bool(names) or any(x is False for x in extra)
    return not closed, ANY, names


def field_type(ty: Ty, name: str) -> Ty:
    """The type of ``ty.name`` without reporting anything (for tests and tools)."""
    if ty.fields is not None:
        return ty.fields.get(name, ANY)
    if isinstance(ty.schema, dict):
        return property_schema(ty.schema, ty.root, name)[1]
    return ANY


def item_type(ty: Ty, index: int | None = None) -> Ty:
    """The type of an element of the list ``ty``."""
    if ty.item is not None:
        return ty.item
    if isinstance(ty.schema, dict):
        prefix = ty.schema.get("prefixItems")
        if index is not None and isinstance(prefix, list) and 0 <= index < len(prefix):
            return from_schema(prefix[index], ty.root)
        items = ty.schema.get("items")
        if isinstance(items, dict):
            return from_schema(items, ty.root)
    return ANY


# ---------------------------------------------------------------- schemas


def load_schemas(symbols: Symbols, root: Path, real_paths: dict[str, Path],
                 diags: Diagnostics) -> dict[str, EvidenceSchema]:
    """Every declared evidence type's schema; E042 at the declaration if missing or invalid."""
    schemas: dict[str, EvidenceSchema] = {}
    for ident, decl in symbols.evidence.items():
        crit_file = real_paths.get(symbols.evidence_files.get(ident, ""), root / "_.crit")
        path = schema_path(ident, decl.schema, crit_file, root)
        schema, problem = read_schema(path, root)   # local refs only (schemas.bundle)
        if schema is None:
            if path.is_file():
                where = f"correct the JSON Schema that was read, `{shown_path(path)}`"
            elif decl.schema:
                where = f"write its JSON Schema at `{shown_path(path)}` (its `schema` path)"
            else:
                own = root / "evidence_schemas" / f"{ident}.schema.json"
                where = (f"write its JSON Schema at `{shown_path(own)}` (wellled looked there, "
                         "then among the evidence schemas shipped with it)")
            diags.error("E042", f"evidence `{ident}` has no usable schema: {problem}",
                        decl.id_span, where)
            continue
        schemas[ident] = EvidenceSchema(ident, decl.title, decl.many, path, schema)
    return schemas


# ---------------------------------------------------------------- expressions


def shown_path(path: Path) -> str:
    """A path as messages show it: relative below the current folder, else absolute."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return path.as_posix()


def typecheck(symbols: Symbols, schemas: dict[str, EvidenceSchema], diags: Diagnostics) -> None:
    """Type-check every expression and every level, scale and aggregation of the set."""
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
    _levels(symbols, diags)
    _aggregations(symbols, diags)


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
        kinds = _known(ty)
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
        return _LITERAL[_value_kind(e.value)]

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
        kinds = _known(obj)
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
        kinds = _known(obj)
        literal = e.key.value if isinstance(e.key, n.Literal) else None
        if kinds == frozenset({"list"}):
            if _known(key) is not None and "number" not in _known(key):
                self.diags.error("E041", f"a list is indexed by a number, not {describe(key)}",
                                 e.key.span)
                return ANY
            return item_type(obj, literal if isinstance(literal, int) else None)
        if kinds is not None and "record" in kinds and "list" not in kinds:
            if isinstance(literal, str):
                return self._member(obj, literal, e, "key")
            if _known(key) is not None and "string" not in _known(key):
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
        kinds = _known(ty)
        if kinds is not None and "boolean" not in kinds:
            self.diags.error("E041", f"`{op}` needs true or false, not {describe(ty)}", expr.span)

    def _IsCheck(self, e: n.IsCheck) -> Ty:
        self.expr(e.operand)
        return BOOLEAN

    def _Negate(self, e: n.Negate) -> Ty:
        ty = self.expr(e.operand)
        kinds = _known(ty)
        if kinds is not None and not kinds & {"number", "duration"}:
            self.diags.error("E041", f"`-` needs a number, not {describe(ty)}", e.span)
            return ANY
        return ty

    def _Compare(self, e: n.Compare) -> Ty:
        left, right = self.expr(e.left), self.expr(e.right)
        a, b = _known(left), _known(right)
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
        a, b = _known(left), _known(right)
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
                return args[0] if all(_known(a) == _known(args[0]) for a in args) else ANY
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
            kinds = _known(element)
            allowed = {"number"} if e.func in ("sum", "mean") else {"number", "date", "string"}
            if kinds is not None and not kinds & allowed:
                self.diags.error("E041", f"`{e.func}` needs numbers, not {describe(element)}",
                                 e.span)
                return ANY
            return NUMBER if e.func in ("sum", "mean") else element
        return ANY

    def _elements(self, ty: Ty, expr: n._Expr, func: str) -> Ty:
        kinds = _known(ty)
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


# ---------------------------------------------------------------- levels


def _levels(symbols: Symbols, diags: Diagnostics) -> None:
    """Scale numbering, and every rung, cap and expectation level within the scale."""
    for scale in symbols.scales.values():
        numbers = [level.number for level in scale.levels]
        if not numbers:
            diags.error("E032", f"scale `{scale.id}` has no levels", scale.id_span,
                        "add `level 1 ID \"Label\" \"Meaning\"` and the levels above it")
        for expected, level in zip(range(1, len(numbers) + 1), scale.levels):
            if level.number != expected:
                diags.error("E032", f"scale `{scale.id}`: level {level.number} is where level "
                            f"{expected} should be", level.span,
                            "number the levels 1, 2, 3 ... in order, with no gaps")
                break
    top = symbols.top
    if not top:
        return
    for criterion in symbols.criteria.values():
        seen: dict[int, n.Rung] = {}
        for rung in criterion.rungs:
            number = _in_scale(rung.level, rung.span, 2, "rung level", symbols, diags)
            if number is None:
                continue
            if number in seen:
                diags.error("E031", f"level {number} has two rungs in criterion "
                            f"`{criterion.id}`", rung.span, "keep one rung per level",
                            [("the first is", seen[number].span)])
            seen.setdefault(number, rung)
    for owner in (*symbols.criteria.values(), *symbols.statements.values(),
                  *symbols.key_questions.values()):
        for cap in owner.caps:
            _in_scale(cap.level, cap.span, 1, "cap level", symbols, diags)
    for test in symbols.tests:
        for exp in test.expectations:
            if exp.op == "range" and exp.high is not None:
                low = _in_scale(exp.value, exp.span, 1, "expected level", symbols, diags)
                high = _in_scale(exp.high, exp.span, 1, "expected level", symbols, diags)
                if low is not None and high is not None and low > high:
                    diags.error("E030", f"the range {low} to {high} runs backwards", exp.span,
                                f"write `is {high} to {low}`")
            elif exp.value not in ("not_assessed", "not_applicable"):
                _in_scale(exp.value, exp.span, 1, "expected level", symbols, diags)


def _in_scale(ref: int | str, span: Span, low: int, what: str, symbols: Symbols,
              diags: Diagnostics) -> int | None:
    number = symbols.level_number(ref)
    if number is None:
        return None
    if not low <= number <= symbols.top:
        scale = symbols.scale.id if symbols.scale else "scale"
        article = "an" if what[0] in "aeiou" else "a"
        diags.error("E030", f"{what} {number} is outside the scale `{scale}`", span,
                    f"{article} {what} is {low} to {symbols.top}")
        return None
    return number


# ---------------------------------------------------------------- aggregations

METHODS = ("percent", "min", "max", "mean")
ROUNDING = ("nearest", "down", "up")


def _aggregations(symbols: Symbols, diags: Diagnostics) -> None:
    for agg in symbols.aggregations.values():
        _aggregation(agg, symbols, diags)
    for owner, kind in [*((s, "statement") for s in symbols.statements.values()),
                        *((q, "key question") for q in symbols.key_questions.values())]:
        if owner.aggregate is None:
            diags.error("E034", f"{kind} `{owner.id}` says no `aggregate`", owner.id_span,
                        "add `aggregate ID` naming how its children combine")


def _aggregation(agg: n.Aggregation, symbols: Symbols, diags: Diagnostics) -> None:
    if agg.method is None:
        diags.error("E034", f"aggregation `{agg.id}` has no `method`", agg.id_span,
                    "add `method percent`, `method min`, `method max` or `method mean`")
    elif agg.method not in METHODS:
        diags.error("E034", f"unknown aggregation method `{agg.method}`",
                    agg.method_span or agg.id_span,
                    did_you_mean(agg.method, METHODS) or "use percent, min, max or mean")
    if agg.round is not None and agg.round not in ROUNDING:
        diags.error("E034", f"unknown rounding `{agg.round}`", agg.round_span or agg.id_span,
                    did_you_mean(agg.round, ROUNDING) or "use nearest, down or up")
    if agg.method == "percent" and not agg.bands:
        diags.error("E034", f"aggregation `{agg.id}` uses `method percent` but has no band",
                    agg.id_span, "add bands such as `band 2 from 39`")
    if agg.bands and agg.method not in ("percent", None):
        diags.error("E034", f"bands only apply to `method percent`, not `{agg.method}`",
                    agg.bands[0].span, "remove the bands or use `method percent`")
    seen: dict[int, n.Band] = {}
    for band in agg.bands:
        _in_scale(band.level, band.span, 2, "band level", symbols, diags)
        if not 0 <= band.threshold <= 100:
            diags.error("E034", f"band threshold {band.threshold:g} is not a percentage",
                        band.span, "thresholds are 0 to 100")
        if band.level in seen:
            diags.error("E034", f"band {band.level} is given twice", band.span,
                        "keep one band per level", [("the first is", seen[band.level].span)])
        seen.setdefault(band.level, band)
    ordered = sorted(seen.values(), key=lambda b: b.level)
    for lower, higher in zip(ordered, ordered[1:]):
        if higher.threshold <= lower.threshold:
            diags.error("E034", f"band {higher.level} starts at {higher.threshold:g}, not above "
                        f"band {lower.level} ({lower.threshold:g})", higher.span,
                        "higher levels need higher thresholds")


__all__ = ["typecheck", "load_schemas", "Ty", "from_schema", "field_type"]
