"""The checking half of the pipeline: files -> parse -> resolve -> graph -> types -> lint.

``check_set(path)`` runs every check and returns a ``CheckedSet`` (or None when
there are errors) with every diagnostic, sorted. Syntax errors stop the run
after every file has been parsed: names declared in a file that did not parse
would otherwise show up as a cascade of unknown references.

>>> checked, diags = check_set(Path("/no/such/folder"))
>>> checked is None, [d.code for d in diags]
(True, ['E002'])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import networkx as nx

from engine.diagnostics import Diagnostics
from engine.evidence.schemas import EvidenceSchema
from engine.gcpause import gc_paused
from engine.language import nodes
from engine.language.graph import build_graph, find_cycles, judgement_order
from engine.language.limits import Limits
from engine.language.lint import lint
from engine.language.load import LoadedSet, load
from engine.language.resolve import Reference, Symbols, resolve
from engine.language.typecheck import load_schemas, typecheck
from engine.source import SourceFile


@dataclass(frozen=True)
class CheckedSet:
    """A criteria set that passed every check: what the compiler needs.

    ``graph`` edges point from a node to what it depends on (a key question to
    its statements, a statement to its criteria, a criterion to the evidence it
    reads and to the criteria or statements named by ``level(...)``).
    ``order`` lists criteria, statements and key questions with every node
    after everything it depends on. ``references`` says what each name in an
    expression stands for, as the resolver decided it (the compiler reads it).
    """

    root: Path
    files: tuple[nodes.File, ...]
    sources: Mapping[str, SourceFile]
    framework: nodes.Framework
    scale: nodes.Scale
    levels: Mapping[str, int]
    top: int
    evidence: Mapping[str, nodes.Evidence]
    schemas: Mapping[str, EvidenceSchema]
    aggregations: Mapping[str, nodes.Aggregation]
    key_questions: Mapping[str, nodes.KeyQuestion]
    statements: Mapping[str, nodes.Statement]
    criteria: Mapping[str, nodes.Criterion]
    tests: tuple[nodes.Test, ...]
    graph: nx.DiGraph
    order: tuple[str, ...]
    criteria_sha256: str
    references: Mapping[nodes.Name, Reference] = field(compare=False, repr=False)


@dataclass
class _Run:
    """What the checks of one run share; each check fills in its part."""

    loaded: LoadedSet
    diags: Diagnostics
    symbols: Symbols | None = None
    graph: nx.DiGraph | None = None
    cyclic: bool = False
    schemas: dict[str, EvidenceSchema] = field(default_factory=dict)


def _resolve(run: _Run) -> None:
    run.symbols, diags = resolve(run.loaded.files)
    run.diags.extend(diags)


def _graph(run: _Run) -> None:
    assert run.symbols is not None
    run.graph = build_graph(run.symbols)


def _cycles(run: _Run) -> None:
    assert run.graph is not None
    run.cyclic = find_cycles(run.graph, run.diags)


def _schemas(run: _Run) -> None:
    assert run.symbols is not None
    run.schemas = load_schemas(run.symbols, run.loaded.root, run.loaded.real_paths, run.diags)


def _types(run: _Run) -> None:
    assert run.symbols is not None
    typecheck(run.symbols, run.schemas, run.diags)


def _test_evidence(run: _Run) -> None:
    """E043 for inline test evidence its schema refuses, at the `evidence` line of the test.

    ``wellled test`` validates the same way; checking here too means a broken
    test block is found by ``wellled check`` with every other problem.
    """
    from engine.evidence.validate import validate_document

    assert run.symbols is not None
    for test in run.symbols.tests:
        block = (f'the test "{test.name}" starts here', test.span)
        for item in test.evidence:
            schema = run.schemas.get(item.type)
            if schema is None:
                continue  # an unknown evidence type (E010) or a broken schema (E042)
            if schema.many and not isinstance(item.value, list):
                run.diags.error("E043", f'test "{test.name}": evidence `{item.type}` is a '
                                "collection: give a list of documents", item.span,
                                "write `[{...}, {...}]`, one object per document", [block])
                continue
            values = list(enumerate(item.value)) if schema.many else [(None, item.value)]
            for index, value in values:
                prefix = "" if index is None else f"/{index}"
                found = ([(prefix or "/", "the document is empty")] if value is None else
                         [(prefix + pointer, message)
                          for pointer, message in validate_document(schema, value)])
                for pointer, message in found:
                    where = f" at {pointer}" if pointer else ""
                    run.diags.error("E043", f'test "{test.name}": evidence `{item.type}`{where}: '
                                    f"{message}", item.span,
                                    f"correct the evidence to match `{schema.path.name}`",
                                    [block])


def _lint(run: _Run) -> None:
    assert run.symbols is not None
    run.diags.extend(lint(run.symbols))


Check = Callable[[_Run], None]

CHECKS: tuple[Check, ...] = (
    _resolve,   # must run first: every later check looks declarations up by id
    _graph,     # needs resolved `level(...)` targets and evidence reads for its edges
    _cycles,    # reports each whole cycle; the judgement order exists only without one
    _schemas,   # reads each evidence type's JSON Schema (E042) for the type checker
    _types,     # field paths against those schemas, operand types, levels, aggregations
    _test_evidence,  # inline test evidence against those schemas (E043)
    _lint,      # warnings only; never blocks an assessment
)


@gc_paused()
def check_set(path: Path, limits: Limits = Limits()) -> tuple[CheckedSet | None, Diagnostics]:
    """Check the criteria directory (or single file) at ``path``: every problem, sorted.

    ``limits`` bounds file size and nesting depth (``engine/language/limits.py``).
    """
    loaded, diags = load(Path(path), limits)
    diags.sources.update(loaded.sources)
    if loaded.syntax_errors or diags.has_errors:
        return None, diags
    run = _Run(loaded, diags)
    for check in CHECKS:
        check(run)
    diags.sources.update(loaded.sources)
    if diags.has_errors:
        return None, diags
    return _checked(run), diags


def _checked(run: _Run) -> CheckedSet:
    symbols, graph = run.symbols, run.graph
    assert symbols is not None and graph is not None
    assert symbols.framework is not None and symbols.scale is not None
    return CheckedSet(
        root=run.loaded.root, files=run.loaded.files, sources=run.loaded.sources,
        framework=symbols.framework, scale=symbols.scale, levels=dict(symbols.levels),
        top=symbols.top, evidence=dict(symbols.evidence), schemas=run.schemas,
        aggregations=dict(symbols.aggregations), key_questions=dict(symbols.key_questions),
        statements=dict(symbols.statements), criteria=dict(symbols.criteria),
        tests=tuple(symbols.tests), graph=graph, order=judgement_order(graph),
        criteria_sha256=run.loaded.criteria_sha256,
        references=MappingProxyType(symbols.references))
