"""Batch runs: every bundle under a folder, assessed in worker processes, then a summary.

Every folder under ROOT is accounted for: a bundle is assessed (or fails, with its reason);
a folder that is not a bundle is listed as skipped, with why. Each bundle is assessed in a
worker process that compiled the criteria once (inherited from this process where the system
forks). A worker that dies (the out-of-memory killer, a crash) or runs past ``timeout``
fails only the bundle it held: it is replaced and the batch carries on. A worker hands back
only the few values the summary needs, never the whole result, so memory stays flat however
many bundles there are. Then ``summary.csv`` and ``index.html`` are written across them.

>>> summary = run_batch(Path("examples/bundles"), Path("criteria/cqc_well_led"),
...                     Path("wellled-out"), jobs=2, formats=("json", "html"),
...                     options=AssessOptions(), since=None, progress=False,
...                     echo=print)                       # doctest: +SKIP
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import signal
import stat
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from engine.errors import BundleError, UsageError, WellledError
from engine.evidence.bundle import MANIFEST_NAMES
from engine.options import AssessOptions
from engine.output.safe import csv_cell, href
from engine.words import count_of, judgement, level_range, plural, printable

SUMMARY_KINDS = ("statement", "key_question")
DEFAULT_TIMEOUT = 600.0          # seconds per bundle: ample for any real bundle
# Names batch writes at the top of OUT: a bundle folder with one of these names would clash.
_RESERVED = ("summary.csv", "summary.xlsx", "index.html")
# An earlier result.json larger than this is not read for --since (ours are a few MB).
_MAX_EARLIER_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class BatchSummary:
    """What a batch did: bundles assessed, those that failed and folders skipped (each with
    why), warnings about the comparison, and where it wrote."""

    done: int
    failed: list[tuple[str, str]]
    out: Path
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- finding bundles


def _is_manifest(entry: os.DirEntry[str]) -> bool:
    return entry.name in MANIFEST_NAMES and not entry.is_dir(follow_symlinks=False)


def survey(root: Path, out: Path | None = None
           ) -> tuple[list[tuple[str, Path]], list[tuple[str, str]]]:
    """Every folder under ``root``: (bundles as (name, folder), skipped as (name, reason)).

    A bundle is a folder holding a manifest (``bundle.yaml``, ``bundle.yml`` or
    ``bundle.json``); its name is its path relative to ``root`` (``region/northfield``), or
    the folder's own name when ``root`` itself is the bundle. A bundle's folders belong to
    it: a bundle inside another is listed as skipped, as are hidden folders, links to
    folders, the output folder, and each topmost folder with no bundle below it.
    """
    root_real = root.resolve()
    out_real = out.resolve() if out is not None else None
    bundles: list[tuple[str, Path]] = []
    plain: list[str] = []                  # folders with no manifest, by relative name
    skipped: list[tuple[str, str]] = []
    stack = [(root, "")]
    while stack:                           # iterative: a deep tree cannot exhaust the stack
        folder, rel = stack.pop()
        shown = rel or "."
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as err:
            skipped.append((shown, f"cannot be read ({(err.strerror or str(err)).lower()})"))
            continue
        if any(_is_manifest(e) for e in entries):
            name = rel or root_real.name
            bundles.append((name, folder))
            skipped.extend((f"{name}/{inner}", f"inside the bundle {name}: a bundle's folders "
                            "belong to it; move it out to assess it on its own")
                           for inner in _nested_bundles(folder))
            continue
        if rel:
            plain.append(rel)
        for entry in entries:
            child = f"{rel}/{entry.name}" if rel else entry.name
            if entry.is_symlink():
                if entry.is_dir():
                    skipped.append((child, "a link to a folder: batch does not follow links; "
                                    "put the bundle itself under the folder"))
                continue
            if not entry.is_dir():
                if _is_workbook_bundle(entry.name):
                    bundles.append((child.rpartition(".")[0], Path(entry.path)))
                continue
            path = Path(entry.path)
            if out_real is not None and (path.resolve() == out_real):
                skipped.append((child, "the output folder of this run"))
            elif entry.name.startswith("."):
                skipped.append((child, "a hidden folder (its name starts with a dot)"))
            else:
                stack.append((path, child))
    holders = {"/".join(name.split("/")[:i]) for name, _ in bundles
               for i in range(1, name.count("/") + 1)}
    for rel in plain:
        parent = rel.rpartition("/")[0]
        if rel not in holders and (not parent or parent in holders):
            skipped.append((rel, "not a bundle: no bundle.yaml in it or in any folder below"))
    return sorted(bundles), sorted(skipped)


def _is_workbook_bundle(name: str) -> bool:
    """An evidence workbook (``north.xlsx``) outside any bundle folder is a bundle of its own;
    Excel's lock files (``~$north.xlsx``) and hidden files are not."""
    from engine.evidence.workbook import is_workbook

    return is_workbook(Path(name)) and not name.startswith(("~$", "."))


