"""Aggregation's arithmetic on whole numbers gives what the plain fraction formulas give.

``round_fraction``, ``_show`` and the band test compare numerators and
denominators as products of whole numbers instead of ``Fraction`` objects (one
comparison of fractions costs more than the rest of an aggregation). Checked here
over every fraction with a small numerator and denominator, both signs, against
the formulas written with ``math.floor`` and ``Fraction`` comparisons, and
against band thresholds with decimals.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from engine.judge.aggregate import _show, _threshold, aggregate_levels, round_fraction

FRACTIONS = sorted({Fraction(n, d) for n in range(-160, 161) for d in range(1, 17)})
THRESHOLDS = (0, 12.5, 33.3, 39, 50, 62.96, 63, 66.67, 87.5, 88, 100)


def plain_round(value: Fraction, rounding: str | None) -> Fraction:
    if rounding == "nearest":
        return Fraction(math.floor(value + Fraction(1, 2)))
    if rounding == "down":
        return Fraction(math.floor(value))
    if rounding == "up":
        return Fraction(math.ceil(value))
    return value


def plain_show(value: Fraction, thresholds: tuple[float, ...] = ()) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    shown = math.floor(value * 10 + Fraction(1, 2))
    if any(value < Fraction(t).limit_denominator(10**6) <= Fraction(shown, 10)
           for t in thresholds):
        shown = math.floor(value * 10)
    whole, tenth = divmod(shown, 10)
    return str(whole) if tenth == 0 else f"{whole}.{tenth}"


@pytest.mark.parametrize("rounding", ["nearest", "down", "up", None])
def test_rounding_on_whole_numbers_is_the_fraction_formula(rounding):
    for value in FRACTIONS:
        got = round_fraction(value, rounding)
        assert got == plain_round(value, rounding), (value, rounding)
        assert str(got) == str(plain_round(value, rounding)), (value, rounding)


def test_a_fraction_is_shown_as_the_fraction_formula_shows_it():
    cut = 0
    for value in FRACTIONS:
        for thresholds in ((), THRESHOLDS, (value.numerator / value.denominator,)):
            assert _show(value, thresholds) == plain_show(value, thresholds), (value, thresholds)
        cut += plain_show(value, THRESHOLDS) != plain_show(value)
    assert cut                                     # the table meets the cut-down case


def test_a_percentage_reaches_the_band_a_fraction_comparison_gives():
    bands = tuple((level, t) for level, t in zip((2, 3, 4), (33.3, 62.96, 87.5)))
    for top in (3, 4, 5):
        for count in range(1, 9):
            for total in range(count, count * top + 1):
                levels = [total // count + (i < total % count) for i in range(count)]
                for rounding in ("nearest", "down", "up", None):
                    level, _ = aggregate_levels("percent", levels, top=top,
                                                rounding=rounding, bands=bands)
                    p = plain_round(Fraction(100 * total, count * top), rounding)
                    want = max([1] + [b for b, t in bands
                                      if p >= Fraction(t).limit_denominator(10**6)])
                    assert level == want, (levels, top, rounding)


def test_a_threshold_is_kept_as_its_exact_fraction():
    assert _threshold(62.96) == (1574, 25)
    assert _threshold(12.5) == (25, 2)
