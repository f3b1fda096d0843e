"""``wellled diff``: the impact of a criteria change before it is released.

Two versions of a criteria set are compared node by node
(``engine.app.criteria_diff``); with a folder of bundles, every bundle is
assessed with both versions, in parallel worker processes (batch's own
machinery, ``engine.app.workers.run_in_workers``), and each worker hands back
only the nodes whose level, range, status, coverage or concerns differ. The
result is one plain document (its shape: ``reports/diff.schema.json``),
written as ``diff.json``, ``diff.md`` and ``diff.html``.

>>> doc = run_diff(Path("criteria/cqc_well_led"), Path("my_copy"),
...                Path("examples/bundles"), jobs=2, options=AssessOptions(),
...                progress=False, echo=print)                    # doctest: +SKIP
>>> doc["differs"], doc["results"]["moved"]                       # doctest: +SKIP
(True, 2)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine import __version__
from engine.errors import BundleError, WellledError
from engine.app.batch import DEFAULT_TIMEOUT, survey
from engine.app.workers import Progress, run_in_workers
from engine.options import AssessOptions
from engine.output.summary import travel
from engine.words import printable

FORMATS = ("md", "html", "json")
NAMES = {"json": "diff.json", "html": "diff.html", "md": "diff.md"}
KIND_RANK = {"key_question": 0, "statement": 1, "criterion": 2}
MOVES = ("up", "down")


# ---------------------------------------------------------------- one bundle (in a worker)


_SETS: tuple[Any, Any] | None = None
_SET_PATHS: tuple[Path, Path] | None = None


def _compile(old_path: Path, new_path: Path) -> tuple[Any, Any]:
    """Compile both versions for the bundles this process compares (always afresh)."""
    global _SETS, _SET_PATHS
    from engine.app.assess import load_criteria

    _SETS = (load_criteria(old_path), load_criteria(new_path))
    _SET_PATHS = (old_path, new_path)
    return _SETS


def _init_worker(old_path: Path, new_path: Path) -> None:
    """Process initializer: both versions, compiled once per worker (a forked worker
    already holds the pair its parent compiled)."""
    if _SETS is None or _SET_PATHS != (old_path, new_path):
        _compile(old_path, new_path)


def same_schemas(old: Any, new: Any) -> bool:
    """True when both versions read bundles alike (same evidence types and schemas), so a
    bundle is read and validated once for both."""
    if set(old.schemas) != set(new.schemas):
        return False
    return all(old.schemas[k].many == new.schemas[k].many
               and old.schemas[k].schema == new.schemas[k].schema for k in old.schemas)


def _assess_both(folder: Path, options: AssessOptions) -> tuple[Any, Any]:
    """(result or problem text) under the old and the new version."""
    from engine.app.assess import assess_bundle
    from engine.evidence.bundle import load_bundle
    from engine.evidence.workbook import is_workbook
    from engine.output.results import assess

    assert _SETS is not None
    outcomes: list[Any] = []
    loaded: Any = None
    shared = same_schemas(*_SETS)
    for criteria in _SETS:
        try:
            if is_workbook(folder):     # a workbook is read by the api, cells cited
                outcomes.append(assess_bundle(criteria, folder, options))
                continue
            if loaded is None or not shared:
                loaded = load_bundle(folder, criteria.schemas, max_file_mb=options.max_file_mb,
                                     lenient=options.lenient)
            if isinstance(loaded, str):
                outcomes.append(loaded)
                continue
            outcomes.append(assess(criteria, loaded, options))
        except BundleError as err:
            loaded = "; ".join(err.problems) or str(err)
            outcomes.append(loaded)
        except WellledError as err:
            loaded = str(err)
            outcomes.append(loaded)
    return outcomes[0], outcomes[1]


def compare_one(name: str, folder: Path, options: AssessOptions) -> tuple[str, dict[str, Any] | str]:
    """Assess one bundle with both versions: ("ok", what differs) or ("failed", message)
    when wellled itself failed on it."""
    try:
        old, new = _assess_both(folder, options)
        return "ok", bundle_row(name, old, new)
    except Exception as err:  # noqa: BLE001 - one bundle's bug must not stop the diff
        return "failed", f"internal error ({type(err).__name__}: {err}); please report it"


def snapshot(node: dict[str, Any]) -> dict[str, Any]:
    """What the diff compares of one node's result."""
    return {"level": node.get("level"), "max_level": node.get("max_level"),
            "status": node.get("status"), "label": node.get("label"),
            "max_label": node.get("max_label"), "coverage": node.get("coverage"),
            "concerns": sorted({c["text"] for c in node.get("concerns") or ()})}


