"""Spreadsheets in and out, end to end: template, fill, import, assess, round trips, outputs."""

from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import yaml

from engine.api import AssessOptions, assess_bundle, load_criteria
from engine.app.workbooks import import_workbook, make_template
from engine.errors import BundleError, UsageError
from engine.output.results import dump_result

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "bundles"
WELLLED = [sys.executable, "-m", "engine"]


def run(*args, cwd=ROOT):
    p = subprocess.run([*WELLLED, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                       timeout=180)
    return p.returncode, p.stdout, p.stderr


@pytest.fixture(scope="module")
def criteria():
    return load_criteria(ROOT / "criteria" / "cqc_well_led")


def result_text(criteria, bundle: Path) -> str:
    return dump_result(assess_bundle(criteria, bundle, AssessOptions()))


def without_file_provenance(text: str) -> str:
    """result.json text with what a round trip must change taken out: each file's hash and
    size, and the suffix of its name (every imported file is YAML)."""
    result = json.loads(text)
    for record in result["bundle"]["files"]:
        record["sha256"], record["size"] = "-", 0
        record["path"] = re.sub(r"\.(json|yml)$", ".yaml", record["path"])
    result["bundle"]["files"].sort(key=lambda r: r["path"])
    return re.sub(r'\.(json|yml)"', '.yaml"', dump_result(result))


# ---------------------------------------------------------------- the round trip


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
def test_round_trip_of_every_example_bundle_is_lossless(criteria, tmp_path, name):
    book, back = tmp_path / f"{name}.xlsx", tmp_path / name
    make_template(book, criteria, EXAMPLES / name)
    import_workbook(book, back, criteria)
    before = result_text(criteria, EXAMPLES / name)
    after = result_text(criteria, back)
    assert after != before          # the files did change: YAML, new hashes
    assert without_file_provenance(after) == without_file_provenance(before)
    # assessed straight from the workbook: the same judgements, reads naming cells
    direct = json.loads(dump_result(assess_bundle(criteria, book, AssessOptions())))
    folder = json.loads(before)
    assert {k: (v["level"], v["max_level"], v["status"]) for k, v in direct["results"].items()} \
        == {k: (v["level"], v["max_level"], v["status"]) for k, v in folder["results"].items()}
    from engine.output.results import schema_problems

    assert schema_problems(direct) == []
    assert direct["bundle"]["files"][0]["path"] == f"{name}.xlsx"
    assert direct["bundle"]["files"][0]["type"] == "workbook"


def test_reads_from_a_workbook_name_their_cell(criteria, tmp_path):
    book = tmp_path / "northfield.xlsx"
    make_template(book, criteria, EXAMPLES / "northfield")
    result = assess_bundle(criteria, book, AssessOptions())
    reads = [r for e in result["results"]["board_challenge"]["trace"] for r in e.get("reads", [])]
    cells = {(r["file"], r["pointer"]) for r in reads}
    sheet = openpyxl.load_workbook(book)["board_observation.meetings"]
    header = {sheet.cell(4, c).value: c for c in range(1, sheet.max_column + 1)}
    letter = openpyxl.utils.get_column_letter(header["challenge"])
    assert (f"board_observation.meetings!{letter}6", "/meetings/1/challenge") in cells
    assert sheet[f"{letter}6"].value == "strong"


# ---------------------------------------------------------------- template, filled by a program


HAND_WRITTEN = {
    "bundle.yaml": """\
provider:
  id: RX9
  name: Filled Programmatically NHS Trust
  type: acute
assessment:
  date: 2025-06-30
  kind: self_assessment
""",
    "ftsu.yaml": """\
guardian_in_post: true
guardians: 2
cases_raised: 64
cases_detriment_percent: 3.0
training_completion_percent: 81.5
last_board_report_on: 2025-03-20
themes:
  - bullying and harassment
  - staffing
""",
    "board_observation.yaml": """\
meetings:
  - meeting: Board of directors (public)
    held_on: 2025-03-05
    challenge: strong
    quality_and_safety_discussed: true
  - meeting: Quality Committee
    held_on: 2025-04-09
    challenge: some
    actions_clear: false
""",
    "focus_group/a-theatres.yaml": """\
held_on: 2025-02-11
participants: 12
staff_groups: [nursing_and_midwifery, medical_and_dental]
""",
    "focus_group/b-estates.yaml": """\
held_on: 2025-03-02
participants: 8
staff_groups: [estates_and_facilities]
""",
}


def _fill_fields(ws, values: dict) -> None:
    rows = {ws.cell(r, 1).value: r for r in range(5, ws.max_row + 1)}
    for key, value in values.items():
        ws.cell(rows[key], 2).value = value


def _fill_table(ws, records: list[dict]) -> None:
    columns = {ws.cell(4, c).value: c for c in range(1, ws.max_column + 1)}
    for row, record in enumerate(records, start=5):
        for key, value in record.items():
            ws.cell(row, columns[key]).value = value


def test_template_filled_by_a_program_imports_and_assesses_as_the_same_files(criteria,
                                                                             tmp_path):
    by_hand = tmp_path / "by-hand" / "trust"
    for rel, text in HAND_WRITTEN.items():
        (by_hand / rel).parent.mkdir(parents=True, exist_ok=True)
        (by_hand / rel).write_text(text, encoding="utf-8")
    book_path = tmp_path / "trust.xlsx"
    code, out, err = run("template", book_path)
    assert code == 0, err
    book = openpyxl.load_workbook(book_path)
    d = datetime.date
    _fill_fields(book["manifest"], {"provider.id": "RX9", "provider.type": "acute",
                                    "provider.name": "Filled Programmatically NHS Trust",
                                    "assessment.date": d(2025, 6, 30),
                                    "assessment.kind": "self_assessment"})
    _fill_fields(book["ftsu"], {"guardian_in_post": "yes", "guardians": 2,
                                "cases_raised": "64",               # a number typed as text
                                "cases_detriment_percent": 0.03,    # typed as 3% in Excel
                                "training_completion_percent": 81.5,
                                "last_board_report_on": d(2025, 3, 20),
                                "themes": "bullying and harassment\nstaffing"})
    book["ftsu"].cell(
        [r for r in range(5, 60) if book["ftsu"].cell(r, 1).value
         == "cases_detriment_percent"][0], 2).number_format = "0.0%"
    _fill_table(book["board_observation.meetings"], [
        {"meeting": "Board of directors (public)", "held_on": d(2025, 3, 5),
         "challenge": "strong", "quality_and_safety_discussed": "yes"},
        {"meeting": "Quality Committee", "held_on": d(2025, 4, 9), "challenge": "some",
         "actions_clear": False}])
    _fill_table(book["focus_group"], [
        {"document": "a-theatres", "held_on": d(2025, 2, 11), "participants": 12,
         "staff_groups": "nursing_and_midwifery\nmedical_and_dental"},
        {"document": "b-estates", "held_on": d(2025, 3, 2), "participants": 8,
         "staff_groups": "estates_and_facilities"}])
    book.save(book_path)

    imported = tmp_path / "imported" / "trust"
    code, out, err = run("import", book_path, imported)
    assert code == 0, err
    assert f"wrote {imported} (5 files)" in out
    hand, got = result_text(criteria, by_hand), result_text(criteria, imported)
    assert without_file_provenance(got) == without_file_provenance(hand)
    # every name is the same, so only the hashes and sizes of the files differ
    assert [f["path"] for f in json.loads(got)["bundle"]["files"]] == \
        [f["path"] for f in json.loads(hand)["bundle"]["files"]]


# ---------------------------------------------------------------- every problem at once


def _problem_workbook(path: Path) -> None:
    code, _, err = run("template", path)
    assert code == 0, err
    book = openpyxl.load_workbook(path)
    _fill_fields(book["manifest"], {"provider.id": "RX1", "provider.name": "Test",
                                    "provider.type": "acute",
                                    "assessment.date": datetime.date(2025, 6, 30),
                                    "assessment.kind": "self_assesment"})   # unknown choice
    _fill_fields(book["ftsu"], {"cases_raised": "many"})                    # wrong type
    _fill_table(book["focus_group"], [{"document": "theatres", "participants": 9}])  # no date
    book.create_sheet("Stratgy")["A1"] = "our notes"                         # extra sheet
    book.save(path)


def test_a_bad_workbook_gives_every_problem_at_once_with_its_cell(tmp_path):
    book = tmp_path / "trust.xlsx"
    _problem_workbook(book)
    code, out, err = run("import", book, tmp_path / "out")
    assert code == 1
    assert not (tmp_path / "out").exists()
    label = book.as_posix()
    assert err.splitlines()[0].startswith("wellled: criteria ")   # the folders read (issue 14)
    assert err.splitlines()[1:] == [
        f"{label}: error[E206]: manifest!B9: assessment.kind: expected one of "
        "`self_assessment`, `developmental_review`, `regulatory_review`, got text "
        "`self_assesment`; did you mean `self_assessment`?",
        f"{label}: error[E206]: ftsu!B7: guardian_in_post: required field is missing "
        "(expected true or false)",
        f"{label}: error[E206]: ftsu!B12: cases_raised: expected a whole number, got text "
        "`many`",
        f"{label}: error[E206]: focus_group!B5: held_on: required field is missing "
        "(expected text)",
        f"{label}: error[E208]: Stratgy!A1: sheet `Stratgy` is not an evidence sheet of these "
        "criteria; did you mean `strategy`?",
        "5 problems in the evidence bundle; nothing was written",
    ]
    # assess reads the same workbook with the same words, and writes nothing either
    code, out, err2 = run("assess", book, "-o", tmp_path / "assessed")
    assert code == 1 and err2 == err and not (tmp_path / "assessed").exists()


def test_lenient_import_leaves_invalid_documents_out(criteria, tmp_path):
    book = tmp_path / "trust.xlsx"
    _problem_workbook(book)
    wb = openpyxl.load_workbook(book)
    del wb["Stratgy"]
    _fill_fields(wb["manifest"], {"assessment.kind": "self_assessment"})
    wb.save(book)
    written, problems = import_workbook(book, tmp_path / "out", criteria, lenient=True)
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in written) == \
        ["bundle.yaml"]
    assert any("ftsu!B12: cases_raised" in p for p in problems)
    assert any("collection `focus_group` is treated as not provided" in p for p in problems)


