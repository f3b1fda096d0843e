"""Batch survives its workers, accounts for every folder, and never mixes runs (issues 13, 14, 19).

Workers are really killed here (SIGKILL sent to the worker process, as the out-of-memory
killer would) and really hang (a sleep past --timeout); the batch must carry on.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from engine.api import AssessOptions
from engine.errors import UsageError, WellledError
from engine.app import batch
from engine.app.batch import run_batch, survey

CONFORMANCE = (Path(__file__).resolve().parents[2] / "data" / "conformance")
FORKS = multiprocessing.get_start_method() == "fork"
needs_fork = pytest.mark.skipif(not FORKS, reason="the fault is injected into forked workers")


@pytest.fixture(scope="module")
def criteria() -> Path:
    path = CONFORMANCE / "criteria"
    if not path.is_dir():
        pytest.skip("no conformance criteria on this machine")
    return path


@pytest.fixture()
def root(tmp_path) -> Path:
    root = tmp_path / "bundles"
    for bundle in sorted((CONFORMANCE / "bundles").iterdir()):
        for copy in ("", "-2", "-3"):
            shutil.copytree(bundle, root / f"{bundle.name}{copy}")
    return root


def _run(root, criteria, out, jobs=2, since=None, timeout=600.0, formats=("json", "html")):
    lines: list[str] = []
    summary = run_batch(root, criteria, out, jobs=jobs, formats=formats, options=AssessOptions(),
                        since=since, progress=False, echo=lines.append, timeout=timeout)
    return summary, lines


def _table(out: Path) -> dict[str, dict[str, str]]:
    return {r["bundle"]: r for r in csv.DictReader(io.StringIO((out / "summary.csv").read_text()))}


def _fault(name: str, action):
    """assess_one, but ``action()`` runs first in the worker that holds bundle ``name``."""
    real = batch.assess_one

    def fake(bundle_name, *args):
        if bundle_name == name:
            action()
        return real(bundle_name, *args)

    return fake


# ---------------------------------------------------------------- A: workers die, hang


@needs_fork
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_worker_killed_fails_only_its_bundle(root, criteria, tmp_path, monkeypatch, jobs):
    monkeypatch.setattr(batch, "assess_one",
                        _fault("strong-2", lambda: os.kill(os.getpid(), signal.SIGKILL)))
    summary, _ = _run(root, criteria, tmp_path / "out", jobs=jobs)
    assert summary.done == 5
    assert [name for name, _ in summary.failed] == ["strong-2"]
    assert "stopped by SIGKILL" in summary.failed[0][1]
    assert "running out of memory" in summary.failed[0][1]
    table = _table(tmp_path / "out")
    assert len(table) == 6 and table["strong-2"]["status"] == "failed"
    assert "SIGKILL" in table["strong-2"]["reason"]
    assert "strong-2" in (tmp_path / "out" / "index.html").read_text()
    assert (tmp_path / "out" / "strong-3" / "result.json").is_file()


@needs_fork
def test_a_hanging_bundle_becomes_a_failed_row_after_the_timeout(root, criteria, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setattr(batch, "assess_one", _fault("early", lambda: time.sleep(120)))
    started = time.monotonic()
    summary, _ = _run(root, criteria, tmp_path / "out", jobs=2, timeout=3)
    assert time.monotonic() - started < 60
    assert [name for name, _ in summary.failed] == ["early"]
    assert "took longer than 3 seconds" in summary.failed[0][1]
    assert summary.done == 5 and (tmp_path / "out" / "summary.csv").is_file()


@needs_fork
def test_a_worker_that_exits_fails_its_bundle_with_the_status(root, criteria, tmp_path,
                                                              monkeypatch):
    monkeypatch.setattr(batch, "assess_one", _fault("early-3", lambda: os._exit(3)))
    summary, _ = _run(root, criteria, tmp_path / "out", jobs=2)
    assert summary.failed == [("early-3", "the process assessing it ended unexpectedly (exit "
                               "status 3); assess it alone with `wellled assess` to see why")]


# ---------------------------------------------------------------- D: every folder accounted for


def test_batch_finds_a_bundle_yml_bundle(root, criteria, tmp_path):
    """Issue 13: batch and assess share one list of manifest names."""
    from engine.evidence.bundle import MANIFEST_NAMES

    assert batch.MANIFEST_NAMES is MANIFEST_NAMES and "bundle.yml" in MANIFEST_NAMES
    (root / "early").joinpath("bundle.yaml").rename(root / "early" / "bundle.yml")
    assert "early" in [name for name, _ in survey(root)[0]]
    summary, _ = _run(root, criteria, tmp_path / "out")
    assert summary.done == 6 and summary.failed == []


def test_every_folder_is_accounted_for(root, criteria, tmp_path):
    (root / "notes" / "2024").mkdir(parents=True)
    (root / "region" / "empty").mkdir(parents=True)
    shutil.copytree(root / "early", root / "region" / "late")
    (root / ".git").mkdir()
    (root / "broken").mkdir()
    (root / "broken" / "bundle.yaml").write_text("provider: [\n")
    summary, lines = _run(root, criteria, tmp_path / "out")
    skipped = dict(summary.skipped)
    assert set(skipped) == {"notes", "region/empty", ".git"}
    assert "skipped: notes: not a bundle" in "\n".join(lines)
    table = _table(tmp_path / "out")
    assert table["broken"]["status"] == "failed" and "bundle.yaml" in table["broken"]["reason"]
    assert table["notes"]["status"] == "skipped" and table["region/late"]["status"] == "assessed"
    index = (tmp_path / "out" / "index.html").read_text()
    assert 'id="skipped"' in index and "region/empty" in index and "broken" in index


def test_an_empty_root_is_an_error(criteria, tmp_path):
    (tmp_path / "root" / "notes").mkdir(parents=True)
    with pytest.raises(WellledError) as err:
        _run(tmp_path / "root", criteria, tmp_path / "out")
    assert err.value.exit_code == 1 and "no evidence bundles found" in str(err.value)
    assert not (tmp_path / "out").exists()


def test_root_itself_a_bundle_with_a_nested_bundle_of_the_same_name(criteria, tmp_path):
    """Two bundles never share an output folder: a bundle's folders belong to it."""
    outer = tmp_path / "strong"
    shutil.copytree(CONFORMANCE / "bundles" / "strong", outer)
    shutil.copytree(CONFORMANCE / "bundles" / "early", outer / "strong")
    summary, _ = _run(outer, criteria, tmp_path / "out", jobs=1)
    assert summary.done == 1 and summary.failed == []
    assert summary.skipped == [("strong/strong", "inside the bundle strong: a bundle's folders "
                                "belong to it; move it out to assess it on its own")]
    result = json.loads((tmp_path / "out" / "strong" / "result.json").read_text())
    assert result["bundle"]["provider"]["id"] == "RXA"
    assert sorted(os.listdir(tmp_path / "out" / "strong")) == ["report.html", "result.json"]


