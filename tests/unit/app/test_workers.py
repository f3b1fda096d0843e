"""Worker processes (engine/app/workers.py): what a worker is set up with."""

from __future__ import annotations

import gc
from pathlib import Path

from engine.app.workers import WORKER_GC_THRESHOLD, run_in_workers


def _nothing() -> None:
    pass


def _collector(name: str, folder: Path) -> tuple[int, int, bool]:
    return gc.get_threshold()[0], gc.get_freeze_count(), gc.isenabled()


def test_a_worker_freezes_what_it_was_set_up_with_and_collects_young_objects_less_often(
        tmp_path: Path) -> None:
    outcomes = dict(run_in_workers([("a", tmp_path), ("b", tmp_path)], jobs=2, timeout=60,
                                   setup=_nothing, setup_args=(), task=_collector,
                                   task_args=()))
    assert set(outcomes) == {"a", "b"}
    for threshold, frozen, enabled in outcomes.values():
        assert threshold == WORKER_GC_THRESHOLD != gc.get_threshold()[0]
        assert frozen > 1000          # the modules and objects alive when set up
        assert enabled                # cycles are still collected
