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
import re
from dataclasses import dataclass
from pathlib import Path

from engine.language import nodes
from engine.diagnostics import Diagnostics
from engine.language.limits import Limits, too_deep
from engine.language.parse import parse_text
from engine.source import SourceFile, Span


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


_FRAMEWORK = re.compile(rb"^[ \t]*framework[ \t]", re.MULTILINE)


def set_folder_of(file: Path, levels: int = 3, most_files: int = 2000) -> Path | None:
    """The folder of the criteria set that ``file`` belongs to, if it is part of one.

    The nearest folder above ``file`` (at most ``levels`` up) whose ``.crit``
    files, ``file`` among them, hold exactly one ``framework`` declaration and
    more than one file. A file that is a set of its own (a folder of separate
    one-file examples, each with its framework) belongs to none.
    """
    folder = file.resolve().parent
    for _ in range(levels):
        files = []
        for found in folder.rglob("*.crit"):
            files.append(found)
            if len(files) > most_files:
                return None
        frameworks = 0
        for found in files:
            try:
                with open(found, "rb") as handle:
                    frameworks += len(_FRAMEWORK.findall(handle.read(1 << 20)))
            except OSError:
                continue
            if frameworks > 1:
                return None
        if frameworks == 1 and len(files) > 1:
            return folder
        if folder.parent == folder:
            return None
        folder = folder.parent
    return None


def display_path(given: Path, relative: str) -> str:
    """How a file is named in messages: relative to the current directory if below it."""
    full = given / relative if given.is_dir() else given
    try:
        return full.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return full.as_posix()


def load(path: Path, limits: Limits = Limits()) -> tuple[LoadedSet, Diagnostics]:
    """Read and parse every file of the set at ``path``; problems become diagnostics.

    A file larger than ``limits.max_bytes`` is not read (E005); a file whose
    expressions or test evidence nest deeper than ``limits.max_depth`` is
    reported once (E006) and counts as not parsed, so no later stage walks it.
    """
    diags = Diagnostics()
    shown = path.as_posix()
    if not path.exists():
        diags.error("E002", f"no criteria folder or file at `{shown}`", Span(shown, 0, 0, 0, 0),
                    "give the folder that holds the `.crit` files")
        return LoadedSet(path, (), {}, {}, hashlib.sha256().hexdigest(), False), diags
    if path.is_file():
        owner = set_folder_of(path)
        if owner is not None:
            shown_set = display_path(owner, ".")
            diags.error("E004", f"`{shown}` is one file of a criteria set; a set is a folder "
                        "and is checked as a whole", Span(shown, 0, 0, 0, 0),
                        f"check the folder: `wellled check {shown_set}`")
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
        data = _read(file_path, name, diags, limits)
        if data is None:
            continue
        digest.update(relative.encode("utf-8") + b"\0" + data + b"\0")
        text = _decode(data, name, diags)
        if text is None:
            continue
        parsed, file_diags = _parse(text, name, limits)
        diags.extend(file_diags)
        sources[name] = SourceFile(file_path, name, text)
        real[name] = file_path
        if parsed is None or file_diags.has_errors:
            syntax = True
        if parsed is not None:
            files.append(parsed)
    return LoadedSet(root, tuple(files), sources, real, digest.hexdigest(), syntax), diags


def _parse(text: str, name: str, limits: Limits):
    """Parse one file and hold its nesting to ``limits.max_depth`` (E006)."""
    try:
        parsed, diags = parse_text(text, name)
    except RecursionError:  # a path that still recurses (Lark's own transformer)
        parsed, diags = None, Diagnostics()
        diags.error("E006", f"`{name}` nests too deeply to be read",
                    Span(name, 0, 0, 0, 0), _DEPTH_HELP)
        return None, diags
    if parsed is not None:
        deep = too_deep(parsed, limits.max_depth)
        if deep is not None:
            span, what = deep
            diags.error("E006", f"this {what} nests more than {limits.max_depth} levels deep",
                        span, _DEPTH_HELP if what == "condition" else _JSON_DEPTH_HELP)
            return None, diags
    return parsed, diags


_JSON_DEPTH_HELP = ("evidence nested this deeply is not real evidence: write the fields the "
                    "test needs, or raise the limit with --max-depth (at most 200)")
_DEPTH_HELP = ("split a long condition into `let` names (each starts again at depth 1), or "
               "raise the limit with --max-depth (at most 200)")


def _size(size: int) -> str:
    """A file size in words: bytes when small, else megabytes with one decimal."""
    return f"{size:,} bytes" if size < 100_000 else f"{size / 1048576:.1f} MB"


def _read(file_path: Path, name: str, diags: Diagnostics,
          limits: Limits = Limits()) -> bytes | None:
    try:
        size = file_path.stat().st_size
    except OSError:
        size = 0
    if size > limits.max_bytes:
        diags.error("E005", f"`{name}` is {_size(size)}, more than the "
                    f"{limits.max_file_mb:g} MB a criteria file may be",
                    Span(name, 0, 0, 0, 0),
                    "a criteria file holds text written by people: check it is the right file, "
                    "or raise the limit with --max-criteria-mb")
        return None
    try:
        with open(file_path, "rb") as handle:  # at most one byte past the limit, however it grew
            data = handle.read(limits.max_bytes + 1)
        if len(data) > limits.max_bytes:
            diags.error("E005", f"`{name}` is more than the {limits.max_file_mb:g} MB a "
                        "criteria file may be", Span(name, 0, 0, 0, 0),
                        "check it is the right file, or raise the limit with --max-criteria-mb")
            return None
        return data
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
