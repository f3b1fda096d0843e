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
from engine.errors import BundleError
from engine.evidence.read import SUFFIXES, ReadError, parse_text
from engine.evidence.schemas import EvidenceSchema
from engine.evidence.validate import validate_document
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
    """Every problem found, each kept with the file it is about so they sort by file."""

    def __init__(self, label: str):
        self.label = label
        self.items: list[tuple[str, int, str]] = []

    def add(self, rel: str, message: str, at: str = "") -> None:
        where = printable(f"{self.label}/{rel}" if rel else self.label)   # a name cannot
        if at and at[0].isdigit():                                        # forge a line
            where += f":{at}"               # line:column, the way editors jump to it
        elif at:
            message = f"{at}: {message}"    # a JSON pointer
        self.items.append((rel, len(self.items), f"{where}: {message}"))

    def sorted(self) -> list[str]:
        return [text for _, _, text in sorted(self.items)]


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    with os.scandir(folder) as it:
        return sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)


def _split(name: str) -> tuple[str, str]:
    stem, dot, suffix = name.rpartition(".")
    return (stem, "." + suffix.lower()) if dot else (name, "")


def _refuse_odd(entry: os.DirEntry[str], rel: str, problems: _Problems) -> bool:
    """Report a symbolic link or special file; True if ``entry`` is one."""
    if entry.is_symlink():
        problems.add(rel, "is a symbolic link; copy the file itself into the bundle "
                          "(links are refused: they can point outside it)")
        return True
    if not entry.is_dir(follow_symlinks=False) and not entry.is_file(follow_symlinks=False):
        problems.add(rel, "is not a regular file or folder; remove it from the bundle")
        return True
    return False


def _all_files(folder: Path, rel: str, problems: _Problems) -> list[str]:
    """Every file under ``folder`` (dotfiles ignored), refusing links: for the unused list."""
    found: list[str] = []
    todo = [(folder, rel)]
    while todo:
        here, here_rel = todo.pop()
        for entry in _entries(here):
            child = f"{here_rel}/{entry.name}"
            if _refuse_odd(entry, child, problems):
                continue
            if entry.is_dir(follow_symlinks=False):
                todo.append((Path(entry.path), child))
            else:
                found.append(child)
    return found


def _layout(root: Path, schemas: Mapping[str, EvidenceSchema], problems: _Problems) -> _Layout:
    layout = _Layout([], {}, {}, [])
    for entry in _entries(root):
        name = entry.name
        if _refuse_odd(entry, name, problems):
            continue
        schema = schemas.get(name)
        if entry.is_dir(follow_symlinks=False):
            if schema is not None and schema.many:
                layout.collections[name] = _collection(Path(entry.path), name, layout, problems)
            elif schema is not None:
                problems.add(name, f"is a folder, but evidence `{name}` is one document: "
                                   f"give it as `{name}.yaml` or `{name}.json`")
            else:
                layout.unused.extend(_all_files(Path(entry.path), name, problems))
            continue
        stem, suffix = _split(name)
        schema = schemas.get(stem)
        if name in MANIFEST_NAMES:
            layout.manifests.append(name)
        elif suffix not in SUFFIXES or schema is None:
            layout.unused.append(name)
        elif schema.many:
            problems.add(name, f"evidence `{stem}` is a collection: put each document in "
                               f"its own file in the folder `{stem}/`")
        else:
            layout.singles.setdefault(stem, []).append(name)
    return layout


def _collection(folder: Path, name: str, layout: _Layout, problems: _Problems) -> list[str]:
    documents = []
    for entry in _entries(folder):
        rel = f"{name}/{entry.name}"
        if _refuse_odd(entry, rel, problems):
            continue
        if entry.is_dir(follow_symlinks=False):
            # Decision (docs/decisions.md): a folder inside a collection is not read;
            # its files are listed as unused, never silently skipped.
            layout.unused.extend(_all_files(Path(entry.path), rel, problems))
        elif _split(entry.name)[1] in SUFFIXES:
            documents.append(rel)
        else:
            layout.unused.append(rel)
    return documents


