"""Names: the symbol table of a criteria set, and every reference checked against it.

Ids of frameworks, scales and their levels, evidence, aggregations, key
questions, statements and criteria share one namespace across the set. Inside
an expression a name is, in this order: a quantifier's variable in scope, a
``let`` defined above in the same criterion, an evidence id, a scale level id,
``assessment``, ``provider``, or (in a statement's or key question's caps)
``children``. Resolving records what each name stands for (a ``Reference``,
decided here once: the type checker and the compiler read it) and what each
node reads and which levels it uses, so that the graph and the linter need not
walk the expressions again.

>>> from engine.language.parse import parse_text
>>> file, _ = parse_text('evidence ftsu "FTSU"\\nevidence ftsu "Again"', "a.crit")
>>> symbols, diags = resolve((file,))
>>> [d.message for d in diags if d.code == "E003"]
['duplicate id `ftsu`']
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Literal

from engine.diagnostics import Diagnostics, did_you_mean
from engine.language import nodes as n
from engine.source import Span

KIND_WORDS = {
    "framework": "a framework", "scale": "a scale", "level": "a scale level",
    "evidence": "evidence", "aggregation": "an aggregation",
    "key_question": "a key question", "statement": "a statement", "criterion": "a criterion",
}
BUILTINS = ("assessment", "provider")
CHILDREN = "children"
JUDGED = ("criterion", "statement", "key_question")
OUTCOMES = ("not_assessed", "not_applicable")

RefKind = Literal["variable", "let", "evidence", "fact", "children", "level"]
LOCAL = ("variable", "let")


@dataclass(frozen=True, slots=True)
class Reference:
    """What one name in an expression stands for, decided once by the resolver.

    ``kind`` is ``variable`` (a quantifier's), ``let``, ``evidence``, ``fact``
    (``assessment`` or ``provider``), ``children`` or ``level`` (a scale level's
    id, standing for ``number``); ``target`` is the name's text.

    >>> from engine.language.parse import parse_text
    >>> text = 'scale s { level 1 weak "W" "" }\\nstatement t "T" { criterion c "C" {'
    >>> text += ' level 2 when weak == 1 } }'
    >>> file, _ = parse_text(text, "a.crit")
    >>> list(resolve((file,))[0].references.values())
    [Reference(kind='level', target='weak', number=1)]
    """

    kind: RefKind
    target: str
    number: int | None = None


@dataclass
class Symbols:
    """Everything the set declares, by id, plus what each judged node reads.

    ``reads[node][evidence_id]`` and ``uses[node][target]`` hold the span of the
    first read of that evidence and the first ``level(target)`` in ``node``;
    ``references`` what each resolved name node stands for (an unresolved one,
    reported, has none).
    """

    files: tuple[n.File, ...]
    framework: n.Framework | None = None
    scale: n.Scale | None = None
    levels: dict[str, int] = field(default_factory=dict)
    top: int = 0
    scales: dict[str, n.Scale] = field(default_factory=dict)
    evidence: dict[str, n.Evidence] = field(default_factory=dict)
    evidence_files: dict[str, str] = field(default_factory=dict)
    aggregations: dict[str, n.Aggregation] = field(default_factory=dict)
    key_questions: dict[str, n.KeyQuestion] = field(default_factory=dict)
    statements: dict[str, n.Statement] = field(default_factory=dict)
    criteria: dict[str, n.Criterion] = field(default_factory=dict)
    tests: list[n.Test] = field(default_factory=list)
    kinds: dict[str, tuple[str, Span]] = field(default_factory=dict)
    reads: dict[str, dict[str, Span]] = field(default_factory=dict)
    uses: dict[str, dict[str, Span]] = field(default_factory=dict)
    used_lets: set[tuple[str, str]] = field(default_factory=set)
    concerns: dict[str, tuple[str, n.Concern]] = field(default_factory=dict)  # text -> (owner, it)
    references: dict[n.Name, Reference] = field(default_factory=dict)

    def kind(self, ident: str) -> str | None:
        entry = self.kinds.get(ident)
        return entry[0] if entry else None

    def level_number(self, ref: int | str) -> int | None:
        """A rung's, cap's or expectation's level as a number (None if unknown)."""
        return ref if isinstance(ref, int) else self.levels.get(ref)


def resolve(files: tuple[n.File, ...]) -> tuple[Symbols, Diagnostics]:
    """Build the symbol table of ``files`` and check every reference in them."""
    symbols, diags = Symbols(files), Diagnostics()
    _declare(symbols, diags)
    _framework(symbols, diags)
    for statement in symbols.statements.values():
        _statement(statement, symbols, diags)
    for question in symbols.key_questions.values():
        _aggregate_ref(question.aggregate, symbols, diags)
        _caps(question.id, "key_question", question.caps, symbols, diags)
        _concerns(question.id, "key_question", question.concerns, (), symbols, diags)
    for criterion in symbols.criteria.values():
        _criterion(criterion, symbols, diags)
    _categories(symbols, diags)
    for test in symbols.tests:
        _test(test, symbols, diags)
    return symbols, diags


def resolve_expression(expr: n._Expr, *, evidence: frozenset[str] = frozenset(),
                       levels: dict[str, int] | None = None, names: frozenset[str] = frozenset(),
                       owner: str = "criterion") -> tuple[dict[n.Name, Reference], Diagnostics]:
    """The references of one expression on its own (for tests and tools), given the
    ``evidence`` ids, the scale ``levels`` (id -> number), ``names`` already bound (as a
    quantifier's variables are) and the kind of node it sits in (``children`` is known
    only in a statement or key question).

    >>> from engine.language.parse import parse_expression
    >>> refs, _ = resolve_expression(parse_expression("s.a > good"), evidence=frozenset({"s"}),
    ...                              levels={"good": 3})
    >>> [(r.kind, r.target, r.number) for r in refs.values()]
    [('evidence', 's', None), ('level', 'good', 3)]
    """
    symbols, diags = Symbols(()), Diagnostics()
    symbols.kinds.update({ident: ("evidence", expr.span) for ident in evidence})
    symbols.levels = dict(levels or {})
    walker = _Walker("expression", owner, symbols, diags, ())
    walker.expr(expr, {name: expr.span for name in names}, None)
    return symbols.references, diags


# ---------------------------------------------------------------- declarations


def _declare(symbols: Symbols, diags: Diagnostics) -> None:
    """Register every id; a second declaration of an id is E003 naming the first."""

    def add(ident: str, kind: str, span: Span) -> bool:
        first = symbols.kinds.get(ident)
        if first is not None:
            diags.error("E003", f"duplicate id `{ident}`", span,
                        "rename one of them: ids are global to the criteria set",
                        [(f"`{ident}` is first declared as {KIND_WORDS[first[0]]}", first[1])])
            return False
        symbols.kinds[ident] = (kind, span)
        return True

    tables = {"evidence": symbols.evidence, "aggregation": symbols.aggregations,
              "key_question": symbols.key_questions, "statement": symbols.statements}
    for file in symbols.files:
        for decl in file.declarations:
            match decl:
                case n.Test():
                    symbols.tests.append(decl)
                case n.Framework():
                    if add(decl.id, "framework", decl.id_span) and symbols.framework is None:
                        symbols.framework = decl
                case n.Scale():
                    if add(decl.id, "scale", decl.id_span):
                        symbols.scales[decl.id] = decl
                    for level in decl.levels:
                        add(level.id, "level", level.span)
                case n.Statement():
                    if add(decl.id, "statement", decl.id_span):
                        symbols.statements[decl.id] = decl
                    for criterion in decl.criteria:
                        if add(criterion.id, "criterion", criterion.id_span):
                            symbols.criteria[criterion.id] = criterion
                case _:
                    kind = _kind_of(decl)
                    if add(decl.id, kind, decl.id_span):
                        tables[kind][decl.id] = decl
                        if kind == "evidence":
                            symbols.evidence_files[decl.id] = file.path


def _kind_of(decl: n.Declaration) -> str:
    return {n.Evidence: "evidence", n.Aggregation: "aggregation",
            n.KeyQuestion: "key_question"}[type(decl)]


def _framework(symbols: Symbols, diags: Diagnostics) -> None:
    """Exactly one framework, naming a scale and a root that exist."""
    frameworks = [d for f in symbols.files for d in f.declarations if isinstance(d, n.Framework)]
    if not frameworks and symbols.files:
        first = symbols.files[0].path
        diags.error("E033", "the criteria set has no `framework` declaration",
                    Span(first, 0, 0, 0, 0),
                    "add `framework ID \"Title\" { scale ID  root ID }` to one file")
    for extra in frameworks[1:]:
        diags.error("E033", f"a second framework `{extra.id}`: a criteria set has exactly one",
                    extra.id_span, "keep one framework declaration",
                    [(f"the first is `{frameworks[0].id}`", frameworks[0].id_span)])
    fw = symbols.framework
    scale = None
    if fw is not None:
        if fw.scale is None:
            diags.error("E033", f"framework `{fw.id}` names no `scale`", fw.id_span,
                        "add `scale ID` naming the maturity scale")
        elif _expect_kind(fw.scale, fw.scale_span, ("scale",), "scale", symbols, diags):
            scale = symbols.scales.get(fw.scale)
        if fw.root is None:
            diags.error("E033", f"framework `{fw.id}` names no `root`", fw.id_span,
                        "add `root ID` naming the key question at the top")
        else:
            _expect_kind(fw.root, fw.root_span, ("key_question", "statement"),
                         "key question or statement", symbols, diags)
    if scale is None and symbols.scales and (fw is None or fw.scale not in symbols.kinds):
        scale = next(iter(symbols.scales.values()))
    if scale is not None:
        symbols.scale = scale
        symbols.levels = {level.id: level.number for level in scale.levels}
        symbols.top = max((level.number for level in scale.levels), default=0)


def _expect_kind(ident: str, span: Span | None, kinds: tuple[str, ...], words: str,
                 symbols: Symbols, diags: Diagnostics) -> bool:
    """True if ``ident`` is declared as one of ``kinds``; else E010 or E011 at ``span``."""
    kind = symbols.kind(ident)
    if kind in kinds:
        return True
    span = span or Span("<none>", 0, 0, 0, 0)
    if kind is None:
        candidates = [k for k, (kd, _) in symbols.kinds.items() if kd in kinds]
        diags.error("E010", f"unknown {words} `{ident}`", span, did_you_mean(ident, candidates))
    else:
        diags.error("E011", f"`{ident}` is {KIND_WORDS[kind]}, not a {words}", span,
                    f"name a {words} here", [(f"`{ident}` is declared", symbols.kinds[ident][1])])
    return False


def _aggregate_ref(ref: n.AggregateRef | None, symbols: Symbols, diags: Diagnostics) -> None:
    if ref is None:
        return
    _expect_kind(ref.id, ref.id_span, ("aggregation",), "aggregation", symbols, diags)
    if ref.by_category is not None:
        _expect_kind(ref.by_category, ref.by_category_span, ("aggregation",), "aggregation",
                     symbols, diags)


def _statement(statement: n.Statement, symbols: Symbols, diags: Diagnostics) -> None:
    if statement.under is not None:
        _expect_kind(statement.under, statement.under_span, ("key_question",), "key question",
                     symbols, diags)
    _aggregate_ref(statement.aggregate, symbols, diags)
    _caps(statement.id, "statement", statement.caps, symbols, diags)
    _concerns(statement.id, "statement", statement.concerns, (), symbols, diags)


def _level_ref(ref: int | str, span: Span, symbols: Symbols, diags: Diagnostics,
               allowed: tuple[str, ...] = ()) -> None:
    if isinstance(ref, int) or ref in symbols.levels or ref in allowed or not symbols.levels:
        return
    diags.error("E010", f"unknown level `{ref}`", span,
                did_you_mean(ref, [*symbols.levels, *allowed])
                or "use a level number or one of the scale's level ids: "
                + ", ".join(f"`{k}`" for k in symbols.levels))


def _caps(owner: str, kind: str, caps: tuple[n.Cap, ...], symbols: Symbols,
          diags: Diagnostics) -> None:
    walker = _Walker(owner, kind, symbols, diags, ())
    for cap in caps:
        _level_ref(cap.level, cap.span, symbols, diags)
        walker.expr(cap.when, {}, cap.when.span)


def _criterion(criterion: n.Criterion, symbols: Symbols, diags: Diagnostics) -> None:
    seen: dict[str, n.Let] = {}
    for let in criterion.lets:
        if let.name in seen:
            diags.error("E003", f"`let {let.name}` is given twice in criterion `{criterion.id}`",
                        let.name_span, "give the second a different name",
                        [("the first is", seen[let.name].name_span)])
            continue
        seen[let.name] = let
        _no_hiding(let.name, let.name_span, symbols, diags, {})
    walker = _Walker(criterion.id, "criterion", symbols, diags, criterion.lets)
    for let in criterion.lets:
        walker.expr(let.value, {}, let.span)
    if criterion.applies is not None:
        # `applies when` is decided before any `let` (spec: judging a criterion, step 1),
        # wherever it is written: no `let` is visible in it.
        walker.expr(criterion.applies, {}, None)
    for item in (*criterion.rungs, *criterion.caps):
        _level_ref(item.level, item.span, symbols, diags)
        walker.expr(item.when, {}, item.span)
    _concerns(criterion.id, "criterion", criterion.concerns, criterion.lets, symbols, diags)


def _concerns(owner: str, kind: str, concerns: tuple[n.Concern, ...], lets: tuple[n.Let, ...],
              symbols: Symbols, diags: Diagnostics) -> None:
    """Names in each concern's condition, as elsewhere; a concern's text is unique in the
    set (E035), since reports and test blocks name a concern by its text."""
    walker = _Walker(owner, kind, symbols, diags, lets)
    for concern in concerns:
        walker.expr(concern.when, {}, concern.span)
        first = symbols.concerns.get(concern.text)
        if first is not None:
            diags.error("E035", f"the concern \"{_short(concern.text)}\" is declared twice",
                        concern.text_span,
                        "give each concern its own words (reports and tests name a concern "
                        "by its text), or keep one of them",
                        [(f"first declared in `{first[0]}`", first[1].text_span)])
            continue
        symbols.concerns[concern.text] = (owner, concern)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _categories(symbols: Symbols, diags: Diagnostics) -> None:
    """When the framework lists ``categories``, a criterion's category is one of them (E036)."""
    fw = symbols.framework
    if fw is None or fw.categories is None:
        return
    allowed = fw.categories
    for criterion in symbols.criteria.values():
        if criterion.category is None or criterion.category in allowed:
            continue
        span = _category_span(criterion)
        hint = did_you_mean(criterion.category, allowed)
        diags.error("E036", f"category `{criterion.category}` is not one of the framework's "
                    "categories", span,
                    hint or "use one of " + ", ".join(f"`{c}`" for c in allowed)
                    + ", or add it to `categories` in the framework",
                    [("the framework lists its categories here", fw.categories_span)])


def _category_span(criterion: n.Criterion) -> Span:
    return criterion.category_span or criterion.id_span


def _no_hiding(name: str, span: Span, symbols: Symbols, diags: Diagnostics,
               scope: dict[str, Span]) -> None:
    """A ``let`` or a quantifier's variable may not hide another name (E003)."""
    kind = symbols.kind(name)
    if name in scope:
        hidden, where = "a variable", scope[name]
    elif kind in ("evidence", "level"):
        hidden, where = KIND_WORDS[kind], symbols.kinds[name][1]
    elif name in (*BUILTINS, CHILDREN):
        hidden, where = f"the built-in `{name}`", None
    else:
        return
    diags.error("E003", f"`{name}` would hide {hidden} of the same name", span,
                "choose another name", [(f"`{name}` is declared", where)] if where else ())


def _test(test: n.Test, symbols: Symbols, diags: Diagnostics) -> None:
    for item in test.evidence:
        _expect_kind(item.type, item.type_span, ("evidence",), "evidence type", symbols, diags)
    for expectation in test.expectations:
        _expect_kind(expectation.node, expectation.node_span, JUDGED,
                     "criterion, statement or key question", symbols, diags)
        allowed = OUTCOMES if expectation.op == "is" else ()
        _level_ref(expectation.value, expectation.span, symbols, diags, allowed)
    for expectation in test.concern_expectations:
        if expectation.text not in symbols.concerns:
            diags.error("E010", f"no concern \"{_short(expectation.text)}\" in the criteria set",
                        expectation.text_span,
                        _quoted_hint(expectation.text, symbols.concerns)
                        or "write the concern's text exactly as it is declared")
        if expectation.state not in n.CONCERN_STATES:
            diags.error("E043", f"a concern is `raised`, `not_raised` or `not_checked`, not "
                        f"`{expectation.state}`", expectation.state_span,
                        did_you_mean(expectation.state, n.CONCERN_STATES)
                        or "write `is raised`, `is not_raised` or `is not_checked`")


def _quoted_hint(text: str, texts) -> str | None:
    """ "did you mean" for a concern's text, quoted as text rather than as a name."""
    close = difflib.get_close_matches(text, sorted(texts), n=1, cutoff=0.6)
    return f'did you mean "{close[0]}"?' if close else None


# ---------------------------------------------------------------- expressions


class _Walker:
    """Resolves the names in the expressions of one criterion, statement or key question."""

    def __init__(self, owner: str, kind: str, symbols: Symbols, diags: Diagnostics,
                 lets: tuple[n.Let, ...]):
        self.owner, self.kind, self.symbols, self.diags = owner, kind, symbols, diags
        self.lets = lets
        self.reads = symbols.reads.setdefault(owner, {})
        self.uses = symbols.uses.setdefault(owner, {})

    def expr(self, expr: n._Expr, scope: dict[str, Span], at: Span | None) -> None:
        """Check ``expr``; ``at`` is where it sits (``let`` names above it are visible;
        None: no ``let`` is, as in ``applies when``)."""
        match expr:
            case n.Name():
                self._name(expr, scope, at)
            case n.LevelOf():
                self._level_of(expr)
            case n.Call():
                self._call(expr, scope, at)
            case _:
                for child in n.children(expr):
                    self.expr(child, scope, at)

    def _visible_lets(self, at: Span | None) -> dict[str, n.Let]:
        if at is None:
            return {}
        here = (at.line, at.column)
        return {let.name: let for let in self.lets if (let.span.line, let.span.column) < here}

    def _reference(self, name: str, scope: dict[str, Span], at: Span | None) -> Reference | None:
        """What ``name`` stands for here, in the one order of the language; None if nothing."""
        symbols = self.symbols
        if name in scope:
            return Reference("variable", name)
        if name in self._visible_lets(at):
            return Reference("let", name)
        if symbols.kind(name) == "evidence":
            return Reference("evidence", name)
        if name in BUILTINS:
            return Reference("fact", name)
        if name == CHILDREN and self.kind != "criterion":
            return Reference("children", name)
        if name in symbols.levels:
            return Reference("level", name, symbols.levels[name])
        return None

    def _name(self, expr: n.Name, scope: dict[str, Span], at: Span | None) -> None:
        name, symbols = expr.id, self.symbols
        ref = self._reference(name, scope, at)
        if ref is not None:
            symbols.references[expr] = ref
            if ref.kind == "let":
                symbols.used_lets.add((self.owner, name))
            elif ref.kind == "evidence":
                self.reads.setdefault(name, expr.span)
            return
        kind = symbols.kind(name)
        if name == CHILDREN:
            self.diags.error("E011", "`children` is only known in a statement's or key "
                             "question's caps", expr.span,
                             "a criterion can name another's level with `level(id)`")
        elif any(let.name == name for let in self.lets):
            symbols.used_lets.add((self.owner, name))
            if at is None:
                self.diags.error("E010", f"`applies when` cannot use `let {name}`: it is "
                                 "decided before any `let`", expr.span,
                                 f"write out in full what `{name}` stands for here")
            else:
                self.diags.error("E010", f"`{name}` is used before its `let`", expr.span,
                                 f"move `let {name} = ...` above this line")
        elif kind in JUDGED:
            self.diags.error("E011", f"`{name}` is {KIND_WORDS[kind]}, not a value", expr.span,
                             f"to use its level, write `level({name})`")
        elif kind is not None:
            self.diags.error("E011", f"`{name}` is {KIND_WORDS[kind]}, not a value", expr.span)
        else:
            names = [*scope, *self._visible_lets(at), *symbols.evidence, *symbols.levels,
                     *BUILTINS]
            if self.kind != "criterion":
                names.append(CHILDREN)
            self.diags.error("E010", f"unknown name `{name}`", expr.span,
                             did_you_mean(name, names))

    def _level_of(self, expr: n.LevelOf) -> None:
        kind = self.symbols.kind(expr.target)
        if kind in JUDGED:
            self.uses.setdefault(expr.target, expr.span)
        elif kind is None:
            names = [k for k, (kd, _) in self.symbols.kinds.items() if kd in JUDGED]
            self.diags.error("E010", f"unknown criterion or statement `{expr.target}` in "
                             "`level(...)`", expr.target_span, did_you_mean(expr.target, names))
        else:
            self.diags.error("E011", f"`level(...)` needs a criterion, statement or key "
                             f"question; `{expr.target}` is {KIND_WORDS[kind]}",
                             expr.target_span, None,
                             [(f"`{expr.target}` is declared", self.symbols.kinds[expr.target][1])])

    def _call(self, expr: n.Call, scope: dict[str, Span], at: Span | None) -> None:
        if expr.func not in n.FUNCTIONS:
            self.diags.error("E010", f"unknown function `{expr.func}`", expr.func_span,
                             did_you_mean(expr.func, n.FUNCTIONS)
                             or "the functions are " + ", ".join(n.FUNCTIONS))
        else:
            _call_form(expr, self.diags)
        for arg in expr.args:
            self.expr(arg, scope, at)
        comp = expr.comprehension
        if comp is None:
            return
        self.expr(comp.source, scope, at)
        _no_hiding(comp.var, comp.var_span, self.symbols, self.diags, scope)
        inner = {**scope, comp.var: comp.var_span}
        for part in (comp.element, comp.where):
            if part is not None:
                self.expr(part, inner, at)


_FORMS = {
    "all": "all(x in LIST where CONDITION)",
    "any": "any(x in LIST where CONDITION)",
    "percent": "percent(x in LIST where CONDITION)",
    "count": "count(LIST) or count(x in LIST where CONDITION)",
    "sum": "sum(LIST) or sum(EXPR for x in LIST where CONDITION)",
    "mean": "mean(LIST) or mean(EXPR for x in LIST where CONDITION)",
    "min": "min(LIST) or min(EXPR for x in LIST where CONDITION)",
    "max": "max(LIST) or max(EXPR for x in LIST where CONDITION)",
}


def _call_form(expr: n.Call, diags: Diagnostics) -> None:
    """E012 unless the call has one of its function's forms."""
    comp, func = expr.comprehension, expr.func
    if func in ("all", "any", "percent"):
        ok = comp is not None and comp.element is None and comp.where is not None
    elif func == "count":
        ok = (comp is None and len(expr.args) == 1) or (comp is not None and comp.element is None)
    elif func in ("min", "max"):
        ok = (comp is None and len(expr.args) >= 1) or (comp is not None and comp.element
                                                         is not None)
    else:
        ok = (comp is None and len(expr.args) == 1) or (comp is not None and comp.element
                                                         is not None)
    if not ok:
        diags.error("E012", f"`{func}` is not called in one of its forms", expr.span,
                    f"write `{_FORMS[func]}`")