def _nested_bundles(bundle: Path) -> list[str]:
    """Folders inside ``bundle`` that hold a manifest of their own (relative names)."""
    found, stack = [], [(bundle, "")]
    while stack:
        folder, rel = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        if rel and any(_is_manifest(e) for e in entries):
            found.append(rel)
        stack.extend((Path(e.path), f"{rel}/{e.name}" if rel else e.name)
                     for e in entries if e.is_dir(follow_symlinks=False))
    return sorted(found)


def find_bundles(root: Path, skip: Path | None = None) -> list[tuple[str, Path]]:
    """Every bundle under ``root``, as (name relative to root, folder), sorted."""
    return survey(root, skip)[0]


def _name_clashes(bundles: list[tuple[str, Path]]) -> dict[str, str]:
    """Bundles whose output folder would clash with batch's own files or, on a system that
    ignores case, with another bundle's: name -> reason."""
    clashes, seen = {}, {}
    for name, _ in bundles:
        top = name.split("/")[0]
        if top.lower() in _RESERVED:
            clashes[name] = (f"its folder is named like batch's own {top.lower()}; rename the "
                             "folder")
        key = name.casefold()
        if key in seen and seen[key] == name:
            clashes[name] = ("a folder and a workbook of this name would share an output "
                             "folder; rename one")
        elif key in seen:
            clashes[name] = (f"its name differs from {seen[key]} only in upper or lower case, "
                             "so on many systems the two would share an output folder; "
                             "rename one")
        seen.setdefault(key, name)
    return clashes


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
    """A worker's start: the criteria, compiled once for every bundle it assesses.

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


def read_json_safely(path: Path) -> Any:
    """A JSON file that may be anything: a regular file of a sane size (never a FIFO that
    would block, never through a link), parsed with any fault turned into ``ValueError``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as err:
        raise ValueError((err.strerror or str(err)).lower()) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file")
        if info.st_size > _MAX_EARLIER_BYTES:
            raise ValueError(f"larger than {_MAX_EARLIER_BYTES // 2**20} MB")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(_MAX_EARLIER_BYTES + 1)
    finally:
        os.close(fd)
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("nested too deeply to be a result") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"not valid JSON ({err})") from None


def _earlier(since: Path | None, name: str) -> dict[str, Any] | None:
    """The earlier result of bundle ``name`` in ``since``: its levels and framework, or the
    reason it cannot be compared. None when there is no earlier result for it."""
    if since is None:
        return None
    path = since / name / "result.json"
    if not os.path.lexists(path):
        return None
    try:
        doc = read_json_safely(path)
        framework = doc["framework"]
        return {"levels": _levels(doc),
                "framework": {k: framework.get(k) for k in ("id", "version", "criteria_sha256")}}
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        reason = str(err) if isinstance(err, ValueError) else "not a wellled result"
        return {"problem": f"the earlier result {printable(str(path))} cannot be read: {reason}"}


def _summary_row(name: str, result: dict[str, Any], was: dict[str, Any] | None,
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
        "levels": _levels(result),
        "coverage": ([coverage["assessed"], coverage["of"], noun] if coverage else None),
        "concerns": ([c.get("text", "") for c in root["concerns"]]
                     if "concerns" in root else None),           # None: not recorded
        "was": was,
        "since": since,
    }


