"""`wellled table`: every criterion with its statement, category, conditions in words,
advice, caps, concerns and source; CSV cells safe from formula injection; HTML escaped."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest

from engine.api import load_criteria
from engine.app.table import criteria_table, neutralise, table_csv, write_table
from tests.diffcases import ROOT, SHARED, SHIPPED, copy_set, replace


@pytest.mark.parametrize("value, shown", [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
    ("+1", "'+1"), ("-5 percent", "'-5 percent"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("level 2", "level 2"), ("", ""), (None, ""),
])
def test_cells_that_a_spreadsheet_would_run_are_neutralised(value, shown):
    assert neutralise(value) == shown


def test_every_shipped_criterion_is_one_csv_row_with_its_levels_in_words():
    data = criteria_table(load_criteria(SHIPPED).checked)
    rows = list(csv.DictReader(io.StringIO(table_csv(data))))
    ids = {c.id for c in load_criteria(SHIPPED).checked.criteria.values()}
    assert {r["criterion"] for r in rows} == ids and len(rows) == len(ids)
    row = next(r for r in rows if r["criterion"] == "staff_know_vision")
    assert row["statement"] == "shared_direction"
    assert row["category"] == "staff_feedback"
    assert row["level_2_condition"] == "aware >= 50"
    assert row["level_2_in_words"] == "aware is at least 50"
    assert row["level_2_advice"].startswith("Help at least half of staff")
    assert row["source"] == "statements/shared_direction.crit:" + row["source"].split(":")[1]
    assert 'aware = NHS Staff Survey results › questions › vision known › percent positive' \
        in row["values"]


def test_hostile_text_is_escaped_in_html_and_neutralised_in_csv(tmp_path):
    folder = copy_set(tmp_path / "set")
    replace(folder, SHARED, 'advice "Help at least half',
            'advice "=cmd|\' /C calc\'!A0 <script>alert(1)</script> Help at least half')
    out = tmp_path / "out"
    write_table(load_criteria(folder).checked, out, ("md", "html", "csv"))
    html = (out / "table.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    md = (out / "table.md").read_text(encoding="utf-8")
    assert "<script>" not in md
    rows = list(csv.DictReader(io.StringIO((out / "table.csv").read_text(encoding="utf-8"))))
    advice = next(r for r in rows if r["criterion"] == "staff_know_vision")["level_2_advice"]
    assert advice.startswith("'=cmd|")


def test_cli_writes_the_formats_asked_and_refuses_misuse(tmp_path):
    run = [sys.executable, "-m", "engine", "table"]
    done = subprocess.run([*run, "cqc_well_led", "-o", tmp_path / "a", "--format", "csv"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["table.csv"]
    bad = subprocess.run([*run, "-o", tmp_path / "b", "--format", "pdf"],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "--format pdf: choose from md, html, csv" in bad.stderr
    assert not (tmp_path / "b").exists()
    broken = copy_set(tmp_path / "broken")
    replace(broken, SHARED, "level 2 when aware >= 50", "level 2 when aware >= = 50")
    bad = subprocess.run([*run, broken, "-o", tmp_path / "c"], capture_output=True, text=True,
                         cwd=ROOT)
    assert bad.returncode == 1 and "shared_direction.crit" in bad.stderr
    assert "Traceback" not in bad.stderr and not (tmp_path / "c").exists()


def test_concerns_are_listed_with_their_condition_in_words(tmp_path):
    from tests.diffcases import concern_added

    data = criteria_table(load_criteria(concern_added(tmp_path / "set")).checked)
    rows = list(csv.DictReader(io.StringIO(table_csv(data))))
    row = next(r for r in rows if r["criterion"] == "staff_know_vision")
    assert row["concerns"] == ("Fewer than four in five staff know the vision "
                               "(when aware is less than 80)")
    out = tmp_path / "out"
    write_table(load_criteria(tmp_path / "set").checked, out, ("md",))
    assert "| Fewer than four in five staff know the vision | `aware < 80` |" not in \
        (out / "table.md").read_text(encoding="utf-8")    # `<` is escaped, not code
    assert "aware is less than 80" in (out / "table.md").read_text(encoding="utf-8")
