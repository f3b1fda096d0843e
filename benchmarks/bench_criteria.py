"""Parse + check + compile time of generated criteria sets, and how it grows (issues 2, 7).

Each size is timed three ways: ``check_set`` (read, parse, resolve, graph,
type check against the schemas, lint: what ``wellled check`` runs),
``compile_set`` (closures), and ``load_criteria`` (both, as ``assess``,
``batch`` and ``test`` pay it, with the cyclic GC paused). The growth ratio
is the time at 10x the criteria over the time before: ~10x is linear, more
means something grows faster than the set.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from benchmarks.generate import ensure_set
from benchmarks.timing import Figure, once
from engine.api import load_criteria
from engine.judge.compile import compile_set
from engine.gcpause import gc_paused
from engine.language.check import check_set
from engine.language.parse import parse_text

SECTION = "criteria: parse + check + compile"


def _measure(root: Path) -> tuple[float, float, float]:
    check_s, (checked, diags) = once(lambda: check_set(root))
    if checked is None:
        raise SystemExit(f"generated set at {root} does not check:\n{diags.format()}")
    compile_s, _ = once(lambda: compile_set(checked))
    del checked
    load_s, _ = once(lambda: load_criteria(root))
    return check_s, compile_s, load_s


def run(work: Path, quick: bool) -> list[Figure]:
    sizes = (100, 1000) if quick else (100, 1000, 10_000)
    figures: list[Figure] = []
    totals: dict[int, float] = {}
    for size in sizes:
        root = ensure_set(work, size).root
        repeat = 1 if size >= 10_000 or quick else 3
        runs = [_measure(root) for _ in range(repeat)]
        check_s, compile_s, load_s = (min(r[i] for r in runs) for i in range(3))
        totals[size] = load_s
        best = f"best of {repeat}" if repeat > 1 else "one run"
        figures += [
            Figure(SECTION, f"{size:>6} criteria: check_set (wellled check)", check_s, "s", best),
            Figure(SECTION, f"{size:>6} criteria: compile_set", compile_s, "s", best),
            Figure(SECTION, f"{size:>6} criteria: load_criteria (all three)", load_s, "s",
                   f"{load_s / size * 1e3:.2f} ms per criterion; GC paused"),
        ]
    for small, big in zip(sizes, sizes[1:]):
        figures.append(Figure(SECTION, f"growth {small} -> {big} (10x criteria)",
                              totals[big] / totals[small], "x",
                              "load_criteria; ~10x is linear"))
    return figures


def issue2(work: Path, quick: bool = False) -> list[Figure]:
    """Issue 2: a 1,000-criterion set, parse + check only (what `wellled check` does).

    Also the parse alone both ways: the fast path (Lark's table driven directly,
    ``engine.language.lalr``) and Lark's own parser plus the tree transformer,
    which is what every file took before and what a syntax error still takes.
    """
    root = ensure_set(work, 1000).root
    repeat = 3 if quick else 5
    seconds = min(once(lambda: check_set(root))[0] for _ in range(repeat))
    texts = [(p.read_text(encoding="utf-8"), p.name) for p in sorted(root.rglob("*.crit"))]
    size_kb = sum(len(t.encode("utf-8")) for t, _ in texts) / 1000

    def parse_all(fast: bool) -> float:
        def run() -> list:
            with gc_paused():
                return [parse_text(text, name, fast=fast) for text, name in texts]
        return min(once(run)[0] for _ in range(repeat))

    fast, lark = parse_all(True), parse_all(False)

    def cold() -> None:     # a fresh process, as a policy author runs it
        done = subprocess.run([sys.executable, "-m", "engine", "check", str(root)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"`wellled check {root}` failed:\n{done.stdout}{done.stderr}")

    def bare() -> None:     # the interpreter alone: start-up no command can avoid
        subprocess.run([sys.executable, "-c", "pass"], check=True)

    command = min(once(cold)[0] for _ in range(repeat))
    interpreter = min(once(bare)[0] for _ in range(repeat))
    section = "issue 2: `wellled check` on 1,000 criteria"
    best = f"best of {repeat}"
    return [
        Figure(section, "parse + check (check_set)", seconds, "s",
               f"{best}; target: well under 1 s"),
        Figure(section, f"parse only, fast path ({size_kb:.0f} kB)", fast, "s", best),
        Figure(section, "parse only, Lark parser + transformer", lark, "s", best),
        Figure(section, "fast path speed-up over Lark", lark / fast, "x",
               "same AST and spans: tests/unit/language/test_fast_parse.py"),
        Figure(section, "`wellled check` in a fresh process", command, "s",
               f"{best}; with imports, grammar and meta-schema set-up"),
        Figure(section, "  of which the bare interpreter", interpreter, "s", best),
    ]


def large(work: Path, quick: bool = False) -> list[Figure]:
    """Issue 19: 100,000 criteria checked and loaded, and the growth from 25,000 (4x).

    Wall-clock time on a shared machine swings with its load, so the CPU time of
    this process is given too; linear growth is ~4x for 4x the criteria. The
    quick mode stops at 25,000.
    """
    sizes = (25_000,) if quick else (25_000, 100_000)
    figures: list[Figure] = []
    cpu: dict[int, float] = {}
    for size in sizes:
        root = ensure_set(work, size).root
        started = time.process_time()
        check_s, (checked, diags) = once(lambda: check_set(root))
        check_cpu = time.process_time() - started
        if checked is None:
            raise SystemExit(f"generated set at {root} does not check:\n{diags.format()}")
        del checked, diags
        started = time.process_time()
        load_s, _ = once(lambda: load_criteria(root))
        cpu[size] = time.process_time() - started
        figures += [
            Figure(SECTION, f"{size:>7} criteria: check_set (wellled check)", check_s, "s",
                   f"{check_cpu:.1f} s CPU; {check_s / size * 1e3:.2f} ms per criterion"),
            Figure(SECTION, f"{size:>7} criteria: load_criteria", load_s, "s",
                   f"{cpu[size]:.1f} s CPU; {load_s / size * 1e3:.2f} ms per criterion"),
        ]
    if len(sizes) == 2:
        figures.append(Figure(SECTION, "growth 25000 -> 100000 (4x criteria, CPU)",
                              cpu[100_000] / cpu[25_000], "x", "load_criteria; ~4x is linear"))
    for figure in figures:
        print(f"{figure.name}: {figure.value:.2f} {figure.unit} ({figure.note})",
              file=sys.stderr, flush=True)
    return figures
