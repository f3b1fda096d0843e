"""Batch throughput and peak memory: ``run_batch`` over generated bundles (issues 5, 7).

Each configuration (bundles, jobs) runs in a fresh Python process
(``python -m benchmarks.bench_batch SET ROOT OUT JOBS``), so that the peak
memory figures (``getrusage`` maxrss of the process itself and of its worker
processes) belong to that run alone. Every run writes all three formats
(json, html, md) for every bundle, and ``summary.csv`` and ``index.html``.
Memory is flat when the peak for 1,000 bundles is about the peak for 100.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.generate import ensure_set, write_bundles
from benchmarks.timing import Figure, maxrss_mb

SECTION = "batch: run_batch, json + html + md, generated 100-criterion set"


def _child(set_root: str, bundles: str, out: str, jobs: str) -> None:
    """Run one batch in this process and print its figures as JSON on stdout."""
    from engine.api import AssessOptions
    from engine.app.batch import run_batch

    start = time.perf_counter()
    summary = run_batch(Path(bundles), Path(set_root), Path(out), jobs=int(jobs),
                        formats=("json", "html", "md"), options=AssessOptions(), since=None,
                        progress=False, echo=lambda text: None)
    seconds = time.perf_counter() - start
    own, workers = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                        resource.RUSAGE_CHILDREN))
    print(json.dumps({"seconds": seconds, "done": summary.done, "failed": len(summary.failed),
                      "self_mb": maxrss_mb(resource.RUSAGE_SELF),
                      "children_mb": maxrss_mb(resource.RUSAGE_CHILDREN),
                      "self_cpu": own.ru_utime + own.ru_stime,
                      "children_cpu": workers.ru_utime + workers.ru_stime}))


def _measure(set_root: Path, bundles: Path, out: Path, jobs: int) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_batch", str(set_root),
                           str(bundles), str(out), str(jobs)],
                          capture_output=True, text=True, check=False,
                          cwd=Path(__file__).resolve().parent.parent)
    if done.returncode != 0:
        raise SystemExit(f"batch run failed:\n{done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    shutil.rmtree(out, ignore_errors=True)
    return figures


SHIPPED = "batch: run_batch, json + html + md, shipped cqc_well_led over copies of the example trusts"
ROOT = Path(__file__).resolve().parent.parent


def write_shipped_bundles(root: Path, count: int) -> Path:
    """``count`` bundles for the shipped framework: the four example trusts in turn, each
    copy with its own provider id and name, so a regulator's batch is what is timed."""
    examples = sorted(p for p in (ROOT / "examples" / "bundles").iterdir() if p.is_dir())
    for i in range(count):
        source = examples[i % len(examples)]
        target = root / f"{source.name}_{i:05d}"
        shutil.copytree(source, target)
        manifest = target / "bundle.yaml"
        text = manifest.read_text(encoding="utf-8")
        manifest.write_text(text.replace("  id: ", f"  id: X{i:05d}", 1), encoding="utf-8")
    return root


def run_shipped(work: Path, quick: bool) -> list[Figure]:
    """The shipped framework, as regulators run it, over 100 / 500 / 1,000 bundles."""
    configs = ((50, 2),) if quick else ((100, 2), (500, 2), (1000, 2), (1000, 1))
    figures: list[Figure] = []
    peaks: dict[int, float] = {}
    for count, jobs in configs:
        bundles = work / f"shipped_{count}"
        if not bundles.exists():
            write_shipped_bundles(bundles, count)
        r = _measure(ROOT / "criteria" / "cqc_well_led", bundles, work / "batch_out", jobs)
        if r["done"] != count or r["failed"]:
            raise SystemExit(f"shipped batch of {count}: {r['done']} done, {r['failed']} failed")
        peak = max(r["self_mb"], r["children_mb"])
        if jobs == 2:
            peaks[count] = peak
        label = f"{count:>5} bundles, --jobs {jobs}"
        figures += [
            Figure(SHIPPED, f"{label}: throughput", count / r["seconds"], "bundles/s",
                   "target >= 100 with --jobs 2" if jobs == 2 else ""),
            Figure(SHIPPED, f"{label}: CPU per bundle, workers", r["children_cpu"] / count,
                   "s", "user + system time of the worker processes"),
            Figure(SHIPPED, f"{label}: CPU, the batch's own process", r["self_cpu"], "s",
                   "compiling, handing out bundles, the summary"),
            Figure(SHIPPED, f"{label}: peak RSS", peak, "MB"),
        ]
    if 100 in peaks and 1000 in peaks:
        figures.append(Figure(SHIPPED, "peak RSS 1000 / 100 bundles, --jobs 2",
                              peaks[1000] / peaks[100], "x", "~1x is flat"))
    return figures


def run(work: Path, quick: bool) -> list[Figure]:
    spec = ensure_set(work, 100)
    configs = ((25, 1), (25, 2), (50, 2)) if quick else \
        ((100, 1), (100, 2), (1000, 1), (1000, 2), (500, 2))
    roots: dict[int, Path] = {}
    for count in sorted({c for c, _ in configs}):
        roots[count] = work / f"batch_{count}"
        if not roots[count].exists():
            write_bundles(roots[count], spec, count)
    figures: list[Figure] = []
    peaks: dict[tuple[int, int], float] = {}
    for count, jobs in configs:
        r = _measure(spec.root, roots[count], work / "batch_out", jobs)
        if r["done"] != count or r["failed"]:
            raise SystemExit(f"batch of {count}: {r['done']} done, {r['failed']} failed")
        peak = max(r["self_mb"], r["children_mb"])
        peaks[(count, jobs)] = peak
        label = f"{count:>5} bundles, --jobs {jobs}"
        figures += [
            Figure(SECTION, f"{label}: wall time", r["seconds"], "s"),
            Figure(SECTION, f"{label}: throughput", count / r["seconds"], "bundles/s"),
            Figure(SECTION, f"{label}: peak RSS", peak, "MB",
                   f"main {r['self_mb']:.0f} MB, largest worker {r['children_mb']:.0f} MB"
                   if jobs > 1 else "one process"),
        ]
    sizes = sorted({c for c, _ in configs})
    for jobs in (1, 2):
        small, big = (sizes[0], jobs), (sizes[-1], jobs)
        if small in peaks and big in peaks and small != big:
            figures.append(Figure(SECTION, f"peak RSS {big[0]} / {small[0]} bundles, --jobs {jobs}",
                                  peaks[big] / peaks[small], "x", "~1x is flat"))
    return figures


if __name__ == "__main__":
    _child(*sys.argv[1:5])
