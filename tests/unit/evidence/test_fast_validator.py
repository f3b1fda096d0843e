"""The fast validator never accepts a document that jsonschema rejects.

``fast_validator.compile_check`` turns an evidence schema into one ``document -> bool``
closure; a document it accepts is never shown to jsonschema. So a document it
wrongly accepts would slip into an assessment unchecked. Hypothesis takes each
valid document of the example bundles, with its shipped evidence schema, and
breaks it: other types, required fields dropped, unknown fields added, numbers
out of range, bad dates, near-miss choices. Whatever the fast check accepts,
jsonschema (Draft 2020-12, with format checking) must accept too.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from engine.evidence.read import parse_text
from engine.evidence.fast_validator import compile_check

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = {p.name.removesuffix(".schema.json"): json.loads(p.read_text(encoding="utf-8"))
           for p in sorted((ROOT / "evidence_schemas").glob("*.schema.json"))}


def _documents() -> list[tuple[str, object]]:
    """(evidence id, document) for every file of the example bundles with a shipped schema."""
    found = []
    for path in sorted((ROOT / "examples" / "bundles").rglob("*")):
        if path.suffix not in (".json", ".yaml", ".yml") or not path.is_file():
            continue
        bundle = next(p for p in path.parents if p.parent.name == "bundles")
        rel = path.relative_to(bundle)
        evidence_id = "bundle" if path.stem == "bundle" and len(rel.parts) == 1 \
            else rel.parts[0] if len(rel.parts) > 1 else path.stem
        if evidence_id in SCHEMAS:
            found.append((evidence_id, parse_text(path.read_bytes(), path.suffix)))
    return found


DOCUMENTS = _documents()
FAST = {evidence_id: compile_check(schema) for evidence_id, schema in SCHEMAS.items()}
FULL = {evidence_id: Draft202012Validator(schema,
                                          format_checker=Draft202012Validator.FORMAT_CHECKER)
        for evidence_id, schema in SCHEMAS.items()}


def test_the_comparison_has_material():
    """Every shipped schema compiles to a fast check, and the example documents pass both."""
    assert len(DOCUMENTS) >= 30
    assert not [e for e, check in FAST.items() if check is None]
    for evidence_id, document in DOCUMENTS:
        assert FULL[evidence_id].is_valid(document), evidence_id
        assert FAST[evidence_id](document), evidence_id


# ---------------------------------------------------------------- mutations

_BAD_DATES = ["2024-02-30", "2024-13-01", "2024-1-01", "24-01-01", "2024-01-01T00:00:00Z",
              " 2024-01-01", "2024-01-01 ", "2024/01/01", "", "٢٠٢٤-٠١-٠١", "2024-00-10",
              "2023-02-29", "2024-W01", "20240101"]
_NUMBERS = [-1, -0.5, 0, 0.5, 1, 1.0, 2.0, 99.5, 100, 100.0001, 101, 10**9, -(10**9),
            1e308, True, False]
_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                  st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
                  st.sampled_from(_BAD_DATES), st.sampled_from(_NUMBERS))
_VALUES = st.recursive(_LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6)


def _places(value, path=()):
    """Every place in a document, as a path of keys and indexes (the root is ())."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _places(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _places(item, path + (index,))


def _get(value, path):
    for step in path:
        value = value[step]
    return value


def _near_misses(value) -> list:
    """Values close to ``value`` that a schema might still reject."""
    if isinstance(value, bool):
        return [int(value), str(value).lower(), None, not value]
    if isinstance(value, int | float):
        return [value - 1, value + 1, value + 0.5, -value, float(value), str(value), None]
    if isinstance(value, str):
        return [value.upper(), value.capitalize(), value + " ", " " + value, value[:-1],
                value + "x", "", None, value.replace("-", "/"), [value]]
    if isinstance(value, list):
        return [value + value[:1], value[:-1], [], {}, None, value + [None]]
    if isinstance(value, dict):
        return [[value], None, {}]
    return ["", 0]


