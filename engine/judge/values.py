"""Runtime values of the criteria language: unknown, ranges, evidence with provenance.

Values are plain Python where possible (numbers, strings, booleans, dates,
lists, dicts, None for JSON null). Added here:

- ``UNKNOWN``: evidence that was not provided. Kleene logic throughout.
- ``Gap``: an unknown that knows where it would have come from (type, file,
  pointer), so the trace can name the missing evidence.
- ``Ev``: a known evidence value with its provenance (type, file, pointer).
- ``Range``: an uncertain number such as a level that may be 2 to 4.
- ``Dur``: a duration (``12 months``); months and years move the calendar.

>>> and3(True, UNKNOWN), or3(True, UNKNOWN), not3(UNKNOWN)
(unknown, True, unknown)
>>> compare(">=", Range(2, 4), 2), compare(">=", Range(2, 4), 3)
(True, unknown)
>>> add_duration(dt.date(2025, 3, 31), Dur(-1, "months"))
datetime.date(2025, 2, 28)
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import namedtuple
from dataclasses import dataclass
from typing import Any


class _Unknown:
    """The one unknown value: evidence not provided. Never equal to anything but itself."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "unknown"

    def __bool__(self) -> bool:  # INVARIANT: code must test `is UNKNOWN`, never truthiness
        raise TypeError("unknown has no truth value; use the Kleene helpers")


UNKNOWN: Any = _Unknown()


# Ev and Gap are made for every value a condition reads, so they are tuples
# underneath (made without a Python ``__init__``: see ``new_ev``), with named fields.
# They keep the identity semantics of plain objects: equal only to themselves.


class Gap(namedtuple("_Gap", "type file pointer schema", defaults=(None,))):
    """Unknown evidence, with where it would have been: type, file (None if absent), pointer."""

    __slots__ = ()
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"Gap({self.type}#{self.pointer})"


class Ev(namedtuple("_Ev", "value type file pointer schema", defaults=(None,))):
    """A known evidence value (a leaf, a record or a list) and where it came from."""

    __slots__ = ()
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"Ev({self.type}#{self.pointer}={self.value!r})"


# ``new_ev(Ev, (value, type, file, pointer, schema))`` and ``new_ev(Gap, (type, file,
# pointer, schema))``: the same as calling the class, one Python call less (hot paths).
new_ev = tuple.__new__


@dataclass(frozen=True, slots=True)
class Range:
    """A number known only to lie in [low, high]: a level "2 to 4", or arithmetic on one."""

    low: Any
    high: Any

    def __repr__(self) -> str:
        return f"{self.low}" if self.low == self.high else f"{self.low} to {self.high}"


@dataclass(frozen=True, slots=True)
class Dur:
    """A duration: ``amount`` of ``unit`` (days, weeks, months, years)."""

    amount: float
    unit: str

    def __repr__(self) -> str:
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        return f"{amount} {self.unit}"


class Fault(Exception):
    """A fault of arithmetic or types at run time: the value becomes unknown, with a warning."""


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN or type(value) is Gap


# ---------------------------------------------------------------- Kleene logic


def truth(value: Any) -> Any:
    """``value`` as True, False or UNKNOWN; a non-boolean is a fault."""
    if value is True or value is False:
        return value
    if is_unknown(value):
        return UNKNOWN
    raise Fault(f"expected true or false, got {describe(value)}")


def and3(a: Any, b: Any) -> Any:
    if a is False or b is False:
        return False
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    return True


def or3(a: Any, b: Any) -> Any:
    if a is True or b is True:
        return True
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    return False


def not3(a: Any) -> Any:
    return UNKNOWN if a is UNKNOWN else not a


def all3(values: list[Any]) -> Any:
    result = True
    for v in values:
        if v is False:
            return False
        if v is UNKNOWN:
            result = UNKNOWN
    return result


def any3(values: list[Any]) -> Any:
    result = False
    for v in values:
        if v is True:
            return True
        if v is UNKNOWN:
            result = UNKNOWN
    return result


# ---------------------------------------------------------------- comparison


def is_number(value: Any) -> bool:
    return type(value) in (int, float) or type(value) is Range


def _bounds(value: Any) -> tuple[Any, Any]:
    return (value.low, value.high) if type(value) is Range else (value, value)


