"""The result document (``result.json``): built here and only here, its text and its schema.

``result_document`` writes the judgement record (``engine/judge/record.py``) into the
document; ``events_of`` reads a written node's trace back into the record's typed events,
so every reader (explain, the reports) reads events one way, whether the result was just
made or loaded from disk. The result is plain data (dicts, lists, strings, numbers); dates
are already ISO strings. Its shape is the contract in ``reports/result.schema.json``.

>>> dump_result({"b": 1, "a": "é"})
'{\\n  "a": "é",\\n  "b": 1\\n}\\n'
"""

from __future__ import annotations

import json
import operator
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from engine import __version__, words
from engine.judge import values as v
from engine.judge.assess import evaluate
from engine.judge.compiled import CompiledCriterion, CriteriaSet
from engine.judge.record import (
    EVENTS,
    OUTCOMES,
    Aggregate,
    Applies,
    Cap,
    Category,
    Concern,
    Event,
    Excluded,
    Held,
    Input,
    Judgement,
    Ladder,
    LevelUse,
    Let,
    NextStep,
    Read,
    Rung,
    Unmet,
    is_sensitive,
    outcome_text,
    shown_read,
    shown_value,
)
from engine.judge.values import UNKNOWN, Ev, Gap, Range
from engine.options import AssessOptions
from engine.resources import data_dir

SCHEMA_NAME = "result.schema.json"


def dump_result(result: dict[str, Any]) -> str:
    """The canonical text of ``result.json``: sorted keys, two-space indent, a final newline.

    Two runs over the same criteria and bundle give byte-identical text.
    """
    return result_bytes(result).decode("utf-8")


