"""Evidence schemas are local and finite (issue 19).

A schema may refer only to places in its own document or to files inside the
criteria folder (and the shipped evidence_schemas/); `check` says so (E042) for
anything else, nothing is ever fetched, and nothing is quoted from a file that
is not a valid schema. Reference loops are found by `check`; schema patterns run
on RE2, so a catastrophic pattern cannot hang an assessment.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.evidence.bundle import load_bundle
from engine.evidence.schemas import EvidenceSchema
from engine.language.check import check_set

HOSTILE = Path(__file__).resolve().parent / "criteria"
WELLLED = Path(sys.executable).parent / "wellled"
SECRET = "hunter2-do-not-show"
MANIFEST = ("provider: {id: RX1, name: Test Trust, type: acute}\n"
            "assessment: {date: 2025-06-30, kind: self_assessment}\n")


def criteria(tmp_path: Path, strategy: dict | None = None, declare: str | None = None,
             files: dict[str, object] | None = None) -> Path:
    """A copy of the hostile criteria with the strategy schema (or its declaration) changed."""
    root = tmp_path / "crit"
    shutil.copytree(HOSTILE, root)
    if strategy is not None:
        base = json.loads((root / "evidence_schemas" / "strategy.schema.json").read_text())
        for key, value in strategy.items():
            if key == "properties":
                base["properties"].update(value)
            else:
                base[key] = value
        (root / "evidence_schemas" / "strategy.schema.json").write_text(json.dumps(base))
    if declare is not None:
        crit = root / "well_led.crit"
        text = crit.read_text()
        old = 'evidence strategy "Trust strategy and delivery plan"'
        assert old in text
        crit.write_text(text.replace(old, f'{old} schema "{declare}"'))
    for rel, content in (files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    (tmp_path / "secret.json").write_text(json.dumps({"type": "object", "password": SECRET,
                                                      "minimum": SECRET}))
    return root


def e042(root: Path) -> str:
    _, diags = check_set(root)
    found = [d.format() for d in diags.sorted() if d.code == "E042"]
    return "\n".join(found)


REFUSED = [
    ("http ref", {"properties": {"title": {"$ref": "http://127.0.0.1:9/title.json"}}}, None,
     {}, "refers to a web address or another place; wellled never fetches"),
    ("https ref with a fragment", {"$defs": {"t": {"$ref": "https://example.org/s#/x"}}}, None,
     {}, "wellled never fetches"),
    ("file: ref", {"properties": {"title": {"$ref": "file:///etc/passwd"}}}, None, {},
     "wellled never fetches"),
    ("relative ref out of the folder", {"properties": {"title": {"$ref": "../../secret.json"}}},
     None, {}, "leads outside the criteria folder"),
    ("schema path out of the folder", None, "../../secret.json", {},
     "the schema file is outside the criteria folder"),
    ("schema path to /etc/passwd", None, "/etc/passwd", {},
     "the schema file is outside the criteria folder"),
    ("ref to nothing", {"properties": {"title": {"$ref": "#/$defs/missing"}}}, None, {},
     "points at `#/$defs/missing`, which is not in the file"),
    ("ref to an anchor not defined", {"properties": {"title": {"$ref": "#nowhere"}}}, None, {},
     "names the anchor `nowhere`, which the file does not define"),
    ("ref to a missing file", {"properties": {"title": {"$ref": "common.schema.json"}}}, None,
     {}, "no schema file at"),
    ("ref into a file at nothing",
     {"properties": {"title": {"$ref": "common.schema.json#/$defs/nope"}}}, None,
     {"evidence_schemas/common.schema.json": {"$defs": {"text": {"type": "string"}}}},
     "which is not there"),
    ("ref to a file that is not a schema",
     {"properties": {"title": {"$ref": "notes.json"}}}, None,
     {"evidence_schemas/notes.json": json.dumps({"type": SECRET})},
     "`notes.json` is not a valid JSON Schema: at `/type`"),
    ("ref loop", {"properties": {"title": {"$ref": "#/$defs/a"}},
                  "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}}},
     None, {}, "go round in a loop and never reach a value"),
    ("ref to itself", {"$defs": {"a": {"$ref": "#/$defs/a"}}}, None, {},
     "go round in a loop"),
    ("loop through another file",
     {"properties": {"title": {"$ref": "loop.schema.json"}}}, None,
     {"evidence_schemas/loop.schema.json": {"$ref": "strategy.schema.json#/properties/title"}},
     "go round in a loop"),
    ("back-reference pattern", {"properties": {"title": {"type": "string",
                                                          "pattern": "^(a)\\1$"}}}, None, {},
     "uses a back-reference"),
    ("look-ahead in patternProperties",
     {"properties": {"notes": {"type": "object",
                                "patternProperties": {"^(?=x)": {}}}}}, None, {},
     "a `patternProperties` pattern"),
    ("$id inside the schema", {"$defs": {"a": {"$id": "https://example.org/a"}}}, None, {},
     "a `$id` inside the schema"),
    ("anchor defined twice", {"properties": {"title": {"$ref": "#short"}},
                              "$defs": {"a": {"$anchor": "short", "type": "string"},
                                        "b": {"$anchor": "short", "type": "integer"}}},
     None, {}, "names the anchor `short`, which the file defines more than once"),
]


@pytest.mark.parametrize("note,change,declare,files,expected", REFUSED,
                         ids=[r[0] for r in REFUSED])
def test_check_refuses_schemas_that_are_not_local_and_finite(tmp_path, note, change, declare,
                                                             files, expected):
    root = criteria(tmp_path, change, declare, files)
    found = e042(root)
    assert expected in found, found
    assert "evidence `strategy` has no usable schema" in found
    assert SECRET not in found      # nothing of the outside file, or of a non-schema, is quoted


def test_nothing_is_read_from_a_schema_path_outside_the_folder(tmp_path, monkeypatch):
    root = criteria(tmp_path, declare="../../secret.json")
    opened: list[str] = []
    real_open = Path.read_text

    def spy(self, *args, **kwargs):
        opened.append(str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", spy)
    e042(root)
    assert not any(name.endswith("secret.json") for name in opened), opened


ALLOWED = [
    ("local pointer", {"properties": {"title": {"$ref": "#/$defs/t"}},
                       "$defs": {"t": {"type": "string", "maxLength": 5}}}, {}),
    ("anchor", {"properties": {"title": {"$ref": "#short"}},
                "$defs": {"t": {"$anchor": "short", "type": "string", "maxLength": 5}}}, {}),
    ("a file in the criteria folder",
     {"properties": {"title": {"$ref": "common/text.schema.json#/$defs/short"}}},
     {"evidence_schemas/common/text.schema.json": {
         "$id": "https://elsewhere.example/ignored.json",
         "$defs": {"short": {"$ref": "#/$defs/five"}, "five": {"type": "string",
                                                                 "maxLength": 5}}}}),
    ("a recursive tree through properties",
     {"properties": {"title": {"type": "string", "maxLength": 5},
                     "delivery_plan": {"$ref": "#/$defs/node"}},
      "$defs": {"node": {"type": "object", "properties": {"children": {
          "type": "array", "items": {"$ref": "#/$defs/node"}}}}}}, {}),
]


@pytest.mark.parametrize("note,change,files", ALLOWED, ids=[a[0] for a in ALLOWED])
def test_local_references_work_at_check_and_at_validation(tmp_path, monkeypatch, note, change,
                                                          files):
    from engine.api import load_criteria

    root = criteria(tmp_path, change, files=files)
    assert e042(root) == ""
    compiled = load_criteria(root)
    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "bundle.yaml").write_text(MANIFEST)
    (bundle / "strategy.yaml").write_text("title: far too long\n")
    with pytest.raises(Exception) as caught:
        load_bundle(bundle, compiled.schemas)
    assert "expected text of at most 5 characters" in str(caught.value)
    (bundle / "strategy.yaml").write_text("title: short\n")
    assert "strategy" in load_bundle(bundle, compiled.schemas).documents


def test_the_validator_never_fetches_a_reference(monkeypatch):
    # Defence in depth: even a schema that never went through `check` fetches nothing.
    import urllib.request

    calls: list[object] = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: calls.append(a))
    schema = EvidenceSchema("x", "X", False, Path("x.json"),
                            {"properties": {"a": {"$ref": "http://127.0.0.1:9/a.json"}}})
    with pytest.raises(Exception):  # noqa: B017 - an unresolvable reference, whatever its class
        list(schema.validator.iter_errors({"a": 1}))
    assert calls == []


def test_a_catastrophic_pattern_does_not_hang_assess(tmp_path):
    # ^(a+)+$ against "aaaa...b" backtracks for ever in Python's re; RE2 answers at once.
    root = criteria(tmp_path, {"properties": {
        "title": {"type": "string", "pattern": "^(a+)+$"},
        "notes": {"type": "object", "patternProperties": {"^(a+)+$": {}},
                  "additionalProperties": False}}})
    assert e042(root) == ""
    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "bundle.yaml").write_text(MANIFEST)
    evil = "a" * 40 + "b"
    (bundle / "strategy.yaml").write_text(f"title: {evil}\nnotes: {{{evil}: 1}}\n")
    run = subprocess.run([str(WELLLED), "validate", str(bundle), "--criteria", str(root)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1, run.stderr
    assert "/title: expected text matching the pattern" in run.stderr
    assert f"unknown field `{evil[:37]}..." in run.stderr
    assert "Traceback" not in run.stderr