def test_names_that_would_share_an_output_folder_fail(root, criteria, tmp_path):
    shutil.copytree(root / "early", root / "Early")
    shutil.copytree(root / "early", root / "summary.csv")
    summary, _ = _run(root, criteria, tmp_path / "out")
    failed = dict(summary.failed)
    assert set(failed) == {"early", "summary.csv"}
    assert "only in upper or lower case" in failed["early"]
    assert (tmp_path / "out" / "summary.csv").is_file()


def test_the_output_folder_is_never_inside_a_bundle(root, criteria, tmp_path):
    with pytest.raises(UsageError, match="inside the bundle early"):
        _run(root, criteria, root / "early" / "out")
    with pytest.raises(UsageError, match="folder of bundles itself"):
        _run(root, criteria, root)
    assert sorted(os.listdir(root / "early")) == sorted(
        os.listdir(CONFORMANCE / "bundles" / "early"))


def test_a_bundle_that_fails_on_a_rerun_leaves_no_current_looking_result(root, criteria,
                                                                         tmp_path):
    out = tmp_path / "out"
    _run(root, criteria, out)
    assert (out / "early" / "result.json").is_file()
    (root / "early" / "bundle.yaml").write_text("provider: {id: X}\n")
    summary, _ = _run(root, criteria, out)
    assert [name for name, _ in summary.failed] == ["early"]
    assert os.listdir(out / "early") == ["failed.txt"]
    note = (out / "early" / "failed.txt").read_text()
    assert "could not be assessed" in note and "/provider/name" in note
    assert "earlier run were removed" in note


