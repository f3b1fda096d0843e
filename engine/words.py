"""The words people read: levels, ranges, numbers and coverage, written one way everywhere.

Every output (the CLI, ``explain``, the reports, batch's summary and index, the criteria-test
runner) writes a judgement through these functions, so "2 to 3" is never "2-3" in one place
and "2–3" in another. Pure functions of plain data; no imports from the rest of the engine.

>>> level_range(2, 3)
'2 to 3'
>>> level_range(2, 2)
'2'
>>> number(33.333333333333336)
'33.3'
>>> number(58.0)
'58'
>>> percent(87.96)
'88%'
>>> percent(87.96, decimals=1)
'88%'
>>> percent(87.25, decimals=1)
'87.3%'
>>> coverage(1, 8, "statement")
'judged on 1 of 8 statements'
>>> coverage(8, 8, "statement")
''
>>> print(printable("north\\nfield\\x1b[31m"))
north\\nfield\\x1b[31m
>>> needs(">=", "90%")
'at least 90%'
>>> needs(">=", "2024-06-30", dates=True)
'a date on or after 2024-06-30'
>>> not_yet_provided(["staff_survey.yaml, question q3f"])
'not yet provided: staff_survey.yaml, question q3f'
"""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

NO_LEVEL = "–"


def number(value: Any, decimals: int = 1) -> str:
    """A number as a person writes it: whole numbers without a point, others to at most
    ``decimals`` places (halves up), never a raw float such as ``33.333333333333336``.

    >>> number(1e30)
    '1000000000000000000000000000000'
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    quantum = Decimal(1).scaleb(-decimals) if decimals > 0 else Decimal(1)
    with localcontext() as context:
        # Room for any float: its whole part has at most 309 digits (the default 28 would
        # make quantize fail on 1e30).
        context.prec = 330 + max(decimals, 0)
        rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    text = format(rounded, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def percent(value: Any, decimals: int = 0) -> str:
    """A percentage: whole percents by default (``decimals=1`` keeps one place when it is
    not zero)."""
    return f"{number(value, decimals)}%"


def level_range(low: int | None, high: int | None, none: str = NO_LEVEL) -> str:
    """A level or range as digits: "2", "2 to 3", or a dash (``none``) when there is none.
    Written with "to", never a hyphen, so a spreadsheet keeps it as text rather than a date.

    >>> level_range(None, None, none="no level")
    'no level'
    """
    if low is None:
        return none
    if high is None or high == low:
        return str(low)
    return f"{low} to {high}"


def judgement(label: str | None, max_label: str | None, low: int | None, high: int | None,
              status: str | None = None) -> str:
    """A judgement in words: "Established", "Developing, could be Established",
    "Not assessed: evidence needed", "Not applicable"."""
    if status == "not_applicable":
        return "Not applicable"
    if low is None:
        return "Not assessed: evidence needed"
    label = label or f"Level {low}"
    if high not in (None, low):
        return f"{label}, could be {max_label or f'level {high}'}"
    return label


def plural(count: int, noun: str) -> str:
    """``plural(1, "statement")`` -> "1 statement"; ``plural(3, "criterion")`` -> "3 criteria"."""
    if count == 1:
        return f"1 {noun}"
    irregular = {"criterion": "criteria", "key question": "key questions"}
    return f"{count} {irregular.get(noun, noun + 's')}"


def coverage(assessed: int, of: int, noun: str) -> str:
    """ "judged on 1 of 8 statements" when part of a node's children have no level of their
    own; empty when every child was judged (nothing to say)."""
    if assessed >= of:
        return ""
    return f"judged on {assessed} of {plural(of, noun)}"


# C0 and C1 controls, DEL, and the Unicode marks that reorder or hide text (bidirectional
# overrides and isolates, zero-width characters, line and paragraph separators).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e"
                              "\u2066-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, keep_lines: bool = False) -> str:
    """A name from a bundle (a file, a provider) as it may be shown: control characters,
    terminal escape sequences and text-reordering marks written as visible escapes
    (``\\n``, ``\\x1b``, ``\\u202e``), so a name cannot forge a line of a message or
    recolour a terminal. ``keep_lines`` keeps line breaks (``\\n``, ``\\r``) and tabs (for
    longer text shown in a page, where a line break forges nothing)."""
    return (_CONTROL_IN_TEXT if keep_lines else _CONTROL).sub(_escape, text)


_NEEDS = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than",
          "==": "exactly", "!=": "anything but", "in": "one of", "not in": "none of"}
_FLIPPED = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}


_DATES = {">=": "a date on or after", ">": "a date after", "<=": "a date on or before",
          "<": "a date before"}


def needs(op: str, threshold: str, flipped: bool = False, dates: bool = False) -> str:
    """What a comparison asks for, in words: ``needs(">=", "90%")`` -> "at least 90%".
    ``flipped``: the threshold was written on the left (``90 <= x``); ``dates``: it is a date."""
    if flipped:
        op = _FLIPPED.get(op, op)
    return f"{(_DATES if dates else _NEEDS).get(op, _NEEDS.get(op, op))} {threshold}"


def not_yet_provided(places: list[str]) -> str:
    """Evidence a condition needs that the bundle does not hold, in one phrase."""
    return "not yet provided: " + "; ".join(places)


# ---------------------------------------------------------------- outcomes and values read

NOT_KNOWN = "not known"


def trace_value(value: Any, known: bool = True) -> str:
    """A value read as the working (explain, the criteria-test runner) shows it: exactly, as
    JSON, or "unknown" when the evidence was not there.

    >>> trace_value({"b": 1.5, "a": "é"}), trace_value(None, known=False)
    ('{"a": "é", "b": 1.5}', 'unknown')
    """
    if not known:
        return "unknown"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def ladder(outcomes: list[tuple[int, str]], low: int, high: int) -> str:
    """The working of a ladder: each rung's outcome ("true", "false", "unknown") and the range.

    >>> ladder([(2, "true"), (3, "unknown")], 2, 3)
    'rung 2 true, rung 3 unknown: level 2, could be 3'
    >>> ladder([], 1, 1)
    'no rungs: level 1'
    """
    if not outcomes:
        return "no rungs: level 1"
    parts = ", ".join(f"rung {level} {outcome}" for level, outcome in outcomes)
    verdict = f"level {low}" if low == high else f"level {low}, could be {high}"
    return f"{parts}: {verdict}"


_RUNG = {"true": "met", "false": "not met", "unknown": "unknown"}
_RUNG_PLAIN = {"true": "met", "false": "not yet met", "unknown": "not known yet"}
_APPLIES_PLAIN = {"true": "applies", "false": "does not apply here",
                  "unknown": "not known, so treated as applying"}
_CONCERN = {"true": "raised", "false": "not raised", "unknown": "not checked"}
_CONCERN_STATE = {"raised": "raised", "not_raised": "not raised", "not_checked": "not checked"}


def rung_outcome(outcome: str, plain: bool = False) -> str:
    """A rung's outcome: "met", "not met", "unknown" in the working; with ``plain`` (the
    reports' developmental words) "met", "not yet met", "not known yet".

    >>> rung_outcome("false"), rung_outcome("false", plain=True)
    ('not met', 'not yet met')
    """
    return (_RUNG_PLAIN if plain else _RUNG).get(outcome, _RUNG_PLAIN["unknown"] if plain
                                                 else outcome)


def cap_outcome(outcome: str, level: int, effect: str | None = None, plain: bool = False) -> str:
    """A cap in words. In the working, what it did (``effect``: "both", "low" or None); with
    ``plain``, what it means for the level.

    >>> cap_outcome("true", 2, "both"), cap_outcome("false", 2)
    ('level held at 2', 'no effect')
    >>> cap_outcome("unknown", 3, plain=True)
    'may apply: assured level held at 3'
    """
    if plain:
        return {"true": f"applies: held at level {level}", "false": "does not apply"}.get(
            outcome, f"may apply: assured level held at {level}")
    return {"both": f"level held at {level}", "low": f"assured level held at {level}"}.get(
        effect or "", "no effect")


def applies_outcome(outcome: str) -> str:
    """Whether a criterion applies, in the reports' words.

    >>> applies_outcome("unknown")
    'not known, so treated as applying'
    """
    return _APPLIES_PLAIN.get(outcome, _APPLIES_PLAIN["unknown"])


def concern_outcome(outcome: str, why_unchecked: str = "evidence not provided") -> str:
    """A concern's condition ("true", "false", "unknown") as where the concern stands.

    >>> concern_outcome("true"), concern_outcome("unknown")
    ('raised', 'not checked (evidence not provided)')
    """
    words = _CONCERN.get(outcome, "")
    return f"{words} ({why_unchecked})" if outcome == "unknown" else words


def concern_state(state: str, why_unchecked: str = "its condition is unknown") -> str:
    """A concern's state in result.json (``raised``, ``not_raised``, ``not_checked``) in words.

    >>> concern_state("not_checked")
    'not checked (its condition is unknown)'
    """
    words = _CONCERN_STATE.get(state, state.replace("_", " "))
    return f"{words} ({why_unchecked})" if state == "not_checked" else words


def count_of(assessed: int, of: int, noun: str) -> str:
    """How many of a node's parts have a level of their own, always said.

    >>> count_of(7, 8, "statement")
    '7 of 8 statements'
    """
    return f"{assessed} of {plural(of, noun)}"


_RELATIVE = re.compile(r"^assessment\.date ([-+]) (\d+(?:\.\d+)?) (\w+)$")


def relative_date(text: str) -> str:
    """A threshold written relative to the assessment date, in words.

    >>> relative_date("assessment.date - 12 months")
    '12 months before the assessment date'
    >>> relative_date("2024-01-01")
    '2024-01-01'
    """
    m = _RELATIVE.match(text)
    if not m:
        return text
    when = "before" if m.group(1) == "-" else "after"
    return f"{m.group(2)} {m.group(3)} {when} the assessment date"


def value_words(value: Any, percent_: bool = False, places: int = 1) -> str:
    """A plain value read, in words, for a sentence ("appraisal rate is 88%"): yes/no, a
    number or percentage, a short list joined by "or", a date, a quoted text.

    >>> value_words(True), value_words(87.96, percent_=True), value_words(["a", "b"])
    ('yes', '88%', '"a" or "b"')
    >>> value_words(list(range(9)))
    '9 items'
    """
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return percent(value, places) if percent_ else number(value, places)
    if isinstance(value, list):
        if 0 < len(value) <= 6 and all(isinstance(x, str | int | float) for x in value):
            return " or ".join(value_words(x, percent_, places) for x in value)
        return plural(len(value), "item")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return f'"{value}"' if isinstance(value, str) else str(value)
