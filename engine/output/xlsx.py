"""Results as Excel workbooks: ``report.xlsx`` for one assessment, ``summary.xlsx`` for a batch.

Both are for people who take results into their own spreadsheets: a plain
header row (frozen, with filters), one row per thing, every level range
stored as text ("2 to 3", from ``engine/words.py``) so that Excel never turns
it into a date or a sum. Every text from a bundle or a criteria file is
written as text, never as a formula, whatever it starts with.

>>> rows = node_rows({"framework": {"root": "r"}, "order": ["r"], "results": {"r": {
...     "kind": "key_question", "title": "Well-led", "children": [], "level": 2,
...     "max_level": 3, "label": "Developing", "max_label": "Established",
...     "status": "partial", "advice": None, "gaps": []}}})
>>> rows[0][:6]
['r', 'key question', 'Well-led', 'Developing, could be Established', 2, '2 to 3']
"""

from __future__ import annotations

import io
from copy import copy
from collections.abc import Iterable
from typing import Any

from engine import words

_NOUN = {"key_question": "statement", "statement": "criterion"}
SUMMARY_HEADER = ["Node", "Kind", "Title", "Judgement", "Assured level", "Range", "Status",
                  "Coverage", "Concerns", "Next step"]
GAP_HEADER = ["Node", "Title", "What", "Evidence", "Evidence title", "Field", "Detail"]


def _text(cell, value: Any):
    """Set a cell; text stays text (a leading ``=`` is never a formula); control characters
    (which a worksheet cannot hold) are written as visible escapes."""
    if isinstance(value, str):
        value = words.printable(value, keep_lines=True)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _save(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _table(ws, header: list[str], rows: list[list[Any]], widths: list[int]) -> None:
    """A header row (bold, frozen, filtered) and rows under it, wrapped."""
    from openpyxl.styles import Alignment, Font, PatternFill  # lazy: start-up
    from openpyxl.utils import get_column_letter  # lazy: start-up

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    wrap = Alignment(wrap_text=True, vertical="top")
    for column, name in enumerate(header, start=1):
        cell = _text(ws.cell(row=1, column=column), name)
        cell.font, cell.fill = bold, fill
        ws.column_dimensions[get_column_letter(column)].width = widths[column - 1]
    for r, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            _text(ws.cell(row=r, column=column), value).alignment = wrap
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(1, len(rows) + 1)}"


# ---------------------------------------------------------------- one assessment


def tree_order(result: dict[str, Any]) -> list[str]:
    """Node ids from the root down, each parent before its children, then any others."""
    nodes, out = result["results"], []
    seen: set[str] = set()

    def visit(node_id: str) -> None:
        if node_id in seen or node_id not in nodes:
            return
        seen.add(node_id)
        out.append(node_id)
        for child in nodes[node_id].get("children", []):
            visit(child)

    visit(result["framework"]["root"])
    out.extend(i for i in result["order"] if i not in seen)
    return out


def _coverage(node: dict[str, Any]) -> str:
    got = node.get("coverage")
    if not isinstance(got, dict) or node.get("kind") not in _NOUN:
        return ""
    noun = _NOUN[node["kind"]]
    text = words.coverage(got.get("assessed", 0), got.get("of", 0), noun)
    return text or f"judged on all {words.plural(got.get('of', 0), noun)}"


def _concerns(node: dict[str, Any]) -> str:
    lines = []
    for concern in node.get("concerns") or []:
        line = str(concern.get("text", ""))
        if concern.get("advice"):
            line += f" ({concern['advice']})"
        lines.append(line)
    return "\n".join(lines)


def _next_step(node: dict[str, Any], labels: dict[int, str]) -> str:
    step = node.get("next_step")
    if isinstance(step, dict):
        parts = [str(u.get("words") or u.get("condition") or "") for u in step.get("unmet", [])]
        head = f"To reach {labels.get(step.get('level'), step.get('level'))}"
        text = f"{head}: {step['advice']}" if step.get("advice") else head
        return "\n".join(dict.fromkeys([text, *[p for p in parts if p]]))   # each line once
    return str(node.get("advice") or "")


def node_rows(result: dict[str, Any]) -> list[list[Any]]:
    """One row per node for the summary sheet (``SUMMARY_HEADER``)."""
    labels = {s["level"]: s["label"] for s in result["framework"].get("scale", [])}
    rows = []
    for node_id in tree_order(result):
        node = result["results"][node_id]
        low, high = node.get("level"), node.get("max_level")
        rows.append([
            node_id, node["kind"].replace("_", " "), node["title"],
            words.judgement(node.get("label"), node.get("max_label"), low, high,
                            node.get("status")),
            low if low is not None else "", words.level_range(low, high),
            node["status"].replace("_", " "), _coverage(node), _concerns(node),
            _next_step(node, labels)])
    return rows


def gap_rows(result: dict[str, Any]) -> list[list[Any]]:
    """Evidence gaps and concerns not checked, one row each (``GAP_HEADER``)."""
    rows = []
    for node_id in tree_order(result):
        node = result["results"][node_id]
        if node["kind"] != "criterion":
            continue
        for gap in node.get("gaps", []):
            detail = ("the document is given but this field is empty" if gap.get("provided")
                      else "not provided")
            rows.append([node_id, node["title"], "evidence gap", gap["evidence"],
                         gap.get("title", ""), gap.get("pointer") or "", detail])
    for node_id in tree_order(result):
        node = result["results"][node_id]
        for concern in node.get("concerns_not_checked") or []:
            if concern.get("node") not in (None, node_id):
                continue        # listed once, on the node that declares it
            reads = concern.get("reads") or []
            missing = ", ".join(sorted({f"{r.get('type')} {r.get('pointer') or ''}".strip()
                                        for r in reads if not r.get("known")}))
            rows.append([node_id, node["title"], "concern not checked", "", "",
                         missing, str(concern.get("text", ""))])
    return rows