def test_import_refuses_a_folder_with_files_in_it(criteria, tmp_path):
    book = tmp_path / "t.xlsx"
    make_template(book, criteria, EXAMPLES / "eastmarch")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    with pytest.raises(UsageError, match="exists and is not an empty folder"):
        import_workbook(book, tmp_path / "out", criteria)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["keep.txt"]


def test_template_never_overwrites_a_workbook(criteria, tmp_path):
    book = tmp_path / "t.xlsx"
    book.write_bytes(b"the team's work")
    code, out, err = run("template", book)
    assert code == 2 and "exists; choose a new name" in err
    assert book.read_bytes() == b"the team's work"


def test_template_from_a_bundle_refuses_what_would_not_come_back(criteria, tmp_path):
    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "bundle.yaml").write_text(HAND_WRITTEN["bundle.yaml"])
    (bundle / "ftsu.yaml").write_text(HAND_WRITTEN["ftsu.yaml"].replace(
        "  - staffing", '  - "two\\nlines"'))
    with pytest.raises(BundleError) as caught:
        make_template(tmp_path / "t.xlsx", criteria, bundle)
    assert caught.value.problems == [
        f"{bundle.as_posix()}/ftsu.yaml: /themes: this value cannot be written to a "
        "workbook and read back unchanged (for example a list item holding a line break); "
        "keep this bundle as files"]
    assert [d.code for d in caught.value.diagnostics] == ["E210"]
    code, out, err = run("template", tmp_path / "t.xlsx", "--from", bundle)
    assert code == 1 and "error[E210]" in err and "/themes" in err
    assert not (tmp_path / "t.xlsx").exists()


