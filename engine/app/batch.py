"""Batch runs: every bundle under a folder, assessed in worker processes, then a summary.

Every folder under ROOT is accounted for: a bundle is assessed (or fails, with its reason);
a folder that is not a bundle is listed as skipped, with why. Each bundle is assessed in a
worker process that compiled the criteria once (inherited from this process where the system
forks). A worker that dies (the out-of-memory killer, a crash) or runs past ``timeout``
fails only the bundle it held: it is replaced and the batch carries on. A worker hands back
only the few values the summary needs, never the whole result, so memory stays flat however
many bundles there are. Then ``summary.csv``, ``summary.xlsx`` and ``index.html`` are
written across them (their text is made by ``engine/output/summary.py``).

With ``since`` (an earlier batch's output folder), each bundle is compared with its earlier
result exactly as ``assess --since`` does (``engine/output/compare.py``: ``load_previous``,
then ``result["since"] = compare(previous, result)``), so its reports show what changed, and
the summary shows each statement's change in the same words.

>>> summary = run_batch(Path("examples/bundles"), Path("criteria/cqc_well_led"),
...                     Path("wellled-out"), jobs=2, formats=("json", "html"),
...                     options=AssessOptions(), since=None, progress=False,
...                     echo=print)                       # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.app.workers import Progress, run_in_workers
from engine.errors import BundleError, UsageError, WellledError
from engine.evidence.bundle import MANIFEST_NAMES
from engine.options import AssessOptions
from engine.output.compare import compare, load_previous, read_json_safely
from engine.output.summary import (
    index_script,
    index_view,
    summary_csv_lines,
    summary_levels,
    summary_row,
)
from engine.words import plural, printable

DEFAULT_TIMEOUT = 600.0          # seconds per bundle: ample for any real bundle
# Names batch writes at the top of OUT: a bundle folder with one of these names would clash.
_RESERVED = ("summary.csv", "summary.xlsx", "index.html")


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
_RELEASE: Any = None                 # this worker's CacheRelease (engine/app/write.py)


def _compile(criteria_path: Path) -> None:
    """Compile the criteria for the bundles this process assesses (always afresh)."""
    global _CRITERIA, _CRITERIA_PATH
    from engine.app.assess import load_criteria  # lazy: start-up

    _CRITERIA = load_criteria(criteria_path)
    _CRITERIA_PATH = criteria_path


def _init_worker(criteria_path: Path) -> None:
    """A worker's start: the criteria, compiled once for every bundle it assesses.

    A worker forked from the batch's process already holds the set that process has
    just compiled (to fail early on criteria errors), and uses it as it is; a spawned
    worker compiles its own.
    """
    global _RELEASE
    from engine.app.write import CacheRelease  # lazy: start-up

    if _CRITERIA is None or _CRITERIA_PATH != criteria_path:
        _compile(criteria_path)
    _RELEASE = CacheRelease()


def _earlier(since: Path | None, name: str) -> tuple[dict[str, Any] | None, str | None]:
    """(the earlier result of bundle ``name`` in ``since``, or None; why it cannot be read,
    or None). Both None when there is no earlier result for it."""
    if since is None:
        return None, None
    path = since / name / "result.json"
    if not os.path.lexists(path):
        return None, None
    try:
        return load_previous(path), None
    except UsageError as err:
        return None, str(err)


def _was(previous: dict[str, Any] | None, problem: str | None) -> dict[str, Any] | None:
    """What a summary row keeps of the earlier result: its levels and criteria, or why it
    could not be compared (with its criteria when they could be read)."""
    if previous is None:
        return {"problem": problem} if problem else None
    framework = previous["framework"]
    kept = {"framework": {k: framework.get(k) for k in ("id", "version", "criteria_sha256")}}
    if problem:
        return {**kept, "problem": problem}
    return {**kept, "levels": summary_levels(previous)}


def assess_one(name: str, bundle: Path, out: Path, formats: tuple[str, ...],
               options: AssessOptions,
               since: Path | None) -> tuple[str, dict[str, Any] | str]:
    """Assess one bundle and write its outputs: ("ok", summary row) or ("failed", message)."""
    from engine.app.assess import assess_bundle, write_outputs  # lazy: start-up

    # read before writing: --since may be OUT itself
    previous, problem = _earlier(since, name)
    try:
        result = assess_bundle(_CRITERIA, bundle, options)
        if previous is not None:
            try:
                result["since"] = compare(previous, result)
            except UsageError as err:         # other criteria: this bundle is not compared
                problem = str(err)
        written = write_outputs(result, out / name, formats, options,
                                tidy=False)           # tidied at the start
        if _RELEASE is not None:
            _RELEASE.written(written)
    except BundleError as err:
        return "failed", "; ".join(err.problems) or str(err)
    except WellledError as err:
        return "failed", str(err)
    except Exception as err:  # noqa: BLE001 - one bundle's bug must not stop the batch
        return "failed", f"internal error ({type(err).__name__}: {err}); please report it"
    return "ok", summary_row(name, result, _was(previous, problem), since is not None)


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
    _tidy(out, bundles)
    with SpilledRows() as rows:
        with Progress(len(bundles), progress, echo) as report:
            for name, reason in clashes.items():
                rows.append(_failed_row(name, reason))
                report.advance(name, "failed")
            todo = _without_clashes(bundles, clashes)
            for name, (status, payload) in _outcomes(todo, criteria_path, out, jobs, formats,
                                                     options, since, timeout):
                if status == "ok":
                    rows.append(payload)  # type: ignore[arg-type]
                else:
                    rows.append(_failed_row(name, payload))  # type: ignore[arg-type]
                    _mark_failed(out / name, payload)     # type: ignore[arg-type]
                report.advance(name, status)
        for name, reason in skipped:
            rows.append({"bundle": name, "status": "skipped", "reason": reason})
        warnings += _since_warnings(rows, since)
        for warning in warnings:
            echo(f"warning: {warning}")
        write_summary(rows, out, formats, options, warnings)
        failed = [(r["bundle"], r["reason"]) for r in rows if r["status"] == "failed"]
        done = sum(r["status"] == "assessed" for r in rows)
    return BatchSummary(done=done, failed=failed, out=out, skipped=skipped, warnings=warnings)


class SpilledRows:
    """A batch's summary rows, in a temporary file as they come (one JSON document each),
    with only each row's bundle name and place in memory, so the batch's memory stays flat
    however many bundles it holds. Going through it gives the rows sorted by bundle name
    (two of one name in the order they came), as often as needed.

    >>> with SpilledRows() as rows:
    ...     rows.append({"bundle": "b", "status": "failed"})
    ...     rows.append({"bundle": "a", "status": "skipped"})
    ...     [row["bundle"] for row in rows]
    ['a', 'b']
    """

    def __init__(self) -> None:
        import tempfile  # lazy: start-up

        self._file = tempfile.TemporaryFile()
        self._index: list[tuple[str, int, int, int]] = []   # (bundle, arrival, offset, size)

    def append(self, row: dict[str, Any]) -> None:
        import orjson  # lazy: start-up

        data = orjson.dumps(row)
        offset = self._file.seek(0, os.SEEK_END)
        self._file.write(data)
        self._index.append((row["bundle"], len(self._index), offset, len(data)))

    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        import orjson  # lazy: start-up

        self._file.flush()
        fd = self._file.fileno()
        for _, _, offset, size in sorted(self._index):
            # read at a place, without moving the file's position: a second process writing
            # summary.xlsx goes through the same rows at the same time (write_summary)
            yield orjson.loads(os.pread(fd, size, offset))

    def __enter__(self) -> SpilledRows:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._file.close()


def _tidy(out: Path, bundles: list[tuple[str, Path]]) -> None:
    """Remove what killed runs left beside the bundles' output folders, once for the batch
    (each bundle's own write then skips that scan of its whole folder)."""
    from engine.app.write import clear_leftovers  # lazy: start-up

    for parent in sorted({(out / name).parent for name, _ in bundles}):
        clear_leftovers(parent)


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
    from engine.app.write import write_set  # lazy: start-up

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


def _since_warnings(rows: Iterable[dict[str, Any]], since: Path | None) -> list[str]:
    if since is None:
        return []
    assessed, compared, other, now = 0, 0, set(), None
    for row in rows:
        if row["status"] != "assessed":
            continue
        assessed += 1
        now = now or row["framework"]
        compared += row["was"] is not None
        if row["was"] and "framework" in row["was"] and row["was"]["framework"] != {
                k: row["framework"].get(k) for k in ("id", "version", "criteria_sha256")}:
            other.add(row["was"]["framework"].get("version") or "?")
    warnings = []
    if assessed and not compared:
        warnings.append(f"none of the {plural(assessed, 'bundle')} has an earlier result "
                        f"in {printable(str(since))}: the folder names must match those of the "
                        "earlier run")
    if other:
        warnings.append(f"some earlier results were made with other criteria (version "
                        f"{', '.join(sorted(other))}; this run: version {now.get('version')}, "
                        f"criteria {str(now.get('criteria_sha256'))[:12]}): a change may come "
                        "from the criteria rather than the provider, so those of another "
                        "version are not compared")
    return warnings


def _outcomes(bundles, criteria_path, out, jobs, formats, options, since, timeout):
    """(name, outcome) per bundle as each finishes, each assessed in a worker process."""
    return run_in_workers(bundles, jobs=jobs, timeout=timeout, setup=_init_worker,
                          setup_args=(criteria_path,), task=assess_one,
                          task_args=(out, formats, options, since))


# ---------------------------------------------------------------- summary.csv and index.html


def write_summary(rows: list[dict[str, Any]], out: Path, formats: tuple[str, ...],
                  options: AssessOptions, warnings: list[str] = ()) -> None:
    """Write out/summary.csv, out/summary.xlsx and out/index.html, each atomically and
    streamed: ``rows`` (a list, or ``SpilledRows``) is gone through a few times, one row at a
    time. Where the system forks, summary.xlsx is written by a second process meanwhile (the
    batch's cores are free by now): the summary of 1,000 bundles takes 0.25 s instead of 0.42.
    """
    from markupsafe import Markup  # lazy: start-up

    from engine.app.write import atomic_write  # lazy: start-up
    from engine.output.report import stream_template  # lazy: start-up
    from engine.output.safe import content_security_policy  # lazy: start-up

    with _Beside(out / "summary.xlsx", _write_workbook, rows, out):
        since = any(row.get("since") for row in rows)
        script = index_script()
        atomic_write(out / "summary.csv", summary_csv_lines(rows, since))
        atomic_write(out / "index.html", stream_template(
            "batch_index.html.j2", "html", batch=index_view(rows, formats, warnings),
            options=options, script=Markup(script), csp=content_security_policy([script])))


def _write_workbook(rows: Iterable[dict[str, Any]], out: Path) -> None:
    from engine.app.write import atomic_write  # lazy: start-up
    from engine.output.summary import summary_columns  # lazy: start-up
    from engine.output.xlsx import summary_workbook  # lazy: start-up

    assessed = _Assessed(rows)
    atomic_write(out / "summary.xlsx", summary_workbook(assessed, summary_columns(assessed)))


class _Beside:
    """``work(*args)``, which writes ``path``, in a forked process while the ``with`` block
    runs in this one; at the end of the block it is waited for, and its error (a
    ``WellledError``'s words) raised here as an ``OutputError``. Where the system cannot
    fork, ``work`` runs here first."""

    def __init__(self, path: Path, work: Callable[..., None], *args: Any):
        self._path, self._work, self._args = path, work, args
        self._process: Any = None

    def __enter__(self) -> _Beside:
        import multiprocessing  # lazy: start-up

        if "fork" not in multiprocessing.get_all_start_methods():
            self._work(*self._args)
            return self
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe(duplex=False)
        self._process = context.Process(target=_beside, args=(child, self._work, self._args),
                                        daemon=True)
        self._process.start()
        child.close()
        return self

    def __exit__(self, kind: Any, *exc: Any) -> None:
        from engine.errors import OutputError  # lazy: start-up

        if self._process is None:
            return
        try:
            if kind is not None:              # this process failed or was interrupted
                self._process.kill()
                return
            try:
                problem = self._conn.recv()
            except EOFError:
                self._process.join()
                problem = (f"{printable(str(self._path))}: the process writing it ended "
                           f"unexpectedly (exit status {self._process.exitcode}), so it was "
                           "not written; run the batch again")
            if problem:
                raise OutputError(problem)
        finally:
            self._process.join()
            self._conn.close()


def _beside(conn: Any, work: Callable[..., None], args: tuple) -> None:
    import signal  # lazy: start-up

    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C is the batch's to handle
    try:
        work(*args)
        conn.send(None)
    except WellledError as err:
        conn.send(str(err))
    except Exception as err:  # noqa: BLE001 - said in the batch's own process
        conn.send(f"internal error ({type(err).__name__}: {err}); please report it")


class _Assessed:
    """The assessed rows of ``rows``, as often as they are gone through."""

    def __init__(self, rows: Iterable[dict[str, Any]]):
        self._rows = rows

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (row for row in self._rows if row["status"] == "assessed")
