"""Types from JSON Schemas: what is known of a value, and what a schema node says of it.

References are followed by the one schema walker (``engine.evidence.schema_walk``).

A type here is what is known of a value: the kinds it may be (number, string,
date, duration, boolean, null, list, record) and, for evidence, the JSON
Schema node that describes it. Where nothing is known (a schema without a
``type``, an unresolved name) the checker is permissive: it never reports a
problem it cannot be sure of.

>>> schema = {"type": "object", "properties": {"score": {"type": "number"}}}
>>> field_type(from_schema(schema, schema), "score").kinds
frozenset({'number'})
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from engine.evidence.patterns import pattern_problem
from engine.evidence.patterns import search as pattern_search
from engine.evidence.schema_walk import deref

# ---------------------------------------------------------------- types


@dataclass(frozen=True, eq=False)
class Ty:
    """What is known of a value's type; ``kinds`` None means nothing is known."""

    kinds: frozenset[str] | None = None
    schema: Any = None
    root: Any = None
    item: Ty | None = None
    fields: dict[str, Ty] | None = None


def of_kinds(*kinds: str) -> Ty:
    """The type whose value is one of ``kinds``: ``of_kinds("number")``."""
    return Ty(frozenset(kinds))


ANY, NUMBER, STRING, BOOLEAN = Ty(), of_kinds("number"), of_kinds("string"), of_kinds("boolean")
DATE, DURATION, NULL = of_kinds("date"), of_kinds("duration"), of_kinds("null")

WORDS = {"number": "a number", "string": "a string", "date": "a date",
         "duration": "a duration", "boolean": "true or false", "list": "a list",
         "record": "a record", "null": "none"}
_JSON_KINDS = {"integer": "number", "number": "number", "string": "string",
               "boolean": "boolean", "null": "null", "array": "list", "object": "record"}


def describe(ty: Ty) -> str:
    """``ty`` in words for a message: "a number or a string" (null is left out)."""
    kinds = sorted((ty.kinds or frozenset()) - {"null"}) or sorted(ty.kinds or ())
    return " or ".join(WORDS[k] for k in kinds)


def known_kinds(ty: Ty) -> frozenset[str] | None:
    """The kinds of ``ty`` apart from null, or None if nothing useful is known."""
    return None if ty.kinds is None else _without_null(ty.kinds)


@functools.lru_cache(maxsize=None)      # pure, over at most 2^8 kind sets
def _without_null(kinds: frozenset[str]) -> frozenset[str] | None:
    return (kinds - {"null"}) or None


# ---------------------------------------------------------------- JSON Schema


def from_schema(node: Any, root: Any) -> Ty:
    """The type a JSON Schema node describes."""
    node = deref(node, root)
    if not isinstance(node, dict):
        return ANY
    return Ty(_schema_kinds(node, root), node, root)


def _schema_kinds(node: dict, root: Any, depth: int = 0) -> frozenset[str] | None:
    declared = node.get("type")
    if isinstance(declared, str):
        declared = [declared]
    if isinstance(declared, list):
        kinds = {_JSON_KINDS.get(t) for t in declared if isinstance(t, str)}
        if None in kinds:
            return None
        if "string" in kinds and node.get("format") == "date":
            kinds = (kinds - {"string"}) | {"date"}
        return frozenset(kinds)
    values = node["enum"] if isinstance(node.get("enum"), list) else (
        [node["const"]] if "const" in node else None)
    if values is not None:
        return frozenset(value_kind(v) for v in values)
    for key in ("anyOf", "oneOf"):
        if isinstance(node.get(key), list) and depth < 8:
            parts = [_schema_kinds(deref(s, root), root, depth + 1) if isinstance(
                deref(s, root), dict) else None for s in node[key]]
            if not parts or any(p is None for p in parts):
                return None
            return frozenset().union(*parts)
    return None


def value_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "list", dict: "record"}.get(type(value), "string")


def _parts(node: dict, root: Any) -> list[dict]:
    """``node`` and its ``allOf`` parts, dereferenced."""
    out = [node]
    for sub in node.get("allOf", []) if isinstance(node.get("allOf"), list) else []:
        sub = deref(sub, root)
        if isinstance(sub, dict):
            out.append(sub)
    return out


def property_schema(node: dict, root: Any, name: str) -> tuple[bool, Ty, list[str]]:
    """``(defined, type, known names)`` of property ``name`` of an object schema."""
    parts = _parts(node, root)
    names: list[str] = []
    for part in parts:
        props = part.get("properties")
        if isinstance(props, dict):
            if name in props:
                return True, from_schema(props[name], root), []
            names.extend(props)
    for part in parts:
        patterns = part.get("patternProperties")
        if isinstance(patterns, dict):
            for pattern, sub in patterns.items():
                if pattern_problem(pattern) is not None:   # E042 already said so
                    return True, ANY, []
                if pattern_search(pattern, name):         # RE2: linear time, see patterns.py
                    return True, from_schema(sub, root), []
    if any(isinstance(part.get(k), list) for part in parts for k in ("anyOf", "oneOf")):
        return True, ANY, names
    extra = [part.get("additionalProperties") for part in parts]
    if any(isinstance(x, dict) for x in extra):
        sub = next(x for x in extra if isinstance(x, dict))
        return True, from_schema(sub, root), names
    if any(x is True for x in extra):
        return True, ANY, names
    # INVARIANT: an object schema that lists its properties and says nothing of
    # others is taken as closed, so that a misspelt field is caught (see decisions).
    closed = bool(names) or any(x is False for x in extra)
    return not closed, ANY, names


def field_type(ty: Ty, name: str) -> Ty:
    """The type of ``ty.name`` without reporting anything (for tests and tools)."""
    if ty.fields is not None:
        return ty.fields.get(name, ANY)
    if isinstance(ty.schema, dict):
        return property_schema(ty.schema, ty.root, name)[1]
    return ANY


def item_type(ty: Ty, index: int | None = None) -> Ty:
    """The type of an element of the list ``ty``."""
    if ty.item is not None:
        return ty.item
    if isinstance(ty.schema, dict):
        prefix = ty.schema.get("prefixItems")
        if index is not None and isinstance(prefix, list) and 0 <= index < len(prefix):
            return from_schema(prefix[index], ty.root)
        items = ty.schema.get("items")
        if isinstance(items, dict):
            return from_schema(items, ty.root)
    return ANY
