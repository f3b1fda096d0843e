"""Issue 3: a 20-document, 5 MB bundle: load + validate time, against the parse floor.

The documents are those of the generated 100-criterion set, padded with long
action lists and extra survey questions until the bundle is about 5 MB, a
quarter of them YAML. Evaluating it is timed too (full mode): every criterion
that quantifies over a long list reads every element.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.bench_bundles import OPTIONS, bundle_files, parse_floor
from benchmarks.generate import ensure_set, write_large_bundle
from benchmarks.timing import Figure, load_once, once
from engine.evidence.bundle import load_bundle
from engine.output.results import assess

SECTION = "issue 3: one 20-document, 5 MB bundle"


def run(work: Path, quick: bool) -> list[Figure]:
    spec = ensure_set(work, 100)
    criteria = load_once(spec.root)
    folder = work / "large_bundle"
    if not folder.exists():
        write_large_bundle(folder, spec, documents=20, megabytes=5.0)
    files = bundle_files(folder)
    size = sum(p.stat().st_size for p in files)
    repeat = 1 if quick else 2
    floor = min(once(lambda: parse_floor(files))[0] for _ in range(repeat))
    load = min(once(lambda: load_bundle(folder, criteria.schemas))[0] for _ in range(repeat))
    figures = []
    if not quick:
        loaded = load_bundle(folder, criteria.schemas)
        evaluate, _ = once(lambda: assess(criteria, loaded, OPTIONS))
        figures.append(Figure(SECTION, "evaluate 100 criteria over it", evaluate, "s",
                              "quantifiers read long lists element by element"))
    return [
        Figure(SECTION, "documents / size", len(files) - 1, "count",
               f"{size / 1e6:.1f} MB in {len(files)} files with the manifest"),
        Figure(SECTION, "parse floor (json/CSafeLoader)", floor, "s"),
        Figure(SECTION, "load + validate", load, "s",
               f"{size / 1e6 / load:.1f} MB/s; {load / floor:.1f}x the parse floor"),
    ] + figures
