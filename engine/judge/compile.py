"""Compile a checked criteria set into Python closures, once, for any number of bundles.

Every expression becomes a function ``f(ctx) -> value``; no tree is walked and
nothing is ``eval``-ed per bundle. The result, a ``CriteriaSet``, is immutable:
bundles are judged with it in any number of threads or processes.

Evidence values travel as ``Ev`` (known, with file and pointer) or ``Gap``
(unknown, with where it would have been) until an operator, a function or a
condition takes them: that is a *value read*, logged in ``ctx.reads``. Records
a path passes through are not reads.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from engine.errors import CriteriaError
from engine.evidence.schemas import EvidenceSchema
from engine.gcpause import gc_paused
from engine.judge import values as v
from engine.judge.values import UNKNOWN, Ev, Fault, Gap, Range, new_ev, truth
from engine.language import nodes as n
from engine.language.check import CheckedSet, check_set
from engine.language.condition_words import condition_words
from engine.language.limits import Limits
from engine.language.resolve import LOCAL, Reference, resolve_expression

Fn = Callable[["Ctx"], Any]

# ---------------------------------------------------------------- run-time context


class Ctx:
    """What one evaluation sees: a bundle's documents, facts, levels so far, and its log."""

    __slots__ = ("docs", "facts", "levels", "locals", "reads", "warnings", "children",
                 "level_uses", "known", "unknown", "memo")

    def __init__(self, docs: Mapping[str, Any], facts: Mapping[str, Any],
                 levels: dict[str, Range], memo: dict[int, Any] | None = None):
        self.docs = docs
        self.facts = facts
        self.levels = levels
        self.memo = {} if memo is None else memo   # one bundle's constant subexpressions
        self.locals: dict[str, Any] = {}
        self.reads: list[Ev | Gap] = []   # the first READ_LIMIT known and unknown reads
        self.known = 0                     # every known value read, counted
        self.unknown = 0                   # every unknown value read, counted
        self.warnings: list[tuple[str, str]] = []
        self.children: Any = UNKNOWN
        self.level_uses: list[str] = []   # ids whose level(...) was taken: shown in the trace

    def warn(self, message: str, source: str) -> None:
        self.warnings.append((message, source))


# A condition over a list of 100,000 records reads 100,000 values: every one is
# counted (the status depends on them), the first READ_LIMIT known and unknown are
# kept for the trace.
READ_LIMIT = 100


def use(value: Any, ctx: Ctx) -> Any:
    """Take a value into an operator: log it if it is evidence, and return it plain."""
    t = type(value)
    if t is Ev:
        ctx.known += 1
        if ctx.known <= READ_LIMIT:
            ctx.reads.append(value)
        return value.value
    if t is Gap:
        ctx.unknown += 1
        if ctx.unknown <= READ_LIMIT:
            ctx.reads.append(value)
        return UNKNOWN
    return value


def use_list(value: Any, ctx: Ctx) -> Any:
    """Take a list into a function or quantifier: its elements keep their provenance."""
    t = type(value)
    if t is Gap:
        use(value, ctx)
        return UNKNOWN
    if t is Ev:
        use(value, ctx)
        items = value.value
        if type(items) is not list:
            raise Fault(f"expected a list, got {v.describe(items)}")
        # Records keep their provenance for the fields read from them; plain values
        # are covered by the read of the list itself.
        return [item if type(item) is Ev else
                Ev(item, value.type, value.file, f"{value.pointer}/{i}", value.schema)
                if type(item) in (dict, list) else item
                for i, item in enumerate(items)]
    if value is UNKNOWN or type(value) is list:
        return value
    raise Fault(f"expected a list, got {v.describe(value)}")


def _pointer_part(key: Any) -> str:
    key = str(key)
    if "~" not in key and "/" not in key:      # nearly always: skip two copies
        return key
    return key.replace("~", "~0").replace("/", "~1")


def get_field(obj: Any, name: Any) -> Any:
    """``obj.name`` or ``obj["name"]`` (also ``obj[0]`` on lists), keeping provenance."""
    t = type(obj)
    if t is Ev:
        value = obj.value
        pointer = f"{obj.pointer}/{_pointer_part(name)}"
        if type(value) is dict:
            if type(name) is not str:
                raise Fault(f"a record is indexed by a string, not {v.describe(name)}")
            if name in value:
                return Ev(value[name], obj.type, obj.file, pointer, obj.schema)
            return Gap(obj.type, obj.file, pointer, obj.schema)
        if type(value) is list:
            if type(name) is not int or name < 0:
                raise Fault(f"a list is indexed by a whole number from 0, not {v.describe(name)}")
            if name < len(value):
                item = value[name]
                return item if type(item) is Ev else Ev(item, obj.type, obj.file, pointer,
                                                        obj.schema)
            return Gap(obj.type, obj.file, pointer, obj.schema)
        raise Fault(f"{v.describe(value)} has no field `{name}`")
    if t is Gap:
        return Gap(obj.type, obj.file, f"{obj.pointer}/{_pointer_part(name)}", obj.schema)
    if obj is UNKNOWN:
        return UNKNOWN
    if t is dict:
        return obj.get(name, UNKNOWN)
    if t is list and type(name) is int:
        return obj[name] if 0 <= name < len(obj) else UNKNOWN
    raise Fault(f"{v.describe(obj)} has no field `{name}`")


