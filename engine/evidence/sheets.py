"""How evidence schemas lie out in a workbook: one plan shared by the template and the reader.

A workbook has an instructions sheet, a ``manifest`` sheet and one sheet per
evidence type, named by the evidence id. A single document is a *field sheet*
(one row per field: field, value, required, what to enter); a ``many`` type is
a *table sheet* (one row per document, the first column its document name).
Objects inside a document are flattened to dotted field names
(``people_promise.teamwork.score``); a list of plain values is one cell, one
item per line; a list of records (``meetings``) is a table sheet of its own,
``<evidence>.<field>``, one row per record. ``docs/workbooks.md`` shows it.

The template and the reader both call ``plan_workbook``, so what one writes the
other reads; nothing here touches a file.

>>> plan = plan_sheet("ftsu", "FTSU", False, {"type": "object", "required": ["cases"],
...     "properties": {"cases": {"type": "integer", "minimum": 0}}})
>>> [(s.name, s.form, [f.key for f in s.fields]) for s in plan]
[('ftsu', 'fields', ['cases'])]
>>> plan[0].fields[0].what
'a whole number, 0 or more'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.errors import UsageError

MAX_SHEET_NAME = 31
"""Excel's limit on the length of a sheet name."""

INSTRUCTIONS = "Instructions"
MANIFEST = "manifest"
NONE_MARK = "(none)"
"""Typed in a cell: an empty list, an empty collection, or nothing (null) where a field allows it."""

NOTES_PREFIX = "Notes"
"""Sheets whose names start with this are the team's own and are not read."""

TITLE_ROW, ABOUT_ROW, HINT_ROW, HEADER_ROW = 1, 2, 3, 4
FIRST_ROW = 5
"""Rows 1 to 4: title, description, a hint, the header. Data starts on row 5."""

FIELD_COLUMNS = ("field", "value", "required", "what to enter")
DOCUMENT_COLUMN = "document"
"""The first column of a ``many`` type's table: the document's name (its file name in a bundle)."""

_KINDS = {"string": "text", "integer": "integer", "number": "number", "boolean": "boolean"}


@dataclass(frozen=True)
class Field:
    """One cell per record: a value, or a list of plain values (one item per line)."""

    key: str                      # dotted path inside the record: "people_promise.teamwork.score"
    path: tuple[str, ...]
    kind: str                     # text, date, integer, number, boolean, enum, list
    item_kind: str | None         # for lists: the kind of each item
    choices: tuple[Any, ...]      # enum values (of the value, or of each item of a list)
    nullable: bool
    required: str                 # "required", "required with <parent>", or ""
    minimum: float | None
    maximum: float | None
    percent: bool
    description: str
    what: str                     # "a whole number from 0 to 100", in words


@dataclass(frozen=True)
class Sheet:
    """One sheet: a document as field rows, or a table of documents or records."""

    name: str
    evidence: str                 # evidence id, "bundle" for the manifest
    title: str
    description: str
    form: str                     # "fields" or "rows"
    path: tuple[str, ...]         # () for a document; the list's path for a records table
    many: bool                    # the evidence is a ``many`` type (rows carry a document name)
    fields: tuple[Field, ...]
    children: tuple[str, ...] = field(default=())   # names of record tables below this sheet

    @property
    def columns(self) -> tuple[str, ...]:
        """The header of a table sheet (``rows``): the document column, then every field."""
        first = (DOCUMENT_COLUMN,) if self.many else ()
        return first + tuple(f.key for f in self.fields)


def plan_workbook(schemas) -> list[Sheet]:
    """Every sheet of the workbook for these evidence ``schemas`` (manifest first).

    ``schemas`` maps evidence id to ``EvidenceSchema`` (the criteria set's).
    Raises ``UsageError`` for a schema a workbook cannot hold.
    """
    from engine.evidence.bundle import manifest_schema  # lazy: start-up

    manifest = manifest_schema()
    sheets = plan_sheet("bundle", "Manifest: who is assessed, and when", False,
                        manifest.schema, name=MANIFEST)
    for evidence_id, schema in schemas.items():
        sheets += plan_sheet(evidence_id, schema.title, schema.many, schema.schema)
    names = [s.name.lower() for s in sheets] + [INSTRUCTIONS.lower()]
    for sheet in sheets:
        if names.count(sheet.name.lower()) > 1:
            raise UsageError(f"evidence `{sheet.evidence}`: its sheet name `{sheet.name}` is "
                             "used twice in the workbook; rename the evidence type")
    return sheets


