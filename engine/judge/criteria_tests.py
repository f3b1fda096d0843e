"""Run the ``test`` blocks written in .crit files: policy teams test criteria without code.

A test gives inline evidence (validated like a bundle's) or a bundle folder,
an assessment date and maybe a provider, and expectations on nodes. A failure
shows expected against actual and the trace of the failing node. Coverage
says which rungs and caps were seen true, false and unknown across the tests.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from engine import words
from engine.errors import BundleError, WellledError
from engine.judge.assess import Evaluation, documents, facts, manifest_dict
from engine.judge.compiled import CompiledCriterion, CriteriaSet
from engine.judge.expressions import SourceNames
from engine.judge.record import (
    Aggregate,
    Applies,
    Cap,
    Category,
    Concern,
    Excluded,
    Judgement,
    Ladder,
    Let,
    Read,
    Rung,
    outcome_text,
    shown_reads,
    shown_value,
)
from engine.language import nodes as n


@dataclass
class TestOutcome:
    name: str
    source: str
    failures: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failures and self.error is None


@dataclass
class TestReport:
    outcomes: list[TestOutcome]
    coverage: dict[tuple[str, str, int, str], set[str]]   # (node, kind, level, source) -> outcomes

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    @property
    def passed(self) -> int:
        return sum(o.ok for o in self.outcomes)


def run_tests(criteria: CriteriaSet) -> TestReport:
    """Run every test block of the set, in file order."""
    coverage: dict[tuple[str, str, int, str], set[str]] = defaultdict(set)
    for node_id, node in criteria.nodes.items():
        rungs = node.rungs if isinstance(node, CompiledCriterion) else ()
        for kind, steps in (("rung", rungs), ("cap", node.caps)):
            for step in steps:
                coverage[(node_id, kind, step.level, step.source)]
        for concern in node.concerns:
            coverage[(node_id, "concern", 0, concern.source)]
    outcomes = [_run_one(criteria, test, path, coverage) for test, path in criteria.tests]
    return TestReport(outcomes, dict(coverage))


def _run_one(criteria: CriteriaSet, test: n.Test, crit_file: Path,
             coverage: dict) -> TestOutcome:
    names = SourceNames(criteria.root)
    source = names.name(test.span)
    outcome = TestOutcome(test.name, source)
    try:
        judgements = _evaluate(criteria, test, crit_file)
    except BundleError as err:
        outcome.error = "the test's evidence cannot be used:\n" + "\n".join(
            f"    {p}" for p in err.problems)
        return outcome
    except WellledError as err:
        outcome.error = str(err)
        return outcome
    for node_id, judgement in judgements.items():
        for event in judgement.events:
            kind = type(event)
            if kind is Rung or kind is Cap or kind is Concern:
                key = (node_id, event.kind, 0 if kind is Concern else event.level,
                       event.source)
                if key in coverage:
                    coverage[key].add(outcome_text(event.outcome))
    for expectation in test.expectations:
        problem = _check(criteria, expectation, judgements[expectation.node],
                         names.name(expectation.span))
        if problem:
            outcome.failures.append(problem + "\n" + _trace_text(
                criteria, expectation.node, judgements[expectation.node]))
    for expectation in test.concern_expectations:
        problem = _check_concern(expectation, judgements, names.name(expectation.span))
        if problem:
            outcome.failures.append(problem)
    return outcome


def _check_concern(e: n.ConcernExpectation, judgements: dict[str, Judgement],
                   where: str) -> str | None:
    """``expect concern "TEXT" is raised | not_raised | not_checked``."""
    for node_id, judgement in judgements.items():
        for concern in judgement.concerns:
            if concern.text != e.text:
                continue
            if concern.state == e.state:
                return None
            lines = [f'  {where}: expect concern "{e.text}" is {e.state}',
                     f"  but it is {words.concern_state(concern.state)}",
                     f"  concern of {node_id} ({concern.source}):"]
            for event in judgement.of_kind(Concern):
                if event.text == e.text:
                    reads = ", ".join(_read_text(r) for r in shown_reads(event.reads, True))
                    lines.append(f"    condition: {outcome_text(event.outcome)}"
                                 + (f"  [{reads}]" if reads else ""))
            return "\n".join(lines)
    # Not judged: its criterion does not apply (the checker ensures the text exists).
    if e.state == "not_raised":
        return None
    return (f'  {where}: expect concern "{e.text}" is {e.state}\n'
            "  but it was not checked: the criterion that declares it does not apply")


def _evaluate(criteria: CriteriaSet, test: n.Test, crit_file: Path) -> dict[str, Judgement]:
    from engine.evidence.bundle import (  # lazy: start-up
        Assessment,
        Manifest,
        Provider,
        bundle_from_documents,
        load_bundle,
    )

    if test.bundle is not None:
        bundle = load_bundle((crit_file.parent / test.bundle).resolve(), criteria.schemas)
        manifest = manifest_dict(bundle.manifest)
        if test.date is not None:
            manifest["assessment"] = {**manifest["assessment"], "date": test.date}
        for key, value in test.provider:
            manifest["provider"] = {**manifest["provider"], key: value}
    else:
        provider = dict(test.provider)
        manifest_model = Manifest(
            provider=Provider(id=provider.get("id", "TEST"), name=provider.get("name", test.name),
                              type=provider.get("type", "other")),
            assessment=Assessment(date=test.date or dt.date(2000, 1, 1),
                                  kind=test.kind or "self_assessment"))
        docs: dict[str, Any] = {}
        for item in test.evidence:
            docs[item.type] = item.value
        origin = f"{crit_file.name}:{test.span.line} test \"{test.name}\""
        bundle = bundle_from_documents(manifest_model, docs, criteria.schemas, origin=origin)
        # A test names no provider type unless it sets one, and no date unless it gives one.
        manifest = {"provider": provider, "assessment": {
            "date": test.date, "kind": test.kind}}
    evaluation = Evaluation(criteria, documents(criteria, bundle), facts(manifest))
    return evaluation.run()


def _expected_text(criteria: CriteriaSet, e: n.Expectation) -> str:
    value = e.value
    if e.op == "range":
        return f"is {value} to {e.high}"
    return f"{e.op} {value}"


def _level_number(criteria: CriteriaSet, value: int | str) -> int | str:
    if isinstance(value, int):
        return value
    return criteria.checked.levels.get(value, value)


def _check(criteria: CriteriaSet, e: n.Expectation, j: Judgement, where: str) -> str | None:
    actual = _actual_text(j)
    want = _expected_text(criteria, e)
    value = _level_number(criteria, e.value)
    if e.op == "is" and value in ("not_assessed", "not_applicable"):
        ok = j.status == value
    elif e.op == "is":
        ok = j.low is not None and j.low == j.high == value
    elif e.op == "range":
        ok = j.low == value and j.high == e.high
    elif e.op == ">=":
        ok = j.low is not None and j.low >= value
    else:
        ok = j.high is not None and j.high <= value
    if ok:
        return None
    return f"  {where}: expect {e.node} {want}\n  but it {actual}"


def _actual_text(j: Judgement) -> str:
    if j.low is None:
        return f"is {j.status}"
    return f"is {words.level_range(j.low, j.high)} ({j.status})"


def _trace_text(criteria: CriteriaSet, node_id: str, j: Judgement) -> str:
    lines = [f"  trace of {node_id}:"]
    for e in j.events:
        kind = type(e)
        if kind is Rung or kind is Cap:
            reads = ", ".join(_read_text(r) for r in shown_reads(e.reads, True))
            lines.append(f"    {e.kind} {e.level} ({e.source}): {outcome_text(e.outcome)}"
                         + (f"  [{reads}]" if reads else ""))
        elif kind is Let:
            lines.append(f"    let {e.name} = {words.trace_value(shown_value(e.value, True))}"
                         f" ({e.source})")
        elif kind is Category:
            lines.append(f"    category {e.category}: {e.text}")
        elif kind is Ladder or kind is Aggregate:
            lines.append(f"    {e.kind}: {e.text}")
        elif kind is Applies:
            lines.append(f"    applies when ({e.source}): {outcome_text(e.outcome)}")
        elif kind is Excluded:
            lines.append(f"    left out: {e.id} ({e.status})")
    return "\n".join(lines)


def _read_text(r: Read) -> str:
    where = f"{r.file}#{r.pointer}" if r.file else f"{r.type}#{r.pointer} (not provided)"
    return f"{where} = {words.trace_value(r.value, r.known)}"


# ---------------------------------------------------------------- reports


def format_report(report: TestReport, coverage: bool = False) -> str:
    lines = []
    for o in report.outcomes:
        if o.ok:
            lines.append(f"ok    {o.source}  {o.name}")
        else:
            lines.append(f"FAIL  {o.source}  {o.name}")
            if o.error:
                lines.append("  " + o.error)
            lines.extend(o.failures)
    failed = len(report.outcomes) - report.passed
    if coverage:
        lines.append("")
        lines.extend(format_coverage(report))
    lines.append(f"{report.passed} passed, {failed} failed")
    return "\n".join(lines)


def format_coverage(report: TestReport) -> list[str]:
    """One line per rung and cap (of criteria, statements and key questions) not yet
    seen both true and false."""
    things = ("rungs, caps and concerns" if any(k[1] == "concern" for k in report.coverage)
              else "rungs and caps")
    lines = [f"coverage of {things} (seen true / false / unknown):"]
    total = len(report.coverage)
    full = 0
    def by_line(item):
        (node, kind, level, source), _ = item
        path, _, line = source.rpartition(":")
        return (path, int(line))

    for (node, kind, level, source), seen in sorted(report.coverage.items(), key=by_line):
        if {"true", "false"} <= seen:
            full += 1
            continue
        marks = " ".join(f"{o}:{'yes' if o in seen else 'no'}"
                         for o in ("true", "false", "unknown"))
        what = f"{kind} {level}" if kind != "concern" else kind
        lines.append(f"  {source}: {node} {what}: {marks}")
    lines.append(f"{full} of {total} {things} seen both true and false")
    return lines


def junit_xml(report: TestReport) -> str:
    """The report as JUnit XML text (``engine.app.criteria_tests`` writes it)."""
    suite = ET.Element("testsuite", name="wellled", tests=str(len(report.outcomes)),
                       failures=str(len(report.outcomes) - report.passed))
    for o in report.outcomes:
        case = ET.SubElement(suite, "testcase", classname=o.source, name=o.name)
        if not o.ok:
            failure = ET.SubElement(case, "failure", message="expectation not met")
            failure.text = "\n".join(([o.error] if o.error else []) + o.failures)
    return ET.tostring(suite, encoding="unicode") + "\n"