def test_template_from_a_bundle_refuses_two_documents_that_would_share_a_row(criteria,
                                                                            tmp_path):
    """Read in name order, the second of the two (the .yaml) is the one refused."""
    bundle = tmp_path / "harrowmere"
    shutil.copytree(EXAMPLES / "harrowmere", bundle)
    first = bundle / "focus_group" / "2025-03-community-team.yaml"
    twin = first.with_suffix(".json")            # the same document, written as JSON
    twin.write_text(json.dumps(yaml.safe_load(first.read_text()), default=str))
    with pytest.raises(BundleError) as caught:
        make_template(tmp_path / "t.xlsx", criteria, bundle)
    assert [(d.code, d.line()) for d in caught.value.diagnostics] == [
        ("E210", f"{bundle.as_posix()}/focus_group/{first.name}: two documents of a collection "
         "share a name once the suffix is dropped; rename one")]
    assert not (tmp_path / "t.xlsx").exists()


# ---------------------------------------------------------------- results as workbooks


def test_assess_format_xlsx_has_a_summary_and_evidence_gaps(tmp_path):
    code, out, err = run("assess", EXAMPLES / "eastmarch", "-o", tmp_path, "--format", "xlsx")
    assert code == 0, err
    book = openpyxl.load_workbook(tmp_path / "report.xlsx")
    assert book.sheetnames == ["About", "Summary", "Evidence gaps"]
    summary = book["Summary"]
    header = [c.value for c in summary[1]]
    assert header == ["Node", "Kind", "Title", "Judgement", "Assured level", "Range", "Status",
                      "Coverage", "Concerns", "Next step"]
    assert summary.freeze_panes == "A2" and summary.auto_filter.ref
    result = json.loads(run("assess", EXAMPLES / "eastmarch", "-o", tmp_path / "j",
                            "--format", "json")[1] and
                        (tmp_path / "j" / "result.json").read_text())
    rows = {r[0].value: [c.value for c in r] for r in summary.iter_rows(min_row=2)}
    assert len(rows) == len(result["results"])
    assert summary["A2"].value == result["framework"]["root"]
    ranged = [i for i, n in result["results"].items()
              if n["level"] is not None and n["max_level"] != n["level"]]
    assert ranged
    for node_id in ranged:
        node = result["results"][node_id]
        assert rows[node_id][5] == f"{node['level']} to {node['max_level']}"
        assert summary.cell(2, 6).data_type == "s"          # text, never a number or date
    gaps = book["Evidence gaps"]
    assert gaps.max_row > 1
    gap_evidence = {r[3].value for r in gaps.iter_rows(min_row=2) if r[2].value == "evidence gap"}
    expected = {g["evidence"] for n in result["results"].values() if n["kind"] == "criterion"
                for g in n["gaps"]}
    assert gap_evidence == expected


