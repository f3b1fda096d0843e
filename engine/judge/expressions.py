"""Expressions of the criteria language compiled into closures ``f(ctx) -> value``.

Every expression is compiled once per criteria set; no tree is walked and nothing
is ``eval``-ed per bundle. The closures read a bundle through ``Ctx``
(``engine/judge/context.py``), log every value they take, and turn a fault of
arithmetic or types into unknown plus a warning naming the place in the criteria.
A bundle-constant part (``assessment.date - 6 months``) is computed once per bundle.
The common shapes have fast paths that give exactly what the general closures give
(same value, reads and warnings): a static path walked as one closure, a
comparison of two numbers, ``and``/``or`` written out.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from engine.judge import values as v
from engine.judge.builtins import REDUCERS
from engine.judge.context import READ_LIMIT, Ctx, Fn, get_field, pointer_part, use, use_list
from engine.judge.values import UNKNOWN, Ev, Fault, Gap, new_ev, truth
from engine.language import nodes as n
from engine.language.resolve import LOCAL, Reference, resolve_expression


class _StaticPath:
    """``root.k1.k2...`` (fields and literal string keys from a name), compiled once.

    ``walk(obj, ctx)`` gives the same value, reads and warnings as ``get_field`` key
    by key from the root's value ``obj``, each key under its own node's guard;
    ``closure()`` is the whole path as one function. A record is walked as plain
    dicts: a known leaf is one ``Ev`` at the root's pointer plus ``suffix`` (made
    here); a missing key, or a root that is a gap, one ``Gap`` at that same pointer
    (a gap's fields are gaps further down). Anything else (a list, a value that is
    not a record, a fault) goes key by key."""

    __slots__ = ("root", "keys", "suffix", "walk", "held", "name")

    def __init__(self, root: Fn, keys: tuple[str, ...], sources: tuple[str, ...],
                 held: str | None = None, name: str | None = None):
        # ``held``: "docs" or "locals" when the root name is an evidence id or a
        # let/quantifier variable, looked up in ``ctx.docs``/``ctx.locals[name]`` in
        # place (one call less than ``root``); None: ``root(ctx)``.
        self.root, self.keys, self.held, self.name = root, keys, held, name
        self.suffix = suffix = "".join("/" + pointer_part(k) for k in keys)
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

    def fetch_root(self) -> tuple[bool, bool, str | None, Fn]:
        """(from ctx.docs, from ctx.locals, the name there, the root's closure)."""
        return self.held == "docs", self.held == "locals", self.name, self.root

    def closure(self) -> Fn:
        suffix, walk, keys = self.suffix, self.walk, self.keys
        from_docs, from_locals, rname, root = self.fetch_root()
        if len(keys) != 1:
            def path(ctx: Ctx) -> Any:
                if from_docs:
                    obj = ctx.docs[rname]
                elif from_locals:
                    obj = ctx.locals[rname]
                else:
                    obj = root(ctx)
                if type(obj) is Ev:
                    cur = obj.value
                    for k in keys:
                        if type(cur) is not dict or k not in cur:
                            break
                        cur = cur[k]
                    else:
                        return new_ev(Ev, (cur, obj.type, obj.file, obj.pointer + suffix,
                                           obj.schema))
                return walk(obj, ctx)
            return path
        (k1,) = keys

        def path1(ctx: Ctx) -> Any:         # one key (`report.in_post`): written out
            if from_docs:
                obj = ctx.docs[rname]
            elif from_locals:
                obj = ctx.locals[rname]
            else:
                obj = root(ctx)
            t = type(obj)
            if t is Ev:
                cur = obj.value
                if type(cur) is dict and k1 in cur:
                    return new_ev(Ev, (cur[k1], obj.type, obj.file, obj.pointer + suffix,
                                       obj.schema))
            elif t is Gap:      # evidence not provided (common): its field is a gap too
                return new_ev(Gap, (obj.type, obj.file, obj.pointer + suffix, obj.schema))
            elif t is dict:     # a fact (`assessment.date`): get_field on a plain record
                return obj.get(k1, UNKNOWN)
            elif obj is UNKNOWN:
                return UNKNOWN
            return walk(obj, ctx)
        return path1

    def condition(self, source: str) -> Fn:
        """The path as a condition (``report.in_post``): its leaf read, then taken as true
        or false in the same function; a value that is not is a fault at ``source``."""
        suffix, walk, keys = self.suffix, self.walk, self.keys
        from_docs, from_locals, rname, root = self.fetch_root()

        def path_condition(ctx: Ctx) -> Any:
            if from_docs:
                obj = ctx.docs[rname]
            elif from_locals:
                obj = ctx.locals[rname]
            else:
                obj = root(ctx)
            if type(obj) is Ev:
                value = obj.value
                for k in keys:
                    if type(value) is not dict or k not in value:
                        break
                    value = value[k]
                else:       # a known leaf: read it, then take it
                    known = ctx.known + 1
                    ctx.known = known
                    if known <= READ_LIMIT:
                        ctx.reads.append(new_ev(Ev, (value, obj.type, obj.file,
                                                     obj.pointer + suffix, obj.schema)))
                    if value is True or value is False:
                        return value
                    try:
                        return truth(value)
                    except Fault as fault:
                        ctx.warn(str(fault), source)
                        return UNKNOWN
            value = use(walk(obj, ctx), ctx)
            if value is True or value is False:
                return value
            try:
                return truth(value)
            except Fault as fault:
                ctx.warn(str(fault), source)
                return UNKNOWN
        return path_condition


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
                elif ta is Gap:     # `use` written out: an unknown read
                    ctx.unknown += 1
                    if ctx.unknown <= READ_LIMIT:
                        ctx.reads.append(a)
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
        from_docs, from_locals, rname = path.held == "docs", path.held == "locals", path.name

        def compare_path(ctx: Ctx) -> Any:
            if from_docs:
                obj = ctx.docs[rname]
            elif from_locals:
                obj = ctx.locals[rname]
            else:
                obj = root(ctx)
            t = type(obj)
            if t is Gap:    # evidence not provided: its field is an unknown read
                ctx.unknown += 1
                if ctx.unknown <= READ_LIMIT:
                    ctx.reads.append(new_ev(Gap, (obj.type, obj.file, obj.pointer + suffix,
                                                  obj.schema)))
                return UNKNOWN
            if t is Ev:
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


_PLAIN_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul}


