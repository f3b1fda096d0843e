"""engine.evidence.bundle: finding, reading and validating the files of a bundle."""

import datetime
import hashlib
import json
import os
from pathlib import Path

import pytest

from engine.errors import BundleError
from engine.evidence.bundle import (
    Assessment,
    Manifest,
    Provider,
    bundle_from_documents,
    load_bundle,
)
from engine.evidence.schemas import EvidenceSchema
from engine.evidence.validate import validate_document

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "hostile" / "criteria" / "evidence_schemas"
MANY = {"focus_group"}


def _schemas() -> dict[str, EvidenceSchema]:
    out = {}
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        evidence_id = path.name.removesuffix(".schema.json")
        schema = json.loads(path.read_text())
        out[evidence_id] = EvidenceSchema(evidence_id, schema["title"], evidence_id in MANY,
                                          path, schema)
    return out


SCHEMAS = _schemas()

MANIFEST = """\
provider: {id: RX1, name: Northfield University Hospitals, type: acute}
assessment:
  date: 2025-06-30
  kind: self_assessment
  period: {start: 2024-04-01, end: 2025-03-31}
"""
STRATEGY = "title: Our strategy\napproved_on: 2025-01-15\n"
GROUP = "held_on: 2025-01-10\ngroup: ward 7 nurses\nparticipants: 8\n"


