"""`wellled assess BUNDLE --since EARLIER` over two versions of the Northfield example.

The earlier version had a lower appraisal rate (leadership development was lower),
no executive vacancies (leadership stability was higher) and no sustainability
evidence (the green plan was not assessed). The later one is the example as shipped
but for one executive vacancy. So one criterion improved, one got worse and one is
newly assessed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NORTHFIELD = ROOT / "examples" / "bundles" / "northfield"
WELLLED = [sys.executable, "-m", "engine"]


def run(*args):
    p = subprocess.run([*WELLLED, *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                       timeout=180)
    return p.returncode, p.stdout, p.stderr


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("since")
    earlier, later = base / "2024" / "northfield", base / "2025" / "northfield"
    shutil.copytree(NORTHFIELD, earlier)
    shutil.copytree(NORTHFIELD, later)
    _edit(earlier / "leadership_capacity.yaml", "appraisal_rate_percent: 88",
          "appraisal_rate_percent: 60")
    (earlier / "sustainability.yaml").unlink()
    _edit(later / "leadership_capacity.yaml", "executive_vacancies: 0", "executive_vacancies: 2")
    code, out, err = run("assess", earlier, "-o", base / "out-2024", "--format", "json")
    assert code == 0, out + err
    code, out, err = run("assess", later, "-o", base / "out-2025", "--since", base / "out-2024")
    assert code == 0, out + err
    return base, out


def test_each_node_says_how_it_moved(two_runs):
    base, _ = two_runs
    result = json.loads((base / "out-2025" / "result.json").read_text(encoding="utf-8"))
    nodes = result["since"]["nodes"]
    assert nodes["leadership_development"]["change"] == "up"
    assert nodes["leadership_stability"]["change"] == "down"
    assert nodes["green_plan"]["change"] == "newly assessed"
    assert nodes["staff_know_vision"]["change"] == "same"
    assert set(nodes) == set(result["results"])
    assert result["since"]["previous"]["date"] == "2025-06-30"


def test_the_summary_line_and_the_reports_show_the_changes(two_runs):
    base, out = two_runs
    assert re.search(r"since 2025-06-30: \d+ up, \d+ down, \d+ newly assessed, .*the same", out), out
    md = (base / "out-2025" / "report.md").read_text(encoding="utf-8")
    summary = md[md.index("## Board summary"):md.index("## Each statement in detail")]
    assert "### What changed since 2025-06-30" in summary
    assert "Leaders at every level are developed](#node-leadership_development): up: was" in summary
    assert "down: was Exemplary, now" in summary
    assert "newly assessed: was Not assessed: evidence needed, now" in summary
    html = (base / "out-2025" / "report.html").read_text(encoding="utf-8")
    # beside each criterion, in its heading line
    block = re.search(r'id="node-leadership_stability"[^>]*>\s*<summary>(.*?)</summary>', html, re.S)
    assert block and 'class="change change-down"' in block.group(1)


def test_an_output_folder_or_its_result_json_both_work(two_runs):
    base, _ = two_runs
    code, out, err = run("assess", base / "2025" / "northfield", "-o", base / "again",
                         "--format", "json", "--since", base / "out-2024" / "result.json")
    assert code == 0, err
    assert "since 2025-06-30:" in out


def test_another_framework_is_refused_and_nothing_is_written(two_runs, tmp_path):
    base, _ = two_runs
    code, _, err = run("assess", base / "2024" / "northfield", "-o", tmp_path / "nhs",
                       "--format", "json", "--criteria", "nhs_well_led_2017")
    assert code == 0, err
    code, out, err = run("assess", base / "2025" / "northfield", "-o", tmp_path / "new",
                         "--since", tmp_path / "nhs")
    assert code == 2
    assert "judged against `nhs_well_led_2017` version" in err
    assert "this assessment against `cqc_well_led`" in err
    assert "Traceback" not in err and not (tmp_path / "new").exists()


def test_another_version_is_refused(two_runs, tmp_path):
    base, _ = two_runs
    earlier = json.loads((base / "out-2024" / "result.json").read_text(encoding="utf-8"))
    earlier["framework"]["version"] = "2023.1"
    (tmp_path / "old.json").write_text(json.dumps(earlier), encoding="utf-8")
    code, _, err = run("assess", base / "2025" / "northfield", "-o", tmp_path / "new",
                       "--since", tmp_path / "old.json")
    assert code == 2 and "version 2023.1" in err and "same criteria and version" in err
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("content,message", [
    (None, "no result.json there"),
    ("{not json", "not a readable result.json"),
    ('{"a": 1}', "not a wellled result.json"),
])
def test_a_missing_or_broken_previous_result_is_a_clear_message(tmp_path, content, message):
    target = tmp_path / "prev"
    target.mkdir()
    if content is not None:
        (target / "result.json").write_text(content, encoding="utf-8")
    code, _, err = run("assess", NORTHFIELD, "-o", tmp_path / "out", "--since", target)
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_the_result_with_since_follows_the_schema(two_runs):
    from engine.output.results import schema_problems

    base, _ = two_runs
    result = json.loads((base / "out-2025" / "result.json").read_text(encoding="utf-8"))
    assert "since" in result and schema_problems(result) == []
    result["since"]["nodes"]["green_plan"]["change"] = "sideways"
    assert schema_problems(result)
