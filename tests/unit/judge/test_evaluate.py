"""Judging criteria end to end, one small table row per rule of the spec.

Each case is a criterion body and the evidence `s` (None: not provided); the
set around it is the same every time. The want is (status, low, high).
"""

import datetime as dt
import json
import textwrap

import pytest

from engine.api import load_criteria
from engine.judge.assess import Evaluation, documents, facts
from engine.judge.record import Aggregate, Category, Excluded, Input, Rung
from engine.judge.values import UNKNOWN

HEADER = """
framework f "F" { version "1" scale maturity root kq }
scale maturity {
  level 1 foundations "Foundations" "a"
  level 2 developing "Developing" "b"
  level 3 established "Established" "c"
  level 4 exemplary "Exemplary" "d"
}
evidence s "Survey"
evidence g many "Groups"
aggregation bands "Bands" { method percent round nearest band 2 from 39 band 3 from 63 band 4 from 88 }
aggregation avg "Mean" { method mean round nearest }
key_question kq "KQ" { aggregate bands }
"""

SCHEMA_S = {
    "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Survey",
    "type": "object", "additionalProperties": False,
    "properties": {
        "score": {"type": "number"}, "other": {"type": "number"},
        "flag": {"type": "boolean"}, "name": {"type": ["string", "null"]},
        "reviewed_on": {"type": "string", "format": "date"},
        "items": {"type": "array", "items": {"type": "number"}},
        "questions": {"type": "object", "additionalProperties": {
            "type": "object", "properties": {"pct": {"type": "number"}}}},
    },
}
SCHEMA_G = {
    "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Group",
    "type": "object", "additionalProperties": False,
    "properties": {"people": {"type": "integer"}, "positive": {"type": "boolean"}},
}


class FakeBundle:
    def __init__(self, s, g):
        from engine.evidence.bundle import Document

        self.documents = {} if s is None else {"s": Document("s", "s.json", s)}
        self.collections = {} if g is None else {
            "g": tuple(Document("g", f"g/{i}.json", d) for i, d in enumerate(g))}


def build(tmp_path, statements):
    (tmp_path / "evidence_schemas").mkdir(exist_ok=True)
    (tmp_path / "evidence_schemas" / "s.schema.json").write_text(json.dumps(SCHEMA_S))
    (tmp_path / "evidence_schemas" / "g.schema.json").write_text(json.dumps(SCHEMA_G))
    (tmp_path / "set.crit").write_text(HEADER + textwrap.dedent(statements))
    return load_criteria(tmp_path)


def judge(criteria, s=None, g=None, date=dt.date(2025, 6, 30), provider_type="acute"):
    bundle = FakeBundle(s, g)
    manifest = {"assessment": {"date": date, "kind": "self_assessment"},
                "provider": {"id": "X", "name": "X", "type": provider_type}}
    if s is not None and "reviewed_on" in s:
        s["reviewed_on"] = dt.date.fromisoformat(s["reviewed_on"])
    return Evaluation(criteria, documents(criteria, bundle), facts(manifest)).run()


def one_criterion(body):
    return f"""
statement st "St" {{ under kq aggregate bands
  criterion c "C" {{ category processes
{textwrap.indent(textwrap.dedent(body), "    ")}
  }}
}}
"""