class _StaticPath:
    """``root.k1.k2...`` (fields and literal string keys from a name), compiled once.

    ``walk(obj, ctx)`` gives the same value, reads and warnings as ``get_field`` key
    by key from the root's value ``obj``, each key under its own node's guard;
    ``closure()`` is the whole path as one function. A record is walked as plain
    dicts: a known leaf is one ``Ev`` at the root's pointer plus ``suffix`` (made
    here); a missing key, or a root that is a gap, one ``Gap`` at that same pointer
    (a gap's fields are gaps further down). Anything else (a list, a value that is
    not a record, a fault) goes key by key."""

    __slots__ = ("root", "keys", "suffix", "walk")

    def __init__(self, root: Fn, keys: tuple[str, ...], sources: tuple[str, ...]):
        self.root, self.keys = root, keys
        self.suffix = suffix = "".join("/" + _pointer_part(k) for k in keys)
        steps = tuple(zip(keys, sources))

        def by_key(obj: Any, ctx: Ctx) -> Any:
            for key, source in steps:
                try:
                    obj = get_field(obj, key)
                except Fault as fault:     # as that node's guard: unknown from here on
                    ctx.warn(str(fault), source)
                    return UNKNOWN
            return obj

        def walk(obj: Any, ctx: Ctx) -> Any:
            t = type(obj)
            if t is Ev:
                cur = obj.value
                for k in keys:
                    if type(cur) is not dict:
                        return by_key(obj, ctx)
                    if k not in cur:
                        return new_ev(Gap, (obj.type, obj.file, obj.pointer + suffix,
                                            obj.schema))
                    cur = cur[k]
                return new_ev(Ev, (cur, obj.type, obj.file, obj.pointer + suffix, obj.schema))
            if t is Gap:
                return new_ev(Gap, (obj.type, obj.file, obj.pointer + suffix, obj.schema))
            return by_key(obj, ctx)
        self.walk = walk

    def closure(self) -> Fn:
        root, suffix, walk = self.root, self.suffix, self.walk
        if len(self.keys) != 1:
            return lambda ctx: walk(root(ctx), ctx)
        (k1,) = self.keys

        def path1(ctx: Ctx) -> Any:         # one key (`report.in_post`): written out
            obj = root(ctx)
            if type(obj) is Ev:
                cur = obj.value
                if type(cur) is dict and k1 in cur:
                    return new_ev(Ev, (cur[k1], obj.type, obj.file, obj.pointer + suffix,
                                       obj.schema))
            return walk(obj, ctx)
        return path1


_PLAIN_OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
              ">": operator.gt, ">=": operator.ge}
# Kinds on which a comparison is Python's own when both sides are of one kind
# (``bool`` is not here: ``type(True) is bool``, which ``compare`` treats apart).
_PLAIN_KINDS = frozenset({int, float, str})