# ---------------------------------------------------------------- reading files


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file, never following a link, its size checked before reading."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        if path.is_symlink():
            raise ReadError("is a symbolic link; copy the file itself into the bundle") from None
        raise ReadError(f"cannot be read: {(err.strerror or str(err)).lower()}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ReadError("is not a regular file; remove it from the bundle")
        _check_size(info.st_size, max_bytes)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(max_bytes + 1)
        _check_size(len(raw), max_bytes)    # it may have grown since fstat
        return raw
    finally:
        os.close(fd)


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise ReadError(f"the file is {size / 1e6:.1f} MB, over the limit of "
                        f"{max_bytes / 1e6:g} MB; split it or raise the limit with --max-file-mb")


class _Reader:
    """Reads files of one bundle, recording each file read and each problem."""

    def __init__(self, root: Path, max_bytes: int, problems: _Problems):
        self.root = root
        self.real_root = os.path.realpath(root)
        self.max_bytes = max_bytes
        self.problems = problems
        self.files: list[FileRecord] = []

    def read(self, rel: str, evidence_type: str) -> tuple[bool, Any]:
        """``(True, value)`` for a readable file, else ``(False, None)`` with the problem kept."""
        path = self.root / rel
        try:
            real = os.path.realpath(path)
            if os.path.commonpath([real, self.real_root]) != self.real_root:
                raise ReadError("resolves to a place outside the bundle folder; "
                                "copy the file into the bundle")
            raw = _read_bytes(path, self.max_bytes)
            self.files.append(FileRecord(rel, evidence_type, hashlib.sha256(raw).hexdigest(),
                                         len(raw)))
            return True, parse_text(raw, _split(rel)[1])
        except ReadError as err:
            self.problems.add(rel, err.message, err.at)
            return False, None


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
    if not root.is_dir():
        raise BundleError([f"{label}: no such bundle folder"])
    try:
        layout = _layout(root, schemas, problems)
    except OSError as err:      # e.g. a folder without read permission
        raise BundleError([f"{label}: cannot read `{err.filename}`: "
                           f"{(err.strerror or str(err)).lower()}"]) from None
    reader = _Reader(root, int(max_file_mb * 1_000_000), problems)
    return assemble(root, root.resolve().name, layout, reader, problems,
                    lambda: _Problems(label), schemas, lenient)


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
        raise BundleError(problems.sorted())
    return Bundle(
        root=root,
        name=name,
        manifest=manifest,
        documents=documents,
        collections=collections,
        files=tuple(sorted(reader.files, key=lambda f: f.path)),
        unused=tuple(sorted(layout.unused)),
        problems=tuple(soft.sorted()) if lenient else (),
    )


def _manifest(layout: _Layout, reader: _Reader, problems: _Problems) -> Manifest | None:
    if not layout.manifests:
        problems.add("", "no manifest: add `bundle.yaml` naming the provider and the assessment "
                         "(`wellled init` writes a template)")
        return None
    if len(layout.manifests) > 1:
        names = " and ".join(f"`{n}`" for n in layout.manifests)
        problems.add("", f"{names} are both manifests; keep one")
        return None
    rel = layout.manifests[0]
    ok, data = reader.read(rel, "bundle")
    if not ok:
        return None
    schema = manifest_schema()
    found = _validate(schema, data, rel, problems)
    if found:
        return None
    period = data["assessment"].get("period")
    if period and period["start"] > period["end"]:
        problems.add(rel, "the period ends before it starts", "/assessment/period")
        return None
    try:
        return Manifest.model_validate(schema.convert_dates(data))
    except ValidationError as err:      # the schema should have caught it; say so plainly
        problems.add(rel, f"not a valid manifest: {err.errors()[0]['msg'].lower()}")
        return None


def _validate(schema: EvidenceSchema, data: Any, rel: str, problems: _Problems) -> int:
    """Add every problem of ``data``; how many there were."""
    if data is None:
        problems.add(rel, "the file is empty; fill it in or remove it")
        return 1
    found = validate_document(schema, data)
    for pointer, message in found:
        problems.add(rel, message, pointer)
    return len(found)


def _documents(layout: _Layout, schemas: Mapping[str, EvidenceSchema], reader: _Reader,
               problems: _Problems, soft: _Problems) -> dict[str, Document]:
    documents: dict[str, Document] = {}
    for evidence_id, names in sorted(layout.singles.items()):
        if len(names) > 1:
            given = " and ".join(f"`{n}`" for n in names)
            problems.add(names[0], f"evidence `{evidence_id}` is given twice ({given}); keep one")
            continue
        schema = schemas[evidence_id]
        ok, data = reader.read(names[0], evidence_id)
        if ok and not _validate(schema, data, names[0], soft):
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
            if _validate(schema, data, rel, soft):
                invalid += 1
            else:
                documents.append(Document(evidence_id, rel, schema.convert_dates(data)))
        if invalid and soft is not problems:
            soft.add(evidence_id, f"collection `{evidence_id}` is treated as not provided: "
                                  f"{invalid} of its documents {'is' if invalid == 1 else 'are'} "
                                  "invalid")
        elif not invalid:
            collections[evidence_id] = tuple(documents)
    return collections


# ---------------------------------------------------------------- inline evidence


def bundle_from_documents(manifest: Manifest, docs: Mapping[str, Any],
                          schemas: Mapping[str, EvidenceSchema], *, origin: str) -> Bundle:
    """A bundle from evidence written inline (a criteria ``test`` block), validated as files are.

    Messages name ``origin`` (``criteria/x.crit:12``) and the evidence id. A
    ``many`` type's value is a list of documents. Raises ``BundleError``.
    """
    problems: list[str] = []
    documents: dict[str, Document] = {}
    collections: dict[str, tuple[Document, ...]] = {}
    for evidence_id, value in sorted(docs.items()):
        where = f"{origin} evidence {evidence_id}"
        schema = schemas.get(evidence_id)
        if schema is None:
            known = ", ".join(sorted(schemas)) or "none"
            problems.append(f"{where}: unknown evidence `{evidence_id}` (known: {known})")
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
            problems.append(f"{where}: evidence `{evidence_id}` is a collection: "
                            "give a list of documents")
            continue
        found = [p for i, item in enumerate(value)
                 for p in _inline_problems(schema, item, where, f"/{i}")]
        problems.extend(found)
        if not found:
            collections[evidence_id] = tuple(
                Document(evidence_id, f"{evidence_id} (inline)/{i}", schema.convert_dates(item))
                for i, item in enumerate(value))
    if problems:
        raise BundleError(problems)
    return Bundle(root=Path("."), name=origin, manifest=manifest, documents=documents,
                  collections=collections, files=(), unused=(), problems=())


def _inline_problems(schema: EvidenceSchema, value: Any, where: str, prefix: str) -> list[str]:
    if value is None:
        return [f"{where}: {prefix or '/'}: the document is empty"]
    return [f"{where}: {prefix}{pointer}: {message}" if prefix or pointer
            else f"{where}: {message}"
            for pointer, message in validate_document(schema, value)]
