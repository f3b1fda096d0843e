"""The bundle is a sealed folder (issue 19): a folder swapped for a symbolic link mid-read
never leads outside it.

A second process swaps the collection folder `focus_group/` for a link to an
outside folder and back, as fast as it can, while the bundle is loaded again and
again. Linux's inotify watches the outside folder: the test asserts that nothing
in it, nor the folder itself, is ever opened, and that every load either
succeeds with the bundle's own documents or is refused with a clear message
(never an OSError, never an outside document).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import BundleError
from engine.evidence.bundle import load_bundle
from engine.evidence.schemas import EvidenceSchema

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")

MANIFEST = ("provider: {id: RX1, name: Sealed Trust, type: acute}\n"
            "assessment: {date: 2025-06-30, kind: self_assessment}\n")
SCHEMAS = {
    "focus_group": EvidenceSchema("focus_group", "Focus group", True, Path("fg.json"), {
        "type": "object", "properties": {"group": {"type": "string"}}, "required": ["group"]}),
    "strategy": EvidenceSchema("strategy", "Strategy", False, Path("s.json"), {
        "type": "object", "properties": {"title": {"type": "string"}}}),
}
IN_OPEN = 0x20
IN_ACCESS = 0x01
IN_NONBLOCK = 0o4000


class Watch:
    """inotify on one folder: every open or read of it or of a file in it."""

    def __init__(self, folder: Path):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self.fd = libc.inotify_init1(IN_NONBLOCK)
        if self.fd < 0:
            pytest.skip("inotify is not available here")
        if libc.inotify_add_watch(self.fd, str(folder).encode(), IN_OPEN | IN_ACCESS) < 0:
            pytest.skip("inotify cannot watch the folder")

    def events(self) -> list[tuple[int, str]]:
        found = []
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return found
            offset = 0
            while offset < len(data):
                _, mask, _, size = struct.unpack_from("iIII", data, offset)
                name = data[offset + 16: offset + 16 + size].rstrip(b"\0").decode()
                found.append((mask, name))
                offset += 16 + size

    def close(self) -> None:
        os.close(self.fd)


def make(tmp_path: Path) -> tuple[Path, Path]:
    bundle = tmp_path / "b"
    (bundle / "focus_group").mkdir(parents=True)
    (bundle / "bundle.yaml").write_text(MANIFEST)
    (bundle / "strategy.yaml").write_text("title: ours\n")
    for i in range(20):
        (bundle / "focus_group" / f"g{i:02}.yaml").write_text(f"group: ours {i}\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    for i in range(20):
        (outside / f"g{i:02}.yaml").write_text("group: OUTSIDE SECRET\n")
    return bundle, outside


SWAPPER = """
import os, sys, time
bundle, outside = sys.argv[1], sys.argv[2]
real, parked = os.path.join(bundle, "focus_group"), os.path.join(bundle, ".parked")
end = time.monotonic() + float(sys.argv[3])
swaps = 0
print("ready", flush=True)
while time.monotonic() < end and not os.path.exists(os.path.join(bundle, ".stop")):
    os.rename(real, parked)
    os.symlink(outside, real)
    time.sleep(0.0002)          # the link stays a moment, as a real attacker's would
    os.unlink(real)
    os.rename(parked, real)
    time.sleep(0.0002)
    swaps += 1
print(swaps)
"""


def test_a_folder_swapped_for_a_link_mid_read_never_leads_outside(tmp_path):
    # The swapper is another process, so the swaps really interleave with the reads
    # (a thread would mostly run between them, held back by the GIL). Bounded: at most
    # 400 loads and 60 seconds of swapping.
    bundle, outside = make(tmp_path)
    watch = Watch(outside)
    swapper = subprocess.Popen([sys.executable, "-c", SWAPPER, str(bundle), str(outside), "60"],
                               stdout=subprocess.PIPE, text=True)
    outcomes = {"loaded": 0, "refused": 0}
    assert swapper.stdout.readline().strip() == "ready"
    try:
        for _ in range(400):
            try:
                loaded = load_bundle(bundle, SCHEMAS)
            except BundleError as err:
                outcomes["refused"] += 1
                text = "\n".join(err.problems)
                assert "OUTSIDE" not in text
                assert all(p.startswith(str(bundle)) for p in err.problems), text
                continue
            outcomes["loaded"] += 1
            groups = [d.data["group"] for d in loaded.collections.get("focus_group", ())]
            assert all(g.startswith("ours") for g in groups), groups
    finally:
        (bundle / ".stop").write_text("")
        swaps = int(swapper.communicate(timeout=70)[0].strip() or 0)
    seen = watch.events()
    watch.close()
    assert swaps > 0
    assert seen == [], f"opened outside the bundle: {seen[:5]} ({outcomes}, {swaps} swaps)"


def test_no_open_outside_the_bundle_on_a_plain_read(tmp_path):
    # The watch itself works: reading the outside folder directly is seen.
    bundle, outside = make(tmp_path)
    os.symlink(outside, bundle / "notes")            # a link to a folder: refused, not followed
    watch = Watch(outside)
    with pytest.raises(BundleError) as caught:
        load_bundle(bundle, SCHEMAS)
    assert any("notes: is a symbolic link" in p for p in caught.value.problems)
    assert watch.events() == []
    (outside / "g00.yaml").read_text()
    assert watch.events() != []
    watch.close()


@pytest.mark.parametrize("swap,expected", [
    ("link", "focus_group/g00.yaml: cannot be read: its folder `focus_group` is a symbolic link"),
    ("file", "focus_group/g00.yaml: cannot be read: its folder `focus_group` changed while the "
             "bundle was being read"),
])
def test_a_folder_replaced_between_listing_and_reading_is_refused(tmp_path, monkeypatch, swap,
                                                                   expected):
    # Deterministic: the swap happens exactly after the folder is listed, before its files
    # are opened.
    import engine.evidence.bundle as module

    bundle, outside = make(tmp_path)
    real_layout = module._layout

    def layout_then_swap(*args, **kwargs):
        found = real_layout(*args, **kwargs)
        os.rename(bundle / "focus_group", tmp_path / "parked")
        if swap == "link":
            os.symlink(outside, bundle / "focus_group")
        else:
            (bundle / "focus_group").write_text("not a folder\n")
        return found

    monkeypatch.setattr(module, "_layout", layout_then_swap)
    watch = Watch(outside)
    with pytest.raises(BundleError) as caught:
        load_bundle(bundle, SCHEMAS)
    text = "\n".join(caught.value.problems)
    assert expected in text
    assert "OUTSIDE" not in text
    assert watch.events() == []
    watch.close()