def result_workbook(result: dict[str, Any]) -> bytes:
    """The bytes of ``report.xlsx``: About, Summary (one row per node) and Evidence gaps."""
    from openpyxl import Workbook  # lazy: start-up
    from openpyxl.styles import Font  # lazy: start-up

    book = Workbook()
    about = book.active
    about.title = "About"
    bundle, framework = result["bundle"], result["framework"]
    lines = [
        ("Provider", f"{bundle['provider'].get('name', '')} ({bundle['provider'].get('id', '')})"),
        ("Assessment date", bundle["assessment"].get("date") or ""),
        ("Kind of assessment", str(bundle["assessment"].get("kind") or "").replace("_", " ")),
        ("Criteria", f"{framework.get('title', '')} ({framework.get('id', '')})"),
        ("Bundle", bundle.get("name") or ""),
        ("Engine", f"{result['engine']['name']} {result['engine']['version']}"),
        ("Levels", "; ".join(f"{s['level']} {s['label']}" for s in framework.get("scale", []))),
    ]
    for row, (name, value) in enumerate(lines, start=1):
        _text(about.cell(row=row, column=1), name).font = Font(bold=True)
        _text(about.cell(row=row, column=2), str(value))
    about.column_dimensions["A"].width = 22
    about.column_dimensions["B"].width = 80
    _table(book.create_sheet("Summary"), SUMMARY_HEADER, node_rows(result),
           [22, 13, 44, 32, 10, 9, 13, 30, 50, 60])
    _table(book.create_sheet("Evidence gaps"), GAP_HEADER, gap_rows(result),
           [22, 44, 20, 20, 34, 36, 44])
    book.active = 1
    return _save(book)


# ---------------------------------------------------------------- a batch


_HEAT = ["F8CBAD", "FFE699", "C6E0B4", "A9D08E", "70AD47", "548235"]


def summary_workbook(rows: Iterable[dict[str, Any]], columns: list[dict[str, str]]) -> bytes:
    """The bytes of a batch's ``summary.xlsx``: one row per bundle, one column per node.

    Each level cell holds the range as text ("2 to 3"); a conditional format colours
    it by its assured level (the heat map); the header is frozen and filtered. The rows
    are read once and streamed into the sheet (openpyxl's write-only mode), so a batch of
    any size is never held in memory as cells.
    """
    from openpyxl import Workbook  # lazy: start-up
    from openpyxl.cell import WriteOnlyCell  # lazy: start-up
    from openpyxl.cell.cell import Cell  # lazy: start-up
    from openpyxl.comments import Comment  # lazy: start-up
    from openpyxl.formatting.rule import FormulaRule  # lazy: start-up
    from openpyxl.styles import Alignment, Font, PatternFill  # lazy: start-up
    from openpyxl.utils import get_column_letter  # lazy: start-up

    book = Workbook(write_only=True)
    ws = book.create_sheet("Summary")
    fixed = ["Provider ODS code", "Provider", "Bundle", "Assessment date"]
    header = fixed + [c["title"] for c in columns]
    for column, width in enumerate([14, 40, 24, 14] + [16] * len(columns), start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = "D2"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    wrap = Alignment(wrap_text=True, vertical="top")

    def cell(value: Any, **style: Any) -> Any:
        made = _text(WriteOnlyCell(ws), value)
        for name, setting in style.items():
            setattr(made, name, setting)
        return made

    # Every body cell has the same style: set it once and give each cell a copy of its style
    # array (setting it on each cell hashed the style again: a tenth of the batch's summary).
    body = cell(None, alignment=wrap)._style

    def body_cell(value: Any) -> Any:
        return _text(Cell(ws, row=1, column=1, style_array=copy(body)), value)

    heading = [cell(name, font=bold, fill=fill) for name in header]
    for index, column in enumerate(columns, start=len(fixed)):
        heading[index].comment = Comment(
            f"{column['id']} ({column['kind'].replace('_', ' ')})", "wellled")
    ws.append(heading)
    count, scale = 0, None
    for row in rows:
        if scale is None:
            scale = row.get("scale") or []
        line = [row["provider"].get("id", ""), row["provider"].get("name", ""), row["bundle"],
                str(row.get("date") or "")]
        line += [_level_text(row["levels"].get(column["id"])) for column in columns]
        ws.append([body_cell(value) for value in line])
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(1, count + 1)}"
    if columns and count:
        first = get_column_letter(len(fixed) + 1)
        last = get_column_letter(len(header))
        area = f"{first}2:{last}{count + 1}"
        levels = sorted(s["level"] for s in scale or []) or [1, 2, 3, 4]
        for position, level in enumerate(levels):
            colour = _HEAT[min(len(_HEAT) - 1, round(position * (len(_HEAT) - 1)
                                                     / max(1, len(levels) - 1)))]
            ws.conditional_formatting.add(area, FormulaRule(
                formula=[f'OR({first}2="{level}",'
                         f'LEFT({first}2,{len(str(level)) + 3})="{level} to")'],
                fill=PatternFill("solid", fgColor=colour, bgColor=colour)))
    return _save(book)


def _level_text(entry: list | None) -> str:
    if entry is None:
        return "absent"
    low, high, status = entry
    if low is None:
        return status.replace("_", " ")
    return words.level_range(low, high)