def make(root: Path, files: dict[str, str | bytes | None]) -> Path:
    """Write ``files`` (a None value makes an empty folder) under ``root``; the root."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        if content is None:
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


def problems_of(root: Path, **options) -> list[str]:
    with pytest.raises(BundleError) as caught:
        load_bundle(root, SCHEMAS, **options)
    return caught.value.problems


def test_a_valid_bundle(tmp_path):
    root = make(tmp_path / "northfield", {
        "bundle.yaml": MANIFEST, "strategy.yaml": STRATEGY,
        "ftsu.json": '{"guardian_in_post": true, "cases_raised": 12}',
        "focus_group/b.yaml": GROUP, "focus_group/a.json": json.dumps(
            {"held_on": "2025-02-01", "group": "estates", "participants": 5}),
        "README.md": "notes", "strategy.txt": "x", "attachments/board.pdf": b"%PDF",
        ".DS_Store": b"\0", ".git/config": "x", "focus_group/.hidden.yaml": "x: [",
    })
    bundle = load_bundle(root, SCHEMAS)
    assert bundle.name == "northfield"
    assert bundle.manifest.provider.type == "acute"
    assert bundle.manifest.assessment.date == datetime.date(2025, 6, 30)
    assert bundle.manifest.assessment.period.end == datetime.date(2025, 3, 31)
    strategy = bundle.documents["strategy"]
    assert (strategy.type, strategy.path) == ("strategy", "strategy.yaml")
    assert strategy.data == {"title": "Our strategy", "approved_on": datetime.date(2025, 1, 15)}
    assert bundle.documents["ftsu"].data == {"guardian_in_post": True, "cases_raised": 12}
    groups = bundle.collections["focus_group"]
    assert [d.path for d in groups] == ["focus_group/a.json", "focus_group/b.yaml"]
    assert groups[1].data["held_on"] == datetime.date(2025, 1, 10)
    assert "staff_survey" not in bundle.documents
    assert bundle.unused == ("README.md", "attachments/board.pdf", "strategy.txt")
    assert bundle.problems == ()
    paths = [f.path for f in bundle.files]
    assert paths == ["bundle.yaml", "focus_group/a.json", "focus_group/b.yaml", "ftsu.json",
                     "strategy.yaml"]
    for record in bundle.files:
        raw = (root / record.path).read_bytes()
        assert record.sha256 == hashlib.sha256(raw).hexdigest()
        assert record.size == len(raw)
    assert {f.path: f.type for f in bundle.files}["bundle.yaml"] == "bundle"


@pytest.mark.parametrize("files,provided", [
    ({"focus_group": None}, ()),
    ({}, None),
    ({"focus_group/notes.md": "x"}, ()),
], ids=["empty folder is known empty", "absent folder is not provided",
        "folder without documents is known empty"])
def test_collection_known_empty_or_not_provided(tmp_path, files, provided):
    root = make(tmp_path / "b", {"bundle.yaml": MANIFEST, **files})
    assert load_bundle(root, SCHEMAS).collections.get("focus_group") == provided


def test_nested_folder_in_a_collection_is_unused(tmp_path):
    root = make(tmp_path / "b", {"bundle.yaml": MANIFEST, "focus_group/a.yaml": GROUP,
                                 "focus_group/2024/old.yaml": GROUP})
    bundle = load_bundle(root, SCHEMAS)
    assert [d.path for d in bundle.collections["focus_group"]] == ["focus_group/a.yaml"]
    assert bundle.unused == ("focus_group/2024/old.yaml",)


def test_manifest_may_be_json(tmp_path):
    manifest = {"provider": {"id": "RX1", "name": "N", "type": "other"},
                "assessment": {"date": "2025-06-30", "kind": "regulatory_review",
                               "assessor": "CQC"}}
    root = make(tmp_path / "b", {"bundle.json": json.dumps(manifest)})
    assert load_bundle(root, SCHEMAS).manifest.assessment.assessor == "CQC"


LAYOUT_PROBLEMS = [
    ("no manifest", {"strategy.yaml": STRATEGY},
     "b: no manifest: add `bundle.yaml`"),
    ("two manifests", {"bundle.yaml": MANIFEST, "bundle.json": "{}"},
     "b: `bundle.json` and `bundle.yaml` are both manifests; keep one"),
    ("type twice", {"bundle.yaml": MANIFEST, "strategy.yaml": STRATEGY,
                    "strategy.json": '{"title": "x"}'},
     "b/strategy.json: evidence `strategy` is given twice (`strategy.json` and "
     "`strategy.yaml`); keep one"),
    ("single type as folder", {"bundle.yaml": MANIFEST, "strategy/a.yaml": STRATEGY},
     "b/strategy: is a folder, but evidence `strategy` is one document: give it as "
     "`strategy.yaml` or `strategy.json`"),
    ("many type as file", {"bundle.yaml": MANIFEST, "focus_group.yaml": GROUP},
     "b/focus_group.yaml: evidence `focus_group` is a collection: put each document in its "
     "own file in the folder `focus_group/`"),
    ("empty document", {"bundle.yaml": MANIFEST, "strategy.yaml": "# todo\n"},
     "b/strategy.yaml: the file is empty; fill it in or remove it"),
]


@pytest.mark.parametrize("note,files,expected", LAYOUT_PROBLEMS,
                         ids=[c[0] for c in LAYOUT_PROBLEMS])
def test_layout_problems(tmp_path, monkeypatch, note, files, expected):
    monkeypatch.chdir(tmp_path)
    make(tmp_path / "b", files)
    assert any(p.startswith(expected) for p in problems_of(Path("b")))


MANIFEST_PROBLEMS = [
    ("unknown provider type", MANIFEST.replace("type: acute", "type: acutely"),
     "b/bundle.yaml:1:66: /provider/type: expected one of `acute`, `mental_health`, `community`, "
     "`ambulance`, `integrated`, `other`, got text `acutely`; did you mean `acute`?"),
    ("invalid date", MANIFEST.replace("date: 2025-06-30", "date: 2025-02-30"),
     "b/bundle.yaml:3:9: /assessment/date: `2025-02-30` is not a date: the day 30 is out of "
     "range for February 2025 (it has 28 days)"),
    ("period reversed", MANIFEST.replace("start: 2024-04-01", "start: 2026-04-01"),
     "b/bundle.yaml:5:11: /assessment/period: the period ends before it starts"),
    ("missing provider", "assessment: {date: 2025-06-30, kind: self_assessment}\n",
     "b/bundle.yaml:1:1: /provider: required field is missing (expected an object (fields and "
     "values))"),
    ("unknown field", MANIFEST + "provder: x\n",
     "b/bundle.yaml:6:1: /provder: unknown field `provder`; did you mean `provider`?"),
    ("not an object", "- a\n- b\n",
     "b/bundle.yaml: expected an object (fields and values), got a list"),
]


@pytest.mark.parametrize("note,manifest,expected", MANIFEST_PROBLEMS,
                         ids=[c[0] for c in MANIFEST_PROBLEMS])
def test_manifest_problems(tmp_path, monkeypatch, note, manifest, expected):
    monkeypatch.chdir(tmp_path)
    make(tmp_path / "b", {"bundle.yaml": manifest})
    assert expected in problems_of(Path("b"))


VALIDATION = [
    # note, evidence id, document, expected (pointer, message) pairs
    ("wrong type", "ftsu", {"guardian_in_post": "yes"},
     [("/guardian_in_post", "expected true or false, got text `yes`; write `true` or `false` "
       "(without quotes), here `true`")]),
    ("null where required", "ftsu", {"guardian_in_post": None},
     [("/guardian_in_post", "still to fill: expected true or false")]),
    ("missing required", "strategy", {},
     [("/title", "required field is missing (expected text)")]),
    ("below minimum", "ftsu", {"guardian_in_post": True, "cases_raised": -1},
     [("/cases_raised", "expected a number at least 0, got `-1`")]),
    ("above maximum", "staff_survey", {"year": 2024, "questions": {"q": {"percent_positive": 101}}},
     [("/questions/q/percent_positive", "expected a number at most 100, got `101`")]),
    ("enum in a list", "strategy", {"title": "t", "coproduced_with": ["staff", "stafff"]},
     [("/coproduced_with/1", "expected one of `people_using_services`, `staff`, "
       "`system_partners`, `governors`, `commissioners`, got text `stafff`; did you mean "
       "`staff`?")]),
    ("invalid date", "strategy", {"title": "t", "approved_on": "15/01/2025"},
     [("/approved_on", "expected a date as YYYY-MM-DD, got text `15/01/2025`; write dates as "
       "YYYY-MM-DD: `2025-01-15`")]),
    ("sensitive value not shown", "focus_group",
     {"held_on": "2025-01-01", "group": "g", "participants": 3, "quotes": [{"text": 42}]},
     [("/quotes/0/text", "expected text, got a whole number (not shown: sensitive field)")]),
    ("other values are quoted", "focus_group",
     {"held_on": "2025-01-01", "group": "g", "participants": "my manager shouts"},
     [("/participants", "expected a whole number, got text `my manager shouts`")]),
    ("all problems sorted by pointer", "strategy",
     {"title": 1, "delivery_plan": {"objectives": [{"due": "x"}, {"title": 2}]},
      "approved_on": "2025-1-1"},
     [("/approved_on", "expected a date as YYYY-MM-DD, got text `2025-1-1`; write dates as "
       "YYYY-MM-DD: `2025-01-01`"),
      ("/delivery_plan/objectives/0/due", "expected a date as YYYY-MM-DD, got text `x`"),
      ("/delivery_plan/objectives/0/title", "required field is missing (expected text)"),
      ("/delivery_plan/objectives/1/title", "expected text, got `2`"),
      ("/title", "expected text, got `1`")]),
]


@pytest.mark.parametrize("note,evidence_id,document,expected", VALIDATION,
                         ids=[c[0] for c in VALIDATION])
def test_validation_messages(note, evidence_id, document, expected):
    assert validate_document(SCHEMAS[evidence_id], document) == expected


def test_sensitive_text_is_never_quoted():
    schema = SCHEMAS["focus_group"]
    found = validate_document(schema, {"held_on": "2025-01-01", "group": "g", "participants": 1,
                                       "quotes": [{"text": "my manager shouts", "extra": 1}]})
    assert found == [("/quotes/0/extra", "unknown field `extra`; did you mean `text`?")]
    assert schema.is_sensitive("/quotes/3/text")
    assert not schema.is_sensitive("/quotes/3/role")


def test_every_problem_of_every_file_at_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make(tmp_path / "b", {
        "bundle.yaml": MANIFEST, "strategy.yaml": "title: 1\napproved_on: soon\n",
        "ftsu.json": '{"guardian_in_post": 1, "guardian_in_post": 2}',
        "focus_group/a.yaml": "held_on: 2025-01-01\n", "focus_group/b.yaml": "a: !!str b\n",
    })
    assert problems_of(Path("b")) == [
        "b/focus_group/a.yaml:1:1: /group: required field is missing (expected text)",
        "b/focus_group/a.yaml:1:1: /participants: required field is missing (expected a whole "
        "number)",
        "b/focus_group/b.yaml:1:4: YAML tags such as `!!str` are not allowed; write the plain "
        "value",
        "b/ftsu.json: duplicate key `guardian_in_post` (the later one would silently win); "
        "keep one",
        "b/strategy.yaml:2:14: /approved_on: expected a date as YYYY-MM-DD, got text `soon`",
        "b/strategy.yaml:1:8: /title: expected text, got `1`",
    ]


def test_lenient_treats_invalid_documents_as_not_provided(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make(tmp_path / "b", {
        "bundle.yaml": MANIFEST, "strategy.yaml": "title: 1\n",
        "ftsu.yaml": "guardian_in_post: true\n",
        "focus_group/a.yaml": GROUP, "focus_group/b.yaml": "group: x\n",
    })
    bundle = load_bundle(Path("b"), SCHEMAS, lenient=True)
    assert set(bundle.documents) == {"ftsu"}
    assert "focus_group" not in bundle.collections
    assert bundle.problems == (
        "b/focus_group: collection `focus_group` is treated as not provided: 1 of its "
        "documents is invalid",
        "b/focus_group/b.yaml:1:1: /held_on: required field is missing (expected text)",
        "b/focus_group/b.yaml:1:1: /participants: required field is missing (expected a whole "
        "number)",
        "b/strategy.yaml:1:8: /title: expected text, got `1`",
    )


@pytest.mark.parametrize("files,expected", [
    ({"ftsu.yaml": "a: 1\na: 2\n"}, "duplicate key `a`"),
    ({"bundle.yaml": "provider: 1\n"}, "/provider: expected an object"),
])
def test_lenient_still_refuses(tmp_path, files, expected):
    root = make(tmp_path / "b", {"bundle.yaml": MANIFEST, **files})
    assert any(expected in p for p in problems_of(root, lenient=True))


def test_symlinks_and_special_files_are_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make(tmp_path / "outside", {"secret.yaml": "title: x\n"})
    root = make(tmp_path / "b", {"bundle.yaml": MANIFEST, "focus_group": None})
    os.symlink(tmp_path / "outside" / "secret.yaml", root / "strategy.yaml")
    os.symlink(tmp_path / "outside", root / "attachments")
    os.symlink(tmp_path / "outside" / "secret.yaml", root / "focus_group" / "x.yaml")
    os.mkfifo(root / "ftsu.yaml")
    assert problems_of(Path("b")) == [
        "b/attachments: is a symbolic link; copy the file itself into the bundle (links are "
        "refused: they can point outside it)",
        "b/focus_group/x.yaml: is a symbolic link; copy the file itself into the bundle "
        "(links are refused: they can point outside it)",
        "b/ftsu.yaml: is not a regular file or folder; remove it from the bundle",
        "b/strategy.yaml: is a symbolic link; copy the file itself into the bundle (links are "
        "refused: they can point outside it)",
    ]


def test_the_bundle_folder_itself_may_be_a_link(tmp_path):
    real = make(tmp_path / "real", {"bundle.yaml": MANIFEST})
    os.symlink(real, tmp_path / "link")
    assert load_bundle(tmp_path / "link", SCHEMAS).manifest.provider.id == "RX1"


def test_size_limit_is_checked_before_reading(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = make(tmp_path / "b", {"bundle.yaml": MANIFEST})
    with open(root / "strategy.json", "wb") as handle:
        handle.truncate(3_000_000)      # sparse: size without content to read
    assert problems_of(Path("b"), max_file_mb=1) == [
        "b/strategy.json: the file is 3.0 MB, over the limit of 1 MB; split it or raise the "
        "limit with --max-file-mb"]


def test_no_such_folder(tmp_path):
    with pytest.raises(BundleError, match="no such bundle folder"):
        load_bundle(tmp_path / "missing", SCHEMAS)


MANIFEST_MODEL = Manifest(
    provider=Provider(id="RX1", name="Test", type="acute"),
    assessment=Assessment(date=datetime.date(2025, 6, 30), kind="self_assessment"))


def test_inline_documents_are_validated_and_dated():
    bundle = bundle_from_documents(MANIFEST_MODEL, {
        "strategy": {"title": "t", "approved_on": "2025-01-15"},
        "focus_group": [{"held_on": "2025-01-01", "group": "g", "participants": 3}],
    }, SCHEMAS, origin="criteria/x.crit:12")
    assert bundle.documents["strategy"].data["approved_on"] == datetime.date(2025, 1, 15)
    assert bundle.collections["focus_group"][0].data["held_on"] == datetime.date(2025, 1, 1)
    assert bundle.manifest is MANIFEST_MODEL


@pytest.mark.parametrize("docs,expected", [
    ({"strategy": {"title": 3}},
     ["criteria/x.crit:12 evidence strategy: /title: expected text, got `3`"]),
    ({"strategy": {}},
     ["criteria/x.crit:12 evidence strategy: /title: required field is missing (expected "
      "text)"]),
    ({"focus_group": [{"held_on": "2025-01-01", "group": "g", "participants": -1}]},
     ["criteria/x.crit:12 evidence focus_group: /0/participants: expected a number at least 0, "
      "got `-1`"]),
    ({"focus_group": {"held_on": "2025-01-01"}},
     ["criteria/x.crit:12 evidence focus_group: evidence `focus_group` is a collection: give a "
      "list of documents"]),
    ({"strategy": ["x"]},
     ["criteria/x.crit:12 evidence strategy: expected an object (fields and values), got a "
      "list"]),
    ({"stratgy": {}},
     ["criteria/x.crit:12 evidence stratgy: unknown evidence `stratgy` (known: focus_group, "
      "ftsu, staff_survey, strategy)"]),
])
def test_inline_documents_invalid(docs, expected):
    with pytest.raises(BundleError) as caught:
        bundle_from_documents(MANIFEST_MODEL, docs, SCHEMAS, origin="criteria/x.crit:12")
    assert caught.value.problems == expected


def test_validator_built_once_per_schema():
    schema = SCHEMAS["strategy"]
    assert schema.validator is schema.validator
    assert schema.validator.format_checker is not None


def test_convert_dates_copies_and_leaves_other_strings():
    schema = SCHEMAS["strategy"]
    document = {"title": "2025-01-01", "delivery_plan": {"objectives": [{"title": "a",
                                                                         "due": "2026-03-31"}]}}
    converted = schema.convert_dates(document)
    assert converted["title"] == "2025-01-01"
    assert converted["delivery_plan"]["objectives"][0]["due"] == datetime.date(2026, 3, 31)
    assert document["delivery_plan"]["objectives"][0]["due"] == "2026-03-31"


@pytest.mark.parametrize("schema,document,fast,expected", [
    # dependentRequired is in the fast validator's table (issue 13): the fast path says
    # "invalid", jsonschema gives the words.
    ({"type": "object", "dependentRequired": {"a": ["b"]}}, {"a": 1}, True,
     [("", "fields needed with this one are missing: 'b' is a dependency of 'a'")]),
    # Formats are checked by jsonschema's own format checker on either path.
    ({"type": "string", "format": "email"}, "not an email", True,
     [("", "expected an email address, got text `not an email`")]),
    ({"type": "string", "format": "email"}, "a@b.example", True, []),
    ({"type": "string", "format": "no-such-format"}, "anything", True, []),
    ({"type": "number", "multipleOf": 0.5}, 0.7, False,
     [("", "expected a multiple of 0.5, got `0.7`")]),
    ({"type": "object", "properties": {"a": {"$ref": "#/$defs/a"}}, "$defs": {"a": {
        "type": "integer", "minimum": 1}}}, {"a": 0}, True,
     [("/a", "expected a number at least 1, got `0`")]),
], ids=["dependentRequired", "other format", "other format, valid", "unknown format",
        "multipleOf", "local ref"])
def test_fast_path_only_for_known_keywords(schema, document, fast, expected):
    evidence = EvidenceSchema("x", "X", False, Path("x.schema.json"), schema)
    assert (evidence.fast_check is not None) == fast
    assert validate_document(evidence, document) == expected


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their permissions")
def test_unreadable_folder(tmp_path):
    root = make(tmp_path / "b", {"bundle.yaml": MANIFEST, "focus_group": None})
    (root / "focus_group").chmod(0)
    try:
        assert problems_of(root)[0].endswith("focus_group`: permission denied")
    finally:
        (root / "focus_group").chmod(0o755)


@pytest.mark.parametrize("name,expected", [
    ("staff-survey.yaml", "b/staff-survey.yaml: matches no evidence type: did you mean "
                          "`staff_survey.yaml`? Rename it, or it is not read"),
    ("Strategy.yaml", "b/Strategy.yaml: matches no evidence type: did you mean "
                      "`strategy.yaml`?"),
    ("stratgy.json", "b/stratgy.json: matches no evidence type: did you mean `strategy.json`?"),
    ("focus-group/a.yaml", "b/focus-group: matches no evidence type: did you mean the folder "
                           "`focus_group/`?"),
])
def test_a_misnamed_evidence_file_says_did_you_mean(tmp_path, monkeypatch, name, expected):
    monkeypatch.chdir(tmp_path)
    make(tmp_path / "b", {"bundle.yaml": MANIFEST, name: "title: t\n"})
    assert any(p.startswith(expected) for p in problems_of(Path("b"))), problems_of(Path("b"))


def test_a_name_unlike_any_type_is_still_only_unused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make(tmp_path / "b", {"bundle.yaml": MANIFEST, "meeting_notes.yaml": "a: 1\n",
                          "strategy_2019.yaml": "a: 1\n"})
    assert load_bundle(Path("b"), SCHEMAS).unused == ("meeting_notes.yaml", "strategy_2019.yaml")
