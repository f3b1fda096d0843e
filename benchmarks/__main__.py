"""``python -m benchmarks [--quick] [--only NAME,...] [--keep DIR]``: run the whole harness.

Prints one table of figures and writes the same figures, with the machine
they came from, to ``benchmarks/results/latest.json``. Generation is seeded,
so two runs measure the same work. The full run takes a few minutes on two
cores; ``--quick`` about a minute (smaller sizes, fewer repeats).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import (
    bench_batch,
    bench_bundles,
    bench_criteria,
    bench_diff,
    bench_large,
    bench_pdf,
    bench_rules,
)
from benchmarks.timing import Figure, machine, table

RESULTS = Path(__file__).resolve().parent / "results"

MEASUREMENTS = {
    "criteria": bench_criteria.run,
    "issue2": bench_criteria.issue2,
    "criteria_100k": bench_criteria.large,
    "bundles": bench_bundles.run,
    "large": bench_large.run,
    "rules": bench_rules.run,
    "batch": bench_batch.run,
    "shipped_batch": bench_batch.run_shipped,
    "pdf": bench_pdf.run,
    "diff": bench_diff.run,
}
"""Each measurement by name, in the order they run: (work folder, quick) -> figures."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="about a minute: smaller sizes")
    parser.add_argument("--only", help=f"comma-separated, from: {', '.join(MEASUREMENTS)}")
    parser.add_argument("--keep", help="generate into this folder and keep it")
    parser.add_argument("--out", default=str(RESULTS / "latest.json"),
                        help="where to write the figures as JSON")
    args = parser.parse_args(argv)
    names = list(MEASUREMENTS) if not args.only else [n.strip() for n in args.only.split(",")]
    unknown = [n for n in names if n not in MEASUREMENTS]
    if unknown:
        parser.error(f"unknown measurement {', '.join(unknown)}; "
                     f"choose from {', '.join(MEASUREMENTS)}")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="wellled-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    figures: list[Figure] = []
    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        for name in names:
            print(f"running {name}...", file=sys.stderr, flush=True)
            t0 = time.perf_counter()
            figures += MEASUREMENTS[name](work, args.quick)
            timings[name] = round(time.perf_counter() - t0, 1)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    total = time.perf_counter() - started
    print(table(figures))
    print(f"\nharness: {total:.0f} s ({'quick' if args.quick else 'full'}); "
          + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "machine": machine(),
        "seconds": {"total": round(total, 1), **timings},
        "figures": [f.to_json() for f in figures],
    }, indent=2) + "\n", encoding="utf-8")
    print(f"figures written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
