"""Per rule evaluation: our compiled closures against PyPI `rule-engine` and plain Python.

The generated sets mark the rungs whose text means the same in both languages
(comparisons, ``and``/``or``, field access, map indexing) and carry a
hand-written Python function for each (the floor). All three run over the same
complete bundle:
- *ours*: the rung's compiled closure ``Step.when(ctx)`` (see
  ``engine/judge/expressions.py``): Kleene logic, and every value read logged with
  its file and JSON pointer for the trace;
- *rule-engine*: ``rule_engine.Rule(text).matches(docs)``, each rule parsed once,
  the text in rule-engine's item syntax (``to_rule_engine``);
- *floor*: the plain function over plain dicts.
The three must agree on every rule; disagreements are counted and printed.
"""

from __future__ import annotations

import re
from pathlib import Path

import rule_engine

from benchmarks.generate import ensure_set, write_bundle
from benchmarks.timing import Figure, load_once, per_call
from engine.evidence.bundle import load_bundle
from engine.output.results import jsonable as plain_json
from engine.judge.assess import documents, facts, manifest_dict
from engine.judge.context import Ctx
from engine.judge.values import Range

SECTION = "per rule evaluation: ours vs rule-engine vs plain Python"


_FIELD = re.compile(r"\.([a-z_][a-z0-9_]*)")
_KEY = re.compile(r'\["([^"]*)"\]')


def to_rule_engine(text: str) -> str:
    """A translatable rung in rule-engine's preferred syntax: ``a.b["k"]`` -> ``a['b']['k']``.

    rule-engine 5 still reads ``a.b`` on a mapping but warns on every use that
    it is deprecated (and the warning machinery would then be timed too).
    """
    return _FIELD.sub(r"['\1']", _KEY.sub(r"['\1']", text))


_PATH = re.compile(r"([a-z_][a-z0-9_]*)((?:\['[^']*'\])+)")


def pruned(text: str, data: dict) -> dict:
    """``data`` cut down to the paths a rule-engine rule reads: rule-engine's best case.

    rule-engine converts every record a rule touches into its own types on each
    evaluation, so its cost grows with the size of the record, not of the rule.
    """
    out: dict = {}
    for name, keys in _PATH.findall(text):
        path = [name] + re.findall(r"\['([^']*)'\]", keys)
        src, dst = data, out
        for key in path[:-1]:
            src = src[key]
            dst = dst.setdefault(key, {})
        dst[path[-1]] = src[path[-1]]
    return out


def run(work: Path, quick: bool) -> list[Figure]:
    spec = ensure_set(work, 1000)
    criteria = load_once(spec.root)
    folder = write_bundle(work / "rules_bundle", spec, seed=4242, complete=True)
    loaded = load_bundle(folder, criteria.schemas)
    docs = documents(criteria, loaded)
    fact_values = facts(manifest_dict(loaded.manifest))
    plain = {k: plain_json(d.data) for k, d in loaded.documents.items()}   # dates as text
    levels = {node_id: Range(1, criteria.top) for node_id in criteria.order}

    ours, theirs, floors, small = [], [], [], []
    for rule in spec.rules:
        node = criteria.nodes[rule.criterion]
        ours.append(next(s.when for s in node.rungs if s.level == rule.level))
        text = to_rule_engine(rule.text)
        theirs.append(rule_engine.Rule(text))
        small.append(pruned(text, plain))
        floors.append(rule.floor)
    ctx = Ctx(docs, fact_values, levels)

    def run_ours():
        # Fresh logs for each rule, as assess gives each part of a judgement: every
        # value read is logged (kept up to READ_LIMIT per part, as in an assessment).
        out = []
        for when in ours:
            ctx.reads, ctx.known, ctx.unknown = [], 0, 0
            out.append(when(ctx))
        return out

    def run_theirs():
        return [r.matches(plain) for r in theirs]

    def run_theirs_pruned():
        return [r.matches(d) for r, d in zip(theirs, small)]

    def run_floor():
        return [f(plain) for f in floors]

    got = run_ours(), run_theirs(), run_floor(), run_theirs_pruned()
    disagree = sum(1 for a, b, c, d in zip(*got) if not a is b is c is d)
    budget = 0.3 if quick else 1.0
    n = len(spec.rules)
    t_ours = per_call(run_ours, budget) / n
    t_theirs = per_call(run_theirs, budget) / n
    t_pruned = per_call(run_theirs_pruned, budget) / n
    t_floor = per_call(run_floor, budget) / n
    return [
        Figure(SECTION, "rules compared", n, "count",
               f"of {spec.criteria} generated criteria; {disagree} disagreements, "
               f"{sum(1 for x in got[0] if x is True)} true"),
        Figure(SECTION, "ours (compiled closure)", t_ours, "s", "per rule"),
        Figure(SECTION, "rule-engine Rule.matches", t_theirs, "s",
               "per rule, over the whole documents"),
        Figure(SECTION, "rule-engine, records pruned", t_pruned, "s",
               "per rule, only the fields it reads: its best case"),
        Figure(SECTION, "plain Python (floor)", t_floor, "s", "per rule"),
        Figure(SECTION, "rule-engine / ours", t_theirs / t_ours, "x",
               "target >= 5x (ours faster)"),
        Figure(SECTION, "rule-engine pruned / ours", t_pruned / t_ours, "x",
               "target >= 8x (ours faster; issue 13)"),
        Figure(SECTION, "ours / floor", t_ours / t_floor, "x",
               "cost of Kleene logic + trace; target <= 15x (issue 13)"),
    ]
