"""Judging one criterion: applies -> lets -> ladder -> caps -> status -> advice.

The rules are the spec's "Judging a criterion", each in one small function.

>>> ladder({2: True, 4: "unknown"})
(2, 4)
"""

from __future__ import annotations

from typing import Any

from engine.judge.values import UNKNOWN


def ladder(outcomes: dict[int, Any]) -> tuple[int, int]:
    """[low, high] from rung outcomes by level (True, False, or anything else for unknown).

    A level with no rung takes the rung of the nearest level above it; no level
    above the highest rung is reached. low: every rung at or below it true;
    high: none of its rungs false.
    """
    if not outcomes:
        return 1, 1
    highest = max(outcomes)
    low = high = 1
    all_true = True
    for level in range(2, highest + 1):
        effective = outcomes[level] if level in outcomes else \
            outcomes[min(k for k in outcomes if k > level)]
        if effective is False:
            break               # neither end goes past a false rung
        if effective is not True:
            all_true = False    # unknown: the high end may go on, the low end stops
        if all_true:
            low = level
        high = level
    return low, high


def apply_cap(low: int, high: int, level: int, outcome: Any) -> tuple[int, int, str | None]:
    """A cap at ``level``: true caps both ends, unknown caps the low end."""
    if outcome is True:
        new = (min(low, level), min(high, level))
        return new[0], new[1], "both" if new != (low, high) else None
    if outcome is UNKNOWN:
        return min(low, level), high, "low" if level < low else None
    return low, high, None


def status_of(low: int, high: int, known: int, unknown: int) -> str:
    """rated when low = high; else not_assessed if it read values and every one was
    unknown (``known`` and ``unknown`` count the values read), else partial."""
    if low == high:
        return "rated"
    if unknown and not known:
        return "not_assessed"
    return "partial"