def _comparison(op: str, left: Fn, right: Fn, right_expr: n._Expr, source: str,
                path: _StaticPath | None = None) -> Fn:
    """``left op right`` for == != < <= > >=: ``v.compare``, with the reads of ``use``
    written out and two numbers (or two strings) compared directly. A literal right
    side (``>= 60``) is held as a constant: taking it is not a read. A static path
    on the left of a literal is walked in the same function."""
    plain_op = _PLAIN_OPS[op]
    compare = v.compare
    if type(right_expr) is n.Literal and type(right_expr.value) in _PLAIN_KINDS:
        b = right_expr.value
        tb = type(b)
        number = tb is not str

        def against(a: Any, ctx: Ctx) -> Any:
            """``a op b`` for the left side's value ``a``, not yet taken."""
            try:
                ta = type(a)
                if ta is Ev:
                    ctx.known += 1
                    if ctx.known <= READ_LIMIT:
                        ctx.reads.append(a)
                    a = a.value
                    ta = type(a)
                elif ta is Gap:
                    use(a, ctx)
                    return UNKNOWN
                if ta is tb or (number and (ta is int or ta is float)):
                    return plain_op(a, b)
                return compare(op, a, b)
            except Fault as fault:
                ctx.warn(str(fault), source)
                return UNKNOWN

        if path is None:
            return lambda ctx: against(left(ctx), ctx)
        root, keys, suffix, walk = path.root, path.keys, path.suffix, path.walk

        def compare_path(ctx: Ctx) -> Any:
            obj = root(ctx)
            if type(obj) is Ev:
                cur = obj.value
                for k in keys:
                    if type(cur) is not dict or k not in cur:
                        break
                    cur = cur[k]
                else:       # a known leaf: read it, then compare
                    ctx.known += 1
                    if ctx.known <= READ_LIMIT:
                        ctx.reads.append(new_ev(Ev, (cur, obj.type, obj.file,
                                                     obj.pointer + suffix, obj.schema)))
                    ta = type(cur)
                    if ta is tb or (number and (ta is int or ta is float)):
                        return plain_op(cur, b)
                    try:
                        return compare(op, cur, b)
                    except Fault as fault:
                        ctx.warn(str(fault), source)
                        return UNKNOWN
            return against(walk(obj, ctx), ctx)
        return compare_path

    def comparison(ctx: Ctx) -> Any:
        try:
            a = left(ctx)
            ta = type(a)
            if ta is Ev:
                ctx.known += 1
                if ctx.known <= READ_LIMIT:
                    ctx.reads.append(a)
                a = a.value
                ta = type(a)
            elif ta is Gap:
                a = use(a, ctx)
                ta = type(a)
            b = right(ctx)
            tb = type(b)
            if tb is Ev:
                ctx.known += 1
                if ctx.known <= READ_LIMIT:
                    ctx.reads.append(b)
                b = b.value
                tb = type(b)
            elif tb is Gap:
                b = use(b, ctx)
                tb = type(b)
            if (ta is tb and ta in _PLAIN_KINDS) or (
                    (ta is int or ta is float) and (tb is int or tb is float)):
                return plain_op(a, b)
            return compare(op, a, b)
        except Fault as fault:
            ctx.warn(str(fault), source)
            return UNKNOWN
    return comparison


# ---------------------------------------------------------------- compiled forms


@dataclass(frozen=True)
class Part:
    """One comparison (or other plain condition) of a rung, for the next step's words.

    Built once per set. A comparison keeps its two sides as closures, so the value
    read and the threshold can be shown; ``subject`` names the side read from the
    evidence ("appraisal rate"), ``threshold_left`` says which side is the threshold
    (the side that is the same for the whole bundle)."""

    text: str                      # as written in the criteria, spaces folded
    when: Fn | None                # a plain condition (not a comparison)
    left: Fn | None
    right: Fn | None
    op: str | None
    subject: str | None
    threshold_left: bool = False
    percent: bool = False
    threshold_text: str | None = None   # the threshold as written, when it is not a literal
    lets: tuple[str, ...] = ()          # `let` names it reads (their gaps are its gaps)
    said: str | None = None             # a plain condition in words, made at compile time


@dataclass(frozen=True)
class Breakdown:
    """A condition as its ``and``/``or`` structure down to its parts."""

    op: str | None                 # "and", "or", or None for a part
    items: tuple[Breakdown, ...] = ()
    part: Part | None = None


@dataclass(frozen=True)
class Step:
    """A rung or a cap: its level, compiled condition, notes and where it is written."""

    level: int
    when: Fn
    because: str | None
    advice: str | None
    source: str
    breakdown: Breakdown | None = None    # rungs: their parts, for the next step


@dataclass(frozen=True)
class Concern:
    """A concern: its text, compiled condition, advice and where it is written."""

    node: str
    text: str
    when: Fn
    advice: str | None
    source: str
    line: tuple[str, int]          # (file, line): the sort key of ``source``


@dataclass(frozen=True)
class CompiledCriterion:
    id: str
    title: str
    parent: str
    category: str
    good: str | None
    applies: Fn | None
    applies_source: str | None
    lets: tuple[tuple[str, Fn, str], ...]
    rungs: tuple[Step, ...]
    caps: tuple[Step, ...]
    source: str
    kind: str = "criterion"
    concerns: tuple[Concern, ...] = ()


@dataclass(frozen=True)
class Aggregation:
    id: str
    title: str
    method: str
    round: str | None
    bands: tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class CompiledParent:
    """A statement or key question: its children and how they combine."""

    id: str
    kind: str
    title: str
    parent: str | None
    children: tuple[str, ...]
    aggregation: Aggregation
    by_category: Aggregation | None
    caps: tuple[Step, ...]
    we: str | None
    good: str | None
    regulations: tuple[str, ...]
    source: str
    concerns: tuple[Concern, ...] = ()


