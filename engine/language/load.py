"""Reading a criteria set from disk: every ``*.crit`` below a folder, parsed.

A set is a directory (every ``*.crit`` file below it, in order of relative
posix path) or a single ``.crit`` file. Files are shown in messages by a path
relative to the current directory when they are below it, else by the path as
given joined with their relative path.

``criteria_sha256`` fingerprints the set: sha256 over the files in that order,
each contributing ``relative/posix/path NUL bytes NUL``. It changes when any
file is added, removed, renamed or edited, and never with the folder's place.

>>> loaded, diags = load(Path("/no/such/folder"))
>>> [d.code for d in diags]
['E002']
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from engine.language import nodes
from engine.language.diagnostics import Diagnostics
from engine.language.parse import parse_text
from engine.language.source import SourceFile, Span


@dataclass(frozen=True)
class LoadedSet:
    """The parsed files of one criteria set (only those that parsed), and where they are."""

    root: Path
    files: tuple[nodes.File, ...]
    sources: dict[str, SourceFile]
    real_paths: dict[str, Path]
    criteria_sha256: str
    syntax_errors: bool


def crit_files(path: Path) -> tuple[Path, list[tuple[str, Path]]]:
    """The set's root folder and its ``(relative posix path, file)`` pairs, sorted."""
    if path.is_file():
        return path.parent, [(path.name, path)]
    found = [(p.relative_to(path).as_posix(), p) for p in path.rglob("*.crit") if p.is_file()]
    return path, sorted(found)


def display_path(given: Path, relative: str) -> str:
    """How a file is named in messages: relative to the current directory if below it."""
    full = given / relative if given.is_dir() else given
    try:
        return full.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return full.as_posix()


def load(path: Path) -> tuple[LoadedSet, Diagnostics]:
    """Read and parse every file of the set at ``path``; problems become diagnostics."""
    diags = Diagnostics()
    shown = path.as_posix()
    if not path.exists():
        diags.error("E002", f"no criteria folder or file at `{shown}`", Span(shown, 0, 0, 0, 0),
                    "give the folder that holds the `.crit` files")
        return LoadedSet(path, (), {}, {}, hashlib.sha256().hexdigest(), False), diags
    root, pairs = crit_files(path)
    if not pairs:
        diags.error("E002", f"no `.crit` files in `{shown}`", Span(shown, 0, 0, 0, 0),
                    "criteria files end in `.crit`")
    digest = hashlib.sha256()
    files: list[nodes.File] = []
    sources: dict[str, SourceFile] = {}
    real: dict[str, Path] = {}
    syntax = False
    for relative, file_path in pairs:
        name = display_path(path, relative)
        data = _read(file_path, name, diags)
        if data is None:
            continue
        digest.update(relative.encode("utf-8") + b"\0" + data + b"\0")
        text = _decode(data, name, diags)
        if text is None:
            continue
        parsed, file_diags = parse_text(text, name)
        diags.extend(file_diags)
        sources[name] = SourceFile(file_path, name, text)
        real[name] = file_path
        if parsed is None or file_diags.has_errors:
            syntax = True
        if parsed is not None:
            files.append(parsed)
    return LoadedSet(root, tuple(files), sources, real, digest.hexdigest(), syntax), diags


def _read(file_path: Path, name: str, diags: Diagnostics) -> bytes | None:
    try:
        return file_path.read_bytes()
    except OSError as err:
        diags.error("E002", f"cannot read `{name}`: {err.strerror or err}",
                    Span(name, 0, 0, 0, 0), "check the file exists and can be read")
        return None


def _decode(data: bytes, name: str, diags: Diagnostics) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        diags.error("E002", f"`{name}` is not UTF-8 text (byte {err.start})",
                    Span(name, line, column, line, column + 1),
                    "save the file as UTF-8")
        return None
    return text.removeprefix("\ufeff")
