"""Located, coded problems: collected, sorted, and formatted one way everywhere.

Codes are stable. ``E0xx`` are errors (the set cannot be used); ``W1xx`` are
warnings (it can, but something is probably not what the author meant).

>>> d = Diagnostics()
>>> d.error("E010", "unknown criterion `staf`", Span("a.crit", 2, 5, 2, 9))
>>> d.has_errors
True
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from engine.language.source import SourceFile, Span, snippet

CODES: Mapping[str, str] = {
    # syntax and files
    "E001": "syntax error",
    "E002": "a criteria file cannot be read",
    "E003": "duplicate identifier",
    # names
    "E010": "unknown reference",
    "E011": "a name is used as the wrong kind of thing",
    "E012": "a function is not called in one of its forms",
    # graph
    "E020": "dependency cycle",
    # levels and ladders
    "E030": "level outside the scale",
    "E031": "rung given twice",
    "E032": "scale levels are not consecutive from 1",
    "E033": "framework declaration missing or repeated",
    "E034": "invalid aggregation",
    "E035": "concern text given twice",
    "E036": "category not listed in the framework's `categories`",
    # evidence and types
    "E040": "field not defined by the evidence schema",
    "E041": "type mismatch",
    "E042": "missing or invalid evidence schema",
    "E043": "invalid test block",
    # warnings
    "W101": "criterion with no rung",
    "W102": "evidence declared but never read",
    "W103": "`let` defined but never used",
    "W104": "statement under no key question",
    "W105": "criterion without a category in a statement that aggregates by category",
}

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem at one place: ``path:line:col: error[E010]: message``."""

    code: str
    severity: Severity
    message: str
    span: Span
    help: str | None = None
    related: tuple[tuple[str, Span], ...] = ()

    @property
    def sort_key(self) -> tuple:
        return (self.span.path, self.span.line, self.span.column, self.code, self.message)

    def format(self, sources: Mapping[str, SourceFile] | None = None) -> str:
        where = self.span.start if self.span.line > 0 else self.span.path
        head = f"{where}: {self.severity}[{self.code}]: {self.message}"
        parts = [head]
        source = (sources or {}).get(self.span.path)
        snip = snippet(source, self.span)
        if snip:
            parts.append(snip)
        for note, span in self.related:
            parts.append(f"  note: {note} at {span.start}")
        if self.help:
            parts.append(f"  help: {self.help}")
        return "\n".join(parts)

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "path": self.span.path,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "help": self.help,
            "related": [{"note": n, "at": s.start} for n, s in self.related],
        }


@dataclass
class Diagnostics:
    """Every problem found in one run; ``sorted()`` by file, line and column."""

    items: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, SourceFile] = field(default_factory=dict)

    def error(self, code: str, message: str, span: Span, help: str | None = None,
              related: Iterable[tuple[str, Span]] = ()) -> None:
        self.items.append(Diagnostic(code, "error", message, span, help, tuple(related)))

    def warning(self, code: str, message: str, span: Span, help: str | None = None,
                related: Iterable[tuple[str, Span]] = ()) -> None:
        self.items.append(Diagnostic(code, "warning", message, span, help, tuple(related)))

    def extend(self, other: Diagnostics) -> None:
        self.items.extend(other.items)
        self.sources.update(other.sources)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.sorted() if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.sorted() if d.severity == "warning"]

    def sorted(self) -> list[Diagnostic]:
        seen: set[Diagnostic] = set()
        unique = [d for d in self.items if not (d in seen or seen.add(d))]
        return sorted(unique, key=lambda d: d.sort_key)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.sorted())

    def __len__(self) -> int:
        return len(self.items)

    def format(self) -> str:
        return "\n".join(d.format(self.sources) for d in self.sorted())


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A ``did you mean `x`?`` help line when a candidate is close to ``name``."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.75)
    return f"did you mean `{close[0]}`?" if close else None