@dataclass(frozen=True)
class CriteriaSet:
    """A compiled criteria set: immutable, reusable for any number of bundles."""

    root: Path
    framework: n.Framework
    scale: tuple[n.ScaleLevel, ...]
    top: int
    nodes: Mapping[str, CompiledCriterion | CompiledParent]
    order: tuple[str, ...]
    schemas: Mapping[str, EvidenceSchema]
    evidence_titles: Mapping[str, str]
    evidence_ids_read: frozenset[str]
    criteria_sha256: str
    tests: tuple[tuple[n.Test, Path], ...]
    checked: CheckedSet = field(repr=False, compare=False)

    @property
    def root_id(self) -> str:
        return self.framework.root or self.order[-1]

    def label(self, level: int | None) -> str | None:
        return None if level is None else self.scale[level - 1].label


def compile_path(path: Path, limits: Limits | None = None) -> CriteriaSet:
    """Check and compile the criteria at ``path``; raises CriteriaError on any error."""
    with gc_paused():
        checked, diags = check_set(path, limits or Limits())
        if checked is None:
            raise CriteriaError(diags)
        return compile_set(checked)


def compile_expression(expr: n._Expr, *, evidence: frozenset[str] = frozenset(),
                       levels: Mapping[str, int] | None = None,
                       names: frozenset[str] = frozenset(), owner: str = "criterion") -> Fn:
    """Compile one expression on its own (for tests and tools): ``f(ctx) -> value``.

    Its names are resolved by the resolver, as in a set; ValueError if one is unknown."""
    references, _ = resolve_expression(expr, evidence=evidence, levels=dict(levels or {}),
                                       names=names, owner=owner)
    unknown = [e.id for e in n.walk(expr) if type(e) is n.Name and e not in references]
    if unknown:
        raise ValueError(f"unknown name `{unknown[0]}` in a {owner}")
    compiler = _ExprCompiler(references, levels or {}, SourceNames(Path.cwd()))
    return compiler.expr(expr, _Scope(set(names), owner))


@gc_paused()
def compile_set(checked: CheckedSet) -> CriteriaSet:
    """Compile every expression of a checked set into closures."""
    sources = SourceNames(checked.root)
    compiler = _Compiler(checked, sources)
    compiled: dict[str, CompiledCriterion | CompiledParent] = {}
    for criterion in checked.criteria.values():
        compiled[criterion.id] = compiler.criterion(criterion)
    for statement in checked.statements.values():
        compiled[statement.id] = compiler.parent(statement, "statement")
    for kq in checked.key_questions.values():
        compiled[kq.id] = compiler.parent(kq, "key_question")
    read = frozenset(node for node in checked.evidence
                     if checked.graph.has_node(node) and checked.graph.in_degree(node) > 0)
    tests = tuple((test, sources.absolute(test.span.path)) for test in checked.tests)
    return CriteriaSet(
        root=checked.root, framework=checked.framework,
        scale=tuple(sorted(checked.scale.levels, key=lambda lv: lv.number)), top=checked.top,
        nodes=MappingProxyType(compiled), order=tuple(checked.order),
        schemas=MappingProxyType(dict(checked.schemas)),
        evidence_titles=MappingProxyType({k: e.title for k, e in checked.evidence.items()}),
        evidence_ids_read=read, criteria_sha256=checked.criteria_sha256, tests=tests,
        checked=checked)


class SourceNames:
    """Span paths -> paths relative to the criteria directory (stable across machines)."""

    def __init__(self, root: Path):
        self.root = root.resolve() if root.is_dir() else root.resolve().parent
        self.cache: dict[str, str] = {}

    def absolute(self, path: str) -> Path:
        return Path(path).resolve()

    def name(self, span) -> str:
        rel = self.cache.get(span.path)
        if rel is None:
            rel = os.path.relpath(Path(span.path).resolve(), self.root).replace(os.sep, "/")
            self.cache[span.path] = rel
        return f"{rel}:{span.line}"


# ---------------------------------------------------------------- the compiler


