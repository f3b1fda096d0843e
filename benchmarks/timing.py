"""Small timing helpers and the figures table: what every measurement module shares.

A measurement returns ``Figure`` rows; ``__main__`` prints them as one table
and writes them to ``benchmarks/results/latest.json``.
"""

from __future__ import annotations

import gc
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One measured figure: its section, what it is, the value and unit, and a note."""

    section: str
    name: str
    value: float
    unit: str
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def once(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds ``fn()`` took (wall clock), and what it returned; collected garbage first."""
    gc.collect()
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    """The fastest of ``repeat`` runs of ``fn()``, in seconds: the least disturbed one."""
    return min(once(fn)[0] for _ in range(max(1, repeat)))


def per_call(fn: Callable[[], Any], budget: float = 0.2, repeat: int = 5) -> float:
    """Seconds per call of a fast ``fn``: loops sized to ``budget`` seconds, best of ``repeat``."""
    loops, elapsed = 1, 0.0
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= budget / 10 or loops >= 1 << 24:
            break
        loops *= 4
    loops = max(1, int(loops * (budget / repeat) / max(elapsed, 1e-9)))
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        times.append((time.perf_counter() - start) / loops)
    return min(times)


def maxrss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory of this process (or of its waited-for children), in MB.

    On Linux a process's own ``ru_maxrss`` survives ``exec``: a process started
    by a big parent reports the parent's peak. So for ``RUSAGE_SELF`` the
    kernel's per-address-space high-water mark (``VmHWM``) is used when there.
    """
    if who == resource.RUSAGE_SELF:
        try:
            with open("/proc/self/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
    kb = resource.getrusage(who).ru_maxrss
    return kb / (1024 * 1024) if sys.platform == "darwin" else kb / 1024


def machine() -> dict[str, Any]:
    """The machine the figures came from: cores, memory, Python, platform."""
    memory = None
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "memory_gb": memory,
            "python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "processor": platform.machine()}


def show(value: float, unit: str) -> str:
    """A figure as text with sensible precision: 0.0123 s -> ``12.3 ms``."""
    if unit == "s":
        if value < 1e-6:
            return f"{value * 1e9:.0f} ns"
        if value < 1e-3:
            return f"{value * 1e6:.2f} µs"
        if value < 1:
            return f"{value * 1e3:.1f} ms"
        return f"{value:.2f} s"
    if unit == "x":
        return f"{value:.2f}x"
    if unit in ("MB", "bundles/s", "MB/s"):
        return f"{value:.1f} {unit}"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:g} {unit}"


def table(figures: list[Figure]) -> str:
    """The figures as a plain-text table, grouped by section."""
    width = max((len(f.name) for f in figures), default=10)
    lines = []
    section = None
    for f in figures:
        if f.section != section:
            section = f.section
            lines.append("")
            lines.append(f"== {section}")
        note = f"  ({f.note})" if f.note else ""
        lines.append(f"  {f.name:<{width}}  {show(f.value, f.unit):>14}{note}")
    return "\n".join(lines).lstrip("\n")


_LOADED: dict[str, Any] = {}


def load_once(root) -> Any:
    """``engine.api.load_criteria(root)``, once per folder in this process (sets are immutable)."""
    from engine.api import load_criteria

    key = str(root)
    if key not in _LOADED:
        _LOADED[key] = load_criteria(root)
    return _LOADED[key]
