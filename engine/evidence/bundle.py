"""Evidence bundles: a folder of evidence for one provider at one date, read and validated.

``load_bundle`` reads the manifest and every evidence document, refuses what
is unsafe (symbolic links, oversize files, duplicate keys, tags...), validates
each document against its evidence schema and either returns a ``Bundle`` or
raises one ``BundleError`` listing every problem of the whole folder, each as
``<bundle>/<file>: /json/pointer: what is wrong``. Never a partial result.

>>> bundle = load_bundle(Path("examples/bundles/northfield"), schemas)   # doctest: +SKIP
>>> bundle.documents["strategy"].data["approved_on"]                  # doctest: +SKIP
datetime.date(2025, 1, 15)
"""

from __future__ import annotations

import datetime
import errno
import hashlib
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from engine import resources
from engine.diagnostics import Diagnostic
from engine.errors import BundleError
from engine.evidence.read import SUFFIXES, ReadError, parse_text, positions
from engine.evidence.schemas import EvidenceSchema
from engine.evidence.validate import validate_document
from engine.source import SourceFile, Span
from engine.words import printable

MANIFEST_NAMES = ("bundle.yaml", "bundle.yml", "bundle.json")
"""The names a manifest may have; a bundle has exactly one of them."""


@dataclass(frozen=True)
class FileRecord:
    """One file read: its posix path in the bundle, evidence type (``bundle``: manifest), hash."""

    path: str
    type: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Document:
    """One valid evidence document; ``format: date`` strings in ``data`` are ``datetime.date``."""

    type: str
    path: str
    data: Any


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Provider(_Model):
    """The provider assessed: ODS code, name and kind (acute, mental_health...)."""

    id: str
    name: str
    type: str


class Period(_Model):
    """The period the evidence covers, both days included."""

    start: datetime.date
    end: datetime.date


class Assessment(_Model):
    """The assessment: its date (every date rule is relative to it) and kind."""

    date: datetime.date
    kind: str
    period: Period | None = None
    assessor: str | None = None


class Manifest(_Model):
    """The bundle manifest (``bundle.yaml``): who is assessed, and when."""

    provider: Provider
    assessment: Assessment


@dataclass(frozen=True)
class Bundle:
    """A loaded, valid evidence bundle: what the judge reads.

    ``documents`` holds single-document evidence that was provided and valid;
    ``collections`` each ``many`` type whose folder exists (an empty tuple is
    a known empty collection; a type absent from both is not provided).
    """

    root: Path
    name: str
    manifest: Manifest
    documents: Mapping[str, Document]
    collections: Mapping[str, tuple[Document, ...]]
    files: tuple[FileRecord, ...]
    unused: tuple[str, ...]
    problems: tuple[str, ...]
    # The same problems as ``problems`` (what --lenient set aside), as located, coded
    # diagnostics; ``problems`` keeps their one-line form, which result.json carries.
    diagnostics: tuple[Diagnostic, ...] = ()


@lru_cache(maxsize=1)
def manifest_schema() -> EvidenceSchema:
    """The manifest's schema (``evidence_schemas/bundle.schema.json``), read once."""
    path = resources.data_dir("evidence_schemas") / "bundle.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    return EvidenceSchema("bundle", schema.get("title", "Evidence bundle manifest"), False,
                          path, schema)


# ---------------------------------------------------------------- finding files


@dataclass
class _Layout:
    """What a bundle folder holds, by name only (nothing read yet)."""

    manifests: list[str]
    singles: dict[str, list[str]]
    collections: dict[str, list[str]]
    unused: list[str]