# ---------------------------------------------------------------- --since


def test_since_must_be_an_earlier_batch_of_the_same_framework(root, criteria, tmp_path):
    with pytest.raises(UsageError, match="no such folder"):
        _run(root, criteria, tmp_path / "out", since=tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="holds no result.json"):
        _run(root, criteria, tmp_path / "out", since=tmp_path / "empty")
    other = tmp_path / "other" / "early"
    other.mkdir(parents=True)
    (other / "result.json").write_text(json.dumps({"framework": {"id": "nhs_well_led_2017"}}))
    with pytest.raises(UsageError, match="cannot be compared"):
        _run(root, criteria, tmp_path / "out", since=tmp_path / "other")
    assert not (tmp_path / "out").exists()


def test_since_with_no_matching_names_warns_instead_of_new_everywhere(root, criteria, tmp_path):
    _run(root, criteria, tmp_path / "before")
    for folder in (tmp_path / "before").iterdir():
        if folder.is_dir():
            folder.rename(folder.with_name("old-" + folder.name))
    summary, lines = _run(root, criteria, tmp_path / "after", since=tmp_path / "before")
    assert any("none of the 6 bundles has an earlier result" in w for w in summary.warnings)
    assert any(line.startswith("warning: none of the 6 bundles") for line in lines)
    assert "none of the 6 bundles" in (tmp_path / "after" / "index.html").read_text()


def test_since_warns_when_the_earlier_criteria_differ(root, criteria, tmp_path):
    _run(root, criteria, tmp_path / "before")
    earlier = tmp_path / "before" / "strong" / "result.json"
    doc = json.loads(earlier.read_text())
    doc["framework"]["version"] = "2019.1"
    earlier.write_text(json.dumps(doc))
    summary, _ = _run(root, criteria, tmp_path / "after", since=tmp_path / "before")
    assert any("version 2019.1" in w and "criteria rather than the provider" in w
               for w in summary.warnings)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_since_with_a_fifo_or_a_deep_result_fails_only_that_comparison(root, criteria, tmp_path):
    _run(root, criteria, tmp_path / "before")
    fifo = tmp_path / "before" / "early" / "result.json"
    fifo.unlink()
    os.mkfifo(fifo)
    deep = tmp_path / "before" / "strong" / "result.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    started = time.monotonic()
    summary, _ = _run(root, criteria, tmp_path / "after", since=tmp_path / "before")
    assert time.monotonic() - started < 60
    assert summary.done == 6 and summary.failed == []
    table = _table(tmp_path / "after")
    assert table["early"]["well_led_change"] == "not comparable"
    assert "not a regular file" in table["early"]["well_led_since"]
    assert "nested too deeply" in table["strong"]["well_led_since"]
    assert table["strong-2"]["well_led_change"] == "same"


def test_a_folder_and_a_workbook_of_one_name_never_share_an_output_folder(root, criteria,
                                                                          tmp_path):
    (root / "early.xlsx").write_bytes(b"not read: it clashes")
    (root / "~$strong.xlsx").write_bytes(b"an Excel lock file")
    summary, _ = _run(root, criteria, tmp_path / "out")
    assert summary.failed == [("early", "a folder and a workbook of this name would share an "
                               "output folder; rename one")]
    assert summary.done == 6
    assert (tmp_path / "out" / "early" / "result.json").is_file()


def test_control_characters_in_a_provider_name_do_not_stop_the_summaries(root, criteria,
                                                                         tmp_path):
    manifest = root / "strong" / "bundle.yaml"
    manifest.write_text(manifest.read_text().replace(
        "name: Strongbrook Community NHS Trust", 'name: "Strong\\e[31m\\x07brook"'))
    summary, _ = _run(root, criteria, tmp_path / "out")
    assert summary.failed == []
    table = _table(tmp_path / "out")
    assert table["strong"]["provider_name"] == "Strong\\x1b[31m\\x07brook"
    assert (tmp_path / "out" / "summary.xlsx").is_file()
    assert "\x1b" not in (tmp_path / "out" / "index.html").read_text()
