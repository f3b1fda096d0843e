"""The checking half of the pipeline: files -> parse -> resolve -> graph -> types -> lint.

``check_set(path)`` runs every check and returns a ``CheckedSet`` (or None when
there are errors) with every diagnostic, sorted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from engine.evidence.schemas import EvidenceSchema
from engine.language import nodes
from engine.language.diagnostics import Diagnostics
from engine.language.source import SourceFile


@dataclass(frozen=True)
class CheckedSet:
    """A criteria set that passed every check: what the compiler needs.

    ``graph`` edges point from a node to what it depends on (a key question to
    its statements, a statement to its criteria, a criterion to the evidence it
    reads and to the criteria or statements named by ``level(...)``).
    ``order`` lists criteria, statements and key questions with every node
    after everything it depends on.
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


def check_set(path: Path) -> tuple[CheckedSet | None, Diagnostics]:
    """Check the criteria directory (or single file) at ``path``."""
    raise NotImplementedError("the checker is being built (issue 2)")