def unjudged(snap: dict[str, Any]) -> int | None:
    """How many of a node's children have no level of their own. Coverage differs when this
    does and the node has a level under one version at least: a criterion removed from a
    statement whose criteria were all judged changes "4 of 4" to "3 of 3", and one removed
    from a statement judged on none changes "0 of 4" to "0 of 3"; neither changes how fully
    the statement was judged."""
    cov = snap.get("coverage")
    return None if not cov else cov["of"] - cov["assessed"]


def node_changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """The nodes present in both results whose level, range, status, coverage or concerns
    differ, with the direction of their level: up, down, changed (a range that widened
    or narrowed both ways), same (only status, coverage or concerns moved) or not
    comparable (a level on one side only)."""
    out = []
    a_nodes, b_nodes = old["results"], new["results"]
    for node_id in b_nodes:
        if node_id not in a_nodes or a_nodes[node_id]["kind"] != b_nodes[node_id]["kind"]:
            continue
        a, b = snapshot(a_nodes[node_id]), snapshot(b_nodes[node_id])
        differs = [what for what, key in (("level", "level"), ("range", "max_level"),
                                          ("status", "status"), ("concerns", "concerns"))
                   if a[key] != b[key]]
        if unjudged(a) != unjudged(b) and (a["level"] is not None or b["level"] is not None):
            differs.insert(3, "coverage")
        if not differs:
            continue
        direction, _ = travel([a["level"], a["max_level"], a["status"]],
                              [b["level"], b["max_level"], b["status"]])
        out.append({"node": node_id, "kind": b_nodes[node_id]["kind"],
                    "title": b_nodes[node_id]["title"], "direction": direction,
                    "differs": differs, "old": a, "new": b,
                    "concerns_raised": [t for t in b["concerns"] if t not in a["concerns"]],
                    "concerns_cleared": [t for t in a["concerns"] if t not in b["concerns"]]})
    return out


def bundle_row(name: str, old: Any, new: Any) -> dict[str, Any]:
    """One bundle's line of the diff: who it is, any refusal under each version, what moved."""
    either = new if isinstance(new, dict) else old if isinstance(old, dict) else None
    provider = dict(either["bundle"]["provider"]) if either else {}
    changes = node_changes(old, new) if isinstance(old, dict) and isinstance(new, dict) else []
    return {"bundle": name,
            "provider": {"id": provider.get("id"), "name": provider.get("name")},
            "date": either["bundle"]["assessment"]["date"] if either else None,
            "old_problem": old if isinstance(old, str) else None,
            "new_problem": new if isinstance(new, str) else None,
            "moved": bool(changes), "changes": changes}


# ---------------------------------------------------------------- the whole diff


def _version(path: Path, criteria: Any) -> dict[str, Any]:
    fw = criteria.framework
    return {"criteria": str(path), "criteria_sha256": criteria.criteria_sha256,
            "framework": {"id": fw.id, "title": fw.title, "version": fw.version}}


