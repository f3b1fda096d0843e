"""Reading an evidence workbook (``.xlsx``) as a bundle, safely, with every problem at its cell.

The workbook is checked before anything is parsed: its size, that it is a zip
whose members unpack to a bounded size (zip bombs), that it holds no macros
and no links to other files. Cells are then read as plain values; a formula is
read as the value Excel saved with it and is never evaluated (a formula with
no saved value is refused). Values become the same documents a bundle folder
holds, and ``bundle.assemble`` validates them with the same code, so a
workbook and a folder of YAML say the same things about the same evidence;
here each problem names ``Sheet!Cell`` and the field.

The sheet plan is ``engine/evidence/sheets.py``; ``docs/workbooks.md`` shows it.

>>> cell_name("strategy", 7, 2)
'strategy!B7'
>>> cell_name("board assurance", 5, 1)
"'board assurance'!A5"
"""

from __future__ import annotations

import datetime
import hashlib
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.diagnostics import Diagnostic
from engine.errors import BundleError
from engine.evidence.bundle import Bundle, FileRecord, _Layout, assemble
from engine.evidence.pointers import escape
from engine.evidence.schemas import EvidenceSchema
from engine.evidence.sheets import (
    DOCUMENT_COLUMN, FIRST_ROW, HEADER_ROW, INSTRUCTIONS, MANIFEST, NONE_MARK, NOTES_PREFIX,
    Field, Sheet, plan_workbook,
)
from engine.source import Span

WORKBOOK_SUFFIXES = (".xlsx",)
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam", ".xlsb")
MAX_MEMBERS = 2_000
"""How many parts (files inside the zip) a workbook may have."""
MAX_UNPACKED_RATIO = 20
"""A workbook may unpack to at most this many times ``--max-file-mb``."""
MAX_ROWS = 100_000
"""How many rows one sheet may use."""

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_DOC_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]*")
_TRUE = {"yes", "y", "true"}
_FALSE = {"no", "n", "false"}


def is_workbook(path: Path) -> bool:
    """True if ``path`` names a workbook (by its suffix), which is then read as a bundle."""
    return path.suffix.lower() in WORKBOOK_SUFFIXES + MACRO_SUFFIXES + (".xls",)


def cell_name(sheet: str, row: int, column: int) -> str:
    """``Sheet!B7``, quoting the sheet name the way Excel does when it has spaces or signs."""
    from openpyxl.utils import get_column_letter  # lazy: start-up

    shown = sheet if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", sheet) else \
        "'" + sheet.replace("'", "''") + "'"
    return f"{shown}!{get_column_letter(column)}{row}"


# ---------------------------------------------------------------- opening safely


def open_workbook(path: Path, max_file_mb: float = 50.0):
    """The workbook at ``path`` (openpyxl, formulas as their saved values) and its bytes.

    Raises ``BundleError`` with one clear message when the file is refused.
    """
    label = path.as_posix()

    def refuse(message: str, code: str = "E202") -> BundleError:
        """The workbook refused: E202 (unsafe or too large) unless ``code`` says otherwise."""
        return BundleError.from_diagnostics(
            [Diagnostic(code, "error", message, Span(label, 0, 0, 0, 0))])

    suffix = path.suffix.lower()
    if suffix in MACRO_SUFFIXES:
        raise refuse("is a macro-enabled workbook; macros are never run or accepted: save it "
                     "as an Excel Workbook (.xlsx) and try again")
    if suffix == ".xls":
        raise refuse("is an old-style Excel file (.xls); save it as an Excel Workbook (.xlsx)",
                     "E203")
    if not path.is_file():
        raise refuse("no such workbook", "E201")
    limit = int(max_file_mb * 1_000_000)
    size = path.stat().st_size
    if size > limit:
        raise refuse(f"the workbook is {size / 1e6:.1f} MB, over the limit of "
                     f"{max_file_mb:g} MB; raise the limit with --max-file-mb")
    raw = path.read_bytes()[:limit + 1]
    if len(raw) > limit:
        raise refuse(f"the workbook is over the limit of {max_file_mb:g} MB")
    _check_zip(raw, limit, refuse)
    import openpyxl  # lazy: start-up

    try:
        values = openpyxl.load_workbook(io.BytesIO(raw), data_only=True, keep_links=False,
                                        keep_vba=False, rich_text=False)
        formulas = openpyxl.load_workbook(io.BytesIO(raw), data_only=False, keep_links=False,
                                          keep_vba=False, rich_text=False)
    except Exception as err:  # noqa: BLE001 - any parse failure is a malformed workbook
        raise refuse(f"cannot be read as an Excel workbook ({type(err).__name__}); open it in "
                     "Excel and save it again as an Excel Workbook (.xlsx)", "E203") from None
    return values, formulas, raw


