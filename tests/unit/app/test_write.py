"""Outputs replaced as a set, with the user's umask, never over what wellled did not write."""

from __future__ import annotations

import os
import signal
import stat

import pytest

from engine.errors import OutputError, UsageError
from engine.app import write
from engine.app.write import atomic_write, write_set

OLD = {"result.json": "old result\n", "report.html": "old page\n", "report.md": "old text\n"}
NEW = {"result.json": "new result\n", "report.html": "new page\n", "report.md": "new text\n"}


def _content(folder):
    return {name: (folder / name).read_text() for name in sorted(os.listdir(folder))}


def _siblings(folder):
    return sorted(name for name in os.listdir(folder.parent) if name != folder.name)


@pytest.fixture()
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_set_is_written_then_replaced_whole(tmp_path):
    out = tmp_path / "out"
    assert write_set(out, OLD) == [out / name for name in OLD]
    assert _content(out) == OLD
    write_set(out, {"result.json": "json only\n"})
    assert _content(out) == {"result.json": "json only\n"}      # no stale report beside it
    assert _siblings(out) == []


@pytest.mark.parametrize("mask,file_mode,dir_mode", [(0o022, 0o644, 0o755),
                                                     (0o002, 0o664, 0o775),
                                                     (0o077, 0o600, 0o700)])
def test_outputs_honour_the_umask(tmp_path, mask, file_mode, dir_mode):
    old = os.umask(mask)
    try:
        write_set(tmp_path / "out", OLD)
        atomic_write(tmp_path / "summary.csv", "a,b\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "out").st_mode) == dir_mode
    assert stat.S_IMODE(os.stat(tmp_path / "out" / "report.html").st_mode) == file_mode
    assert stat.S_IMODE(os.stat(tmp_path / "summary.csv").st_mode) == file_mode


def test_a_failure_mid_set_leaves_the_previous_set_untouched(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_set(out, OLD)
    real, calls = write._write_new, []

    def full_disk(path, text):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(path, text)

    monkeypatch.setattr(write, "_write_new", full_disk)
    with pytest.raises(OutputError) as err:
        write_set(out, NEW)
    assert str(err.value) == (f"could not write the outputs to {out}: no space left on device; "
                              "the earlier outputs there are unchanged")
    assert "bug" not in str(err.value)
    assert _content(out) == OLD and _siblings(out) == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_kill_9_mid_set_leaves_the_old_set_and_the_next_run_clears_the_leftover(tmp_path):
    out = tmp_path / "out"
    write_set(out, OLD)
    pid = os.fork()
    if pid == 0:                                   # the child dies after one file of three
        try:
            real = write._write_new

            def die_after_one(path, text):
                real(path, text)
                os.kill(os.getpid(), signal.SIGKILL)

            write._write_new = die_after_one
            write_set(out, NEW)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert _content(out) == OLD                    # the old set, whole; nothing inside it
    leftovers = _siblings(out)
    assert len(leftovers) == 1 and leftovers[0].startswith(".out.wellled-")
    write_set(out, NEW)
    assert _content(out) == NEW and _siblings(out) == []


def test_the_fallback_without_an_exchange_also_replaces_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(write, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    write_set(out, OLD)
    write_set(out, NEW)
    assert _content(out) == NEW and _siblings(out) == []


def test_a_folder_holding_other_files_is_refused_and_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "minutes.docx").write_text("mine")
    (out / "result.json").write_text("old")
    with pytest.raises(UsageError) as err:
        write_set(out, NEW)
    assert "holds files wellled did not write (minutes.docx)" in str(err.value)
    assert _content(out) == {"minutes.docx": "mine", "result.json": "old"}


def test_a_folder_in_place_of_an_output_name_is_refused(tmp_path):
    out = tmp_path / "out"
    (out / "report.html").mkdir(parents=True)
    with pytest.raises(UsageError, match=r"report\.html"):
        write_set(out, NEW)
    assert (out / "report.html").is_dir()


@pytest.mark.parametrize("make,words", [
    (lambda p: p.write_text("x"), "is a file"),
    (lambda p: os.mkfifo(p), "is not a folder"),
])
def test_the_output_folder_must_be_a_folder(tmp_path, make, words):
    target = tmp_path / "target"
    make(target)
    with pytest.raises(UsageError, match=words):
        write_set(target, NEW)


def test_a_file_in_the_way_of_the_folder_is_a_plain_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match=r"not a directory; nothing was written"):
        write_set(tmp_path / "file" / "out", NEW)


@pytest.mark.parametrize("make,words", [
    (lambda p: p.mkdir(), "is a folder"),
    (lambda p: os.mkfifo(p), "is not a regular file"),
])
def test_atomic_write_never_replaces_what_is_not_a_file(tmp_path, make, words):
    target = tmp_path / "junit.xml"
    make(target)
    with pytest.raises(UsageError, match=words):
        atomic_write(target, "<x/>")
    assert not stat.S_ISREG(os.stat(target).st_mode)


def test_atomic_write_keeps_the_mode_of_the_file_it_replaces(tmp_path, umask_022):
    target = tmp_path / "set.crit"
    target.write_text("old")
    os.chmod(target, 0o640)
    atomic_write(target, "new")
    assert target.read_text() == "new" and stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert os.listdir(tmp_path) == ["set.crit"]


def test_a_batch_starts_writing_each_set_to_disk_and_later_drops_it_from_the_cache(
        tmp_path, monkeypatch):
    advised = []
    real = os.posix_fadvise

    def record(fd, offset, length, advice):
        advised.append((os.readlink(f"/proc/self/fd/{fd}"), advice))
        real(fd, offset, length, advice)

    monkeypatch.setattr(os, "posix_fadvise", record)
    release = write.CacheRelease(lag=2)
    sets = [write_set(tmp_path / f"b{i}", {"result.json": f"{i}\n", "report.md": "x\n"})
            for i in range(4)]
    for paths in sets:
        release.written(paths)
    names = [(os.path.relpath(path, tmp_path), advice) for path, advice in advised]
    drop = os.POSIX_FADV_DONTNEED
    # each set once as it is written; the first two once more, when two newer sets are written
    assert names == [("b0/result.json", drop), ("b0/report.md", drop),
                     ("b1/result.json", drop), ("b1/report.md", drop),
                     ("b2/result.json", drop), ("b2/report.md", drop),
                     ("b0/result.json", drop), ("b0/report.md", drop),
                     ("b3/result.json", drop), ("b3/report.md", drop),
                     ("b1/result.json", drop), ("b1/report.md", drop)]
    assert [(tmp_path / f"b{i}" / "result.json").read_text() for i in range(4)] == [
        "0\n", "1\n", "2\n", "3\n"]                       # a hint: the files are unchanged


def test_dropping_from_the_cache_is_only_a_hint(tmp_path, monkeypatch):
    paths = write_set(tmp_path / "b", {"result.json": "{}\n"})
    paths[0].unlink()                                     # gone since: nothing to drop
    write.CacheRelease(lag=0).written(paths)
    monkeypatch.delattr(os, "posix_fadvise")             # a system without it
    again = write_set(tmp_path / "c", {"result.json": "{}\n"})
    write.CacheRelease(lag=0).written(again)
    assert again[0].read_text() == "{}\n"