def assess_one(name: str, bundle: Path, out: Path, formats: tuple[str, ...], options: AssessOptions,
               since: Path | None) -> tuple[str, dict[str, Any] | str]:
    """Assess one bundle and write its outputs: ("ok", summary row) or ("failed", message)."""
    from engine.api import assess_bundle, write_outputs

    was = _earlier(since, name)          # read before writing: --since may be OUT itself
    try:
        result = assess_bundle(_CRITERIA, bundle, options)
        write_outputs(result, out / name, formats, options)
    except BundleError as err:
        return "failed", "; ".join(err.problems) or str(err)
    except WellledError as err:
        return "failed", str(err)
    except Exception as err:  # noqa: BLE001 - one bundle's bug must not stop the batch
        return "failed", f"internal error ({type(err).__name__}: {err}); please report it"
    return "ok", _summary_row(name, result, was, since is not None)


def _worker(conn: Any, setup: Callable[..., None], setup_args: tuple,
            task: Callable[..., Any], task_args: tuple) -> None:
    """A worker process: ``setup(*setup_args)`` once, then ``task(name, folder, *task_args)``
    for each (name, folder) it is sent, until it is sent None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C is the batch's to handle
    setup(*setup_args)
    while True:
        job = conn.recv()
        if job is None:
            return
        name, folder = job
        conn.send((name, task(name, folder, *task_args)))


# ---------------------------------------------------------------- the batch


def run_batch(root: Path, criteria_path: Path, out: Path, *, jobs: int,
              formats: tuple[str, ...], options: AssessOptions, since: Path | None,
              progress: bool, echo: Callable[[str], None],
              timeout: float = DEFAULT_TIMEOUT) -> BatchSummary:
    """Assess every bundle under ``root`` into ``out``; write summary.csv and index.html there."""
    _compile(criteria_path)              # fail early (CriteriaError) before any process starts
    bundles, skipped = survey(root, out)
    for name, reason in skipped:
        echo(f"skipped: {printable(name)}: {reason}")
    if not bundles:
        raise WellledError(f"{printable(str(root))}: no evidence bundles found (a bundle is a "
                           "folder holding bundle.yaml); nothing was written")
    _check_out(root, out, bundles)
    warnings = _check_since(since) if since is not None else []
    clashes = _name_clashes(bundles)
    rows: list[dict[str, Any]] = []
    shared: dict[str, Any] = {}
    report = _Reporter(len(bundles), progress, echo)
    with report:
        for name, reason in clashes.items():
            rows.append(_failed_row(name, reason))
            report.advance(name, "failed")
        todo = _without_clashes(bundles, clashes)
        for name, (status, payload) in _outcomes(todo, criteria_path, out, jobs, formats,
                                                 options, since, timeout):
            if status == "ok":
                rows.append(_share(payload, shared))  # type: ignore[arg-type]
            else:
                rows.append(_failed_row(name, payload))  # type: ignore[arg-type]
                _mark_failed(out / name, payload)     # type: ignore[arg-type]
            report.advance(name, status)
    rows.extend({"bundle": name, "status": "skipped", "reason": reason}
                for name, reason in skipped)
    rows.sort(key=lambda row: row["bundle"])
    warnings += _since_warnings(rows, since)
    for warning in warnings:
        echo(f"warning: {warning}")
    write_summary(rows, out, formats, options, warnings)
    failed = [(r["bundle"], r["reason"]) for r in rows if r["status"] == "failed"]
    return BatchSummary(done=sum(r["status"] == "assessed" for r in rows), failed=failed,
                        out=out, skipped=skipped, warnings=warnings)


def _without_clashes(bundles: list[tuple[str, Path]], clashes: dict[str, str]
                     ) -> list[tuple[str, Path]]:
    """The bundles to assess: all but those that clash; of two with the very same name (a
    folder and a workbook), the first is still assessed."""
    todo, seen = [], set()
    for name, folder in bundles:
        if name in clashes and (name in seen or clashes[name].startswith("its ")):
            continue
        seen.add(name)
        todo.append((name, folder))
    return todo


def _failed_row(name: str, reason: str) -> dict[str, Any]:
    return {"bundle": name, "status": "failed", "reason": reason}


def _mark_failed(folder: Path, reason: str) -> None:
    """Replace a failed bundle's earlier outputs with a note, so that last run's result is
    never taken for this run's."""
    from engine.output.write import write_set

    note = (f"This bundle could not be assessed in the latest batch run:\n{reason}\n\n"
            "Any outputs of an earlier run were removed so that they are not taken for "
            "current ones.\n")
    try:
        write_set(folder, {"failed.txt": note})
    except WellledError:
        pass                              # the reason is in summary.csv and index.html


