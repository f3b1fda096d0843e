"""Validating one evidence document against its JSON Schema, in plain words.

Every problem of a document is found (not just the first) and each becomes a
``(pointer, message)`` pair, sorted by where it is in the document. Messages
say what was expected the way a person filling the file would put it, and
never quote the value of a field marked ``"x-sensitive"``.

>>> from engine.evidence.schemas import EvidenceSchema
>>> s = EvidenceSchema("ftsu", "FTSU", False, None, {"type": "object",
...     "properties": {"cases": {"type": "integer"}}, "required": ["cases"]})
>>> validate_document(s, {"cases": "many"})
[('/cases', 'expected a whole number, got text `many`')]
>>> validate_document(s, {"cases": None})
[('/cases', 'still to fill: expected a whole number')]
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from engine.evidence.patterns import search as pattern_search
from engine.evidence.pointers import pointer_of
from engine.evidence.schemas import EvidenceSchema

_TYPE_WORDS = {
    "object": "an object (fields and values)",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing (null)",
}

_FORMAT_WORDS = {
    "date": "a date as YYYY-MM-DD",
    "date-time": "a date and time as YYYY-MM-DDTHH:MM:SSZ",
    "email": "an email address",
    "uri": "a web address (URI)",
}


def validate_document(schema: EvidenceSchema, data: Any) -> list[tuple[str, str]]:
    """Every problem of ``data`` against ``schema``: ``(json pointer, message)``, sorted."""
    check = schema.fast_check
    if check is not None and check(data):
        return []
    problems: list[tuple[tuple[Any, ...], str, str]] = []
    # A null value (a template placeholder) breaks several keywords at once; say
    # "still to fill" once per place, with the most telling expectation.
    unfilled: dict[tuple[Any, ...], tuple[int, str]] = {}
    for error in schema.validator.iter_errors(data):
        if error.instance is None and error.validator in _NULL_PRIORITY:
            path = tuple(error.absolute_path)
            rank = _NULL_PRIORITY[error.validator]
            if path not in unfilled or rank < unfilled[path][0]:
                unfilled[path] = (rank, _still_to_fill(error))
            continue
        for path, message in _describe(schema, error):
            problems.append((_sort_key(path), pointer_of(path), message))
    for path, (_, message) in unfilled.items():
        problems.append((_sort_key(path), pointer_of(path), message))
    problems.sort()
    unique: list[tuple[str, str]] = []
    for _, pointer, message in problems:
        if (pointer, message) not in unique[-1:]:
            unique.append((pointer, message))
    return unique


_NULL_PRIORITY = {"enum": 0, "const": 1, "type": 2, "format": 3, "anyOf": 4, "oneOf": 4}


def _still_to_fill(error) -> str:
    if error.validator == "enum":
        choices = ", ".join(f"`{_shown(c)}`" for c in error.validator_value)
        return f"still to fill: expected one of {choices}"
    if error.validator == "const":
        return f"still to fill: expected `{_shown(error.validator_value)}`"
    fmt = error.schema.get("format") if isinstance(error.schema, dict) else None
    if fmt in _FORMAT_WORDS:
        return f"still to fill: expected {_FORMAT_WORDS[fmt]}"
    if error.validator == "type":
        return f"still to fill: expected {_expected_type(error.validator_value)}"
    return "still to fill"


def _sort_key(path) -> tuple[Any, ...]:
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in path)


def kind_of(value: Any) -> str:
    """What a JSON value is, in words: ``text``, ``a whole number``, ``a list``..."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _got(schema: EvidenceSchema, path, value: Any) -> str:
    """``got <what>``: the value itself unless the field is sensitive or it is a container."""
    if isinstance(value, (dict, list)) or value is None or isinstance(value, bool):
        return f"got {kind_of(value)}"
    if schema.is_sensitive(pointer_of(path)):
        return f"got {kind_of(value)} (not shown: sensitive field)"
    if isinstance(value, str):
        return f"got text `{_shown(value)}`" if value else "got empty text"
    return f"got `{_shown(value)}`"


