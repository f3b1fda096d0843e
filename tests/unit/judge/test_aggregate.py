"""Aggregation methods, on boundary values: the CQC bands and each rounding rule."""

import pytest

from engine.judge.aggregate import aggregate_levels

BANDS = ((2, 39), (3, 63), (4, 88))


@pytest.mark.parametrize("levels, rounding, want", [
    ([3, 2, 3, 3], "nearest", 3),        # CQC example A: 11/16 = 68.75% -> 69% -> 3
    ([2, 1, 2, 1], "nearest", 1),        # 6/16 = 37.5% -> 38%: still below 39
    ([2, 2, 2, 4], "nearest", 3),        # 10/16 = 62.5% -> 63% -> band 3
    ([2, 2, 2, 4], None, 2),             # exact 62.5% < 63 -> band 2
    ([2, 2, 2, 4], "down", 2),           # 62% -> band 2
    ([4, 4, 3, 3], "nearest", 4),        # 14/16 = 87.5% -> 88% -> band 4
    ([4, 4, 3, 3], None, 3),             # exact 87.5% -> band 3
    ([4, 4, 3, 3], "down", 3),
    ([4, 4, 3, 3], "up", 4),
    ([1, 1, 1, 1], "nearest", 1),        # 25%: below every band
    ([4, 4, 4, 4], "nearest", 4),
    ([3, 3, 3, 2, 3, 3, 2, 2], None, 3), # 21/32 = 65.6% -> Good (CQC example B)
])
def test_percent_bands(levels, rounding, want):
    got, _ = aggregate_levels("percent", levels, top=4, rounding=rounding, bands=BANDS)
    assert got == want


def test_percent_text_shows_the_arithmetic():
    _, text = aggregate_levels("percent", [2, 2, 2, 4], top=4, rounding="nearest", bands=BANDS)
    assert text == "2 + 2 + 2 + 4 = 10 of 16: 62.5% -> 63% -> band 3 (from 63)"


@pytest.mark.parametrize("levels, rounding, want", [
    ([4, 3], "nearest", 4),     # 3.5 halves up
    ([4, 3], "down", 3),
    ([4, 3], "up", 4),
    ([4, 3], None, 3),          # no `round`: down
    ([2, 3, 3], "nearest", 3),  # 2.67
    ([1, 2, 2], "nearest", 2),  # 1.67
    ([1, 1, 2], "nearest", 1),  # 1.33
    ([3], "nearest", 3),
])
def test_mean_rounding(levels, rounding, want):
    assert aggregate_levels("mean", levels, top=4, rounding=rounding)[0] == want


@pytest.mark.parametrize("method, levels, want", [
    ("min", [3, 1, 4], 1), ("max", [3, 1, 4], 4), ("min", [2], 2),
])
def test_min_and_max(method, levels, want):
    assert aggregate_levels(method, levels, top=4)[0] == want


def test_nothing_to_aggregate_is_refused():
    with pytest.raises(ValueError):
        aggregate_levels("min", [], top=4)


@pytest.mark.parametrize("levels, shown", [
    ([3, 2, 2], "7 of 12: 58.3% -> band 2"),          # 58.333...: one decimal, never 58.3333
    ([4, 3, 3, 3, 3, 3], "19 of 24: 79.2% -> band 3"),  # 79.1666...: halves up
    ([4] * 14 + [3] * 13, "95 of 108: 87.9% -> band 3"),  # 87.96...: 88.0 would contradict band 3
])
def test_the_working_shows_percentages_to_one_decimal_without_crossing_a_band(levels, shown):
    _, how = aggregate_levels("percent", levels, top=4, bands=((2, 39), (3, 63), (4, 88)))
    assert shown in how
