"""Judge one bundle with a compiled criteria set: every node in dependency order.

``evaluate`` gives each node's ``Judgement`` (``judge/record.py``: typed events, words
made later); ``engine.output.results`` writes them into the ``result.json`` document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import words
from engine.judge import values as v
from engine.judge.aggregate import aggregate_levels
from engine.judge.compiled import (
    Breakdown,
    CompiledCriterion,
    CompiledParent,
    CriteriaSet,
    Step,
)
from engine.judge.compiled import Concern as CompiledConcern
from engine.judge.judge import apply_cap, ladder, status_of
from engine.judge.record import (
    Aggregate,
    Applies,
    Cap,
    Category,
    Concern,
    ConcernState,
    Excluded,
    Held,
    Input,
    Judgement,
    Ladder,
    LevelUse,
    Let,
    NextStep,
    Rung,
    Unmet,
    outcome_text,
)
from engine.judge.context import Ctx, use
from engine.judge.values import UNKNOWN, Ev, Gap, Range

_new = tuple.__new__    # a NamedTuple made as the tuple it is (its own __new__ is Python)


# ---------------------------------------------------------------- inputs


def documents(criteria: CriteriaSet, bundle) -> dict[str, Any]:
    """Each evidence id -> Ev (a document, or a collection of them) or Gap (not provided)."""
    docs: dict[str, Any] = {}
    for evidence_id, schema in criteria.schemas.items():
        if schema.many:
            collection = bundle.collections.get(evidence_id)
            if collection is None:
                docs[evidence_id] = Gap(evidence_id, None, "", schema)
            else:
                items = [Ev(d.data, evidence_id, d.path, "", schema) for d in collection]
                docs[evidence_id] = Ev(items, evidence_id, f"{evidence_id}/", "", schema)
        else:
            doc = bundle.documents.get(evidence_id)
            docs[evidence_id] = (Ev(doc.data, evidence_id, doc.path, "", schema) if doc
                                 else Gap(evidence_id, None, "", schema))
    return docs


def facts(manifest: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``assessment.*`` and ``provider.*`` from a manifest mapping; absent -> unknown."""
    assessment = dict(manifest.get("assessment") or {})
    provider = dict(manifest.get("provider") or {})
    out = {
        "assessment": {k: assessment.get(k, UNKNOWN) for k in ("date", "kind", "period",
                                                               "assessor")},
        "provider": {k: provider.get(k, UNKNOWN) for k in ("id", "name", "type")},
    }
    for key in ("assessment", "provider"):
        for name, value in out[key].items():
            if value is None:
                out[key][name] = UNKNOWN
    return out


def manifest_dict(manifest: Any) -> dict[str, Any]:
    """A pydantic manifest (or a mapping) as plain nested dicts, dates kept as dates."""
    if hasattr(manifest, "model_dump"):
        return manifest.model_dump()
    return dict(manifest)


# ---------------------------------------------------------------- evaluation


class _Tally:
    """The values one node read: counted in full, kept (up to READ_LIMIT a part) for the trace."""

    __slots__ = ("reads", "known", "unknown")

    def __init__(self) -> None:
        self.reads: list = []
        self.known = 0
        self.unknown = 0


