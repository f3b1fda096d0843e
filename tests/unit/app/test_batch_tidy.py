"""A killed run's staging folders are removed once per batch, not looked for beside every
bundle (a scan of the whole output folder per bundle grew with the square of the batch)."""

import os
import shutil
from pathlib import Path

from engine.api import AssessOptions
from engine.app.batch import run_batch
from engine.app.write import write_set

ROOT = Path(__file__).resolve().parents[3]
DEAD = 4_194_303          # above any pid in use here: the run that left these is gone


def test_write_set_tidies_only_when_asked(tmp_path):
    leftover = tmp_path / f".b.wellled-{DEAD}-00ff00ff.new"
    leftover.mkdir()
    write_set(tmp_path / "b", {"result.json": "{}\n"}, tidy=False)
    assert leftover.exists()
    write_set(tmp_path / "b", {"result.json": "{}\n"})
    assert not leftover.exists()


def test_batch_removes_dead_runs_leftovers_once_at_the_start(tmp_path, monkeypatch):
    root, out = tmp_path / "bundles", tmp_path / "out"
    shutil.copytree(ROOT / "examples" / "bundles" / "northfield", root / "northfield")
    shutil.copytree(ROOT / "examples" / "bundles" / "eastmarch", root / "region" / "eastmarch")
    dead = [out / f".northfield.wellled-{DEAD}-00ff00ff.new",
            out / "region" / f".eastmarch.wellled-{DEAD}-00ff00ff.old",
            out / f".gone.wellled-{DEAD}-00ff00ff.new"]
    alive = out / f".northfield.wellled-{os.getpid()}-00ff00ff.new"
    for folder in dead + [alive]:
        folder.mkdir(parents=True)
    import engine.app.write as write

    scans = []
    real = write.clear_leftovers
    monkeypatch.setattr(write, "clear_leftovers", lambda *a: scans.append(a) or real(*a))
    summary = run_batch(root, ROOT / "criteria" / "cqc_well_led", out, jobs=1,
                        formats=("json",), options=AssessOptions(), since=None,
                        progress=False, echo=lambda line: None)
    assert summary.done == 2
    assert not any(folder.exists() for folder in dead)
    assert alive.exists()                         # a run still going is never touched
    assert sorted(scans) == [(out,), (out / "region",)]
    assert (out / "region" / "eastmarch" / "result.json").is_file()
