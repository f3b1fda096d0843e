"""Evidence problems are located, coded diagnostics, of the same kind as criteria problems.

Each problem of a bundle folder or workbook is a ``Diagnostic`` with an E2xx code from the
one code table, its file, the line and column where the format gives them, the JSON
pointer of the value, a message and help. On one line (``Diagnostic.line``) it reads as
it did before codes (result.json, batch summaries, --lenient's set-aside list); on a
terminal (``format``) it shows its code the way criteria problems do.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.diagnostics import CODE_TABLE, Diagnostic, explain_code
from engine.errors import BundleError
from engine.evidence.bundle import load_bundle
from engine.evidence.schemas import EvidenceSchema
from engine.evidence.workbook import WorkbookData, workbook_bundle
from engine.output.results import set_aside
from engine.source import Span

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "hostile" / "criteria" / "evidence_schemas"
SCHEMAS = {
    path.name.removesuffix(".schema.json"): EvidenceSchema(
        path.name.removesuffix(".schema.json"), "", path.name.startswith("focus_group"), path,
        json.loads(path.read_text()))
    for path in sorted(SCHEMA_DIR.glob("*.schema.json"))}
MANIFEST = ("provider: {id: RX1, name: Test Trust, type: acute}\n"
            "assessment: {date: 2025-06-30, kind: self_assessment}\n")


def make(root: Path, files: dict[str, str | None]) -> Path:
    root.mkdir()
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            path.mkdir(exist_ok=True)
        else:
            path.write_text(text)
    return root


def refused(root: Path, **options) -> BundleError:
    with pytest.raises(BundleError) as caught:
        load_bundle(root, SCHEMAS, **options)
    return caught.value


# (what, files, code, file, (line, column) or None, pointer or None, words in the message)
FOLDER_CASES = [
    ("wrong type", {"bundle.yaml": MANIFEST, "ftsu.yaml": "guardian_in_post: yes please\n"},
     "E206", "ftsu.yaml", (1, 19), "/guardian_in_post", "expected true or false"),
    ("missing field", {"bundle.yaml": MANIFEST, "ftsu.json": "{}"},
     "E206", "ftsu.json", (1, 1), "/guardian_in_post", "required field is missing"),
    ("yaml syntax", {"bundle.yaml": MANIFEST, "strategy.yaml": "title: [unclosed\n"},
     "E203", "strategy.yaml", (1, 8), None, "not valid YAML"),
    ("json syntax", {"bundle.yaml": MANIFEST, "ftsu.json": '{"guardian_in_post": tru}'},
     "E203", "ftsu.json", (1, 22), None, "not valid JSON"),
    ("duplicate key", {"bundle.yaml": MANIFEST, "ftsu.yaml": "a: 1\na: 2\n"},
     "E203", "ftsu.yaml", (2, 1), None, "duplicate key `a`"),
    ("no manifest", {"strategy.yaml": "title: t\n"}, "E204", "", None, None, "no manifest"),
    ("period reversed", {"bundle.yaml": MANIFEST.replace(
        "kind: self_assessment}", "kind: self_assessment, period: {start: 2025-01-01, "
        "end: 2024-01-01}}")}, "E204", "bundle.yaml", (2, 63), "/assessment/period",
     "the period ends before it starts"),
    ("collection as one file", {"bundle.yaml": MANIFEST, "focus_group.yaml": "a: 1\n"},
     "E205", "focus_group.yaml", None, None, "is a collection"),
    ("misnamed", {"bundle.yaml": MANIFEST, "Strategy.yaml": "title: t\n"},
     "E205", "Strategy.yaml", None, None, "did you mean `strategy.yaml`"),
    ("empty", {"bundle.yaml": MANIFEST, "strategy.yaml": ""},
     "E207", "strategy.yaml", None, None, "the file is empty"),
    ("not filled in", {"bundle.yaml": MANIFEST, "strategy.yaml": "title: null\n"},
     "E207", "strategy.yaml", None, None, "not filled in yet"),
]


@pytest.mark.parametrize("what, files, code, file, line_col, pointer, words", FOLDER_CASES,
                         ids=[c[0] for c in FOLDER_CASES])
def test_each_folder_problem_is_a_located_coded_diagnostic(tmp_path, what, files, code, file,
                                                          line_col, pointer, words):
    error = refused(make(tmp_path / "b", files))
    found = [d for d in error.diagnostics if d.code == code]
    assert len(found) == 1, [d.line() for d in error.diagnostics]
    problem = found[0]
    assert problem.code in CODE_TABLE and problem.severity == "error"
    assert problem.span.path == (f"{tmp_path / 'b'}/{file}" if file else str(tmp_path / "b"))
    assert (problem.span.line, problem.span.column) == (line_col or (0, 0))
    assert problem.pointer == pointer
    assert words in problem.message
    # One line, as before codes: what result.json, batch and the test runner show.
    index = error.diagnostics.index(problem)
    assert error.problems[index] == problem.line()
    assert f"error[{code}]" not in problem.line()
    # On a terminal: the same place, then the code.
    head = error.details[index].splitlines()[0]
    assert head == problem.line().replace(": ", f": error[{code}]: ", 1) \
        if not problem.span.line else head.startswith(f"{problem.where}: error[{code}]: ")


def test_the_terminal_shows_the_source_line_a_caret_and_help(tmp_path):
    error = refused(make(tmp_path / "b", {"bundle.yaml": MANIFEST,
                                          "strategy.yaml": "title: Plan: 2025\n"}))
    shown = error.details[0].splitlines()
    assert shown[0] == (f"{tmp_path}/b/strategy.yaml:1:12: error[E203]: not valid YAML: "
                        "mapping values are not allowed in this context")
    assert shown[1:3] == ["   1 | title: Plan: 2025", "     |            ^"]
    assert shown[3].startswith("  help: a value holds a colon followed by a space")


def test_control_characters_never_reach_the_terminal(tmp_path):
    error = refused(make(tmp_path / "b", {"bundle.yaml": MANIFEST,
                                          "strategy.yaml": "title: \x1b[31m: x\n"}))
    assert "\x1b" not in "\n".join(error.details)


@pytest.mark.parametrize("files, code", [
    ({"bundle.yaml": MANIFEST, "strategy.yaml": "title: t\n", "bundle.json": "{}"}, "E204"),
    ({"bundle.yaml": MANIFEST, "strategy.yaml": "title: t\n", "strategy.json": "{}"}, "E205"),
    ({"bundle.yaml": MANIFEST, "strategy": None}, "E205"),
])
def test_every_problem_of_the_bundle_has_a_code(tmp_path, files, code):
    error = refused(make(tmp_path / "b", files))
    assert code in {d.code for d in error.diagnostics}
    assert len(error.diagnostics) == len(error.problems) == len(error.details)


def test_a_symbolic_link_is_refused_as_E202(tmp_path):
    root = make(tmp_path / "b", {"bundle.yaml": MANIFEST})
    (tmp_path / "elsewhere.yaml").write_text("title: t\n")
    (root / "strategy.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    (problem,) = refused(root).diagnostics
    assert (problem.code, problem.line()) == ("E202", f"{root}/strategy.yaml: is a symbolic "
                                              "link; copy the file itself into the bundle "
                                              "(links are refused: they can point outside it)")


def test_every_evidence_code_is_produced_here():
    """Each E2xx code of the table comes out of at least one case in this file, but E210
    (``template --from``), which tests/e2e/test_workbooks.py checks."""
    produced = {case[2] for case in FOLDER_CASES} | {"E201", "E202", "E208", "E209", "E210"}
    assert produced == {code for code in CODE_TABLE if code.startswith("E2")}


def test_a_missing_folder_is_E201(tmp_path):
    error = refused(tmp_path / "nowhere")
    assert [(d.code, d.line()) for d in error.diagnostics] == [
        ("E201", f"{tmp_path}/nowhere: no such bundle folder")]


def test_lenient_keeps_plain_lines_for_the_result_and_the_set_aside_list(tmp_path):
    root = make(tmp_path / "b", {"bundle.yaml": MANIFEST,
                                 "ftsu.yaml": "guardian_in_post: maybe\n",
                                 "focus_group/a.yaml": "participants: many\n"})
    bundle = load_bundle(root, SCHEMAS, lenient=True)
    assert [d.line() for d in bundle.diagnostics] == list(bundle.problems)
    assert {d.code for d in bundle.diagnostics} == {"E206", "E209"}
    assert not any("error[" in p for p in bundle.problems)
    assert f"{root}/ftsu.yaml:1:19: /guardian_in_post: expected true or false, got text " \
           "`maybe`" in bundle.problems
    aside = {entry["path"]: entry["reasons"] for entry in set_aside(bundle)}
    assert aside["ftsu.yaml"] == ["/guardian_in_post: expected true or false, got text `maybe`"]
    assert any(reason.startswith("a.yaml: ") for reason in aside["focus_group/"])


# ---------------------------------------------------------------- workbooks


def test_a_workbook_problem_names_its_cell_and_keeps_the_pointer():
    book = WorkbookData("trust.xlsx", [])
    book.add((1, 12, 2), "ftsu!B12", "cases_raised", "the cell holds a formula")
    (_, problem), = book.problems
    assert (problem.code, problem.place, problem.span.line) == ("E208", "ftsu!B12: cases_raised",
                                                                0)
    assert problem.line() == "trust.xlsx: ftsu!B12: cases_raised: the cell holds a formula"
    assert problem.format() == ("trust.xlsx: error[E208]: ftsu!B12: cases_raised: the cell "
                                "holds a formula")


def test_a_workbook_validation_problem_is_E206_at_its_cell():
    book = WorkbookData("trust.xlsx", [])
    book.data = {"bundle.yaml": {"provider": {"id": "RX1", "name": "T", "type": "acute"},
                                 "assessment": {"date": "2025-06-30",
                                                "kind": "self_assessment"}},
                 "ftsu.yaml": {"guardian_in_post": "yes"}}
    book.places = {"ftsu.yaml": {"/guardian_in_post": ("ftsu!B7", "guardian_in_post",
                                                       (1, 7, 2))}}
    with pytest.raises(BundleError) as caught:
        workbook_bundle(book, SCHEMAS)
    (problem,) = caught.value.diagnostics
    assert (problem.code, problem.place, problem.pointer) == (
        "E206", "ftsu!B7: guardian_in_post", "/guardian_in_post")
    assert caught.value.problems == [
        "trust.xlsx: ftsu!B7: guardian_in_post: expected true or false, got text `yes`; "
        "write `true` or `false` (without quotes), here `true`"]


# ---------------------------------------------------------------- the code table


@pytest.mark.parametrize("code", [f"E20{i}" for i in range(1, 10)])
def test_every_evidence_code_is_explained(code):
    assert code in CODE_TABLE
    assert explain_code(code).startswith(f"{code}: {CODE_TABLE[code].title}\n\n")


def test_criteria_diagnostics_read_as_before():
    d = Diagnostic("E010", "error", "unknown criterion `staf`", Span("a.crit", 2, 5, 2, 9))
    assert d.format() == "a.crit:2:5: error[E010]: unknown criterion `staf`"
    assert "pointer" not in d.to_json() and "place" not in d.to_json()
    evidence = Diagnostic("E206", "error", "m", Span("b/x.yaml", 0, 0, 0, 0), pointer="/a")
    assert evidence.to_json()["pointer"] == "/a" and evidence.line() == "b/x.yaml: /a: m"


# ---------------------------------------------------------------- inline evidence (test blocks)


@pytest.mark.parametrize("docs, code, pointer", [
    ({"strategy": {"title": 3}}, "E206", "/title"),
    ({"strategy": ["x"]}, "E206", None),
    ({"focus_group": [{"held_on": "2025-01-01", "group": "g", "participants": -1}]}, "E206",
     "/0/participants"),
    ({"focus_group": [None]}, "E207", "/0"),
    ({"focus_group": {"held_on": "2025-01-01"}}, "E205", None),
    ({"stratgy": {}}, "E205", None),
])
def test_inline_evidence_problems_are_diagnostics_at_the_test(docs, code, pointer):
    from engine.evidence.bundle import Manifest, bundle_from_documents

    manifest = Manifest.model_validate({"provider": {"id": "RX1", "name": "T", "type": "acute"},
                                        "assessment": {"date": "2025-06-30",
                                                       "kind": "self_assessment"}})
    with pytest.raises(BundleError) as caught:
        bundle_from_documents(manifest, docs, SCHEMAS, origin='w1.crit:12 test "t"')
    (problem,) = caught.value.diagnostics
    assert (problem.code, problem.pointer) == (code, pointer)
    assert problem.span.path.startswith('w1.crit:12 test "t" evidence ')
    assert caught.value.problems == [problem.line()]
