"""Compile a checked criteria set, once, for any number of bundles: the pipeline's
last step before judging (parse -> resolve -> check -> compile).

``compile_path`` checks and compiles a criteria folder; ``compile_set`` turns a
``CheckedSet`` into an immutable ``CriteriaSet`` (``engine/judge/compiled.py``):
each criterion, statement and key question with its rungs, caps and concerns
compiled by the expression compiler (``engine/judge/expressions.py``), and each
rung's condition broken down to its parts for the next step's words.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from engine.errors import CriteriaError
from engine.gcpause import gc_paused
from engine.judge.compiled import (
    Aggregation,
    Breakdown,
    CompiledCriterion,
    CompiledParent,
    Concern,
    CriteriaSet,
    Part,
    Step,
)
from engine.judge.expressions import ExpressionCompiler, Scope, SourceNames
from engine.language import nodes as n
from engine.language.check import CheckedSet, check_set
from engine.language.condition_words import condition_words
from engine.language.limits import Limits


def compile_path(path: Path, limits: Limits | None = None) -> CriteriaSet:
    """Check and compile the criteria at ``path``; raises CriteriaError on any error."""
    with gc_paused():
        checked, diags = check_set(path, limits or Limits())
        if checked is None:
            raise CriteriaError(diags)
        return compile_set(checked)


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


class _Compiler(ExpressionCompiler):
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

    def steps(self, items, scope: Scope, parts: bool = False) -> tuple[Step, ...]:
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

    def breakdown(self, e: n._Expr, scope: Scope) -> Breakdown:
        if type(e) is n.BoolOp:
            items: list[Breakdown] = []
            for side in (e.left, e.right):       # a chain `a and b and c` is one level
                sub = self.breakdown(side, scope)
                items.extend(sub.items if sub.op == e.op else (sub,))
            return Breakdown(e.op, tuple(items))
        text = self.source_text(e.span)
        lets = tuple(sorted({x.id for x in n.walk(e) if type(x) is n.Name
                             and (ref := self.references.get(x)) is not None
                             and ref.kind == "let"}))
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

    def concerns(self, owner: str, items: tuple[n.Concern, ...], scope: Scope
                 ) -> tuple[Concern, ...]:
        out = []
        for c in items:
            source = self.sources.name(c.span)
            file, _, line = source.rpartition(":")
            out.append(Concern(owner, c.text, self.condition(c.when, scope), c.advice, source,
                               (file, int(line))))
        return tuple(out)

    def criterion(self, c: n.Criterion) -> CompiledCriterion:
        scope = Scope(set(), "criterion")
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
        scope = Scope(set(), kind)
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
