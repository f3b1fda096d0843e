"""Batch runs: every bundle under a folder, assessed in parallel, then a summary across them.

Each worker process compiles the criteria once (its initializer) and then
assesses bundle after bundle, writing ``out/<bundle>/`` as ``assess`` does. A
worker hands back only the few numbers the summary needs (levels of the
statements and key questions), never the whole result, so memory stays flat
however many bundles there are. A broken bundle is recorded and the others
carry on. Then ``summary.csv`` and ``index.html`` are written across them.

>>> summary = run_batch(Path("examples/bundles"), Path("criteria/cqc_well_led"),
...                     Path("wellled-out"), jobs=2, formats=("json", "html"),
...                     options=AssessOptions(), since=None, progress=False,
...                     echo=print)                       # doctest: +SKIP
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import BundleError, WellledError

MANIFESTS = ("bundle.yaml", "bundle.json")
SUMMARY_KINDS = ("statement", "key_question")


@dataclass(frozen=True)
class BatchSummary:
    """What a batch did: how many bundles were assessed, which failed and why, where it wrote."""

    done: int
    failed: list[tuple[str, str]]
    out: Path


# ---------------------------------------------------------------- finding bundles


def find_bundles(root: Path, skip: Path | None = None) -> list[tuple[str, Path]]:
    """Every folder under ``root`` holding a manifest, as (name relative to root, folder), sorted.

    Hidden folders and anything under ``skip`` (the output folder) are left out.
    """
    found = []
    skip_resolved = skip.resolve() if skip is not None else None
    for manifest in root.rglob("bundle.*"):
        if manifest.name not in MANIFESTS or not manifest.is_file():
            continue
        folder = manifest.parent
        rel = folder.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if skip_resolved is not None and folder.resolve().is_relative_to(skip_resolved):
            continue
        found.append((rel.as_posix() if rel.parts else root.resolve().name, folder))
    found += _workbooks(root, skip_resolved, {folder for _, folder in found})
    return sorted(set(found))


def _workbooks(root: Path, skip: Path | None, folders: set[Path]) -> list[tuple[str, Path]]:
    """Evidence workbooks (``.xlsx``) under ``root``, named by their path without ``.xlsx``.

    A workbook inside a bundle folder belongs to that bundle (not a bundle of its own),
    and Excel's lock files (``~$name.xlsx``) are not workbooks.
    """
    found = []
    for book in root.rglob("*.xlsx"):
        rel = book.relative_to(root)
        if (any(part.startswith((".", "~$")) for part in rel.parts) or not book.is_file()
                or any(parent in folders for parent in book.parents)):
            continue
        if skip is not None and book.resolve().is_relative_to(skip):
            continue
        found.append((rel.with_suffix("").as_posix(), book))
    return found


# ---------------------------------------------------------------- one bundle (in a worker)


_CRITERIA: Any = None
_CRITERIA_PATH: Path | None = None


def _compile(criteria_path: Path) -> None:
    """Compile the criteria for the bundles this process assesses (always afresh)."""
    global _CRITERIA, _CRITERIA_PATH
    from engine.api import load_criteria

    _CRITERIA = load_criteria(criteria_path)
    _CRITERIA_PATH = criteria_path


def _init_worker(criteria_path: Path) -> None:
    """Process initializer: the criteria, compiled once for every bundle this worker assesses.

    A worker forked from the batch's process already holds the set that process has
    just compiled (to fail early on criteria errors), and uses it as it is; a spawned
    worker compiles its own.
    """
    if _CRITERIA is None or _CRITERIA_PATH != criteria_path:
        _compile(criteria_path)


def _levels(result: dict[str, Any]) -> dict[str, list]:
    """[level, max_level, status] of every statement and key question: all the summary keeps."""
    return {node_id: [node["level"], node["max_level"], node["status"]]
            for node_id, node in result["results"].items() if node["kind"] in SUMMARY_KINDS}


def _earlier(since: Path | None, name: str) -> dict[str, list] | None:
    if since is None:
        return None
    path = since / name / "result.json"
    try:
        return _levels(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def assess_one(name: str, bundle: Path, out: Path, formats: tuple[str, ...], options: Any,
               since: Path | None) -> tuple[str, dict[str, Any] | str]:
    """Assess one bundle and write its outputs: ("ok", summary row) or ("failed", message)."""
    from engine.api import assess_bundle, write_outputs

    try:
        result = assess_bundle(_CRITERIA, bundle, options)
        write_outputs(result, out / name, formats, options)
    except BundleError as err:
        return "failed", "; ".join(err.problems) or str(err)
    except WellledError as err:
        return "failed", str(err)
    except Exception as err:  # noqa: BLE001 - one bundle's bug must not stop the batch
        return "failed", f"internal error ({type(err).__name__}: {err}); please report it"
    nodes = result["results"]
    columns = framework_columns(result)
    return "ok", {
        "bundle": name,
        "provider": dict(result["bundle"]["provider"]),
        "date": result["bundle"]["assessment"]["date"],
        "columns": [{"id": i, "title": nodes[i]["title"], "kind": nodes[i]["kind"]}
                    for i in columns],
        "scale": result["framework"]["scale"],
        "framework": {k: result["framework"].get(k) for k in ("id", "title", "version", "root")},
        "levels": _levels(result),
        "was": _earlier(since, name),
        "since": since is not None,
    }


# ---------------------------------------------------------------- the batch


def run_batch(root: Path, criteria_path: Path, out: Path, *, jobs: int,
              formats: tuple[str, ...], options: Any, since: Path | None,
              progress: bool, echo: Callable[[str], None]) -> BatchSummary:
    """Assess every bundle under ``root`` into ``out``; write summary.csv and index.html there."""
    _compile(criteria_path)              # fail early (CriteriaError) before any process starts
    bundles = find_bundles(root, skip=out)
    rows: list[dict[str, Any]] = []
    failed: list[tuple[str, str]] = []
    shared: dict[str, Any] = {}
    report = _Reporter(len(bundles), progress, echo)
    with report:
        for name, outcome in _outcomes(bundles, criteria_path, out, jobs, formats, options,
                                       since):
            status, payload = outcome
            if status == "ok":
                rows.append(_share(payload, shared))  # type: ignore[arg-type]
            else:
                failed.append((name, payload))  # type: ignore[arg-type]
            report.advance(name, status)
    rows.sort(key=lambda row: row["bundle"])
    failed.sort()
    write_summary(rows, failed, out, formats, options)
    return BatchSummary(done=len(rows), failed=failed, out=out)


def _share(row: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    """Keep one copy of what every row repeats (columns, scale, framework), not one a row."""
    for key in ("columns", "scale", "framework"):
        if key in row:
            text = json.dumps(row[key], sort_keys=True)
            row[key] = shared.setdefault(f"{key}:{text}", row[key])
    return row


def _outcomes(bundles, criteria_path, out, jobs, formats, options, since):
    """(name, outcome) per bundle as each finishes; in this process when jobs == 1."""
    if jobs <= 1 or len(bundles) <= 1:
        for name, folder in bundles:
            yield name, assess_one(name, folder, out, formats, options, since)
        return
    # INVARIANT: at most `window` bundles are in flight and a finished future is
    # dropped as soon as it is read, so memory stays flat however long the batch.
    window = jobs * 4
    waiting = iter(bundles)
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                             initargs=(criteria_path,)) as pool:
        running: dict[Future, str] = {}

        def submit_next() -> None:
            for name, folder in waiting:
                future = pool.submit(assess_one, name, folder, out, formats, options, since)
                running[future] = name
                return

        for _ in range(window):
            submit_next()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                name = running.pop(future)
                try:
                    outcome = future.result()
                except Exception as err:  # noqa: BLE001 - a dead worker fails its bundle only
                    outcome = ("failed", f"the worker stopped ({type(err).__name__})")
                submit_next()
                yield name, outcome


class _Reporter:
    """Progress: a rich bar on a terminal, else one plain line per bundle through ``echo``."""

    def __init__(self, total: int, fancy: bool, echo: Callable[[str], None]):
        self.total, self.fancy, self.echo, self.count = total, fancy, echo, 0
        self._progress = None

    def __enter__(self) -> _Reporter:
        if self.fancy:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._progress = Progress(TextColumn("assessing"), BarColumn(),
                                      MofNCompleteColumn(), TextColumn("{task.description}"),
                                      console=Console(stderr=True), transient=True)
            self._progress.__enter__()
            self._task = self._progress.add_task("", total=self.total)
        return self

    def advance(self, name: str, status: str) -> None:
        self.count += 1
        if self._progress is not None:
            self._progress.update(self._task, advance=1, description=name)
        else:
            word = "assessed" if status == "ok" else "could not be assessed"
            self.echo(f"[{self.count}/{self.total}] {name}: {word}")

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)


# ---------------------------------------------------------------- summary.csv and index.html


def range_text(entry: list | None) -> str:
    """``[2, 3, "partial"]`` -> "2-3"; "2" when rated; the status when there is no level."""
    if entry is None:
        return "absent"
    low, high, status = entry
    if low is None:
        return status
    return str(low) if high in (None, low) else f"{low}-{high}"


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
    """Statement and key question columns: those of the first row, then any others seen."""
    seen: dict[str, dict[str, str]] = {}
    for row in rows:
        for column in row["columns"]:
            seen.setdefault(column["id"], column)
    return list(seen.values())


def summary_csv(rows: list[dict[str, Any]], since: bool) -> str:
    """The text of summary.csv: one row per bundle, two columns per node (four with ``since``)."""
    columns = summary_columns(rows)
    header = ["provider_id", "provider_name", "bundle"]
    for column in columns:
        header += [f"{column['id']}_level", f"{column['id']}_range"]
        if since:
            header += [f"{column['id']}_change", f"{column['id']}_since"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        line = [row["provider"]["id"], row["provider"]["name"], row["bundle"]]
        for column in columns:
            entry = row["levels"].get(column["id"])
            level = entry[0] if entry else None
            line += ["" if level is None else str(level), range_text(entry)]
            if since:
                direction, text = travel((row["was"] or {}).get(column["id"]), entry)
                line += [direction, text]
        writer.writerow(line)
    return buffer.getvalue()


def index_view(rows: list[dict[str, Any]], failed: list[tuple[str, str]],
               formats: tuple[str, ...]) -> dict[str, Any]:
    """Plain data for batch_index.html.j2: one cell per provider and node, each with its text."""
    from engine.output.report import node_anchor

    columns = summary_columns(rows)
    scale = rows[0]["scale"] if rows else []
    labels = {step["level"]: step["label"] for step in scale}
    since = any(row["since"] for row in rows)
    view_rows = []
    for row in rows:
        cells = []
        for column in columns:
            entry = row["levels"].get(column["id"])
            cells.append(_cell(entry, labels, row, column["id"], since, formats, node_anchor))
        view_rows.append({"bundle": row["bundle"], "provider": row["provider"],
                          "date": row["date"], "cells": cells,
                          "report": f"{row['bundle']}/report.html" if "html" in formats else None})
    return {"rows": view_rows, "columns": columns, "failed": failed, "since": since,
            "scale": scale, "framework": rows[0]["framework"] if rows else None}


def _cell(entry, labels, row, node_id, since, formats, node_anchor) -> dict[str, Any]:
    low, high, status = entry if entry else (None, None, "absent")
    if low is None:
        words = status.replace("_", " ")
    elif high in (None, low):
        words = labels.get(low, f"level {low}")
    else:
        words = f"{labels.get(low, low)}, could be {labels.get(high, high)}"
    cell = {"digits": range_text(entry) if low is not None else "–", "words": words,
            "level": low, "ranged": low is not None and high not in (None, low),
            "sort": -1 if low is None else low * 10 + (high or low),
            "link": (f"{row['bundle']}/report.html#{node_anchor(node_id)}"
                     if "html" in formats else None)}
    if since:
        cell["change"], cell["change_text"] = travel((row["was"] or {}).get(node_id), entry)
    return cell


def write_summary(rows: list[dict[str, Any]], failed: list[tuple[str, str]], out: Path,
                  formats: tuple[str, ...], options: Any) -> None:
    """Write out/summary.csv, out/summary.xlsx and out/index.html atomically."""
    from engine.output.report import stream_template
    from engine.output.write import atomic_write

    since = any(row["since"] for row in rows)
    atomic_write(out / "summary.csv", summary_csv(rows, since))
    from engine.output.xlsx import write_summary_xlsx   # the spreadsheet beside the CSV

    write_summary_xlsx(rows, out)
    atomic_write(out / "index.html", stream_template(
        "batch_index.html.j2", "html", batch=index_view(rows, failed, formats), options=options))
