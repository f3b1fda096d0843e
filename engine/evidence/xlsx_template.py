"""Writing an evidence workbook: the template ``wellled template`` makes, empty or filled.

The layout is ``engine/evidence/sheets.py``'s plan, the one the reader reads.
Every field gets its description as a note, a drop-down list for its choices,
a typed cell (dates, whole numbers, numbers with their range) checked by
Excel as it is typed, and a "required" mark. Text from a bundle is always
written as text, never as a formula, whatever it starts with.

>>> from engine.evidence.sheets import plan_sheet
>>> book = build_workbook(plan_sheet("ftsu", "FTSU", False, {"type": "object",
...     "properties": {"cases": {"type": "integer", "minimum": 0}}}), "test criteria")
>>> book["ftsu"]["A5"].value, book["ftsu"]["D5"].value
('cases', 'a whole number, 0 or more')
"""

from __future__ import annotations

import datetime
from typing import Any

from engine.evidence.sheets import (
    ABOUT_ROW, DOCUMENT_COLUMN, FIELD_COLUMNS, FIRST_ROW, HEADER_ROW, HINT_ROW, INSTRUCTIONS,
    MANIFEST, NONE_MARK, NOTES_PREFIX, TITLE_ROW, Field, Sheet,
)

TABLE_ROWS = 200
"""How many empty rows of a table carry drop-downs and checks (more can be added)."""

_INSTRUCTIONS = [
    ("How to fill in this workbook", True),
    ("This workbook is an evidence bundle for a well-led assessment, in spreadsheet form. "
     "Fill it in, then give it to wellled as it is (wellled assess THIS.xlsx) or turn it "
     "into a folder of files (wellled import THIS.xlsx FOLDER).", False),
    ("", False),
    ("1. Start with the sheet `manifest`: the provider's ODS code, name and type, and the "
     "date of the assessment. Every date rule is counted from that date.", False),
    ("2. Each other sheet is one kind of evidence. Fill in what you have; leave a sheet "
     "empty when you do not have that evidence yet. Evidence left empty is reported as "
     "not provided, never guessed.", False),
    ("3. On a sheet with Field and Value columns, type each value in the Value column "
     "(column B), on the row of its field. Column C says which fields are required; "
     "column D says what to enter. Hover over a field's name for its full description.",
     False),
    ("4. On a sheet laid out as a table, each row is one document or one record: type one "
     "per row, starting on row 5. The first column of a table of documents is a short "
     "name for each, such as 2025-02-theatres. Row 3 says which columns are required; "
     "hover over a column's name for its description.", False),
    ("5. Dates: type them as dates (2025-06-30). Percentages: type 88 for 88% (typing 88% "
     "also works). Yes or no: pick from the list. Choices: pick from the drop-down.", False),
    (f"6. Lists (several themes, several groups): one item per line in the same cell "
     f"(Alt+Enter starts a new line in Excel). Type {NONE_MARK} for an empty list, or for "
     f"'nothing' where a field allows it.", False),
    ("7. Do not rename the sheets, the field names or the column names: wellled finds the "
     "evidence by them. To keep notes of your own in this workbook, add a sheet whose "
     f"name starts with `{NOTES_PREFIX}`.", False),
    ("8. Formulas are fine where they give a value (such as a percentage worked out from "
     "two counts): wellled reads the value Excel saved and never runs a formula. Save as "
     "an Excel Workbook (.xlsx): macro-enabled workbooks and links to other workbooks are "
     "refused.", False),
    ("9. When something is wrong, wellled lists every problem at once, each with its sheet "
     "and cell, for example `strategy!B7: approved_on: expected a date`.", False),
    ("", False),
    ("The sheets", True),
]


