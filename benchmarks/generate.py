"""Seeded generators: criteria sets that look like real ones, their schemas, and bundles.

A generated set has one framework, one key question, a statement per ten
criteria, and three kinds of evidence: surveys (a map of questions), reports
(numbers, dates, a list of actions, a list of groups) and focus groups (a
``many`` collection). Criteria are drawn from six templates that use what real
criteria use: lets, map indexing, dates and durations, quantifiers over lists,
``level()`` references to earlier criteria (so the graph stays acyclic), caps
and ``applies when``. The same seed always gives the same files.

>>> spec = generate_set(Path("/tmp/gen"), 100, seed=7)        # doctest: +SKIP
>>> write_bundle(Path("/tmp/gen-bundle"), spec, seed=1)       # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CATEGORIES = ("processes", "staff_feedback", "outcomes", "observation", "partners_feedback")
ASSESSMENT_DATE = dt.date(2025, 6, 30)
QUESTIONS_PER_SURVEY = 24
ACTION_STATUSES = ("done", "open", "overdue")


@dataclass(frozen=True)
class Rule:
    """One rung that translates word for word into rule-engine syntax, with its plain floor.

    ``text`` is valid both as a criteria expression and as a ``rule_engine.Rule``;
    ``floor`` is the same test hand-written in Python over plain dicts.
    """

    criterion: str
    level: int
    text: str
    floor: Callable[[dict], bool]


@dataclass
class SetSpec:
    """What was generated: where, how many criteria, the evidence types, translatable rules."""

    root: Path
    criteria: int
    seed: int
    surveys: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)


# ---------------------------------------------------------------- schemas


def _survey_schema(title: str) -> dict:
    question = {"type": "object", "properties": {
        "text": {"type": "string"},
        "percent_positive": {"type": "number", "minimum": 0, "maximum": 100},
        "benchmark": {"type": "number", "minimum": 0, "maximum": 100},
        "respondents": {"type": "integer", "minimum": 0}},
        "required": ["percent_positive", "benchmark"], "additionalProperties": False}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title,
            "type": "object",
            "properties": {"year": {"type": "integer"},
                           "respondents": {"type": "integer", "minimum": 0},
                           "questions": {"type": "object", "additionalProperties": question}},
            "required": ["year", "questions"], "additionalProperties": False}


def _report_schema(title: str) -> dict:
    props: dict[str, Any] = {
        "in_post": {"type": "boolean"},
        "reviewed_on": {"type": "string", "format": "date"},
        "state": {"type": "string", "enum": ["draft", "agreed", "assured"]},
        "groups": {"type": "array", "items": {"type": "string"}},
        "actions": {"type": "array", "items": {
            "type": "object",
            "properties": {"status": {"type": "string", "enum": list(ACTION_STATUSES)},
                           "score": {"type": "number", "minimum": 0, "maximum": 5},
                           "due_on": {"type": "string", "format": "date"},
                           "note": {"type": "string", "x-sensitive": True}},
            "required": ["status", "score"], "additionalProperties": False}},
    }
    for i in range(8):
        props[f"m_{i}"] = {"type": "number", "minimum": 0}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title,
            "type": "object", "properties": props, "required": ["in_post"],
            "additionalProperties": False}


def _group_schema(title: str) -> dict:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title,
            "type": "object",
            "properties": {"held_on": {"type": "string", "format": "date"},
                           "participants": {"type": "integer", "minimum": 0},
                           "felt_safe": {"type": "string", "enum": ["yes", "mixed", "no"]},
                           "closed_signs": {"type": "boolean"},
                           "summary": {"type": "string", "x-sensitive": True}},
            "required": ["held_on", "participants", "felt_safe"],
            "additionalProperties": False}


# ---------------------------------------------------------------- criteria templates


def _t_survey_let(rng: random.Random, spec: SetSpec) -> tuple[list[str], list[Rule]]:
    s, q = rng.choice(spec.surveys), f"q_{rng.randrange(QUESTIONS_PER_SURVEY)}"
    return [f'let q = {s}.questions["{q}"]',
            "level 2 when q.percent_positive >= q.benchmark - 5",
            '  advice "Bring the score within 5 points of similar trusts."',
            "level 3 when q.percent_positive >= q.benchmark",
            f"level 4 when q.percent_positive >= q.benchmark + 5 and {s}.respondents >= 400",
            '  because "Staff say so more often than in similar trusts."'], []


def _t_survey_direct(rng: random.Random, spec: SetSpec, cid: str) -> tuple[list[str], list[Rule]]:
    s, q = rng.choice(spec.surveys), f"q_{rng.randrange(QUESTIONS_PER_SURVEY)}"
    lo, hi = rng.randrange(40, 60), rng.randrange(65, 85)
    pp = f'{s}.questions["{q}"].percent_positive'
    r2 = f"{pp} >= {lo}"
    r3 = f'{pp} >= {hi} and {pp} >= {s}.questions["{q}"].benchmark'

    def f2(d, s=s, q=q, lo=lo):
        return d[s]["questions"][q]["percent_positive"] >= lo

    def f3(d, s=s, q=q, hi=hi):
        qq = d[s]["questions"][q]
        return qq["percent_positive"] >= hi and qq["percent_positive"] >= qq["benchmark"]
    return [f"level 2 when {r2}", f"level 3 when {r3}"], [Rule(cid, 2, r2, f2),
                                                          Rule(cid, 3, r3, f3)]


def _t_report(rng: random.Random, spec: SetSpec, cid: str) -> tuple[list[str], list[Rule]]:
    r = rng.choice(spec.reports)
    a, b = rng.sample(range(8), 2)
    ta, tb = rng.randrange(5, 20), rng.randrange(1, 4)
    r2 = f"{r}.in_post"
    r3 = f"{r}.m_{a} >= {ta} and {r}.m_{b} >= {tb}"
    r4 = f'{r}.m_{a} >= {ta + 10} and ({r}.m_{b} >= {tb + 2} or {r}.state == "assured")'

    def f2(d, r=r):
        return d[r]["in_post"] is True

    def f3(d, r=r, a=f"m_{a}", b=f"m_{b}", ta=ta, tb=tb):
        doc = d[r]
        return doc[a] >= ta and doc[b] >= tb

    def f4(d, r=r, a=f"m_{a}", b=f"m_{b}", ta=ta + 10, tb=tb + 2):
        doc = d[r]
        return doc[a] >= ta and (doc[b] >= tb or doc["state"] == "assured")
    lines = [f"level 2 when {r2}", '  advice "Put someone in post to lead this."',
             f"level 3 when {r3}", f"level 4 when {r4}"]
    return lines, [Rule(cid, 2, r2, f2), Rule(cid, 3, r3, f3), Rule(cid, 4, r4, f4)]


def _t_dates(rng: random.Random, spec: SetSpec) -> tuple[list[str], list[Rule]]:
    r = rng.choice(spec.reports)
    return [f"level 2 when {r}.reviewed_on is not missing",
            f"level 3 when {r}.reviewed_on >= assessment.date - 24 months",
            f"level 4 when {r}.reviewed_on >= assessment.date - {rng.choice((6, 12))} months"
            f" and {r}.m_{rng.randrange(8)} >= {rng.randrange(5, 15)}",
            '  advice "Review it every year."'], []


def _t_actions(rng: random.Random, spec: SetSpec) -> tuple[list[str], list[Rule]]:
    r = rng.choice(spec.reports)
    return [f'let done = percent(a in {r}.actions where a.status == "done")',
            f"let partners = count(p in {r}.groups where p in "
            '["people_using_services", "staff", "system_partners"])',
            f"level 2 when count({r}.actions) >= 1 or partners >= 1",
            f"level 3 when done >= 50 and all(a in {r}.actions where a.score >= 2)",
            f"level 4 when done >= 80 and mean(a.score for a in {r}.actions) >= 3.5"
            " and partners == 3",
            f'cap 2 when any(a in {r}.actions where a.status == "overdue" '
            "and a.due_on < assessment.date - 6 months)",
            '  because "Long-overdue actions come first."'], []


def _t_groups(rng: random.Random, spec: SetSpec) -> tuple[list[str], list[Rule]]:
    g = rng.choice(spec.groups)
    return [f'let safe = percent(x in {g} where x.felt_safe == "yes")',
            f"level 2 when count({g}) >= 2 and safe >= 25",
            f"level 3 when sum(x.participants for x in {g}) >= 30 and safe >= 50",
            f"level 4 when count({g}) >= 4 and safe >= 80"
            f" and max(x.held_on for x in {g}) >= assessment.date - 12 months",
            f"cap 2 when any(x in {g} where x.closed_signs)",
            '  because "Signs of a closed culture come first."'], []


def _criterion(rng: random.Random, spec: SetSpec, index: int, earlier: list[str]
               ) -> tuple[str, str, list[Rule]]:
    cid = f"c_{index:05d}"
    pick = rng.random()
    if pick < 0.18:
        lines, rules = _t_survey_let(rng, spec)
    elif pick < 0.36:
        lines, rules = _t_survey_direct(rng, spec, cid)
    elif pick < 0.56:
        lines, rules = _t_report(rng, spec, cid)
    elif pick < 0.70:
        lines, rules = _t_dates(rng, spec)
    elif pick < 0.86:
        lines, rules = _t_actions(rng, spec)
    else:
        lines, rules = _t_groups(rng, spec)
    head = [f'criterion {cid} "Generated criterion {index}" {{',
            f"  category {rng.choice(CATEGORIES)}",
            f'  good """What good looks like for generated criterion {index}."""']
    if rng.random() < 0.1:
        head.append('  applies when provider.type != "ambulance"')
    body = ["  " + line for line in lines]
    if earlier and rng.random() < 0.3:
        # only earlier criteria: the dependency graph stays acyclic
        target = rng.choice(earlier[-50:])
        body += [f"  cap {rng.choice((2, 3))} when level({target}) < developing",
                 '    because "This rests on the criterion it builds on."']
    return cid, "\n".join(head + body + ["}"]), rules


# ---------------------------------------------------------------- the set


FRAMEWORK = """framework gen "Generated framework" {
  version "bench"
  publisher "benchmarks"
  scale maturity
  root well_led
}