@st.composite
def mutated(draw):
    evidence_id, original = draw(st.sampled_from(DOCUMENTS))
    document = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 3))):
        places = list(_places(document))
        path = draw(st.sampled_from(places))
        here = _get(document, path)
        kind = draw(st.sampled_from(["replace", "near", "drop", "add", "date", "number"]))
        if kind == "drop" and isinstance(here, dict) and here:
            del here[draw(st.sampled_from(sorted(here)))]
            continue
        if kind == "drop" and isinstance(here, list) and here:
            del here[draw(st.integers(0, len(here) - 1))]
            continue
        if kind == "add" and isinstance(here, dict):
            here[draw(st.text(min_size=1, max_size=8))] = draw(_VALUES)
            continue
        if kind == "add" and isinstance(here, list):
            here.append(draw(st.one_of(_VALUES, st.sampled_from(here or [None]))))
            continue
        new = {"replace": lambda: draw(_VALUES),
               "near": lambda: draw(st.sampled_from(_near_misses(here))),
               "date": lambda: draw(st.sampled_from(_BAD_DATES)),
               "number": lambda: draw(st.sampled_from(_NUMBERS))}.get(kind, lambda: None)()
        if not path:
            document = new
        else:
            _get(document, path[:-1])[path[-1]] = new
    return evidence_id, document


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_the_fast_check_never_accepts_what_jsonschema_rejects(case):
    evidence_id, document = case
    if FAST[evidence_id](document):
        errors = [e.message for e in FULL[evidence_id].iter_errors(document)]
        assert not errors, f"{evidence_id}: fast check accepted a document jsonschema rejects: " \
                           f"{errors[:3]}"


@pytest.mark.parametrize("schema, document", [
    ({"type": "integer"}, 2.0),
    ({"type": "integer"}, True),
    ({"enum": [1, "a"]}, True),
    ({"const": False}, 0),
    ({"type": "string", "format": "date"}, "2024-02-30"),
    ({"type": "number", "maximum": 100}, 100.0001),
    ({"type": "object", "properties": {"a": {"type": "string"}},
      "additionalProperties": False}, {"a": "x", "b": 1}),
    ({"type": "array", "items": {"type": "integer"}, "uniqueItems": True}, [1, 1.0]),
])
def test_edge_cases_agree_both_ways(schema, document):
    """Where JSON's and Python's ideas of equality and type part, the two checks agree."""
    full = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert compile_check(schema)(document) == full.is_valid(document)


# ---------------------------------------------------------------- generated schemas
#
# The keyword table (engine/evidence/fast_validator.py) holds more keywords than the
# shipped schemas use: if/then/else, dependentRequired, dependentSchemas, contains with
# minContains/maxContains, anchors. Hypothesis builds schemas from every keyword in the
# table and documents from a few shared names, so properties, patterns and references
# meet the documents they describe. The fast check and wellled's own jsonschema validator
# (RE2 patterns, format checking) must agree: the fast check never accepts what jsonschema
# rejects, and with these keywords it rejects nothing jsonschema accepts either.

from engine.evidence.patterns import refusing_registry, validator_class  # noqa: E402
from engine.evidence.schema_walk import ref_loop  # noqa: E402

_NAMES = ["a", "b", "c", "ab"]
_SMALL = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([0.5, 1.0, -2.5]),
                   st.sampled_from(["", "a", "ab", "b1", "2024-02-29", "2023-02-29", "x@y.org"]))
_DOCS = st.recursive(_SMALL, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.sampled_from(_NAMES), inner, max_size=3)), max_leaves=8)
_TYPES = ["object", "array", "string", "integer", "number", "boolean", "null"]


def _leaf_schemas():
    number = st.sampled_from([-1, 0, 1, 2, 1.5])
    count = st.integers(0, 3)
    return st.one_of(
        st.booleans(),
        st.builds(lambda t: {"type": t}, st.sampled_from(_TYPES)),
        st.builds(lambda ts: {"type": ts}, st.lists(st.sampled_from(_TYPES), min_size=1,
                                                     max_size=3, unique=True)),
        st.builds(lambda k, n: {k: n}, st.sampled_from(
            ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]), number),
        st.builds(lambda k, n: {k: n}, st.sampled_from(
            ["minLength", "maxLength", "minItems", "maxItems", "minProperties",
             "maxProperties"]), count),
        st.builds(lambda v: {"enum": v}, st.lists(_SMALL, min_size=1, max_size=3)),
        st.builds(lambda v: {"const": v}, _SMALL),
        st.builds(lambda v: {"required": v}, st.lists(st.sampled_from(_NAMES), max_size=2,
                                                      unique=True)),
        st.builds(lambda v: {"pattern": v}, st.sampled_from(["^a", "b", "^\\d", "^$"])),
        st.builds(lambda v: {"format": v}, st.sampled_from(["date", "email", "no-such"])),
        st.builds(lambda v: {"uniqueItems": v}, st.booleans()),
        st.builds(lambda d: {"dependentRequired": d}, st.dictionaries(
            st.sampled_from(_NAMES), st.lists(st.sampled_from(_NAMES), max_size=2,
                                              unique=True), max_size=2)),
        st.just({"$ref": "#/$defs/d"}),
        st.just({"$ref": "#anc"}),
        st.just({"x-sensitive": True, "title": "annotations only"}),
    )