def result_bytes(result: dict[str, Any]) -> bytes:
    """``dump_result``'s text as UTF-8, made without a round trip through ``str``: what is
    written to disk (the round trip cost about 0.6 ms of a batch's bundle)."""
    try:
        # orjson writes the same text as json.dumps(sort_keys=True, indent=2,
        # ensure_ascii=False) some 50x faster: it matters in a batch of hundreds.
        return orjson.dumps(result, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    except (orjson.JSONEncodeError, TypeError):  # e.g. an integer beyond 64 bits
        return (json.dumps(result, sort_keys=True, indent=2, ensure_ascii=False)
                + "\n").encode("utf-8")


@lru_cache(maxsize=1)
def result_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of the result document, read once."""
    path = data_dir("reports") / SCHEMA_NAME
    return json.loads(path.read_text(encoding="utf-8"))


def schema_problems(result: dict[str, Any]) -> list[str]:
    """Every way ``result`` departs from the schema, one line each: ``/json/pointer: message``."""
    from jsonschema import Draft202012Validator  # lazy: start-up

    validator = Draft202012Validator(result_schema())
    problems = []
    for error in sorted(validator.iter_errors(result), key=lambda e: list(e.absolute_path)):
        pointer = "".join(f"/{part}" for part in error.absolute_path) or "/"
        problems.append(f"{pointer}: {error.message}")
    return problems


# ---------------------------------------------------------------- the result document


def assess(criteria: CriteriaSet, bundle, options: AssessOptions) -> dict[str, Any]:
    """The ``result.json`` document for a loaded ``bundle``: every node judged
    (``judge.assess.evaluate``), then written (``result_document``)."""
    judgements, manifest = evaluate(criteria, bundle)
    return result_document(criteria, judgements, bundle, manifest, options)


def result_document(criteria: CriteriaSet, judgements: Mapping[str, Judgement], bundle,
                    manifest: Mapping[str, Any], options: AssessOptions | None
                    ) -> dict[str, Any]:
    """The judgement record written as the ``result.json`` document (plain data; its shape
    is ``reports/result.schema.json``): the one place the document is built.

    ``bundle`` may be None (no files); ``options`` None means the defaults."""
    include = options is not None and options.include_sensitive
    results = {}
    shown: dict[tuple, dict] = {}       # each place read, written once (see _reads)
    warnings = []
    for node_id in criteria.order:
        node = criteria.nodes[node_id]
        judgement = judgements[node_id]
        results[node_id] = _node_result(criteria, node, judgement, include, shown)
        warnings.extend({"node": node_id, "message": m, "source": s}
                        for m, s in judgement.warnings)
    _attach_concerns(criteria, judgements, results, include, shown)
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
            "provider": jsonable(manifest.get("provider") or {}),
            "assessment": jsonable({"date": assessment.get("date"),
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


def _node_result(criteria: CriteriaSet, node, judgement: Judgement, include: bool,
                 shown: dict[tuple, dict] | None = None) -> dict:
    low, high = judgement.low, judgement.high
    description = criteria.scale[low - 1].description if low is not None else None
    out = {
        "kind": node.kind, "title": node.title, "parent": node.parent,
        "status": judgement.status, "level": low, "max_level": high,
        "label": criteria.label(low), "max_label": criteria.label(high),
        "description": description, "good": node.good, "source": node.source,
        "advice": judgement.advice,
        "trace": [event_document(e, criteria.label, include, shown) for e in judgement.events],
        "gaps": _gaps(criteria, judgement.reads),
    }
    if isinstance(node, CompiledCriterion):
        out.update(category=node.category, we=None, regulations=[], children=[],
                   coverage=None,
                   next_step=_next_step_result(criteria, judgement.next_step, include,
                                                shown))
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


def _next_step_result(criteria: CriteriaSet, step: NextStep | None, include: bool,
                      shown: dict[tuple, dict] | None = None) -> dict | None:
    """``next_step`` of result.json: the level, its advice, and each unmet part in words."""
    if step is None:
        return None
    unmet = []
    for item in step.unmet:
        if type(item) is Held:
            cap = item.cap
            text = f"cap {cap.level} ({cap.source})"
            held = f"the level is held at {cap.level}" + (
                f": {cap.because}" if cap.because else "")
            unmet.append({"condition": text, "outcome": outcome_text(cap.outcome),
                          "reads": _reads(cap.reads, include, shown),
                          "words": (f"{_gap_words(criteria, cap.reads)}; until then "
                                    f"{held[4:]}" if cap.outcome is UNKNOWN else held)})
            continue
        unmet.append({"condition": item.part.text, "outcome": outcome_text(item.outcome),
                      "words": _part_words(criteria, item, include),
                      "reads": _reads(item.reads, include, shown)})
    return {"level": step.level, "label": criteria.label(step.level),
            "advice": step.advice, "unmet": unmet}


def _part_words(criteria: CriteriaSet, item: Unmet, include: bool) -> str:
    """"appraisal rate is 88%; this level needs at least 90%"; "not yet provided: ..."."""
    part = item.part
    if item.outcome is UNKNOWN:
        gaps = [r for r in item.reads if type(r) is Gap]
        if gaps:
            return _gap_words(criteria, item.reads)
    if part.op is None:
        subject = part.subject or part.text
        if item.outcome is UNKNOWN:
            return f"{subject}: could not be decided from the evidence given"
        if part.subject:                       # a yes/no field: `ftsu.guardian_in_post`
            return f"{part.subject} is no; this level needs yes"
        return f"not yet met: {part.said or part.text}"
    value, threshold = ((item.right, item.left) if part.threshold_left
                        else (item.left, item.right))
    places = _decimals(threshold)
    sensitive = any(is_sensitive(r) for r in item.reads if type(r) is Ev)
    shown = ("a value not shown here (sensitive)" if sensitive and not include
             else _value_words(value, part.percent, places))
    subject = part.subject or "the value"
    wanted = _value_words(threshold, part.percent, places)
    if part.threshold_text:
        wanted += f" ({words.relative_date(part.threshold_text)})"
    if part.op in ("in", "not in") and part.threshold_left:
        if part.op == "in":
            return f"{subject} does not yet include {wanted}; this level needs it"
        return f"{subject} includes {wanted}; this level needs it not to"
    need = words.needs(part.op, wanted, part.threshold_left, dates=hasattr(threshold, "isoformat"))
    return f"{subject} is {shown}; this level needs {need}"


def _decimals(value: Any) -> int:
    """Decimal places to show: one, or as many as the threshold is written with (1.25)."""
    if isinstance(value, float) and not value.is_integer():
        return max(1, min(4, len(repr(value).split(".")[1])))
    return 1


def _value_words(value: Any, percent: bool = False, places: int = 1) -> str:
    """A value compared, in words: the judge's own kinds of value here, the rest by words."""
    if value is UNKNOWN:
        return words.NOT_KNOWN
    if type(value) is Range:
        return words.level_range(value.low, value.high)
    if type(value) is v.Dur:
        return f"{words.number(value.amount)} {value.unit}"
    return words.value_words(value, percent, places)


def _gap_words(criteria: CriteriaSet, reads: tuple) -> str:
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
                     results: dict[str, dict], include: bool,
                     shown: dict[tuple, dict] | None = None) -> None:
    """``concerns`` and ``concerns_not_checked`` on every node: those declared on it or on
    any node below it, however the levels aggregate, sorted by node id then source."""
    raised: dict[str, list] = {node_id: [] for node_id in results}
    unchecked: dict[str, list] = {node_id: [] for node_id in results}
    for node_id, judgement in judgements.items():
        for concern in judgement.concerns:
            if concern.state == "not_raised":
                continue
            target = raised if concern.state == "raised" else unchecked
            entry = (concern.node, concern.line,
                     {"node": concern.node, "text": concern.text,
                      "advice": concern.advice, "source": concern.source,
                      "reads": _reads(concern.reads, include, shown)})
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


