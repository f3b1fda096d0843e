"""Reading a file in one system call (bundle._read_to_end) and naming the bundle folder
without resolving every folder on its path (bundle._folder_name): the same bytes and the
same name as the slower ways they replace."""

import os
from pathlib import Path

import pytest

from engine.evidence.bundle import _folder_name, _read_to_end


@pytest.mark.parametrize("content, told_size, max_bytes, expected", [
    (b"", 0, 100, b""),                         # empty file
    (b"abc", 3, 100, b"abc"),                   # the size fstat gave: one read
    (b"abcdef", 3, 100, b"abcdef"),             # grew since fstat: read on to the end
    (b"x" * 50, 3, 10, b"x" * 11),              # grew past the limit: stops one byte over
    (b"abc", 10, 100, b"abc"),                  # shrank since fstat
])
def test_read_to_end(tmp_path, content, told_size, max_bytes, expected):
    path = tmp_path / "f.yaml"
    path.write_bytes(content)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert _read_to_end(fd, told_size, max_bytes) == expected
    finally:
        os.close(fd)


def test_folder_name_is_the_resolved_name(tmp_path, monkeypatch):
    real = tmp_path / "trusts" / "northfield"
    real.mkdir(parents=True)
    (tmp_path / "link").symlink_to(real)
    monkeypatch.chdir(real)
    for given in (real, real / ".." / "northfield", tmp_path / "link", Path("."),
                  Path("../northfield/"), Path(str(real) + "/")):
        assert _folder_name(Path(given)) == Path(given).resolve().name == "northfield"


# A plain scalar whose first character no implicit type starts with is taken as text
# without asking the resolver (read._RESOLVED_FIRST): every other one still is.
@pytest.mark.parametrize("text", [
    "abc", "Plan A", "yes", "No", "on", "OFF", "true", "null", "Null", "~", "12", "-3",
    "+4", "1_000", "0x1F", "0o17", "3.5", ".5", "1e3", "2025-01-15", "=", "é", "_x", "(a)",
])
def test_plain_scalars_read_as_the_resolver_says(text):
    import yaml

    from engine.evidence.read import ReadError, _Builder, parse_yaml

    resolved = _Builder()._scalar(yaml.ScalarEvent(None, None, (True, False), text))
    read = parse_yaml(f"k: {text}\n")["k"]
    assert read == resolved and type(read) is type(resolved)
