"""batch --since compares each bundle exactly as assess --since does (engine/output/compare.py):
the bundle's result carries the same ``since`` block, its reports show what changed, and
summary.csv names each change in the same words."""

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from engine.api import AssessOptions
from engine.app.batch import run_batch
from engine.output.compare import compare, load_previous

ROOT = Path(__file__).resolve().parents[3]
CRITERIA = ROOT / "criteria" / "cqc_well_led"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("since")
    bundles = base / "bundles"
    for name in ("eastmarch", "northfield"):
        shutil.copytree(ROOT / "examples" / "bundles" / name, bundles / name)

    def batch(out, since=None):
        return run_batch(bundles, CRITERIA, out, jobs=2, formats=("json", "html", "md"),
                         options=AssessOptions(), since=since, progress=False,
                         echo=lambda line: None)

    batch(base / "before")
    earlier = base / "before" / "northfield" / "result.json"
    doc = json.loads(earlier.read_text())
    nodes = doc["results"]
    statement = next(i for i in doc["order"] if nodes[i]["kind"] == "statement"
                     and nodes[i]["level"] is not None and nodes[i]["level"] > 1)
    nodes[statement].update(level=nodes[statement]["level"] - 1,
                            max_level=nodes[statement]["level"] - 1)
    gone = next(i for i in doc["order"] if nodes[i]["kind"] == "criterion"
                and nodes[i]["level"] is not None)
    nodes[gone].update(level=None, max_level=None, status="not_assessed")
    earlier.write_text(json.dumps(doc))
    other = base / "before" / "eastmarch" / "result.json"
    doc = json.loads(other.read_text())
    doc["framework"]["version"] = "2019.1"
    other.write_text(json.dumps(doc))
    summary = batch(base / "after", since=base / "before")
    return base, statement, gone, summary


def test_each_result_carries_the_since_block_that_compare_makes(runs):
    base, statement, gone, _ = runs
    result = json.loads((base / "after" / "northfield" / "result.json").read_text())
    since = result.pop("since")
    assert since == compare(load_previous(base / "before" / "northfield"), result)
    assert since["nodes"][statement]["change"] == "up"
    assert since["nodes"][gone]["change"] == "newly assessed"


def test_the_reports_show_what_changed(runs):
    base, statement, _, _ = runs
    md = (base / "after" / "northfield" / "report.md").read_text()
    html = (base / "after" / "northfield" / "report.html").read_text()
    assert "### What changed since" in md and "What changed since" in html
    words = json.loads((base / "after" / "northfield" / "result.json").read_text())[
        "since"]["nodes"][statement]["words"]
    assert words.startswith("up: was ") and words in md


def test_summary_names_each_change_in_the_reports_words(runs):
    base, _, _, _ = runs
    table = {r["bundle"]: r for r in csv.DictReader(
        io.StringIO((base / "after" / "summary.csv").read_text()))}
    since = json.loads((base / "after" / "northfield" / "result.json").read_text())["since"]
    columns = [c[:-len("_change")] for c in table["northfield"] if c.endswith("_change")]
    assert columns
    for node_id in columns:
        assert table["northfield"][f"{node_id}_change"] == since["nodes"][node_id]["change"]


def test_an_earlier_result_of_another_version_is_not_compared(runs):
    base, _, _, summary = runs
    result = json.loads((base / "after" / "eastmarch" / "result.json").read_text())
    assert "since" not in result
    row = {r["bundle"]: r for r in csv.DictReader(
        io.StringIO((base / "after" / "summary.csv").read_text()))}["eastmarch"]
    assert row["well_led_change"] == "not comparable"
    assert "cannot be compared" in row["well_led_since"] and "2019.1" in row["well_led_since"]
    assert any("version 2019.1" in w for w in summary.warnings)