class _ExprCompiler:
    """Expressions -> closures. Reads what each name stands for from the resolver."""

    def __init__(self, references: Mapping[n.Name, Reference], levels: Mapping[str, int],
                 sources: SourceNames):
        self.references = references
        self.level_ids = levels
        self.sources = sources
        self._constant: dict[int, bool] = {}
        self._memo_keys = iter(range(1 << 62))

    # ---- expressions
    def expr(self, e: n._Expr, scope: _Scope) -> Fn:
        method = getattr(self, "_" + type(e).__name__.lower())
        fn = method(e, scope)
        if type(e) in _WORTH_KEEPING and self.bundle_constant(e):
            return self._memo(fn)
        return fn

    def bundle_constant(self, e: n._Expr) -> bool:
        """True if ``e`` has one value for a whole bundle: it reads no evidence, no
        level, no ``let`` or quantifier variable; only literals, scale level ids and
        ``assessment.*`` / ``provider.*`` (`assessment.date - 6 months`)."""
        key = id(e)
        known = self._constant.get(key)
        if known is None:
            t = type(e)
            if t in (n.Literal, n.DateLiteral, n.Duration):
                known = True
            elif t is n.Name:
                known = e.id in ("assessment", "provider") or e.id in self.level_ids
            elif t in (n.Field, n.Index, n.Not, n.Negate, n.BoolOp, n.Compare, n.Arith,
                       n.ListExpr, n.IsCheck):
                known = all(self.bundle_constant(c) for c in n.children(e))
            else:
                known = False
            self._constant[key] = known
        return known

    def _memo(self, fn: Fn) -> Fn:
        """``fn`` evaluated once per bundle, not once per use (in a quantifier: per element).

        A value whose evaluation warned is not kept, so every criterion that meets
        the fault records its own warning."""
        key = next(self._memo_keys)

        def memo(ctx: Ctx) -> Any:
            value = ctx.memo.get(key, _ABSENT)
            if value is _ABSENT:
                warned = len(ctx.warnings)
                value = fn(ctx)
                if len(ctx.warnings) == warned:
                    ctx.memo[key] = value
            return value
        return memo

    def _guard(self, e: n._Expr, fn: Callable[[Ctx], Any]) -> Fn:
        """Run ``fn``; a fault of arithmetic or types becomes unknown plus a warning."""
        source = self.sources.name(e.span)

        def guarded(ctx: Ctx) -> Any:
            try:
                return fn(ctx)
            except Fault as fault:
                ctx.warn(str(fault), source)
                return UNKNOWN
        return guarded

    def _literal(self, e: n.Literal, scope) -> Fn:
        value = e.value
        return lambda ctx: value

    def _dateliteral(self, e: n.DateLiteral, scope) -> Fn:
        value = e.value
        return lambda ctx: value

    def _duration(self, e: n.Duration, scope) -> Fn:
        value = v.Dur(e.amount, e.unit)
        return lambda ctx: value

    def _name(self, e: n.Name, scope: _Scope) -> Fn:
        ref = self.references[e]           # decided once, by the resolver
        kind, name = ref.kind, ref.target
        if kind in LOCAL:
            return lambda ctx: ctx.locals[name]
        if kind == "evidence":
            return lambda ctx: ctx.docs[name]
        if kind == "fact":
            return lambda ctx: ctx.facts[name]
        if kind == "children":
            return lambda ctx: ctx.children
        level = ref.number
        return lambda ctx: level

    def _field(self, e: n.Field, scope) -> Fn:
        return self._path(e, scope) or self._plain_field(e, scope)

    def _index(self, e: n.Index, scope) -> Fn:
        return self._path(e, scope) or self._plain_index(e, scope)

    def _plain_field(self, e: n.Field, scope) -> Fn:
        # The guard is written out here, not wrapped round a lambda: field access
        # is the commonest node, and one call less per access is ~10% of a rung.
        obj, name, source = self.expr(e.obj, scope), e.name, self.sources.name(e.span)

        def field(ctx: Ctx) -> Any:
            try:
                return get_field(obj(ctx), name)
            except Fault as fault:
                ctx.warn(str(fault), source)
                return UNKNOWN
        return field

    def _plain_index(self, e: n.Index, scope) -> Fn:
        obj, key, source = self.expr(e.obj, scope), self.expr(e.key, scope), \
            self.sources.name(e.span)

        def index(ctx: Ctx) -> Any:
            try:
                k = use(key(ctx), ctx)
                if k is UNKNOWN:
                    return UNKNOWN
                return get_field(obj(ctx), k)
            except Fault as fault:
                ctx.warn(str(fault), source)
                return UNKNOWN
        return index

    def _path(self, e: n.Field | n.Index, scope) -> Fn | None:
        path = self._static_path(e, scope)
        return None if path is None else path.closure()

    def _static_path(self, e: n._Expr, scope) -> _StaticPath | None:
        """A static path from a name (``svy.questions["q3"].positive``: fields and
        literal string keys) compiled as one (``_StaticPath``); None for any other."""
        nodes: list[n.Field | n.Index] = []
        x: n._Expr = e
        while type(x) is n.Field or (type(x) is n.Index and type(x.key) is n.Literal
                                     and type(x.key.value) is str):
            nodes.append(x)
            x = x.obj
        if not nodes or type(x) is not n.Name:
            return None
        nodes.reverse()
        return _StaticPath(self.expr(x, scope),
                           tuple(y.name if type(y) is n.Field else y.key.value for y in nodes),
                           tuple(self.sources.name(y.span) for y in nodes))

    def _listexpr(self, e: n.ListExpr, scope) -> Fn:
        items = tuple(self.expr(i, scope) for i in e.items)
        return lambda ctx: [use(f(ctx), ctx) for f in items]

    def _not(self, e: n.Not, scope) -> Fn:
        operand = self.expr(e.operand, scope)
        return self._guard(e, lambda ctx: v.not3(v.truth(use(operand(ctx), ctx))))

    def _negate(self, e: n.Negate, scope) -> Fn:
        operand = self.expr(e.operand, scope)
        return self._guard(e, lambda ctx: v.negate(use(operand(ctx), ctx)))

    def _boolop(self, e: n.BoolOp, scope) -> Fn:
        # INVARIANT: both sides are always evaluated, so every value a condition
        # mentions is in its trace and a criterion's status does not depend on
        # the order in which its author wrote the operands.
        left, right = self.expr(e.left, scope), self.expr(e.right, scope)
        source = self.sources.name(e.span)
        # Both sides are read first, then taken as true/false (a fault in the first
        # must not hide the second's reads); and3/or3 written out on three values.
        if e.op == "and":
            def boolop(ctx: Ctx) -> Any:
                try:
                    a = left(ctx)
                    if a is not True and a is not False:
                        a = use(a, ctx)
                    b = right(ctx)
                    if b is not True and b is not False:
                        b = use(b, ctx)
                    if a is not True and a is not False:
                        a = truth(a)
                    if b is not True and b is not False:
                        b = truth(b)
                except Fault as fault:
                    ctx.warn(str(fault), source)
                    return UNKNOWN
                if a is True:
                    return b
                if a is False or b is False:
                    return False
                return UNKNOWN
        else:
            def boolop(ctx: Ctx) -> Any:
                try:
                    a = left(ctx)
                    if a is not True and a is not False:
                        a = use(a, ctx)
                    b = right(ctx)
                    if b is not True and b is not False:
                        b = use(b, ctx)
                    if a is not True and a is not False:
                        a = truth(a)
                    if b is not True and b is not False:
                        b = truth(b)
                except Fault as fault:
                    ctx.warn(str(fault), source)
                    return UNKNOWN
                if a is False:
                    return b
                if a is True or b is True:
                    return True
                return UNKNOWN
        return boolop

    def _compare(self, e: n.Compare, scope) -> Fn:
        left, right, op = self.expr(e.left, scope), self.expr(e.right, scope), e.op
        source = self.sources.name(e.span)
        if op in ("in", "not in"):
            negate = op == "not in"

            def membership(ctx: Ctx) -> Any:
                try:
                    a = use(left(ctx), ctx)
                    result = v.member(a, use(right(ctx), ctx))
                except Fault as fault:
                    ctx.warn(str(fault), source)
                    return UNKNOWN
                return v.not3(result) if negate else result
            return membership
        return _comparison(op, left, right, e.right, source, self._static_path(e.left, scope))

    def _arith(self, e: n.Arith, scope) -> Fn:
        left, right, op = self.expr(e.left, scope), self.expr(e.right, scope), e.op
        source = self.sources.name(e.span)

        def arith(ctx: Ctx) -> Any:
            try:
                return v.arith(op, use(left(ctx), ctx), use(right(ctx), ctx))
            except Fault as fault:
                ctx.warn(str(fault), source)
                return UNKNOWN
        return arith

    def _ischeck(self, e: n.IsCheck, scope) -> Fn:
        operand, negated = self.expr(e.operand, scope), e.negated
        if e.what == "missing":
            return lambda ctx: v.is_unknown(use(operand(ctx), ctx)) is not negated

        def is_none(ctx: Ctx) -> Any:
            value = use(operand(ctx), ctx)
            if value is UNKNOWN:
                return UNKNOWN
            return (value is None) is not negated
        return is_none

    def _levelof(self, e: n.LevelOf, scope) -> Fn:
        target = e.target

        def level_of(ctx: Ctx) -> Any:
            ctx.level_uses.append(target)
            return ctx.levels[target]
        return level_of

    def _call(self, e: n.Call, scope: _Scope) -> Fn:
        reduce = _REDUCERS[e.func]
        quantifier = e.func in n.QUANTIFIERS
        c = e.comprehension
        if c is None:
            if len(e.args) == 1:
                source = self.expr(e.args[0], scope)
                items = lambda ctx: use_list(source(ctx), ctx)  # noqa: E731
            else:
                parts = tuple(self.expr(a, scope) for a in e.args)
                items = lambda ctx: [f(ctx) for f in parts]  # noqa: E731

            def plain(ctx: Ctx) -> Any:
                elements = items(ctx)
                if elements is UNKNOWN:
                    return UNKNOWN
                if quantifier:
                    pairs = [(v.truth(use(x, ctx)), None) for x in elements] \
                        if e.func in ("all", "any") else [(True, None) for _ in elements]
                else:
                    pairs = [(True, use(x, ctx)) for x in elements]
                return reduce(pairs)
            return self._guard(e, plain)

        source = self.expr(c.source, scope)
        inner = scope.with_name(c.var)
        where = self.expr(c.where, inner) if c.where is not None else None
        element = self.expr(c.element, inner) if c.element is not None else None
        var = c.var

        def comprehension(ctx: Ctx) -> Any:
            elements = use_list(source(ctx), ctx)
            if elements is UNKNOWN:
                return UNKNOWN
            saved = ctx.locals.get(var, _ABSENT)
            pairs = []
            try:
                for x in elements:
                    ctx.locals[var] = x
                    cond = v.truth(use(where(ctx), ctx)) if where is not None else True
                    if element is not None:
                        value = use(element(ctx), ctx)
                    elif quantifier:
                        value = None
                    else:
                        value = use(x, ctx)
                    pairs.append((cond, value))
            finally:
                if saved is _ABSENT:
                    ctx.locals.pop(var, None)
                else:
                    ctx.locals[var] = saved
            return reduce(pairs)
        return self._guard(e, comprehension)