def _check_zip(raw: bytes, limit: int, refuse) -> None:
    """Refuse what is not a plain workbook, before any XML is parsed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise refuse("is not an Excel workbook (.xlsx): it is not a zip package; save it "
                     "from Excel as an Excel Workbook (.xlsx)", "E203") from None
    if len(members) > MAX_MEMBERS:
        raise refuse(f"holds {len(members)} parts, more than a workbook needs "
                     f"({MAX_MEMBERS}); it is refused")
    unpacked = sum(m.file_size for m in members)
    if unpacked > limit * MAX_UNPACKED_RATIO:
        raise refuse(f"would unpack to {unpacked / 1e6:.0f} MB, over the limit of "
                     f"{limit * MAX_UNPACKED_RATIO / 1e6:g} MB; it is refused (a workbook "
                     "that small on disk should not grow so much)")
    names = {m.filename.lower() for m in members}
    if "[content_types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise refuse("is not an Excel workbook (.xlsx); save it from Excel as an Excel "
                     "Workbook (.xlsx)", "E203")
    if any(n.endswith("vbaproject.bin") for n in names):
        raise refuse("holds macros (VBA); macros are never run or accepted: save it as an "
                     "Excel Workbook (.xlsx) without macros")
    if any(n.startswith("xl/externallinks/") for n in names):
        raise refuse("links to other workbooks (external links); wellled reads only what is "
                     "in this file: in Excel use Data > Edit Links > Break Link, then save")
    try:
        types = archive.read("[Content_Types].xml")
    except (KeyError, zipfile.BadZipFile, OSError, RuntimeError):
        raise refuse("is not a readable Excel workbook; save it again from Excel",
                     "E203") from None
    if b"macroEnabled" in types:
        raise refuse("is a macro-enabled workbook; save it as an Excel Workbook (.xlsx)")


# ---------------------------------------------------------------- reading cells


@dataclass
class WorkbookData:
    """What a workbook holds, as bundle documents: ``rel`` -> value, and where each came from.

    ``rel`` is the file a bundle folder would hold (``bundle.yaml``,
    ``strategy.yaml``, ``focus_group/theatres.yaml``): ``wellled import``
    writes exactly these.
    """

    label: str
    sheets: list[Sheet]
    data: dict[str, Any] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    places: dict[str, dict[str, tuple[str, str, tuple[int, int, int]]]] = \
        field(default_factory=dict)
    problems: list[tuple[tuple[int, int, int], Diagnostic]] = field(default_factory=list)
    order: dict[str, int] = field(default_factory=dict)
    sha256: str = ""
    size: int = 0

    def locate(self, rel: str, pointer: str) -> tuple[str, str, tuple[int, int, int]]:
        """(``Sheet!Cell``, field name, sort key) of ``pointer`` in the document ``rel``."""
        places = self.places.get(rel, {})
        probe = pointer
        while probe not in places and probe:
            probe = probe.rsplit("/", 1)[0]
        if probe in places:
            return places[probe]
        sheet = rel.split("/")[0].rsplit(".", 1)[0]
        sheet = MANIFEST if sheet == "bundle" else sheet
        return cell_name(sheet, 1, 1), "", (self.order.get(sheet, 0), 1, 1)

    def add(self, key: tuple[int, int, int], cell: str, name: str, message: str) -> None:
        """A sheet or cell that cannot be read (E208), at its ``Sheet!Cell`` and field."""
        self.problems.append((key, _cell_problem(self, "E208", cell, name, message)))


def read_workbook(path: Path, schemas: Mapping[str, EvidenceSchema], *,
                  max_file_mb: float = 50.0) -> WorkbookData:
    """Every document in the workbook at ``path``, with reading problems (not yet validated)."""
    values, formulas, raw = open_workbook(path, max_file_mb)
    book = WorkbookData(path.as_posix(), plan_workbook(schemas),
                        sha256=hashlib.sha256(raw).hexdigest(), size=len(raw))
    plans = {s.name: s for s in book.sheets}
    lower = {s.name.lower(): s.name for s in book.sheets}
    for index, sheet in enumerate(book.sheets):
        book.order[sheet.name] = index + 1
    present: dict[str, Any] = {}
    for index, ws in enumerate(values.worksheets):
        name = ws.title
        if name == INSTRUCTIONS or name.startswith(NOTES_PREFIX):
            continue
        if name not in plans:
            book.order.setdefault(name, len(book.sheets) + index + 1)
            key = (book.order[name], 0, 0)
            hint = lower.get(name.lower())
            if hint is None:
                import difflib  # lazy: start-up

                close = difflib.get_close_matches(name, list(plans), n=1)
                hint = close[0] if close else None
            advice = f"; did you mean `{hint}`?" if hint else \
                f" (start its name with `{NOTES_PREFIX}` to keep your own notes there)"
            book.add(key, cell_name(name, 1, 1), "",
                     f"sheet `{name}` is not an evidence sheet of these criteria{advice}")
            continue
        present[name] = (ws, formulas[name])
    for sheet in book.sheets:
        if sheet.path:
            continue        # a records table: read with its document
        _read_sheet(book, sheet, present, plans)
    if "bundle.yaml" not in book.data:
        book.data["bundle.yaml"] = {}
        book.types["bundle.yaml"] = "bundle"
        book.places.setdefault("bundle.yaml", {})
    return book


class _Cells:
    """One sheet's cells: values, refusing formulas that have no saved value.

    Only cells that hold something are looked at (a sheet formatted down to row
    1,048,576 costs nothing), and at most ``MAX_ROWS`` rows of them.
    """

    def __init__(self, book: WorkbookData, name: str, pair):
        self.book, self.name = book, name
        values, formulas = pair if pair else (None, None)
        self.order = book.order.get(name, 0)
        self.values = _filled(values)
        self.formulas = _filled(formulas)
        rows = sorted({r for r, _ in self.values} | {r for r, _ in self.formulas})
        if len(rows) > MAX_ROWS:
            book.add((self.order, 0, 0), cell_name(name, 1, 1), "",
                     f"the sheet has {len(rows)} rows, more than the limit of {MAX_ROWS}; "
                     f"only the first {MAX_ROWS} are read")
            rows = rows[:MAX_ROWS]
        self.present = pair is not None
        self.data_rows = [r for r in rows if r >= FIRST_ROW]
        self.header = sorted(c for r, c in self.values if r == HEADER_ROW)

    def key(self, row: int, column: int) -> tuple[int, int, int]:
        return (self.order, row, column)

    def get(self, row: int, column: int, what: str = "") -> tuple[Any, str]:
        """(value, number format) of a cell; None when blank or refused."""
        cell = self.values.get((row, column))
        value = cell.value if cell is not None else None
        formula = self.formulas.get((row, column))
        if formula is not None and (formula.data_type == "f" or (
                isinstance(formula.value, str) and formula.value.startswith("=")
                and formula.data_type != "s")):
            if value is None:
                self.book.add(self.key(row, column), cell_name(self.name, row, column), what,
                              "the cell holds a formula with no saved value; formulas are "
                              "never calculated here: type the value, or open and save the "
                              "workbook in Excel so the value is saved with it")
                return None, "General"
        if value is None or (isinstance(value, str) and not value.strip()):
            return None, "General"
        return value, cell.number_format or "General"


def _filled(ws) -> dict[tuple[int, int], Any]:
    """(row, column) -> cell for every cell of ``ws`` that holds a value."""
    if ws is None:
        return {}
    cells = getattr(ws, "_cells", None)
    if not isinstance(cells, dict):     # an openpyxl without the map: walk the sheet
        cells = {(c.row, c.column): c for row in ws.iter_rows() for c in row}
    return {at: c for at, c in cells.items() if c.value is not None and c.value != ""}


def _read_sheet(book: WorkbookData, sheet: Sheet, present, plans) -> None:
    cells = _Cells(book, sheet.name, present.get(sheet.name))
    children = [plans[c] for c in sheet.children]
    if sheet.form == "fields":
        rel = "bundle.yaml" if sheet.evidence == "bundle" else f"{sheet.evidence}.yaml"
        record, places, filled = _read_field_rows(book, sheet, cells)
        documents = {None: (rel, record, places)}
        for child in children:
            filled |= _read_records(book, child, _Cells(book, child.name, present.get(child.name)),
                                    documents)
        if filled or sheet.evidence == "bundle":
            book.data[rel], book.types[rel], book.places[rel] = record, sheet.evidence, places
        return
    documents = _read_document_rows(book, sheet, cells)
    for child in children:
        _read_records(book, child, _Cells(book, child.name, present.get(child.name)), documents)
    for rel, record, places in documents.values():
        book.data[rel], book.types[rel], book.places[rel] = record, sheet.evidence, places
    if documents or _marked_empty(cells):
        book.data.setdefault(f"{sheet.evidence}/", [])   # the collection is provided


def _marked_empty(cells: _Cells) -> bool:
    value, _ = cells.get(FIRST_ROW, 1)
    return isinstance(value, str) and value.strip().lower() == NONE_MARK


def _read_field_rows(book: WorkbookData, sheet: Sheet, cells: _Cells):
    """A document laid out one field per row: (value, places, anything filled)."""
    fields = {f.key: f for f in sheet.fields}
    record: dict[str, Any] = {}
    places: dict[str, tuple[str, str, tuple[int, int, int]]] = {}
    rows: dict[str, int] = {}
    filled = False
    for row in cells.data_rows:
        key, _ = cells.get(row, 1)
        value, fmt = cells.get(row, 2, str(key or ""))
        if key is None:
            if value is not None:
                book.add(cells.key(row, 2), cell_name(sheet.name, row, 2), "",
                         "a value with no field name in column A; put it beside its field")
            continue
        key = str(key).strip()
        if key not in fields:
            if value is not None:
                book.add(cells.key(row, 1), cell_name(sheet.name, row, 1), "",
                         _unknown(key, list(fields), "field"))
            continue
        if key in rows:
            book.add(cells.key(row, 1), cell_name(sheet.name, row, 1), key,
                     f"the field is given twice (rows {rows[key]} and {row}); keep one")
            continue
        rows[key] = row
        place = (cell_name(sheet.name, row, 2), key, cells.key(row, 2))
        _place(places, fields[key].path, place)
        if value is not None:
            filled = True
            _put(record, fields[key].path, _convert(fields[key], value, fmt))
    for f in sheet.fields:      # a field whose row was deleted: name the sheet
        if f.key not in rows:
            _place(places, f.path, (cell_name(sheet.name, 1, 1), f.key, cells.key(1, 1)))
    return record, places, filled


def _header(book: WorkbookData, sheet: Sheet, cells: _Cells) -> dict[int, str]:
    """Column number -> field key, from the header row; unknown headers are problems."""
    known = set(sheet.columns)
    columns: dict[int, str] = {}
    for column in cells.header:
        name, _ = cells.get(HEADER_ROW, column)
        if name is None:
            continue
        name = str(name).strip()
        if name not in known:
            book.add(cells.key(HEADER_ROW, column), cell_name(sheet.name, HEADER_ROW, column),
                     "", _unknown(name, list(sheet.columns), "column"))
        elif name in columns.values():
            book.add(cells.key(HEADER_ROW, column), cell_name(sheet.name, HEADER_ROW, column),
                     name, "the column is given twice; keep one")
        else:
            columns[column] = name
    return columns


def _read_document_rows(book: WorkbookData, sheet: Sheet, cells: _Cells):
    """A ``many`` type's table: rel -> (rel, document, places), one per filled row."""
    fields = {f.key: f for f in sheet.fields}
    columns = _header(book, sheet, cells)
    name_column = next((c for c, n in columns.items() if n == DOCUMENT_COLUMN), None)
    documents: dict[Any, tuple[str, Any, dict]] = {}
    if name_column is None and cells.data_rows:
        book.add(cells.key(HEADER_ROW, 1), cell_name(sheet.name, HEADER_ROW, 1), "",
                 f"the `{DOCUMENT_COLUMN}` column is missing; put it back as column A")
        return documents
    for row in cells.data_rows:
        got = {c: cells.get(row, c, columns[c]) for c in columns}
        if all(v is None for v, _ in got.values()):
            continue
        name_value = got[name_column][0]
        if (row == FIRST_ROW and isinstance(name_value, str)
                and name_value.strip().lower() == NONE_MARK):
            continue
        name = _document_name(book, sheet, cells, row, name_column, name_value, documents)
        if name is None:
            continue
        rel = f"{sheet.evidence}/{name}.yaml"
        record: dict[str, Any] = {}
        places = {"": (cell_name(sheet.name, row, name_column), DOCUMENT_COLUMN,
                       cells.key(row, name_column))}
        by_key = {n: c for c, n in columns.items()}
        for f in sheet.fields:
            column = by_key.get(f.key)
            if column is None:
                _place(places, f.path, (cell_name(sheet.name, HEADER_ROW, 1), f.key,
                                        cells.key(HEADER_ROW, 1)))
                continue
            _place(places, f.path, (cell_name(sheet.name, row, column), f.key,
                                    cells.key(row, column)))
            value, fmt = got[column]
            if value is not None:
                _put(record, f.path, _convert(fields[f.key], value, fmt))
        documents[name.lower()] = (rel, record, places)
    return documents