CASES = [
    ("rated at the top", "level 2 when s.score >= 50\nlevel 3 when s.score >= 70\nlevel 4 when s.score >= 85",
     {"score": 90}, ("rated", 4, 4)),
    ("stops at the first false rung", "level 2 when s.score >= 50\nlevel 3 when s.score >= 70\nlevel 4 when s.score >= 85",
     {"score": 72}, ("rated", 3, 3)),
    ("document absent: not assessed", "level 2 when s.score >= 50\nlevel 3 when s.score >= 70",
     None, ("not_assessed", None, None)),
    ("field absent: not assessed", "level 2 when s.score >= 50", {"other": 1},
     ("not_assessed", None, None)),
    ("one known, one unknown: partial", "level 2 when s.flag\nlevel 3 when s.score >= 70",
     {"flag": True}, ("partial", 2, 3)),
    ("a gap takes the rung above", "level 2 when s.flag\nlevel 4 when s.score >= 70",
     {"flag": True, "score": 60}, ("rated", 2, 2)),
    ("a gap is no free step", "level 2 when s.flag\nlevel 4 when s.score >= 70",
     {"flag": True, "score": 80}, ("rated", 4, 4)),
    ("nothing above the highest rung", "level 2 when s.flag\nlevel 3 when s.flag",
     {"flag": True}, ("rated", 3, 3)),
    ("is missing is always known", "level 2 when s.score is missing", {"other": 1},
     ("rated", 2, 2)),
    ("none is a known value", "level 2 when s.name is none\nlevel 3 when s.name is missing",
     {"name": None}, ("rated", 2, 2)),
    ("true cap caps both ends", "level 2 when s.flag\nlevel 3 when s.flag\ncap 2 when s.score < 50",
     {"flag": True, "score": 10}, ("rated", 2, 2)),
    ("unknown cap caps the low end", "level 2 when s.flag\nlevel 3 when s.flag\ncap 2 when s.score < 50",
     {"flag": True}, ("partial", 2, 3)),
    ("false cap changes nothing", "level 2 when s.flag\nlevel 3 when s.flag\ncap 2 when s.score < 50",
     {"flag": True, "score": 60}, ("rated", 3, 3)),
    ("unknown and false is false", "level 2 when s.flag and s.score > 5", {"flag": False},
     ("rated", 1, 1)),
    ("unknown or true is true", "level 2 when s.flag or s.score > 5", {"flag": True},
     ("rated", 2, 2)),
    ("division by zero is unknown", "level 2 when s.score / s.other > 1", {"score": 3, "other": 0},
     ("partial", 1, 2)),
    ("index a map with a key", 'level 2 when s.questions["speak_up"].pct >= 60',
     {"questions": {"speak_up": {"pct": 61}}}, ("rated", 2, 2)),
    ("absent map key is unknown", 'level 2 when s.questions["speak_up"].pct >= 60',
     {"questions": {}}, ("not_assessed", None, None)),
    ("dates and calendar months", "level 2 when s.reviewed_on >= assessment.date - 12 months",
     {"reviewed_on": "2024-06-30"}, ("rated", 2, 2)),
    ("a day too old", "level 2 when s.reviewed_on >= assessment.date - 12 months",
     {"reviewed_on": "2024-06-29"}, ("rated", 1, 1)),
    ("let names hold evidence", "let x = s.score\nlevel 2 when x >= 50", None,
     ("not_assessed", None, None)),
    ("count with where", "level 2 when count(i in s.items where i > 2) >= 2",
     {"items": [1, 3, 4]}, ("rated", 2, 2)),
    ("mean of an empty list is unknown", "level 2 when mean(s.items) >= 2", {"items": []},
     ("partial", 1, 2)),
    ("all of an empty list is true", "level 2 when all(i in s.items where i > 2)", {"items": []},
     ("rated", 2, 2)),
    ("percent", "level 2 when percent(i in s.items where i > 2) >= 50",
     {"items": [1, 3, 4, 0]}, ("rated", 2, 2)),
    ("applies when false: not applicable", 'applies when provider.type == "ambulance"\nlevel 2 when s.flag',
     {"flag": True}, ("not_applicable", None, None)),
    ("applies when unknown counts as applicable", "applies when s.score > 1\nlevel 2 when s.flag",
     {"flag": True}, ("rated", 2, 2)),
    ("scale level ids stand for numbers", "level established when s.score >= 2\nlevel 2 when s.flag",
     {"score": 3, "flag": True}, ("rated", 3, 3)),
]


@pytest.mark.parametrize("note, body, s, want", CASES, ids=[c[0] for c in CASES])
def test_criterion(tmp_path, note, body, s, want):
    criteria = build(tmp_path, one_criterion(body))
    j = judge(criteria, s=s)["c"]
    assert (j.status, j.low, j.high) == want


def test_division_by_zero_warns_and_goes_on(tmp_path):
    criteria = build(tmp_path, one_criterion("level 2 when s.score / s.other > 1"))
    j = judge(criteria, s={"score": 3, "other": 0})["c"]
    assert [m for m, _ in j.warnings] == ["division by zero"]


def test_many_evidence_empty_folder_is_known_and_absent_is_unknown(tmp_path):
    criteria = build(tmp_path, one_criterion(
        "level 2 when count(g) >= 1\nlevel 3 when all(x in g where x.positive)"))
    assert judge(criteria, g=[])["c"].status == "rated"
    assert (judge(criteria, g=[])["c"].low, judge(criteria, g=[])["c"].high) == (1, 1)
    absent = judge(criteria, g=None)["c"]
    assert absent.status == "not_assessed"
    mixed = judge(criteria, g=[{"positive": True}, {"people": 3}])["c"]
    assert (mixed.status, mixed.low, mixed.high) == ("partial", 2, 3)


STATEMENTS = """
statement st "St" { under kq aggregate bands by category avg
  criterion a "A" { category processes level 2 when s.flag level 3 when s.flag level 4 when s.flag }
  criterion b "B" { category staff_feedback level 2 when s.score > 1 level 3 when s.score > 2 level 4 when s.score > 3 }
  criterion c "C" { category staff_feedback level 2 when s.other > 1 level 3 when s.other > 2 }
  cap 3 when any(x in children where x.level == 1)
}
statement st2 "St2" { under kq aggregate bands
  criterion d "D" { category processes level 2 when level(a) >= 3 level 3 when level(st) >= 3 }
}
"""


