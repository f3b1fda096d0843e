"""The compiled form of a criteria set: immutable, reusable for any number of bundles.

A ``CriteriaSet`` holds each criterion (``CompiledCriterion``) and each statement
or key question (``CompiledParent``) with their rungs and caps (``Step``),
concerns (``Concern``) and, for a rung, its condition broken down to its parts
(``Breakdown``, ``Part``) for the next step's words. Conditions are closures
``f(ctx) -> value`` made by ``engine/judge/expressions.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from engine.evidence.schemas import EvidenceSchema
from engine.judge.context import Fn
from engine.language import nodes as n
from engine.language.check import CheckedSet


@dataclass(frozen=True)
class Part:
    """One comparison (or other plain condition) of a rung, for the next step's words.

    Built once per set. A comparison keeps its two sides as closures, so the value
    read and the threshold can be shown; ``subject`` names the side read from the
    evidence ("appraisal rate"), ``threshold_left`` says which side is the threshold
    (the side that is the same for the whole bundle)."""

    text: str                      # as written in the criteria, spaces folded
    when: Fn | None                # a plain condition (not a comparison)
    left: Fn | None
    right: Fn | None
    op: str | None
    subject: str | None
    threshold_left: bool = False
    percent: bool = False
    threshold_text: str | None = None   # the threshold as written, when it is not a literal
    lets: tuple[str, ...] = ()          # `let` names it reads (their gaps are its gaps)
    said: str | None = None             # a plain condition in words, made at compile time


@dataclass(frozen=True)
class Breakdown:
    """A condition as its ``and``/``or`` structure down to its parts."""

    op: str | None                 # "and", "or", or None for a part
    items: tuple[Breakdown, ...] = ()
    part: Part | None = None


@dataclass(frozen=True)
class Step:
    """A rung or a cap: its level, compiled condition, notes and where it is written."""

    level: int
    when: Fn
    because: str | None
    advice: str | None
    source: str
    breakdown: Breakdown | None = None    # rungs: their parts, for the next step


@dataclass(frozen=True)
class Concern:
    """A concern: its text, compiled condition, advice and where it is written."""

    node: str
    text: str
    when: Fn
    advice: str | None
    source: str
    line: tuple[str, int]          # (file, line): the sort key of ``source``


@dataclass(frozen=True)
class CompiledCriterion:
    id: str
    title: str
    parent: str
    category: str
    good: str | None
    applies: Fn | None
    applies_source: str | None
    lets: tuple[tuple[str, Fn, str], ...]
    rungs: tuple[Step, ...]
    caps: tuple[Step, ...]
    source: str
    kind: str = "criterion"
    concerns: tuple[Concern, ...] = ()


@dataclass(frozen=True)
class Aggregation:
    id: str
    title: str
    method: str
    round: str | None
    bands: tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class CompiledParent:
    """A statement or key question: its children and how they combine."""

    id: str
    kind: str
    title: str
    parent: str | None
    children: tuple[str, ...]
    aggregation: Aggregation
    by_category: Aggregation | None
    caps: tuple[Step, ...]
    we: str | None
    good: str | None
    regulations: tuple[str, ...]
    source: str
    concerns: tuple[Concern, ...] = ()


@dataclass(frozen=True)
class CriteriaSet:
    """A compiled criteria set: immutable, reusable for any number of bundles."""

    root: Path
    framework: n.Framework
    scale: tuple[n.ScaleLevel, ...]
    top: int
    nodes: Mapping[str, CompiledCriterion | CompiledParent]
    order: tuple[str, ...]
    schemas: Mapping[str, EvidenceSchema]
    evidence_titles: Mapping[str, str]
    evidence_ids_read: frozenset[str]
    criteria_sha256: str
    tests: tuple[tuple[n.Test, Path], ...]
    checked: CheckedSet = field(repr=False, compare=False)

    @property
    def root_id(self) -> str:
        return self.framework.root or self.order[-1]

    def label(self, level: int | None) -> str | None:
        return None if level is None else self.scale[level - 1].label