class _Problems:
    """Every problem found, each a located, coded ``Diagnostic`` kept with the file it is
    about, so they sort by file (and, within one file, in the order found).

    Each reads on one line as ``<bundle>/<file>[:line:col]: [/pointer: ]message``
    (``sorted``: result.json, batch summaries), and for the terminal with its code,
    the source line with a caret, and help where there are some (``error``).
    """

    def __init__(self, label: str):
        self.label = label
        self.items: list[tuple[str, int, Diagnostic]] = []
        self.sources: dict[str, SourceFile] = {}

    def add(self, rel: str, message: str, at: str = "", *, code: str,
            line_col: tuple[int, int] | None = None, help: str | None = None,
            text: str | None = None) -> None:
        path = printable(f"{self.label}/{rel}" if rel else self.label)   # a name cannot
        pointer = None                                                    # forge a line
        if at and at[0].isdigit():
            if line_col is None:    # line:column, the way editors jump to it
                line, _, col = at.partition(":")
                line_col = (int(line), int(col or 1)) if line.isdigit() and (
                    col or "1").isdigit() else None
        elif at:
            pointer = at
        else:
            line_col = None     # a problem of the whole file: no one place in it
        span = Span(path, *line_col, line_col[0], line_col[1] + 1) if line_col else \
            Span(path, 0, 0, 0, 0)
        if text is not None and line_col is not None:
            self.sources[path] = SourceFile(None, path, text)
        self.items.append((rel, len(self.items),
                           Diagnostic(code, "error", message, span, help, pointer=pointer)))

    def diagnostics(self) -> list[Diagnostic]:
        return [d for _, _, d in sorted(self.items, key=lambda item: item[:2])]

    def sorted(self) -> list[str]:
        return [d.line() for d in self.diagnostics()]

    def error(self) -> BundleError:
        return BundleError.from_diagnostics(self.diagnostics(), self.sources)


# INVARIANT: the bundle is a sealed folder. Every folder is opened relative to its
# parent's descriptor with O_NOFOLLOW | O_DIRECTORY, and every file relative to its
# folder's descriptor with O_NOFOLLOW, so a folder swapped for a symbolic link while
# the bundle is read fails to open (ELOOP) instead of leading outside. No path below
# the bundle folder is ever looked up by name from the process's working directory.

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
    | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _entries(dir_fd: int) -> list[os.DirEntry[str]]:
    with os.scandir(dir_fd) as it:
        return sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)


def _open_dir(name: str, dir_fd: int) -> int:
    """A descriptor of the folder ``name`` in ``dir_fd``; ReadError if it is not one now."""
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except OSError as err:
        raise _open_error(err, name, dir_fd) from None


def _is_link(name: str, dir_fd: int) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(name, dir_fd=dir_fd).st_mode)
    except OSError:
        return False


def _open_error(err: OSError, name: str, dir_fd: int) -> ReadError:
    # O_NOFOLLOW on a link gives ELOOP, or ENOTDIR with O_DIRECTORY: ask which it is now.
    if err.errno == errno.ELOOP or (err.errno == errno.ENOTDIR and _is_link(name, dir_fd)):
        return ReadError("is a symbolic link; copy the file itself into the bundle "
                         "(links are refused: they can point outside it)", code="E202")
    if err.errno in (errno.ENOTDIR, errno.ENOENT):
        return ReadError("changed while the bundle was being read (moved, removed or replaced); "
                         "run again when nothing is changing it", code="E201")
    return ReadError(f"cannot be read: {(err.strerror or str(err)).lower()}", code="E201")


def _split(name: str) -> tuple[str, str]:
    stem, dot, suffix = name.rpartition(".")
    return (stem, "." + suffix.lower()) if dot else (name, "")


def _refuse_odd(entry: os.DirEntry[str], rel: str, problems: _Problems) -> bool:
    """Report a symbolic link or special file; True if ``entry`` is one."""
    if entry.is_symlink():
        problems.add(rel, "is a symbolic link; copy the file itself into the bundle "
                          "(links are refused: they can point outside it)", code="E202")
        return True
    if not entry.is_dir(follow_symlinks=False) and not entry.is_file(follow_symlinks=False):
        problems.add(rel, "is not a regular file or folder; remove it from the bundle",
                     code="E202")
        return True
    return False


def _all_files(parent_fd: int, name: str, rel: str, problems: _Problems) -> list[str]:
    """Every file under folder ``name`` (dotfiles ignored), refusing links: for the unused list."""
    found: list[str] = []
    todo = [(parent_fd, name, rel)]
    while todo:
        here_parent, here_name, here_rel = todo.pop()
        fd = _open_sub(here_name, here_parent, here_rel, problems)
        if fd is None:
            continue
        try:
            subdirs = []
            for entry in _entries(fd):
                child = f"{here_rel}/{entry.name}"
                if _refuse_odd(entry, child, problems):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    subdirs.append((entry.name, child))
                else:
                    found.append(child)
            # Walked depth first, each folder from its parent's descriptor.
            for sub_name, sub_rel in subdirs:
                found.extend(_all_files(fd, sub_name, sub_rel, problems))
        finally:
            os.close(fd)
    return found


def _open_sub(name: str, parent_fd: int, rel: str, problems: _Problems) -> int | None:
    try:
        return _open_dir(name, parent_fd)
    except ReadError as err:
        problems.add(rel, err.message, code=err.code)
        return None