def _document_name(book, sheet, cells, row, column, value, documents) -> str | None:
    where = cell_name(sheet.name, row, column)
    if value is None:
        book.add(cells.key(row, column), where, DOCUMENT_COLUMN,
                 "give the document a short name in this column, e.g. 2025-02-theatres")
        return None
    text = str(value).strip()
    for suffix in (".yaml", ".yml", ".json"):
        if text.lower().endswith(suffix):
            text = text[: -len(suffix)]
    if not _DOC_NAME.fullmatch(text) or len(text) > 100:
        book.add(cells.key(row, column), where, DOCUMENT_COLUMN,
                 f"`{text[:40]}` cannot be a document name: use letters, digits, spaces, "
                 "`-`, `_` and `.`, starting with a letter or digit")
        return None
    if text.lower() in documents:
        book.add(cells.key(row, column), where, DOCUMENT_COLUMN,
                 f"the document name `{text}` is used twice; names must differ")
        return None
    return text


def _read_records(book: WorkbookData, sheet: Sheet, cells: _Cells, documents) -> bool:
    """Rows of a records table, appended to the list they belong to; True if any row."""
    fields = {f.key: f for f in sheet.fields}
    columns = _header(book, sheet, cells)
    by_key = {n: c for c, n in columns.items()}
    pointer = "/" + "/".join(escape(p) for p in sheet.path)
    header_place = (cell_name(sheet.name, HEADER_ROW, 1), ".".join(sheet.path),
                    cells.key(HEADER_ROW, 1))
    for _, _, places in documents.values():
        places.setdefault(pointer, header_place)
    counts: dict[Any, int] = {}
    any_row = False
    for row in cells.data_rows:
        got = {c: cells.get(row, c, columns[c]) for c in columns}
        if all(v is None for v, _ in got.values()):
            continue
        owner: Any = None
        if sheet.many:
            column = by_key.get(DOCUMENT_COLUMN)
            name = got[column][0] if column else None
            owner = str(name).strip().lower() if name is not None else None
            if owner not in documents:
                where = cell_name(sheet.name, row, column or 1)
                book.add(cells.key(row, column or 1), where, DOCUMENT_COLUMN,
                         "names no document of the main sheet; give the name of the row "
                         "this record belongs to")
                continue
        elif (row == FIRST_ROW and len([v for v, _ in got.values() if v is not None]) == 1
              and isinstance(got[min(got)][0], str)
              and got[min(got)][0].strip().lower() == NONE_MARK):
            _put(documents[None][1], sheet.path, [])
            any_row = True
            continue
        any_row = True
        rel, record, places = documents[owner]
        index = counts.get(owner, 0)
        counts[owner] = index + 1
        item: dict[str, Any] = {}
        base = f"{pointer}/{index}"
        places[base] = (cell_name(sheet.name, row, 1), ".".join(sheet.path), cells.key(row, 1))
        for f in sheet.fields:
            column = by_key.get(f.key)
            if column is None:
                continue
            at = base + "/" + "/".join(escape(p) for p in f.path)
            places[at] = (cell_name(sheet.name, row, column), f.key, cells.key(row, column))
            value, fmt = got[column]
            if value is not None:
                _put(item, f.path, _convert(fields[f.key], value, fmt))
        target = _get_list(record, sheet.path)
        target.append(item)
    return any_row


