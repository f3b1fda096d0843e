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

from fractions import Fraction
from functools import lru_cache


def round_fraction(value: Fraction, rounding: str | None) -> Fraction | int:
    """``value`` to a whole number: nearest (halves up), down or up; None leaves it exact.

    Whole numbers come back as ``int`` (exact, and compared with fractions exactly).

    >>> round_fraction(Fraction(5, 2), "nearest"), round_fraction(Fraction(-5, 2), "nearest")
    (3, -2)
    >>> round_fraction(Fraction(7, 3), "down"), round_fraction(Fraction(7, 3), "up")
    (2, 3)
    """
    n, d = value.numerator, value.denominator
    if rounding == "nearest":
        return (2 * n + d) // (2 * d)          # floor(value + 1/2)
    if rounding == "down":
        return n // d
    if rounding == "up":
        return -(-n // d)
    return value


@lru_cache(maxsize=256)
def _threshold(t: float) -> tuple[int, int]:
    """A band's threshold as an exact fraction's numerator and denominator (``62.5`` ->
    (125, 2)), made once per threshold: comparisons are then products of whole numbers."""
    exact = Fraction(t).limit_denominator(10**6)
    return exact.numerator, exact.denominator


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
    n, d = value.numerator, value.denominator
    shown = (20 * n + d) // (2 * d)            # floor(value * 10 + 1/2)
    for t in thresholds:
        tn, td = _threshold(t)
        if n * td < tn * d and tn * 10 <= shown * td:     # value < t <= shown / 10
            shown = (10 * n) // d              # floor(value * 10)
            break
    whole, tenth = divmod(shown, 10)
    return str(whole) if tenth == 0 else f"{whole}.{tenth}"


def aggregate_levels(method: str, levels: list[int], *, top: int, rounding: str | None = None,
                     bands: tuple[tuple[int, float], ...] = ()) -> tuple[int, str]:
    """Combine whole-number levels by ``method``; returns the level and how it was reached."""
    if not levels:
        raise ValueError("nothing to aggregate")
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
        listed = " + ".join(map(str, levels))
        exact = Fraction(100 * sum(levels), len(levels) * top)
        p = round_fraction(exact, rounding)
        level = 1
        reached = None
        pn, pd = p.numerator, p.denominator
        for band_level, threshold in sorted(bands):
            tn, td = _threshold(threshold)
            if pn * td >= tn * pd:                                # p >= threshold
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