def _extend(inner):
    names = st.sampled_from(_NAMES)
    return st.one_of(
        st.builds(lambda p: {"properties": p}, st.dictionaries(names, inner, max_size=3)),
        st.builds(lambda p, extra: {"properties": p, "additionalProperties": extra},
                  st.dictionaries(names, inner, max_size=2), inner),
        st.builds(lambda p: {"patternProperties": p},
                  st.dictionaries(st.sampled_from(["^a", "b$", "."]), inner, max_size=2)),
        st.builds(lambda s: {"items": s}, inner),
        st.builds(lambda ps, s: {"prefixItems": ps, "items": s},
                  st.lists(inner, max_size=2), inner),
        st.builds(lambda s, lo, hi: {"contains": s, **lo, **hi}, inner,
                  st.sampled_from([{}, {"minContains": 0}, {"minContains": 2}]),
                  st.sampled_from([{}, {"maxContains": 1}])),
        st.builds(lambda k, ss: {k: ss}, st.sampled_from(["allOf", "anyOf", "oneOf"]),
                  st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda s: {"not": s}, inner),
        st.builds(lambda i, t, e: {"if": i, **t, **e}, inner,
                  st.one_of(st.just({}), st.builds(lambda s: {"then": s}, inner)),
                  st.one_of(st.just({}), st.builds(lambda s: {"else": s}, inner))),
        st.builds(lambda d: {"dependentSchemas": d}, st.dictionaries(names, inner, max_size=2)),
        st.builds(lambda s: {"propertyNames": s}, inner),
        st.builds(lambda a, b: {**a, **b} if isinstance(a, dict) and isinstance(b, dict)
                  else a, inner, inner),
    )


_SCHEMAS = st.recursive(_leaf_schemas(), _extend, max_leaves=6)
_REF_FREE = _leaf_schemas().filter(lambda s: not (isinstance(s, dict) and "$ref" in s))


@st.composite
def schema_and_document(draw):
    body = draw(_SCHEMAS)
    root = dict(body) if isinstance(body, dict) else {"allOf": [body]}
    anchored = draw(_REF_FREE)
    root["$defs"] = {"d": draw(_REF_FREE),
                     "e": {**(anchored if isinstance(anchored, dict) else {}), "$anchor": "anc"}}
    return root, draw(_DOCS)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema_and_document())
def test_generated_schemas_fast_and_full_checks_agree(case):
    schema, document = case
    if ref_loop(schema) is not None:        # refused as E042 before any document is read
        return
    cls = validator_class()
    full = cls(schema, format_checker=cls.FORMAT_CHECKER, registry=refusing_registry())
    fast = compile_check(schema)
    assert fast is not None, schema
    assert fast(document) == full.is_valid(document), (schema, document)


@pytest.mark.parametrize("schema, document, valid", [
    # An anchor reference is the anchored schema, not the root (the fast check once took
    # `#name` for the pointer `#` and accepted {"x": -1} here).
    ({"properties": {"x": {"$ref": "#pos"}}, "$defs": {"p": {"$anchor": "pos", "minimum": 0}}},
     {"x": -1}, False),
    ({"if": {"required": ["a"]}, "then": {"required": ["b"]}}, {"a": 1}, False),
    ({"if": {"required": ["a"]}, "else": {"required": ["b"]}}, {"c": 1}, False),
    ({"then": {"required": ["b"]}}, {"a": 1}, True),        # then without if: no effect
    ({"contains": {"type": "integer"}}, ["a"], False),
    ({"contains": {"type": "integer"}, "minContains": 0}, [], True),
    ({"contains": {"type": "integer"}, "maxContains": 1}, [1, 2], False),
    ({"dependentSchemas": {"a": {"required": ["b"]}}}, {"a": 1}, False),
    ({"dependentRequired": {"a": ["b"]}}, {"b": 1}, True),
])
def test_new_keywords_agree_both_ways(schema, document, valid):
    full = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert full.is_valid(document) == valid
    assert compile_check(schema)(document) == valid


@pytest.mark.parametrize("schema", [
    {"multipleOf": 0.5},
    {"unevaluatedProperties": False},
    {"$dynamicRef": "#meta"},
    {"properties": {"a": {"$ref": "other.schema.json"}}},
    {"properties": {"a": {"$ref": "#/$defs/missing"}}},
    {"minimum": "5"},
])
def test_what_the_table_does_not_know_goes_to_jsonschema(schema):
    assert compile_check(schema) is None