def _get_list(record: dict[str, Any], path: tuple[str, ...]) -> list:
    node = record
    for part in path[:-1]:
        node = node.setdefault(part, {})
    existing = node.get(path[-1])
    if not isinstance(existing, list):
        existing = node[path[-1]] = []
    return existing


def _place(places: dict, path: tuple[str, ...], place) -> None:
    """Record where ``path`` and (when first) each object above it are in the sheet."""
    for depth in range(1, len(path) + 1):
        pointer = "/" + "/".join(escape(p) for p in path[:depth])
        if depth == len(path):
            places[pointer] = place
        else:
            places.setdefault(pointer, (place[0], ".".join(path[:depth]), place[2]))


def _put(record: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = record
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def _unknown(name: str, known: list[str], what: str) -> str:
    import difflib  # lazy: start-up

    message = f"unknown {what} `{name[:40]}`"
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"{message}; did you mean `{close[0]}`?"
    return f"{message}; use a {what} of the template (or delete it)"


# ---------------------------------------------------------------- cell values -> JSON values


def _convert(f: Field, value: Any, fmt: str) -> Any:
    """A cell's value as the JSON value of field ``f``; what cannot be converted is kept as it
    is, so that validation reports it in the same words as for a file."""
    if isinstance(value, str) and value.strip().lower() == NONE_MARK:
        if f.kind == "list":
            return []
        if f.nullable:
            return None
    if f.kind == "list":
        return _list(f, value, fmt)
    return _scalar(f.kind, f.percent, value, fmt)


def _list(f: Field, value: Any, fmt: str) -> Any:
    if not isinstance(value, str):
        return [_scalar(f.item_kind or "text", False, value, fmt)]
    separators = r"[\n;,]" if f.choices else r"\n"
    items = [part.strip() for part in re.split(separators, value.replace("\r", ""))]
    return [_scalar(f.item_kind or "text", False, item, "General") for item in items if item]


def _scalar(kind: str, percent: bool, value: Any, fmt: str) -> Any:
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            value = value.date()
        else:
            return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time | datetime.timedelta):
        return str(value)
    if kind in ("integer", "number"):
        return _number(value, fmt, percent)
    if kind == "boolean":
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        return value
    if kind in ("text", "date"):
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, int | float):
            return _number_text(value)
        return value.strip() if kind == "date" else value
    if kind == "enum":
        return value.strip() if isinstance(value, str) else value
    return value


