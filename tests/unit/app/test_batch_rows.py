"""A batch's summary rows kept on disk (SpilledRows) give the same summary files as rows in
memory, in bundle order, so the batch's memory stays flat however many bundles it holds."""

import multiprocessing
import os
import signal
import time

import openpyxl
import pytest

from engine.api import AssessOptions
from engine.app import batch
from engine.app.batch import SpilledRows, write_summary
from engine.errors import OutputError, WellledError

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


# ---------------------------------------------------------------- summary.xlsx beside the rest


def _refuse(rows, out):
    raise WellledError(f"could not write {out}/summary.xlsx: no space left on device")


def _die(rows, out):
    os.kill(os.getpid(), signal.SIGKILL)


def _wait_then_write(rows, out):
    time.sleep(0.5)
    (out / "late.txt").write_text("written after the batch stopped")


def test_summary_xlsx_is_written_while_this_process_writes_the_rest(tmp_path, monkeypatch):
    real = batch._write_workbook

    def record(rows, out):
        (out / "pid").write_text(str(os.getpid()))
        real(rows, out)

    monkeypatch.setattr(batch, "_write_workbook", record)
    write_summary(ROWS, tmp_path, ("json", "html"), AssessOptions())
    assert int((tmp_path / "pid").read_text()) != os.getpid()   # another process wrote it
    sheet = openpyxl.load_workbook(tmp_path / "summary.xlsx")["Summary"]
    assert [sheet.cell(r, 3).value for r in (2, 3, 4)] == ["north", "east", "west"]


@pytest.mark.parametrize("work, words", [
    (_refuse, "summary.xlsx: no space left on device"),
    (_die, "summary.xlsx: the process writing it ended unexpectedly .* run the batch again"),
])
def test_a_failure_beside_the_batch_is_said_in_the_batch(tmp_path, work, words):
    with pytest.raises(OutputError, match=words):
        with batch._Beside(tmp_path / "summary.xlsx", work, ROWS, tmp_path):
            (tmp_path / "index.html").write_text("the batch's own file")
    assert (tmp_path / "index.html").is_file()


def test_when_the_batch_itself_fails_the_process_beside_it_is_stopped(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with batch._Beside(tmp_path / "late.txt", _wait_then_write, ROWS, tmp_path):
            raise KeyboardInterrupt
    time.sleep(0.8)
    assert not (tmp_path / "late.txt").exists()


def test_where_the_system_cannot_fork_the_workbook_is_written_first(tmp_path, monkeypatch):
    order = []
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    with batch._Beside(tmp_path / "summary.xlsx", lambda rows, out: order.append(os.getpid()),
                       ROWS, tmp_path):
        order.append("block")
    assert order == [os.getpid(), "block"]          # here, and before the block
