"""Aggregation methods: pure functions from child levels to a level, with their arithmetic.

Every method is monotone, so a parent's range is the method applied to the
children's lows and to their highs separately.

>>> aggregate_levels("percent", [3, 2, 3, 3], top=4, rounding="nearest",
...                  bands=((2, 39), (3, 63), (4, 88)))
(3, '3 + 2 + 3 + 3 = 11 of 16: 68.8% -> 69% -> band 3 (from 63)')
>>> aggregate_levels("mean", [4, 3], top=4, rounding="nearest")[0]
4
"""

from __future__ import annotations

import math
from fractions import Fraction


def round_fraction(value: Fraction, rounding: str | None) -> Fraction:
    """``value`` to a whole number: nearest (halves up), down or up; None leaves it exact."""
    if rounding == "nearest":
        return Fraction(math.floor(value + Fraction(1, 2)))
    if rounding == "down":
        return Fraction(math.floor(value))
    if rounding == "up":
        return Fraction(math.ceil(value))
    return value


def _show(value: Fraction, thresholds: tuple[float, ...] = ()) -> str:
    """A fraction as people read it: whole numbers as they are, others to one decimal
    (halves up), never ``54.1667``. Where one decimal would put the value on the other side
    of a band's threshold (62.96 shown as 63.0 below a band from 63), it is cut to one
    decimal instead, so the shown figure never contradicts the band it leads to.

    >>> _show(Fraction(175, 4)), _show(Fraction(325, 6)), _show(Fraction(6296, 100), (63,))
    ('43.8', '54.2', '62.9')
    """
    if value.denominator == 1:
        return str(value.numerator)
    shown = math.floor(value * 10 + Fraction(1, 2))
    if any(value < Fraction(t).limit_denominator(10**6) <= Fraction(shown, 10)
           for t in thresholds):
        shown = math.floor(value * 10)
    whole, tenth = divmod(shown, 10)
    return str(whole) if tenth == 0 else f"{whole}.{tenth}"


def aggregate_levels(method: str, levels: list[int], *, top: int, rounding: str | None = None,
                     bands: tuple[tuple[int, float], ...] = ()) -> tuple[int, str]:
    """Combine whole-number levels by ``method``; returns the level and how it was reached."""
    if not levels:
        raise ValueError("nothing to aggregate")
    listed = " + ".join(str(x) for x in levels)
    if method == "min":
        return min(levels), f"lowest of {', '.join(map(str, levels))} = {min(levels)}"
    if method == "max":
        return max(levels), f"highest of {', '.join(map(str, levels))} = {max(levels)}"
    if method == "mean":
        exact = Fraction(sum(levels), len(levels))
        # A mean with no `round` rounds down: a level counts only when fully reached.
        rounded = round_fraction(exact, rounding or "down")
        level = min(max(int(rounded), 1), top)
        how = f"mean of {', '.join(map(str, levels))} = {_show(exact)}"
        if rounded != exact:
            how += f" -> {level} (rounded {rounding or 'down'})"
        return level, how
    if method == "percent":
        exact = Fraction(100 * sum(levels), len(levels) * top)
        p = round_fraction(exact, rounding)
        level = 1
        reached = None
        for band_level, threshold in sorted(bands):
            if p >= Fraction(threshold).limit_denominator(10**6):
                level, reached = band_level, threshold
        thresholds = tuple(t for _, t in bands)
        how = f"{listed} = {sum(levels)} of {len(levels) * top}: {_show(exact, thresholds)}%"
        if p != exact:
            how += f" -> {_show(p)}%"
        if reached is None:
            first = min((t for _, t in bands), default=None)
            how += f" -> level 1 (below every band{f', the lowest from {first:g}' if first is not None else ''})"
        else:
            how += f" -> band {level} (from {reached:g})"
        return level, how
    raise ValueError(f"unknown aggregation method {method!r}")
