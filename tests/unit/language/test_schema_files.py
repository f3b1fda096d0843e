"""Evidence schemas read for a criteria set: each found one loaded, each missing or broken one
E042 at its declaration, with help naming the file to write or correct."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.diagnostics import Diagnostics
from engine.language.parse import parse_text
from engine.language.resolve import resolve
from engine.language.schema_files import load_schemas, shown_path

DECLARATIONS = '''evidence good_one "Good"
evidence broken_one "Broken"
evidence absent_one "Absent"
evidence elsewhere "Elsewhere" schema "other/e.json"
'''


@pytest.fixture
def loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "evidence_schemas").mkdir()
    (tmp_path / "evidence_schemas" / "good_one.schema.json").write_text('{"type": "object"}')
    (tmp_path / "evidence_schemas" / "broken_one.schema.json").write_text('{"type": ')
    monkeypatch.chdir(tmp_path)
    crit = tmp_path / "a.crit"
    file, _ = parse_text(DECLARATIONS, str(crit))
    symbols, _ = resolve((file,))
    diags = Diagnostics()
    schemas = load_schemas(symbols, tmp_path, {str(crit): crit}, diags)
    return tmp_path, schemas, {d.message.split("`")[1]: d for d in diags}


def test_a_found_schema_is_loaded(loaded):
    root, schemas, _ = loaded
    assert list(schemas) == ["good_one"]
    assert schemas["good_one"].path == root / "evidence_schemas" / "good_one.schema.json"
    assert schemas["good_one"].schema == {"type": "object"}


@pytest.mark.parametrize("ident,problem,help_text", [
    ("broken_one", "`broken_one.schema.json` is not valid JSON",
     "correct the JSON Schema that was read, `evidence_schemas/broken_one.schema.json`"),
    ("absent_one", "no schema file at",
     "write its JSON Schema at `evidence_schemas/absent_one.schema.json` (wellled looked "
     "there, then among the evidence schemas shipped with it)"),
    ("elsewhere", "no schema file at",
     "write its JSON Schema at `other/e.json` (its `schema` path)"),
])
def test_a_missing_or_broken_schema_is_e042(loaded, ident, problem, help_text):
    _, _, found = loaded
    diag = found[ident]
    assert diag.code == "E042"
    assert diag.message.startswith(f"evidence `{ident}` has no usable schema: {problem}")
    assert diag.help == help_text
    assert diag.span.line == 1 + ["good_one", "broken_one", "absent_one",
                                  "elsewhere"].index(ident)


def test_shown_path_is_relative_below_the_current_folder_else_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert shown_path(tmp_path / "a" / "b.json") == "a/b.json"
    assert shown_path(Path("/elsewhere/b.json")) == "/elsewhere/b.json"