def run_diff(old_path: Path, new_path: Path, root: Path | None, *, jobs: int, options: AssessOptions,
             progress: bool, echo: Callable[[str], None], skip: Path | None = None
             ) -> dict[str, Any]:
    """Compare two criteria versions, and their results over every bundle under ``root``."""
    from engine.app.criteria_diff import criteria_changes

    old, new = _compile(old_path, new_path)   # criteria errors stop here, before any worker
    changes = criteria_changes(old.checked, new.checked)
    doc: dict[str, Any] = {
        "engine": {"name": "wellled", "version": __version__},
        "old": _version(old_path, old), "new": _version(new_path, new),
        "criteria": {"rule_changes": sum(c["type"] == "rule" for c in changes),
                     "wording_changes": sum(c["type"] == "wording" for c in changes),
                     "changes": changes},
        "results": None,
    }
    if root is not None:
        bundles, skipped = survey(root, skip)
        for name, reason in skipped:
            echo(f"skipped: {printable(name)}: {reason}")
        if not bundles:
            raise WellledError(f"{root}: no evidence bundles found (a bundle is a folder "
                               "holding bundle.yaml); give the folder that holds them")
        rows: list[dict[str, Any]] = []
        with Progress(len(bundles), progress, echo) as report:
            for name, (status, payload) in run_in_workers(
                    bundles, jobs=jobs, timeout=2 * DEFAULT_TIMEOUT, setup=_init_worker,
                    setup_args=(old_path, new_path), task=compare_one, task_args=(options,)):
                if status == "ok":
                    rows.append(payload)
                else:   # wellled failed on the bundle itself: the same under both versions
                    rows.append({"bundle": name, "provider": {"id": None, "name": None},
                                 "date": None, "old_problem": payload, "new_problem": payload,
                                 "moved": False, "changes": []})
                report.advance(name, "ok" if status == "ok" else "failed")
        rows.sort(key=lambda row: row["bundle"])
        doc["results"] = results_summary(str(root), rows, _node_order(old, new))
    doc["differs"] = bool(changes) or bool(doc["results"] and (
        doc["results"]["moved"] or doc["results"]["failing"]["old_only"]
        or doc["results"]["failing"]["new_only"]))
    return doc


def _node_order(old: Any, new: Any) -> dict[str, int]:
    """Key questions, then statements, then criteria, each in the framework's order."""
    order: dict[str, int] = {}
    for criteria in (new, old):
        checked = criteria.checked
        for node_id in list(checked.key_questions) + list(checked.statements) + [
                c.id for s in checked.statements.values() for c in s.criteria]:
            order.setdefault(node_id, len(order))
    return order


def results_summary(root: str, rows: list[dict[str, Any]], order: dict[str, int]
                    ) -> dict[str, Any]:
    """Counts across bundles: per node how many moved up, down or otherwise; who fails where."""
    per_node: dict[str, dict[str, Any]] = {}
    for row in rows:
        for change in row["changes"]:
            entry = per_node.setdefault(change["node"], {
                "node": change["node"], "kind": change["kind"], "title": change["title"],
                "up": 0, "down": 0, "other": 0, "bundles": 0})
            entry["bundles"] += 1
            entry[change["direction"] if change["direction"] in MOVES else "other"] += 1
    summary = sorted(per_node.values(),
                     key=lambda e: (KIND_RANK.get(e["kind"], 3), order.get(e["node"], 1 << 30),
                                    e["node"]))
    failing = {
        "both": [r["bundle"] for r in rows if r["old_problem"] and r["new_problem"]],
        "old_only": [r["bundle"] for r in rows if r["old_problem"] and not r["new_problem"]],
        "new_only": [r["bundle"] for r in rows if r["new_problem"] and not r["old_problem"]],
    }
    return {"root": root, "bundles": len(rows), "moved": sum(r["moved"] for r in rows),
            "failing": failing, "summary": summary, "bundle_results": rows}


# ---------------------------------------------------------------- outputs


def write_diff(doc: dict[str, Any], out: Path, formats: tuple[str, ...]) -> list[Path]:
    """Write diff.json, diff.md and diff.html (as asked) into ``out``, each atomically.

    Every text is rendered before the first file is written, so a failure leaves no
    partial output."""
    from engine.app.diff_view import diff_view
    from engine.output.report import render_template
    from engine.output.results import dump_result
    from engine.app.write import atomic_write

    texts: dict[str, str] = {}
    view = diff_view(doc) if set(formats) - {"json"} else None
    for fmt in formats:
        if fmt == "json":
            texts[fmt] = dump_result(doc)
        else:
            texts[fmt] = render_template(f"diff.{fmt}.j2", fmt, diff=view)
    written = []
    for fmt, text in texts.items():
        atomic_write(out / NAMES[fmt], text)
        written.append(out / NAMES[fmt])
    return written
