"""`wellled diff` end to end: the shipped set against copies with one change each, over the
four example bundles (issue 17's acceptance cases), and its exit codes and files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tests.diffcases import (
    BUNDLES,
    ROOT,
    SHIPPED,
    cap_added,
    concern_added,
    criterion_removed,
    layout_only,
    raised_threshold,
)

WELLLED = [sys.executable, "-m", "engine"]


def run(*args, cwd=ROOT):
    p = subprocess.run([*WELLLED, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                       timeout=300)
    return p.returncode, p.stdout, p.stderr


def valid(doc: dict) -> dict:
    """``doc`` after checking it against the published schema, reports/diff.schema.json."""
    schema = json.loads((ROOT / "reports" / "diff.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    problems = [f"{list(e.absolute_path)}: {e.message}"
                for e in Draft202012Validator(schema).iter_errors(doc)]
    assert problems == []
    return doc


def diff_doc(tmp_path: Path, make, *extra) -> tuple[int, dict, str]:
    new = make(tmp_path / "new")
    out = tmp_path / "out"
    code, stdout, stderr = run("diff", SHIPPED, new, BUNDLES, "-o", out, *extra)
    assert "Traceback" not in stderr
    return code, valid(json.loads((out / "diff.json").read_text(encoding="utf-8"))), stdout


def moves(doc: dict) -> dict[str, dict[str, str]]:
    """{bundle: {node: direction}} for every bundle that moves."""
    return {row["bundle"]: {c["node"]: c["direction"] for c in row["changes"]}
            for row in doc["results"]["bundle_results"] if row["moved"]}


def test_a_raised_threshold_moves_one_criterion_down_for_the_trust_above_it(tmp_path):
    code, doc, out = diff_doc(tmp_path, raised_threshold, "--jobs", "2")
    assert code == 0
    [change] = doc["criteria"]["changes"]
    assert (change["node"], change["part"], change["change"], change["type"]) == \
        ("staff_know_vision", "Level 4 (Exemplary)", "changed", "rule")
    assert change["old"].startswith("level 4 when aware >= 85 and ")
    assert change["new"].startswith("level 4 when aware >= 90 and ")
    assert moves(doc) == {"northfield": {"staff_know_vision": "down"}}
    summary = doc["results"]["summary"]
    assert [(s["node"], s["bundles"], s["up"], s["down"]) for s in summary] == \
        [("staff_know_vision", 1, 0, 1)]
    assert "1 rule change, 0 wording changes; 1 of 4 bundles move" in out


def test_b_removed_criterion_is_listed_and_its_statement_moves(tmp_path):
    code, doc, _ = diff_doc(tmp_path, criterion_removed)
    assert code == 0
    [change] = doc["criteria"]["changes"]
    assert (change["node"], change["change"], change["new"]) == \
        ("people_supported", "removed", None)
    assert change["old"].startswith("under Environmental sustainability")
    # harrowmere's staff-engagement criterion held its statement up; the others are unmoved
    # (their statements were fully judged before and after: "4 of 4" to "3 of 3" is no move)
    moved = moves(doc)
    assert set(moved) == {"harrowmere"}
    assert moved["harrowmere"]["environmental_sustainability"] == "down"
    assert set(moved["harrowmere"]) <= {"environmental_sustainability", "well_led"}
    assert set(moved["harrowmere"].values()) == {"down"}


def test_c_added_cap_holds_the_key_question_down_and_nothing_goes_up(tmp_path):
    code, doc, _ = diff_doc(tmp_path, cap_added, "--fail-on-change")
    assert code == 1                      # --fail-on-change and something differs
    [change] = doc["criteria"]["changes"]     # its reason comes with it, not as wording
    assert (change["node"], change["part"], change["change"]) == \
        ("well_led", "Cap at level 2 (Developing)", "added")
    assert change["new"] == ("cap 2 when any(c in children where c.level <= 2)\n"
                             'because "A statement still developing holds the key question '
                             'at developing."')
    moved = moves(doc)
    assert moved and set(moved) <= {"eastmarch", "harrowmere", "lowbridge", "northfield"}
    assert all(node == "well_led" for nodes in moved.values() for node in nodes)
    assert moved["harrowmere"] == {"well_led": "down"}
    assert all(d in ("down", "changed") for nodes in moved.values() for d in nodes.values())


def test_d_comments_and_layout_are_no_change(tmp_path):
    new = layout_only(tmp_path / "new")
    assert (new / "statements/shared_direction.crit").read_bytes() != \
        (SHIPPED / "statements/shared_direction.crit").read_bytes()
    out = tmp_path / "out"
    code, stdout, stderr = run("diff", SHIPPED, new, BUNDLES, "-o", out, "--fail-on-change")
    assert code == 0, stdout + stderr
    doc = valid(json.loads((out / "diff.json").read_text(encoding="utf-8")))
    assert doc["differs"] is False
    assert doc["criteria"]["changes"] == []
    assert doc["results"]["moved"] == 0 and doc["results"]["bundles"] == 4
    assert "nothing differs" in stdout
    md = (out / "diff.md").read_text(encoding="utf-8")
    assert "No rule changes." in md and "No wording changes." in md


def test_outputs_are_written_and_only_the_formats_asked(tmp_path):
    new = raised_threshold(tmp_path / "new")
    out = tmp_path / "out"
    code, _, _ = run("diff", SHIPPED, new, "-o", out, "--format", "md,json")
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["diff.json", "diff.md"]
    doc = json.loads((out / "diff.json").read_text(encoding="utf-8"))
    assert doc["results"] is None and doc["differs"] is True


@pytest.mark.parametrize("args, code, message", [
    (("diff", SHIPPED), 2, "Missing argument"),
    (("diff", SHIPPED, "no_such_set"), 2, "no_such_set: no such criteria directory"),
    (("diff", SHIPPED, SHIPPED, "no_such_folder"), 2, "no_such_folder: no such folder"),
    (("diff", SHIPPED, SHIPPED, "--format", "pdf"), 2, "--format pdf: choose from md, html, json"),
    (("diff", SHIPPED, SHIPPED, "--jobs", "0"), 2, "--jobs must be 1 or more"),
])
def test_misuse_exits_2_with_one_message(tmp_path, args, code, message):
    got, out, err = run(*args, "-o", tmp_path / "out")
    assert got == code
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_broken_new_version_exits_1_naming_the_file_and_writes_nothing(tmp_path):
    new = raised_threshold(tmp_path / "new")
    path = new / "statements" / "shared_direction.crit"
    path.write_text(path.read_text(encoding="utf-8").replace("level 4 when aware >= 90",
                                                             "level 4 when aware >= = 90"),
                    encoding="utf-8")
    code, out, err = run("diff", SHIPPED, new, BUNDLES, "-o", tmp_path / "out")
    assert code == 1
    assert "shared_direction.crit" in err and "error[E001]" in err
    assert not (tmp_path / "out").exists()


def test_a_bundle_that_fails_under_one_version_only_is_called_out(tmp_path):
    bundles = tmp_path / "bundles"
    for name in ("harrowmere", "northfield"):
        shutil.copytree(BUNDLES / name, bundles / name)
    new = raised_threshold(tmp_path / "new")
    # the new version requires a field the harrowmere survey does not have
    schema = new / "evidence_schemas" / "staff_survey.schema.json"   # found before the shipped one
    schema.parent.mkdir()
    data = json.loads((ROOT / "evidence_schemas" / schema.name).read_text(encoding="utf-8"))
    data.setdefault("required", []).append("new_required_field")
    data.setdefault("properties", {})["new_required_field"] = {"type": "string"}
    schema.write_text(json.dumps(data), encoding="utf-8")
    # the set's own test blocks give the field, or `check` refuses their evidence (E043)
    for crit in new.rglob("*.crit"):
        text = crit.read_text(encoding="utf-8")
        crit.write_text(text.replace("evidence staff_survey = {",
                                     'evidence staff_survey = {"new_required_field": "x", '),
                        encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, stderr = run("diff", SHIPPED, new, bundles, "-o", out)
    assert code == 0, stderr
    doc = valid(json.loads((out / "diff.json").read_text(encoding="utf-8")))
    assert doc["results"]["failing"]["new_only"] == ["harrowmere", "northfield"]
    assert "no longer assessable" in stderr
    assert any(c["node"] == "staff_survey" and c["part"] == "Evidence schema"
               for c in doc["criteria"]["changes"])
    html = (out / "diff.html").read_text(encoding="utf-8")
    assert "Can no longer be assessed under the new version" in html


def test_an_added_concern_moves_no_level_but_shows_where_it_is_raised(tmp_path):
    code, doc, _ = diff_doc(tmp_path, concern_added)
    assert code == 0
    [change] = doc["criteria"]["changes"]
    assert (change["node"], change["part"], change["change"], change["type"]) == \
        ("staff_know_vision", "Concern \u201cFewer than four in five staff know the vision\u201d",
         "added", "rule")
    assert change["new"] == ('when aware < 80\n'
                             'advice "Ask teams where the vision is least known what would help."')
    moved = {row["bundle"]: row["changes"] for row in doc["results"]["bundle_results"]
             if row["moved"]}
    assert set(moved) == {"harrowmere", "lowbridge"}
    for changes in moved.values():
        assert {c["node"] for c in changes} >= {"staff_know_vision", "shared_direction"}
        for c in changes:
            assert c["direction"] == "same" and c["differs"] == ["concerns"]
            assert c["concerns_raised"] == ["Fewer than four in five staff know the vision"]
    md = (tmp_path / "out" / "diff.md").read_text(encoding="utf-8")
    assert "concern now raised: Fewer than four in five staff know the vision" in md


def test_an_evidence_workbook_under_the_root_is_compared_like_its_folder(tmp_path):
    bundles = tmp_path / "bundles"
    bundles.mkdir()
    code, _, err = run("template", bundles / "northfield_book.xlsx", "--from",
                       BUNDLES / "northfield")
    assert code == 0, err
    shutil.copytree(BUNDLES / "northfield", bundles / "northfield")
    new = raised_threshold(tmp_path / "new")
    out = tmp_path / "out"
    code, stdout, stderr = run("diff", SHIPPED, new, bundles, "-o", out)
    assert code == 0, stderr
    doc = valid(json.loads((out / "diff.json").read_text(encoding="utf-8")))
    assert moves(doc) == {"northfield": {"staff_know_vision": "down"},
                          "northfield_book": {"staff_know_vision": "down"}}


def test_a_folder_without_bundles_is_bad_input(tmp_path):
    (tmp_path / "empty").mkdir()
    code, out, err = run("diff", SHIPPED, SHIPPED, tmp_path / "empty", "-o", tmp_path / "out")
    assert code == 1
    assert "no evidence bundles found" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
