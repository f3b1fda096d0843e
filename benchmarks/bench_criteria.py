"""Parse + check + compile time of generated criteria sets, and how it grows (issues 2, 7).

Each size is timed in two parts: ``check_set`` (read, parse, resolve, graph,
type check against the schemas, lint) and ``compile_set`` (closures). The
growth ratio is the time at 10x the criteria over the time before: ~10x is
linear, more means something grows faster than the set.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.generate import ensure_set
from benchmarks.timing import Figure, once
from engine.judge.compile import compile_set
from engine.language.check import check_set

SECTION = "criteria: parse + check + compile"


def _measure(root: Path) -> tuple[float, float]:
    check_s, (checked, diags) = once(lambda: check_set(root))
    if checked is None:
        raise SystemExit(f"generated set at {root} does not check:\n{diags.format()}")
    compile_s, _ = once(lambda: compile_set(checked))
    return check_s, compile_s


def run(work: Path, quick: bool) -> list[Figure]:
    sizes = (100, 1000) if quick else (100, 1000, 10_000)
    figures: list[Figure] = []
    totals: dict[int, float] = {}
    for size in sizes:
        root = ensure_set(work, size).root
        repeat = 1 if size >= 10_000 or quick else 3
        runs = [_measure(root) for _ in range(repeat)]
        check_s, compile_s = min(runs, key=lambda r: r[0] + r[1])
        totals[size] = check_s + compile_s
        figures += [
            Figure(SECTION, f"{size:>6} criteria: parse + check", check_s, "s",
                   f"best of {repeat}" if repeat > 1 else ""),
            Figure(SECTION, f"{size:>6} criteria: compile", compile_s, "s"),
            Figure(SECTION, f"{size:>6} criteria: total", totals[size], "s",
                   f"{totals[size] / size * 1e3:.2f} ms per criterion"),
        ]
    for small, big in zip(sizes, sizes[1:]):
        figures.append(Figure(SECTION, f"growth {small} -> {big} (10x criteria)",
                              totals[big] / totals[small], "x", "~10x is linear"))
    return figures


def issue2(work: Path) -> list[Figure]:
    """Issue 2: a 1,000-criterion set, parse + check only (what `wellled check` does)."""
    root = ensure_set(work, 1000).root
    seconds = min(once(lambda: check_set(root))[0] for _ in range(3))
    return [Figure("issue 2: `wellled check` on 1,000 criteria", "parse + check", seconds, "s",
                   "best of 3")]