def test_batch_writes_summary_xlsx_with_a_heat_map(criteria, tmp_path):
    root = tmp_path / "trusts"
    root.mkdir()
    make_template(root / "harrowmere.xlsx", criteria, EXAMPLES / "harrowmere")
    shutil.copytree(EXAMPLES / "eastmarch", root / "eastmarch")
    (root / "~$harrowmere.xlsx").write_bytes(b"an Excel lock file")
    code, out, err = run("batch", root, "-o", tmp_path / "out", "--format", "json")
    assert code == 0, err
    assert "2 bundles assessed, 0 failed" in out
    assert (tmp_path / "out" / "harrowmere" / "result.json").is_file()
    book = openpyxl.load_workbook(tmp_path / "out" / "summary.xlsx")
    ws = book["Summary"]
    assert [c.value for c in ws[1]][:4] == ["Provider ODS code", "Provider", "Bundle",
                                            "Assessment date"]
    assert [ws.cell(r, 3).value for r in (2, 3)] == ["eastmarch", "harrowmere"]
    assert ws.freeze_panes == "D2" and ws.auto_filter.ref.startswith("A1:")
    assert ws.cell(1, 1).font.bold and not ws.cell(2, 1).font.bold
    assert {(c.alignment.wrap_text, c.alignment.vertical) for row in ws.iter_rows(min_row=2)
            for c in row} == {(True, "top")}          # every body cell wraps, at the top
    levels = [c.value for row in ws.iter_rows(min_row=2, min_col=5) for c in row]
    assert all(isinstance(v, str) for v in levels)
    assert any(" to " in v for v in levels) and not any("-" in v for v in levels)
    rules = [r for rng in ws.conditional_formatting for r in rng.rules]
    assert len(rules) == 4          # one colour per level of the scale
    assert rules[0].formula == ['OR(E2="1",LEFT(E2,4)="1 to")']


def test_batch_finds_workbooks_but_not_inside_bundles_nor_lock_files(tmp_path):
    from engine.app.batch import find_bundles

    for rel in ("a/bundle.yaml", "a/original.xlsx", "region/b.xlsx", "~$b.xlsx",
                ".hidden/c.xlsx", "out/d.xlsx", "e.xlsx"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    found = find_bundles(tmp_path, skip=tmp_path / "out")
    assert [(name, path.relative_to(tmp_path).as_posix()) for name, path in found] == [
        ("a", "a"), ("e", "e.xlsx"), ("region/b", "region/b.xlsx")]