scale maturity {
  level 1 foundations "Foundations" "The essentials are not yet in place."
  level 2 developing "Developing" "Some of what good looks like is in place."
  level 3 established "Established" "What good looks like is in place."
  level 4 exemplary "Exemplary" "Practice is sustained and shared."
}

aggregation cqc_bands "CQC percentage bands" {
  method percent
  band 2 from 39
  band 3 from 63
  band 4 from 88
}
aggregation category_mean "Mean of a category, halves up" { method mean round nearest }

key_question well_led "Well-led" {
  aggregate cqc_bands
  cap 2 when any(c in children where c.level == 1)
}
"""


def evidence_counts(criteria: int) -> int:
    """How many evidence types of each kind a set of ``criteria`` criteria uses."""
    return max(2, min(20, criteria // 60))


def generate_set(root: Path, criteria: int, *, seed: int = 1, per_file: int = 100) -> SetSpec:
    """Write a criteria set of ``criteria`` criteria (and its schemas) under ``root``."""
    rng = random.Random(seed)
    spec = SetSpec(root=root, criteria=criteria, seed=seed)
    k = evidence_counts(criteria)
    spec.surveys = [f"svy_{i}" for i in range(k)]
    spec.reports = [f"rpt_{i}" for i in range(k)]
    spec.groups = [f"grp_{i}" for i in range(k)]
    schemas = root / "evidence_schemas"
    (root / "statements").mkdir(parents=True, exist_ok=True)
    schemas.mkdir(parents=True, exist_ok=True)
    (root / "framework.crit").write_text(FRAMEWORK, encoding="utf-8")
    decls = []
    for ids, kind, make in ((spec.surveys, "", _survey_schema),
                            (spec.reports, "", _report_schema),
                            (spec.groups, " many", _group_schema)):
        for eid in ids:
            title = f"Generated evidence {eid}"
            decls.append(f'evidence {eid}{kind} "{title}"')
            (schemas / f"{eid}.schema.json").write_text(json.dumps(make(title), indent=1),
                                                        encoding="utf-8")
    (root / "evidence.crit").write_text("\n".join(decls) + "\n", encoding="utf-8")

    earlier: list[str] = []
    chunks: list[str] = []
    file_no = 0
    statement_no = 0
    for start in range(0, criteria, 10):
        sid = f"s_{statement_no:04d}"
        statement_no += 1
        parts = [f'statement {sid} "Generated statement {statement_no}" {{',
                 "  under well_led",
                 f'  we """We do what generated statement {statement_no} asks."""',
                 '  regulation "Regulation 17: Good governance"',
                 "  aggregate cqc_bands by category category_mean", ""]
        for index in range(start, min(start + 10, criteria)):
            cid, text, rules = _criterion(rng, spec, index, earlier)
            earlier.append(cid)
            spec.rules.extend(rules)
            parts.append("  " + text.replace("\n", "\n  ") + "\n")
        parts.append("}\n")
        chunks.append("\n".join(parts))
        if sum(c.count("criterion ") for c in chunks) >= per_file:
            _write_chunk(root, file_no, chunks)
            file_no, chunks = file_no + 1, []
    if chunks:
        _write_chunk(root, file_no, chunks)
    return spec


def _write_chunk(root: Path, number: int, chunks: list[str]) -> None:
    path = root / "statements" / f"part_{number:04d}.crit"
    path.write_text(f"# generated part {number}\n\n" + "\n".join(chunks), encoding="utf-8")


# ---------------------------------------------------------------- bundles


def _date(rng: random.Random, back_days: int) -> str:
    return (ASSESSMENT_DATE - dt.timedelta(days=rng.randrange(back_days))).isoformat()


def survey_doc(rng: random.Random, complete: bool = False) -> dict:
    questions = {}
    for i in range(QUESTIONS_PER_SURVEY):
        if not complete and rng.random() < 0.05:
            continue                                   # a question not asked this year
        bench = round(rng.uniform(45, 75), 1)
        questions[f"q_{i}"] = {"text": f"Question {i}",
                               "percent_positive": round(bench + rng.uniform(-15, 15), 1),
                               "benchmark": bench, "respondents": rng.randrange(200, 3000)}
    return {"year": 2024, "respondents": rng.randrange(200, 3000), "questions": questions}


def report_doc(rng: random.Random, complete: bool = False, actions: int = 12) -> dict:
    doc: dict[str, Any] = {"in_post": rng.random() < 0.8,
                           "reviewed_on": _date(rng, 900),
                           "state": rng.choice(["draft", "agreed", "assured"]),
                           "groups": rng.sample(["people_using_services", "staff",
                                                 "system_partners", "governors"],
                                                rng.randrange(0, 4)),
                           "actions": [{"status": rng.choice(ACTION_STATUSES),
                                        "score": round(rng.uniform(0, 5), 1),
                                        "due_on": _date(rng, 400),
                                        "note": "said in confidence"}
                                       for _ in range(rng.randrange(actions // 2, actions + 1))]}
    for i in range(8):
        if complete or rng.random() > 0.08:            # a figure not reported
            doc[f"m_{i}"] = rng.randrange(0, 40)
    return doc


def group_doc(rng: random.Random) -> dict:
    return {"held_on": _date(rng, 500), "participants": rng.randrange(3, 20),
            "felt_safe": rng.choice(["yes", "yes", "mixed", "no"]),
            "closed_signs": rng.random() < 0.1, "summary": "what people said"}


def _dump(path: Path, data: Any, as_yaml: bool) -> None:
    if as_yaml:
        import yaml

        path.with_suffix(".yaml").write_text(yaml.safe_dump(data, sort_keys=False),
                                             encoding="utf-8")
    else:
        path.with_suffix(".json").write_text(json.dumps(data, indent=1), encoding="utf-8")


def bundle_docs(spec: SetSpec, seed: int, complete: bool = False) -> dict[str, Any]:
    """The evidence of one generated bundle as plain data: id -> document (or list of them).

    Unless ``complete``, about one type in ten is left out (not provided) so
    that unknowns and partial judgements take part, as in real bundles.
    """
    rng = random.Random(seed * 7919 + spec.seed)
    docs: dict[str, Any] = {}
    for eid in spec.surveys:
        if complete or rng.random() > 0.1:
            docs[eid] = survey_doc(rng, complete)
    for eid in spec.reports:
        if complete or rng.random() > 0.1:
            docs[eid] = report_doc(rng, complete)
    for eid in spec.groups:
        if complete or rng.random() > 0.1:
            docs[eid] = [group_doc(rng) for _ in range(rng.randrange(1, 7))]
    return docs


def manifest(seed: int) -> dict:
    return {"provider": {"id": f"R{seed:04d}", "name": f"Generated NHS Trust {seed}",
                         "type": ["acute", "mental_health", "community", "ambulance"][seed % 4]},
            "assessment": {"date": ASSESSMENT_DATE.isoformat(), "kind": "self_assessment"}}


def write_bundle(folder: Path, spec: SetSpec, seed: int, complete: bool = False) -> Path:
    """Write one bundle for ``spec`` into ``folder``: a mix of JSON and YAML files."""
    folder.mkdir(parents=True, exist_ok=True)
    _dump(folder / "bundle", manifest(seed), as_yaml=True)
    for eid, doc in bundle_docs(spec, seed, complete).items():
        as_yaml = (sum(map(ord, eid)) + seed) % 3 == 0
        if isinstance(doc, list):
            sub = folder / eid
            sub.mkdir(exist_ok=True)
            for i, item in enumerate(doc):
                _dump(sub / f"{i:02d}", item, as_yaml)
        else:
            _dump(folder / eid, doc, as_yaml)
    return folder


def write_bundles(root: Path, spec: SetSpec, count: int, start: int = 0) -> list[Path]:
    """Write ``count`` bundles under ``root`` (``b_0000``, ...), each its own seed."""
    return [write_bundle(root / f"b_{i:04d}", spec, seed=i) for i in range(start, start + count)]


def write_large_bundle(folder: Path, spec: SetSpec, *, documents: int = 20,
                       megabytes: float = 5.0, seed: int = 99) -> int:
    """A bundle of ``documents`` documents adding up to about ``megabytes`` MB (issue 3).

    Report documents carry long action lists, which is where real bundles grow.
    Returns the bytes written.
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    _dump(folder / "bundle", manifest(seed), as_yaml=True)
    singles = (spec.surveys + spec.reports)[:documents]
    many_docs = documents - len(singles)
    per_doc = megabytes * 1_000_000 / len(singles)
    for i, eid in enumerate(singles):
        if eid.startswith("rpt"):
            doc = report_doc(rng, True, actions=10)
            sample = doc["actions"][0]
            grow = int(per_doc / (len(json.dumps(sample, indent=1)) + 8))
            doc["actions"] = [dict(sample, score=round(rng.uniform(0, 5), 1))
                              for _ in range(grow)]
        else:                                           # pad with more questions
            doc = survey_doc(rng, True)
            sample = doc["questions"]["q_0"]
            grow = int(per_doc / (len(json.dumps(sample, indent=1)) + 16))
            for j in range(grow):
                doc["questions"][f"x_{j}"] = dict(sample, percent_positive=float(j % 100))
        _dump(folder / eid, doc, as_yaml=i % 4 == 3)
    if many_docs > 0:
        sub = folder / spec.groups[0]
        sub.mkdir(exist_ok=True)
        for j in range(many_docs):
            _dump(sub / f"{j:02d}", group_doc(rng), as_yaml=False)
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


_SETS: dict[Path, SetSpec] = {}


def ensure_set(work: Path, criteria: int) -> SetSpec:
    """The generated set of ``criteria`` criteria under ``work`` (seed = size), written once."""
    root = work / f"set_{criteria}"
    if root not in _SETS:
        _SETS[root] = generate_set(root, criteria, seed=criteria)
    return _SETS[root]
