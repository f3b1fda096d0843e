"""A batch's summary rows kept on disk (SpilledRows) give the same summary files as rows in
memory, in bundle order, so the batch's memory stays flat however many bundles it holds."""

import openpyxl

from engine.api import AssessOptions
from engine.app.batch import SpilledRows, write_summary

SCALE = [{"level": 1, "label": "Foundations"}, {"level": 2, "label": "Developing"},
         {"level": 3, "label": "Established"}, {"level": 4, "label": "Exemplary"}]
COLUMNS = [{"id": "shared_direction", "title": "Shared", "kind": "statement"},
           {"id": "well_led", "title": "Well-led", "kind": "key_question"}]


def _row(bundle, pid, low, high, status="rated"):
    return {"bundle": bundle, "status": "assessed",
            "provider": {"id": pid, "name": f"=Trust {pid}", "type": "acute"},
            "date": "2025-06-30", "kind": "self_assessment",
            "levels": {"shared_direction": [low, high, status], "well_led": [2, 2, "rated"]},
            "was": None, "since": False, "coverage": [2, 3, "statement"], "concerns": ["late"],
            "columns": COLUMNS, "scale": SCALE,
            "framework": {"id": "f", "title": "F", "version": "1", "root": "well_led",
                          "criteria_sha256": "ab"}}


ROWS = [_row("north", "RX2", 2, 3, "partial"),
        {"bundle": "broken", "status": "failed", "reason": "no manifest"},
        _row("east", "RX1", 3, 3),
        {"bundle": "notes", "status": "skipped", "reason": "not a bundle"},
        _row("west", "RX3", None, None, "not_assessed")]


def test_spilled_rows_come_back_sorted_by_bundle_as_often_as_asked():
    with SpilledRows() as rows:
        for row in ROWS:
            rows.append(row)
        first, second = list(rows), list(rows)
    assert first == second == sorted(ROWS, key=lambda row: row["bundle"])
    assert len(rows) == len(ROWS)


def test_spilled_rows_write_the_same_summary_as_rows_in_memory(tmp_path):
    (tmp_path / "memory").mkdir()
    (tmp_path / "disk").mkdir()
    write_summary(sorted(ROWS, key=lambda row: row["bundle"]), tmp_path / "memory",
                  ("json", "html"), AssessOptions())
    with SpilledRows() as rows:
        for row in ROWS:
            rows.append(row)
        write_summary(rows, tmp_path / "disk", ("json", "html"), AssessOptions())
    for name in ("summary.csv", "index.html"):
        assert (tmp_path / "memory" / name).read_bytes() == (tmp_path / "disk" / name).read_bytes()

    def cells(folder):
        sheet = openpyxl.load_workbook(folder / "summary.xlsx")["Summary"]
        return [[c.value for c in row] for row in sheet.iter_rows()]

    table = cells(tmp_path / "disk")
    assert table == cells(tmp_path / "memory")
    assert [line[2] for line in table[1:]] == ["east", "north", "west"]
    assert table[1][1] == "=Trust RX1"          # text, never a formula
    assert table[2][4:] == ["2 to 3", "2"]
    index = (tmp_path / "disk" / "index.html").read_text()
    assert "Well-led across 3 providers" in index and "no manifest" in index
