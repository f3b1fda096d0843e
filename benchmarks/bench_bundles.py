"""Per-bundle time: load + validate + evaluate, against the JSON/YAML parsing floor (issue 7).

For each criteria set, every bundle is timed in phases, best of two passes
(one for the 10,000-criterion set):
- *parse floor*: ``json.loads`` / libyaml's ``CSafeLoader`` over the bundle's
  files, nothing else: the least any engine must spend reading them;
- *load + validate*: ``load_bundle`` (safe reader, refusals, JSON Schema);
- *evaluate*: ``assess`` (every criterion, aggregation, trace, result document);
- *render*: ``result.json`` text, ``report.html`` and ``report.md`` (not in the ratio).

The ratio is (load + validate + evaluate) over the parse floor; the target
is within 5x.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from benchmarks.generate import ensure_set, write_bundles
from benchmarks.timing import Figure, load_once, once
from engine.api import AssessOptions
from engine.evidence.bundle import load_bundle
from engine.output.results import assess
from engine.output.board import board
from engine.output.report import render
from engine.output.results import result_bytes

SHIPPED = Path(__file__).resolve().parent.parent / "criteria" / "cqc_well_led"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "bundles"
OPTIONS = AssessOptions()


def bundle_files(folder: Path) -> list[Path]:
    """The JSON and YAML files of a bundle, dot names skipped, as the loader reads them."""
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and p.suffix in (".json", ".yaml", ".yml")
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def parse_floor(files: list[Path]) -> None:
    """Read and parse every file with the fastest plain parsers; no checks, no validation."""
    for path in files:
        raw = path.read_bytes()
        if path.suffix == ".json":
            json.loads(raw)
        else:
            yaml.load(raw, Loader=yaml.CSafeLoader)


def _render(result: dict) -> None:
    """The three formats as ``write_outputs`` makes them: result.json's bytes, then one board
    view shared by report.html and report.md."""
    view = board(result)
    result_bytes(result), render(result, "html", OPTIONS, view=view)
    render(result, "md", OPTIONS, view=view)


def _phases(criteria, bundles: list[Path], passes: int = 2) -> dict[str, float]:
    files = {b: bundle_files(b) for b in bundles}
    best: dict[str, float] = {}
    for _ in range(passes):
        took = {"floor": 0.0, "load": 0.0, "evaluate": 0.0, "render": 0.0}
        for b in bundles:
            took["floor"] += once(lambda b=b: parse_floor(files[b]))[0]
            seconds, loaded = once(lambda b=b: load_bundle(b, criteria.schemas))
            took["load"] += seconds
            seconds, result = once(lambda loaded=loaded: assess(criteria, loaded, OPTIONS))
            took["evaluate"] += seconds
            took["render"] += once(lambda result=result: _render(result))[0]
        for key, value in took.items():
            best[key] = min(best.get(key, value), value / len(bundles))
    best["bytes"] = sum(p.stat().st_size for fs in files.values() for p in fs) / len(bundles)
    best["files"] = sum(len(fs) for fs in files.values()) / len(bundles)
    return best


def _figures(label: str, criteria_count: int, bundles: int, p: dict[str, float]
             ) -> list[Figure]:
    section = f"per bundle: {label}"
    full = p["load"] + p["evaluate"]
    return [
        Figure(section, "bundles timed", bundles, "count",
               f"{criteria_count} criteria, {p['files']:.0f} files, {p['bytes'] / 1e3:.0f} kB "
               "per bundle"),
        Figure(section, "parse floor (json/CSafeLoader)", p["floor"], "s"),
        Figure(section, "load + validate", p["load"], "s"),
        Figure(section, "evaluate (assess -> result dict)", p["evaluate"], "s"),
        Figure(section, "load + validate + evaluate", full, "s"),
        Figure(section, "ratio to parse floor", full / p["floor"], "x", "target <= 5x"),
        Figure(section, "render json + html + md", p["render"], "s", "not in the ratio"),
    ]


def run(work: Path, quick: bool) -> list[Figure]:
    figures: list[Figure] = []
    shipped = load_once(SHIPPED)
    examples = sorted(p for p in EXAMPLES.iterdir() if (p / "bundle.yaml").is_file()
                      or (p / "bundle.json").is_file()) if EXAMPLES.is_dir() else []
    usable = []
    for b in examples:
        try:
            load_bundle(b, shipped.schemas)
            usable.append(b)
        except Exception:  # noqa: BLE001 - an example still being written is left out
            continue
    if usable:
        figures += _figures(f"shipped cqc_well_led x examples/bundles "
                            f"({', '.join(b.name for b in usable)})",
                            sum(1 for n in shipped.nodes.values() if n.kind == "criterion"),
                            len(usable), _phases(shipped, usable, passes=1 if quick else 2))
    sizes = ((100, 5), (1000, 2)) if quick else ((100, 20), (1000, 5), (10_000, 1))
    for size, count in sizes:
        spec = ensure_set(work, size)
        criteria = load_once(spec.root)
        bundles = write_bundles(work / f"bundles_{size}", spec, count)
        figures += _figures(f"generated, {size} criteria", size, count,
                            _phases(criteria, bundles, passes=1 if quick or size >= 10_000 else 2))
    return figures
