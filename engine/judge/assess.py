"""Judge one bundle with a compiled criteria set: every node in dependency order.

``evaluate`` gives each node's judgement; ``assess`` wraps it into the
``result.json`` document (plain data, sorted keys when dumped).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine import __version__, words
from engine.judge import values as v
from engine.judge.aggregate import aggregate_levels
from engine.judge.compiled import (
    Breakdown,
    CompiledCriterion,
    CompiledParent,
    Concern,
    CriteriaSet,
    Step,
)
from engine.judge.judge import Judgement, apply_cap, ladder, outcome_text, status_of
from engine.judge.context import Ctx, use
from engine.judge.values import UNKNOWN, Ev, Gap, Range

SENSITIVE = "[sensitive]"


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

    def take(self, ctx: Ctx) -> dict:
        """Add a part's reads; the trace fields for that part."""
        self.reads.extend(ctx.reads)
        self.known += ctx.known
        self.unknown += ctx.unknown
        omitted = ctx.known + ctx.unknown - len(ctx.reads)
        return {"reads": ctx.reads, **({"reads_omitted": omitted} if omitted else {})}


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

    def _part(self, ctx: Ctx, fn, tally: _Tally) -> tuple[Any, dict]:
        """Run one part of a judgement (applies, a let, a rung, a cap) on fresh logs."""
        ctx.reads, ctx.level_uses, ctx.known, ctx.unknown = [], [], 0, 0
        value = fn(ctx)
        return value, tally.take(ctx)

    def _step(self, ctx: Ctx, step: Step, kind: str, tally: _Tally) -> tuple[Any, dict]:
        outcome, reads = self._part(ctx, step.when, tally)
        event = {"kind": kind, "level": step.level, "source": step.source,
                 "outcome": outcome_text(outcome), "because": step.because,
                 "advice": step.advice, **reads,
                 "levels": self._level_uses(ctx.level_uses)}
        return outcome, event

    def _level_uses(self, ids: list[str]) -> list[dict]:
        """The levels a condition took with ``level(...)``: id, range and status."""
        out = {}
        for node_id in ids:
            level, judgement = self.levels[node_id], self.judgements[node_id]
            out[node_id] = {"id": node_id, "low": level.low, "high": level.high,
                            "status": judgement.status}
        return [out[k] for k in sorted(out)]

    def criterion(self, c: CompiledCriterion) -> Judgement:
        ctx = self._ctx()
        trace: list[dict] = []
        tally = _Tally()
        if c.applies is not None:
            applies, reads = self._part(ctx, c.applies, tally)
            trace.append({"kind": "applies", "source": c.applies_source,
                          "outcome": outcome_text(applies), **reads})
            if applies is False:
                return Judgement("not_applicable", None, None, None, trace, tally.reads,
                                 ctx.warnings)
        for name, fn, source in c.lets:
            value, reads = self._part(ctx, fn, tally)
            ctx.locals[name] = value
            trace.append({"kind": "let", "name": name, "source": source, "value": value,
                          "known": not v.is_unknown(value), **reads})
        outcomes: dict[int, Any] = {}
        for rung in c.rungs:
            outcome, event = self._step(ctx, rung, "rung", tally)
            outcomes[rung.level] = outcome
            trace.append(event)
        low, high = ladder(outcomes)
        trace.append({"kind": "ladder", "low": low, "high": high, "source": c.source,
                      "text": _ladder_text(outcomes, low, high)})
        for cap in c.caps:
            outcome, event = self._step(ctx, cap, "cap", tally)
            low, high, effect = apply_cap(low, high, cap.level, outcome)
            event["effect"] = effect
            trace.append(event)
        status = status_of(low, high, tally.known, tally.unknown)
        advice = _advice(c, outcomes, trace)
        concerns = self._concerns(ctx, c.concerns, trace)
        next_step = self._next_step(ctx, c, outcomes, trace, low)
        if status == "not_assessed":
            return Judgement(status, None, None, advice, trace, tally.reads, ctx.warnings,
                             concerns=concerns, next_step=next_step)
        return Judgement(status, low, high, advice, trace, tally.reads, ctx.warnings,
                         concerns=concerns, next_step=next_step)

    # ---- the next step: what the lowest rung not yet met still needs
    def _next_step(self, ctx: Ctx, c: CompiledCriterion, outcomes: dict[int, Any],
                   trace: list[dict], low: int) -> dict | None:
        """The lowest rung not yet met, its advice and the parts of its condition that
        are false or unknown (each with its values); or the caps holding the level down.
        Words are made later, when the result is written. None at the top."""
        if low >= self.criteria.top:
            return None
        rung = next((r for r in c.rungs if outcomes.get(r.level) is not True), None)
        warned = len(ctx.warnings)
        if rung is not None and rung.breakdown is not None:
            part = rung.breakdown.part
            outcome = outcomes[rung.level]
            reads = next((e["reads"] for e in trace if e["kind"] == "rung"
                          and e["level"] == rung.level), [])
            if part is not None and (part.op is None or (
                    outcome is UNKNOWN and any(type(r) is Gap for r in reads))):
                # A rung of one part whose words need no values: what judging it read
                # says it all, so it is not evaluated again (the common case of
                # missing evidence).
                unmet = [{"part": part, "outcome": outcome, "reads": reads,
                          "left": None, "right": None}]
            else:
                _, unmet = self._unmet(ctx, rung.breakdown)
            del ctx.warnings[warned:]          # already warned when the rung was judged
            for item in unmet:                 # an unknown `let`: the gaps of its reads
                if item["outcome"] is UNKNOWN and item["part"].lets and not any(
                        type(r) is Gap for r in item["reads"]):
                    item["reads"] = item["reads"] + [
                        r for e in trace if e["kind"] == "let" and e["name"] in
                        item["part"].lets for r in e["reads"] if type(r) is Gap]
            return {"level": rung.level, "advice": rung.advice, "unmet": unmet}
        held = [e for e in trace if e["kind"] == "cap" and e.get("effect")]
        if not held:
            return None
        return {"level": low + 1, "advice": held[0]["advice"] or held[0]["because"],
                "unmet": [{"cap": e} for e in held]}

    def _unmet(self, ctx: Ctx, node: Breakdown) -> tuple[Any, list[dict]]:
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
            return outcome, [{"part": part, "outcome": outcome, "reads": ctx.reads,
                              "left": left, "right": right}]
        results = [self._unmet(ctx, item) for item in node.items]
        combine = v.and3 if node.op == "and" else v.or3
        outcome = results[0][0]
        for other, _ in results[1:]:
            outcome = combine(outcome, other)
        if outcome is True:
            return True, []
        return outcome, [u for _, unmet in results for u in unmet]

    def _concerns(self, ctx: Ctx, concerns: tuple[Concern, ...], trace: list[dict]
                  ) -> list[dict]:
        """Each concern's outcome: raised (true), not checked (unknown) or not raised.

        Its reads go into its own trace event, never into the node's tally: concern
        conditions are not values read for status."""
        out = []
        for concern in concerns:
            outcome, reads = self._part(ctx, concern.when, _Tally())
            state = ("raised" if outcome is True else
                     "not_checked" if outcome is UNKNOWN else "not_raised")
            trace.append({"kind": "concern", "text": concern.text, "advice": concern.advice,
                          "source": concern.source, "outcome": outcome_text(outcome),
                          **reads, "levels": self._level_uses(ctx.level_uses)})
            out.append({"node": concern.node, "text": concern.text, "advice": concern.advice,
                        "source": concern.source, "line": concern.line, "state": state,
                        "reads": ctx.reads})
        return out

    def parent(self, p: CompiledParent) -> Judgement:
        """Combine the children's ranges (spec: "Judging a criterion", combining children).

        Not-applicable children are left out; a not-assessed child takes part as the
        whole scale [1, top]. All children not applicable: not applicable; every child
        that takes part not assessed: not assessed."""
        trace: list[dict] = []
        taking = []
        assessed = 0
        for child_id in p.children:
            child = self.judgements[child_id]
            if child.status == "not_applicable":
                trace.append({"kind": "excluded", "id": child_id, "status": child.status,
                              "source": p.source})
                continue
            taking.append(child_id)
            if child.low is not None:
                assessed += 1
        coverage = (assessed, len(taking))
        if not taking:
            return Judgement("not_applicable", None, None, None, trace, coverage=coverage)
        ctx = self._ctx()
        ctx.children = [{"id": cid, "level": self.levels[cid],
                         "category": getattr(self.criteria.nodes[cid], "category", None)}
                        for cid in taking]
        if not assessed:
            concerns = self._concerns(ctx, p.concerns, trace)
            return Judgement("not_assessed", None, None, None, trace, [], ctx.warnings,
                             coverage=coverage, concerns=concerns)
        units = self._units(p, taking, trace)
        lows = [low for _, low, _, _ in units]
        highs = [high for _, _, high, _ in units]
        agg = p.aggregation
        low, low_text = aggregate_levels(agg.method, lows, top=self.criteria.top,
                                         rounding=agg.round, bands=agg.bands)
        high, high_text = aggregate_levels(agg.method, highs, top=self.criteria.top,
                                           rounding=agg.round, bands=agg.bands)
        trace.append({
            "kind": "aggregate", "aggregation": agg.id, "method": agg.method,
            "source": p.source, "low": low, "high": high,
            "inputs": [_input(uid, lo, hi, st) for uid, lo, hi, st in units],
            "text": _pair_text(low_text, high_text, low, high)})
        tally = _Tally()
        for cap in p.caps:
            outcome, event = self._step(ctx, cap, "cap", tally)
            low, high, effect = apply_cap(low, high, cap.level, outcome)
            event["effect"] = effect
            trace.append(event)
        status = "rated" if low == high else "partial"
        advice = next((e["advice"] or e["because"] for e in trace
                       if e["kind"] == "cap" and e["effect"]), None)
        if advice is None:
            advice = self._weakest_advice(taking)
        concerns = self._concerns(ctx, p.concerns, trace)
        return Judgement(status, low, high, advice, trace, tally.reads, ctx.warnings,
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

    def _units(self, p: CompiledParent, taking: list[str], trace: list[dict]
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
            low, low_text = aggregate_levels(agg.method, lows, top=self.criteria.top,
                                             rounding=agg.round, bands=agg.bands)
            high, high_text = aggregate_levels(agg.method, highs, top=self.criteria.top,
                                               rounding=agg.round, bands=agg.bands)
            trace.append({
                "kind": "category", "category": category, "aggregation": agg.id,
                "method": agg.method, "source": p.source, "low": low, "high": high,
                "inputs": [_input(*r) for r in ranges],
                "text": _pair_text(low_text, high_text, low, high)})
            every_gap = all(st == "not_assessed" for _, _, _, st in ranges)
            units.append((category, low, high, "not_assessed" if every_gap else
                          ("rated" if low == high else "partial")))
        return units


def _input(uid: str, low: int, high: int, status: str) -> dict:
    """One input of an aggregation; ``status`` says when it took part as the whole scale."""
    return {"id": uid, "low": low, "high": high, "status": status}


def _pair_text(low_text: str, high_text: str, low: int, high: int) -> str:
    if low_text == high_text:
        return low_text
    return f"assured: {low_text}; possible: {high_text}"


def _ladder_text(outcomes: dict[int, Any], low: int, high: int) -> str:
    if not outcomes:
        return "no rungs: level 1"
    parts = [f"rung {level} {outcome_text(o)}" for level, o in sorted(outcomes.items())]
    verdict = f"level {low}" if low == high else f"level {low}, could be {high}"
    return f"{', '.join(parts)}: {verdict}"


def _advice(c: CompiledCriterion, outcomes: dict[int, Any], trace: list[dict]) -> str | None:
    """The advice of the lowest rung not yet met (or of a cap holding the level down)."""
    for rung in c.rungs:
        if outcomes.get(rung.level) is not True:
            return rung.advice
    for event in trace:
        if event["kind"] == "cap" and event.get("effect"):
            return event["advice"] or event["because"]
    return None


# ---------------------------------------------------------------- the result document


def assess(criteria: CriteriaSet, bundle, options) -> dict[str, Any]:
    """The ``result.json`` document for ``bundle`` (see docs and reports/result.schema.json)."""
    manifest = manifest_dict(bundle.manifest)
    judgements = Evaluation(criteria, documents(criteria, bundle), facts(manifest)).run()
    return build_result(criteria, judgements, bundle, manifest, options)


def build_result(criteria: CriteriaSet, judgements: Mapping[str, Judgement], bundle,
                 manifest: Mapping[str, Any], options) -> dict[str, Any]:
    include = bool(getattr(options, "include_sensitive", False))
    results = {}
    warnings = []
    for node_id in criteria.order:
        node = criteria.nodes[node_id]
        judgement = judgements[node_id]
        results[node_id] = _node_result(criteria, node, judgement, include)
        warnings.extend({"node": node_id, "message": m, "source": s}
                        for m, s in judgement.warnings)
    _attach_concerns(criteria, judgements, results, include)
    fw = criteria.framework
    assessment = manifest.get("assessment") or {}
    return {
        "engine": {"name": "wellled", "version": __version__},
        "framework": {
            "id": fw.id, "title": fw.title, "version": fw.version, "publisher": fw.publisher,
            "root": criteria.root_id, "criteria_sha256": criteria.criteria_sha256,
            "scale": [{"level": lv.number, "id": lv.id, "label": lv.label,
                       "description": lv.description} for lv in criteria.scale]},
        "bundle": {
            "name": getattr(bundle, "name", None),
            "provider": _jsonable(manifest.get("provider") or {}),
            "assessment": _jsonable({"date": assessment.get("date"),
                                     "kind": assessment.get("kind"),
                                     "period": assessment.get("period"),
                                     "assessor": assessment.get("assessor")}),
            "files": [{"path": f.path, "type": f.type, "sha256": f.sha256, "size": f.size}
                      for f in getattr(bundle, "files", ())],
            "unused": list(getattr(bundle, "unused", ())),
            "problems": list(getattr(bundle, "problems", ())),
            "set_aside": set_aside(bundle)},
        "order": list(criteria.order),
        "results": results,
        "warnings": warnings,
    }


def _node_result(criteria: CriteriaSet, node, judgement: Judgement, include: bool) -> dict:
    low, high = judgement.low, judgement.high
    description = criteria.scale[low - 1].description if low is not None else None
    out = {
        "kind": node.kind, "title": node.title, "parent": node.parent,
        "status": judgement.status, "level": low, "max_level": high,
        "label": criteria.label(low), "max_label": criteria.label(high),
        "description": description, "good": node.good, "source": node.source,
        "advice": judgement.advice,
        "trace": [_event(e, criteria, include) for e in judgement.trace],
        "gaps": _gaps(criteria, judgement.reads),
    }
    if isinstance(node, CompiledCriterion):
        out.update(category=node.category, we=None, regulations=[], children=[],
                   coverage=None,
                   next_step=_next_step_result(criteria, judgement.next_step, include))
    else:
        assessed, of = judgement.coverage or (0, 0)
        out.update(category=None, we=node.we, regulations=list(node.regulations),
                   children=list(node.children), coverage={"assessed": assessed, "of": of},
                   next_step=None)
    return out


def set_aside(bundle) -> list[dict]:
    """What ``--lenient`` set aside: each evidence file (or collection folder) that was read
    but treated as not provided because it is invalid, with the reasons.

    ``[{"path": "ftsu.yaml", "evidence": "ftsu", "reasons": ["/guardian_in_post: ..."]}]``;
    a collection is one entry, ``"focus_group/"``, its reasons prefixed by the file name."""
    problems = list(getattr(bundle, "problems", ()))
    if not problems:
        return []
    root = getattr(bundle, "root", None)
    label = Path(root).as_posix().rstrip("/") if root is not None else ""
    accepted = set(getattr(bundle, "documents", {})) | set(getattr(bundle, "collections", {}))
    out: dict[str, dict] = {}
    for f in getattr(bundle, "files", ()):
        if f.type in accepted or f.type == "bundle":
            continue
        many = "/" in f.path
        path = f"{f.type}/" if many else f.path
        entry = out.setdefault(path, {"path": path, "evidence": f.type, "reasons": []})
        prefix = f"{label}/{f.path}"
        for problem in problems:
            if problem.startswith(prefix + ":"):
                reason = problem[len(prefix) + 1:].lstrip()
                # A problem may carry the value's line:col after the file (bundle._Problems);
                # the reasons here are by JSON pointer only.
                line_col, _, rest = reason.partition(": ")
                if rest and line_col.replace(":", "").isdigit() and line_col.count(":") == 1:
                    reason = rest
                if many:
                    reason = f"{f.path[len(path):]}: {reason}"
                entry["reasons"].append(reason)
    return [out[k] for k in sorted(out)]


def _next_step_result(criteria: CriteriaSet, raw: dict | None, include: bool) -> dict | None:
    """``next_step`` of result.json: the level, its advice, and each unmet part in words."""
    if raw is None:
        return None
    unmet = []
    for item in raw["unmet"]:
        if "cap" in item:
            cap = item["cap"]
            text = f"cap {cap['level']} ({cap['source']})"
            held = f"the level is held at {cap['level']}" + (
                f": {cap['because']}" if cap.get("because") else "")
            unmet.append({"condition": text, "outcome": cap["outcome"],
                          "reads": _reads(cap["reads"], include),
                          "words": (f"{_gap_words(criteria, cap['reads'])}; until then "
                                    f"{held[4:]}" if cap["outcome"] == "unknown" else held)})
            continue
        part, outcome = item["part"], item["outcome"]
        unmet.append({"condition": part.text, "outcome": outcome_text(outcome),
                      "words": _part_words(criteria, part, item, include),
                      "reads": _reads(item["reads"], include)})
    return {"level": raw["level"], "label": criteria.label(raw["level"]),
            "advice": raw["advice"], "unmet": unmet}


def _part_words(criteria: CriteriaSet, part, item: dict, include: bool) -> str:
    """"appraisal rate is 88%; this level needs at least 90%"; "not yet provided: ..."."""
    if item["outcome"] is UNKNOWN:
        gaps = [r for r in item["reads"] if type(r) is Gap]
        if gaps:
            return _gap_words(criteria, item["reads"])
    if part.op is None:
        subject = part.subject or part.text
        if item["outcome"] is UNKNOWN:
            return f"{subject}: could not be decided from the evidence given"
        if part.subject:                       # a yes/no field: `ftsu.guardian_in_post`
            return f"{part.subject} is no; this level needs yes"
        return f"not yet met: {part.said or part.text}"
    value, threshold = ((item["right"], item["left"]) if part.threshold_left
                        else (item["left"], item["right"]))
    places = _decimals(threshold)
    sensitive = any(_sensitive(r) for r in item["reads"] if type(r) is Ev)
    shown = ("a value not shown here (sensitive)" if sensitive and not include
             else _value_words(value, part.percent, places))
    subject = part.subject or "the value"
    wanted = _value_words(threshold, part.percent, places)
    if part.threshold_text:
        wanted += f" ({_relative_date(part.threshold_text)})"
    if part.op in ("in", "not in") and part.threshold_left:
        if part.op == "in":
            return f"{subject} does not yet include {wanted}; this level needs it"
        return f"{subject} includes {wanted}; this level needs it not to"
    need = words.needs(part.op, wanted, part.threshold_left, dates=hasattr(threshold, "isoformat"))
    return f"{subject} is {shown}; this level needs {need}"


_RELATIVE = re.compile(r"^assessment\.date ([-+]) (\d+(?:\.\d+)?) (\w+)$")


def _relative_date(text: str) -> str:
    """ "assessment.date - 12 months" -> "12 months before the assessment date"."""
    m = _RELATIVE.match(text)
    if not m:
        return text
    return f"{m.group(2)} {m.group(3)} {'before' if m.group(1) == '-' else 'after'} the assessment date"


def _decimals(value: Any) -> int:
    """Decimal places to show: one, or as many as the threshold is written with (1.25)."""
    if isinstance(value, float) and not value.is_integer():
        return max(1, min(4, len(repr(value).split(".")[1])))
    return 1


def _value_words(value: Any, percent: bool = False, places: int = 1) -> str:
    if value is UNKNOWN or value is None:
        return "not known" if value is UNKNOWN else "none"
    if type(value) is Range:
        return words.level_range(value.low, value.high)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return words.percent(value, places) if percent else words.number(value, places)
    if isinstance(value, list):
        if 0 < len(value) <= 6 and all(isinstance(x, str | int | float) for x in value):
            return " or ".join(_value_words(x, percent, places) for x in value)
        return words.plural(len(value), "item")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, v.Dur):
        return f"{words.number(value.amount)} {value.unit}"
    return f'"{value}"' if isinstance(value, str) else str(value)


def _gap_words(criteria: CriteriaSet, reads: list) -> str:
    """The evidence a condition needs that was not provided, in places a person can find."""
    places: dict[str, None] = {}
    for r in reads:
        if type(r) is not Gap:
            continue
        if r.file is None:
            title = criteria.evidence_titles.get(r.type, r.type)
            places[f"{title} ({r.type})"] = None
        else:
            # the evidence's title, not its file: the same words for a .yaml, a .json
            # or a workbook sheet
            title = criteria.evidence_titles.get(r.type, r.type)
            field = " ".join(p.replace("~1", "/").replace("~0", "~").replace("_", " ")
                             for p in r.pointer.split("/") if p)
            places[f"{title}: {field}" if field else title] = None
    return words.not_yet_provided(list(places)) if places else "not yet known"


def _attach_concerns(criteria: CriteriaSet, judgements: Mapping[str, Judgement],
                     results: dict[str, dict], include: bool) -> None:
    """``concerns`` and ``concerns_not_checked`` on every node: those declared on it or on
    any node below it, however the levels aggregate, sorted by node id then source."""
    raised: dict[str, list] = {node_id: [] for node_id in results}
    unchecked: dict[str, list] = {node_id: [] for node_id in results}
    for node_id, judgement in judgements.items():
        for concern in judgement.concerns:
            if concern["state"] == "not_raised":
                continue
            target = raised if concern["state"] == "raised" else unchecked
            entry = (concern["node"], concern["line"],
                     {"node": concern["node"], "text": concern["text"],
                      "advice": concern["advice"], "source": concern["source"],
                      "reads": _reads(concern["reads"], include)})
            seen: set[str] = set()
            at: str | None = node_id
            while at is not None and at in results and at not in seen:
                seen.add(at)
                target[at].append(entry)
                at = criteria.nodes[at].parent
    for node_id, result in results.items():
        result["concerns"] = [_copy(e) for _, _, e in sorted(raised[node_id], key=_by_place)]
        result["concerns_not_checked"] = [_copy(e) for _, _, e in
                                          sorted(unchecked[node_id], key=_by_place)]


def _copy(entry: dict) -> dict:
    """Each node gets its own copy, so changing one (as a report's redaction may) leaves
    the others as they were."""
    return {**entry, "reads": [dict(r) for r in entry["reads"]]}


def _by_place(entry: tuple) -> tuple:
    return entry[0], entry[1]


def _event(event: dict, criteria: CriteriaSet, include: bool) -> dict:
    out = dict(event)
    if "reads" in out:
        out["reads"] = _reads(out["reads"], include)
    if out["kind"] == "let":
        value = out["value"]
        out["value"] = _read_value(value, include) if type(value) in (Ev, Gap) \
            else v.to_json(value)
    if out["kind"] in ("rung", "cap"):
        out["label"] = criteria.label(out["level"])
    return out


def _reads(reads: list, include: bool) -> list[dict]:
    seen: dict[tuple, dict] = {}
    for r in reads:
        key = (r.type, r.file, r.pointer)
        if key in seen:
            continue
        sensitive = _sensitive(r)
        seen[key] = {"type": r.type, "file": r.file, "pointer": r.pointer,
                     "known": type(r) is Ev, "sensitive": sensitive,
                     "value": _read_value(r, include, sensitive)}
    return list(seen.values())


def trace_event(event: dict, criteria: CriteriaSet, include: bool) -> dict:
    """One trace event as result.json shows it (the criteria-test runner reads it too)."""
    return _event(event, criteria, include)


def trace_reads(reads: list, include: bool) -> list[dict]:
    """The value reads of one trace event as result.json shows them, each once."""
    return _reads(reads, include)


def _sensitive(r: Ev | Gap) -> bool:
    check = getattr(r.schema, "is_sensitive", None)
    return bool(check(r.pointer)) if check is not None and r.pointer else False


def _read_value(r: Any, include: bool, sensitive: bool | None = None) -> Any:
    """A read's value for the trace; ``sensitive`` when the caller has already asked."""
    if type(r) is Gap:
        return None
    if type(r) is Ev:
        if not include and (_sensitive(r) if sensitive is None else sensitive):
            return SENSITIVE
        return v.to_json(r.value)
    return v.to_json(r)


def _gaps(criteria: CriteriaSet, reads: list) -> list[dict]:
    gaps = {(r.type, r.pointer): {"evidence": r.type, "pointer": r.pointer,
                                  "title": criteria.evidence_titles.get(r.type, r.type),
                                  "provided": r.file is not None}
            for r in reads if type(r) is Gap}
    return [gaps[k] for k in sorted(gaps)]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(x) for k, x in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(x) for x in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


__all__ = ["assess", "Evaluation", "documents", "facts"]