def _number(value: Any, fmt: str, percent: bool) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if percent and "%" in fmt:         # typed as 88% in Excel: the cell holds 0.88
            value = round(value * 100, 10)
            return int(value) if value == int(value) and "." not in fmt else value
        if isinstance(value, int) and _shows_decimals(fmt):
            return float(value)             # 52.0, shown with its decimal place
        if isinstance(value, float) and value.is_integer() and not _shows_decimals(fmt):
            return int(value)
        return value
    if isinstance(value, str):
        text = value.strip()
        if percent and text.endswith("%"):
            text = text[:-1].strip()
        if _NUMBER.fullmatch(text):
            return float(text) if any(c in text for c in ".eE") else int(text)
    return value


def _shows_decimals(fmt: str) -> bool:
    return bool(re.fullmatch(r"0\.0+", fmt or ""))


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------- the bundle


class _CellProblems:
    """``bundle._Problems`` for a workbook: each problem at its ``Sheet!Cell`` and field."""

    def __init__(self, book: WorkbookData):
        self.book = book
        self.items: list[tuple[tuple[int, int, int], int, str]] = []

    def add(self, rel: str, message: str, at: str = "", *, code: str, **_text) -> None:
        if rel.endswith("/") or (rel and "." not in rel.rsplit("/", 1)[-1]):
            rel = rel.rstrip("/")       # a message about a whole collection
            key = (self.book.order.get(rel, 0), 0, 0)
            self.items.append((key, len(self.items), _cell_problem(
                self.book, code, cell_name(rel, 1, 1), "", message)))
            return
        pointer = at if at.startswith("/") or not at else ""
        cell, name, key = self.book.locate(rel, pointer)
        self.items.append((key, len(self.items),
                           _cell_problem(self.book, code, cell, name, message, pointer)))

    def diagnostics(self) -> list[Diagnostic]:
        return [d for _, _, d in sorted(self.items, key=lambda item: item[:2])]

    def sorted(self) -> list[str]:
        return [d.line() for d in self.diagnostics()]

    def error(self) -> BundleError:
        return BundleError.from_diagnostics(self.diagnostics())


