"""The judgement record: what judging one node produced, as typed, frozen events.

``judge/assess.py`` makes one ``Judgement`` per node, holding its events in the order
they happened; every output reads them here, by attribute, and nowhere else by key:
``output/results.py`` writes them into ``result.json`` (the one place the document is
built) and reads a loaded ``result.json`` back into the same classes
(``results.events_of``); explain, the reports and the criteria-test runner read the
classes. An event kind exists here only if the judge produces it.

Events are cheap to make while judging: outcomes are ``True``, ``False`` or ``UNKNOWN``;
the values a part read are kept as they were read (``Ev`` and ``Gap`` from
``judge/values.py``, or a ``Read`` when the record comes from a written document); words
are made only when a document or a report is written.

Each class is a ``NamedTuple``: immutable, ``__slots__ = ()``, made at the speed of a tuple.
Two events are equal only when they are of the same kind and hold the same values.

>>> from engine.judge.values import UNKNOWN
>>> rung = Rung(2, "a.crit:4", UNKNOWN, None, None, (), 0, ())
>>> rung.kind, rung.outcome is UNKNOWN
('rung', True)
>>> rung.level = 3
Traceback (most recent call last):
...
AttributeError: can't set attribute
>>> Ladder(1, 1, "a.crit:2", "no rungs: level 1") == Excluded(1, 1, "a.crit:2")
False
"""

from __future__ import annotations

from typing import Any, NamedTuple

from engine.judge.values import UNKNOWN, Ev, Gap, to_json

# An outcome is True, False or UNKNOWN (three-valued logic); written "true", "false",
# "unknown" in result.json.
OUTCOMES = {"true": True, "false": False, "unknown": UNKNOWN}

SENSITIVE = "[sensitive]"


class Read(NamedTuple):
    """One value read as result.json shows it: where from, whether known, and the value
    (``"[sensitive]"`` in place of a sensitive one unless the outputs may quote it)."""

    type: str
    file: str | None
    pointer: str
    known: bool
    sensitive: bool
    value: Any


class LevelUse(NamedTuple):
    """A node's level as a condition took it with ``level(...)``: id, range and status."""

    id: str
    low: int
    high: int
    status: str


class Input(NamedTuple):
    """One input of an aggregation (a child or a category): its range, and its status
    (``not_assessed``: it took part as the whole scale)."""

    id: str
    low: int
    high: int
    status: str


class Applies(NamedTuple):
    """Whether a criterion applies (its ``applies when`` condition)."""

    source: str
    outcome: Any
    reads: tuple = ()
    reads_omitted: int = 0

    kind = "applies"


class Let(NamedTuple):
    """A ``let`` worked out: its name and value (``known``: not unknown)."""

    name: str
    source: str
    value: Any
    known: bool
    reads: tuple = ()
    reads_omitted: int = 0

    kind = "let"


class Rung(NamedTuple):
    """One rung of a criterion's ladder (or of nothing else): its level and outcome."""

    level: int
    source: str
    outcome: Any
    because: str | None
    advice: str | None
    reads: tuple = ()
    reads_omitted: int = 0
    levels: tuple[LevelUse, ...] = ()

    kind = "rung"


class Cap(NamedTuple):
    """A cap: the level a true condition holds the node at; ``effect`` says what it did
    ("both": both ends held, "low": the assured level held, None: nothing)."""

    level: int
    source: str
    outcome: Any
    because: str | None
    advice: str | None
    reads: tuple = ()
    reads_omitted: int = 0
    levels: tuple[LevelUse, ...] = ()
    effect: str | None = None

    kind = "cap"


class Ladder(NamedTuple):
    """The range the rungs give, and the working in words."""

    low: int
    high: int
    source: str
    text: str

    kind = "ladder"


class Aggregate(NamedTuple):
    """A statement's or key question's children (or categories) combined into a range."""

    aggregation: str
    method: str
    source: str
    low: int
    high: int
    inputs: tuple[Input, ...]
    text: str

    kind = "aggregate"


class Category(NamedTuple):
    """The children of one evidence category combined, before the parent's aggregation."""

    category: str
    aggregation: str
    method: str
    source: str
    low: int
    high: int
    inputs: tuple[Input, ...]
    text: str

    kind = "category"


class Excluded(NamedTuple):
    """A child left out of its parent's aggregation (it does not apply)."""

    id: str
    status: str
    source: str

    kind = "excluded"


class Concern(NamedTuple):
    """A concern's condition judged: true raises it, unknown leaves it not checked."""

    text: str
    advice: str | None
    source: str
    outcome: Any
    reads: tuple = ()
    reads_omitted: int = 0
    levels: tuple[LevelUse, ...] = ()

    kind = "concern"


Event = Applies | Let | Rung | Cap | Ladder | Aggregate | Category | Excluded | Concern
EVENTS: dict[str, type] = {cls.kind: cls for cls in
                           (Applies, Let, Rung, Cap, Ladder, Aggregate, Category, Excluded,
                            Concern)}


class ConcernState(NamedTuple):
    """A concern of a node and where it stands: ``raised``, ``not_checked`` or ``not_raised``."""

    node: str
    text: str
    advice: str | None
    source: str
    line: int
    state: str
    reads: tuple


class Unmet(NamedTuple):
    """A part of the next rung's condition that is not true, with what it read and, for a
    comparison, the two values compared."""

    part: Any               # compile.Part: its text, subject, operator, threshold
    outcome: Any
    reads: tuple
    left: Any = None
    right: Any = None