def plan_sheet(evidence_id: str, title: str, many: bool, schema: dict[str, Any], *,
               name: str | None = None) -> list[Sheet]:
    """The sheets of one evidence type: its own, then one per list of records in it."""
    name = name or evidence_id
    _check_name(name, evidence_id)
    tables: list[Sheet] = []
    fields = _flatten(schema, (), True, evidence_id, tables, name, many, title, nested=False)
    own = Sheet(name=name, evidence=evidence_id, title=title,
                description=str(schema.get("description", "")),
                form="rows" if many else "fields", path=(), many=many, fields=tuple(fields),
                children=tuple(t.name for t in tables))
    return [own, *tables]


def _check_name(name: str, evidence_id: str) -> None:
    if len(name) > MAX_SHEET_NAME or any(c in name for c in "[]:*?/\\"):
        raise UsageError(f"evidence `{evidence_id}`: `{name}` cannot be a sheet name (at most "
                         f"{MAX_SHEET_NAME} characters, none of []:*?/\\); shorten the id")


def _types(node: dict[str, Any]) -> tuple[list[str], bool]:
    declared = node.get("type", "string")
    names = declared if isinstance(declared, list) else [declared]
    nullable = "null" in names
    return [n for n in names if n != "null"], nullable


def _flatten(node: dict[str, Any], path: tuple[str, ...], chain_required: bool,
             evidence_id: str, tables: list[Sheet], sheet_name: str, many: bool, title: str, *,
             nested: bool, parent_label: str = "") -> list[Field]:
    """The fields of one record (an object), depth first, in the schema's order."""
    for keyword in ("anyOf", "oneOf", "allOf", "$ref", "patternProperties", "if"):
        if keyword in node:
            raise _unsupported(evidence_id, path, f"uses `{keyword}`")
    extra = node.get("additionalProperties")
    if isinstance(extra, dict) or (extra is not False and not node.get("properties")):
        raise _unsupported(evidence_id, path, "allows fields of any name")
    required = set(node.get("required", ()))
    out: list[Field] = []
    for key, sub in node.get("properties", {}).items():
        if not isinstance(sub, dict):
            raise _unsupported(evidence_id, (*path, key), "has no schema of its own")
        here = (*path, key)
        for keyword in ("anyOf", "oneOf", "allOf", "$ref", "if", "not"):
            if keyword in sub:
                raise _unsupported(evidence_id, here, f"uses `{keyword}`")
        is_required = key in required
        if chain_required:
            mark = "required" if is_required else ""
        else:
            mark = f"required with {parent_label}" if is_required else ""
        names, nullable = _types(sub)
        if names == ["object"]:
            label = ".".join(here)
            out += _flatten(sub, here, chain_required and is_required, evidence_id, tables,
                            sheet_name, many, title, nested=nested, parent_label=label)
        elif names == ["array"] and _types(sub.get("items", {}))[0] == ["object"]:
            if nested:
                raise _unsupported(evidence_id, here, "is a list of records inside a list "
                                   "of records")
            table = _record_table(sub, here, evidence_id, tables, sheet_name, many, title)
            tables.append(table)
        else:
            out.append(_field(sub, here, names, nullable, mark, evidence_id))
    return out