def _arithmetic(op: str, left: Fn, right: Fn, source: str) -> Fn:
    """``left op right`` for + - * /: ``v.arith``, with the reads of ``use`` written
    out and two numbers added, taken away or multiplied directly."""
    arith = v.arith
    plain_op = _PLAIN_ARITH.get(op)

    def arithmetic(ctx: Ctx) -> Any:
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
            if plain_op is not None and (ta is int or ta is float) and (tb is int or tb is float):
                return plain_op(a, b)
            return arith(op, a, b)
        except Fault as fault:
            ctx.warn(str(fault), source)
            return UNKNOWN
    return arithmetic


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
    compiler = ExpressionCompiler(references, levels or {}, SourceNames(Path.cwd()))
    return compiler.expr(expr, Scope(set(names), owner))


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


class ExpressionCompiler:
    """Expressions -> closures. Reads what each name stands for from the resolver."""

    def __init__(self, references: Mapping[n.Name, Reference], levels: Mapping[str, int],
                 sources: SourceNames):
        self.references = references
        self.level_ids = levels
        self.sources = sources
        self._constant: dict[int, bool] = {}
        self._memo_keys = iter(range(1 << 62))

    # ---- expressions
    def expr(self, e: n._Expr, scope: Scope) -> Fn:
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
                ref = self.references.get(e)     # the resolver decided what it is
                known = ref is not None and ref.kind in ("fact", "level")
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

    def _name(self, e: n.Name, scope: Scope) -> Fn:
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
        ref = self.references.get(x)
        held = None if ref is None else "docs" if ref.kind == "evidence" else \
            "locals" if ref.kind in LOCAL else None
        return _StaticPath(self.expr(x, scope),
                           tuple(y.name if type(y) is n.Field else y.key.value for y in nodes),
                           tuple(self.sources.name(y.span) for y in nodes),
                           held, None if ref is None else ref.target)

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
                    if a is not True and a is not False and a is not UNKNOWN:
                        a = use(a, ctx)
                    b = right(ctx)
                    if b is not True and b is not False and b is not UNKNOWN:
                        b = use(b, ctx)
                    # unknown is already an outcome: only other values go through truth
                    if a is not True and a is not False and a is not UNKNOWN:
                        a = truth(a)
                    if b is not True and b is not False and b is not UNKNOWN:
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
                    if a is not True and a is not False and a is not UNKNOWN:
                        a = use(a, ctx)
                    b = right(ctx)
                    if b is not True and b is not False and b is not UNKNOWN:
                        b = use(b, ctx)
                    # unknown is already an outcome: only other values go through truth
                    if a is not True and a is not False and a is not UNKNOWN:
                        a = truth(a)
                    if b is not True and b is not False and b is not UNKNOWN:
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
        left, right = self.expr(e.left, scope), self.expr(e.right, scope)
        return _arithmetic(e.op, left, right, self.sources.name(e.span))

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

    def _call(self, e: n.Call, scope: Scope) -> Fn:
        reduce = REDUCERS[e.func]
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
                    if where is None:
                        cond = True
                    else:
                        cond = where(ctx)
                        if cond is not True and cond is not False:
                            cond = truth(use(cond, ctx))
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

    def condition(self, expr: n._Expr, scope: Scope) -> Fn:
        """A condition: its value is taken (a read) and must be true, false or unknown."""
        if type(expr) in (n.Field, n.Index):
            path = self._static_path(expr, scope)
            if path is not None:
                return path.condition(self.sources.name(expr.span))
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


_ABSENT = object()
# Nodes whose closures only ever give True, False or UNKNOWN (and guard their own faults).
_THREE_VALUED = (n.Compare, n.BoolOp, n.Not)
# Constant parts worth keeping for a bundle: computing them costs more than a dict look-up.
_WORTH_KEEPING = (n.Arith, n.Compare, n.BoolOp, n.Not, n.IsCheck)


class Scope:
    """Names visible in an expression: lets above and quantifier variables."""

    def __init__(self, local_names: set[str], owner: str):
        self.locals = frozenset(local_names)
        self.owner = owner

    def with_name(self, name: str) -> Scope:
        return Scope(set(self.locals) | {name}, self.owner)
