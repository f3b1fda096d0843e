"""A batch's summary: one row per bundle, and summary.csv and index.html made from the rows.

A worker hands back ``summary_row(name, result, ...)``: only the few values the summary
needs (levels of the statements and key questions, provider, coverage, concerns), never
the whole result, so a batch's memory stays flat however many bundles it holds. The
driver (``engine/app/batch.py``) collects the rows and writes the files these functions
make: ``summary_csv`` (text), ``index_view`` (plain data for ``batch_index.html.j2``).

>>> range_text([2, 3, "partial"])
'2 to 3'
>>> travel([2, 2, "rated"], [3, 3, "rated"])
('up', 'was 2, now 3')
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from engine.output.compare import change
from engine.output.safe import csv_cell, href
from engine.words import count_of, judgement, level_range, printable

SUMMARY_KINDS = ("statement", "key_question")


# ---------------------------------------------------------------- one row per bundle


def summary_levels(result: dict[str, Any]) -> dict[str, list]:
    """[level, max_level, status] of every statement and key question: all the summary keeps."""
    return {node_id: [node["level"], node["max_level"], node["status"]]
            for node_id, node in result["results"].items() if node["kind"] in SUMMARY_KINDS}


def summary_row(name: str, result: dict[str, Any], was: dict[str, Any] | None,
                 since: bool) -> dict[str, Any]:
    nodes = result["results"]
    root_id = result["framework"]["root"]
    root = nodes.get(root_id, {})
    coverage = root.get("coverage")
    noun = None
    if coverage:
        kinds = {nodes[c]["kind"] for c in root.get("children", []) if c in nodes}
        noun = kinds.pop().replace("_", " ") if len(kinds) == 1 else "part"
    assessment = result["bundle"]["assessment"]
    return {
        "bundle": name,
        "status": "assessed",
        "provider": {k: result["bundle"]["provider"].get(k) for k in ("id", "name", "type")},
        "date": assessment.get("date"),
        "kind": assessment.get("kind"),
        "columns": [{"id": i, "title": nodes[i]["title"], "kind": nodes[i]["kind"]}
                    for i in framework_columns(result)],
        "scale": [{"level": s["level"], "label": s["label"]}
                  for s in result["framework"]["scale"]],
        "framework": {k: result["framework"].get(k)
                      for k in ("id", "title", "version", "root", "criteria_sha256")},
        "levels": summary_levels(result),
        "coverage": ([coverage["assessed"], coverage["of"], noun] if coverage else None),
        "concerns": ([c.get("text", "") for c in root["concerns"]]
                     if "concerns" in root else None),           # None: not recorded
        "was": was,
        "since": since,
    }


# ---------------------------------------------------------------- summary.csv and index.html


def range_text(entry: list | None) -> str:
    """``[2, 3, "partial"]`` -> "2 to 3"; "2" when rated; the status when there is no level.
    Never "2-3", which a spreadsheet reads as a date."""
    if entry is None:
        return "absent"
    low, high, status = entry
    if low is None:
        return status.replace("_", " ")
    return level_range(low, high)


def travel(was: list | None, now: list | None) -> tuple[str, str]:
    """Direction of travel of one node: ("up", "was 2, now 3"), ("same", ...), ("new", ...)."""
    if now is None:
        return "absent", "not in this run"
    if was is None:
        return "new", f"no earlier result, now {range_text(now)}"
    text = f"was {range_text(was)}, now {range_text(now)}"
    if was[0] is None or now[0] is None:
        return ("same" if was[2] == now[2] else "not comparable"), text
    low, high = now[0] - was[0], (now[1] or now[0]) - (was[1] or was[0])
    if low == 0 and high == 0:
        return "same", text
    if low >= 0 and high >= 0:
        return "up", text
    if low <= 0 and high <= 0:
        return "down", text
    return "changed", text


def row_travel(row: dict[str, Any], node_id: str) -> tuple[str, str]:
    """The change of one node of one row since the earlier result, in the words of
    ``compare.change`` (the same as the bundle's own report), with the levels before and
    now ("was 2, now 3"); or why it cannot be compared."""
    was = row.get("was")
    if was and "problem" in was:
        return "not comparable", was["problem"]
    now = row["levels"].get(node_id)
    if now is None:
        return "absent", "not in this run"
    if was is None:
        return "new", f"no earlier result, now {range_text(now)}"
    before = was["levels"].get(node_id)
    if before is None:
        return "new", f"not in the earlier result, now {range_text(now)}"
    return (change(_level(before), _level(now)),
            f"was {range_text(before)}, now {range_text(now)}")


def _level(entry: list) -> tuple:
    low, high, status = entry
    return low, high if high is not None else low, status


def framework_columns(result: dict[str, Any]) -> list[str]:
    """Statements in the framework's own order (each parent after its children), then the rest."""
    nodes, out = result["results"], []

    def visit(node_id: str) -> None:
        for child in nodes[node_id]["children"]:
            if nodes[child]["kind"] in SUMMARY_KINDS and child not in out:
                visit(child)
        out.append(node_id)

    root = result["framework"]["root"]
    if root in nodes:
        visit(root)
    out.extend(i for i in result["order"] if nodes[i]["kind"] in SUMMARY_KINDS and i not in out)
    return out


def summary_columns(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Statement and key question columns: those of the first assessed row, then any others."""
    seen: dict[str, dict[str, str]] = {}
    for row in rows:
        for column in row.get("columns", ()):
            seen.setdefault(column["id"], column)
    return list(seen.values())


def _labels(row: dict[str, Any]) -> dict[int, str]:
    return {step["level"]: step["label"] for step in row.get("scale", ())}


def node_words(entry: list | None, labels: dict[int, str]) -> str:
    """A node's judgement in words: "Developing, could be Established", "Not applicable"."""
    if entry is None:
        return "not in this run"
    low, high, status = entry
    return judgement(labels.get(low) if low else None, labels.get(high) if high else None,
                     low, high, status)


def coverage_text(row: dict[str, Any]) -> str:
    """ "7 of 8 statements": how many of the top question's parts have a level of their own."""
    if not row.get("coverage"):
        return ""
    return count_of(*row["coverage"])


SUMMARY_FIELDS = ("bundle", "status", "reason", "provider_id", "provider_name", "provider_type",
                  "assessment_date", "assessment_kind", "coverage", "concerns", "concern_texts")


def summary_csv(rows: list[dict[str, Any]], since: bool) -> str:
    """The text of summary.csv: one row per folder under ROOT (assessed, failed or skipped);
    per statement and key question its assured level, its judgement in words and its range
    ("2 to 3"), and with ``since`` the change and what it was. Every cell taken from a bundle
    is made safe for spreadsheets."""
    return "".join(summary_csv_lines(rows, since))


def summary_csv_lines(rows: Iterable[dict[str, Any]], since: bool) -> Iterator[str]:
    """The text of summary.csv line by line (``rows`` is read twice: columns, then rows), so
    a batch of any size is written without holding the whole file."""
    columns = summary_columns(rows)
    header = list(SUMMARY_FIELDS)
    for column in columns:
        header += [f"{column['id']}_level", f"{column['id']}_label", f"{column['id']}_range"]
        if since:
            header += [f"{column['id']}_change", f"{column['id']}_since"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        provider = row.get("provider") or {}
        concerns = row.get("concerns")
        line = [csv_cell(row["bundle"]), row["status"], csv_cell(row.get("reason", "")),
                csv_cell(provider.get("id")), csv_cell(provider.get("name")),
                csv_cell(provider.get("type")), csv_cell(row.get("date")),
                csv_cell(row.get("kind")), coverage_text(row),
                str(len(concerns)) if concerns is not None else "",
                csv_cell("; ".join(concerns or []))]
        labels = _labels(row)
        for column in columns:
            if row["status"] != "assessed":
                line += [""] * (5 if since else 3)
                continue
            entry = row["levels"].get(column["id"])
            level = entry[0] if entry else None
            line += ["" if level is None else str(level), node_words(entry, labels),
                     level_range(entry[0], entry[1]) if entry and level is not None else ""]
            if since:
                line += list(row_travel(row, column["id"]))
        writer.writerow(line)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


class _ViewRows:
    """The index's rows, each made as the page reaches it (the page goes through them
    twice): a batch of any size is never held as one list of rows."""

    def __init__(self, rows: Iterable[dict[str, Any]], count: int, make: Any):
        self._rows, self._count, self._make = rows, count, make

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self._make(row) for row in self._rows if row["status"] == "assessed")


def index_view(rows: Iterable[dict[str, Any]], formats: tuple[str, ...],
               warnings: list[str] = ()) -> dict[str, Any]:
    """Plain data for batch_index.html.j2: one cell per provider and node, each with its text.

    ``rows`` is read once here and again each time the page goes through its rows, one row
    at a time, so it may be a batch's rows kept on disk."""
    from engine.output.phrases import node_anchor  # lazy: start-up (jinja2)

    seen: dict[str, dict[str, str]] = {}
    first, since, count = None, False, 0
    failed, skipped = [], []
    for row in rows:
        if row["status"] == "assessed":
            first = first or row
            since = since or bool(row["since"])
            count += 1
            for column in row.get("columns", ()):
                seen.setdefault(column["id"], column)
        elif row["status"] == "failed":
            failed.append((printable(row["bundle"]), printable(row["reason"])))
        elif row["status"] == "skipped":
            skipped.append((printable(row["bundle"]), row["reason"]))
    columns = list(seen.values())

    def view_row(row: dict[str, Any]) -> dict[str, Any]:
        labels = _labels(row)
        report = href(row["bundle"], "report.html") if "html" in formats else None
        cells = [_cell(row, column["id"], labels, since, report, node_anchor)
                 for column in columns]
        provider = {k: printable(str(v)) if v is not None else "" for k, v in
                    row["provider"].items()}
        return {"bundle": printable(row["bundle"]), "provider": provider,
                "date": row["date"], "cells": cells,
                "coverage": coverage_text(row),
                "coverage_sort": (row["coverage"][0] / row["coverage"][1]
                                  if row.get("coverage") and row["coverage"][1] else -1),
                "concerns": [printable(c) for c in row.get("concerns") or []],
                "concerns_known": row.get("concerns") is not None,
                "report": report}

    return {"rows": _ViewRows(rows, count, view_row), "columns": columns, "since": since,
            "scale": first["scale"] if first else [], "failed": failed, "skipped": skipped,
            "warnings": list(warnings), "framework": first["framework"] if first else None}


def _cell(row, node_id, labels, since, report, node_anchor) -> dict[str, Any]:
    entry = row["levels"].get(node_id)
    low, high, status = entry if entry else (None, None, "absent")
    cell = {"digits": level_range(low, high), "words": node_words(entry, labels),
            "level": low, "ranged": low is not None and high not in (None, low),
            "sort": -1 if low is None else low * 10 + (high or low),
            "link": report + "#" + node_anchor(node_id) if report else None}
    if since:
        cell["change"], cell["change_text"] = row_travel(row, node_id)
    return cell


def index_script() -> str:
    """The index page's one script (table sorting), exactly as the page carries it."""
    from engine.resources import data_dir

    return (data_dir("reports") / "batch_index.js").read_text(encoding="utf-8")