def _layout(root_fd: int, schemas: Mapping[str, EvidenceSchema], problems: _Problems
            ) -> _Layout:
    layout = _Layout([], {}, {}, [])
    for entry in _entries(root_fd):
        name = entry.name
        if _refuse_odd(entry, name, problems):
            continue
        schema = schemas.get(name)
        if entry.is_dir(follow_symlinks=False):
            if schema is not None and schema.many:
                found = _collection(root_fd, name, layout, problems)
                if found is not None:
                    layout.collections[name] = found
            elif schema is not None:
                problems.add(name, f"is a folder, but evidence `{name}` is one document: "
                                   f"give it as `{name}.yaml` or `{name}.json`", code="E205")
            elif _misnamed(name, schemas, many=True) is not None:
                problems.add(name, f"matches no evidence type: did you mean the folder "
                                   f"`{_misnamed(name, schemas, many=True)}/`? Rename it, or "
                                   "it is not read", code="E205")
            else:
                layout.unused.extend(_all_files(root_fd, name, name, problems))
            continue
        stem, suffix = _split(name)
        schema = schemas.get(stem)
        if name in MANIFEST_NAMES:
            layout.manifests.append(name)
        elif suffix in SUFFIXES and schema is None and _misnamed(stem, schemas) is not None:
            meant = _misnamed(stem, schemas)
            problems.add(name, f"matches no evidence type: did you mean `{meant}{suffix}`? "
                               "Rename it, or it is not read", code="E205")
        elif suffix not in SUFFIXES or schema is None:
            layout.unused.append(name)
        elif schema.many:
            problems.add(name, f"evidence `{stem}` is a collection: put each document in "
                               f"its own file in the folder `{stem}/`", code="E205")
        else:
            layout.singles.setdefault(stem, []).append(name)
    return layout


def _misnamed(name: str, schemas: Mapping[str, EvidenceSchema], many: bool = False
              ) -> str | None:
    """The evidence type a file or folder name was surely meant to be, or None.

    Surely: the same once case, `-` and spaces are set aside (``Staff-Survey``), or
    one slip away from a type's id (``staf_survey``). A name further off is listed
    as unused, as before.

    >>> from engine.evidence.schemas import EvidenceSchema as S
    >>> _misnamed("staff-survey", {"staff_survey": S("staff_survey", "", False, None, {})})
    'staff_survey'
    """
    import difflib

    ids = [i for i, s in schemas.items() if s.many == many]
    plain = name.lower().replace("-", "_").replace(" ", "_")
    if plain in ids:
        return plain
    close = difflib.get_close_matches(plain, ids, n=1, cutoff=0.88)
    return close[0] if close else None


def _collection(root_fd: int, name: str, layout: _Layout, problems: _Problems
                ) -> list[str] | None:
    fd = _open_sub(name, root_fd, name, problems)
    if fd is None:
        return None
    documents = []
    try:
        for entry in _entries(fd):
            rel = f"{name}/{entry.name}"
            if _refuse_odd(entry, rel, problems):
                continue
            if entry.is_dir(follow_symlinks=False):
                # Decision (docs/decisions.md): a folder inside a collection is not read;
                # its files are listed as unused, never silently skipped.
                layout.unused.extend(_all_files(fd, entry.name, rel, problems))
            elif _split(entry.name)[1] in SUFFIXES:
                documents.append(rel)
            else:
                layout.unused.append(rel)
    finally:
        os.close(fd)
    return documents


# ---------------------------------------------------------------- reading files


def _read_bytes(root_fd: int, rel: str, max_bytes: int) -> bytes:
    """The bytes of the regular file at ``rel`` under ``root_fd``, opened component by
    component without following any link, its size checked before reading."""
    *folders, name = rel.split("/")
    dir_fd = root_fd
    try:
        for depth, folder in enumerate(folders):
            try:
                inner = _open_dir(folder, dir_fd)
            except ReadError as err:
                where = "/".join(folders[:depth + 1])
                raise ReadError(f"cannot be read: its folder `{where}` {err.message}",
                                code=err.code) from None
            if dir_fd != root_fd:
                os.close(dir_fd)
            dir_fd = inner
        try:
            fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
        except OSError as err:
            raise _open_error(err, name, dir_fd) from None
    finally:
        if dir_fd != root_fd:
            os.close(dir_fd)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ReadError("is not a regular file; remove it from the bundle", code="E202")
        _check_size(info.st_size, max_bytes)
        raw = _read_to_end(fd, info.st_size, max_bytes)
        _check_size(len(raw), max_bytes)    # it may have grown since fstat
        return raw
    finally:
        os.close(fd)


