"""The command line under misuse and bad days: one line and exit 1 or 2, never an internal
error; a killed batch worker; a full disk; a closed pipe; the umask (issues 14, 19)."""

from __future__ import annotations

import csv
import io
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = (Path(__file__).resolve().parents[1] / "data" / "conformance")
CRITERIA = CONFORMANCE / "criteria"
WELLLED = [sys.executable, "-m", "engine"]

pytestmark = pytest.mark.skipif(not CONFORMANCE.is_dir(),
                                reason="the shared conformance set is not on this machine")


def run(*args, cwd=ROOT, preexec=None):
    p = subprocess.run([*WELLLED, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                       timeout=300, preexec_fn=preexec, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return p.returncode, p.stdout, _without_sources(p.stderr)


def _without_sources(err: str) -> str:
    """stderr less the line every command starts with, naming the folders it read (issue 14)."""
    return "".join(line for line in err.splitlines(keepends=True)
                   if not line.startswith("wellled: criteria "))


def assess(bundle, *args, **kw):
    return run("assess", bundle, "--criteria", CRITERIA, *args, **kw)


def _one_clear_line(err: str) -> None:
    """One message line (ours, or click's own usage error around its one `Error:` line)."""
    lines = [line for line in err.strip().splitlines()
             if line.startswith(("wellled:", "Error:"))]
    assert len(lines) == 1, err
    assert "internal error" not in err and "Traceback" not in err and "bug" not in err


# ---------------------------------------------------------------- C: misuse is a usage error


@pytest.fixture()
def bundle(tmp_path) -> Path:
    target = tmp_path / "early"
    shutil.copytree(CONFORMANCE / "bundles" / "early", target)
    return target


@pytest.mark.parametrize("where,codes", [
    ("a-file", (2,)), ("/dev/null", (2,)), ("/proc/wellled-test/out", (1, 2)),
    ("a-file/below", (1, 2)),
])
def test_o_at_a_place_that_cannot_hold_outputs(bundle, tmp_path, where, codes):
    (tmp_path / "a-file").write_text("keep me")
    code, out, err = assess(bundle, "-o", where, cwd=tmp_path)
    assert code in codes, err
    _one_clear_line(err)
    assert (tmp_path / "a-file").read_text() == "keep me"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_o_at_an_unwritable_folder(bundle, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code, _, err = assess(bundle, "-o", locked / "out")
    assert code in (1, 2)
    _one_clear_line(err)


@pytest.mark.parametrize("value", ["inf", "nan", "1e300", "-1", "0", "lots"])
@pytest.mark.parametrize("command", ["assess", "validate", "batch"])
def test_max_file_mb_must_be_a_sane_number(bundle, tmp_path, value, command):
    code, _, err = run(command, bundle, "--criteria", CRITERIA, "--max-file-mb", value,
                       cwd=tmp_path)
    assert code == 2, err
    assert "--max-file-mb" in err and "internal error" not in err
    assert not (tmp_path / "wellled-out").exists()


@pytest.mark.parametrize("make", ["folder", "fifo", "file-in-the-way", "proc"])
def test_junit_at_a_place_that_cannot_hold_it(tmp_path, make):
    target = {"folder": tmp_path / "reports", "fifo": tmp_path / "fifo",
              "file-in-the-way": tmp_path / "a-file" / "junit.xml",
              "proc": Path("/proc/wellled-test/junit.xml")}[make]
    if make == "folder":
        target.mkdir()
    elif make == "fifo":
        os.mkfifo(target)
    (tmp_path / "a-file").write_text("x")
    code, out, err = run("test", ROOT / "tests" / "data" / "crit_tests", "--junit", target)
    assert code in (1, 2), err
    _one_clear_line(err)


def test_assess_run_inside_a_bundle_writes_beside_it(bundle):
    before = sorted(os.listdir(bundle))
    code, out, err = run("assess", ".", "--criteria", CRITERIA, cwd=bundle)
    assert code == 0, err
    assert sorted(os.listdir(bundle)) == before
    assert (bundle.parent / "wellled-out" / "early" / "result.json").is_file()
    code, _, err = run("assess", ".", "--criteria", CRITERIA, "-o", "here", cwd=bundle)
    assert code == 2 and "never writes into a bundle" in err
    assert sorted(os.listdir(bundle)) == before


@pytest.mark.parametrize("args", [
    ("test", ROOT / "tests" / "data" / "crit_tests"),
    ("assess", CONFORMANCE / "bundles" / "early", "--criteria", CRITERIA),
    ("check", CRITERIA, "--format", "json"),
])
def test_a_closed_pipe_ends_quietly(tmp_path, args):
    """`wellled ... | head -1`: the reader is gone before wellled writes."""
    process = subprocess.Popen([*WELLLED, *map(str, args)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=tmp_path,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    process.stdout.close()
    err = _without_sources(process.stderr.read().decode())
    code = process.wait(timeout=120)
    assert code in (0, 141), err
    assert err == "", err


# ---------------------------------------------------------------- B: outputs


@pytest.mark.parametrize("mask,mode", [(0o022, 0o644), (0o002, 0o664)])
def test_assess_outputs_honour_the_umask(bundle, tmp_path, mask, mode):
    code, _, err = assess(bundle, "-o", tmp_path / "out", preexec=lambda: os.umask(mask))
    assert code == 0, err
    for name in ("result.json", "report.html", "report.md"):
        assert stat.S_IMODE(os.stat(tmp_path / "out" / name).st_mode) == mode, name


def test_a_full_disk_keeps_the_previous_set_and_says_so(bundle, tmp_path):
    out = tmp_path / "out"
    assert assess(bundle, "-o", out)[0] == 0
    before = {name: (out / name).read_bytes() for name in os.listdir(out)}
    (bundle / "bundle.yaml").write_text((bundle / "bundle.yaml").read_text().replace(
        "Early", "Renamed Early"))

    def small_files():                   # writing past 20 kB fails, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    code, _, err = assess(bundle, "-o", out, preexec=small_files)
    assert code == 1
    _one_clear_line(err)
    assert err.startswith(f"wellled: could not write the outputs to {out}: file too large; "
                          "the earlier outputs there are unchanged")
    assert {name: (out / name).read_bytes() for name in os.listdir(out)} == before
    assert sorted(os.listdir(tmp_path)) == ["early", "out"]


def test_a_folder_of_other_files_is_never_replaced(bundle, tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "board-minutes.docx").write_text("keep")
    code, _, err = assess(bundle, "-o", tmp_path / "docs")
    assert code == 2
    _one_clear_line(err)
    assert "board-minutes.docx" in err
    assert os.listdir(tmp_path / "docs") == ["board-minutes.docx"]


def test_control_characters_in_names_are_escaped_on_the_terminal(tmp_path):
    bad = tmp_path / "north\nfailed: forged line\x1b[2J"
    shutil.copytree(CONFORMANCE / "bundles" / "early", bad)
    (bad / "ftsu\n.yaml").write_text("x: 1\n")
    manifest = bad / "bundle.yaml"
    manifest.write_text(manifest.read_text().replace(
        "name: Earlybridge Hospitals NHS Trust", 'name: "Early\\e[31m\\nbridge"'))
    code, out, err = run("validate", bad, "--criteria", CRITERIA)
    assert "\x1b" not in out + err and "\nfailed: forged line" not in out + err
    assert "\\nfailed: forged line\\x1b[2J" in out + err
    code, out, err = run("batch", tmp_path, "--criteria", CRITERIA, "-o", tmp_path / "out")
    assert "\x1b" not in out + err
    assert not any(line.startswith("failed: forged line") for line in (out + err).splitlines())


# ---------------------------------------------------------------- A: a worker killed from outside


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_kill_9_of_a_batch_worker_fails_its_bundle_and_the_batch_finishes(tmp_path):
    root = tmp_path / "bundles"
    for i in range(12):
        for bundle in ("early", "strong"):
            shutil.copytree(CONFORMANCE / "bundles" / bundle, root / f"{bundle}-{i:02}")
    out = tmp_path / "out"
    process = subprocess.Popen([*WELLLED, "batch", str(root), "--criteria", str(CRITERIA),
                                "-o", str(out), "--jobs", "2"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    victim, deadline = None, time.monotonic() + 60
    while victim is None and time.monotonic() < deadline and process.poll() is None:
        workers = _children(process.pid)
        if workers:
            victim = workers[0]
            os.kill(victim, signal.SIGKILL)
        else:
            time.sleep(0.005)
    out_text, err = process.communicate(timeout=300)
    assert victim is not None, "the batch ended before a worker could be killed"
    assert process.returncode == 1, err
    assert "Traceback" not in err and "BrokenProcessPool" not in err
    table = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text())))
    assert len(table) == 24
    failed = [row for row in table if row["status"] == "failed"]
    assert len(failed) == 1 and "SIGKILL" in failed[0]["reason"]
    assert sum(row["status"] == "assessed" for row in table) == 23
    assert (out / "index.html").is_file()
    assert f"failed: {failed[0]['bundle']}: the process assessing it was stopped by SIGKILL" in err


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "soon"])
def test_timeout_must_be_a_positive_number(tmp_path, value):
    code, _, err = run("batch", CONFORMANCE / "bundles", "--criteria", CRITERIA,
                       "--timeout", value, "-o", tmp_path / "out")
    assert code == 2, err
    assert "--timeout" in err and "internal error" not in err
    assert not (tmp_path / "out").exists()


def test_batch_o_at_a_file_is_a_usage_error(tmp_path):
    (tmp_path / "a-file").write_text("keep me")
    code, _, err = run("batch", CONFORMANCE / "bundles", "--criteria", CRITERIA,
                       "-o", tmp_path / "a-file")
    assert code == 2
    _one_clear_line(err)
    assert (tmp_path / "a-file").read_text() == "keep me"