def _expected_type(types: Any) -> str:
    names = types if isinstance(types, list) else [types]
    return " or ".join(_TYPE_WORDS.get(t, str(t)) for t in names)


def _describe(schema: EvidenceSchema, error) -> list[tuple[tuple[Any, ...], str]]:
    """One error as ``(path, message)`` pairs (more than one for several unknown fields)."""
    path = tuple(error.absolute_path)
    value = error.instance
    keyword = error.validator
    arg = error.validator_value
    if keyword == "required":
        props = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        missing = [name for name in arg if isinstance(value, dict) and name not in value]
        return [((*path, name), "required field is missing" + _type_hint(props.get(name)))
                for name in missing]
    if keyword == "additionalProperties" and isinstance(value, dict):
        known = sorted(error.schema.get("properties", {}))
        extras = [k for k in value if k not in known and not _matches_pattern(error.schema, k)]
        return [((*path, k), _unknown_field(k, known)) for k in extras]
    if keyword == "type":
        message = f"expected {_expected_type(arg)}, {_got(schema, path, value)}"
        hint = near_miss(arg, value) if not schema.is_sensitive(pointer_of(path)) else None
        return [(path, f"{message}; {hint}" if hint else message)]
    return [(path, _simple(schema, keyword, arg, value, path, error))]


_NUMBER_TEXT = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_YES_NO = {"yes": "true", "no": "false", "y": "true", "n": "false", "on": "true",
           "off": "false", "true": "true", "false": "false"}


def near_miss(expected: Any, value: Any) -> str | None:
    """A hint when text was given that is nearly the number or true/false expected.

    >>> near_miss("integer", "1,234")
    'write numbers without commas or spaces: `1234`'
    >>> near_miss("number", "87%")
    'write the number without the percent sign: `87`'
    >>> near_miss("boolean", "yes")
    'write `true` or `false` (without quotes), here `true`'
    """
    names = expected if isinstance(expected, list) else [expected]
    if not isinstance(value, str):
        return None
    text = value.strip()
    if "boolean" in names and text.lower() in _YES_NO:
        return f"write `true` or `false` (without quotes), here `{_YES_NO[text.lower()]}`"
    if not ({"integer", "number"} & set(names)):
        return None
    if _NUMBER_TEXT.fullmatch(text):
        return "write the number without quotes"
    bare = text
    for sign in ("£", "$", "€"):
        bare = bare.replace(sign, "")
    if bare.endswith("%") and _NUMBER_TEXT.fullmatch(bare[:-1].strip()):
        return f"write the number without the percent sign: `{bare[:-1].strip()}`"
    plain = bare.replace(",", "").replace(" ", "").replace("\u00a0", "")
    if plain != bare and _NUMBER_TEXT.fullmatch(plain):
        return f"write numbers without commas or spaces: `{plain}`"
    if bare != text and _NUMBER_TEXT.fullmatch(plain):
        return f"write the number without the currency sign: `{plain}`"
    return None


def date_problem(value: Any) -> str | None:
    """What is wrong with text meant as a YYYY-MM-DD date, in words (None: nothing to say).

    >>> date_problem("2025-13-01")
    'the month 13 is out of range (1 to 12)'
    >>> date_problem("2025-02-30")
    'the day 30 is out of range for February 2025 (it has 28 days)'
    >>> date_problem("30/06/2025")
    'write dates as YYYY-MM-DD: `2025-06-30`'
    """
    import calendar

    if not isinstance(value, str):
        return None
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value.strip())
    if match:
        year, month, day = (int(g) for g in match.groups())
        if not 1 <= month <= 12:
            return f"the month {month} is out of range (1 to 12)"
        days = calendar.monthrange(year, month)[1] if year >= 1 else 31
        if not 1 <= day <= days:
            return (f"the day {day} is out of range for {calendar.month_name[month]} {year} "
                    f"(it has {days} days)")
        if value.strip() != value or len(value.strip()) != 10:
            return f"write dates as YYYY-MM-DD: `{year:04d}-{month:02d}-{day:02d}`"
        return None
    match = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", value.strip())
    if match:
        day, month, year = (int(g) for g in match.groups())
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f"write dates as YYYY-MM-DD: `{year:04d}-{month:02d}-{day:02d}`"
    return None