def _read_to_end(fd: int, size: int, max_bytes: int) -> bytes:
    """The bytes of ``fd`` to its end, stopping past ``max_bytes``: one ``read`` of the
    size ``fstat`` gave plus one byte, so a file that has not grown is read in one call
    (a buffered file object took nine calls a file, among them a 50 MB buffer mapped
    and unmapped). A read shorter than asked is the end of a regular file."""
    chunks = []
    total = 0
    want = size + 1
    while True:
        chunk = os.read(fd, min(want, max_bytes + 1 - total))
        chunks.append(chunk)
        total += len(chunk)
        if len(chunk) < want or total > max_bytes:
            break
        want = 1 << 20      # it grew since fstat: read on, a megabyte at a time
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise ReadError(f"the file is {size / 1e6:.1f} MB, over the limit of "
                        f"{max_bytes / 1e6:g} MB; split it or raise the limit with --max-file-mb",
                        code="E202")


class _Reader:
    """Reads files of one bundle, recording each file read and each problem."""

    def __init__(self, root_fd: int, max_bytes: int, problems: _Problems):
        self.root_fd = root_fd
        self.max_bytes = max_bytes
        self.problems = problems
        self.files: list[FileRecord] = []

    def read(self, rel: str, evidence_type: str) -> tuple[bool, Any]:
        """``(True, value)`` for a readable file, else ``(False, None)`` with the problem kept.

        The bytes of the file last read are kept in ``last`` until the next read, so that
        a validation problem can be located (``located``) without reading it twice.
        """
        try:
            raw = _read_bytes(self.root_fd, rel, self.max_bytes)
            self.files.append(FileRecord(rel, evidence_type, hashlib.sha256(raw).hexdigest(),
                                         len(raw)))
            self.last = (rel, raw)
            return True, parse_text(raw, _split(rel)[1])
        except ReadError as err:
            self.problems.add(rel, err.message, err.at, code=err.code, help=err.help,
                              text=err.text)
            return False, None

    last: tuple[str, bytes] | None = None

    def located(self, rel: str):
        """``pointer -> (line, column)`` of the file ``rel`` just read (empty if unknown)."""
        cache: dict[str, tuple[int, int]] | None = None

        def where(pointer: str, key: bool = False) -> tuple[int, int] | None:
            nonlocal cache
            if cache is None:
                last = self.last
                cache = positions(last[1], _split(rel)[1]) if last and last[0] == rel else {}
            if key and pointer + "#key" in cache:
                return cache[pointer + "#key"]
            while pointer not in cache and pointer:
                pointer = pointer.rsplit("/", 1)[0]     # a missing field: its object
            return cache.get(pointer)
        return where


# ---------------------------------------------------------------- the whole bundle


def load_bundle(root: Path, schemas: Mapping[str, EvidenceSchema], *,
                max_file_mb: float = 50.0, lenient: bool = False) -> Bundle:
    """Read and validate the bundle in folder ``root`` against the evidence ``schemas``.

    Raises ``BundleError`` listing every problem. With ``lenient``, an invalid
    document (or any invalid document of a collection) is treated as not
    provided and its problems are kept in ``Bundle.problems`` instead.
    """
    root = Path(root)
    label = root.as_posix().rstrip("/") or "."
    problems = _Problems(label)
    try:
        # The bundle folder itself may be reached through a link the user made;
        # nothing inside it may be.
        root_fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
                          | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        problems.add("", "no such bundle folder", code="E201")
        raise problems.error() from None
    try:
        return _load(root, root_fd, label, problems, schemas, max_file_mb, lenient)
    finally:
        os.close(root_fd)


def _load(root: Path, root_fd: int, label: str, problems: _Problems,
          schemas: Mapping[str, EvidenceSchema], max_file_mb: float, lenient: bool) -> Bundle:
    try:
        layout = _layout(root_fd, schemas, problems)
    except OSError as err:      # e.g. a folder without read permission
        problems = _Problems(label)     # only this problem: the folder could not be listed
        problems.add("", f"cannot read `{err.filename or label}`: "
                         f"{(err.strerror or str(err)).lower()}", code="E201")
        raise problems.error() from None
    reader = _Reader(root_fd, int(max_file_mb * 1_000_000), problems)
    return assemble(root, _folder_name(root), layout, reader, problems,
                    lambda: _Problems(label), schemas, lenient)


