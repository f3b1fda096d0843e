"""The one JSON Schema walker (engine/evidence/schema_walk.py): references, expansion, children.

Every reader of a schema's structure goes through it (the type checker, the bundle
check, the fast validator, x-sensitive and date look-ups, init's templates), so each
rule is pinned here in a table.
"""

from __future__ import annotations

import pytest

from engine.evidence.pointers import at, escape, pointer_of, tokens
from engine.evidence.schema_walk import (
    anchors,
    children,
    deref,
    expand,
    ref_loop,
    resolve,
    subschemas,
    walk,
)

ROOT = {
    "type": "object",
    "properties": {"lead": {"$ref": "#/$defs/person"}, "a/b": {"type": "string"}},
    "$defs": {
        "person": {"$anchor": "person", "type": "object",
                   "properties": {"name": {"type": "string"}}},
        "percent%": {"type": "number"},
        "dyn": {"$dynamicAnchor": "dynamic", "type": "integer"},
        "twice1": {"$anchor": "twice", "type": "string"},
        "twice2": {"$anchor": "twice", "type": "integer"},
        "no": False,
        "list": [1, 2],
        "data": {"const": {"$anchor": "in-data"}, "enum": [{"$anchor": "in-enum"}]},
    },
}
DEFS = ROOT["$defs"]


# ---------------------------------------------------------------- pointers

@pytest.mark.parametrize("path, pointer", [
    ((), ""),
    (("a",), "/a"),
    (("staff", 0, "name"), "/staff/0/name"),
    (("a/b", "c~d"), "/a~1b/c~0d"),
    (("",), "/"),
])
def test_pointers_round_trip(path, pointer):
    assert pointer_of(path) == pointer
    assert tokens(pointer) == [str(p) for p in path]
    assert "".join("/" + escape(p) for p in path) == pointer


@pytest.mark.parametrize("path, expected", [
    ([], ROOT),
    (["properties", "a/b", "type"], "string"),
    (["$defs", "list", "1"], 2),
    (["$defs", "list", "2"], None),
    (["$defs", "list", "x"], None),
    (["nowhere"], None),
])
def test_at(path, expected):
    assert at(ROOT, path) == expected


# ---------------------------------------------------------------- references

@pytest.mark.parametrize("ref, expected", [
    ("#", ROOT),
    ("#/$defs/person", DEFS["person"]),
    ("#/properties/a~1b", ROOT["properties"]["a/b"]),
    ("#/$defs/percent%25", DEFS["percent%"]),           # a URI fragment is percent-decoded
    ("#person", DEFS["person"]),                          # an anchor
    ("#dynamic", DEFS["dyn"]),                            # $dynamicAnchor is an anchor too
    ("#/$defs/no", False),                                # a boolean schema counts
    ("#/$defs/list", None),                               # a list is not a schema
    ("#/$defs/missing", None),
    ("#twice", None),                                     # defined twice: no single target
    ("#in-data", None),                                   # const and enum hold data, not schemas
    ("#in-enum", None),
    ("other.schema.json#/x", None),                       # another file: never followed
    ("https://example.org/s.json", None),
    (7, None),
])
def test_resolve(ref, expected):
    assert resolve(ROOT, ref) is expected if isinstance(expected, (dict, bool)) \
        else resolve(ROOT, ref) == expected


def test_anchors_marks_a_name_defined_twice():
    found = anchors(ROOT)
    assert found["person"] is DEFS["person"]
    assert found["twice"] is None
    assert "in-data" not in found


CHAIN = {"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/c"},
                   "c": {"type": "integer"}, "loop": {"$ref": "#/$defs/loop"}}}