def build_workbook(sheets: list[Sheet], criteria_title: str,
                   fill: dict[str, Any] | None = None):
    """An openpyxl workbook laid out by ``sheets``; ``fill`` is a bundle's documents.

    ``fill`` maps ``rel`` (``bundle.yaml``, ``strategy.yaml``,
    ``focus_group/theatres.yaml``) to plain values (dates may be ``datetime.date``),
    plus ``"<id>/"`` for each collection that is provided.
    """
    from openpyxl import Workbook

    book = Workbook()
    intro = book.active
    intro.title = INSTRUCTIONS
    _instructions(intro, sheets, criteria_title)
    by_name = {s.name: s for s in sheets}
    for sheet in sheets:
        ws = book.create_sheet(sheet.name)
        if sheet.form == "fields":
            _field_sheet(ws, sheet, _single(fill, sheet))
        else:
            _table_sheet(ws, sheet, _rows(fill, sheet, by_name))
    return book


# ---------------------------------------------------------------- the data to fill in


def _single(fill: dict[str, Any] | None, sheet: Sheet) -> dict[str, Any] | None:
    if fill is None:
        return None
    rel = "bundle.yaml" if sheet.evidence == "bundle" else f"{sheet.evidence}.yaml"
    return fill.get(rel)


def _rows(fill: dict[str, Any] | None, sheet: Sheet, by_name) -> list[tuple[str, Any]] | None:
    """(document name, record) per row of a table sheet; None when there is nothing to fill."""
    if fill is None:
        return None
    if not sheet.path:          # a many type: one row per document
        prefix = f"{sheet.evidence}/"
        if prefix not in fill:
            return None
        names = sorted(rel for rel in fill if rel.startswith(prefix) and rel != prefix)
        return [(rel[len(prefix):].rsplit(".", 1)[0], fill[rel]) for rel in names]
    rows: list[tuple[str, Any]] = []
    if sheet.many:
        prefix = f"{sheet.evidence}/"
        owners = sorted((rel[len(prefix):].rsplit(".", 1)[0], fill[rel]) for rel in fill
                        if rel.startswith(prefix) and rel != prefix)
    else:
        document = fill.get(f"{sheet.evidence}.yaml")
        owners = [("", document)] if document is not None else []
    for name, document in owners:
        records = _at(document, sheet.path)
        if records == [] and not sheet.many:
            rows.append(("", NONE_MARK))
        for record in records or []:
            rows.append((name, record))
    return rows


