"""`wellled assess` and `wellled test` as a user runs them: exit codes, files, messages."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
# The shared conformance set: beside the project, else where this machine keeps it.
CONFORMANCE = next((p for p in (ROOT.parent / "shared" / "conformance",
                                (Path(__file__).resolve().parents[1] / "data" / "conformance")) if p.is_dir()),
                   ROOT.parent / "shared" / "conformance")
WELLLED = [sys.executable, "-m", "engine"]


def run(*args, cwd=ROOT):
    p = subprocess.run([*WELLLED, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def test_test_blocks_pass_and_report_coverage():
    code, out, err = run("test", DATA / "crit_tests", "--coverage")
    assert code == 0, out + err
    assert "4 passed, 0 failed" in out
    assert "set.crit:63: raise_concerns rung 3: true:no false:no unknown:yes" in out
    assert "3 of 9 rungs and caps seen both true and false" in out


def test_failing_test_blocks_show_expected_actual_and_trace(tmp_path):
    junit = tmp_path / "junit.xml"
    code, out, err = run("test", DATA / "crit_tests_failing", "--junit", junit)
    assert code == 1
    assert "set.crit:72: expect shared_direction is not_assessed\n  but it is 1 to 2 (partial)" in out
    # the not-assessed criterion takes part as 1 to 4 beside the one at 2 to 3
    assert ("category staff_feedback: assured: mean of 1, 2 = 1.5 -> 2 (rounded nearest); "
            "possible: mean of 4, 3 = 3.5 -> 4 (rounded nearest)") in out
    assert "0 passed, 1 failed" in out
    assert 'tests="1" failures="1"' in junit.read_text()
    assert "Traceback" not in err


def test_invalid_inline_evidence_is_found_before_any_test_runs(tmp_path):
    """Inline test evidence is validated by the checker (E043), so `test` stops as `check` does."""
    import shutil

    folder = tmp_path / "set"
    shutil.copytree(DATA / "crit_tests_failing", folder)
    with (folder / "set.crit").open("a", encoding="utf-8") as handle:
        handle.write('\ntest "invalid inline evidence" {\n  date 2025-06-30\n'
                     '  evidence ftsu = {"guardian_in_post": "yes", "cases_raised": -1}\n'
                     '  expect raise_concerns >= 2\n}\n')
    for command in ("check", "test"):
        code, out, err = run(command, folder)
        assert code == 1
        assert 'error[E043]: test "invalid inline evidence": evidence `ftsu` at ' \
               "/guardian_in_post: expected true or false" in err
        assert "Traceback" not in err


needs_conformance = pytest.mark.skipif(not CONFORMANCE.is_dir(),
                                       reason="the shared conformance set is not on this machine")


@needs_conformance
def test_assess_is_byte_identical_across_runs_and_leaves_no_temporary_files(tmp_path):
    args = ("assess", CONFORMANCE / "bundles" / "early", "--criteria", CONFORMANCE / "criteria",
            "--format", "json")
    assert run(*args, "-o", tmp_path / "a")[0] == 0
    assert run(*args, "-o", tmp_path / "b")[0] == 0
    a, b = (tmp_path / "a" / "result.json"), (tmp_path / "b" / "result.json")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_text().endswith("}\n")
    assert sorted(os.listdir(tmp_path / "a")) == ["result.json"]
    result = json.loads(a.read_text())
    assert result["results"]["raise_concerns"]["status"] == "partial"
    assert list(result) == sorted(result)


def invalid_bundle(tmp_path):
    """A bundle whose FTSU report says "yes" where the schema wants true or false."""
    bundle = tmp_path / "bad"
    bundle.mkdir()
    (bundle / "bundle.yaml").write_text(
        "provider: {id: RX9, name: Bad, type: acute}\n"
        "assessment: {date: 2025-06-30, kind: self_assessment}\n")
    (bundle / "ftsu.json").write_text('{"guardian_in_post": "yes"}')
    return bundle


@needs_conformance
def test_assess_with_invalid_evidence_writes_nothing(tmp_path):
    bundle = invalid_bundle(tmp_path)
    out = tmp_path / "out"
    code, stdout, err = run("assess", bundle, "--criteria", CONFORMANCE / "criteria", "-o", out)
    assert code == 1
    assert "ftsu.json:1:22: error[E206]: /guardian_in_post:" in err
    assert "Traceback" not in err
    assert not out.exists()


@needs_conformance
def test_assess_lenient_carries_the_problems_into_the_result(tmp_path):
    bundle = invalid_bundle(tmp_path)
    code, _, err = run("assess", bundle, "--criteria", CONFORMANCE / "criteria", "-o",
                       tmp_path / "out", "--format", "json", "--lenient")
    assert code == 0, err
    result = json.loads((tmp_path / "out" / "result.json").read_text())
    assert any("/guardian_in_post" in p for p in result["bundle"]["problems"])
    assert result["results"]["raise_concerns"]["status"] == "not_assessed"


@pytest.mark.parametrize("args, code, message", [
    (("assess", "no/such/folder"), 2, "no such bundle folder"),
    (("assess", ".", "--criteria", "no_such_set"), 2, "no such criteria directory"),
    (("assess", ".", "--format", "docx"), 2, "--format docx: choose from json, html, md, pdf, xlsx"),
    (("test", "no_such_set"), 2, "no such criteria directory"),
    (("frobnicate",), 2, "No such command"),
])
def test_misuse_exits_2_with_one_clear_line(args, code, message):
    got, out, err = run(*args)
    assert got == code
    assert message in err
    assert "Traceback" not in err