class _Compiler(_ExprCompiler):
    """The whole set: criteria and parents, on top of the expression compiler."""

    def __init__(self, checked: CheckedSet, sources: SourceNames):
        super().__init__(checked.references, checked.levels, sources)
        self.checked = checked
        self._lines: dict[str, list[str]] = {}
        self.titles = {**{k: e.title for k, e in checked.evidence.items()},
                       **{k: c.title for k, c in checked.criteria.items()},
                       **{k: s.title for k, s in checked.statements.items()},
                       **{k: q.title for k, q in checked.key_questions.items()}}
        self.aggregations = {a.id: Aggregation(
            a.id, a.title, a.method or "min", a.round,
            tuple(sorted((b.level, b.threshold) for b in a.bands)))
            for a in checked.aggregations.values()}

    def level(self, ref: int | str) -> int:
        return ref if isinstance(ref, int) else self.checked.levels[ref]

    def steps(self, items, scope: _Scope, parts: bool = False) -> tuple[Step, ...]:
        return tuple(Step(self.level(s.level), self.condition(s.when, scope), s.because,
                          s.advice, self.sources.name(s.span),
                          self.breakdown(s.when, scope) if parts else None) for s in items)

    # ---- the next step: a rung's condition broken down to its comparisons
    def source_text(self, span) -> str:
        """The text of ``span`` as written, with runs of spaces and line breaks folded."""
        source = self.checked.sources.get(span.path)
        if source is None:
            return ""
        lines = self._lines.get(span.path)
        if lines is None:
            lines = self._lines[span.path] = source.text.split("\n")
        if span.line == span.end_line:
            text = lines[span.line - 1][span.column - 1:span.end_column - 1]
        else:
            text = "\n".join([lines[span.line - 1][span.column - 1:],
                              *lines[span.line:span.end_line - 1],
                              lines[span.end_line - 1][:span.end_column - 1]])
        return " ".join(text.split())

    def breakdown(self, e: n._Expr, scope: _Scope) -> Breakdown:
        if type(e) is n.BoolOp:
            items: list[Breakdown] = []
            for side in (e.left, e.right):       # a chain `a and b and c` is one level
                sub = self.breakdown(side, scope)
                items.extend(sub.items if sub.op == e.op else (sub,))
            return Breakdown(e.op, tuple(items))
        text = self.source_text(e.span)
        lets = tuple(sorted({x.id for x in n.walk(e) if type(x) is n.Name
                             and x.id in scope.locals}))
        if type(e) is n.Compare:
            left_constant = self.bundle_constant(e.left)
            subject_side, threshold = (e.right, e.left) if left_constant else (e.left, e.right)
            written = (None if type(threshold) in (n.Literal, n.DateLiteral, n.ListExpr)
                       else self.source_text(threshold.span))
            return Breakdown(None, part=Part(
                text, None, self.expr(e.left, scope), self.expr(e.right, scope), e.op,
                _subject(subject_side) or self.source_text(subject_side.span), left_constant,
                _percentish(subject_side), written, lets))
        return Breakdown(None, part=Part(text, self.condition(e, scope), None, None, None,
                                         _subject(e), lets=lets,
                                         said=condition_words(e, self.titles)))

    def concerns(self, owner: str, items: tuple[n.Concern, ...], scope: _Scope
                 ) -> tuple[Concern, ...]:
        out = []
        for c in items:
            source = self.sources.name(c.span)
            file, _, line = source.rpartition(":")
            out.append(Concern(owner, c.text, self.condition(c.when, scope), c.advice, source,
                               (file, int(line))))
        return tuple(out)

    def condition(self, expr: n._Expr, scope: _Scope) -> Fn:
        """A condition: its value is taken (a read) and must be true, false or unknown."""
        inner = self.expr(expr, scope)
        if type(expr) in _THREE_VALUED:
            return inner        # already true, false or unknown, its faults guarded
        source = self.sources.name(expr.span)

        def condition(ctx: Ctx) -> Any:
            try:
                value = inner(ctx)
                if value is True or value is False:
                    return value
                return truth(use(value, ctx))
            except Fault as fault:
                ctx.warn(str(fault), source)
                return UNKNOWN
        return condition

    def criterion(self, c: n.Criterion) -> CompiledCriterion:
        scope = _Scope(set(), "criterion")
        applies = self.condition(c.applies, scope) if c.applies is not None else None
        lets = []
        for let in c.lets:
            lets.append((let.name, self.expr(let.value, scope), self.sources.name(let.span)))
            scope = scope.with_name(let.name)
        rungs = tuple(sorted(self.steps(c.rungs, scope, parts=True), key=lambda s: s.level))
        return CompiledCriterion(
            id=c.id, title=c.title, parent=c.statement, category=c.category or "uncategorised",
            good=c.good, applies=applies,
            applies_source=self.sources.name(c.applies.span) if c.applies is not None else None,
            lets=tuple(lets), rungs=rungs, caps=self.steps(c.caps, scope),
            source=self.sources.name(c.span), concerns=self.concerns(c.id, c.concerns, scope))

    def parent(self, node: n.Statement | n.KeyQuestion, kind: str) -> CompiledParent:
        scope = _Scope(set(), kind)
        if isinstance(node, n.Statement):
            children = tuple(c.id for c in node.criteria)
            parent = node.under
            we, regulations = node.we, node.regulations
        else:
            children = tuple(s.id for s in self.checked.statements.values() if s.under == node.id)
            parent, we, regulations = None, None, ()
        ref = node.aggregate
        aggregation = self.aggregations[ref.id] if ref else Aggregation("min", "lowest", "min",
                                                                         None, ())
        by_category = self.aggregations[ref.by_category] if ref and ref.by_category else None
        return CompiledParent(
            id=node.id, kind=kind, title=node.title, parent=parent, children=children,
            aggregation=aggregation, by_category=by_category, caps=self.steps(node.caps, scope),
            we=we, good=node.good, regulations=tuple(regulations),
            source=self.sources.name(node.span),
            concerns=self.concerns(node.id, node.concerns, scope))

