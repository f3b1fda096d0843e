"""Expression types: each condition's problems, with their codes, against in-memory schemas.

The names' types come from the resolver's references (evidence: its schema; a scale level:
a number; a ``let``: its value's type; a quantifier's variable: its list's element), so a
case here fails if a name were typed as something else than it stands for.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.diagnostics import Diagnostics
from engine.evidence.schemas import EvidenceSchema
from engine.language.expression_types import check_expressions
from engine.language.parse import parse_text
from engine.language.resolve import resolve

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
evidence teams many "Team returns"
aggregation lowest "Lowest" { method min }
key_question kq "KQ" { aggregate lowest }
'''

SCHEMAS = {
    "survey": {"type": "object", "additionalProperties": False, "properties": {
        "year": {"type": "integer"}, "name": {"type": "string"},
        "published_on": {"type": "string", "format": "date"},
        "questions": {"type": "object", "additionalProperties": {"$ref": "#/$defs/q"}},
        "themes": {"type": "array", "items": {"type": "string"}},
        "open": {}},
        "$defs": {"q": {"type": "object", "properties": {
            "percent_positive": {"type": ["number", "null"]}}}}},
    "teams": {"type": "object", "properties": {"name": {"type": "string"},
                                               "headcount": {"type": "integer"}}},
}


def problems(body: str, caps: str = "") -> list[tuple[str, str]]:
    """The type problems of a statement with ``caps`` and one criterion with ``body``."""
    text = (f'{HEAD}statement st "S" {{\n  under kq\n  aggregate lowest\n{caps}\n'
            f'  criterion c "C" {{\n{body}\n  }}\n}}\n')
    file, diags = parse_text(text, "a.crit")
    assert file is not None, [d.message for d in diags]
    symbols, diags = resolve((file,))
    assert not diags.has_errors, [d.message for d in diags]
    schemas = {ident: EvidenceSchema(ident, ident, ident == "teams",
                                     Path(f"{ident}.schema.json"), schema)
               for ident, schema in SCHEMAS.items()}
    found = Diagnostics()
    check_expressions(symbols, schemas, found)
    return [(d.code, d.message) for d in found]


CASES = [
    # (id, criterion body, statement caps, problems)
    ("a field the schema defines", "    level 2 when survey.year >= 2024", "", []),
    ("a field it does not", "    level 2 when survey.yeer >= 2024", "",
     [("E040", "the evidence schema defines no field `yeer` here")]),
    ("a key through additionalProperties and a $ref",
     '    level 2 when survey.questions["safe"].percent_positive > 50', "", []),
    ("a misspelt field under a key",
     '    level 2 when survey.questions["safe"].percent_postive > 50', "",
     [("E040", "the evidence schema defines no field `percent_postive` here")]),
    ("a field of a schema that says nothing is anything", "    level 2 when survey.open.x", "",
     []),
    ("a string compared with a number", "    level 2 when survey.name >= 5", "",
     [("E041", "`>=` compares a string with a number")]),
    ("a rung that is not a condition", "    level 2 when survey.year", "",
     [("E041", "`level 2 when` needs a condition (true or false), not a number")]),
    ("not of a number", "    level 2 when not survey.year", "",
     [("E041", "`not` needs true or false, not a number")]),
    ("a date against the assessment's date less a duration",
     "    level 2 when survey.published_on >= assessment.date - 12 months", "", []),
    ("two dates added", "    level 2 when survey.published_on + survey.published_on > 1", "",
     [("E041", "`+` cannot combine a date with a date")]),
    ("a field of a many evidence type's list",
     '    level 2 when teams.name == "a"', "",
     [("E041", "field `name` of a list: only records have fields")]),
    ("a quantifier's variable is an element of its list",
     "    level 2 when all(t in teams where t.headcount > 3)", "", []),
    ("a misspelt field of the element",
     "    level 2 when all(t in teams where t.headcont > 3)", "",
     [("E040", "the evidence schema defines no field `headcont` here")]),
    ("sum of strings", "    level 2 when sum(survey.themes) > 1", "",
     [("E041", "`sum` needs numbers, not a string")]),
    ("a let has its value's type", "    let y = survey.name\n    level 2 when y > 3", "",
     [("E041", "`>` compares a string with a number")]),
    ("a quantifier's variable hides a let's type inside it",
     '    let t = survey.year\n    level 2 when t > 1 and all(t in teams where t.name == "a")',
     "", []),
    ("a scale level id is a number", "    level 2 when survey.year > developing", "", []),
    ("so it is not a string", "    level 2 when survey.name > developing", "",
     [("E041", "`>` compares a string with a number")]),
    ("provider has known fields only", '    level 2 when provider.nam == "x"', "",
     [("E040", "unknown field `nam`")]),
    ("children in a statement's caps", "    level 2 when survey.year > 1",
     "  cap 2 when any(x in children where x.levl == 1)", [("E040", "unknown field `levl`")]),
    ("a concern's condition", '    level 2 when survey.year > 1\n'
     '    concern "Old" when survey.name', "",
     [("E041", "`concern ... when` needs a condition (true or false), not a string")]),
]


@pytest.mark.parametrize("body,caps,expected", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_type_problems_of_a_condition(body, caps, expected):
    assert problems(body, caps) == expected


def test_e040_names_the_schema_file_it_read():
    text = HEAD + ('statement st "S" {\n  under kq\n  aggregate lowest\n'
                   '  criterion c "C" {\n    level 2 when survey.yeer > 1\n  }\n}\n')
    file, _ = parse_text(text, "a.crit")
    symbols, _ = resolve((file,))
    found = Diagnostics()
    schema = EvidenceSchema("survey", "Survey", False, Path("/elsewhere/survey.schema.json"),
                            SCHEMAS["survey"])
    check_expressions(symbols, {"survey": schema}, found)
    [problem] = list(found)
    assert problem.help.endswith("(schema read: `/elsewhere/survey.schema.json`)")
