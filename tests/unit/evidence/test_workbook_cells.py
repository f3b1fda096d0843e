"""The workbook plan and cell reading, unit by unit: what each kind of cell becomes."""

from __future__ import annotations

import datetime

import pytest

from engine.errors import UsageError
from engine.evidence.sheets import plan_sheet, plan_workbook
from engine.evidence.workbook import _convert, cell_name

SCHEMA = {"type": "object", "required": ["held_on", "meetings"], "properties": {
    "held_on": {"type": "string", "format": "date"},
    "rate_percent": {"type": "number", "minimum": 0, "maximum": 100},
    "score": {"type": "number", "minimum": 0, "maximum": 10},
    "count": {"type": "integer", "minimum": 0},
    "open": {"type": "boolean"},
    "lead": {"type": ["string", "null"]},
    "notes": {"type": "string", "x-sensitive": True},
    "kind": {"type": "string", "enum": ["a", "b"]},
    "groups": {"type": "array", "items": {"type": "string", "enum": ["x", "y"]}},
    "themes": {"type": "array", "items": {"type": "string"}},
    "nested": {"type": "object", "required": ["inner"], "additionalProperties": False,
               "properties": {"inner": {"type": "integer"}}},
    "meetings": {"type": "array", "items": {"type": "object", "additionalProperties": False,
                                            "properties": {"on": {"type": "string"}}}},
}, "additionalProperties": False}


def _fields():
    return {f.key: f for f in plan_sheet("t", "T", False, SCHEMA)[0].fields}


def test_plan_flattens_objects_and_gives_lists_of_records_their_own_sheet():
    sheets = plan_sheet("t", "T", False, SCHEMA)
    assert [(s.name, s.form, s.path) for s in sheets] == [
        ("t", "fields", ()), ("t.meetings", "rows", ("meetings",))]
    fields = _fields()
    assert list(fields) == ["held_on", "rate_percent", "score", "count", "open", "lead",
                            "notes", "kind", "groups", "themes", "nested.inner"]
    assert fields["held_on"].required == "required"
    assert fields["nested.inner"].required == "required with nested"
    assert fields["rate_percent"].what == "a percentage from 0 to 100 (88 means 88%)"
    assert fields["score"].what == "a number from 0 to 10"
    assert fields["lead"].what == "text; (none) for nothing"
    assert fields["notes"].what == "text; confidential: never quoted in a report"
    assert fields["groups"].what == "any of x, y; one per line; (none) for an empty list"


def test_a_many_type_is_a_table_with_a_document_column():
    sheet = plan_sheet("fg", "Focus groups", True, SCHEMA)[0]
    assert sheet.form == "rows" and sheet.columns[0] == "document"


@pytest.mark.parametrize("schema,words", [
    ({"type": "object", "additionalProperties": {"type": "number"}}, "allows fields of any name"),
    ({"type": "object", "properties": {"x": {"anyOf": [{"type": "string"}]}}}, "uses `anyOf`"),
    ({"type": "object", "properties": {"x": {"type": "array", "items": {
        "type": "object", "properties": {"y": {"type": "array", "items": {
            "type": "object", "properties": {"z": {"type": "string"}}}}}}}}},
     "is a list of records inside a list of records"),
])
def test_schemas_a_workbook_cannot_hold_are_refused_clearly(schema, words):
    with pytest.raises(UsageError, match=words):
        plan_sheet("t", "T", False, schema)


def test_shipped_schemas_all_fit_and_sheet_names_fit_excel():
    from engine.api import load_criteria

    sheets = plan_workbook(load_criteria("criteria/cqc_well_led").schemas)
    assert sheets[0].name == "manifest"
    assert all(len(s.name) <= 31 for s in sheets)
    assert "board_observation.meetings" in {s.name for s in sheets}


D = datetime


@pytest.mark.parametrize("key,value,fmt,expected", [
    ("held_on", D.datetime(2025, 1, 15), "yyyy-mm-dd", "2025-01-15"),
    ("held_on", " 2025-01-15 ", "General", "2025-01-15"),
    ("held_on", 45672, "General", "45672"),               # left for validation to refuse
    ("rate_percent", 0.88, "0%", 88),                     # typed as 88% in Excel
    ("rate_percent", 0.885, "0.0%", 88.5),
    ("rate_percent", "88%", "General", 88),
    ("rate_percent", 88, "General", 88),
    ("score", 7, "0.0", 7.0),                             # 7.0 keeps its decimal place
    ("score", 7.0, "General", 7),
    ("count", " 12 ", "@", 12),
    ("count", "many", "General", "many"),                 # validation says "expected a number"
    ("count", True, "General", True),
    ("open", "Yes", "General", True),
    ("open", "no", "General", False),
    ("open", True, "General", True),
    ("open", "maybe", "General", "maybe"),
    ("lead", "(none)", "General", None),
    ("lead", 1234, "General", "1234"),                    # digits in a text field are text
    ("kind", " a ", "General", "a"),
    ("groups", "x\ny", "@", ["x", "y"]),
    ("groups", "x; y,", "@", ["x", "y"]),                 # choices may be split by ; or ,
    ("themes", "staffing, pay\nculture\n\n", "@", ["staffing, pay", "culture"]),
    ("themes", "(none)", "@", []),
    ("themes", 5, "General", ["5"]),
])
def test_cells_become_json_values(key, value, fmt, expected):
    got = _convert(_fields()[key], value, fmt)
    assert got == expected and type(got) is type(expected)


def test_cell_names_quote_sheet_names_as_excel_does():
    assert cell_name("ftsu", 12, 2) == "ftsu!B12"
    assert cell_name("board_observation.meetings", 6, 3) == "board_observation.meetings!C6"
    assert cell_name("Staff's notes", 1, 28) == "'Staff''s notes'!AB1"
