"""Issue 12: missing evidence widens every judgement, as a user sees it from the CLI."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "tests" / "data" / "worked_example"
WELLLED = [sys.executable, "-m", "engine"]

SUSTAINABILITY = """\
green_plan_approved_on: "2022-07-01"
green_plan_reviewed_on: "2025-01-10"
board_reports_last_12_months: 4
shared_with_partners: true
reduction_since_baseline_percent: 31
on_trajectory: true
staff_engaged_initiatives: 22
board_lead: Chief Finance Officer
adaptation_plan_approved_on: "2024-11-28"
desflurane_decommissioned: true
nitrous_oxide_waste_reduced: true
suppliers_carbon_reduction_plans_required: true
clinical_waste_strategy_targets_met: true
"""


def run(*args):
    p = subprocess.run([*WELLLED, *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def test_the_spec_worked_example_one_statement_of_eight(tmp_path):
    code, out, err = run("assess", WORKED / "bundles" / "one_of_eight", "--criteria", WORKED,
                         "-o", tmp_path, "--format", "json")
    assert code == 0, err
    assert ("Worked Example NHS Trust: Well-led: Foundations, could be Exemplary "
            "(1 to 4, partial, judged on 1 of 8 statements)") in out
    well_led = json.loads((tmp_path / "result.json").read_text())["results"]["well_led"]
    assert (well_led["status"], well_led["level"], well_led["max_level"]) == ("partial", 1, 4)
    assert well_led["coverage"] == {"assessed": 1, "of": 8}


def test_the_worked_example_set_tests_pass():
    code, out, err = run("test", WORKED)
    assert code == 0, out + err
    assert "1 passed, 0 failed" in out


def test_shipped_set_sustainability_only_is_a_range_never_a_rated_level(tmp_path):
    bundle = tmp_path / "only_sustainability"
    bundle.mkdir()
    (bundle / "bundle.yaml").write_text(
        "provider: {id: RX1, name: Greenfield NHS Trust, type: acute}\n"
        "assessment: {date: 2025-06-30, kind: self_assessment}\n")
    (bundle / "sustainability.yaml").write_text(SUSTAINABILITY)
    code, out, err = run("assess", bundle, "-o", tmp_path / "out", "--format", "json")
    assert code == 0, err
    result = json.loads((tmp_path / "out" / "result.json").read_text())
    well_led = result["results"]["well_led"]
    assert result["results"]["environmental_sustainability"]["level"] == 4
    assert well_led["status"] == "partial"
    assert (well_led["level"], well_led["max_level"]) == (1, 4)
    assert well_led["coverage"] == {"assessed": 1, "of": 8}
    assert "judged on 1 of 8 statements" in out
    assert "(rated" not in out


def test_explain_says_what_took_part_as_the_whole_scale():
    code, out, err = run("explain", WORKED / "bundles" / "one_of_eight", "well_led",
                         "--criteria", WORKED)
    assert code == 0, err
    assert "judged on 1 of 8 statements; the others took part as the whole scale, 1 to 4" in out
    assert "direction 1 to 4 (not assessed: the whole scale)" in out
    assert "sustainability 4," in out


CONCERNS = ROOT / "tests" / "data" / "concerns"


def test_a_raised_concern_is_on_the_headline_and_every_ancestor(tmp_path):
    code, out, err = run("assess", CONCERNS / "bundles" / "oakfield", "--criteria", CONCERNS,
                         "-o", tmp_path, "--format", "json")
    assert code == 0, err
    # nine teams describe an open culture and one a closed one: the level is 4, and the
    # closed culture is still named, not averaged away
    assert "Oakfield NHS Trust: Well-led: Exemplary (4, rated)" in out
    assert ("  concern to discuss: A team describes a closed culture "
            "(Focus groups describe an open culture)") in out
    results = json.loads((tmp_path / "result.json").read_text())["results"]
    for node in ("groups_positive", "speaking_up", "well_led"):
        assert [c["text"] for c in results[node]["concerns"]] == [
            "A team describes a closed culture"], node
    assert results["guardian"]["concerns"] == []
    concern = results["well_led"]["concerns"][0]
    assert concern["node"] == "groups_positive" and concern["source"] == "set.crit:52"
    assert concern["advice"].startswith("Visit the team")
    assert {"file": "focus_group/team_10.yaml", "pointer": "/closed_culture_signs",
            "value": True} in [{k: r[k] for k in ("file", "pointer", "value")}
                               for r in concern["reads"]]


def test_concern_test_blocks_and_explain(tmp_path):
    code, out, err = run("test", CONCERNS)
    assert code == 0, out + err
    assert "2 passed, 0 failed" in out
    code, out, err = run("explain", CONCERNS / "bundles" / "oakfield", "groups_positive",
                         "--criteria", CONCERNS)
    assert code == 0, err
    assert "concern (set.crit:52): raised: A team describes a closed culture" in out
    assert "    focus_group/team_10.yaml#/closed_culture_signs = true" in out
    assert "    to discuss: Visit the team with the guardian and listen" in out


def test_the_next_step_names_what_is_missing_not_a_generic_refresh(tmp_path):
    """Northfield misses the top rung of leadership development only on appraisal."""
    bundle = ROOT / "examples" / "bundles" / "northfield"
    code, out, err = run("explain", bundle, "leadership_development")
    assert code == 0, err
    assert "to reach level 4 (Exemplary), not yet met:" in out
    assert ("    appraisal rate is 88%; this level needs at least 90%  "
            "[leadership_capacity.appraisal_rate_percent >= 90]") in out
    code, out, err = run("assess", bundle, "-o", tmp_path, "--format", "json")
    assert code == 0, err
    step = json.loads((tmp_path / "result.json").read_text())["results"][
        "leadership_development"]["next_step"]
    assert step["level"] == 4
    assert "appraisal rate is 88%; this level needs at least 90%" in [
        u["words"] for u in step["unmet"]]


def test_lenient_says_on_stderr_and_in_the_result_what_it_set_aside(tmp_path):
    import shutil

    bundle = tmp_path / "northfield"
    shutil.copytree(ROOT / "examples" / "bundles" / "northfield", bundle)
    ftsu = bundle / "ftsu.yaml"
    ftsu.write_text(ftsu.read_text().replace("guardian_in_post: true",
                                             'guardian_in_post: "yes"'))
    (bundle / "focus_group" / "bad.json").write_text('{"participants": "many"}')
    code, out, err = run("assess", bundle, "-o", tmp_path / "out", "--format", "json",
                         "--lenient")
    assert code == 0, err
    lines = [line for line in err.splitlines() if line.startswith("set aside")]
    assert lines == [
        "set aside as not provided (--lenient): northfield/focus_group/: bad.json: /held_on: "
        "required field is missing (expected text) (and 1 more)",
        "set aside as not provided (--lenient): northfield/ftsu.yaml: /guardian_in_post: "
        "expected true or false, got text `yes`; write `true` or `false` (without quotes), "
        "here `true`"]
    result = json.loads((tmp_path / "out" / "result.json").read_text())
    assert result["bundle"]["set_aside"] == [
        {"path": "focus_group/", "evidence": "focus_group",
         "reasons": ["bad.json: /held_on: required field is missing (expected text)",
                     "bad.json: /participants: expected a whole number, got text `many`"]},
        {"path": "ftsu.yaml", "evidence": "ftsu",
         "reasons": ["/guardian_in_post: expected true or false, got text `yes`; write `true` "
                     "or `false` (without quotes), here `true`"]}]
    # without --lenient nothing is set aside, and the run stops with the problems
    code, out, err = run("assess", bundle, "-o", tmp_path / "strict", "--format", "json")
    assert code == 1 and "set aside" not in err