def _type_hint(sub: Any) -> str:
    if isinstance(sub, dict) and "type" in sub:
        return f" (expected {_expected_type(sub['type'])})"
    return ""


def _matches_pattern(node: dict[str, Any], key: str) -> bool:
    return any(pattern_search(p, key) for p in node.get("patternProperties", {}))


def _unknown_field(key: str, known: list[str]) -> str:
    message = f"unknown field `{_shown(key)}`"
    close = difflib.get_close_matches(key, known, n=1)
    if close:
        return f"{message}; did you mean `{close[0]}`?"
    if known:
        return f"{message} (known fields: {', '.join(known)})"
    return message


def _simple(schema: EvidenceSchema, keyword: str, arg: Any, value: Any, path, error) -> str:
    got = _got(schema, path, value)
    if keyword == "enum":
        choices = ", ".join(f"`{_shown(c)}`" for c in arg)
        message = f"expected one of {choices}, {got}"
        if isinstance(value, str) and not schema.is_sensitive(pointer_of(path)):
            close = difflib.get_close_matches(value, [c for c in arg if isinstance(c, str)], n=1)
            if close:
                message += f"; did you mean `{close[0]}`?"
        return message
    if keyword == "const":
        return f"expected `{_shown(arg)}`, {got}"
    if keyword == "format":
        problem = date_problem(value) if arg == "date" and not schema.is_sensitive(
            pointer_of(path)) else None
        if problem is not None and problem.startswith("the "):
            return f"`{_shown(value)}` is not a date: {problem}"
        message = f"expected {_FORMAT_WORDS.get(arg, f'{arg} format')}, {got}"
        return f"{message}; {problem}" if problem else message
    bounds = {
        "minimum": "at least", "maximum": "at most",
        "exclusiveMinimum": "more than", "exclusiveMaximum": "less than",
    }
    if keyword in bounds:
        return f"expected a number {bounds[keyword]} {arg}, {got}"
    if keyword == "multipleOf":
        return f"expected a multiple of {arg}, {got}"
    if keyword in ("minLength", "maxLength"):
        word = "at least" if keyword == "minLength" else "at most"
        return f"expected text of {word} {arg} character{'s' if arg != 1 else ''}"
    if keyword in ("minItems", "maxItems"):
        word = "at least" if keyword == "minItems" else "at most"
        return f"expected {word} {arg} item{'s' if arg != 1 else ''}, got {len(value)}"
    if keyword in ("minProperties", "maxProperties"):
        word = "at least" if keyword == "minProperties" else "at most"
        return f"expected {word} {arg} field{'s' if arg != 1 else ''}, got {len(value)}"
    if keyword == "uniqueItems":
        return "expected every item to be different, but some are repeated"
    if keyword == "pattern":
        return f"expected text matching the pattern `{arg}`, {got}"
    if keyword in ("anyOf", "oneOf"):
        inner = sorted(error.context or [], key=lambda e: len(e.absolute_path), reverse=True)
        if keyword == "oneOf" and not inner:
            return "matches more than one of the allowed forms; make it match exactly one"
        if inner:
            first = _describe(schema, inner[0])[0][1] if _describe(schema, inner[0]) else ""
            return f"matches none of the allowed forms (for example: {first})"
        return "matches none of the allowed forms"
    if keyword == "not":
        return "is a value that is not allowed here"
    if keyword == "dependentRequired":
        return f"fields needed with this one are missing: {error.message}"
    return error.message