def _check_out(root: Path, out: Path, bundles: list[tuple[str, Path]]) -> None:
    """The engine never writes into a bundle, nor over the folder of bundles itself."""
    out_real = out.resolve()
    if out_real == root.resolve():
        raise UsageError(f"-o {printable(str(out))} is the folder of bundles itself; give "
                         "another folder for the outputs")
    for name, folder in bundles:
        real = folder.resolve()
        if out_real == real or out_real.is_relative_to(real):
            raise UsageError(f"-o {printable(str(out))} is inside the bundle "
                             f"{printable(name)}; wellled never writes into a bundle: give a "
                             "folder outside it")


def _check_since(since: Path) -> list[str]:
    """Refuse a --since that cannot be an earlier batch of this criteria set; warn when it is
    one of another version. Returns the warnings."""
    shown = printable(str(since))
    if not since.is_dir():
        raise UsageError(f"--since {shown}: no such folder; give the output folder (-o) of an "
                         "earlier batch")
    first = next(_results_in(since), None)
    if first is None:
        raise UsageError(f"--since {shown}: holds no result.json; give the output folder (-o) "
                         "of an earlier batch")
    try:
        framework = read_json_safely(first)["framework"]
        earlier_id = framework["id"]
    except (ValueError, KeyError, TypeError):
        return []                         # that bundle's comparison will say why
    current = _CRITERIA.framework
    if earlier_id != current.id:
        raise UsageError(f"--since {shown}: the earlier run assessed against `{earlier_id}`, "
                         f"this run against `{current.id}`; levels of different frameworks "
                         "cannot be compared")
    return []