def _record_table(node: dict[str, Any], path: tuple[str, ...], evidence_id: str,
                  tables: list[Sheet], sheet_name: str, many: bool, title: str) -> Sheet:
    name = f"{sheet_name}.{'.'.join(path)}"
    if len(name) > MAX_SHEET_NAME:
        name = f"{sheet_name}.{path[-1]}"         # strategy.objectives
    if len(name) > MAX_SHEET_NAME or name in {t.name for t in tables}:
        name = f"{name[:MAX_SHEET_NAME - 3]}~{len(tables) + 1}"
    _check_name(name, evidence_id)
    items = node["items"]
    fields = _flatten(items, (), True, evidence_id, tables, name, many, title, nested=True)
    description = str(node.get("description", "")) or str(items.get("description", ""))
    return Sheet(name=name, evidence=evidence_id, title=f"{title}: {'.'.join(path)}",
                 description=description, form="rows", path=path, many=many,
                 fields=tuple(fields))


def _unsupported(evidence_id: str, path: tuple[str, ...], why: str) -> UsageError:
    where = "/" + "/".join(path) if path else "the document"
    return UsageError(f"evidence `{evidence_id}`: {where} {why}, which a workbook cannot "
                      "lay out; give this evidence as YAML files instead")


def _field(node: dict[str, Any], path: tuple[str, ...], names: list[str], nullable: bool,
           mark: str, evidence_id: str) -> Field:
    item_kind = None
    choices: tuple[Any, ...] = ()
    if names == ["array"]:
        items = node.get("items", {})
        item_names, _ = _types(items)
        if len(item_names) != 1 or item_names[0] in ("array", "object"):
            raise _unsupported(evidence_id, path, "is a list of mixed or nested values")
        kind = "list"
        item_kind = _scalar_kind(items, item_names[0])
        choices = tuple(items.get("enum", ()))
        source = items
    elif len(names) == 1 and names[0] in _KINDS:
        kind = _scalar_kind(node, names[0])
        choices = tuple(node.get("enum", ()))
        source = node
    else:
        raise _unsupported(evidence_id, path, f"has the type {names}")
    minimum = source.get("minimum", source.get("exclusiveMinimum"))
    maximum = source.get("maximum", source.get("exclusiveMaximum"))
    description = str(node.get("description", ""))
    percent = (kind in ("number", "integer") and minimum == 0 and maximum == 100
               and ("percent" in path[-1] or "rate" in path[-1]
                    or "percent" in description.lower()))
    what = _what(kind, item_kind, choices, minimum, maximum, percent, nullable)
    if node.get("x-sensitive") is True:
        what += "; confidential: never quoted in a report"
    return Field(key=".".join(path), path=path, kind=kind, item_kind=item_kind,
                 choices=choices, nullable=nullable, required=mark, minimum=minimum,
                 maximum=maximum, percent=percent, description=description, what=what)


def _scalar_kind(node: dict[str, Any], name: str) -> str:
    if "enum" in node:
        return "enum"
    if name == "string" and node.get("format") == "date":
        return "date"
    return _KINDS.get(name, "text")


_WORDS = {"text": "text", "date": "a date (YYYY-MM-DD)", "integer": "a whole number",
          "number": "a number", "boolean": "yes or no"}


def _what(kind: str, item_kind: str | None, choices: tuple[Any, ...], minimum: Any,
          maximum: Any, percent: bool, nullable: bool) -> str:
    from engine.words import number  # lazy: start-up

    if kind == "list":
        if choices:
            text = "any of " + ", ".join(str(c) for c in choices) + "; one per line"
        else:
            text = f"a list of {_WORDS.get(item_kind or 'text', 'text')}, one per line"
        return text + f"; {NONE_MARK} for an empty list"
    if kind == "enum":
        text = "one of " + ", ".join(str(c) for c in choices)
    elif percent:
        text = "a percentage from 0 to 100 (88 means 88%)"
    else:
        text = _WORDS[kind]
        if minimum is not None and maximum is not None:
            text += f" from {number(minimum)} to {number(maximum)}"
        elif minimum is not None:
            text += f", {number(minimum)} or more"
        elif maximum is not None:
            text += f", {number(maximum)} or less"
    if nullable:
        text += f"; {NONE_MARK} for nothing"
    return text


def sheet_names(sheets: list[Sheet]) -> dict[str, Sheet]:
    """Sheets by name, for the reader."""
    return {s.name: s for s in sheets}