class Evaluation:
    """One bundle's judgements, node by node, in the set's dependency order."""

    def __init__(self, criteria: CriteriaSet, docs: Mapping[str, Any],
                 fact_values: Mapping[str, Any]):
        self.criteria = criteria
        self.docs = docs
        self.facts = fact_values
        self.levels: dict[str, Range] = {}
        self.judgements: dict[str, Judgement] = {}
        self.memo: dict[int, Any] = {}     # bundle-constant subexpressions, computed once

    def run(self) -> dict[str, Judgement]:
        whole = Range(1, self.criteria.top)
        for node_id in self.criteria.order:
            node = self.criteria.nodes[node_id]
            if isinstance(node, CompiledCriterion):
                judgement = self.criterion(node)
            else:
                judgement = self.parent(node)
            self.judgements[node_id] = judgement
            self.levels[node_id] = (Range(judgement.low, judgement.high)
                                    if judgement.low is not None else whole)
        return self.judgements

    def _ctx(self) -> Ctx:
        return Ctx(self.docs, self.facts, self.levels, self.memo)

    def _part(self, ctx: Ctx, fn, tally: _Tally) -> tuple[Any, tuple, int]:
        """Run one part of a judgement (applies, a let, a rung, a cap) on fresh logs:
        (its value, the reads kept, how many more were read)."""
        # Some 300 parts a bundle: the tally is added to here, in place.
        reads = ctx.reads = []
        ctx.level_uses = []
        ctx.known = ctx.unknown = 0
        value = fn(ctx)
        known, unknown = ctx.known, ctx.unknown
        tally.reads += reads
        tally.known += known
        tally.unknown += unknown
        return value, tuple(reads), known + unknown - len(reads)

    def _rung(self, ctx: Ctx, step: Step, tally: _Tally) -> Rung:
        outcome, reads, omitted = self._part(ctx, step.when, tally)
        uses = ctx.level_uses
        return _new(Rung, (step.level, step.source, outcome, step.because, step.advice, reads,
                           omitted, self._level_uses(uses) if uses else ()))

    def _cap(self, ctx: Ctx, step: Step, tally: _Tally, low: int, high: int
             ) -> tuple[Cap, int, int]:
        """A cap judged and applied to [low, high]: (its event, the new low, high)."""
        outcome, reads, omitted = self._part(ctx, step.when, tally)
        low, high, effect = apply_cap(low, high, step.level, outcome)
        return (Cap(step.level, step.source, outcome, step.because, step.advice, reads,
                    omitted, self._level_uses(ctx.level_uses), effect), low, high)

    def _level_uses(self, ids: list[str]) -> tuple[LevelUse, ...]:
        """The levels a condition took with ``level(...)``: id, range and status."""
        if not ids:
            return ()
        out = {}
        for node_id in ids:
            level, judgement = self.levels[node_id], self.judgements[node_id]
            out[node_id] = LevelUse(node_id, level.low, level.high, judgement.status)
        return tuple(out[k] for k in sorted(out))

    def criterion(self, c: CompiledCriterion) -> Judgement:
        ctx = self._ctx()
        events: list = []
        tally = _Tally()
        if c.applies is not None:
            applies, reads, omitted = self._part(ctx, c.applies, tally)
            events.append(Applies(c.applies_source, applies, reads, omitted))
            if applies is False:
                return Judgement("not_applicable", None, None, None, events, tally.reads,
                                 ctx.warnings)
        for name, fn, source in c.lets:
            value, reads, omitted = self._part(ctx, fn, tally)
            ctx.locals[name] = value
            events.append(Let(name, source, value, not v.is_unknown(value), reads, omitted))
        outcomes: dict[int, Any] = {}
        unmet = None        # the lowest rung not yet met: its step and event
        for step in c.rungs:
            rung = self._rung(ctx, step, tally)
            outcomes[step.level] = rung.outcome
            events.append(rung)
            if unmet is None and rung.outcome is not True:
                unmet = step, rung
        low, high = ladder(outcomes)
        events.append(Ladder(low, high, c.source, _ladder_text(outcomes, low, high)))
        for step in c.caps:
            cap, low, high = self._cap(ctx, step, tally, low, high)
            events.append(cap)
        status = status_of(low, high, tally.known, tally.unknown)
        advice = unmet[0].advice if unmet is not None else _held_advice(events)
        concerns = self._concerns(ctx, c.concerns, events) if c.concerns else []
        next_step = self._next_step(ctx, unmet, events, low)
        if status == "not_assessed":
            return Judgement(status, None, None, advice, events, tally.reads, ctx.warnings,
                             concerns=concerns, next_step=next_step)
        return Judgement(status, low, high, advice, events, tally.reads, ctx.warnings,
                         concerns=concerns, next_step=next_step)

    # ---- the next step: what the lowest rung not yet met still needs
    def _next_step(self, ctx: Ctx, unmet: tuple[Step, Rung] | None, events: list, low: int
                   ) -> NextStep | None:
        """The lowest rung not yet met (``unmet``: its step and event), its advice and the
        parts of its condition that are false or unknown (each with its values); or the
        caps holding the level down. Words are made later, when the result is written.
        None at the top."""
        if low >= self.criteria.top:
            return None
        rung = unmet[0] if unmet is not None else None
        warned = len(ctx.warnings)
        if rung is not None and rung.breakdown is not None:
            part = rung.breakdown.part
            outcome = unmet[1].outcome
            reads = unmet[1].reads
            if part is not None and (part.op is None or (
                    outcome is UNKNOWN and any(type(r) is Gap for r in reads))):
                # A rung of one part whose words need no values: what judging it read
                # says it all, so it is not evaluated again (the common case of
                # missing evidence).
                parts = [Unmet(part, outcome, reads)]
            else:
                _, parts = self._unmet(ctx, rung.breakdown)
            del ctx.warnings[warned:]          # already warned when the rung was judged
            for i, item in enumerate(parts):   # an unknown `let`: the gaps of its reads
                if item.outcome is UNKNOWN and item.part.lets and not any(
                        type(r) is Gap for r in item.reads):
                    parts[i] = _new(Unmet, (item.part, item.outcome, item.reads + tuple(
                        r for e in events if type(e) is Let and e.name in
                        item.part.lets for r in e.reads if type(r) is Gap),
                        item.left, item.right))
            return NextStep(rung.level, rung.advice, tuple(parts))
        held = [e for e in events if type(e) is Cap and e.effect]
        if not held:
            return None
        return NextStep(low + 1, held[0].advice or held[0].because,
                        tuple(Held(e) for e in held))

    def _unmet(self, ctx: Ctx, node: Breakdown) -> tuple[Any, list[Unmet]]:
        """(outcome, the parts not true) of one condition, evaluated again part by part."""
        if node.op is None:
            part = node.part
            ctx.reads, ctx.level_uses, ctx.known, ctx.unknown = [], [], 0, 0
            left = right = None
            try:
                if part.op is None:
                    outcome = part.when(ctx)
                else:
                    left, right = use(part.left(ctx), ctx), use(part.right(ctx), ctx)
                    if part.op in ("in", "not in"):
                        outcome = v.member(left, right)
                        outcome = v.not3(outcome) if part.op == "not in" else outcome
                    else:
                        outcome = v.compare(part.op, left, right)
            except v.Fault:
                outcome = UNKNOWN
            if outcome is True:
                return True, []
            return outcome, [Unmet(part, outcome, tuple(ctx.reads), left, right)]
        results = [self._unmet(ctx, item) for item in node.items]
        combine = v.and3 if node.op == "and" else v.or3
        outcome = results[0][0]
        for other, _ in results[1:]:
            outcome = combine(outcome, other)
        if outcome is True:
            return True, []
        return outcome, [u for _, unmet in results for u in unmet]

    def _concerns(self, ctx: Ctx, concerns: tuple[CompiledConcern, ...], events: list
                  ) -> list[ConcernState]:
        """Each concern's outcome: raised (true), not checked (unknown) or not raised.

        Its reads go into its own trace event, never into the node's tally: concern
        conditions are not values read for status."""
        out = []
        for concern in concerns:
            outcome, reads, omitted = self._part(ctx, concern.when, _Tally())
            state = ("raised" if outcome is True else
                     "not_checked" if outcome is UNKNOWN else "not_raised")
            events.append(Concern(concern.text, concern.advice, concern.source, outcome, reads,
                                  omitted, self._level_uses(ctx.level_uses)))
            out.append(ConcernState(concern.node, concern.text, concern.advice, concern.source,
                                    concern.line, state, reads))
        return out

    def parent(self, p: CompiledParent) -> Judgement:
        """Combine the children's ranges (spec: "Judging a criterion", combining children).

        Not-applicable children are left out; a not-assessed child takes part as the
        whole scale [1, top]. All children not applicable: not applicable; every child
        that takes part not assessed: not assessed."""
        events: list = []
        taking = []
        assessed = 0
        for child_id in p.children:
            child = self.judgements[child_id]
            if child.status == "not_applicable":
                events.append(Excluded(child_id, child.status, p.source))
                continue
            taking.append(child_id)
            if child.low is not None:
                assessed += 1
        coverage = (assessed, len(taking))
        if not taking:
            return Judgement("not_applicable", None, None, None, events, coverage=coverage)
        ctx = self._ctx()
        ctx.children = [{"id": cid, "level": self.levels[cid],
                         "category": getattr(self.criteria.nodes[cid], "category", None)}
                        for cid in taking]
        if not assessed:
            concerns = self._concerns(ctx, p.concerns, events)
            return Judgement("not_assessed", None, None, None, events, (), ctx.warnings,
                             coverage=coverage, concerns=concerns)
        units = self._units(p, taking, events)
        lows = [low for _, low, _, _ in units]
        highs = [high for _, _, high, _ in units]
        agg = p.aggregation
        low, low_text, high, high_text = _both_ends(agg, lows, highs, self.criteria.top)
        events.append(Aggregate(agg.id, agg.method, p.source, low, high,
                                tuple([_new(Input, u) for u in units]),
                                _pair_text(low_text, high_text, low, high)))
        tally = _Tally()
        for step in p.caps:
            cap, low, high = self._cap(ctx, step, tally, low, high)
            events.append(cap)
        status = "rated" if low == high else "partial"
        advice = next((e.advice or e.because for e in events if type(e) is Cap and e.effect),
                      None)
        if advice is None:
            advice = self._weakest_advice(taking)
        concerns = self._concerns(ctx, p.concerns, events)
        return Judgement(status, low, high, advice, events, tally.reads, ctx.warnings,
                         coverage=coverage, concerns=concerns)

    def _weakest_advice(self, taking: list[str]) -> str | None:
        """A parent's next step: the advice of its lowest-rated child that has one."""
        ranked = sorted((self.judgements[c].low, i, c) for i, c in enumerate(taking)
                        if self.judgements[c].advice and self.judgements[c].low is not None)
        if not ranked:
            return None
        _, _, child = ranked[0]
        return f"{self.criteria.nodes[child].title}: {self.judgements[child].advice}"

    def _range(self, child_id: str) -> tuple[int, int, str]:
        """A child's range as it takes part: a not-assessed one is the whole scale."""
        child = self.judgements[child_id]
        if child.low is None:
            return 1, self.criteria.top, child.status
        return child.low, child.high, child.status

    def _units(self, p: CompiledParent, taking: list[str], events: list
               ) -> list[tuple[str, int, int, str]]:
        """The things the aggregation combines: children, or categories of them
        (each as id, low, high, status)."""
        if p.by_category is None:
            return [(cid, *self._range(cid)) for cid in taking]
        groups: dict[str, list[str]] = {}
        for cid in taking:
            groups.setdefault(self.criteria.nodes[cid].category, []).append(cid)
        units = []
        agg = p.by_category
        for category, members in groups.items():
            ranges = [(m, *self._range(m)) for m in members]
            lows = [lo for _, lo, _, _ in ranges]
            highs = [hi for _, _, hi, _ in ranges]
            low, low_text, high, high_text = _both_ends(agg, lows, highs, self.criteria.top)
            events.append(Category(category, agg.id, agg.method, p.source, low, high,
                                   tuple(Input(*r) for r in ranges),
                                   _pair_text(low_text, high_text, low, high)))
            every_gap = all(st == "not_assessed" for _, _, _, st in ranges)
            units.append((category, low, high, "not_assessed" if every_gap else
                          ("rated" if low == high else "partial")))
        return units