def _folder_name(root: Path) -> str:
    """The bundle folder's own name, as ``root.resolve().name`` gives it.

    Resolving walks every folder of the path (a system call each); the last name is the
    same unless it is `.`, `..` or a link itself, which only then are resolved."""
    name = root.name
    if not name or name in (".", "..") or os.path.islink(root):
        return root.resolve().name
    return name


def assemble(root: Path, name: str, layout: _Layout, reader, problems, soft_problems,
             schemas: Mapping[str, EvidenceSchema], lenient: bool) -> Bundle:
    """The validated ``Bundle`` from documents found (``layout``) and read (``reader``).

    Shared by folders and workbooks (engine/evidence/workbook.py), so both are
    validated by the same code. ``reader.read(rel, type)`` gives ``(ok, value)``;
    ``problems`` collects every problem (``add(rel, message, at)``);
    ``soft_problems()`` makes the collector for ``lenient`` problems.
    """
    manifest = _manifest(layout, reader, problems)
    soft = soft_problems() if lenient else problems
    documents = _documents(layout, schemas, reader, problems, soft)
    collections = _collections(layout, schemas, reader, problems, soft)
    if problems.items or manifest is None:
        raise problems.error()
    return Bundle(
        root=root,
        name=name,
        manifest=manifest,
        documents=documents,
        collections=collections,
        files=tuple(sorted(reader.files, key=lambda f: f.path)),
        unused=tuple(sorted(layout.unused)),
        problems=tuple(soft.sorted()) if lenient else (),
        diagnostics=tuple(soft.diagnostics()) if lenient else (),
    )


def _manifest(layout: _Layout, reader: _Reader, problems: _Problems) -> Manifest | None:
    if not layout.manifests:
        problems.add("", "no manifest: add `bundle.yaml` naming the provider and the assessment "
                         "(`wellled init` writes a template)", code="E204")
        return None
    if len(layout.manifests) > 1:
        names = " and ".join(f"`{n}`" for n in layout.manifests)
        problems.add("", f"{names} are both manifests; keep one", code="E204")
        return None
    rel = layout.manifests[0]
    ok, data = reader.read(rel, "bundle")
    if not ok:
        return None
    schema = manifest_schema()
    found = _validate(schema, data, rel, problems, _locator(reader, rel))
    if found:
        return None
    period = data["assessment"].get("period")
    if period and period["start"] > period["end"]:
        problems.add(rel, "the period ends before it starts", "/assessment/period",
                     code="E204", **_at_line(_locator(reader, rel)("/assessment/period")))
        return None
    try:
        return Manifest.model_validate(schema.convert_dates(data))
    except ValidationError as err:      # the schema should have caught it; say so plainly
        problems.add(rel, f"not a valid manifest: {err.errors()[0]['msg'].lower()}",
                     code="E204")
        return None


def _locator(reader, rel: str):
    """``pointer -> (line, column) | None`` for the file ``rel``, where the reader can say."""
    located = getattr(reader, "located", None)      # a workbook's reader cites cells instead
    return located(rel) if located is not None else (lambda pointer, key=False: None)


def _at_line(line_col: tuple[int, int] | None) -> dict[str, Any]:
    """``add``'s ``line_col`` argument, only when there is one (workbooks take none)."""
    return {"line_col": line_col} if line_col is not None else {}


def _validate(schema: EvidenceSchema, data: Any, rel: str, problems: _Problems,
              where=None) -> int:
    """Add every problem of ``data``, at its line and column if ``where`` can say; how many."""
    if data is None:
        problems.add(rel, "the file is empty; fill it in or remove it", code="E207")
        return 1
    found = validate_document(schema, data)
    if found and _untouched(data):
        # A template from `wellled init` as it was written: one problem, not one per field.
        what = ("fill it in" if schema.id == "bundle" else
                "fill it in, or delete the file if you do not have this evidence")
        problems.add(rel, f"not filled in yet: every value is still `null`; {what}",
                     code="E207")
        return 1
    for pointer, message in found:
        line_col = where(pointer, message.startswith("unknown field")) if where else None
        problems.add(rel, message, pointer, code="E206", **_at_line(line_col))
    return len(found)


