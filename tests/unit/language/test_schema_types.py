"""Types from JSON Schemas: the kinds a schema node allows, and its fields and items.

The type checker trusts these answers to say "the schema defines no field X" (E040), so each
case below is one way a schema can say what a value is, or leave it open.
"""

from __future__ import annotations

import pytest

from engine.language.schema_types import (
    ANY,
    Ty,
    describe,
    field_type,
    from_schema,
    item_type,
    property_schema,
)

DEFS = {"$defs": {"pct": {"type": ["number", "null"]}, "loop": {"$ref": "#/$defs/loop"},
                  "n": {"$anchor": "count", "type": "integer"}}}


@pytest.mark.parametrize("node,kinds", [
    ({"type": "integer"}, {"number"}),
    ({"type": "number"}, {"number"}),
    ({"type": ["string", "null"]}, {"string", "null"}),
    ({"type": "string", "format": "date"}, {"date"}),
    ({"type": "string", "format": "email"}, {"string"}),
    ({"type": "array"}, {"list"}),
    ({"type": "object"}, {"record"}),
    ({"enum": [1, "a", None]}, {"number", "string", "null"}),
    ({"const": True}, {"boolean"}),
    ({"anyOf": [{"type": "string"}, {"$ref": "#/$defs/pct"}]}, {"string", "number", "null"}),
    ({"oneOf": [{"type": "string"}, {}]}, None),         # one part says nothing: unknown
    ({"$ref": "#/$defs/pct"}, {"number", "null"}),
    ({"$ref": "#/$defs/nothing"}, None),                 # unresolvable: nothing known
    ({"$ref": "#count"}, {"number"}),                    # an anchor (the schema walker's)
    ({"$ref": "#/%24defs/pct"}, {"number", "null"}),     # percent-encoded, as in a URI
    ({"$ref": "#/$defs/loop"}, None),                    # a loop ends, knowing nothing
    ({"$ref": "other.json#/x"}, None),                   # not local: never followed
    ({"type": "frobnicate"}, None),                      # a type we do not know
    ({}, None),
])
def test_kinds_a_schema_node_allows(node, kinds):
    ty = from_schema(node, {**DEFS, **node})
    assert ty.kinds == (None if kinds is None else frozenset(kinds))


SCHEMA = {
    "type": "object",
    "properties": {"year": {"type": "integer"}, "q": {"$ref": "#/$defs/q"}},
    "allOf": [{"properties": {"extra": {"type": "boolean"}}}],
    "$defs": {
        "q": {"type": "object", "additionalProperties": {"type": "number"}},
        "pat": {"type": "object", "patternProperties": {"^n_": {"type": "string"}},
                "additionalProperties": False},
        "closed": {"type": "object", "additionalProperties": False},
        "open": {"type": "object"},
        "either": {"anyOf": [{"properties": {"a": {"type": "string"}}}]},
    },
}


@pytest.mark.parametrize("where,name,defined,kinds,known", [
    ("", "year", True, {"number"}, []),
    ("", "extra", True, {"boolean"}, []),                # from an allOf part
    ("", "yeer", False, None, ["year", "q", "extra"]),   # listed properties: closed
    ("q", "anything", True, {"number"}, []),             # additionalProperties schema
    ("pat", "n_one", True, {"string"}, []),              # patternProperties
    ("pat", "other", False, None, []),
    ("closed", "x", False, None, []),
    ("open", "x", True, None, []),                       # says nothing of its fields: open
    ("either", "b", True, None, []),                     # anyOf: cannot be sure
])
def test_a_field_against_an_object_schema(where, name, defined, kinds, known):
    node = SCHEMA["$defs"][where] if where else SCHEMA
    found, ty, names = property_schema(node, SCHEMA, name)
    assert (found, ty.kinds, sorted(names)) == (
        defined, None if kinds is None else frozenset(kinds), sorted(known))


@pytest.mark.parametrize("path,kinds", [
    (["year"], {"number"}),
    (["q", "safe"], {"number"}),
    (["q", "safe", "deeper"], None),      # a number has no fields: nothing known
    (["nope"], None),
])
def test_field_type_follows_a_path(path, kinds):
    ty = from_schema(SCHEMA, SCHEMA)
    for name in path:
        ty = field_type(ty, name)
    assert ty.kinds == (None if kinds is None else frozenset(kinds))


@pytest.mark.parametrize("node,index,kinds", [
    ({"type": "array", "items": {"type": "string"}}, None, {"string"}),
    ({"type": "array", "prefixItems": [{"type": "number"}], "items": {"type": "string"}}, 0,
     {"number"}),
    ({"type": "array", "prefixItems": [{"type": "number"}], "items": {"type": "string"}}, 1,
     {"string"}),
    ({"type": "array"}, None, None),
])
def test_item_type_of_a_list(node, index, kinds):
    ty = item_type(from_schema(node, node), index)
    assert ty.kinds == (None if kinds is None else frozenset(kinds))


def test_item_type_of_a_list_built_by_the_checker():
    number = Ty(frozenset({"number"}))
    assert item_type(Ty(frozenset({"list"}), item=number)) is number
    assert item_type(ANY) is ANY


@pytest.mark.parametrize("kinds,words", [
    ({"number"}, "a number"),
    ({"number", "null"}, "a number"),            # null is left out when there is more
    ({"null"}, "none"),
    ({"string", "number"}, "a number or a string"),
    ({"boolean", "date"}, "true or false or a date"),
])
def test_describe_says_a_type_in_words(kinds, words):
    assert describe(Ty(frozenset(kinds))) == words
