"""Batch runs: finding bundles, the summary's arithmetic and text, and a real parallel run."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from engine.api import AssessOptions
from engine.app import batch
from engine.app.batch import find_bundles, run_batch, survey
from engine.output.summary import range_text, summary_csv, travel

CONFORMANCE = (Path(__file__).resolve().parents[2] / "data" / "conformance")


def _touch(path: Path, text: str = "x: 1\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_find_bundles_sorted_nested_and_skipping(tmp_path):
    for rel in ("b/bundle.yaml", "a/bundle.json", "region/c/bundle.yaml", ".hidden/bundle.yaml",
                "out/early/bundle.yaml", "d/notes.yaml", "e/bundle.txt"):
        _touch(tmp_path / rel)
    names = [name for name, _ in find_bundles(tmp_path, skip=tmp_path / "out")]
    assert names == ["a", "b", "region/c"]
    skipped = dict(survey(tmp_path, tmp_path / "out")[1])
    assert set(skipped) == {".hidden", "out", "d", "e"}
    assert "hidden" in skipped[".hidden"] and "output folder" in skipped["out"]
    assert skipped["d"].startswith("not a bundle")


@pytest.mark.parametrize("entry,text", [
    ([2, 2, "rated"], "2"),
    ([2, 3, "partial"], "2 to 3"),
    ([None, None, "not_assessed"], "not assessed"),
    (None, "absent"),
])
def test_range_text(entry, text):
    assert range_text(entry) == text


@pytest.mark.parametrize("was,now,direction,text", [
    ([2, 2, "rated"], [3, 3, "rated"], "up", "was 2, now 3"),
    ([3, 3, "rated"], [2, 2, "rated"], "down", "was 3, now 2"),
    ([2, 3, "partial"], [2, 3, "partial"], "same", "was 2 to 3, now 2 to 3"),
    ([2, 3, "partial"], [3, 3, "rated"], "up", "was 2 to 3, now 3"),
    ([2, 2, "rated"], [1, 4, "partial"], "changed", "was 2, now 1 to 4"),
    ([None, None, "not_assessed"], [2, 2, "rated"], "not comparable", "was not assessed, now 2"),
    ([None, None, "not_assessed"], [None, None, "not_assessed"], "same",
     "was not assessed, now not assessed"),
    (None, [2, 2, "rated"], "new", "no earlier result, now 2"),
    ([2, 2, "rated"], None, "absent", "not in this run"),
])
def test_direction_of_travel(was, now, direction, text):
    assert travel(was, now) == (direction, text)


SCALE = [{"level": 1, "label": "Foundations"}, {"level": 2, "label": "Developing"},
         {"level": 3, "label": "Established"}, {"level": 4, "label": "Exemplary"}]


def _row(bundle, pid, levels, was=None, since=False, **extra):
    return {"bundle": bundle, "status": "assessed",
            "provider": {"id": pid, "name": f"Trust {pid}, \"the\" one", "type": "acute"},
            "date": "2025-06-30", "kind": "self_assessment", "levels": levels,
            "was": None if was is None else {"levels": was, "framework": {}},
            "since": since, "coverage": [2, 3, "statement"],
            "concerns": [],
            "columns": [{"id": "shared_direction", "title": "Shared", "kind": "statement"},
                        {"id": "well_led", "title": "Well-led", "kind": "key_question"}],
            "scale": SCALE, "framework": {}, **extra}


def test_summary_csv_text():
    """Every folder is a row (assessed, failed, skipped); ranges are "2 to 3", never "2-3"
    (a spreadsheet turns that into a date); labels in words; coverage and concerns."""
    rows = [_row("a", "RX1", {"shared_direction": [2, 3, "partial"], "well_led": [2, 2, "rated"]},
                 concerns=["Board papers late", "No FTSU guardian"]),
            _row("b", "RX2", {"shared_direction": [None, None, "not_assessed"],
                              "well_led": [1, 2, "partial"]}),
            {"bundle": "c", "status": "failed", "reason": "c/bundle.yaml: /provider/name: "
             "required field is missing"},
            {"bundle": "notes", "status": "skipped", "reason": "not a bundle"}]
    assert summary_csv(rows, since=False) == (
        "bundle,status,reason,provider_id,provider_name,provider_type,assessment_date,"
        "assessment_kind,coverage,concerns,concern_texts,"
        "shared_direction_level,shared_direction_label,shared_direction_range,"
        "well_led_level,well_led_label,well_led_range\n"
        'a,assessed,,RX1,"Trust RX1, ""the"" one",acute,2025-06-30,self_assessment,'
        '2 of 3 statements,2,Board papers late; No FTSU guardian,'
        '2,"Developing, could be Established",2 to 3,2,Developing,2\n'
        'b,assessed,,RX2,"Trust RX2, ""the"" one",acute,2025-06-30,self_assessment,'
        '2 of 3 statements,0,,,Not assessed: evidence needed,,1,"Foundations, could be '
        'Developing",1 to 2\n'
        "c,failed,c/bundle.yaml: /provider/name: required field is missing,,,,,,,,,,,,,,\n"
        "notes,skipped,not a bundle,,,,,,,,,,,,,,\n")


@pytest.mark.parametrize("value,cell", [
    ("=1+2", "'=1+2"), ("+44 20", "'+44 20"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\\t=1"), ("\r=1", "'\\r=1"), ("RX1", "RX1"), ("a=b", "a=b"),
    ("North\nfield\x1b[2J", "North\\nfield\\x1b[2J"),
])
def test_summary_cells_from_a_bundle_cannot_be_formulas_or_control_text(value, cell):
    row = _row(value, value, {"well_led": [2, 2, "rated"]}, concerns=[value])
    row["provider"]["name"] = value
    table = list(csv.DictReader(io.StringIO(summary_csv([row], since=False))))[0]
    for column in ("bundle", "provider_id", "provider_name", "concern_texts"):
        assert table[column] == cell, column


def test_summary_csv_with_since_adds_change_columns():
    rows = [_row("a", "RX1", {"shared_direction": [3, 3, "rated"], "well_led": [2, 2, "rated"]},
                 was={"shared_direction": [2, 2, "rated"], "well_led": [2, 2, "rated"]},
                 since=True),
            _row("b", "RX2", {"shared_direction": [3, 3, "rated"], "well_led": [3, 3, "rated"]},
                 was=None, since=True),
            _row("c", "RX3", {"shared_direction": [3, 3, "rated"], "well_led": [3, 3, "rated"]},
                 since=True),
            {"bundle": "z", "status": "failed", "reason": "broken"}]
    rows[2]["was"] = {"problem": "the earlier result c/result.json cannot be read: nested "
                                "too deeply to be a result"}
    table = list(csv.DictReader(io.StringIO(summary_csv(rows, since=True))))
    assert table[0]["shared_direction_change"] == "up"
    assert table[0]["shared_direction_since"] == "was 2, now 3"
    assert table[0]["well_led_change"] == "same"
    assert table[1]["well_led_change"] == "new"
    assert table[2]["well_led_change"] == "not comparable"
    assert "nested too deeply" in table[2]["well_led_since"]
    assert table[3]["status"] == "failed" and table[3]["well_led_change"] == ""


# ---------------------------------------------------------------- a real batch


@pytest.fixture(scope="module")
def criteria() -> Path:
    from engine.api import load_criteria

    path = CONFORMANCE / "criteria"
    if not path.is_dir():
        pytest.skip("no conformance criteria on this machine")
    try:
        load_criteria(path)
    except (NotImplementedError, ImportError) as err:
        pytest.skip(f"the evaluator cannot assess yet ({type(err).__name__}: {err})")
    return path


@pytest.fixture()
def root(tmp_path) -> Path:
    root = tmp_path / "bundles"
    for bundle in (CONFORMANCE / "bundles").iterdir():
        shutil.copytree(bundle, root / bundle.name)
    _touch(root / "region" / "broken" / "bundle.yaml", "provider: {id: X}\n")
    return root


def _run(root, criteria, out, jobs, since=None, formats=("json", "html")):
    lines: list[str] = []
    summary = run_batch(root, criteria, out, jobs=jobs, formats=formats, options=AssessOptions(),
                        since=since, progress=False, echo=lines.append)
    return summary, lines


def test_batch_assesses_every_bundle_and_records_the_broken_one(root, criteria, tmp_path):
    summary, lines = _run(root, criteria, tmp_path / "out", jobs=2)
    assert summary.done == 2 and summary.out == tmp_path / "out"
    assert [name for name, _ in summary.failed] == ["region/broken"]
    assert "/provider/name" in summary.failed[0][1]
    assert len(lines) == 3 and any("region/broken: could not be assessed" in x for x in lines)
    for name in ("early", "strong"):
        assert (tmp_path / "out" / name / "result.json").is_file()
        assert (tmp_path / "out" / name / "report.html").is_file()
    assert os.listdir(tmp_path / "out" / "region" / "broken") == ["failed.txt"]
    table = list(csv.DictReader(io.StringIO((tmp_path / "out" / "summary.csv").read_text())))
    assert [(r["provider_id"], r["bundle"], r["status"], r["well_led_level"],
             r["well_led_range"]) for r in table] == [
        ("RXB", "early", "assessed", "1", "1 to 2"),
        ("", "region/broken", "failed", "", ""),
        ("RXA", "strong", "assessed", "4", "4")]
    assert "/provider/name" in table[1]["reason"]


def test_parallel_and_serial_runs_write_the_same_bytes(root, criteria, tmp_path):
    _run(root, criteria, tmp_path / "one", jobs=1)
    _run(root, criteria, tmp_path / "two", jobs=2)
    for rel in ("summary.csv", "index.html", "early/result.json", "strong/report.html"):
        assert (tmp_path / "one" / rel).read_bytes() == (tmp_path / "two" / rel).read_bytes(), rel


def test_criteria_are_compiled_once_for_many_bundles(root, criteria, tmp_path, monkeypatch):
    import engine.app.assess

    calls = []
    real = engine.app.assess.load_criteria
    monkeypatch.setattr(engine.app.assess, "load_criteria",
                        lambda p: calls.append(p) or real(p))
    summary, _ = _run(root, criteria, tmp_path / "out", jobs=1)
    assert summary.done == 2 and len(calls) == 1


def test_a_worker_hands_back_only_what_the_summary_needs(root, criteria, tmp_path):
    batch._init_worker(criteria)
    status, row = batch.assess_one("strong", root / "strong", tmp_path / "out", ("json",),
                                   AssessOptions(), None)
    assert status == "ok"
    assert "results" not in row and "trace" not in json.dumps(row)
    assert set(row["levels"]) == {"shared_direction", "well_led"}


def test_since_shows_the_direction_of_travel(root, criteria, tmp_path):
    _run(root, criteria, tmp_path / "before", jobs=1)
    earlier = tmp_path / "before" / "strong" / "result.json"
    doc = json.loads(earlier.read_text())
    doc["results"]["well_led"].update(level=3, max_level=3)
    earlier.write_text(json.dumps(doc))
    _run(root, criteria, tmp_path / "after", jobs=1, since=tmp_path / "before")
    table = {r["bundle"]: r for r in csv.DictReader(
        io.StringIO((tmp_path / "after" / "summary.csv").read_text()))}
    assert table["strong"]["well_led_change"] == "up"
    assert table["strong"]["well_led_since"] == "was 3, now 4"
    assert table["early"]["well_led_change"] == "same"
    index = (tmp_path / "after" / "index.html").read_text()
    assert "was 3, now 4" in index and "direction of travel" in index


class _Cells(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.cells, self.scripts, self._in, self._text = [], 0, False, ""
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        if tag == "td":
            self._in, self._text = True, ""

    def handle_endtag(self, tag):
        if tag == "td":
            self.cells.append(self._text.strip())
            self._in = False

    def handle_data(self, data):
        if self._in:
            self._text += data


def test_index_is_self_contained_with_text_in_every_cell(root, criteria, tmp_path):
    _run(root, criteria, tmp_path / "out", jobs=1)
    text = (tmp_path / "out" / "index.html").read_text()
    parsed = _Cells(text)
    assert parsed.cells and all(parsed.cells)
    assert parsed.scripts == 1                       # the sorting script, nothing else
    assert "http://" not in text and "https://" not in text and "<link" not in text
    assert "Strongbrook Community NHS Trust" in text and "Exemplary" in text
    assert "early/report.html#node-shared_direction" in text
    assert "region/broken" in text                   # failures are listed


def test_index_shows_coverage_and_marks_bundles_with_concerns(tmp_path):
    """Issue 14: coverage and a concerns marker (with the texts) per provider; a result made
    before concerns were recorded says so rather than "none"."""
    rows = [_row("a", "RX1", {"well_led": [2, 2, "rated"]},
                 concerns=["Board papers late", "No FTSU guardian"]),
            _row("b", "RX2", {"well_led": [3, 3, "rated"]}),
            _row("c", "RX3", {"well_led": [3, 3, "rated"]}, concerns=None)]
    batch.write_summary(rows, tmp_path, ("json", "html"), AssessOptions())
    text = (tmp_path / "index.html").read_text()
    cells = _Cells(text).cells
    assert "⚠ 2 concernsBoard papers lateNo FTSU guardian" in cells
    assert "<li>Board papers late</li><li>No FTSU guardian</li>" in text
    assert cells.count("2 of 3 statements") == 3
    assert "none" in cells and "not recorded" in cells
    table = list(csv.DictReader(io.StringIO((tmp_path / "summary.csv").read_text())))
    assert [r["concerns"] for r in table] == ["2", "0", ""]


def test_a_worker_hands_what_it_wrote_to_the_cache_release(root, criteria, tmp_path,
                                                           monkeypatch):
    """Workers fork from this process, so the recorder below is theirs too (where the system
    forks); each appends the files it was given to a log."""
    from engine.app import write

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("workers are spawned here, so they do not inherit the recorder")
    log = tmp_path / "released.txt"

    def record(self, paths):
        with open(log, "a", encoding="utf-8") as handle:
            handle.writelines(f"{os.path.relpath(p, tmp_path / 'out')}\n" for p in paths)

    monkeypatch.setattr(write.CacheRelease, "written", record)
    _run(root, criteria, tmp_path / "out", jobs=2)
    assert sorted(log.read_text().split()) == ["early/report.html", "early/result.json",
                                               "strong/report.html", "strong/result.json"]