_ORDERED = (int, float, str, dt.date)


def _check_ordered(a: Any, b: Any) -> None:
    ta = "number" if is_number(a) else type(a)
    tb = "number" if is_number(b) else type(b)
    if ta != tb or (ta != "number" and ta not in _ORDERED and ta is not Dur):
        raise Fault(f"cannot compare {describe(a)} with {describe(b)}")


def compare(op: str, a: Any, b: Any) -> Any:
    """``a op b`` for == != < <= > >= (three-valued when either side is a Range)."""
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    if type(a) is Range or type(b) is Range:
        return _compare_ranges(op, a, b)
    if type(a) is dt.date and type(b) is str:
        b = _as_date(b)
    elif type(b) is dt.date and type(a) is str:
        a = _as_date(a)
    if op == "==":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    _check_ordered(a, b)
    if type(a) is Dur:
        a, b = _duration_days(a), _duration_days(b)
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _as_date(text: str) -> dt.date:
    """An ISO date written as text (a schema without ``format: date``), compared with a date."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Fault(f"cannot compare a date with the text `{text[:40]}`: "
                    "write dates as YYYY-MM-DD") from None


def _equal(a: Any, b: Any) -> bool:
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    return a == b


def _compare_ranges(op: str, a: Any, b: Any) -> Any:
    if not (is_number(a) and is_number(b)):
        if op in ("==", "!="):
            return op == "!="
        raise Fault(f"cannot compare {describe(a)} with {describe(b)}")
    alo, ahi = _bounds(a)
    blo, bhi = _bounds(b)
    if op in ("==", "!="):
        if alo == ahi == blo == bhi:
            result: Any = True
        elif ahi < blo or bhi < alo:
            result = False
        else:
            result = UNKNOWN
        return result if op == "==" else not3(result)
    if op == "<":
        return True if ahi < blo else False if alo >= bhi else UNKNOWN
    if op == "<=":
        return True if ahi <= blo else False if alo > bhi else UNKNOWN
    if op == ">":
        return True if alo > bhi else False if ahi <= blo else UNKNOWN
    return True if alo >= bhi else False if ahi < blo else UNKNOWN


def member(a: Any, container: Any) -> Any:
    """``a in container``: a list, or a string (substring)."""
    if a is UNKNOWN or container is UNKNOWN:
        return UNKNOWN
    if type(container) is str:
        if type(a) is not str:
            raise Fault(f"cannot look for {describe(a)} in a string")
        return a in container
    if type(container) is not list:
        raise Fault(f"`in` needs a list, got {describe(container)}")
    if type(a) is Range:
        lo, hi = a.low, a.high
        if not (float(lo).is_integer() and float(hi).is_integer()):
            return UNKNOWN
        hits = [any(_equal(n, x) for x in container) for n in range(int(lo), int(hi) + 1)]
        return True if all(hits) else False if not any(hits) else UNKNOWN
    if any(x is UNKNOWN for x in container):
        return True if any(_equal(a, x) for x in container) else UNKNOWN
    return any(_equal(a, x) for x in container)


# ---------------------------------------------------------------- arithmetic


def arith(op: str, a: Any, b: Any) -> Any:
    """``a op b`` for + - * /; dates move by durations; faults raise ``Fault``."""
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    ta, tb = type(a), type(b)
    if ta is dt.date or tb is dt.date:
        return _date_arith(op, a, b)
    if ta is Dur and tb is Dur and op in "+-":
        if a.unit != b.unit:
            raise Fault(f"cannot add {describe(a)} and {describe(b)}: different units")
        return Dur(a.amount + b.amount if op == "+" else a.amount - b.amount, a.unit)
    if ta is Dur and is_number(b) and tb is not Range and op in "*/":
        if op == "/" and b == 0:
            raise Fault("division by zero")
        return Dur(a.amount * b if op == "*" else a.amount / b, a.unit)
    if not (is_number(a) and is_number(b)):
        raise Fault(f"cannot compute {describe(a)} {op} {describe(b)}")
    if ta is Range or tb is Range:
        return _range_arith(op, a, b)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        raise Fault("division by zero")
    return _tidy(a / b)


def _tidy(x: float) -> int | float:
    return int(x) if isinstance(x, float) and x.is_integer() and abs(x) < 2**53 else x


def _range_arith(op: str, a: Any, b: Any) -> Range:
    alo, ahi = _bounds(a)
    blo, bhi = _bounds(b)
    if op == "+":
        return Range(alo + blo, ahi + bhi)
    if op == "-":
        return Range(alo - bhi, ahi - blo)
    if op == "/":
        if blo <= 0 <= bhi:
            raise Fault("division by a range that includes zero")
        corners = [alo / blo, alo / bhi, ahi / blo, ahi / bhi]
    else:
        corners = [alo * blo, alo * bhi, ahi * blo, ahi * bhi]
    return Range(_tidy(min(corners)), _tidy(max(corners)))


def negate(a: Any) -> Any:
    if a is UNKNOWN:
        return UNKNOWN
    if type(a) is Range:
        return Range(-a.high, -a.low)
    if type(a) is Dur:
        return Dur(-a.amount, a.unit)
    if not is_number(a):
        raise Fault(f"cannot negate {describe(a)}")
    return -a


def _date_arith(op: str, a: Any, b: Any) -> Any:
    if type(a) is dt.date and type(b) is Dur and op in "+-":
        return add_duration(a, b if op == "+" else Dur(-b.amount, b.unit))
    if type(a) is Dur and type(b) is dt.date and op == "+":
        return add_duration(b, a)
    if type(a) is dt.date and type(b) is dt.date and op == "-":
        return Dur((a - b).days, "days")
    raise Fault(f"cannot compute {describe(a)} {op} {describe(b)}")


def add_duration(date: dt.date, dur: Dur) -> dt.date:
    """``date`` moved by ``dur``; months and years move the calendar month, clamping the day.

    >>> add_duration(dt.date(2024, 2, 29), Dur(1, "years"))
    datetime.date(2025, 2, 28)
    """
    if dur.unit in ("days", "weeks"):
        days = dur.amount * (7 if dur.unit == "weeks" else 1)
        if not float(days).is_integer():
            raise Fault(f"{describe(dur)} is not a whole number of days")
        try:
            return date + dt.timedelta(days=int(days))
        except OverflowError as err:
            raise Fault("the date is out of range") from err
    months = dur.amount * (12 if dur.unit == "years" else 1)
    if not float(months).is_integer():
        raise Fault(f"{describe(dur)} is not a whole number of months")
    index = date.year * 12 + (date.month - 1) + int(months)
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise Fault("the date is out of range")
    day = min(date.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day)


def _duration_days(d: Any) -> float:
    if type(d) is not Dur:
        raise Fault(f"cannot compare a duration with {describe(d)}")
    if d.unit in ("days", "weeks"):
        return d.amount * (7 if d.unit == "weeks" else 1)
    raise Fault(f"cannot compare {describe(d)}: months and years have no fixed length in days")


# ---------------------------------------------------------------- display


def describe(value: Any) -> str:
    """A short description of a value's kind, for messages."""
    if value is None:
        return "none"
    if is_unknown(value):
        return "unknown"
    if type(value) is bool:
        return "true or false"
    if type(value) in (int, float):
        return f"the number {value}"
    if type(value) is str:
        return "a string"
    if type(value) is dt.date:
        return "a date"
    if type(value) is Dur:
        return f"the duration {value!r}"
    if type(value) is Range:
        return f"the range {value!r}"
    if type(value) is list:
        return "a list"
    if type(value) is dict:
        return "a record"
    return type(value).__name__


def to_json(value: Any, limit: int = 20) -> Any:
    """A JSON-ready form of a value for the trace: dates as ISO strings, big containers summarised."""
    t = type(value)
    if t is str or t is int or t is bool or value is None:     # most values read: as they are
        return value
    if value is UNKNOWN or t is Gap:
        return None
    if t is Ev:
        return to_json(value.value, limit)
    if t is dt.date:
        return value.isoformat()
    if t is Dur:
        return repr(value)
    if t is Range:
        return value.low if value.low == value.high else {"low": value.low, "high": value.high}
    if t is list:
        if len(value) <= limit and all(type(v) in (str, int, float, bool, type(None), dt.date)
                                       for v in value):
            return [to_json(v) for v in value]
        return f"a list of {len(value)}"
    if t is dict:
        return f"a record of {len(value)} field{'s' if len(value) != 1 else ''}"
    if t is float and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    return value