def _at(value: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


# ---------------------------------------------------------------- sheets


def _styles():
    from openpyxl.styles import Alignment, Font, PatternFill

    return {
        "title": Font(bold=True, size=14),
        "bold": Font(bold=True),
        "header": PatternFill("solid", fgColor="DDE6F0"),
        "required": Font(bold=True, color="9C0006"),
        "wrap": Alignment(wrap_text=True, vertical="top"),
        "top": Alignment(vertical="top"),
    }


def _instructions(ws, sheets: list[Sheet], criteria_title: str) -> None:
    style = _styles()
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 100
    row = 1
    for text, heading in _INSTRUCTIONS:
        cell = ws.cell(row=row, column=1)
        _text(cell, text)
        if heading:
            cell.font = style["title"]
        else:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
            cell.alignment = style["wrap"]
            ws.row_dimensions[row].height = 15 * max(1, len(text) // 110 + 1)
        row += 1
    for sheet in sheets:
        _text(ws.cell(row=row, column=1), sheet.name).font = style["bold"]
        how = "one row per field" if sheet.form == "fields" else "a table, one row each"
        _text(ws.cell(row=row, column=2), f"{sheet.title} ({how})")
        row += 1
    row += 1
    _text(ws.cell(row=row, column=1), "Criteria").font = style["bold"]
    _text(ws.cell(row=row, column=2), criteria_title)


def _top(ws, sheet: Sheet, hint: str, width: int) -> None:
    """Title (row 1) and description (row 2); the hint goes in row 3 of a field sheet,
    after the description on a table (whose row 3 marks the required columns)."""
    style = _styles()
    _text(ws.cell(row=TITLE_ROW, column=1), sheet.title).font = style["title"]
    about = sheet.description if sheet.form == "fields" else \
        f"{sheet.description} {hint}".strip()
    cell = _text(ws.cell(row=ABOUT_ROW, column=1), about)
    ws.merge_cells(start_row=ABOUT_ROW, start_column=1, end_row=ABOUT_ROW, end_column=width)
    cell.alignment = style["wrap"]
    ws.row_dimensions[ABOUT_ROW].height = 15 * (len(about) // 140 + 1)
    if sheet.form == "fields":
        _text(ws.cell(row=HINT_ROW, column=1), hint).font = style["bold"]


def _field_sheet(ws, sheet: Sheet, document: Any) -> None:
    from openpyxl.comments import Comment

    style = _styles()
    what = "Type each value in column B." if sheet.name != MANIFEST else \
        "Who is assessed, and when: type each value in column B."
    _top(ws, sheet, what, len(FIELD_COLUMNS))
    for column, name in enumerate(FIELD_COLUMNS, start=1):
        cell = _text(ws.cell(row=HEADER_ROW, column=column), name)
        cell.font, cell.fill = style["bold"], style["header"]
    checks = _Checks(ws)
    for row, f in enumerate(sheet.fields, start=FIRST_ROW):
        name = _text(ws.cell(row=row, column=1), f.key)
        name.alignment = style["top"]
        if f.description:
            name.comment = Comment(f.description, "wellled", width=320, height=140)
        value = ws.cell(row=row, column=2)
        _format(value, f)
        checks.add(f, value.coordinate)
        if f.required:
            _text(ws.cell(row=row, column=3), f.required).font = style["required"]
        _text(ws.cell(row=row, column=4), f.what).alignment = style["wrap"]
        if document is not None:
            present, got = _lookup(document, f.path)
            if present:
                _value(value, f, got)
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["C"].width = 22
    ws.column_dimensions["D"].width = 60
    ws.freeze_panes = f"B{FIRST_ROW}"
    checks.attach()


def _table_sheet(ws, sheet: Sheet, rows: list[tuple[str, Any]] | None) -> None:
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter

    style = _styles()
    if sheet.path:
        hint = "One row per record, from row 5." + (
            f" Column A names the document (of sheet `{sheet.evidence}`) it belongs to."
            if sheet.many else "")
    else:
        hint = "One row per document, from row 5; column A is a short name for each."
    columns = list(sheet.columns)
    _top(ws, sheet, hint, max(1, min(len(columns), 8)))
    fields = {f.key: f for f in sheet.fields}
    checks = _Checks(ws)
    last = FIRST_ROW + max(TABLE_ROWS, len(rows or ())) - 1
    for column, key in enumerate(columns, start=1):
        f = fields.get(key)
        head = _text(ws.cell(row=HEADER_ROW, column=column), key)
        head.font, head.fill = style["bold"], style["header"]
        letter = get_column_letter(column)
        ws.column_dimensions[letter].width = max(14, min(40, len(key) + 4))
        if f is None:
            note = ("A short name for the document, such as 2025-02-theatres (letters, digits, "
                    "spaces, - _ .); it becomes the file name in a bundle folder."
                    if not sheet.path else "The name of the document this record belongs to.")
            _text(ws.cell(row=HINT_ROW, column=column), "required").font = style["required"]
            head.comment = Comment(note, "wellled", width=300, height=100)
            continue
        if f.required:
            _text(ws.cell(row=HINT_ROW, column=column), f.required).font = style["required"]
        head.comment = Comment(f"{f.description}\n\nWhat to enter: {f.what}".strip(),
                               "wellled", width=320, height=160)
        checks.add(f, f"{letter}{FIRST_ROW}:{letter}{last}")
        for row in range(FIRST_ROW, FIRST_ROW + len(rows or ())):
            _format(ws.cell(row=row, column=column), f)
    for row, (name, record) in enumerate(rows or (), start=FIRST_ROW):
        if record == NONE_MARK:
            _text(ws.cell(row=row, column=1), NONE_MARK)
            continue
        if sheet.many:
            _text(ws.cell(row=row, column=1), name)
        for column, key in enumerate(columns, start=1):
            f = fields.get(key)
            if f is None:
                continue
            present, got = _lookup(record, f.path)
            if present:
                _value(ws.cell(row=row, column=column), f, got)
    if rows == [] and not sheet.path:
        _text(ws.cell(row=FIRST_ROW, column=1), NONE_MARK)   # a collection, known empty
    ws.freeze_panes = f"B{FIRST_ROW}" if sheet.many else f"A{FIRST_ROW}"
    checks.attach()


def _lookup(value: Any, path: tuple[str, ...]) -> tuple[bool, Any]:
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


# ---------------------------------------------------------------- cells


def _text(cell, text: str):
    """Write ``text`` as text: never read back as a formula, whatever it starts with."""
    cell.value = text
    if isinstance(text, str):
        cell.data_type = "s"
    return cell


def _format(cell, f: Field) -> None:
    from openpyxl.styles import Alignment

    if f.kind == "date":
        cell.number_format = "yyyy-mm-dd"
    elif f.kind in ("text", "list"):
        cell.number_format = "@"
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _value(cell, f: Field, value: Any) -> None:
    """Write one JSON value as the cell the reader reads back as that value."""
    if value is None:
        _text(cell, NONE_MARK)
    elif f.kind == "list" and isinstance(value, list):
        _text(cell, "\n".join(_item(v) for v in value) if value else NONE_MARK)
    elif isinstance(value, bool):
        _text(cell, "yes" if value else "no")
    elif isinstance(value, datetime.date) and f.kind == "date":
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, int | float) and f.kind in ("integer", "number"):
        cell.value = value
        if isinstance(value, float) and value.is_integer():
            cell.number_format = "0.0"      # read back as 52.0, not 52
    elif isinstance(value, str):
        _text(cell, value)
    else:
        _text(cell, _item(value))


def _item(value: Any) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class _Checks:
    """Excel data validation (drop-downs, dates, numbers in range), one rule per kind of cell."""

    def __init__(self, ws):
        self.ws = ws
        self.rules: dict[tuple, Any] = {}

    def add(self, f: Field, ref: str) -> None:
        rule = self._rule(f)
        if rule is not None:
            rule.add(ref)

    def _rule(self, f: Field):
        from openpyxl.worksheet.datavalidation import DataValidation

        if f.kind == "enum":
            choices = [str(c) for c in f.choices] + ([NONE_MARK] if f.nullable else [])
            formula = '"' + ",".join(choices) + '"'
            if len(formula) > 250 or any("," in c or '"' in c for c in choices):
                return None
            key = ("list", formula)
            make = dict(type="list", formula1=formula, allow_blank=True,
                        errorTitle="Choose from the list",
                        error="Pick one of the choices in the drop-down.")
        elif f.kind == "boolean":
            key = ("list", '"yes,no"')
            make = dict(type="list", formula1='"yes,no"', allow_blank=True,
                        errorTitle="Yes or no", error="Pick yes or no.")
        elif f.kind == "date":
            key = ("date",)
            make = dict(type="date", operator="greaterThan", formula1="1", allow_blank=True,
                        errorTitle="A date", error="Type a date, such as 2025-06-30.")
        elif f.kind in ("integer", "number") and not f.nullable:
            kind = "whole" if f.kind == "integer" else "decimal"
            low = f.minimum if f.minimum is not None else -1e15
            high = f.maximum if f.maximum is not None else 1e15
            key = (kind, low, high)
            from engine.words import number

            make = dict(type=kind, operator="between", formula1=str(low), formula2=str(high),
                        allow_blank=True, errorTitle="A number",
                        error=f"Type {f.what}.", errorStyle="warning")
            if f.minimum is not None and f.maximum is not None:
                make["error"] = (f"Type {'a whole number' if kind == 'whole' else 'a number'} "
                                 f"from {number(f.minimum)} to {number(f.maximum)}.")
        else:
            return None
        if key not in self.rules:
            rule = DataValidation(showErrorMessage=True, **make)
            self.rules[key] = rule
        return self.rules[key]

    def attach(self) -> None:
        for rule in self.rules.values():
            self.ws.add_data_validation(rule)


__all__ = ["build_workbook", "DOCUMENT_COLUMN"]