def _results_in(folder: Path, depth: int = 4) -> Iterator[Path]:
    """result.json files at most ``depth`` folders down, in sorted order."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name == "result.json" and entry.is_file(follow_symlinks=False):
            yield Path(entry.path)
    if depth:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and not entry.name.startswith("."):
                yield from _results_in(Path(entry.path), depth - 1)


def _since_warnings(rows: list[dict[str, Any]], since: Path | None) -> list[str]:
    if since is None:
        return []
    assessed = [r for r in rows if r["status"] == "assessed"]
    warnings = []
    if assessed and all(r["was"] is None for r in assessed):
        warnings.append(f"none of the {plural(len(assessed), 'bundle')} has an earlier result "
                        f"in {printable(str(since))}: the folder names must match those of the "
                        "earlier run")
    other = sorted({r["was"]["framework"].get("version") or "?" for r in assessed
                    if r["was"] and "framework" in r["was"]
                    and r["was"]["framework"] != _same_framework(r)})
    if other:
        now = assessed[0]["framework"]
        warnings.append(f"some earlier results were made with other criteria (version "
                        f"{', '.join(other)}; this run: version {now.get('version')}, "
                        f"criteria {str(now.get('criteria_sha256'))[:12]}): a change may come "
                        "from the criteria rather than the provider")
    return warnings


def _same_framework(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row["framework"].get(k) for k in ("id", "version", "criteria_sha256")}


def _share(row: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    """Keep one copy of what every row repeats (columns, scale, framework), not one a row."""
    for key in ("columns", "scale", "framework"):
        if key in row:
            text = json.dumps(row[key], sort_keys=True)
            row[key] = shared.setdefault(f"{key}:{text}", row[key])
    return row


def _outcomes(bundles, criteria_path, out, jobs, formats, options: AssessOptions, since,
              timeout):
    """(name, outcome) per bundle as each finishes, each assessed in a worker process."""
    return run_in_workers(bundles, jobs=jobs, timeout=timeout, setup=_init_worker,
                          setup_args=(criteria_path,), task=assess_one,
                          task_args=(out, formats, options, since))


def run_in_workers(bundles: list[tuple[str, Path]], *, jobs: int, timeout: float,
                   setup: Callable[..., None], setup_args: tuple, task: Callable[..., Any],
                   task_args: tuple) -> Iterator[tuple[str, Any]]:
    """(name, ``task(name, folder, *task_args)``) per bundle as each finishes, each run in
    one of ``jobs`` worker processes set up once by ``setup(*setup_args)``. Shared by
    ``batch`` and ``diff``.

    Each worker holds one bundle at a time, so when it dies (``kill -9``, the out-of-memory
    killer) or runs past ``timeout`` seconds, exactly that bundle fails ("failed", reason);
    the worker is replaced and the rest carry on.
    """
    if not bundles:
        return
    context = multiprocessing.get_context()
    waiting = deque(bundles)
    workers: dict[Any, dict[str, Any]] = {}      # connection -> worker state

    def start() -> None:
        parent, child = context.Pipe()
        process = context.Process(target=_worker, daemon=True,
                                  args=(child, setup, setup_args, task, task_args))
        process.start()
        child.close()
        workers[parent] = {"process": process, "task": None, "deadline": None}

    def give(conn: Any) -> bool:
        if not waiting:
            return False
        task = waiting.popleft()
        state = workers[conn]
        state["task"], state["deadline"] = task[0], time.monotonic() + timeout
        try:
            conn.send(task)
        except OSError:
            pass                  # the worker is dead: its sentinel says so, and it fails
        return True

    def retire(conn: Any) -> None:
        state = workers.pop(conn)
        try:
            conn.send(None)
        except OSError:
            pass
        conn.close()
        state["process"].join(timeout=5)
        if state["process"].is_alive():
            state["process"].kill()
            state["process"].join()

    def bury(conn: Any) -> None:
        state = workers.pop(conn)
        state["process"].kill()
        state["process"].join()
        conn.close()

    try:
        for _ in range(min(jobs, len(bundles))):
            start()
        for conn in list(workers):
            if not give(conn):
                retire(conn)
        while workers:
            busy = {c: s for c, s in workers.items() if s["task"] is not None}
            sentinels = {s["process"].sentinel: c for c, s in busy.items()}
            left = min(s["deadline"] for s in busy.values()) - time.monotonic()
            ready = wait([*busy, *sentinels], timeout=max(left, 0))
            finished = [c for c in busy if c in ready]
            dead = [sentinels[r] for r in ready if r in sentinels and sentinels[r] not in
                    finished]
            for conn in finished:
                try:
                    name, outcome = conn.recv()
                except (EOFError, OSError):
                    dead.append(conn)
                    continue
                workers[conn]["task"] = None
                yield name, outcome
                if not give(conn):
                    retire(conn)
            now = time.monotonic()
            late = [c for c, s in workers.items() if s["task"] is not None
                    and s["deadline"] <= now and c not in dead]
            for conn in dict.fromkeys(dead + late):
                if conn not in workers:
                    continue
                name, process = workers[conn]["task"], workers[conn]["process"]
                bury(conn)
                if conn in late:
                    reason = (f"took longer than {timeout:g} seconds, so it was stopped; "
                              "assess it alone with `wellled assess` to see why, or raise "
                              "--timeout")
                else:
                    reason = _death(process.exitcode)
                yield name, ("failed", reason)
                if waiting:
                    start()
                    give(next(reversed(workers)))
    finally:
        for conn in list(workers):
            bury(conn)


def _death(exitcode: int | None) -> str:
    """Why a worker stopped, in words."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        how = f"was stopped by {name}"
        if -exitcode == signal.SIGKILL:
            how += " (often the system running out of memory)"
    else:
        how = f"ended unexpectedly (exit status {exitcode})"
    return (f"the process assessing it {how}; assess it alone with `wellled assess` "
            "to see why")


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
        shown = printable(name)
        if self._progress is not None:
            from rich.markup import escape

            self._progress.update(self._task, advance=1, description=escape(shown))
        else:
            word = "assessed" if status == "ok" else "could not be assessed"
            self.echo(f"[{self.count}/{self.total}] {shown}: {word}")

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)


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
    """The direction of travel of one node of one row, or why it cannot be compared."""
    was = row.get("was")
    if was and "problem" in was:
        return "not comparable", was["problem"]
    if was and was.get("framework", {}).get("id") not in (None, row["framework"].get("id")):
        return "not comparable", (f"the earlier result is for framework "
                                  f"{was['framework']['id']}")
    levels = was["levels"] if was else None
    if was is not None and node_id not in levels:
        return "new", f"not in the earlier result, now {range_text(row['levels'].get(node_id))}"
    return travel(levels.get(node_id) if levels else None, row["levels"].get(node_id))


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
    return buffer.getvalue()