@pytest.mark.parametrize("node, expected", [
    ({"$ref": "#/$defs/a"}, {"type": "integer"}),        # a chain is followed to its end
    ({"$ref": "#/$defs/c"}, {"type": "integer"}),
    ({"$ref": "#/$defs/loop"}, {}),                      # a loop gives "says nothing"
    ({"$ref": "#/$defs/nowhere"}, {}),
    ({"$ref": "elsewhere.json"}, {}),
    ({"type": "string"}, {"type": "string"}),            # no $ref: the node itself
    (True, True),
    ("not a schema", "not a schema"),
])
def test_deref(node, expected):
    assert deref(node, CHAIN) == expected


# ---------------------------------------------------------------- structure

def _types(nodes):
    return sorted(str(n.get("type")) for n in nodes)


@pytest.mark.parametrize("schema, expected", [
    ({"type": "object"}, ["object"]),
    ({"allOf": [{"type": "a"}], "anyOf": [{"type": "b"}], "oneOf": [{"type": "c"}]},
     ["None", "a", "b", "c"]),
    ({"if": {"type": "i"}, "then": {"type": "t"}, "else": {"type": "e"}},
     ["None", "e", "t"]),                                # `if` tests, it does not apply
    ({"not": {"type": "n"}}, ["None"]),                  # `not` says what the value is not
    ({"$ref": "#/$defs/x", "$defs": {"x": {"type": "x"}}}, ["None", "x"]),
    ({"$ref": "#", "type": "self"}, ["self"]),           # a reference round to itself: once
    ({"$ref": "#missing", "type": "t"}, ["t"]),
])
def test_expand(schema, expected):
    assert _types(expand(schema, [schema])) == expected


NODE = {"properties": {"a": {"type": "a"}}, "patternProperties": {"^p": {"type": "p"}},
        "additionalProperties": {"type": "extra"},
        "prefixItems": [{"type": "first"}], "items": {"type": "item"}}


@pytest.mark.parametrize("token, expected", [
    ("a", ["a"]),
    ("pa", ["p"]),                   # a pattern matches: additionalProperties does not apply
    ("zz", ["extra"]),
    ("0", ["extra", "first"]),       # an index: its prefixItems entry (and, as a name, extra)
    ("5", ["extra", "item"]),
])
def test_children(token, expected):
    assert _types(children([NODE], token)) == expected


def test_subschemas_give_each_direct_subschema_with_its_pointer():
    node = {"properties": {"a/b": {}}, "allOf": [{}, {}], "items": {}, "$defs": {"d": {}},
            "not": {}, "enum": [{}], "const": {}}
    assert sorted(p for p, _ in subschemas(node, "/x")) == [
        "/x/$defs/d", "/x/allOf/0", "/x/allOf/1", "/x/items", "/x/not", "/x/properties/a~1b"]


def test_walk_visits_every_schema_once_root_first_and_never_data():
    pointers = [p for p, _ in walk(ROOT)]
    assert pointers[0] == ""
    assert len(pointers) == len(set(pointers))
    assert "/$defs/person/properties/name" in pointers
    assert not any("const" in p or "enum" in p for p in pointers)


@pytest.mark.parametrize("schema, loops", [
    ({"$defs": {"a": {"$ref": "#/$defs/a"}}}, True),
    ({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}}, True),
    ({"$defs": {"a": {"allOf": [{"$ref": "#/$defs/a"}]}}}, True),
    ({"$defs": {"a": {"not": {"$ref": "#/$defs/a"}}}}, True),
    ({"$defs": {"a": {"if": {"$ref": "#/$defs/a"}}}}, True),
    ({"$defs": {"a": {"$anchor": "x", "anyOf": [{"$ref": "#x"}]}}}, True),
    ({"properties": {"child": {"$ref": "#"}}}, False),      # a tree: each step goes down
    ({"items": {"$ref": "#"}}, False),
    ({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"type": "integer"}}}, False),
    ({"$defs": {"a": {"$ref": "#/$defs/missing"}}}, False),  # a dangling ref is not a loop
])
def test_ref_loop(schema, loops):
    found = ref_loop(schema)
    assert (found is not None) == loops
    if loops:
        assert found.startswith("these references go round in a loop and never reach a value")
