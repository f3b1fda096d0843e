"""The fast validator: a schema compiled once into a ``document -> bool`` closure.

Most documents are valid, and jsonschema's general machinery costs far more than
the check itself. A schema that uses only the keywords in ``KEYWORDS`` is turned
into plain Python closures (never generated code: nothing is exec-ed) that answer
"valid or not"; only an invalid document goes through jsonschema, for its full
messages (``validate.py``). A schema with any other keyword always goes through
jsonschema.

The table is laid out the way jsonschema lays out its own (``_keywords.py`` and a
validator's ``VALIDATORS``): one function per keyword, and a table from keyword to
function. Each function is called once, when the schema is compiled, as
``function(compile, value, schema)``: ``compile`` turns a subschema into its closure,
``value`` is the keyword's value, ``schema`` the object holding it. It returns the
keyword's closure, or None when the keyword constrains nothing (an annotation).

INVARIANT: a closure may reject what jsonschema accepts (the slow path then finds
no problem), but must never accept what jsonschema rejects.
tests/unit/evidence/test_fast_validator.py holds it with hypothesis.

>>> check = compile_check({"type": "object", "required": ["cases"],
...                        "properties": {"cases": {"type": "integer", "minimum": 0}}})
>>> check({"cases": 3}), check({"cases": -1}), check({})
(True, False, False)
>>> compile_check({"$dynamicRef": "#meta"}) is None   # not in the table: jsonschema decides
True
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import re2

from engine.evidence.patterns import compiled as compiled_pattern
from engine.evidence.schema_walk import resolve

Check = Callable[[Any], bool]

try:
    from jsonschema._utils import equal as _json_equal
    from jsonschema._utils import uniq as _json_unique
except ImportError:             # a jsonschema without them: no fast path for enum/uniqueItems
    _json_equal = _json_unique = None


class Unsupported(Exception):
    """The schema uses a keyword (or a form of one) the fast path does not know."""


class Compiler:
    """Turns the subschemas of one root schema into closures, each once.

    Called with a subschema it returns that subschema's check (what a keyword
    function calls ``compile``); ``root`` is the whole schema, for ``$ref``.
    """

    def __init__(self, root: Any):
        self.root = root
        self._memo: dict[int, Check] = {}

    def __call__(self, node: Any) -> Check:
        if node is True:
            return _always
        if node is False:
            return _never
        if not isinstance(node, dict):
            raise Unsupported
        memo = self._memo
        if id(node) in memo:
            return memo[id(node)]
        cell: list[Check] = []
        memo[id(node)] = lambda v: cell[0](v)     # a recursive $ref reaches itself
        checks = []
        for key, value in node.items():
            if key.startswith("x-"):
                continue
            function = KEYWORDS.get(key)
            if function is None:
                raise Unsupported
            check = function(self, value, node)
            if check is not None:
                checks.append(check)
        check = _all_of(checks)
        cell.append(check)
        memo[id(node)] = check
        return check


Compile = Compiler


def compile_check(root: Any) -> Check | None:
    """A function ``document -> bool`` equivalent to validating against ``root``, or None.

    None means the schema uses a keyword (or a form of one) the fast path does not support.
    """
    try:
        return Compiler(root)(root)
    except (Unsupported, TypeError, AttributeError, re.error, re2.error):
        return None


def _always(v: Any) -> bool:
    return True


def _never(v: Any) -> bool:
    return False


def _all_of(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:        # the common `type` and one more: no loop at all
        first, second = checks
        return lambda v: first(v) and second(v)
    checks = tuple(checks)

    def every(v: Any) -> bool:      # a plain loop: half the time of all() on a generator
        for check in checks:
            if not check(v):
                return False
        return True
    return every


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _number_arg(value: Any) -> Any:
    """A keyword's bound, which must be a number (a schema read by wellled is checked
    against the meta-schema first; this keeps a closure from failing on ``"5"``)."""
    if not _is_number(value):
        raise Unsupported
    return value


def _is_integer(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (
        isinstance(v, float) and v.is_integer())


# ---------------------------------------------------------------- keywords: any value

_TYPE_TESTS: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def type_(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    names = value if isinstance(value, list) else [value]
    if any(n not in _TYPE_TESTS for n in names):
        raise Unsupported
    tests = [_TYPE_TESTS[n] for n in names]
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(t(v) for t in tests)


def enum(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    if _json_equal is None:
        raise Unsupported
    choices = list(value)
    if choices and all(type(c) is str for c in choices):
        # Text choices: jsonschema's equal is ``==`` when either side is text, and no
        # JSON value other than text equals text: a set lookup says the same.
        texts = frozenset(choices)
        return lambda v: isinstance(v, str) and v in texts
    return lambda v: any(_json_equal(v, choice) for choice in choices)


def const(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    if _json_equal is None:
        raise Unsupported
    return lambda v: _json_equal(v, value)


# ---------------------------------------------------------------- keywords: applicators


def all_of(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    checks = [compile(s) for s in value]
    return lambda v: all(c(v) for c in checks)


def any_of(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    checks = [compile(s) for s in value]
    return lambda v: any(c(v) for c in checks)


def one_of(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    checks = [compile(s) for s in value]
    return lambda v: sum(1 for c in checks if c(v)) == 1


def not_(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    check = compile(value)
    return lambda v: not check(v)


def ref(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    """``$ref``: the schema it points at, in the same document (``schema_walk.resolve``)."""
    target = resolve(compile.root, value)
    if target is None:
        raise Unsupported
    return compile(target)


def if_(compile: Compile, value: Any, schema: dict[str, Any]) -> Check | None:
    """``if`` with ``then`` and ``else``: those two on their own constrain nothing."""
    if "then" not in schema and "else" not in schema:
        return None
    test = compile(value)
    then = compile(schema.get("then", True))
    otherwise = compile(schema.get("else", True))
    return lambda v: then(v) if test(v) else otherwise(v)


def _no_check(compile: Compile, value: Any, schema: dict[str, Any]) -> None:
    """A keyword that constrains nothing on its own (an annotation, or read by another)."""
    return None


# ---------------------------------------------------------------- keywords: objects


def properties(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    compiled = {name: compile(sub) for name, sub in value.items()}

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        for name, sub in compiled.items():
            if name in v and not sub(v[name]):
                return False
        return True
    return check


def pattern_properties(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    compiled = [(compiled_pattern(p), compile(s)) for p, s in value.items()]
    return lambda v: not isinstance(v, dict) or all(
        c(item) for k, item in v.items() for p, c in compiled if p.search(k) is not None)


def additional_properties(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    known = set(schema.get("properties", {}))
    patterns = [compiled_pattern(p) for p in schema.get("patternProperties", {})]
    check = compile(value)
    if check is _never and not patterns:
        # `additionalProperties: false` (every evidence schema): no key beyond `known`.
        frozen = frozenset(known)
        return lambda v: not isinstance(v, dict) or frozen.issuperset(v)
    return lambda v: not isinstance(v, dict) or all(
        check(item) for k, item in v.items()
        if k not in known and not any(p.search(k) is not None for p in patterns))


def required(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    names = list(value)
    if all(type(n) is str for n in names):
        wanted = frozenset(names)
        return lambda v: not isinstance(v, dict) or v.keys() >= wanted
    return lambda v: not isinstance(v, dict) or all(n in v for n in names)


def dependent_required(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    needs = {name: list(others) for name, others in value.items()}
    return lambda v: not isinstance(v, dict) or all(
        o in v for name, others in needs.items() if name in v for o in others)


def dependent_schemas(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    compiled = {name: compile(sub) for name, sub in value.items()}
    return lambda v: not isinstance(v, dict) or all(
        check(v) for name, check in compiled.items() if name in v)


def property_names(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    check = compile(value)
    return lambda v: not isinstance(v, dict) or all(check(k) for k in v)


def min_properties(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    _number_arg(value)
    return lambda v: not isinstance(v, dict) or len(v) >= value


def max_properties(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    _number_arg(value)
    return lambda v: not isinstance(v, dict) or len(v) <= value


# ---------------------------------------------------------------- keywords: arrays


def items(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    check = compile(value)
    start = len(schema.get("prefixItems", []))
    return lambda v: not isinstance(v, list) or all(check(i) for i in v[start:])


def prefix_items(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    checks = [compile(s) for s in value]
    return lambda v: not isinstance(v, list) or all(
        c(i) for c, i in zip(checks, v, strict=False))


def contains(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    """``contains`` with ``minContains`` (default 1) and ``maxContains``."""
    check = compile(value)
    low = _number_arg(schema.get("minContains", 1))
    high = schema.get("maxContains")
    if high is not None:
        _number_arg(high)

    def counted(v: Any) -> bool:
        if not isinstance(v, list):
            return True
        found = sum(1 for i in v if check(i))
        return found >= low and (high is None or found <= high)
    return counted


def min_items(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    _number_arg(value)
    return lambda v: not isinstance(v, list) or len(v) >= value


def max_items(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    _number_arg(value)
    return lambda v: not isinstance(v, list) or len(v) <= value


def unique_items(compile: Compile, value: Any, schema: dict[str, Any]) -> Check | None:
    if _json_unique is None:
        raise Unsupported
    return (lambda v: not isinstance(v, list) or _json_unique(v)) if value else None


# ---------------------------------------------------------------- keywords: numbers, text


def minimum(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    _number_arg(value)
    return lambda v: not _is_number(v) or v >= value


def maximum(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    _number_arg(value)
    return lambda v: not _is_number(v) or v <= value


def exclusive_minimum(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    _number_arg(value)
    return lambda v: not _is_number(v) or v > value


def exclusive_maximum(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    _number_arg(value)
    return lambda v: not _is_number(v) or v < value


def min_length(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    _number_arg(value)
    return lambda v: not isinstance(v, str) or len(v) >= value


def max_length(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    _number_arg(value)
    return lambda v: not isinstance(v, str) or len(v) <= value


def pattern(compile: Compile, value: Any, schema: dict[str, Any]) -> Check:
    rx = compiled_pattern(value)
    return lambda v: not isinstance(v, str) or rx.search(v) is not None


_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def _is_date(v: Any) -> bool:
    if not isinstance(v, str):
        return True
    if not _DATE_TEXT.fullmatch(v):
        return False
    try:
        datetime.date.fromisoformat(v)
    except ValueError:
        return False
    return True


def format_(compile: Compile, value: Any, schema: dict[str, Any]) -> Check | None:
    if value == "date":
        return _is_date
    from jsonschema import Draft202012Validator  # lazy: start-up

    checker = Draft202012Validator.FORMAT_CHECKER
    if value not in checker.checkers:
        return None         # a format jsonschema does not check: an annotation
    return lambda v: checker.conforms(v, value)


# ``multipleOf`` (float subtleties jsonschema handles its own way), ``$dynamicRef``,
# ``unevaluatedItems`` and ``unevaluatedProperties`` are left out: jsonschema decides.
KEYWORDS: dict[str, Callable[[Compile, Any, dict[str, Any]], Check | None]] = {
    # any value
    "type": type_, "enum": enum, "const": const,
    # applicators
    "$ref": ref, "allOf": all_of, "anyOf": any_of, "oneOf": one_of, "not": not_,
    "if": if_, "then": _no_check, "else": _no_check,
    # objects
    "properties": properties, "patternProperties": pattern_properties,
    "additionalProperties": additional_properties, "required": required,
    "dependentRequired": dependent_required, "dependentSchemas": dependent_schemas,
    "propertyNames": property_names,
    "minProperties": min_properties, "maxProperties": max_properties,
    # arrays
    "items": items, "prefixItems": prefix_items, "contains": contains,
    "minContains": _no_check, "maxContains": _no_check,
    "minItems": min_items, "maxItems": max_items, "uniqueItems": unique_items,
    # numbers and text
    "minimum": minimum, "maximum": maximum,
    "exclusiveMinimum": exclusive_minimum, "exclusiveMaximum": exclusive_maximum,
    "minLength": min_length, "maxLength": max_length, "pattern": pattern, "format": format_,
    # annotations and places for subschemas: no check of their own
    **{key: _no_check for key in (
        "$schema", "$id", "$comment", "$defs", "definitions", "$anchor", "title",
        "description", "examples", "default", "deprecated", "readOnly", "writeOnly")},
}