def index_view(rows: list[dict[str, Any]], formats: tuple[str, ...],
               warnings: list[str] = ()) -> dict[str, Any]:
    """Plain data for batch_index.html.j2: one cell per provider and node, each with its text."""
    from engine.output.report import node_anchor

    assessed = [r for r in rows if r["status"] == "assessed"]
    columns = summary_columns(assessed)
    scale = assessed[0]["scale"] if assessed else []
    since = any(row["since"] for row in assessed)
    view_rows = []
    for row in assessed:
        labels = _labels(row)
        cells = [_cell(row, column["id"], labels, since, formats, node_anchor)
                 for column in columns]
        provider = {k: printable(str(v)) if v is not None else "" for k, v in
                    row["provider"].items()}
        view_rows.append({"bundle": printable(row["bundle"]), "provider": provider,
                          "date": row["date"], "cells": cells,
                          "coverage": coverage_text(row),
                          "coverage_sort": (row["coverage"][0] / row["coverage"][1]
                                            if row.get("coverage") and row["coverage"][1]
                                            else -1),
                          "concerns": [printable(c) for c in row.get("concerns") or []],
                          "concerns_known": row.get("concerns") is not None,
                          "report": href(row["bundle"], "report.html")
                          if "html" in formats else None})
    return {"rows": view_rows, "columns": columns, "since": since, "scale": scale,
            "failed": [(printable(r["bundle"]), printable(r["reason"]))
                       for r in rows if r["status"] == "failed"],
            "skipped": [(printable(r["bundle"]), r["reason"])
                        for r in rows if r["status"] == "skipped"],
            "warnings": list(warnings),
            "framework": assessed[0]["framework"] if assessed else None}


def _cell(row, node_id, labels, since, formats, node_anchor) -> dict[str, Any]:
    entry = row["levels"].get(node_id)
    low, high, status = entry if entry else (None, None, "absent")
    cell = {"digits": level_range(low, high), "words": node_words(entry, labels),
            "level": low, "ranged": low is not None and high not in (None, low),
            "sort": -1 if low is None else low * 10 + (high or low),
            "link": (href(row["bundle"], "report.html") + "#" + node_anchor(node_id)
                     if "html" in formats else None)}
    if since:
        cell["change"], cell["change_text"] = row_travel(row, node_id)
    return cell


def index_script() -> str:
    """The index page's one script (table sorting), exactly as the page carries it."""
    from engine.resources import data_dir

    return (data_dir("reports") / "batch_index.js").read_text(encoding="utf-8")


def write_summary(rows: list[dict[str, Any]], out: Path, formats: tuple[str, ...],
                  options: AssessOptions, warnings: list[str] = ()) -> None:
    """Write out/summary.csv, out/summary.xlsx and out/index.html, each atomically."""
    from markupsafe import Markup

    from engine.output.report import stream_template
    from engine.output.safe import content_security_policy
    from engine.output.write import atomic_write

    since = any(row.get("since") for row in rows)
    script = index_script()
    atomic_write(out / "summary.csv", summary_csv(rows, since))
    from engine.output.xlsx import write_summary_xlsx   # the spreadsheet beside the CSV

    write_summary_xlsx([row for row in rows if row["status"] == "assessed"], out)
    atomic_write(out / "index.html", stream_template(
        "batch_index.html.j2", "html", batch=index_view(rows, formats, warnings),
        options=options, script=Markup(script), csp=content_security_policy([script])))