def _untouched(data: Any) -> bool:
    """True if every value in ``data`` is null (an object with nothing filled in)."""
    if not isinstance(data, dict) or not data:
        return False
    stack: list[Any] = list(data.values())
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif value is not None:
            return False
    return True


def _documents(layout: _Layout, schemas: Mapping[str, EvidenceSchema], reader: _Reader,
               problems: _Problems, soft: _Problems) -> dict[str, Document]:
    documents: dict[str, Document] = {}
    for evidence_id, names in sorted(layout.singles.items()):
        if len(names) > 1:
            given = " and ".join(f"`{n}`" for n in names)
            problems.add(names[0], f"evidence `{evidence_id}` is given twice ({given}); keep one",
                         code="E205")
            continue
        schema = schemas[evidence_id]
        ok, data = reader.read(names[0], evidence_id)
        if ok and not _validate(schema, data, names[0], soft, _locator(reader, names[0])):
            documents[evidence_id] = Document(evidence_id, names[0], schema.convert_dates(data))
    return documents


def _collections(layout: _Layout, schemas: Mapping[str, EvidenceSchema], reader: _Reader,
                 problems: _Problems, soft: _Problems) -> dict[str, tuple[Document, ...]]:
    collections: dict[str, tuple[Document, ...]] = {}
    for evidence_id, names in sorted(layout.collections.items()):
        schema = schemas[evidence_id]
        documents, invalid = [], 0
        for rel in names:
            ok, data = reader.read(rel, evidence_id)
            if not ok:
                continue
            if _validate(schema, data, rel, soft, _locator(reader, rel)):
                invalid += 1
            else:
                documents.append(Document(evidence_id, rel, schema.convert_dates(data)))
        if invalid and soft is not problems:
            soft.add(evidence_id, f"collection `{evidence_id}` is treated as not provided: "
                                  f"{invalid} of its documents {'is' if invalid == 1 else 'are'} "
                                  "invalid", code="E209")
        elif not invalid:
            collections[evidence_id] = tuple(documents)
    return collections


# ---------------------------------------------------------------- inline evidence


def bundle_from_documents(manifest: Manifest, docs: Mapping[str, Any],
                          schemas: Mapping[str, EvidenceSchema], *, origin: str) -> Bundle:
    """A bundle from evidence written inline (a criteria ``test`` block), validated as files are.

    Problems are diagnostics placed at ``origin`` (``w1.crit:12 test "name"``) and the
    evidence id, with the value's JSON pointer. A ``many`` type's value is a list of
    documents. Raises ``BundleError``.
    """
    problems: list[Diagnostic] = []
    documents: dict[str, Document] = {}
    collections: dict[str, tuple[Document, ...]] = {}
    for evidence_id, value in sorted(docs.items()):
        where = Span(f"{origin} evidence {evidence_id}", 0, 0, 0, 0)
        schema = schemas.get(evidence_id)
        if schema is None:
            known = ", ".join(sorted(schemas)) or "none"
            problems.append(Diagnostic("E205", "error", f"unknown evidence `{evidence_id}` "
                                       f"(known: {known})", where))
            continue
        if not schema.many:
            found = _inline_problems(schema, value, where, "")
            problems.extend(found)
            if not found:
                # Cited in traces as `strategy (inline)`; problems above name the whole test.
                documents[evidence_id] = Document(evidence_id, f"{evidence_id} (inline)",
                                                  schema.convert_dates(value))
            continue
        if not isinstance(value, list):
            problems.append(Diagnostic("E205", "error", f"evidence `{evidence_id}` is a "
                                       "collection: give a list of documents", where))
            continue
        found = [p for i, item in enumerate(value)
                 for p in _inline_problems(schema, item, where, f"/{i}")]
        problems.extend(found)
        if not found:
            collections[evidence_id] = tuple(
                Document(evidence_id, f"{evidence_id} (inline)/{i}", schema.convert_dates(item))
                for i, item in enumerate(value))
    if problems:
        raise BundleError.from_diagnostics(problems)
    return Bundle(root=Path("."), name=origin, manifest=manifest, documents=documents,
                  collections=collections, files=(), unused=(), problems=())


def _inline_problems(schema: EvidenceSchema, value: Any, where: Span, prefix: str
                     ) -> list[Diagnostic]:
    if value is None:
        return [Diagnostic("E207", "error", "the document is empty", where,
                           pointer=prefix or "/")]
    return [Diagnostic("E206", "error", message, where, pointer=f"{prefix}{pointer}" or None)
            for pointer, message in validate_document(schema, value)]
