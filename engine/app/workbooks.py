"""Spreadsheets in: ``wellled template`` and ``wellled import``, as library calls.

``make_template`` writes a workbook laid out from the criteria's evidence
schemas, empty or filled from a bundle folder (and refuses to write one that
would not read back as the same evidence). ``import_workbook`` reads a
workbook, validates it exactly as a bundle folder is validated, and writes
the folder of YAML files, all at once or not at all.

>>> make_template(Path("trust.xlsx"), criteria)                     # doctest: +SKIP
>>> import_workbook(Path("trust.xlsx"), Path("trust-bundle"), criteria)   # doctest: +SKIP
"""

from __future__ import annotations

import datetime
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from engine.app.write import atomic_write
from engine.diagnostics import Diagnostic
from engine.errors import BundleError, UsageError
from engine.source import Span
from engine.words import printable


def _criteria_title(criteria) -> str:
    fw = criteria.framework
    return f"{fw.title} ({fw.id}{', version ' + str(fw.version) if fw.version else ''})"


def bundle_fill(folder: Path, criteria, max_file_mb: float = 50.0) -> dict[str, Any]:
    """The documents of a valid bundle folder, keyed as a workbook's reader keys them."""
    from engine.evidence.bundle import load_bundle  # lazy: start-up

    bundle = load_bundle(folder, criteria.schemas, max_file_mb=max_file_mb)
    fill: dict[str, Any] = {"bundle.yaml": bundle.manifest.model_dump(exclude_none=True)}
    unfit: list[str] = []       # files the criteria do not read (bundle.unused) are not carried
    for evidence_id, document in bundle.documents.items():
        fill[f"{evidence_id}.yaml"] = document.data
    for evidence_id, documents in bundle.collections.items():
        fill[f"{evidence_id}/"] = []
        for document in documents:
            stem = document.path.split("/", 1)[1].rsplit(".", 1)[0]
            rel = f"{evidence_id}/{stem}.yaml"
            if rel in fill:
                unfit.append(document.path)
            fill[rel] = document.data
    if unfit:
        raise BundleError.from_diagnostics([_unfit(
            f"{folder.as_posix()}/{name}", "two documents of a collection share a name once the "
            "suffix is dropped; rename one") for name in unfit])
    return fill


def make_template(out: Path, criteria, from_bundle: Path | None = None,
                  max_file_mb: float = 50.0) -> int:
    """Write the workbook ``out`` (never over an existing file): how many sheets it has."""
    from engine.evidence.sheets import plan_workbook  # lazy: start-up
    from engine.evidence.xlsx_template import build_workbook  # lazy: start-up

    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"{out}: the template must be an Excel workbook ending in .xlsx")
    if out.exists():
        raise UsageError(f"{out}: exists; choose a new name (a template never overwrites a "
                         "workbook)")
    sheets = plan_workbook(criteria.schemas)
    fill = bundle_fill(from_bundle, criteria, max_file_mb) if from_bundle is not None else None
    book = build_workbook(sheets, _criteria_title(criteria), fill)
    buffer = io.BytesIO()
    book.save(buffer)
    raw = buffer.getvalue()
    if fill is not None:
        _check_lossless(raw, fill, criteria, from_bundle)
    atomic_write(out, raw)
    return len(book.worksheets)


def _check_lossless(raw: bytes, fill: dict[str, Any], criteria, folder: Path) -> None:
    """Refuse a filled template that would not read back as the bundle it came from."""
    from engine.evidence.workbook import read_workbook  # lazy: start-up

    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.xlsx"
        probe.write_bytes(raw)
        book = read_workbook(probe, criteria.schemas, max_file_mb=max(50.0, len(raw) / 1e6))
    problems = []
    for rel in sorted(set(fill) | {r for r in book.data}):
        want, got = _plain(fill.get(rel)), book.data.get(rel)
        if rel.endswith("/"):
            if (rel in fill) != (rel in book.data):
                problems.append(_unfit(f"{folder.as_posix()}/{rel}", "the collection would not "
                                       "come back the same from a workbook"))
            continue
        where = _first_difference(want, got, "")
        if where is not None:
            problems.append(_unfit(
                f"{folder.as_posix()}/{rel}", "this value cannot be written to a workbook and "
                "read back unchanged (for example a list item holding a line break); keep "
                "this bundle as files", pointer=where or "/"))
    if problems:
        raise BundleError.from_diagnostics(problems)


def _unfit(path: str, message: str, pointer: str | None = None) -> Diagnostic:
    """A refusal of ``template --from``: the bundle would not come back the same (E210)."""
    return Diagnostic("E210", "error", message, Span(printable(path), 0, 0, 0, 0),
                      pointer=pointer)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _first_difference(want: Any, got: Any, pointer: str) -> str | None:
    if isinstance(want, dict) and isinstance(got, dict):
        for key in sorted(set(want) | set(got)):
            found = _first_difference(want.get(key, _MISSING), got.get(key, _MISSING),
                                      f"{pointer}/{key}")
            if found is not None:
                return found
        return None
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for index, (a, b) in enumerate(zip(want, got, strict=True)):
            found = _first_difference(a, b, f"{pointer}/{index}")
            if found is not None:
                return found
        return None
    if type(want) is not type(got) or want != got:
        return pointer
    return None


_MISSING = object()


# ---------------------------------------------------------------- import


def dump_yaml(value: Any) -> str:
    """A document as YAML that wellled reads back as exactly ``value``.

    >>> print(dump_yaml({"approved_on": "2025-01-15", "open": True, "name": "yes"}), end="")
    approved_on: '2025-01-15'
    open: true
    name: 'yes'
    """
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, default_flow_style=False,
                          width=88)


def import_workbook(book_path: Path, out: Path, criteria, *, lenient: bool = False,
                    max_file_mb: float = 50.0) -> tuple[list[Path], list[str]]:
    """Write the workbook's evidence as a bundle folder ``out``: (files written, problems kept).

    Raises ``BundleError`` (every problem, nothing written) unless ``lenient``,
    which leaves invalid documents out and returns their problems.
    """
    from engine.evidence.workbook import read_workbook, workbook_bundle  # lazy: start-up

    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out}: exists and is not an empty folder; choose a new folder "
                         "(import never overwrites files)")
    book = read_workbook(book_path, criteria.schemas, max_file_mb=max_file_mb)
    bundle = workbook_bundle(book, criteria.schemas, lenient=lenient)
    keep = ["bundle.yaml", *(d.path for d in bundle.documents.values())]
    keep += [d.path for documents in bundle.collections.values() for d in documents]
    empty = [f"{evidence_id}/" for evidence_id, documents in bundle.collections.items()
             if not documents]
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        written = []
        for rel in sorted(keep):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(dump_yaml(book.data[rel]), encoding="utf-8")
            written.append(out / rel)
        for rel in empty:
            (staging / rel).mkdir(parents=True, exist_ok=True)
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written, list(bundle.problems)
