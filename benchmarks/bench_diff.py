"""``wellled diff`` over generated bundles, beside ``batch`` over the same bundles (issue 17).

Each run is a fresh Python process (``python -m benchmarks.bench_diff OLD NEW ROOT OUT
JOBS``), as in bench_batch. The new version is the generated 100-criterion set with one
threshold raised. ``diff`` assesses every bundle under both versions and writes diff.md,
diff.html and diff.json; batch assesses once and writes json + html + md per bundle. The
target: diff's throughput per version (2 x bundles / seconds) at least batch's.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_batch import _measure as measure_batch
from benchmarks.generate import ensure_set, write_bundles
from benchmarks.timing import Figure

SECTION = "diff: run_diff over generated bundles, both versions, md + html + json"
ROOT = Path(__file__).resolve().parent.parent


def _child(old: str, new: str, bundles: str, out: str, jobs: str) -> None:
    """Run one diff in this process and print its figures as JSON on stdout."""
    from engine.api import AssessOptions
    from engine.app.diff import run_diff, write_diff

    start = time.perf_counter()
    doc = run_diff(Path(old), Path(new), Path(bundles), jobs=int(jobs), options=AssessOptions(),
                   progress=False, echo=lambda text: None)
    write_diff(doc, Path(out), ("md", "html", "json"))
    seconds = time.perf_counter() - start
    results = doc["results"]
    print(json.dumps({"seconds": seconds, "bundles": results["bundles"],
                      "moved": results["moved"],
                      "failed": len(results["failing"]["both"])}))


def changed_copy(old: Path, new: Path) -> Path:
    """``old`` with the first `>= N` threshold of a rung raised by 5."""
    if not new.exists():
        shutil.copytree(old, new)
        for path in sorted((new / "statements").glob("*.crit")):
            text = path.read_text(encoding="utf-8")
            raised, count = re.subn(r"(level 3 when [a-z0-9_.]+ >= )(\d+)",
                                    lambda m: m.group(1) + str(int(m.group(2)) + 5), text,
                                    count=1)
            if count:
                path.write_text(raised, encoding="utf-8")
                break
    return new


def _measure(old: Path, new: Path, bundles: Path, out: Path, jobs: int) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_diff", str(old), str(new),
                           str(bundles), str(out), str(jobs)],
                          capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"diff run failed:\n{done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    shutil.rmtree(out, ignore_errors=True)
    return figures


def run(work: Path, quick: bool) -> list[Figure]:
    spec = ensure_set(work, 100)
    new = changed_copy(spec.root, work / "set_100_raised")
    count, jobs = (100, 2) if quick else (1000, 2)
    bundles = work / f"batch_{count}"
    if not bundles.exists():
        write_bundles(bundles, spec, count)
    d = _measure(spec.root, new, bundles, work / "diff_out", jobs)
    if d["bundles"] != count or d["failed"]:
        raise SystemExit(f"diff of {count}: {d['bundles']} compared, {d['failed']} failed")
    b = measure_batch(spec.root, bundles, work / "batch_out", jobs)
    per_version = 2 * count / d["seconds"]
    batch = count / b["seconds"]
    label = f"{count:>5} bundles, --jobs {jobs}"
    return [
        Figure(SECTION, f"{label}: wall time", d["seconds"], "s",
               f"{d['moved']} bundles move"),
        Figure(SECTION, f"{label}: bundles compared", count / d["seconds"], "bundles/s",
               "each assessed under both versions"),
        Figure(SECTION, f"{label}: per version", per_version, "bundles/s"),
        Figure(SECTION, f"{label}: batch, same bundles", batch, "bundles/s",
               "json + html + md per bundle"),
        Figure(SECTION, "diff per version / batch", per_version / batch, "x",
               "target >= 1x"),
    ]


if __name__ == "__main__":
    _child(*sys.argv[1:6])