def _cell_problem(book: WorkbookData, code: str, cell: str, name: str, message: str,
                  pointer: str | None = None) -> Diagnostic:
    """A workbook problem: at ``Sheet!Cell`` (and the field's name) in the workbook's file,
    with the JSON pointer of the value in the document the sheet becomes."""
    return Diagnostic(code, "error", message, Span(book.label, 0, 0, 0, 0),
                      pointer=pointer or None, place=f"{cell}: {name}" if name else cell)


class _DataReader:
    """``bundle._Reader`` over values already read from the workbook."""

    def __init__(self, book: WorkbookData, record: FileRecord | None):
        self.book = book
        self.files = [record] if record is not None else []

    def read(self, rel: str, evidence_type: str) -> tuple[bool, Any]:
        return True, self.book.data[rel]


def workbook_bundle(book: WorkbookData, schemas: Mapping[str, EvidenceSchema], *,
                    lenient: bool = False, name: str = "", cite_file: bool = True) -> Bundle:
    """The validated bundle in ``book``; raises ``BundleError`` (every problem, by cell)."""
    problems = _CellProblems(book)
    for key, problem in book.problems:
        problems.items.append((key, len(problems.items), problem))
    singles: dict[str, list[str]] = {}
    collections: dict[str, list[str]] = {}
    for rel in book.data:
        if rel.endswith("/"):
            collections.setdefault(rel[:-1], [])
        elif rel != "bundle.yaml" and "/" in rel:
            collections.setdefault(rel.split("/")[0], []).append(rel)
        elif rel != "bundle.yaml":
            singles[rel[:-5]] = [rel]
    for rels in collections.values():
        rels.sort()
    layout = _Layout(["bundle.yaml"], singles, collections, [])
    record = FileRecord(Path(book.label).name, "workbook", book.sha256, book.size) \
        if cite_file else None
    return assemble(Path(book.label), name or Path(book.label).stem, layout,
                    _DataReader(book, record), problems, lambda: _CellProblems(book),
                    schemas, lenient)