# ---------------------------------------------------------------- events, both ways


def event_document(event: Event, label, include: bool,
                   shown: dict[tuple, dict] | None = None) -> dict[str, Any]:
    """One event of the record as result.json writes it in a node's ``trace``.

    ``label``: level -> its scale label (``CriteriaSet.label``); ``include``: quote
    sensitive values; ``shown``: the reads already written for this document (``_reads``).
    An event read back from a document (``events_of``) writes the same."""
    t = type(event)
    if t is Rung or t is Cap:       # most events: their fields taken as the tuple's
        level, source, outcome, because, advice, reads, omitted, levels = event[:8]
        out = {"kind": t.kind, "level": level, "label": label(level), "source": source,
               "outcome": outcome_text(outcome), "because": because, "advice": advice,
               "reads": _reads(reads, include, shown),
               "levels": [lv._asdict() for lv in levels] if levels else []}
        if t is Cap:
            out["effect"] = event.effect
        if omitted:
            out["reads_omitted"] = omitted
        return out
    elif t is Let:
        value = event.value
        out = {"kind": "let", "name": event.name, "source": event.source,
               "value": shown_value(value, include), "known": event.known,
               "reads": _reads(event.reads, include, shown)}
    elif t is Ladder:
        return {"kind": "ladder", "low": event.low, "high": event.high,
                "source": event.source, "text": event.text}
    elif t is Applies:
        out = {"kind": "applies", "source": event.source,
               "outcome": outcome_text(event.outcome), "reads": _reads(event.reads, include, shown)}
    elif t is Concern:
        out = {"kind": "concern", "text": event.text, "advice": event.advice,
               "source": event.source, "outcome": outcome_text(event.outcome),
               "reads": _reads(event.reads, include, shown),
               "levels": [lv._asdict() for lv in event.levels]}
    elif t is Aggregate or t is Category:
        out = {"kind": t.kind, "aggregation": event.aggregation, "method": event.method,
               "source": event.source, "low": event.low, "high": event.high,
               "inputs": [i._asdict() for i in event.inputs], "text": event.text}
        if t is Category:
            out["category"] = event.category
        return out
    elif t is Excluded:
        return {"kind": "excluded", "id": event.id, "status": event.status,
                "source": event.source}
    else:
        raise TypeError(f"not an event of the judgement record: {event!r}")
    if event.reads_omitted:
        out["reads_omitted"] = event.reads_omitted
    return out


# Reading back is on the path of every report (hundreds of events and reads a bundle), so
# records are made as tuples are: fields taken in order by one itemgetter, then
# tuple.__new__ (what a NamedTuple's own constructor does, without its argument handling).
_new = tuple.__new__
_READ_FIELDS = operator.itemgetter(*Read._fields)


def _reads_of(d: dict[str, Any]) -> tuple[Read, ...]:
    reads = d.get("reads")
    return tuple([_new(Read, _READ_FIELDS(r)) for r in reads]) if reads else ()


def _levels_of(d: dict[str, Any]) -> tuple[LevelUse, ...]:
    levels = d.get("levels")
    if not levels:
        return ()
    return tuple([LevelUse(lv["id"], lv["low"], lv["high"], lv.get("status")) for lv in levels])


def _inputs_of(d: dict[str, Any]) -> tuple[Input, ...]:
    return tuple([Input(i["id"], i["low"], i["high"], i.get("status")) for i in d["inputs"]])


def _let_value(value: Any) -> Any:
    # A range other than one level is written {"low", "high"}; every other value as itself.
    if type(value) is dict and set(value) == {"low", "high"}:
        return Range(value["low"], value["high"])
    return value


# One reader per kind (a field the schema lets a document leave out is read with .get).
_READERS: dict[str, Any] = {
    "rung": lambda d: _new(Rung, (
        d["level"], d["source"], OUTCOMES[d["outcome"]], d.get("because"), d.get("advice"),
        _reads_of(d), d.get("reads_omitted", 0), _levels_of(d))),
    "cap": lambda d: _new(Cap, (
        d["level"], d["source"], OUTCOMES[d["outcome"]], d.get("because"), d.get("advice"),
        _reads_of(d), d.get("reads_omitted", 0), _levels_of(d), d.get("effect"))),
    "let": lambda d: _new(Let, (
        d["name"], d["source"], _let_value(d.get("value")), d["known"], _reads_of(d),
        d.get("reads_omitted", 0))),
    "ladder": lambda d: _new(Ladder, (d["low"], d["high"], d["source"], d["text"])),
    "applies": lambda d: _new(Applies, (
        d["source"], OUTCOMES[d["outcome"]], _reads_of(d), d.get("reads_omitted", 0))),
    "concern": lambda d: _new(Concern, (
        d["text"], d.get("advice"), d["source"], OUTCOMES[d["outcome"]], _reads_of(d),
        d.get("reads_omitted", 0), _levels_of(d))),
    "aggregate": lambda d: _new(Aggregate, (
        d["aggregation"], d["method"], d["source"], d["low"], d["high"], _inputs_of(d),
        d["text"])),
    "category": lambda d: _new(Category, (
        d["category"], d["aggregation"], d.get("method"), d["source"], d["low"], d["high"],
        _inputs_of(d), d["text"])),
    "excluded": lambda d: _new(Excluded, (d["id"], d["status"], d["source"])),
}
assert set(_READERS) == set(EVENTS)