def _both_ends(agg, lows: list[int], highs: list[int], top: int) -> tuple[int, str, int, str]:
    """The aggregation of the low ends and of the high ends: (low, its working, high, its
    working). When every input is one level the two are the same, worked out once."""
    low, low_text = aggregate_levels(agg.method, lows, top=top, rounding=agg.round,
                                     bands=agg.bands)
    if highs == lows:
        return low, low_text, low, low_text
    high, high_text = aggregate_levels(agg.method, highs, top=top, rounding=agg.round,
                                       bands=agg.bands)
    return low, low_text, high, high_text


def _pair_text(low_text: str, high_text: str, low: int, high: int) -> str:
    if low_text == high_text:
        return low_text
    return f"assured: {low_text}; possible: {high_text}"


def _ladder_text(outcomes: dict[int, Any], low: int, high: int) -> str:
    return words.ladder([(level, outcome_text(o)) for level, o in sorted(outcomes.items())],
                        low, high)


def _held_advice(events: list) -> str | None:
    """Every rung met: the advice of the first cap holding the level down, if any."""
    for event in events:
        if type(event) is Cap and event.effect:
            return event.advice or event.because
    return None


def evaluate(criteria: CriteriaSet, bundle) -> tuple[dict[str, Judgement], dict[str, Any]]:
    """Every node of ``criteria`` judged on ``bundle``: (judgement by node id, the manifest as
    plain data). ``engine.output.results`` writes them into the result document."""
    manifest = manifest_dict(bundle.manifest)
    return Evaluation(criteria, documents(criteria, bundle), facts(manifest)).run(), manifest


__all__ = ["Evaluation", "documents", "evaluate", "facts", "manifest_dict"]
