"""``schema_problem`` (the inlined meta-schema) says what jsonschema's ``check_schema`` says.

E042 reports an evidence schema that is not a valid JSON Schema. To make that
check cheap, ``engine.evidence.schemas`` validates against the 2020-12
meta-schema with its vocabularies inlined; these tests hold it to the same
verdict and the same first message as ``Draft202012Validator.check_schema``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from engine.evidence.schemas import _meta_fast_check, _meta_validator, schema_problem

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = sorted(ROOT.glob("evidence_schemas/*.json")) + sorted(ROOT.glob("reports/*.json")) \
    + sorted(ROOT.glob("tests/**/*.schema.json"))


def reference(schema) -> str | None:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        return err.message
    return None


def test_there_are_shipped_schemas_to_compare():
    assert len(SHIPPED) >= 18


def test_the_inlined_meta_schema_is_built():
    # Otherwise schema_problem quietly asks check_schema, and every comparison
    # below would compare check_schema with itself.
    assert _meta_validator() is not None
    # and compiled to closures: a valid schema never reaches jsonschema
    assert _meta_fast_check() is not None


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_project_schemas_get_the_same_answer_both_ways(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema_problem(schema) == reference(schema)
    if not path.is_relative_to(ROOT / "tests"):  # the test folders hold broken ones on purpose
        assert schema_problem(schema) is None


BAD = [
    {"type": "strin"},
    {"type": ["string", 3]},
    {"properties": {"a": {"minimum": "x"}}},
    {"required": "a"},
    {"required": ["a", "a"]},
    {"$defs": {"a": {"type": 5}}},
    {"items": {"pattern": "("}},
    {"minLength": -1},
    {"enum": 3},
    {"additionalProperties": 3},
    {"anyOf": []},
    {"prefixItems": [{"type": "nope"}]},
    {"dependentRequired": {"a": [1]}},
    {"definitions": {"a": {"type": "x"}}},
    {"dependencies": {"a": 7}},
    {"$ref": 5},
    {"$id": 5},
    {"$schema": 5},
    {"$anchor": "not an anchor!"},
    {"$vocabulary": {"x": "yes"}},
    {"format": 7},
    {"contentMediaType": 1},
    {"unevaluatedProperties": "no"},
    {"properties": {"a": {"properties": {"b": {"items": {"maximum": "high"}}}}}},
    {"not": {"multipleOf": 0}},
    {"patternProperties": {"(": {}}},
    {"propertyNames": {"pattern": "[a-"}},
    {"$defs": {"a": {"patternProperties": {"ok": {}, "[": {}}}}},
    3,
    "string",
    None,
    [],
]


@pytest.mark.parametrize("schema", BAD, ids=repr)
def test_bad_schemas_get_the_same_first_message(schema):
    assert schema_problem(schema) == reference(schema)
    assert reference(schema) is not None


KEYWORDS = ["type", "properties", "items", "required", "minimum", "maxLength", "enum", "$ref",
            "$defs", "anyOf", "allOf", "not", "format", "pattern", "additionalProperties",
            "x-sensitive", "const", "prefixItems", "$id", "dependencies", "uniqueItems",
            "patternProperties", "propertyNames", "[", "(a)"]
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False)
    | st.sampled_from(["string", "object", "integer", "date", "(", "#/$defs/a", "a"]),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(KEYWORDS + ["a", "b"]), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_random_schemas_get_the_same_verdict_and_message(schema):
    assert schema_problem(schema) == reference(schema)