def event_of(d: dict[str, Any]) -> Event:
    """One written trace event (a dict of result.json) as the record's typed event.

    Reads become ``Read``; outcomes True, False or ``UNKNOWN``; a let's value as written
    (a range as ``Range``); a field the schema lets a document leave out (``advice`` of a
    cap, ``method`` of a category, an input's ``status``) is None when it is left out.
    Raises ``ValueError`` for a kind the judge does not produce."""
    reader = _READERS.get(d.get("kind"))
    if reader is None:
        raise ValueError(f"a trace event of a kind the judge does not produce: "
                         f"{d.get('kind')!r}")
    return reader(d)


def events_of(node: dict[str, Any]) -> tuple[Event, ...]:
    """A written node's ``trace`` (result.json, loaded or just made) as typed events: the
    one way explain and the reports read the events of a result document."""
    trace = node.get("trace")
    if not trace:
        return ()
    try:
        return tuple([_READERS[d["kind"]](d) for d in trace])
    except KeyError:
        return tuple([event_of(d) for d in trace])    # the same, naming what is wrong


def _reads(reads: tuple | list, include: bool, shown: dict[tuple, dict] | None = None
           ) -> list[dict]:
    """The reads of one event as result.json writes them, each place once, in order.

    ``shown``: for one document, each place (evidence, file, pointer) as written the first
    time, copied for every later event that read it. A bundle's events hold some 400
    reads of some 20 places, and a place holds one value for the whole bundle (an
    ``Ev`` is the value at its pointer, a ``Gap`` a place with none), so each place's
    sensitivity and value are worked out once: ~0.6 ms a bundle less. Each read is its
    own dict, so changing one changes no other."""
    if not reads:
        return []
    if shown is None:
        shown = {}
    if len(reads) == 1:         # the common case: no place to meet twice
        r = reads[0]
        t = type(r)
        if t is Ev or t is Gap:
            key = (r[1], r[2], r[3]) if t is Ev else (r[0], r[1], r[2])
            written = shown.get(key)
            if written is None:
                written = shown[key] = _read_document(r, include)
            return [written.copy()]
    out: dict[tuple, dict] = {}
    for r in reads:
        t = type(r)
        if t is Ev:         # unpacked as the tuples they are: the hottest loop of the writer
            key = (r[1], r[2], r[3])
        elif t is Gap:
            key = (r[0], r[1], r[2])
        else:
            key = (r.type, r.file, r.pointer)
            if key not in out:
                out[key] = _read_document(r, include)
            continue
        if key in out:
            continue
        written = shown.get(key)
        if written is None:
            written = shown[key] = _read_document(r, include)
        out[key] = written.copy()
    return list(out.values())


def _read_document(r: Any, include: bool) -> dict:
    """One read as result.json writes it (``shown_read``, as a dict)."""
    return shown_read(r, include)._asdict()


def _gaps(criteria: CriteriaSet, reads: list) -> list[dict]:
    """Each place a node read that was not provided, once (evidence, pointer), sorted."""
    # A node's reads are mostly known values: the gaps are picked out first (a Gap is the
    # tuple (type, file, pointer, schema)), and each place's entry made once.
    provided: dict[tuple[str, str], bool] = {}
    for r in reads:
        if type(r) is Gap:
            provided[r[0], r[2]] = r[1] is not None     # the last read of a place says
    if not provided:
        return []
    titles = criteria.evidence_titles
    return [{"evidence": evidence, "pointer": pointer, "title": titles.get(evidence, evidence),
             "provided": provided[evidence, pointer]}
            for evidence, pointer in sorted(provided)]


def jsonable(value: Any) -> Any:
    """Manifest values as JSON-ready plain data: dates as ISO strings, tuples as lists."""
    if isinstance(value, dict):
        return {k: jsonable(x) for k, x in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(x) for x in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


__all__ = ["assess", "dump_result", "result_bytes", "event_document", "event_of", "events_of",
           "result_document", "result_schema", "schema_problems", "set_aside"]