def _path(e: n._Expr) -> list[str]:
    """The names along a path: ``s.questions["safe"].pct`` -> [s, questions, safe, pct]."""
    if type(e) is n.Field:
        return [*_path(e.obj), e.name]
    if type(e) is n.Index:
        key = e.key.value if type(e.key) is n.Literal else None
        return [*_path(e.obj), *([str(key)] if key is not None else [])]
    if type(e) is n.Name:
        return [e.id]
    return []


_PERCENT_WORDS = ("percent", "pct")


def _subject(e: n._Expr) -> str | None:
    """Plain words for what a comparison reads, from the last name of its path without
    "percent" (the value is shown with %): ``capacity.appraisal_rate_percent`` is
    "appraisal rate"; a last name of one word keeps the one before it
    (``questions["safe_to_speak_up"].percent_positive`` is "safe to speak up positive");
    ``level(x)`` is "the level of x". None when there is no path (then the text is used)."""
    if type(e) is n.LevelOf:
        return f"the level of {e.target.replace('_', ' ')}"
    names = _path(e)
    if not names:
        return None
    last = [w for w in names[-1].split("_") if w and w not in _PERCENT_WORDS]
    if len(last) <= 1 and len(names) > 1:
        before = names[-2].replace("_", " ")
        return f"{before} {' '.join(last)}" if last else before
    return " ".join(last) or names[-1]