class Held(NamedTuple):
    """A cap holding the level down (the next step when every rung is met)."""

    cap: Cap


class NextStep(NamedTuple):
    """What the lowest rung not yet met still needs (or the caps holding the level)."""

    level: int
    advice: str | None
    unmet: tuple[Unmet | Held, ...]


def _same_kind_eq(self: tuple, other: object) -> bool:
    return type(self) is type(other) and tuple.__eq__(self, other)


def _same_kind_ne(self: tuple, other: object) -> bool:
    return not _same_kind_eq(self, other)


def _kind_hash(self: tuple) -> int:
    return hash((type(self).__name__, tuple.__hash__(self)))


for _cls in (Read, LevelUse, Input, *EVENTS.values(), ConcernState, Unmet, Held, NextStep):
    _cls.__eq__ = _same_kind_eq         # type: ignore[method-assign]
    _cls.__ne__ = _same_kind_ne         # type: ignore[method-assign]
    _cls.__hash__ = _kind_hash          # type: ignore[method-assign]


class Judgement:
    """What judging one node produced: status, range, advice and its events in order.

    ``reads``: every value read for its status (Ev and Gap); ``warnings``: (message,
    source) pairs; ``coverage``: a parent's (assessed, of) children that apply;
    ``concerns``: its own concerns and where each stands; ``next_step``: a criterion
    below the top, what is not yet met. Frozen once made.
    """

    __slots__ = ("status", "low", "high", "advice", "events", "reads", "warnings",
                 "coverage", "concerns", "next_step")

    def __init__(self, status: str, low: int | None, high: int | None,
                 advice: str | None = None, events: tuple = (), reads: tuple = (),
                 warnings: tuple[tuple[str, str], ...] = (),
                 coverage: tuple[int, int] | None = None,
                 concerns: tuple[ConcernState, ...] = (),
                 next_step: NextStep | None = None) -> None:
        set_ = object.__setattr__
        set_(self, "status", status)
        set_(self, "low", low)
        set_(self, "high", high)
        set_(self, "advice", advice)
        set_(self, "events", tuple(events))
        set_(self, "reads", tuple(reads))
        set_(self, "warnings", tuple(warnings))
        set_(self, "coverage", coverage)
        set_(self, "concerns", tuple(concerns))
        set_(self, "next_step", next_step)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a Judgement is frozen: cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"a Judgement is frozen: cannot delete {name}")

    def __eq__(self, other: object) -> bool:
        return type(other) is Judgement and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__)

    __hash__ = None     # type: ignore[assignment]

    def __repr__(self) -> str:
        span = "" if self.low is None else f" {self.low}..{self.high}"
        return f"Judgement({self.status}{span}, {len(self.events)} events)"

    def of_kind(self, cls: type) -> list:
        """The events of one class, in order: ``j.of_kind(Rung)``."""
        return [e for e in self.events if type(e) is cls]


# ---------------------------------------------------------------- values read


def outcome_text(outcome: Any) -> str:
    """An outcome as result.json writes it.

    >>> outcome_text(True), outcome_text(UNKNOWN)
    ('true', 'unknown')
    """
    return "unknown" if outcome is UNKNOWN else ("true" if outcome else "false")


def is_sensitive(r: Ev | Gap | Read) -> bool:
    """Whether a read's field is marked ``x-sensitive`` in its evidence schema."""
    if type(r) is Read:
        return r.sensitive
    check = getattr(r.schema, "is_sensitive", None)
    return bool(check(r.pointer)) if check is not None and r.pointer else False


def shown_value(r: Any, include: bool, sensitive: bool | None = None) -> Any:
    """A read's (or a let's) value as the outputs may show it, JSON-ready: ``None`` for
    evidence not provided, ``"[sensitive]"`` for a sensitive field unless ``include``.
    ``sensitive``: when the caller has already asked ``is_sensitive``."""
    t = type(r)
    if t is Gap:
        return None
    if t is Ev:
        if not include and (is_sensitive(r) if sensitive is None else sensitive):
            return SENSITIVE
        return to_json(r.value)
    if t is Read:
        return r.value
    return to_json(r)


def shown_read(r: Ev | Gap | Read, include: bool) -> Read:
    """One read as result.json shows it."""
    if type(r) is Read:
        return r
    sensitive = is_sensitive(r)
    return Read(r.type, r.file, r.pointer, type(r) is Ev, sensitive,
                shown_value(r, include, sensitive))


def shown_reads(reads: tuple | list, include: bool) -> list[Read]:
    """The reads of one event as result.json shows them, each place once, in order."""
    seen: dict[tuple, Read] = {}
    for r in reads:
        key = (r.type, r.file, r.pointer)
        if key not in seen:
            seen[key] = shown_read(r, include)
    return list(seen.values())


def is_known(r: Ev | Gap | Read) -> bool:
    """Whether a read found a value (``Ev``, or a written read marked known)."""
    return r.known if type(r) is Read else type(r) is Ev


__all__ = ["Read", "LevelUse", "Input", "Applies", "Let", "Rung", "Cap", "Ladder", "Aggregate",
           "Category", "Excluded", "Concern", "Event", "EVENTS", "ConcernState", "Unmet",
           "Held", "NextStep", "Judgement", "outcome_text", "is_sensitive", "shown_value",
           "shown_read", "shown_reads", "is_known", "OUTCOMES", "SENSITIVE"]
