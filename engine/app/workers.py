"""Bundles run in worker processes, and progress shown while they run: shared by ``batch``
and ``diff``.

``run_in_workers`` keeps ``jobs`` processes busy, each set up once (the criteria compiled,
or inherited from the parent where the system forks). Each worker is sent its next
bundle before it has finished the one it holds (``IN_FLIGHT`` bundles each), so it never
waits for the parent between two bundles; it works on them strictly in turn, so the one it
holds is always known. When a worker dies (``kill -9``, the out-of-memory killer) or runs
past ``timeout`` seconds on one bundle, exactly that bundle fails with the reason in words;
the bundles queued behind it go back to the queue, a new worker takes over and the rest
carry on.

``Progress`` shows how far a run has got: a bar on a terminal, one plain line per bundle
elsewhere.
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from engine.words import printable

# Bundles sent to one worker at a time: the one it works on and the next, so it starts the
# next as soon as it sends a result back. Two are enough to hide the round trip.
IN_FLIGHT = 2

# A worker's young-object threshold for the cyclic garbage collector (Python's default is 700).
# Judging and rendering a bundle makes hundreds of thousands of short-lived objects, nearly all
# freed by reference counting, and few cycles: at the default the collector ran about five
# times per bundle and took 2.4 ms of a bundle's 22 ms (shipped set, json + html + md); with
# the set frozen and this threshold it takes about 0.01 ms. Cycles are still collected, only
# less often, so memory stays flat (benchmarks: shipped_batch, 100 -> 1,000 bundles).
WORKER_GC_THRESHOLD = 5000


def _worker(conn: Any, setup: Callable[..., None], setup_args: tuple,
            task: Callable[..., Any], task_args: tuple) -> None:
    """A worker process: ``setup(*setup_args)`` once, then ``task(name, folder, *task_args)``
    for each (name, folder) it is sent, in order, until it is sent None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C is the batch's to handle
    setup(*setup_args)
    # What is alive now (modules, the compiled criteria) lives as long as the worker: keep it
    # out of the collector's walks, and collect young objects less often.
    gc.freeze()
    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])
    while True:
        job = conn.recv()
        if job is None:
            return
        name, folder = job
        conn.send((name, task(name, folder, *task_args)))


def run_in_workers(bundles: list[tuple[str, Path]], *, jobs: int, timeout: float,
                   setup: Callable[..., None], setup_args: tuple, task: Callable[..., Any],
                   task_args: tuple) -> Iterator[tuple[str, Any]]:
    """(name, ``task(name, folder, *task_args)``) per bundle as each finishes, each run in
    one of ``jobs`` worker processes set up once by ``setup(*setup_args)``.

    A bundle whose worker dies or runs past ``timeout`` seconds on it comes back as
    (name, ("failed", reason)); only that bundle fails.
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
        workers[parent] = {"process": process, "held": deque(), "deadline": None}

    def give(conn: Any) -> None:
        """Top the worker up to IN_FLIGHT bundles; the first it holds has its deadline."""
        state = workers[conn]
        while waiting and len(state["held"]) < IN_FLIGHT:
            task = waiting.popleft()
            if not state["held"]:
                state["deadline"] = time.monotonic() + timeout
            state["held"].append(task)
            try:
                conn.send(task)
            except OSError:
                return            # the worker is dead: its sentinel says so, and it fails

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
        """Stop a dead or late worker; the bundles queued behind the one it held go back."""
        state = workers.pop(conn)
        state["process"].kill()
        state["process"].join()
        conn.close()
        queued = list(state["held"])[1:]
        waiting.extendleft(reversed(queued))

    try:
        for _ in range(min(jobs, len(bundles))):
            start()
        for conn in list(workers):
            give(conn)
            if not workers[conn]["held"]:
                retire(conn)
        while workers:
            busy = {c: s for c, s in workers.items() if s["held"]}
            sentinels = {s["process"].sentinel: c for c, s in busy.items()}
            left = min(s["deadline"] for s in busy.values()) - time.monotonic()
            ready = wait([*busy, *sentinels], timeout=max(left, 0))
            finished = [c for c in busy if c in ready]
            dead = [sentinels[r] for r in ready if r in sentinels and sentinels[r] not in
                    finished]
            for conn in finished:
                state = workers[conn]
                while state["held"] and conn.poll():
                    try:
                        name, outcome = conn.recv()
                    except (EOFError, OSError):
                        dead.append(conn)
                        break
                    state["held"].popleft()
                    state["deadline"] = time.monotonic() + timeout
                    yield name, outcome
                if conn in dead:
                    continue
                give(conn)
                if not state["held"]:
                    retire(conn)
            now = time.monotonic()
            late = [c for c, s in workers.items() if s["held"]
                    and s["deadline"] <= now and c not in dead]
            for conn in dict.fromkeys(dead + late):
                if conn not in workers:
                    continue
                state = workers[conn]
                if not state["held"]:          # it ended after its last bundle: no loss
                    bury(conn)
                    continue
                (name, _), process = state["held"][0], state["process"]
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


class Progress:
    """Progress of a run over many bundles: a rich bar on a terminal (``fancy``), else one
    plain line per bundle through ``echo``. Use as a context manager; ``advance`` once per
    bundle with its status ("ok" or anything else for a failure)."""

    def __init__(self, total: int, fancy: bool, echo: Callable[[str], None]):
        self.total, self.fancy, self.echo, self.count = total, fancy, echo, 0
        self._progress = None

    def __enter__(self) -> Progress:
        if self.fancy:
            from rich.console import Console  # lazy: start-up
            from rich.progress import (  # lazy: start-up
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
            )
            from rich.progress import Progress as Bar  # lazy: start-up

            self._progress = Bar(TextColumn("assessing"), BarColumn(),
                                 MofNCompleteColumn(), TextColumn("{task.description}"),
                                 console=Console(stderr=True), transient=True)
            self._progress.__enter__()
            self._task = self._progress.add_task("", total=self.total)
        return self

    def advance(self, name: str, status: str) -> None:
        self.count += 1
        shown = printable(name)
        if self._progress is not None:
            from rich.markup import escape  # lazy: start-up

            self._progress.update(self._task, advance=1, description=escape(shown))
        else:
            word = "assessed" if status == "ok" else "could not be assessed"
            self.echo(f"[{self.count}/{self.total}] {shown}: {word}")

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