def load_workbook_bundle(path: Path, schemas: Mapping[str, EvidenceSchema], *,
                         max_file_mb: float = 50.0, lenient: bool = False
                         ) -> tuple[Bundle, WorkbookData]:
    """Read and validate the workbook at ``path``: the bundle and where each value came from."""
    book = read_workbook(Path(path), schemas, max_file_mb=max_file_mb)
    return workbook_bundle(book, schemas, lenient=lenient), book


def cite_cells(result: dict[str, Any], book: WorkbookData) -> dict[str, Any]:
    """``result`` with each read of the workbook naming its cell: ``file`` becomes
    ``Sheet!Cell`` (the pointer is kept), so a report says where in the workbook a value is.
    """
    def walk(node: Any) -> None:
        if isinstance(node, dict):
            rel = node.get("file")
            if isinstance(rel, str) and "pointer" in node and (rel in book.data
                                                               or rel + "/" in book.data):
                node["file"] = book.locate(rel, node.get("pointer") or "")[0] \
                    if rel in book.data else cell_name(rel, 1, 1)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result["results"])
    return result


__all__ = ["WorkbookData", "cell_name", "cite_cells", "is_workbook", "load_workbook_bundle",
           "open_workbook", "read_workbook", "workbook_bundle", "BundleError"]