def test_statements_aggregate_by_category_and_key_question(tmp_path):
    criteria = build(tmp_path, STATEMENTS)
    j = judge(criteria, s={"flag": True, "score": 4, "other": 2})
    assert (j["a"].low, j["b"].low, j["c"].low) == (4, 4, 2)
    # processes: 4; staff_feedback: mean(4, 2) = 3 -> (4 + 3) / 8 = 87.5% -> 88% -> 4
    assert (j["st"].status, j["st"].low, j["st"].high) == ("rated", 4, 4)
    assert (j["d"].low, j["d"].high) == (3, 3)
    assert (j["kq"].low, j["kq"].high) == (4, 4)


def test_partial_children_give_a_range_and_caps_use_children(tmp_path):
    criteria = build(tmp_path, STATEMENTS)
    j = judge(criteria, s={"flag": True, "other": 0})
    # b not assessed (score absent): it takes part as the whole scale, 1 to 4
    assert j["b"].status == "not_assessed"
    assert (j["c"].low, j["c"].high) == (1, 1)
    category = next(e for e in j["st"].of_kind(Category) if e.category == "staff_feedback")
    assert category.inputs == (Input("b", 1, 4, "not_assessed"), Input("c", 1, 1, "rated"))
    # staff_feedback: mean(1, 1) = 1 to mean(4, 1) = 2.5 -> 3; processes 4
    assert (category.low, category.high) == (1, 3)
    aggregate = j["st"].of_kind(Aggregate)[0]
    # lows (4 + 1) / 8 = 62.5% -> 63% -> 3; highs (4 + 3) / 8 = 87.5% -> 88% -> 4
    assert (aggregate.low, aggregate.high) == (3, 4)
    # c is at 1, so the cap (3 when any child is at 1) holds both ends at 3
    assert (j["st"].low, j["st"].high) == (3, 3)
    assert not j["st"].of_kind(Excluded)
    assert j["st"].coverage == (2, 3)


def test_level_of_a_not_assessed_node_is_the_whole_scale(tmp_path):
    criteria = build(tmp_path, STATEMENTS)
    j = judge(criteria, s=None)
    assert j["a"].status == "not_assessed"
    assert (j["d"].status, j["d"].low, j["d"].high) == ("partial", 1, 3)
    assert j["kq"].status == "partial"


def test_one_compiled_set_judges_many_bundles_without_leaking_state(tmp_path):
    criteria = build(tmp_path, STATEMENTS)
    first = judge(criteria, s={"flag": True, "score": 4, "other": 2})
    judge(criteria, s=None)
    again = judge(criteria, s={"flag": True, "score": 4, "other": 2})
    assert [(k, v.status, v.low, v.high) for k, v in first.items()] == \
        [(k, v.status, v.low, v.high) for k, v in again.items()]


def test_long_lists_count_every_read_but_trace_the_first_hundred(tmp_path):
    criteria = build(tmp_path, one_criterion(
        "level 2 when all(x in g where x.people >= 1)\nlevel 3 when s.flag"))
    groups = [{"people": 3}] * 250 + [{"positive": True}]      # the last has no `people`
    j = judge(criteria, g=groups)["c"]
    rung = next(e for e in j.of_kind(Rung) if e.level == 2)
    assert len(rung.reads) == 101               # the collection, 99 known, 1 unknown
    assert rung.reads_omitted == 151            # 252 reads in all
    assert rung.outcome is UNKNOWN
    # s not provided: the status still sees the 251 known reads, so partial, not not_assessed
    assert (j.status, j.low, j.high) == ("partial", 1, 3)


class CountingFacts(dict):
    """Facts that count how often the criteria look them up."""

    def __init__(self, *args):
        super().__init__(*args)
        self.lookups = 0

    def __getitem__(self, key):
        self.lookups += 1
        return super().__getitem__(key)


def test_bundle_constant_parts_are_computed_once_per_bundle_not_per_element():
    from engine.judge.context import Ctx
    from engine.judge.expressions import compile_expression
    from engine.judge.values import Ev
    from engine.language.parse import parse_expression

    expr = parse_expression(
        'count(i in s.items where i > 2 and assessment.kind == "self_assessment") >= 2')
    fn = compile_expression(expr, evidence=frozenset({"s"}))
    facts = CountingFacts({"assessment": {"kind": "self_assessment"}, "provider": {}})
    memo: dict = {}
    docs = {"s": Ev({"items": [1, 3, 4, 5, 6]}, "s", "s.json", "")}
    assert fn(Ctx(docs, facts, {}, memo)) is True
    assert facts.lookups == 1                      # not once per element
    assert fn(Ctx(docs, facts, {}, memo)) is True  # another criterion, same bundle
    assert facts.lookups == 1
    assert fn(Ctx(docs, facts, {}, {})) is True    # another bundle computes its own
    assert facts.lookups == 2
