"""What validates, assesses (issue 19): a document that passes validation never makes assess fail.

Documents are generated from the shipped evidence schemas (``from_schema`` below
covers the keywords they use; hypothesis-jsonschema does not work with current
Hypothesis), then edge values are spliced in at random places as raw literals: whole numbers
of thousands of digits, YAML `0x`/`0b` literals, a lone surrogate escape,
numbers just past 2**53. Each document goes into a bundle with a valid manifest,
as JSON or as YAML. Either the bundle is refused with a located message (exit 1),
or it is assessed and every output is written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine.api import AssessOptions, assess_bundle, load_criteria, write_outputs
from engine.errors import BundleError

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ("provider: {id: RX1, name: Property Trust, type: acute}\n"
            "assessment: {date: 2025-06-30, kind: self_assessment}\n")

# Raw literals, as they would be typed: (JSON form, YAML form); None where the format has none.
EDGES = [
    ("9" * 4001, "9" * 4001),
    ("-" + "9" * 4400, "-" + "9" * 5000),
    ("9007199254740992", "9007199254740992"),
    ("9007199254740991", "9007199254740991"),
    ("-9007199254740991", "-9007199254740991"),
    ("0." + "9" * 5000, "0." + "9" * 5000),
    ("1e308", "1.0e+308"),
    ("1e-320", "1.0e-320"),
    ('"\\ud800"', '"\\ud800"'),
    ('"\\udfff x"', None),
    ('"\\ud83d\\ude00"', '"\\U0001F600"'),
    (None, "0x" + "f" * 3000),
    (None, "0b" + "1" * 9000),
    (None, "0o" + "7" * 3000),
    (None, "1_000"),
    ('""', "''"),
    ('"' + "x" * 10_000 + '"', '"' + "x" * 10_000 + '"'),
    ('"2025-13-01"', "2025-13-01"),
    ('"0000-01-01"', "0000-01-01"),
    ('"9999-12-31"', "9999-12-31"),
]


def from_schema(node: dict, depth: int = 0) -> st.SearchStrategy:
    """Documents valid against ``node`` (the keywords the shipped schemas use)."""
    if "enum" in node:
        return st.sampled_from(node["enum"])
    types = node.get("type", ["null", "boolean", "integer", "string"])
    types = types if isinstance(types, list) else [types]
    return st.one_of([_of_type(node, t, depth) for t in types])


def _of_type(node: dict, name: str, depth: int) -> st.SearchStrategy:
    low, high = node.get("minimum"), node.get("maximum")
    if name == "object":
        props = node.get("properties", {})
        required = [k for k in node.get("required", []) if k in props]
        optional = [k for k in props if k not in required]
        fixed = st.fixed_dictionaries(
            {k: from_schema(props[k], depth + 1) for k in required},
            optional={k: from_schema(props[k], depth + 1) for k in optional})
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and depth < 4:
            more = st.dictionaries(st.text(min_size=1, max_size=8).filter(
                lambda k: k not in props), from_schema(extra, depth + 1), max_size=3)
            return st.tuples(fixed, more).map(lambda pair: {**pair[1], **pair[0]})
        return fixed
    if name == "array":
        items = node.get("items", {})
        return st.lists(from_schema(items, depth + 1), max_size=3,
                        unique_by=(lambda v: json.dumps(v, sort_keys=True))
                        if node.get("uniqueItems") else None)
    if name == "string":
        if node.get("format") == "date":
            return st.dates().map(lambda d: d.isoformat())
        return st.text(min_size=node.get("minLength", 0), max_size=30)
    if name == "integer":
        return st.integers(-(2**53) + 1 if low is None else int(low),
                           2**53 - 1 if high is None else int(high))
    if name == "number":
        return st.one_of(st.integers(-(2**53) + 1 if low is None else int(low),
                                     2**53 - 1 if high is None else int(high)),
                         st.floats(low, high, allow_nan=False, allow_infinity=False))
    if name == "boolean":
        return st.booleans()
    return st.none()


@pytest.fixture(scope="module")
def shipped():
    return load_criteria(ROOT / "criteria" / "cqc_well_led")


def _placeholders(value, marks):
    """``value`` with some leaves replaced by placeholder strings (one per mark drawn)."""
    if isinstance(value, dict):
        return {k: _placeholders(v, marks) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders(v, marks) for v in value]
    if marks and marks[0][0]:
        _, edge = marks.pop(0)
        return f"@@EDGE{edge}@@"
    if marks:
        marks.pop(0)
    return value


def _text(value, suffix: str) -> str:
    # JSON text is also YAML (flow style); edge literals are put in as typed.
    return json.dumps(value, ensure_ascii=False)


def _types(criteria):
    return sorted(i for i, s in criteria.schemas.items() if not s.many)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data(), suffix=st.sampled_from([".json", ".yaml"]))
def test_whatever_validates_assesses(shipped, tmp_path_factory, data, suffix):
    evidence_id = data.draw(st.sampled_from(_types(shipped)), label="evidence type")
    schema = shipped.schemas[evidence_id]
    document = data.draw(from_schema(schema.schema), label="document")
    marks = data.draw(st.lists(st.tuples(st.booleans(), st.integers(0, len(EDGES) - 1)),
                               max_size=12), label="edges")
    spliced = _placeholders(document, list(marks))
    text = _text(spliced, suffix)
    for index, (as_json, as_yaml) in enumerate(EDGES):
        literal = as_json if suffix == ".json" else as_yaml
        token = f'"@@EDGE{index}@@"'
        if token in text:
            assume(literal is not None)
            text = text.replace(token, literal)
    bundle = tmp_path_factory.mktemp("b")
    (bundle / "bundle.yaml").write_text(MANIFEST)
    (bundle / f"{evidence_id}{suffix}").write_text(text, encoding="utf-8")
    options = AssessOptions()
    try:
        result = assess_bundle(shipped, bundle, options)
    except BundleError as err:
        assert err.problems and all(p.startswith(str(bundle)) for p in err.problems)
        return
    out = tmp_path_factory.mktemp("out")
    written = write_outputs(result, out, ("json", "html", "md"), options)
    assert len(written) == 3


@pytest.mark.parametrize("suffix,literal", [
    (".json", "9" * 4001), (".yaml", "0x" + "f" * 3000), (".yaml", "0b" + "1" * 9000),
    (".yaml", "9" * 5000), (".json", '"\\ud800"'),
])
def test_each_edge_value_is_refused_where_it_stands(shipped, tmp_path, suffix, literal):
    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "bundle.yaml").write_text(MANIFEST)
    (bundle / f"ftsu{suffix}").write_text('{"guardian_in_post": true, "cases_raised": '
                                          + literal + "}")
    with pytest.raises(BundleError) as caught:
        assess_bundle(shipped, bundle)
    assert caught.value.problems[0].startswith(f"{bundle}/ftsu{suffix}:1:44: ")