def _percentish(e: n._Expr) -> bool:
    """True when a value reads as a percentage: a `percent(...)`, or a path that says so."""
    if type(e) is n.Call:
        return e.func == "percent"
    return any(word in name for name in _path(e) for word in ("percent", "rate", "pct"))


_ABSENT = object()
# Nodes whose closures only ever give True, False or UNKNOWN (and guard their own faults).
_THREE_VALUED = (n.Compare, n.BoolOp, n.Not)
# Constant parts worth keeping for a bundle: computing them costs more than a dict look-up.
_WORTH_KEEPING = (n.Arith, n.Compare, n.BoolOp, n.Not, n.IsCheck)


class _Scope:
    """Names visible in an expression: lets above and quantifier variables."""

    def __init__(self, local_names: set[str], owner: str):
        self.locals = frozenset(local_names)
        self.owner = owner

    def with_name(self, name: str) -> _Scope:
        return _Scope(set(self.locals) | {name}, self.owner)


# ---------------------------------------------------------------- functions
# Each reducer takes (condition, value) pairs, one per element; the condition is
# True, False or UNKNOWN (True when there is no `where`).


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


_REDUCERS: dict[str, Callable] = {
    "count": _count, "percent": _percent, "all": _all, "any": _any, "sum": _sum,
    "mean": _mean, "min": _extreme(min), "max": _extreme(max),
}
