"""The checker: each problem found once, with a message, help and underline a user can act on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.evidence.schemas import EvidenceSchema
from engine.language.check import CHECKS, CheckedSet, check_set
from engine.diagnostics import Diagnostics

CONFORMANCE = (Path(__file__).resolve().parents[2] / "data" / "conformance/criteria")

HEAD = '''framework fw "F" {
  scale maturity
  root kq
}
scale maturity {
  level 1 foundations "Foundations" "a"
  level 2 developing "Developing" "b"
  level 3 established "Established" "c"
  level 4 exemplary "Exemplary" "d"
}
evidence survey "Survey"
evidence ftsu "FTSU"
evidence teams many "Team returns"
aggregation bands "Bands" {
  method percent
  band 2 from 39
  band 3 from 63
}
aggregation lowest "Lowest" { method min }
key_question kq "KQ" { aggregate bands }
'''

SCHEMAS = {
    "survey": {"type": "object", "properties": {
        "year": {"type": "integer"}, "name": {"type": "string"},
        "published_on": {"type": "string", "format": "date"},
        "questions": {"type": "object", "additionalProperties": {"$ref": "#/$defs/q"}},
        "themes": {"type": "array", "items": {"type": "string"}},
        "scores": {"type": "array", "items": {"type": "number"}},
        "meta": {"type": "object", "additionalProperties": True},
        "anything": {}},
        "$defs": {"q": {"type": "object", "properties": {
            "percent_positive": {"type": ["number", "null"]}}, "additionalProperties": False}},
        "additionalProperties": False},
    "ftsu": {"type": "object", "properties": {"guardian_in_post": {"type": "boolean"},
                                              "cases": {"type": "integer"}}},
    "teams": {"type": "object", "properties": {"name": {"type": "string"},
                                               "headcount": {"type": "integer"}}},
}


def write_set(root: Path, body: str, head: str = HEAD) -> Path:
    (root / "evidence_schemas").mkdir(parents=True, exist_ok=True)
    for name, schema in SCHEMAS.items():
        (root / "evidence_schemas" / f"{name}.schema.json").write_text(json.dumps(schema))
    (root / "set.crit").write_text(head + body, encoding="utf-8")
    return root


def criterion(*lines: str, extra: str = "") -> str:
    """A statement holding one criterion `c` with ``lines``, reading every evidence type."""
    inner = "\n".join(f"    {line}" for line in lines)
    return f'''statement st "S" {{
  under kq
  aggregate lowest
  criterion base "Base" {{
    level 2 when ftsu.guardian_in_post and survey.year >= 2024 and count(teams) > 0
  }}
  criterion c "C" {{
{inner}
  }}
}}
{extra}'''


def problems(tmp_path: Path, body: str, head: str = HEAD) -> Diagnostics:
    _, diags = check_set(write_set(tmp_path, body, head))
    return diags


def underline(diags: Diagnostics, code: str) -> str:
    d = next(d for d in diags if d.code == code)
    source = diags.sources[d.span.path]
    line = source.line(d.span.line)
    return line[d.span.column - 1:d.span.end_column - 1]


ERRORS = [
    # note, criterion lines, code, message, help part, underlined text
    ("level of an unknown criterion", ["level 2 when level(bse) >= 2"], "E010",
     "unknown criterion or statement `bse` in `level(...)`", "did you mean `base`?", "bse"),
    ("unknown name", ["level 2 when survy.year > 1"], "E010", "unknown name `survy`",
     "did you mean `survey`?", "survy"),
    ("unknown function", ["level 2 when cuont(teams) > 1"], "E010", "unknown function `cuont`",
     "did you mean `count`?", "cuont"),
    ("let used before it is defined", ["level 2 when x > 1", "let x = survey.year"], "E010",
     "`x` is used before its `let`", "move `let x", "x"),
    ("unknown level name", ["level excellent when survey.year > 1"], "E010",
     "unknown level `excellent`", "`exemplary`", "level excellent when survey.year > 1"),
    ("level of evidence", ["level 2 when level(ftsu) >= 2"], "E011",
     "`level(...)` needs a criterion, statement or key question; `ftsu` is evidence", None,
     "ftsu"),
    ("criterion used as a value", ["level 2 when base >= 2"], "E011",
     "`base` is a criterion, not a value", "`level(base)`", "base"),
    ("children in a criterion", ["level 2 when count(children) > 1"], "E011",
     "`children` is only known", None, "children"),
    ("all without where", ["level 2 when all(survey.themes)"], "E012",
     "`all` is not called in one of its forms", "all(x in LIST where CONDITION)",
     "all(survey.themes)"),
    ("let twice", ["let x = 1", "let x = 2", "level 2 when x > 1"], "E003",
     "`let x` is given twice in criterion `c`", None, "x"),
    ("let hides evidence", ["let ftsu = 1", "level 2 when ftsu > 1"], "E003",
     "`ftsu` would hide evidence of the same name", None, "ftsu"),
    ("rung above the top", ["level 5 when survey.year > 1"], "E030",
     "rung level 5 is outside the scale `maturity`", "2 to 4", None),
    ("rung at level 1", ["level 1 when survey.year > 1"], "E030",
     "rung level 1 is outside the scale", "2 to 4", None),
    ("cap at 0", ["level 2 when survey.year > 1", "cap 0 when survey.year > 1"], "E030",
     "cap level 0 is outside the scale", "1 to 4", None),
    ("rung twice via its name", ["level 2 when survey.year > 1",
                                 "level developing when survey.year > 2"], "E031",
     "level 2 has two rungs in criterion `c`", "one rung per level", None),
    ("unknown field", ["level 2 when survey.yaer > 1"], "E040",
     "the evidence schema defines no field `yaer` here", "did you mean `year`?",
     "survey.yaer"),
    ("unknown field through $ref and a map", [
        'level 2 when survey.questions["q1"].percent_postive > 1'], "E040",
     "no field `percent_postive`", "`percent_positive`", None),
    ("unknown assessment field", ["level 2 when assessment.dat > 2025-01-01"], "E040",
     "unknown field `dat`", "did you mean `date`?", "assessment.dat"),
    ("unknown child field", [], "E040", "unknown field `levl`", "`level`", "c.levl"),
    ("string compared with a number", ["level 2 when survey.name >= 3"], "E041",
     "`>=` compares a string with a number", None, "survey.name >= 3"),
    ("date compared with a number", ["level 2 when survey.published_on > 2024"], "E041",
     "`>` compares a date with a number", None, None),
    ("quantifier over a number", ["level 2 when any(x in survey.year where x > 1)"], "E041",
     "`any` needs a list, not a number", None, "survey.year"),
    ("count of a record", ["level 2 when count(ftsu) > 1"], "E041",
     "`count` needs a list, not a record", None, "ftsu"),
    ("arithmetic on a string", ["level 2 when survey.name + 1 > 2"], "E041",
     "`+` needs numbers, dates or durations, not a string", None, "survey.name"),
    ("and on a number", ["level 2 when survey.year and ftsu.guardian_in_post"], "E041",
     "`and` needs true or false, not a number", None, "survey.year"),
    ("rung that is not a condition", ["level 2 when survey.year"], "E041",
     "`level 2 when` needs a condition (true or false), not a number", None, "survey.year"),
    ("where that is not a condition", ["level 2 when any(t in survey.themes where 3)"],
     "E041", "`where` needs a condition", None, "3"),
    ("a date plus a number", ["level 2 when survey.published_on + 3 > 2025-01-01"], "E041",
     "`+` cannot combine a date with a number", "duration", None),
    ("a field of a list", ["level 2 when teams.headcount > 3"], "E041",
     "field `headcount` of a list", "quantifier", None),
]


@pytest.mark.parametrize("note, lines, code, message, help_part, underlined", ERRORS,
                         ids=[e[0] for e in ERRORS])
def test_errors(tmp_path: Path, note: str, lines: list[str], code: str, message: str,
                help_part: str | None, underlined: str | None) -> None:
    extra = ""
    if note == "unknown child field":
        extra = ('statement other "O" {\n  under kq\n  aggregate lowest\n'
                 '  cap 2 when any(c in children where c.levl < 2)\n'
                 '  criterion o "O" {\n    level 2 when survey.year > 1\n  }\n}\n')
        lines = ["level 2 when survey.year > 1"]
    diags = problems(tmp_path, criterion(*lines, extra=extra))
    found = [d for d in diags if d.code == code]
    assert found, diags.format()
    assert message in found[0].message
    if help_part is not None:
        assert help_part in (found[0].help or "")
    if underlined is not None:
        assert underline(diags, code) == underlined


VALID = [
    ("map keys and nullable numbers", ['let p = survey.questions["q1"].percent_positive',
                                       "level 2 when p >= 50"]),
    ("dates and durations", ["level 2 when survey.published_on >= assessment.date - 1 year"]),
    ("quantifier over items", ['level 2 when count(t in survey.themes where t == "x") > 1',
                               "level 3 when mean(s for s in survey.scores) > 3"]),
    ("many evidence is a list of documents",
     ["level 2 when all(t in teams where t.headcount > 0) and count(teams) > 0",
      "level 3 when sum(t.headcount for t in teams where t.name != \"x\") > 10"]),
    ("levels are numbers", ["level 2 when level(base) >= developing",
                            "level 3 when level(base) > 2 - 1"]),
    ("open schemas are permissive", ['level 2 when survey.meta.whatever == "x"',
                                     "level 3 when survey.anything.deep[0] > 3"]),
    ("provider and assessment", ['applies when provider.type == "acute"',
                                 'level 2 when assessment.kind != "x"']),
    ("min and max of several", ["level 2 when max(survey.year, 2020) > 2021"]),
    ("let above a rung and a cap", ["let y = survey.year", "level 2 when y > 1",
                                    "cap 2 when y < 2000"]),
]


@pytest.mark.parametrize("note, lines", VALID, ids=[v[0] for v in VALID])
def test_valid_criteria_have_no_problems(tmp_path: Path, note: str, lines: list[str]) -> None:
    diags = problems(tmp_path, criterion(*lines))
    assert [d.format() for d in diags if d.code != "W101"] == []


def test_ftsu_schema_without_additional_properties_is_closed(tmp_path: Path) -> None:
    """`ftsu` lists properties and says nothing of others: a misspelt field is caught."""
    diags = problems(tmp_path, criterion("level 2 when ftsu.guardian > 1"))
    assert [d.code for d in diags.errors] == ["E040"]


DECLARATION_ERRORS = [
    ("duplicate ids name both places", 'evidence survey "Again"\n', "E003",
     "duplicate id `survey`", "first declared as evidence"),
    ("statement under an aggregation", 'statement s2 "S2" {\n  under bands\n'
     '  aggregate lowest\n  criterion x "X" {\n    level 2 when survey.year > 1\n  }\n}\n',
     "E011", "`bands` is an aggregation, not a key question", "declared"),
    ("unknown aggregation", 'statement s2 "S2" {\n  under kq\n  aggregate lowst\n'
     '  criterion x "X" {\n    level 2 when survey.year > 1\n  }\n}\n', "E010",
     "unknown aggregation `lowst`", None),
    ("percent with no bands", 'aggregation p "P" { method percent }\n', "E034",
     "uses `method percent` but has no band", None),
    ("unknown method", 'aggregation p "P" { method average }\n', "E034",
     "unknown aggregation method `average`", None),
    ("bands on mean", 'aggregation p "P" {\n  method mean\n  band 2 from 3\n}\n', "E034",
     "bands only apply to `method percent`", None),
    ("band outside the scale", 'aggregation p "P" {\n  method percent\n  band 6 from 3\n}\n',
     "E030", "band level 6 is outside the scale", None),
    ("statement without aggregate", 'statement s2 "S2" {\n  under kq\n'
     '  criterion x "X" {\n    level 2 when survey.year > 1\n  }\n}\n', "E034",
     "statement `s2` says no `aggregate`", None),
    ("second framework", 'framework again "A" {\n  scale maturity\n  root kq\n}\n', "E033",
     "a second framework `again`", "the first is `fw`"),
    ("missing schema", 'evidence board "Board papers"\n', "E042",
     "evidence `board` has no usable schema", None),
    ("test of an unknown node", 'test "t" {\n  expect nothing is 2\n}\n', "E010",
     "unknown criterion, statement or key question `nothing`", None),
    ("test with a backwards range", 'test "t" {\n  expect c is 3 to 2\n}\n', "E030",
     "the range 3 to 2 runs backwards", None),
    ("test with unknown evidence", 'test "t" {\n  evidence survy = {}\n}\n', "E010",
     "unknown evidence type `survy`", None),
]


@pytest.mark.parametrize("note, extra, code, message, related",
                         DECLARATION_ERRORS, ids=[e[0] for e in DECLARATION_ERRORS])
def test_declaration_errors(tmp_path: Path, note: str, extra: str, code: str, message: str,
                            related: str | None) -> None:
    diags = problems(tmp_path, criterion("level 2 when survey.year > 1", extra=extra))
    found = [d for d in diags if d.code == code]
    assert found, diags.format()
    assert message in found[0].message
    if related is not None:
        assert any(related in note_text for note_text, _ in found[0].related)


def test_scale_must_count_from_one(tmp_path: Path) -> None:
    head = HEAD.replace('level 3 established "Established" "c"', 'level 5 established "E" "c"')
    diags = problems(tmp_path, criterion("level 2 when survey.year > 1"), head)
    assert [d.code for d in diags.errors] == ["E032"]


def test_no_framework(tmp_path: Path) -> None:
    head = HEAD.split("scale maturity {", 1)[1]
    diags = problems(tmp_path, criterion("level 2 when survey.year > 1"),
                     "scale maturity {" + head)
    assert "E033" in [d.code for d in diags.errors]


@pytest.mark.parametrize("lines, extra, code, message", [
    ([], "", "W101", "criterion `c` has no rung"),
    (["let unused = 3", "level 2 when survey.year > 1"], "", "W103", "`let unused` is never used"),
    (["level 2 when survey.year > 1"], 'evidence idle "Idle" schema "evidence_schemas/ftsu.schema.json"\n',
     "W102", "evidence `idle` is declared but never read"),
    (["level 2 when survey.year > 1"], 'statement lone "L" {\n  aggregate lowest\n'
     '  criterion l "L" {\n    level 2 when survey.year > 1\n  }\n}\n', "W104",
     "statement `lone` is under no key question"),
])
def test_warnings(tmp_path: Path, lines: list[str], extra: str, code: str, message: str) -> None:
    checked, diags = check_set(write_set(tmp_path, criterion(*lines, extra=extra)))
    assert checked is not None, diags.format()
    found = [d.message for d in diags.warnings if d.code == code]
    assert len(found) == 1 and found[0].startswith(message)


def test_every_problem_in_one_run_sorted(tmp_path: Path) -> None:
    body = criterion("level 2 when survy.year > 1", "level 3 when level(nope) > 1",
                     "level 3 when survey.name > 1")
    diags = problems(tmp_path, body)
    codes = [d.code for d in diags.errors]
    assert sorted(codes) == ["E010", "E010", "E031", "E041"]
    keys = [(d.span.line, d.span.column) for d in diags.sorted()]
    assert keys == sorted(keys)


def test_syntax_errors_stop_before_names_but_cover_every_file(tmp_path: Path) -> None:
    write_set(tmp_path, criterion("level 2 when survey.year > 1"))
    (tmp_path / "a.crit").write_text('evidence broken "x\n')
    (tmp_path / "z.crit").write_text("statement {\n")
    checked, diags = check_set(tmp_path)
    assert checked is None
    assert [(d.span.path.rsplit("/", 1)[-1], d.code) for d in diags] == [
        ("a.crit", "E001"), ("z.crit", "E001")]


def test_unreadable_encoding_is_e002(tmp_path: Path) -> None:
    write_set(tmp_path, criterion("level 2 when survey.year > 1"))
    (tmp_path / "latin.crit").write_bytes(b'# caf\xe9\n')
    checked, diags = check_set(tmp_path)
    assert checked is None and [d.code for d in diags] == ["E002"]
    assert diags.errors[0].span.line == 1


def test_missing_folder_is_e002(tmp_path: Path) -> None:
    checked, diags = check_set(tmp_path / "nowhere")
    assert checked is None and [d.code for d in diags] == ["E002"]


@pytest.mark.skipif(not CONFORMANCE.exists(), reason="shared conformance set not present")
def test_conformance_set_checks_clean_into_a_checked_set() -> None:
    checked, diags = check_set(CONFORMANCE)
    assert len(diags) == 0, diags.format()
    assert isinstance(checked, CheckedSet)
    assert checked.levels == {"foundations": 1, "developing": 2, "established": 3,
                              "exemplary": 4}
    assert checked.top == 4
    assert set(checked.schemas) == {"strategy", "staff_survey", "ftsu"}
    assert all(isinstance(s, EvidenceSchema) for s in checked.schemas.values())
    assert checked.schemas["ftsu"].schema["required"] == ["guardian_in_post"]
    assert list(checked.criteria) == ["vision_coproduced", "staff_know_vision",
                                      "raise_concerns"]
    assert checked.order.index("staff_know_vision") < checked.order.index("raise_concerns")
    assert checked.order[-2:] == ("shared_direction", "well_led")
    assert checked.framework.id == "cqc_well_led" and checked.scale.id == "maturity"
    assert len(checked.criteria_sha256) == 64


def test_criteria_sha256_follows_content_not_place(tmp_path: Path) -> None:
    a = write_set(tmp_path / "a", criterion("level 2 when survey.year > 1"))
    b = write_set(tmp_path / "b", criterion("level 2 when survey.year > 1"))
    first, second = check_set(a)[0], check_set(b)[0]
    assert first is not None and second is not None
    assert first.criteria_sha256 == second.criteria_sha256
    write_set(b, criterion("level 2 when survey.year > 2"))
    changed = check_set(b)[0]
    assert changed is not None and changed.criteria_sha256 != first.criteria_sha256


def test_single_file_and_nested_files(tmp_path: Path) -> None:
    root = write_set(tmp_path, criterion("level 2 when survey.year > 1"))
    checked, diags = check_set(root / "set.crit")
    assert checked is not None, diags.format()
    assert checked.root == root
    (root / "sub").mkdir()
    (root / "sub" / "more.crit").write_text('evidence more "M" schema "../evidence_schemas/ftsu.schema.json"\n')
    checked, diags = check_set(root)
    assert checked is not None and [d.code for d in diags] == ["W102"]
    assert diags.warnings[0].span.path.endswith("sub/more.crit")


def test_tests_are_kept_in_file_order(tmp_path: Path) -> None:
    extra = 'test "one" {\n  expect c is 2\n}\ntest "two" {\n  expect c is not_assessed\n}\n'
    checked, diags = check_set(write_set(tmp_path, criterion("level 2 when survey.year > 1",
                                                             extra=extra)))
    assert checked is not None, diags.format()
    assert [t.name for t in checked.tests] == ["one", "two"]


def test_checks_run_in_the_documented_order() -> None:
    names = [c.__name__ for c in CHECKS]
    assert names.index("_resolve") == 0
    assert names.index("_cycles") > names.index("_graph")
    assert names.index("_types") > names.index("_schemas")
    assert names[-1] == "_lint"
